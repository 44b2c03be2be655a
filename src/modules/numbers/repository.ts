import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import type { NumbersTable } from '../../db/types.ts';
import type { PhoneNumber } from './schema.ts';

export function toNumber(row: Selectable<NumbersTable> | NumbersTable): PhoneNumber {
  const ringGroupId = row.ring_group_id ?? null;
  return { id: row.id, e164: row.e164, label: row.label, userId: row.user_id, ringGroupId, status: row.user_id || ringGroupId ? 'assigned' : 'spare', createdAt: row.created_at };
}

export async function list(conn: Conn, accountId: string, opts: { status?: 'spare' | 'assigned'; limit: number; offset: number }): Promise<{ items: PhoneNumber[]; total: number }> {
  let q = conn.selectFrom('numbers').where('account_id', '=', accountId);
  if (opts.status === 'spare') q = q.where('user_id', 'is', null).where('ring_group_id', 'is', null);
  if (opts.status === 'assigned') q = q.where((eb) => eb.or([eb('user_id', 'is not', null), eb('ring_group_id', 'is not', null)]));
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('e164').limit(opts.limit).offset(opts.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toNumber), total: Number(count.n) };
}

export async function findByE164(conn: Conn, accountId: string, e164: string): Promise<PhoneNumber | undefined> {
  const row = await conn.selectFrom('numbers').selectAll().where('account_id', '=', accountId).where('e164', '=', e164).executeTakeFirst();
  return row && toNumber(row);
}

/** True when any account holds the number (numbers belong to one account only). */
export async function existsAnywhere(conn: Conn, e164: string): Promise<boolean> {
  return !!(await conn.selectFrom('numbers').select('id').where('e164', '=', e164).executeTakeFirst());
}

export async function insert(conn: Conn, row: NumbersTable): Promise<PhoneNumber> {
  await conn.insertInto('numbers').values({ ...row, ring_group_id: row.ring_group_id ?? null }).execute();
  return toNumber(row);
}

export async function remove(conn: Conn, accountId: string, id: string): Promise<void> {
  await conn.deleteFrom('numbers').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/** Places that refer to the number, named for a Usage list. */
export async function usage(conn: Conn, accountId: string, e164: string): Promise<string[]> {
  const [offices, users, owner] = await Promise.all([
    conn.selectFrom('offices').select('name').where('account_id', '=', accountId).where('default_outbound_number', '=', e164).execute(),
    conn.selectFrom('users').select(['extension', 'display_name']).where('account_id', '=', accountId).where('outbound_number', '=', e164).execute(),
    conn
      .selectFrom('numbers')
      .innerJoin('users', 'users.id', 'numbers.user_id')
      .select(['users.extension', 'users.display_name'])
      .where('numbers.account_id', '=', accountId)
      .where('numbers.e164', '=', e164)
      .execute(),
  ]);
  return [
    ...offices.map((o) => `default outbound number of office '${o.name}'`),
    ...users.map((u) => `outbound caller ID of user ${u.extension} (${u.display_name})`),
    ...owner.map((u) => `direct number of user ${u.extension} (${u.display_name})`),
  ];
}
