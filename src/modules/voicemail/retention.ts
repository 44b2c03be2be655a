import type { Deps } from '../../shared/deps.ts';
import type { VoicemailAudioStore } from './audio-store.ts';
import * as repo from './repository.ts';
import { retentionCutoff } from './rules.ts';
import { VOICEMAIL_ACTOR, removeMessage, type Clock } from './service.ts';
import { periodic } from '../../shared/periodic.ts';

export interface RetentionOptions {
  audioStore: VoicemailAudioStore;
  clock?: Clock;
  /** How often start() runs (default hourly; also once shortly after start). */
  intervalMs?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface RetentionJob {
  /** Deletes every message older than its account's voicemail_retention_days; returns how many. */
  runOnce(now?: Date): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

const PAGE = 500;

/** Expires old messages per account (accounts.voicemail_retention_days), emitting voicemail.message.expired each. */
export function voicemailRetention(deps: Deps, opts: RetentionOptions): RetentionJob {
  const clock = opts.clock ?? (() => new Date());
  const log = opts.log ?? ((m: string, err?: unknown) => console.error(`voicemail retention: ${m}`, err ?? ''));

  async function runOnce(now: Date = clock()): Promise<number> {
    let removed = 0;
    for (const account of await repo.accountsRetention(deps.database.db)) {
      const cutoff = retentionCutoff(now, account.days);
      for (;;) {
        const rows = await repo.olderThan(deps.database.db, account.id, cutoff, PAGE);
        for (const row of rows) if (await removeMessage(deps, opts.audioStore, VOICEMAIL_ACTOR, row, 'voicemail.message.expired')) removed++;
        if (rows.length < PAGE) break;
      }
    }
    await emptyTrash(deps, opts.audioStore);
    return removed;
  }

  const job = periodic(runOnce, { intervalMs: opts.intervalMs ?? 60 * 60 * 1000, firstMs: 10_000, log });
  return { runOnce, start: job.start, stop: job.stop };
}

/** Removes the recordings of deleted users (voicemail_trash, filled by deletion.ts) from the audio folder. */
export async function emptyTrash(deps: Deps, audio: VoicemailAudioStore): Promise<number> {
  let n = 0;
  for (;;) {
    const rows = await deps.database.db.selectFrom('voicemail_trash').select(['audio_file', 'account_id']).limit(PAGE).execute();
    for (const r of rows) {
      await audio.remove(r.audio_file);
      await deps.database.db.deleteFrom('voicemail_trash').where('account_id', '=', r.account_id).where('audio_file', '=', r.audio_file).execute();
      n++;
    }
    if (rows.length < PAGE) return n;
  }
}
