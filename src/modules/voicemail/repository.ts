import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import type { VoicemailMessagesTable } from '../../db/types.ts';
import type { Folder, GreetingKind, MessageRef } from './backend.ts';
import type { PinState } from './rules.ts';
import type { VoicemailMessage } from './schema.ts';

export type MessageRow = Selectable<VoicemailMessagesTable>;

/** The mailbox owner with what voicemail needs: settings, addresses, office timezone, account code and realm. */
export interface MailboxRow {
  account_id: string;
  account_code: string;
  sip_realm: string;
  id: string;
  office_id: string;
  extension: string;
  display_name: string;
  scope: string;
  email: string | null;
  alt_email: string | null;
  vm_enabled: number;
  vm_pin: string | null;
  vm_email_delivery: number;
  vm_email: string | null;
  vm_delete_after_email: number;
  vm_keep_on_server: number;
  timezone: string;
}

function mailboxQuery(conn: Conn) {
  return conn
    .selectFrom('users as u')
    .innerJoin('accounts as a', 'a.id', 'u.account_id')
    .innerJoin('offices as o', (j) => j.onRef('o.id', '=', 'u.office_id').onRef('o.account_id', '=', 'u.account_id'))
    .select([
      'u.account_id',
      'a.code as account_code',
      'a.sip_realm',
      'u.id',
      'u.office_id',
      'u.extension',
      'u.display_name',
      'u.scope',
      'u.email',
      'u.alt_email',
      'u.vm_enabled',
      'u.vm_pin',
      'u.vm_email_delivery',
      'u.vm_email',
      'u.vm_delete_after_email',
      'u.vm_keep_on_server',
      'o.timezone',
    ]);
}

export async function mailboxByExtension(conn: Conn, accountCode: string, extension: string): Promise<MailboxRow | undefined> {
  return mailboxQuery(conn).where('a.code', '=', accountCode).where('u.extension', '=', extension).executeTakeFirst();
}

/** MWI subscriptions: the mailbox of the SIP user Kamailio authenticated (realm compared case-insensitively). */
export async function mailboxBySipUser(conn: Conn, realm: string, sipUsername: string): Promise<MailboxRow | undefined> {
  return mailboxQuery(conn).where('a.sip_realm', '=', realm.toLowerCase()).where('u.sip_username', '=', sipUsername).executeTakeFirst();
}

export async function mailbox(conn: Conn, accountId: string, userId: string): Promise<MailboxRow | undefined> {
  return mailboxQuery(conn).where('u.account_id', '=', accountId).where('u.id', '=', userId).executeTakeFirst();
}

export function toMessageRef(r: MessageRow): MessageRef {
  return { id: r.id, folder: r.folder as Folder, callerNumber: r.caller_number, callerName: r.caller_name, receivedAt: r.received_at, durationMs: r.duration_ms };
}

export function toMessage(r: MessageRow): VoicemailMessage {
  return { ...toMessageRef(r), sizeBytes: r.size_bytes };
}

export async function insertMessage(conn: Conn, row: VoicemailMessagesTable): Promise<void> {
  await conn.insertInto('voicemail_messages').values(row).execute();
}

/** New first, then saved; oldest first within a folder. */
export async function listMessages(conn: Conn, accountId: string, userId: string): Promise<MessageRow[]> {
  const rows = await conn.selectFrom('voicemail_messages').selectAll().where('account_id', '=', accountId).where('user_id', '=', userId).orderBy('received_at').orderBy('id').execute();
  return [...rows.filter((r) => r.folder === 'new'), ...rows.filter((r) => r.folder !== 'new')];
}

export async function counts(conn: Conn, accountId: string, userId: string): Promise<{ newCount: number; savedCount: number }> {
  const rows = await conn
    .selectFrom('voicemail_messages')
    .select(['folder', (eb) => eb.fn.countAll<number>().as('n')])
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .groupBy('folder')
    .execute();
  const of = (f: string) => Number(rows.find((r) => r.folder === f)?.n ?? 0);
  return { newCount: of('new'), savedCount: of('saved') };
}

export async function findMessage(conn: Conn, accountId: string, userId: string, id: string): Promise<MessageRow | undefined> {
  return conn.selectFrom('voicemail_messages').selectAll().where('account_id', '=', accountId).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
}

export async function setFolder(conn: Conn, accountId: string, userId: string, id: string, folder: Folder): Promise<void> {
  await conn.updateTable('voicemail_messages').set({ folder }).where('account_id', '=', accountId).where('user_id', '=', userId).where('id', '=', id).execute();
}

/** Deletes the row; true when it was there (so only one caller goes on to remove the file and emit). */
export async function deleteMessage(conn: Conn, accountId: string, id: string): Promise<boolean> {
  const r = await conn.deleteFrom('voicemail_messages').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// ---------- email delivery (the job scans across accounts; every write is still keyed by account) ----------
export async function dueEmails(conn: Conn, now: string, limit: number): Promise<MessageRow[]> {
  return conn.selectFrom('voicemail_messages').selectAll().where('email_status', '=', 'pending').where('email_next_at', '<=', now).orderBy('email_next_at').limit(limit).execute();
}

/** Takes a due message for this run (moves email_next_at on); false if another run took it first. */
export async function claimEmail(conn: Conn, accountId: string, id: string, seenNextAt: string, leaseUntil: string): Promise<boolean> {
  const r = await conn
    .updateTable('voicemail_messages')
    .set({ email_next_at: leaseUntil })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('email_status', '=', 'pending')
    .where('email_next_at', '=', seenNextAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function setEmailState(
  conn: Conn,
  accountId: string,
  id: string,
  s: { email_status: string; email_attempts?: number; email_next_at: string | null; email_last_error: string | null },
): Promise<void> {
  await conn.updateTable('voicemail_messages').set(s).where('account_id', '=', accountId).where('id', '=', id).execute();
}

// ---------- retention ----------
export async function accountsRetention(conn: Conn): Promise<Array<{ id: string; days: number }>> {
  const rows = await conn.selectFrom('accounts').select(['id', 'voicemail_retention_days']).execute();
  return rows.map((r) => ({ id: r.id, days: Number(r.voicemail_retention_days) }));
}

export async function olderThan(conn: Conn, accountId: string, cutoff: string, limit: number): Promise<MessageRow[]> {
  return conn.selectFrom('voicemail_messages').selectAll().where('account_id', '=', accountId).where('received_at', '<', cutoff).orderBy('received_at').limit(limit).execute();
}

// ---------- greetings ----------
export async function greeting(conn: Conn, accountId: string, userId: string, kind: GreetingKind): Promise<{ audio_file: string; updated_at: string } | undefined> {
  return conn.selectFrom('voicemail_greetings').select(['audio_file', 'updated_at']).where('account_id', '=', accountId).where('user_id', '=', userId).where('kind', '=', kind).executeTakeFirst();
}

export async function greetings(conn: Conn, accountId: string, userId: string): Promise<Array<{ kind: string; updated_at: string }>> {
  return conn.selectFrom('voicemail_greetings').select(['kind', 'updated_at']).where('account_id', '=', accountId).where('user_id', '=', userId).orderBy('kind').execute();
}

export async function upsertGreeting(conn: Conn, accountId: string, userId: string, kind: GreetingKind, audioFile: string, now: string): Promise<void> {
  await conn
    .insertInto('voicemail_greetings')
    .values({ account_id: accountId, user_id: userId, kind, audio_file: audioFile, updated_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ audio_file: audioFile, updated_at: now }))
    .execute();
}

export async function deleteGreeting(conn: Conn, accountId: string, userId: string, kind: GreetingKind): Promise<void> {
  await conn.deleteFrom('voicemail_greetings').where('account_id', '=', accountId).where('user_id', '=', userId).where('kind', '=', kind).execute();
}

// ---------- PIN ----------
export async function pinState(conn: Conn, accountId: string, userId: string): Promise<PinState | null> {
  const r = await conn.selectFrom('voicemail_pin_failures').select(['failures', 'locked_until']).where('account_id', '=', accountId).where('user_id', '=', userId).executeTakeFirst();
  return r ? { failures: Number(r.failures), lockedUntil: r.locked_until } : null;
}

export async function savePinState(conn: Conn, accountId: string, userId: string, s: PinState, now: string): Promise<void> {
  await conn
    .insertInto('voicemail_pin_failures')
    .values({ account_id: accountId, user_id: userId, failures: s.failures, locked_until: s.lockedUntil, updated_at: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ failures: s.failures, locked_until: s.lockedUntil, updated_at: now }))
    .execute();
}

export async function setPin(conn: Conn, accountId: string, userId: string, pin: string, now: string): Promise<void> {
  await conn.updateTable('users').set({ vm_pin: pin, updated_at: now }).where('account_id', '=', accountId).where('id', '=', userId).execute();
}
