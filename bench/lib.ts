/** Small helpers shared by the benchmarks: a bounded-concurrency HTTP load loop and percentiles. */
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sends `count` requests built by `make(i)` with at most `concurrency` in flight; times each one. */
export async function load(count: number, concurrency: number, make: (i: number) => Promise<Response>, ok = (r: Response) => r.ok): Promise<LoadResult> {
  const times: number[] = [];
  let next = 0;
  let errors = 0;
  const start = performance.now();
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const t0 = performance.now();
      const res = await make(i);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
      if (!ok(res)) errors++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  return { requests: count, seconds, perSecond: count / seconds, p50: percentile(times, 50), p99: percentile(times, 99), errors };
}

export const fmt = (n: number, d = 2) => n.toFixed(d);
export function row(label: string, r: LoadResult): string {
  return `${label.padEnd(44)} ${fmt(r.perSecond, 0).padStart(7)} req/s   p50 ${fmt(r.p50).padStart(6)} ms   p99 ${fmt(r.p99).padStart(6)} ms${r.errors ? `   ERRORS ${r.errors}` : ''}`;
}

/** Slices of one measurement (alternated with a baseline's) summed into one result. */
export function merge(parts: LoadResult[]): LoadResult {
  const requests = parts.reduce((n, p) => n + p.requests, 0);
  const seconds = parts.reduce((n, p) => n + p.seconds, 0);
  // percentiles of the slices weighted by size: close enough for a report line
  const w = (k: 'p50' | 'p99') => parts.reduce((n, p) => n + p[k] * p.requests, 0) / requests;
  return { requests, seconds, perSecond: requests / seconds, p50: w('p50'), p99: Math.max(...parts.map((p) => p.p99)), errors: parts.reduce((n, p) => n + p.errors, 0) };
}
