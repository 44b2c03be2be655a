import type { Conn } from '../../db/database.ts';
import type { RingGroupsTable } from '../../db/types.ts';
import type { FallbackKind, RingGroup, RingStrategy } from './schema.ts';
import { FALLBACK_KINDS } from './schema.ts';

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
  const fallbackIds = [...new Set(rows.map((r) => r.fallback_user_id).filter((x): x is string => !!x))];
  const [fallbackUsers, numbers] = await Promise.all([
    fallbackIds.length ? conn.selectFrom('users').select(['id', 'extension', 'display_name']).where('account_id', '=', accountId).where('id', 'in', fallbackIds).execute() : Promise.resolve([]),
    conn.selectFrom('numbers').select(['e164', 'ring_group_id']).where('account_id', '=', accountId).where('ring_group_id', 'in', rows.map((r) => r.id)).orderBy('e164').execute(),
  ]);
  const fu = new Map(fallbackUsers.map((u) => [u.id, u]));
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    extension: r.extension,
    strategy: r.strategy as RingStrategy,
    ringTime: r.ring_time,
    members: members.filter((m) => m.ring_group_id === r.id).map((m) => ({ userId: m.user_id, extension: m.extension, displayName: m.display_name })),
    fallback: fallbackOf(r, fu),
    numbers: numbers.filter((n) => n.ring_group_id === r.id).map((n) => n.e164),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

function fallbackOf(r: RingGroupsTable, users: Map<string, { extension: string; display_name: string }>): RingGroup['fallback'] {
  const kind = (FALLBACK_KINDS as readonly string[]).includes(r.fallback_kind ?? '') ? (r.fallback_kind as FallbackKind) : 'none';
  const u = r.fallback_user_id ? users.get(r.fallback_user_id) : undefined;
  return { kind, userId: r.fallback_user_id ?? null, extension: u?.extension ?? null, displayName: u?.display_name ?? null };
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
