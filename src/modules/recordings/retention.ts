import type { Deps } from '../../shared/deps.ts';
import * as repo from './repository.ts';
import { recordingCutoff } from './rules.ts';
import { RECORDING_ACTOR, removeRecording } from './service.ts';
import type { RecordingStore } from './store.ts';
import { periodic } from '../../shared/periodic.ts';

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
  const job = periodic(runOnce, { intervalMs: opts.intervalMs ?? 60 * 60 * 1000, firstMs: 10_000, log });
  return { runOnce, start: job.start, stop: job.stop };
}
