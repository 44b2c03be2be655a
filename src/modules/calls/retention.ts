import type { Deps } from '../../shared/deps.ts';
import * as repo from './repository.ts';
import { retentionCutoff } from './rules.ts';

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
  let timer: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

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
  const tick = () => {
    if (running) return;
    running = runOnce()
      .catch((err: unknown) => log('run failed', err))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    runOnce,
    start() {
      if (timer) return;
      first = setTimeout(tick, 15_000);
      first.unref();
      timer = setInterval(tick, o.intervalMs ?? 60 * 60 * 1000);
      timer.unref();
    },
    async stop() {
      if (first) clearTimeout(first);
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
