import type { Conn } from '../../db/database.ts';
import type { RingGroupsTable } from '../../db/types.ts';
import type { RingGroup, RingStrategy } from './schema.ts';

async function withMembers(conn: Conn, accountId: string, rows: RingGroupsTable[]): Promise<RingGroup[]> {
  if (!rows.length) return [];
  const members = await conn
    .selectFrom('ring_group_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.ring_group_id', 'm.user_id', 'm.position', 'u.extension', 'u.display_name'])
    .where('m.account_id', '=', accountId)
    .where('m.ring_group_id', 'in', rows.map((r) => r.id))
    .orderBy('m.position')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    extension: r.extension,
    strategy: r.strategy as RingStrategy,
    ringTime: r.ring_time,
    members: members.filter((m) => m.ring_group_id === r.id).map((m) => ({ userId: m.user_id, extension: m.extension, displayName: m.display_name })),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

export async function list(conn: Conn, accountId: string, opts: { limit: number; offset: number }): Promise<{ items: RingGroup[]; total: number }> {
  const [rows, count] = await Promise.all([
    conn.selectFrom('ring_groups').selectAll().where('account_id', '=', accountId).orderBy('extension').limit(opts.limit).offset(opts.offset).execute(),
    conn.selectFrom('ring_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow(),
  ]);
  return { items: await withMembers(conn, accountId, rows), total: Number(count.n) };
}

export async function findById(conn: Conn, accountId: string, id: string): Promise<RingGroup | undefined> {
  const row = await conn.selectFrom('ring_groups').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row ? (await withMembers(conn, accountId, [row]))[0] : undefined;
}

export async function nameTaken(conn: Conn, accountId: string, key: string, exceptId?: string): Promise<boolean> {
  let q = conn.selectFrom('ring_groups').select('id').where('account_id', '=', accountId).where('name_key', '=', key);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return !!(await q.executeTakeFirst());
}

export async function insert(conn: Conn, row: RingGroupsTable): Promise<void> {
  await conn.insertInto('ring_groups').values(row).execute();
}

export async function update(conn: Conn, accountId: string, id: string, patch: Partial<RingGroupsTable>): Promise<void> {
  await conn.updateTable('ring_groups').set(patch).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function setMembers(conn: Conn, accountId: string, id: string, userIds: string[]): Promise<void> {
  await conn.deleteFrom('ring_group_members').where('account_id', '=', accountId).where('ring_group_id', '=', id).execute();
  if (userIds.length) {
    await conn
      .insertInto('ring_group_members')
      .values(userIds.map((u, i) => ({ ring_group_id: id, user_id: u, account_id: accountId, position: i })))
      .execute();
  }
}

export async function remove(conn: Conn, accountId: string, id: string): Promise<void> {
  await conn.deleteFrom('ring_group_members').where('account_id', '=', accountId).where('ring_group_id', '=', id).execute();
  await conn.deleteFrom('ring_groups').where('account_id', '=', accountId).where('id', '=', id).execute();
}
