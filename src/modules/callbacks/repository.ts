/** Callback on busy: Kysely queries. Every function takes the account id and keeps to it. */
import type { Conn } from '../../db/database.ts';
import type { CallbacksTable } from '../../db/types.ts';
import type { CallbackState } from './rules.ts';
import type { Callback } from './schema.ts';

/** A callbacks row with the two users' extensions and the caller's office (withUsers). */
export interface CallbackRow extends CallbacksTable {
  caller_extension: string;
  callee_extension: string;
  caller_office_id: string;
}

function withUsers(conn: Conn) {
  return conn
    .selectFrom('callbacks as c')
    .innerJoin('users as a', (j) => j.onRef('a.id', '=', 'c.caller_user_id').onRef('a.account_id', '=', 'c.account_id'))
    .innerJoin('users as b', (j) => j.onRef('b.id', '=', 'c.callee_user_id').onRef('b.account_id', '=', 'c.account_id'))
    .select([
      'c.id',
      'c.account_id',
      'c.caller_user_id',
      'c.callee_user_id',
      'c.state',
      'c.attempts',
      'c.last_attempt_at',
      'c.created_at',
      'c.expires_at',
      'c.updated_at',
      'a.extension as caller_extension',
      'b.extension as callee_extension',
      'a.office_id as caller_office_id',
    ]);
}

export function toCallback(r: CallbackRow): Callback {
  return {
    id: r.id,
    callerUserId: r.caller_user_id,
    callerExtension: r.caller_extension,
    calleeUserId: r.callee_user_id,
    calleeExtension: r.callee_extension,
    state: r.state as CallbackState,
    attempts: Number(r.attempts),
    lastAttemptAt: r.last_attempt_at,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

/** Callbacks of the account, newest first: of one caller, or of callers in `offices` (undefined = all). */
export async function list(conn: Conn, accountId: string, o: { callerUserId?: string; offices?: string[]; state?: CallbackState; limit?: number }): Promise<CallbackRow[]> {
  let q = withUsers(conn).where('c.account_id', '=', accountId);
  if (o.callerUserId) q = q.where('c.caller_user_id', '=', o.callerUserId);
  if (o.offices) {
    if (!o.offices.length) return [];
    q = q.where('a.office_id', 'in', o.offices);
  }
  if (o.state) q = q.where('c.state', '=', o.state);
  return (await q.orderBy('c.created_at', 'desc').orderBy('c.id').limit(o.limit ?? 500).execute()) as CallbackRow[];
}

export async function find(conn: Conn, accountId: string, id: string): Promise<CallbackRow | undefined> {
  return (await withUsers(conn).where('c.account_id', '=', accountId).where('c.id', '=', id).executeTakeFirst()) as CallbackRow | undefined;
}

/** The caller's pending requests (for the per-caller bound and the one-per-pair rule). */
export async function pendingOfCaller(conn: Conn, accountId: string, callerUserId: string): Promise<CallbackRow[]> {
  return list(conn, accountId, { callerUserId, state: 'pending' });
}

export async function insert(conn: Conn, accountId: string, row: { id: string; callerUserId: string; calleeUserId: string; now: string; expiresAt: string }): Promise<void> {
  await conn
    .insertInto('callbacks')
    .values({ id: row.id, account_id: accountId, caller_user_id: row.callerUserId, callee_user_id: row.calleeUserId, state: 'pending', attempts: 0, last_attempt_at: null, created_at: row.now, expires_at: row.expiresAt, updated_at: row.now })
    .execute();
}

export async function setExpiry(conn: Conn, accountId: string, id: string, expiresAt: string, now: string): Promise<void> {
  await conn.updateTable('callbacks').set({ expires_at: expiresAt, updated_at: now }).where('account_id', '=', accountId).where('id', '=', id).execute();
}

/** pending → `state`; false when it was no longer pending (someone else got there first). */
export async function finish(conn: Conn, accountId: string, id: string, state: Exclude<CallbackState, 'pending'>, now: string): Promise<boolean> {
  const r = await conn.updateTable('callbacks').set({ state, updated_at: now }).where('account_id', '=', accountId).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function attempted(conn: Conn, accountId: string, id: string, now: string): Promise<void> {
  await conn
    .updateTable('callbacks')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_attempt_at: now, updated_at: now }))
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .execute();
}

/** Accounts with pending requests (the dialer's sweep walks them one account at a time). */
export async function accountsWithPending(conn: Conn): Promise<string[]> {
  return (await conn.selectFrom('callbacks').select('account_id').distinct().where('state', '=', 'pending').execute()).map((r) => r.account_id);
}

/** A pending request with what the dialer needs to ring the caller and hand them over to the callee. */
export interface DueCallback extends CallbackRow {
  account_code: string;
  sip_realm: string;
  caller_sip_username: string;
  callee_display_name: string;
}

export async function pending(conn: Conn, accountId: string): Promise<DueCallback[]> {
  return (await withUsers(conn)
    .innerJoin('accounts as x', 'x.id', 'c.account_id')
    .select(['x.code as account_code', 'x.sip_realm', 'a.sip_username as caller_sip_username', 'b.display_name as callee_display_name'])
    .where('c.account_id', '=', accountId)
    .where('c.state', '=', 'pending')
    .orderBy('c.created_at')
    .execute()) as DueCallback[];
}

/** An enabled user of the account by extension (the feature server names callers and callees by extension). */
export async function userByExtension(conn: Conn, accountId: string, extension: string): Promise<{ id: string; extension: string; enabled: number } | undefined> {
  return conn.selectFrom('users').select(['id', 'extension', 'enabled']).where('account_id', '=', accountId).where('extension', '=', extension).executeTakeFirst();
}

export async function removeForUsers(conn: Conn, accountId: string, userIds: string[]): Promise<void> {
  await conn.deleteFrom('callbacks').where('account_id', '=', accountId).where((eb) => eb.or([eb('caller_user_id', 'in', userIds), eb('callee_user_id', 'in', userIds)])).execute();
}
