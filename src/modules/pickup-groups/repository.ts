import type { Conn } from '../../db/database.ts';
import type { PickupGroupsTable } from '../../db/types.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { normaliseGroupName } from './rules.ts';
import type { PickupGroup } from './schema.ts';

type Row = PickupGroupsTable;

async function withMembers(conn: Conn, accountId: string, rows: Row[]): Promise<PickupGroup[]> {
  if (!rows.length) return [];
  const members = await conn
    .selectFrom('users')
    .select(['id', 'extension', 'display_name', 'pickup_group_id'])
    .where('account_id', '=', accountId)
    .where('pickup_group_id', 'in', rows.map((r) => r.id))
    .orderBy('extension')
    .execute();
  return rows.map((r) => {
    const m = members.filter((u) => u.pickup_group_id === r.id).map((u) => ({ userId: u.id, extension: u.extension, displayName: u.display_name }));
    return { id: r.id, accountId: r.account_id, name: r.name, memberCount: m.length, members: m, createdAt: r.created_at, updatedAt: r.updated_at };
  });
}

export async function list(conn: Conn, accountId: string, opts: { limit: number; offset: number }): Promise<{ items: PickupGroup[]; total: number }> {
  const [rows, count] = await Promise.all([
    conn.selectFrom('pickup_groups').selectAll().where('account_id', '=', accountId).orderBy('name_key').limit(opts.limit).offset(opts.offset).execute(),
    conn.selectFrom('pickup_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow(),
  ]);
  return { items: await withMembers(conn, accountId, rows), total: Number(count.n) };
}

export async function findById(conn: Conn, accountId: string, id: string): Promise<PickupGroup | undefined> {
  const row = await conn.selectFrom('pickup_groups').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row ? (await withMembers(conn, accountId, [row]))[0] : undefined;
}

export async function findByName(conn: Conn, accountId: string, name: string): Promise<Row | undefined> {
  return conn.selectFrom('pickup_groups').selectAll().where('account_id', '=', accountId).where('name_key', '=', normaliseGroupName(name).key).executeTakeFirst();
}

export async function nameTaken(conn: Conn, accountId: string, key: string, exceptId?: string): Promise<boolean> {
  let q = conn.selectFrom('pickup_groups').select('id').where('account_id', '=', accountId).where('name_key', '=', key);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return !!(await q.executeTakeFirst());
}

export async function insert(conn: Conn, row: Row): Promise<void> {
  await conn.insertInto('pickup_groups').values(row).execute();
}

export async function insertMany(conn: Conn, rows: Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await conn.insertInto('pickup_groups').values(rows.slice(i, i + 1000)).execute();
}

/** The group named `name` (case-insensitive), created when the account has none yet. The user API's `pickupGroup` goes through here. */
export async function resolveOrCreate(conn: Conn, accountId: string, name: string): Promise<string> {
  const found = await findByName(conn, accountId, name);
  if (found) return found.id;
  const { name: clean, key } = normaliseGroupName(name);
  const now = nowIso();
  const id = newId();
  await insert(conn, { id, account_id: accountId, name: clean, name_key: key, created_at: now, updated_at: now });
  return id;
}

export async function update(conn: Conn, accountId: string, id: string, patch: Partial<Row>): Promise<void> {
  await conn.updateTable('pickup_groups').set(patch).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function setMembers(conn: Conn, accountId: string, id: string, userIds: string[]): Promise<void> {
  await conn.updateTable('users').set({ pickup_group_id: null }).where('account_id', '=', accountId).where('pickup_group_id', '=', id).execute();
  for (let i = 0; i < userIds.length; i += 500) {
    await conn.updateTable('users').set({ pickup_group_id: id }).where('account_id', '=', accountId).where('id', 'in', userIds.slice(i, i + 500)).execute();
  }
}

export async function remove(conn: Conn, accountId: string, id: string): Promise<void> {
  await conn.deleteFrom('pickup_groups').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/** Names by id for a set of groups (user output). */
export async function namesById(conn: Conn, accountId: string, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await conn.selectFrom('pickup_groups').select(['id', 'name']).where('account_id', '=', accountId).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
