import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import type { DevicesTable } from '../../db/types.ts';
import type { Params, Vendor } from '../provisioning/catalog.ts';
import { effectiveLabel, formatMac, resyncPending } from './rules.ts';
import { withPending } from '../provisioning/provisioned-log.ts';
import type { Device, LineKey } from './schema.ts';

export type DeviceRow = Selectable<DevicesTable>;
/** A device row with its owner's name and office (left join: spares have nulls). */
export type DeviceRowWithOwner = DeviceRow & { owner_display_name: string | null; owner_extension: string | null; owner_office_id: string | null };

function parse<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toDevice(stored: DeviceRowWithOwner): Device {
  // the provisioning log is written in batches: show what this process has recorded but not yet written
  const row = withPending(stored);
  return {
    id: row.id,
    accountId: row.account_id,
    mac: row.mac,
    macFormatted: formatMac(row.mac),
    vendor: row.vendor as Vendor,
    model: row.model,
    label: effectiveLabel(row.label, row.owner_display_name, row.owner_extension),
    customLabel: row.label !== null,
    userId: row.user_id,
    officeId: row.owner_office_id,
    lineKeys: parse<LineKey[]>(row.line_keys, []),
    settings: parse<Params>(row.settings, {}),
    lock: { locked: row.locked_ip !== null, lockedIp: row.locked_ip, lockedAt: row.locked_at, unlockedUntil: row.unlocked_until },
    lastProvisioned: { at: row.last_provisioned_at, ip: row.last_provisioned_ip, userAgent: row.last_user_agent },
    resync: { requestedAt: row.resync_requested_at, status: row.resync_status, pending: resyncPending(row.resync_requested_at, row.last_provisioned_at) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function withOwner(conn: Conn, accountId: string) {
  return conn
    .selectFrom('devices')
    .leftJoin('users', (j) => j.onRef('users.id', '=', 'devices.user_id').on('users.account_id', '=', accountId))
    .where('devices.account_id', '=', accountId)
    .selectAll('devices')
    .select(['users.display_name as owner_display_name', 'users.extension as owner_extension', 'users.office_id as owner_office_id']);
}

export async function findById(conn: Conn, accountId: string, id: string): Promise<DeviceRowWithOwner | undefined> {
  return withOwner(conn, accountId).where('devices.id', '=', id).executeTakeFirst();
}

/** Which account (if any) holds this MAC. Only used to refuse duplicates; never returned to callers. */
export async function macOwner(conn: Conn, mac: string): Promise<{ id: string; account_id: string; label: string | null } | undefined> {
  return conn.selectFrom('devices').select(['id', 'account_id', 'label']).where('mac', '=', mac).executeTakeFirst();
}

export interface DeviceFilter {
  userId?: string;
  unassigned?: boolean;
  /** Limit to devices whose owner is in these offices (site managers). */
  officeIds?: string[];
  /** Limit to this owner (basic users: their own). */
  ownerId?: string;
  vendor?: string;
  mac?: string;
  limit: number;
  offset: number;
}

export async function list(conn: Conn, accountId: string, f: DeviceFilter): Promise<{ items: Device[]; total: number }> {
  let q = withOwner(conn, accountId);
  if (f.userId) q = q.where('devices.user_id', '=', f.userId);
  if (f.unassigned === true) q = q.where('devices.user_id', 'is', null);
  if (f.unassigned === false) q = q.where('devices.user_id', 'is not', null);
  if (f.ownerId) q = q.where('devices.user_id', '=', f.ownerId);
  if (f.officeIds) q = f.officeIds.length ? q.where('users.office_id', 'in', f.officeIds) : q.where('devices.id', '=', '');
  if (f.vendor) q = q.where('devices.vendor', '=', f.vendor);
  if (f.mac) q = q.where('devices.mac', '=', f.mac);
  const [rows, count] = await Promise.all([
    q.orderBy('devices.mac').limit(f.limit).offset(f.offset).execute(),
    q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toDevice), total: Number(count.n) };
}

export async function insert(conn: Conn, row: DevicesTable): Promise<void> {
  await conn.insertInto('devices').values(row).execute();
}

export async function insertMany(conn: Conn, rows: DevicesTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await conn.insertInto('devices').values(rows.slice(i, i + 1000)).execute();
}

export async function update(conn: Conn, accountId: string, id: string, patch: Partial<DevicesTable>): Promise<void> {
  await conn.updateTable('devices').set(patch).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function remove(conn: Conn, accountId: string, id: string): Promise<void> {
  await conn.deleteFrom('devices').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/** Devices of a user (for resync when the user changes). */
export async function idsOfUser(conn: Conn, accountId: string, userId: string): Promise<Array<{ id: string; mac: string; vendor: string }>> {
  return conn.selectFrom('devices').select(['id', 'mac', 'vendor']).where('account_id', '=', accountId).where('user_id', '=', userId).execute();
}

/** Devices of an office's users (for resync when the office changes). */
export async function idsOfOffice(conn: Conn, accountId: string, officeId: string): Promise<Array<{ id: string; mac: string; vendor: string }>> {
  return conn
    .selectFrom('devices')
    .innerJoin('users', (j) => j.onRef('users.id', '=', 'devices.user_id').onRef('users.account_id', '=', 'devices.account_id'))
    .select(['devices.id', 'devices.mac', 'devices.vendor'])
    .where('devices.account_id', '=', accountId)
    .where('users.office_id', '=', officeId)
    .execute();
}

/** Every handset of the account with its owner and the owner's office (to pick those a change set touches). */
export async function resyncCandidates(conn: Conn, accountId: string): Promise<Array<{ id: string; mac: string; vendor: string; user_id: string | null; office_id: string | null }>> {
  return conn
    .selectFrom('devices')
    .leftJoin('users', (j) => j.onRef('users.id', '=', 'devices.user_id').onRef('users.account_id', '=', 'devices.account_id'))
    .select(['devices.id', 'devices.mac', 'devices.vendor', 'devices.user_id', 'users.office_id'])
    .where('devices.account_id', '=', accountId)
    .orderBy('devices.id')
    .execute();
}

/** Records a resync request on many handsets at once (chunks keep the statement under parameter limits). */
export async function markResyncRequested(conn: Conn, accountId: string, ids: string[], at: string, status: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await conn.updateTable('devices').set({ resync_requested_at: at, resync_status: status }).where('account_id', '=', accountId).where('id', 'in', ids.slice(i, i + 500)).execute();
  }
}

export async function findUser(conn: Conn, accountId: string, userId: string): Promise<{ id: string; office_id: string; user_type: string } | undefined> {
  return conn.selectFrom('users').select(['id', 'office_id', 'user_type']).where('account_id', '=', accountId).where('id', '=', userId).executeTakeFirst();
}

/** Lock, provisioning and resync state of a handset never provisioned yet: shared by every path that adds one. */
export const NEW_DEVICE_STATE = {
  locked_ip: null,
  locked_at: null,
  unlocked_until: null,
  last_provisioned_at: null,
  last_provisioned_ip: null,
  last_user_agent: null,
  resync_requested_at: null,
  resync_status: null,
} as const;
