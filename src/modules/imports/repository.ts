import type { Conn } from '../../db/database.ts';
import type { UserRow } from '../users/repository.ts';
import { formatMac } from '../devices/rules.ts';
import type { ImportsTable, UsersTable, DevicesTable } from '../../db/types.ts';
import type { Catalog } from '../provisioning/catalog.ts';
import type { ExtensionContext } from '../users/rules.ts';
import type { ImportContext, ExistingUser } from './rules.ts';

export interface ExportData {
  users: UserRow[];
  officeNames: Map<string, string>;
  numbersByUser: Map<string, string[]>;
  deviceByUser: Map<string, { mac: string; model: string }>;
  pickupGroupOf(u: UserRow): string | null;
}

/** Everything export needs in a fixed number of queries (no per-user query). */
export async function loadExportData(conn: Conn, accountId: string, officeIds: string[] | undefined): Promise<ExportData> {
  let uq = conn.selectFrom('users').selectAll().where('account_id', '=', accountId);
  if (officeIds) uq = officeIds.length ? uq.where('office_id', 'in', officeIds) : uq.where('office_id', '=', '');
  const [users, officeRows, numberRows, groupRows, deviceRows] = await Promise.all([
    uq.orderBy('extension').execute(),
    conn.selectFrom('offices').select(['id', 'name']).where('account_id', '=', accountId).execute(),
    conn.selectFrom('numbers').select(['e164', 'user_id']).where('account_id', '=', accountId).where('user_id', 'is not', null).orderBy('e164').execute(),
    conn.selectFrom('pickup_groups').select(['id', 'name']).where('account_id', '=', accountId).execute(),
    conn.selectFrom('devices').select(['user_id', 'mac', 'vendor', 'model']).where('account_id', '=', accountId).where('user_id', 'is not', null).orderBy('created_at').orderBy('mac').execute(),
  ]);
  // The CSV carries one handset per user: the first one added.
  const deviceByUser = new Map<string, { mac: string; model: string }>();
  for (const d of deviceRows) if (!deviceByUser.has(d.user_id!)) deviceByUser.set(d.user_id!, { mac: formatMac(d.mac), model: `${d.vendor} ${d.model}` });
  const groupNames = new Map(groupRows.map((g) => [g.id, g.name]));
  const numbersByUser = new Map<string, string[]>();
  for (const n of numberRows) {
    const list = numbersByUser.get(n.user_id!) ?? [];
    list.push(n.e164);
    numbersByUser.set(n.user_id!, list);
  }
  return {
    users,
    officeNames: new Map(officeRows.map((o) => [o.id, o.name])),
    numbersByUser,
    deviceByUser,
    pickupGroupOf: (u) => (u.pickup_group_id ? (groupNames.get(u.pickup_group_id) ?? null) : null),
  };
}

// ---------- import ----------


/** Everything validation needs, in a fixed number of queries whatever the file size. */
export async function loadImportContext(
  conn: Conn,
  account: { id: string; country: string },
  extension: ExtensionContext,
  catalog: Catalog,
): Promise<ImportContext> {
  const [users, groups, offices, numbers, pickups] = await Promise.all([
    conn
      .selectFrom('users')
      .select(['id', 'extension', 'first_name', 'last_name', 'display_name', 'email', 'office_id', 'vm_pin', 'pickup_group_id', 'user_type', 'features', 'security', 'apps'])
      .where('account_id', '=', account.id)
      .execute(),
    conn.selectFrom('ring_groups').select('extension').where('account_id', '=', account.id).execute(),
    conn.selectFrom('offices').select(['id', 'name', 'country', 'area_code']).where('account_id', '=', account.id).execute(),
    conn.selectFrom('numbers').select(['id', 'e164', 'user_id']).where('account_id', '=', account.id).execute(),
    conn.selectFrom('pickup_groups').select(['id', 'name_key']).where('account_id', '=', account.id).execute(),
  ]);
  const usersByExtension = new Map<string, ExistingUser>(users.map((u) => [u.extension, u]));
  const emails = new Map<string, string>();
  for (const u of users) if (u.email) emails.set(u.email, u.id);
  return {
    accountId: account.id,
    accountCountry: account.country,
    extension,
    usersByExtension,
    ringGroupExtensions: new Set(groups.map((g) => g.extension)),
    emails,
    offices: new Map(offices.map((o) => [o.name.toLowerCase(), { id: o.id, country: o.country, areaCode: o.area_code }])),
    numbers: new Map(numbers.map((n) => [n.e164, { id: n.id, userId: n.user_id }])),
    pickupGroups: new Map(pickups.map((p) => [p.name_key, p.id])),
    macs: new Map(),
    catalog,
  };
}

/** Owners of these MACs in any account (MACs are unique across the platform). */
export async function macOwners(conn: Conn, macs: string[]): Promise<Map<string, { accountId: string; userId: string | null }>> {
  const out = new Map<string, { accountId: string; userId: string | null }>();
  for (let i = 0; i < macs.length; i += 500) {
    const rows = await conn.selectFrom('devices').select(['mac', 'account_id', 'user_id']).where('mac', 'in', macs.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.mac, { accountId: r.account_id, userId: r.user_id });
  }
  return out;
}

/** Multi-row inserts sized under SQLite's 32,766 bound-parameter limit. */
export async function insertUsers(conn: Conn, rows: UsersTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 900) await conn.insertInto('users').values(rows.slice(i, i + 900)).execute();
}

export async function insertDevices(conn: Conn, rows: DevicesTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1500) await conn.insertInto('devices').values(rows.slice(i, i + 1500)).execute();
}

export async function insertJob(conn: Conn, row: ImportsTable): Promise<void> {
  await conn.insertInto('imports').values(row).execute();
}

export async function updateJob(conn: Conn, accountId: string, id: string, patch: Partial<ImportsTable>): Promise<void> {
  await conn.updateTable('imports').set(patch).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function findJob(conn: Conn, accountId: string, id: string): Promise<ImportsTable | undefined> {
  return conn.selectFrom('imports').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function listJobs(conn: Conn, accountId: string, limit: number): Promise<ImportsTable[]> {
  return conn.selectFrom('imports').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').limit(limit).execute();
}

/** Statuses of a job that has not finished. */
export const UNFINISHED_STATUSES = ['queued', 'validating', 'loading'];

/**
 * Start-up maintenance, across accounts (the one repository function without an account id: it runs as the
 * system before any request): every job left unfinished by a process that stopped is marked failed.
 * Returns the jobs it changed, per account.
 */
export async function failUnfinishedJobs(conn: Conn, errors: string, at: string): Promise<Array<{ id: string; account_id: string }>> {
  return conn.updateTable('imports').set({ status: 'failed', errors, finished_at: at }).where('status', 'in', UNFINISHED_STATUSES).returning(['id', 'account_id']).execute();
}
