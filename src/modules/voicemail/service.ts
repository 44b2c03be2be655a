import { createHash, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../../shared/deps.ts';
import { emit } from '../../shared/deps.ts';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import { assertMayManage, authorize, type Actor } from '../../shared/permissions.ts';
import { requestContext } from '../../shared/request-context.ts';
import { resolveAccount } from '../accounts/service.ts';
import { checkPin as pinRule } from '../users/rules.ts';
import type { Folder, GreetingKind, MailboxInfo, PinCheck, VoicemailBackend } from './backend.ts';
import type { VoicemailAudioStore } from './audio-store.ts';
import { convertGreeting } from './convert.ts';
import * as repo from './repository.ts';
import { PIN_MAX_FAILURES, audioFilename, deliveryPolicy, greetingFilename, pinAttempt } from './rules.ts';
import type { GreetingInfo, MessageList, VoicemailMessage } from './schema.ts';
import { isStoreFormat, parseWav, wavToStoreFormat } from './wav.ts';

export type Clock = () => Date;
const systemClock: Clock = () => new Date();

/** Who writes when the media server (777 menu, a caller leaving a message) or a voicemail job changes something. */
export const VOICEMAIL_ACTOR: Actor = { kind: 'system', id: 'voicemail', label: 'voicemail' };

/** Events beyond backend.ts's VOICEMAIL_EVENTS (greetings and PINs); all carry after/before.userId. */
export const VOICEMAIL_AUDIT_EVENTS = ['voicemail.greeting.updated', 'voicemail.greeting.deleted', 'voicemail.pin.failed', 'voicemail.pin.locked', 'voicemail.pin.changed'] as const;

/** What an event says about a message (never the audio or file name). */
function messageFacts(userId: string, r: repo.MessageRow): Record<string, unknown> {
  return { userId, id: r.id, folder: r.folder, callerNumber: r.caller_number, callerName: r.caller_name, receivedAt: r.received_at, durationMs: r.duration_ms };
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison does not leak the length either.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Deletes a message (row, then file) and emits `type` (voicemail.message.deleted / .expired) with
 * before.userId. Only the caller that actually deleted the row emits, so concurrent deletes emit once.
 */
export async function removeMessage(deps: Deps, audio: VoicemailAudioStore, actor: Actor, row: repo.MessageRow, type: 'voicemail.message.deleted' | 'voicemail.message.expired'): Promise<boolean> {
  const deleted = await repo.deleteMessage(deps.database.db, row.account_id, row.id);
  if (!deleted) return false;
  // A file left behind by a failing disk is harmless (unreferenced); the row, which the user sees, is gone.
  await audio.remove(row.audio_file).catch(() => {});
  await emit(deps, actor, type, row.account_id, row.id, messageFacts(row.user_id, row), undefined);
  return true;
}

async function storeGreeting(deps: Deps, audio: VoicemailAudioStore, actor: Actor, accountId: string, userId: string, kind: GreetingKind, wav: Buffer, durationMs: number, now: Date): Promise<GreetingInfo & { durationMs: number; sizeBytes: number }> {
  const db = deps.database.db;
  const old = await repo.greeting(db, accountId, userId, kind);
  const file = `${newId()}.wav`;
  await audio.write(file, wav);
  try {
    await repo.upsertGreeting(db, accountId, userId, kind, file, now.toISOString());
  } catch (err) {
    await audio.remove(file).catch(() => {});
    throw err;
  }
  if (old) await audio.remove(old.audio_file).catch(() => {});
  const info = { kind, updatedAt: now.toISOString(), durationMs, sizeBytes: wav.length };
  await emit(deps, actor, 'voicemail.greeting.updated', accountId, userId, old ? { userId, kind, updatedAt: old.updated_at } : undefined, { userId, ...info });
  return info;
}

const pinQueues = new Map<string, Promise<unknown>>();
function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = pinQueues.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => {});
  pinQueues.set(key, tail);
  void tail.then(() => {
    if (pinQueues.get(key) === tail) pinQueues.delete(key);
  });
  return run;
}

/** The store behind the media server (backend.ts), over the real database and audio folder. */
export function voicemailBackend(deps: Deps, audio: VoicemailAudioStore, clock: Clock = systemClock): VoicemailBackend {
  const db = () => deps.database.db;
  const mustMailbox = async (accountId: string, userId: string) => {
    const mb = await repo.mailbox(db(), accountId, userId);
    if (!mb) throw new NotFoundError('mailbox');
    return mb;
  };
  async function checkPinNow(accountId: string, userId: string, pin: string, source: string): Promise<PinCheck> {
    const mb = await repo.mailbox(db(), accountId, userId);
    // No mailbox or no PIN: nothing can match, and there is nothing to lock.
    if (!mb || !mb.vm_pin) return 'wrong';
    const now = clock();
    const before = await repo.pinState(db(), accountId, userId);
    const { result, state, lockedNow } = pinAttempt(before, sameSecret(pin, mb.vm_pin), now);
    const changed = JSON.stringify(before ?? { failures: 0, lockedUntil: null }) !== JSON.stringify(state);
    if (changed) await repo.savePinState(db(), accountId, userId, state, now.toISOString());
    if (result === 'ok') return 'ok';
    await requestContext.run({ source }, async () => {
      const failures = lockedNow ? PIN_MAX_FAILURES : result === 'locked' ? undefined : state.failures;
      await emit(deps, VOICEMAIL_ACTOR, 'voicemail.pin.failed', accountId, userId, undefined, { userId, extension: mb.extension, ...(failures !== undefined && { failuresInARow: failures }), ...(result === 'locked' && !lockedNow && { whileLocked: true }) });
      if (lockedNow) await emit(deps, VOICEMAIL_ACTOR, 'voicemail.pin.locked', accountId, userId, undefined, { userId, extension: mb.extension, lockedUntil: state.lockedUntil });
    });
    return result;
  }

  const info = (mb: repo.MailboxRow | undefined): MailboxInfo | null => {
    if (!mb) return null;
    return {
      accountId: mb.account_id,
      accountCode: mb.account_code,
      realm: mb.sip_realm,
      userId: mb.id,
      extension: mb.extension,
      displayName: mb.display_name,
      enabled: mb.vm_enabled === 1,
      keepOnServer: mb.vm_keep_on_server === 1,
      hasPin: !!mb.vm_pin,
      timezone: mb.timezone,
    };
  };

  return {
    async mailbox(accountCode, extension) {
      return info(await repo.mailboxByExtension(db(), accountCode, extension));
    },

    async mailboxBySipUser(realm, sipUsername) {
      return info(await repo.mailboxBySipUser(db(), realm, sipUsername));
    },

    async greeting(accountId, userId, kind) {
      const g = await repo.greeting(db(), accountId, userId, kind);
      return g ? audio.read(g.audio_file) : null;
    },

    async setGreeting(accountId, userId, kind, wav) {
      await mustMailbox(accountId, userId);
      const p = parseWav(wav);
      if (!p.ok) throw new ValidationError([{ field: 'wav', reason: p.reason }]);
      const stored = isStoreFormat(p.info) ? wav : wavToStoreFormat(wav, p.info);
      await storeGreeting(deps, audio, VOICEMAIL_ACTOR, accountId, userId, kind, stored, Math.round(((stored.length - 44) / 2 / 8000) * 1000), clock());
    },

    async deposit(input) {
      const mb = await mustMailbox(input.accountId, input.userId);
      // What is stored is always the 8 kHz 16-bit mono WAV (backend.ts); anything else is converted or refused.
      const p = parseWav(input.wav);
      if (!p.ok) throw new ValidationError([{ field: 'wav', reason: p.reason }]);
      const wav = isStoreFormat(p.info) ? input.wav : wavToStoreFormat(input.wav, p.info);
      const now = clock().toISOString();
      const policy = deliveryPolicy(mb);
      const id = newId();
      const file = `${newId()}.wav`;
      await audio.write(file, wav);
      const row = {
        id,
        account_id: mb.account_id,
        user_id: mb.id,
        folder: 'new',
        caller_number: input.callerNumber,
        caller_name: input.callerName,
        received_at: input.receivedAt,
        duration_ms: Math.max(0, Math.round(input.durationMs)),
        audio_file: file,
        size_bytes: wav.length,
        email_status: policy.email ? 'pending' : 'none',
        email_attempts: 0,
        email_next_at: policy.email ? now : null,
        email_last_error: null,
        created_at: now,
      };
      try {
        await repo.insertMessage(db(), row);
      } catch (err) {
        await audio.remove(file).catch(() => {});
        throw err;
      }
      await emit(deps, VOICEMAIL_ACTOR, 'voicemail.message.deposited', mb.account_id, id, undefined, { ...messageFacts(mb.id, row), email: policy.email });
      return { id };
    },

    summary: (accountId, userId) => repo.counts(db(), accountId, userId),

    async messages(accountId, userId) {
      return (await repo.listMessages(db(), accountId, userId)).map(repo.toMessageRef);
    },

    async audio(accountId, userId, messageId) {
      const m = await repo.findMessage(db(), accountId, userId, messageId);
      return m ? audio.read(m.audio_file) : null;
    },

    async setFolder(accountId, userId, messageId, folder) {
      const m = await repo.findMessage(db(), accountId, userId, messageId);
      if (!m) throw new NotFoundError('message');
      if (m.folder === folder) return;
      await repo.setFolder(db(), accountId, userId, messageId, folder);
      await emit(deps, VOICEMAIL_ACTOR, 'voicemail.message.updated', accountId, messageId, { userId, id: messageId, folder: m.folder }, { userId, id: messageId, folder });
    },

    async remove(accountId, userId, messageId) {
      const m = await repo.findMessage(db(), accountId, userId, messageId);
      if (m) await removeMessage(deps, audio, VOICEMAIL_ACTOR, m, 'voicemail.message.deleted');
    },

    checkPin(accountId, userId, pin, source): Promise<PinCheck> {
      // One attempt at a time per mailbox, so parallel calls cannot lose a counted failure.
      return serialised(userId, () => checkPinNow(accountId, userId, pin, source));
    },

    async changePin(accountId, userId, pin) {
      const mb = await mustMailbox(accountId, userId);
      const why = pinRule(pin, mb.extension);
      if (why) return { ok: false, reason: `The PIN ${why}.` };
      const now = clock().toISOString();
      await deps.database.db.transaction().execute(async (tx) => {
        await repo.setPin(tx, accountId, userId, pin, now);
        await repo.savePinState(tx, accountId, userId, { failures: 0, lockedUntil: null }, now);
      });
      await emit(deps, VOICEMAIL_ACTOR, 'voicemail.pin.changed', accountId, userId, { userId, pinSet: !!mb.vm_pin }, { userId, pinSet: true });
      return { ok: true };
    },
  };
}

// ---------------------------------------------------------------- the API's use cases

/** Resolves the account and the mailbox owner, then authorises (another tenant: 404; lower role: 403). */
async function loadMailbox(deps: Deps, actor: Actor, accountKey: string, userId: string, action: 'voicemail.read' | 'voicemail.manage'): Promise<repo.MailboxRow> {
  const account = await resolveAccount(deps, actor, accountKey);
  const mb = await repo.mailbox(deps.database.db, account.id, userId);
  if (!mb) throw new NotFoundError('user');
  authorize(actor, action, { accountId: account.id, officeId: mb.office_id, userId: mb.id }, 'user');
  assertMayManage(actor, { id: mb.id, scope: mb.scope });
  return mb;
}

async function loadMessage(deps: Deps, actor: Actor, accountKey: string, userId: string, id: string, action: 'voicemail.read' | 'voicemail.manage') {
  const mb = await loadMailbox(deps, actor, accountKey, userId, action);
  const row = await repo.findMessage(deps.database.db, mb.account_id, mb.id, id);
  if (!row) throw new NotFoundError('message');
  return { mb, row };
}

export async function listMessages(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<MessageList> {
  const mb = await loadMailbox(deps, actor, accountKey, userId, 'voicemail.read');
  const rows = await repo.listMessages(deps.database.db, mb.account_id, mb.id);
  return { items: rows.map(repo.toMessage), newCount: rows.filter((r) => r.folder === 'new').length, savedCount: rows.filter((r) => r.folder === 'saved').length };
}

export async function messageAudio(deps: Deps, audio: VoicemailAudioStore, actor: Actor, accountKey: string, userId: string, id: string): Promise<{ wav: Buffer; filename: string }> {
  const { mb, row } = await loadMessage(deps, actor, accountKey, userId, id, 'voicemail.read');
  const wav = await audio.read(row.audio_file);
  if (!wav) throw new NotFoundError('recording');
  return { wav, filename: audioFilename(mb.extension, row.received_at, mb.timezone) };
}

export async function setMessageFolder(deps: Deps, actor: Actor, accountKey: string, userId: string, id: string, folder: Folder): Promise<VoicemailMessage> {
  const { mb, row } = await loadMessage(deps, actor, accountKey, userId, id, 'voicemail.manage');
  if (row.folder !== folder) {
    await repo.setFolder(deps.database.db, mb.account_id, mb.id, id, folder);
    await emit(deps, actor, 'voicemail.message.updated', mb.account_id, id, { userId: mb.id, id, folder: row.folder }, { userId: mb.id, id, folder });
  }
  return repo.toMessage({ ...row, folder });
}

export async function deleteMessage(deps: Deps, audio: VoicemailAudioStore, actor: Actor, accountKey: string, userId: string, id: string): Promise<void> {
  const { row } = await loadMessage(deps, actor, accountKey, userId, id, 'voicemail.manage');
  if (!(await removeMessage(deps, audio, actor, row, 'voicemail.message.deleted'))) throw new NotFoundError('message');
}

export async function listGreetings(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<{ items: GreetingInfo[] }> {
  const mb = await loadMailbox(deps, actor, accountKey, userId, 'voicemail.read');
  const rows = await repo.greetings(deps.database.db, mb.account_id, mb.id);
  return { items: rows.map((r) => ({ kind: r.kind as GreetingKind, updatedAt: r.updated_at })) };
}

/** An uploaded greeting (WAV of any format, or MP3) → converted and stored; a bad file is a 422 on 'file'. */
export async function putGreeting(deps: Deps, audio: VoicemailAudioStore, actor: Actor, accountKey: string, userId: string, kind: GreetingKind, upload: Buffer, clock: Clock = systemClock) {
  const mb = await loadMailbox(deps, actor, accountKey, userId, 'voicemail.manage');
  const c = await convertGreeting(upload);
  if (!c.ok) throw new ValidationError([{ field: 'file', reason: c.reason }]);
  return storeGreeting(deps, audio, actor, mb.account_id, mb.id, kind, c.wav, c.durationMs, clock());
}

export async function greetingAudio(deps: Deps, audio: VoicemailAudioStore, actor: Actor, accountKey: string, userId: string, kind: GreetingKind): Promise<{ wav: Buffer; filename: string }> {
  const mb = await loadMailbox(deps, actor, accountKey, userId, 'voicemail.read');
  const g = await repo.greeting(deps.database.db, mb.account_id, mb.id, kind);
  const wav = g && (await audio.read(g.audio_file));
  if (!wav) throw new NotFoundError('greeting');
  return { wav, filename: greetingFilename(mb.extension, kind) };
}

export async function deleteGreeting(deps: Deps, audio: VoicemailAudioStore, actor: Actor, accountKey: string, userId: string, kind: GreetingKind): Promise<void> {
  const mb = await loadMailbox(deps, actor, accountKey, userId, 'voicemail.manage');
  const g = await repo.greeting(deps.database.db, mb.account_id, mb.id, kind);
  if (!g) throw new NotFoundError('greeting');
  await repo.deleteGreeting(deps.database.db, mb.account_id, mb.id, kind);
  await audio.remove(g.audio_file).catch(() => {});
  await emit(deps, actor, 'voicemail.greeting.deleted', mb.account_id, mb.id, { userId: mb.id, kind, updatedAt: g.updated_at }, undefined);
}
