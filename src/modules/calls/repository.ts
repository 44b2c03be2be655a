/** Call history rows. Every function takes the account id, except the lookups by SIP Call-ID the SIP server's events need. */
import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import type { CallsTable } from '../../db/types.ts';
import { encodeCursor } from './rules.ts';
import type { Call, CallResult, Direction } from './schema.ts';

export type CallRow = Selectable<CallsTable>;

export function toCall(r: CallRow): Call {
  return {
    id: r.id,
    sipCallId: r.sip_call_id,
    direction: r.direction as Direction,
    kind: r.kind,
    routedBy: r.routed_by,
    from: r.from_number,
    to: r.to_number,
    dialled: r.dialled,
    callerUserId: r.caller_user_id,
    calleeUserId: r.callee_user_id,
    result: r.result as CallResult,
    sipCode: r.sip_code === null ? null : Number(r.sip_code),
    sipReason: r.sip_reason,
    startedAt: r.started_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    durationSeconds: r.duration_s === null ? null : Number(r.duration_s),
  };
}

export async function insert(conn: Conn, row: CallsTable): Promise<void> {
  await conn.insertInto('calls').values(row).execute();
}

/** The newest attempt with this SIP Call-ID (Kamailio's events name the call by it). */
export async function latestByCallId(conn: Conn, sipCallId: string): Promise<CallRow | undefined> {
  return conn.selectFrom('calls').selectAll().where('sip_call_id', '=', sipCallId).orderBy('started_at', 'desc').limit(1).executeTakeFirst();
}

export async function update(conn: Conn, accountId: string, id: string, patch: Partial<CallsTable>): Promise<void> {
  await conn.updateTable('calls').set(patch).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function find(conn: Conn, accountId: string, id: string): Promise<CallRow | undefined> {
  return conn.selectFrom('calls').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export interface CallFilter {
  /** Only calls this user made or received (a self-only reader, or the `user` filter). */
  userId?: string;
  /** Only calls whose caller or callee belongs to one of these offices (a Site Manager). */
  officeIds?: string[];
  since?: string;
  until?: string;
  direction?: Direction;
  result?: CallResult;
  after?: { startedAt: string; id: string };
  limit: number;
}

/** Newest first, keyset-paginated on (started_at, id). */
export async function list(conn: Conn, accountId: string, f: CallFilter): Promise<{ items: Call[]; next?: string }> {
  let q = conn.selectFrom('calls').selectAll().where('account_id', '=', accountId);
  if (f.userId) q = q.where((eb) => eb.or([eb('caller_user_id', '=', f.userId!), eb('callee_user_id', '=', f.userId!)]));
  if (f.officeIds) {
    if (!f.officeIds.length) return { items: [] };
    q = q.where((eb) => eb.or([eb('caller_office_id', 'in', f.officeIds!), eb('callee_office_id', 'in', f.officeIds!)]));
  }
  if (f.since) q = q.where('started_at', '>=', f.since);
  if (f.until) q = q.where('started_at', '<', f.until);
  if (f.direction) q = q.where('direction', '=', f.direction);
  if (f.result) q = q.where('result', '=', f.result);
  if (f.after) {
    const a = f.after;
    q = q.where((eb) => eb.or([eb('started_at', '<', a.startedAt), eb.and([eb('started_at', '=', a.startedAt), eb('id', '<', a.id)])]));
  }
  const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(f.limit + 1).execute();
  const more = rows.length > f.limit;
  const page = more ? rows.slice(0, f.limit) : rows;
  const last = page[page.length - 1];
  return { items: page.map(toCall), ...(more && last && { next: encodeCursor(last.started_at, last.id) }) };
}

export async function accountsRetention(conn: Conn): Promise<{ id: string; days: number }[]> {
  const rows = await conn.selectFrom('accounts').select(['id', 'call_retention_days']).execute();
  return rows.map((r) => ({ id: r.id, days: Number(r.call_retention_days ?? 365) }));
}

/** Deletes up to `limit` calls that started before the cutoff; returns how many. */
export async function deleteOlderThan(conn: Conn, accountId: string, cutoff: string, limit: number): Promise<number> {
  const ids = await conn.selectFrom('calls').select('id').where('account_id', '=', accountId).where('started_at', '<', cutoff).limit(limit).execute();
  if (!ids.length) return 0;
  const r = await conn
    .deleteFrom('calls')
    .where('account_id', '=', accountId)
    .where(
      'id',
      'in',
      ids.map((x) => x.id),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Calls in progress (ringing or answered, not ended) that started after `since` (older ones are stale). */
export async function countActive(conn: Conn, since: string): Promise<{ direction: string; n: number }[]> {
  const rows = await conn
    .selectFrom('calls')
    .select(['direction', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ended_at', 'is', null)
    .where('result', 'in', ['ringing', 'answered'])
    .where('started_at', '>=', since)
    .groupBy('direction')
    .execute();
  return rows.map((r) => ({ direction: r.direction, n: Number(r.n) }));
}
