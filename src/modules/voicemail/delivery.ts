import type { Deps } from '../../shared/deps.ts';
import { emit } from '../../shared/deps.ts';
import type { Mailer } from '../auth/mailer.ts';
import type { VoicemailAudioStore } from './audio-store.ts';
import * as repo from './repository.ts';
import { EMAIL_MAX_ATTEMPTS, EMAIL_UNCONFIGURED_RETRY_MS, audioFilename, deliveryPolicy, emailBackoffMs, emailBody, emailRecipient, emailSubject } from './rules.ts';
import { VOICEMAIL_ACTOR, removeMessage, type Clock } from './service.ts';

export interface DeliveryOptions {
  mailer: Mailer;
  audioStore: VoicemailAudioStore;
  clock?: Clock;
  /** How often start() looks for due messages (default 5 s). */
  intervalMs?: number;
  /** Messages per run (default 50). */
  batch?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface RunResult {
  sent: number;
  retry: number;
  failed: number;
  deferred: number;
}

export interface DeliveryJob {
  /** Sends every message due at `now`; never throws for a mail problem (the row records it). */
  runOnce(now?: Date): Promise<RunResult>;
  /** Runs every intervalMs on an unref'd timer (does not keep the process alive). */
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** While one run sends a message, another run (another process) leaves it alone this long. */
const LEASE_MS = 10 * 60 * 1000;

function shortError(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > 500 ? `${m.slice(0, 500)}…` : m;
}

/**
 * 'Send voicemails by email': mails each pending message with its WAV attached. All state is in the message
 * row (email_status / email_attempts / email_next_at / email_last_error), so a restart loses nothing. A failed
 * send is retried with exponential backoff (30 s … 1 h) and the message is kept; after SMTP accepted it, the
 * message is 'sent' and, with 'Delete messages after emailing them' (or without phone access), deleted.
 */
export function voicemailDelivery(deps: Deps, opts: DeliveryOptions): DeliveryJob {
  const clock = opts.clock ?? (() => new Date());
  const log = opts.log ?? ((m: string, err?: unknown) => console.error(`voicemail email: ${m}`, err ?? ''));
  const batch = opts.batch ?? 50;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function deliver(row: repo.MessageRow, now: Date, result: RunResult): Promise<void> {
    const db = deps.database.db;
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    if (!opts.mailer.configured) {
      await repo.setEmailState(db, row.account_id, row.id, { email_status: 'pending', email_next_at: at(EMAIL_UNCONFIGURED_RETRY_MS), email_last_error: 'mail not configured' });
      result.deferred++;
      return;
    }
    if (!(await repo.claimEmail(db, row.account_id, row.id, row.email_next_at!, at(LEASE_MS)))) return;
    const mb = await repo.mailbox(db, row.account_id, row.user_id);
    if (!mb) return; // the user is being deleted; the message goes with them
    const fail = async (reason: string) => {
      await repo.setEmailState(db, row.account_id, row.id, { email_status: 'failed', email_next_at: null, email_last_error: reason });
      result.failed++;
    };
    const to = emailRecipient(mb);
    if (!to) return fail('no email address: set a voicemail email, an alternative email or an email for this user');
    const wav = await opts.audioStore.read(row.audio_file);
    if (!wav) return fail('the recording is missing from the voicemail folder');
    const attempts = row.email_attempts + 1;
    try {
      await opts.mailer.send({
        to,
        subject: emailSubject({ callerName: row.caller_name, callerNumber: row.caller_number, durationMs: row.duration_ms }),
        text: emailBody({ callerName: row.caller_name, callerNumber: row.caller_number, durationMs: row.duration_ms, receivedAt: row.received_at, timezone: mb.timezone, mailbox: mb.extension, mailboxName: mb.display_name }),
        attachments: [{ filename: audioFilename(mb.extension, row.received_at, mb.timezone), content: wav, contentType: 'audio/wav' }],
      });
    } catch (err) {
      const giveUp = attempts >= EMAIL_MAX_ATTEMPTS;
      await repo.setEmailState(db, row.account_id, row.id, {
        email_status: giveUp ? 'failed' : 'pending',
        email_attempts: attempts,
        email_next_at: giveUp ? null : at(emailBackoffMs(attempts)),
        email_last_error: shortError(err),
      });
      if (giveUp) result.failed++;
      else result.retry++;
      log(`message ${row.id} to ${to} not sent (attempt ${attempts}): ${shortError(err)}`);
      return;
    }
    await repo.setEmailState(db, row.account_id, row.id, { email_status: 'sent', email_attempts: attempts, email_next_at: null, email_last_error: null });
    result.sent++;
    await emit(deps, VOICEMAIL_ACTOR, 'voicemail.message.emailed', row.account_id, row.id, undefined, { userId: row.user_id, id: row.id, to, attempts });
    if (deliveryPolicy(mb).deleteAfterEmail) await removeMessage(deps, opts.audioStore, VOICEMAIL_ACTOR, row, 'voicemail.message.deleted');
  }

  async function runOnce(now: Date = clock()): Promise<RunResult> {
    const result: RunResult = { sent: 0, retry: 0, failed: 0, deferred: 0 };
    const due = await repo.dueEmails(deps.database.db, now.toISOString(), batch);
    for (const row of due) {
      try {
        await deliver(row, now, result);
      } catch (err) {
        // A store or disk problem for one message must not stop the others; it is due again after the lease.
        log(`message ${row.id}: ${shortError(err)}`, err);
      }
    }
    return result;
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = runOnce()
          .catch((err: unknown) => log('run failed', err))
          .finally(() => {
            running = undefined;
          });
      }, opts.intervalMs ?? 5000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
