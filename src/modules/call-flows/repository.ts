import type { Conn } from '../../db/database.ts';
import type { CallFlowsTable } from '../../db/types.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { buildUserCallFlow, type CallFlowDocument, type CallFlowSource } from './rules.ts';

/** Rows for new users (bulk insert). */
export function newCallFlowRows(accountId: string, users: CallFlowSource[], now = nowIso()): CallFlowsTable[] {
  return users.map((u) => ({ id: newId(), account_id: accountId, user_id: u.id, document: JSON.stringify(buildUserCallFlow(u)), updated_at: now }));
}

export async function insertMany(conn: Conn, rows: CallFlowsTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) await conn.insertInto('call_flows').values(rows.slice(i, i + 2000)).execute();
}

/** Regenerates the users' call flows from their current settings (insert or replace). */
export async function syncForUsers(conn: Conn, accountId: string, users: CallFlowSource[]): Promise<void> {
  const now = nowIso();
  for (const r of newCallFlowRows(accountId, users, now)) {
    await conn
      .insertInto('call_flows')
      .values(r)
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ document: r.document, updated_at: now }))
      .execute();
  }
}

/** Re-reads the users and regenerates their flows. */
export async function syncForUserIds(conn: Conn, accountId: string, userIds: string[]): Promise<void> {
  if (!userIds.length) return;
  const rows = await conn.selectFrom('users').select(['id', 'extension', 'ring_time', 'enabled', 'vm_enabled', 'features']).where('account_id', '=', accountId).where('id', 'in', userIds).execute();
  await syncForUsers(conn, accountId, rows);
}

export async function findForUser(conn: Conn, accountId: string, userId: string): Promise<{ id: string; document: CallFlowDocument; updatedAt: string } | undefined> {
  const row = await conn.selectFrom('call_flows').selectAll().where('account_id', '=', accountId).where('user_id', '=', userId).executeTakeFirst();
  return row && { id: row.id, document: JSON.parse(row.document) as CallFlowDocument, updatedAt: row.updated_at };
}

export async function removeForUsers(conn: Conn, accountId: string, userIds: string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += 500) await conn.deleteFrom('call_flows').where('account_id', '=', accountId).where('user_id', 'in', userIds.slice(i, i + 500)).execute();
}
