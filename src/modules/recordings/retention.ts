import type { Deps } from '../../shared/deps.ts';
import * as repo from './repository.ts';
import { recordingCutoff } from './rules.ts';
import { RECORDING_ACTOR, removeRecording } from './service.ts';
import type { RecordingStore } from './store.ts';

export interface RecordingRetention {
  /** Deletes every recording older than its account's recording_retention_days; returns how many. */
  runOnce(now?: Date): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

const PAGE = 500;

/** Expires old recordings per account (accounts.recording_retention_days, default 90), each audited as recording.expired. */
export function recordingRetention(deps: Deps, opts: { store: RecordingStore; clock?: () => Date; intervalMs?: number; log?: (m: string, err?: unknown) => void }): RecordingRetention {
  const clock = opts.clock ?? (() => new Date());
  const log = opts.log ?? ((m: string, err?: unknown) => console.error(`recording retention: ${m}`, err ?? ''));
  let timer: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function runOnce(now: Date = clock()): Promise<number> {
    let removed = 0;
    for (const account of await repo.accountsRetention(deps.database.db)) {
      const cutoff = recordingCutoff(now, account.days);
      for (;;) {
        const rows = await repo.olderThan(deps.database.db, account.id, cutoff, PAGE);
        for (const row of rows) if (await removeRecording(deps, opts.store, RECORDING_ACTOR, row, 'recording.expired')) removed++;
        if (rows.length < PAGE) break;
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
      first = setTimeout(tick, 10_000);
      first.unref();
      timer = setInterval(tick, opts.intervalMs ?? 60 * 60 * 1000);
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
