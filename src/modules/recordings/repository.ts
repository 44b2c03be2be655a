import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import type { RecordingsTable } from '../../db/types.ts';
import type { RecordingFilter, Direction } from './rules.ts';
import type { Recording } from './schema.ts';

export type RecordingRow = Selectable<RecordingsTable>;

export function toRecording(r: RecordingRow): Recording {
  return {
    id: r.id,
    direction: r.direction as Direction,
    caller: { number: r.caller, name: r.caller_name, userId: r.caller_user_id, officeId: r.caller_office_id },
    callee: { number: r.callee, name: r.callee_name, userId: r.callee_user_id, officeId: r.callee_office_id },
    startedAt: r.started_at,
    durationMs: Number(r.duration_ms),
    sizeBytes: Number(r.size_bytes),
    callId: r.call_id,
    createdAt: r.created_at,
  };
}

export async function insert(conn: Conn, row: RecordingsTable): Promise<void> {
  await conn.insertInto('recordings').values(row).execute();
}

export async function findById(conn: Conn, accountId: string, id: string): Promise<RecordingRow | undefined> {
  return conn.selectFrom('recordings').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function sourceSeen(conn: Conn, accountId: string, source: string): Promise<boolean> {
  return !!(await conn.selectFrom('recordings').select('id').where('account_id', '=', accountId).where('source', '=', source).executeTakeFirst());
}

/** Newest first; `offices` limits to calls with a party in those offices (a Site Manager's reach). */
export async function list(conn: Conn, accountId: string, f: RecordingFilter, offices?: string[]): Promise<{ items: RecordingRow[]; total: number }> {
  let q = conn.selectFrom('recordings').where('account_id', '=', accountId);
  if (f.userId) q = q.where((eb) => eb.or([eb('caller_user_id', '=', f.userId!), eb('callee_user_id', '=', f.userId!)]));
  if (f.from) q = q.where('started_at', '>=', f.from);
  if (f.to) q = q.where('started_at', '<', f.to);
  if (f.direction) q = q.where('direction', '=', f.direction);
  if (offices) {
    if (!offices.length) return { items: [], total: 0 };
    q = q.where((eb) => eb.or([eb('caller_office_id', 'in', offices), eb('callee_office_id', 'in', offices)]));
  }
  const [items, count] = await Promise.all([
    q.selectAll().orderBy('started_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.n) };
}

export async function remove(conn: Conn, accountId: string, id: string): Promise<boolean> {
  const r = await conn.deleteFrom('recordings').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function olderThan(conn: Conn, accountId: string, cutoff: string, limit: number): Promise<RecordingRow[]> {
  return conn.selectFrom('recordings').selectAll().where('account_id', '=', accountId).where('started_at', '<', cutoff).orderBy('started_at').limit(limit).execute();
}

export async function accountsRetention(conn: Conn): Promise<Array<{ id: string; days: number }>> {
  const rows = await conn.selectFrom('accounts').select(['id', 'recording_retention_days']).execute();
  return rows.map((r) => ({ id: r.id, days: Number(r.recording_retention_days) }));
}

/** A user of the account as a recording names them: display name and office (null when not a user of it). */
export async function partyUser(conn: Conn, accountId: string, userId: string | undefined): Promise<{ id: string; name: string; officeId: string } | null> {
  if (!userId) return null;
  const u = await conn.selectFrom('users').select(['id', 'display_name', 'office_id']).where('account_id', '=', accountId).where('id', '=', userId).executeTakeFirst();
  return u ? { id: u.id, name: u.display_name, officeId: u.office_id } : null;
}

export async function accountExists(conn: Conn, accountId: string): Promise<boolean> {
  return !!(await conn.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst());
}
