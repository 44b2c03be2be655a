import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import { reusableFirst } from '../../db/reusable.ts';
import type { OfficesTable } from '../../db/types.ts';
import type { Office } from './schema.ts';

export function toOffice(row: Selectable<OfficesTable> & { user_count?: number | string }): Office {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    country: row.country,
    timezone: row.timezone,
    areaCode: row.area_code,
    defaultOutboundNumber: row.default_outbound_number,
    onHoldMusic: row.on_hold_music,
    dayNightMode: row.day_night_mode === 'night' ? 'night' : 'day',
    dayDestination: row.day_destination ?? 'none',
    nightDestination: row.night_destination ?? 'none',
    ...(row.user_count !== undefined && { userCount: Number(row.user_count) }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function list(conn: Conn, accountId: string, opts: { name?: string; officeIds?: string[]; limit: number; offset: number }): Promise<{ items: Office[]; total: number }> {
  let q = conn.selectFrom('offices').where('offices.account_id', '=', accountId);
  if (opts.name) q = q.where('offices.name_key', 'like', `%${opts.name.toLowerCase().replace(/[%_]/g, '')}%`);
  if (opts.officeIds) q = opts.officeIds.length ? q.where('offices.id', 'in', opts.officeIds) : q.where('offices.id', '=', '');
  const [rows, count] = await Promise.all([
    q
      .selectAll('offices')
      .select((eb) => eb.selectFrom('users').select(eb.fn.countAll<number>().as('n')).where('users.account_id', '=', accountId).whereRef('users.office_id', '=', 'offices.id').as('user_count'))
      .orderBy('offices.name_key')
      .limit(opts.limit)
      .offset(opts.offset)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map((r) => toOffice({ ...r, user_count: r.user_count ?? 0 })), total: Number(count.n) };
}

const byId = reusableFirst((conn: Conn, accountId: string, id: string) => conn.selectFrom('offices').selectAll().where('account_id', '=', accountId).where('id', '=', id));

export async function findById(conn: Conn, accountId: string, id: string): Promise<Office | undefined> {
  const row = await byId(conn, accountId, id);
  return row && toOffice(row);
}

export async function nameTaken(conn: Conn, accountId: string, nameKey: string, exceptId?: string): Promise<boolean> {
  let q = conn.selectFrom('offices').select('id').where('account_id', '=', accountId).where('name_key', '=', nameKey);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return !!(await q.executeTakeFirst());
}

export async function insert(conn: Conn, row: OfficesTable): Promise<Office> {
  await conn.insertInto('offices').values(row).execute();
  return toOffice(row);
}

export async function update(conn: Conn, accountId: string, id: string, patch: Partial<OfficesTable>): Promise<void> {
  await conn.updateTable('offices').set(patch).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function remove(conn: Conn, accountId: string, id: string): Promise<void> {
  await conn.deleteFrom('offices').where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function countUsers(conn: Conn, accountId: string, officeId: string): Promise<number> {
  const r = await conn.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).where('office_id', '=', officeId).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function countries(conn: Conn, accountId: string): Promise<string[]> {
  const rows = await conn.selectFrom('offices').select('country').distinct().where('account_id', '=', accountId).execute();
  return rows.map((r) => r.country);
}

/** Sets the Day/Night mode; returns the mode it had before (undefined: no such office in the account). */
export async function setDayNightMode(conn: Conn, accountId: string, id: string, mode: 'day' | 'night', at: string): Promise<'day' | 'night' | undefined> {
  const row = await conn.selectFrom('offices').select('day_night_mode').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  if (row.day_night_mode !== mode) await conn.updateTable('offices').set({ day_night_mode: mode, updated_at: at }).where('account_id', '=', accountId).where('id', '=', id).execute();
  return row.day_night_mode === 'night' ? 'night' : 'day';
}

/** The live Day/Night mode of every office of the account (routing overlays it on the applied configuration). */
export async function dayNightModes(conn: Conn, accountId: string): Promise<Map<string, 'day' | 'night'>> {
  const rows = await conn.selectFrom('offices').select(['id', 'day_night_mode']).where('account_id', '=', accountId).execute();
  return new Map(rows.map((r) => [r.id, r.day_night_mode === 'night' ? 'night' : 'day']));
}
