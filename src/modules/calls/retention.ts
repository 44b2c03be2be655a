import type { Deps } from '../../shared/deps.ts';
import * as repo from './repository.ts';
import { retentionCutoff } from './rules.ts';
import { periodic } from '../../shared/periodic.ts';

export interface CallRetentionJob {
  /** Deletes every call older than its account's call_retention_days; returns how many. */
  runOnce(now?: Date): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

const PAGE = 1000;

/** Expires call history per account (accounts.call_retention_days, default 365), hourly on an unref'd timer. */
export function callRetention(deps: Deps, o: { intervalMs?: number; clock?: () => Date; log?: (m: string, err?: unknown) => void } = {}): CallRetentionJob {
  const clock = o.clock ?? (() => new Date());
  const log = o.log ?? ((m: string, err?: unknown) => console.error(`call retention: ${m}`, err ?? ''));

  async function runOnce(now: Date = clock()): Promise<number> {
    let removed = 0;
    for (const account of await repo.accountsRetention(deps.database.db)) {
      const cutoff = retentionCutoff(now, account.days);
      for (;;) {
        const n = await repo.deleteOlderThan(deps.database.db, account.id, cutoff, PAGE);
        removed += n;
        if (n < PAGE) break;
      }
    }
    return removed;
  }
  const job = periodic(runOnce, { intervalMs: o.intervalMs ?? 60 * 60 * 1000, firstMs: 15_000, log });
  return { runOnce, start: job.start, stop: job.stop };
}
