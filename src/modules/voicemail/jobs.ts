import type { Deps } from '../../shared/deps.ts';
import type { Mailer } from '../auth/mailer.ts';
import type { VoicemailAudioStore } from './audio-store.ts';
import { voicemailDelivery } from './delivery.ts';
import { voicemailRetention } from './retention.ts';
import type { Clock } from './service.ts';

export interface VoicemailJobOptions {
  mailer: Mailer;
  audioStore: VoicemailAudioStore;
  clock?: Clock;
  deliveryIntervalMs?: number;
  retentionIntervalMs?: number;
  log?: (message: string, err?: unknown) => void;
}

/**
 * Starts the voicemail background jobs (email delivery every few seconds, retention hourly) on unref'd timers.
 * Returns a stop function that waits for a run in progress; call it before closing the store.
 */
export function startVoicemailJobs(deps: Deps, opts: VoicemailJobOptions): () => Promise<void> {
  const delivery = voicemailDelivery(deps, { mailer: opts.mailer, audioStore: opts.audioStore, clock: opts.clock, intervalMs: opts.deliveryIntervalMs, log: opts.log });
  const retention = voicemailRetention(deps, { audioStore: opts.audioStore, clock: opts.clock, intervalMs: opts.retentionIntervalMs, log: opts.log });
  delivery.start();
  retention.start();
  return async () => {
    await Promise.all([delivery.stop(), retention.stop()]);
  };
}
