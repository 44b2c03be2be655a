import { stringify } from 'csv-stringify/sync';
import { csvSafe } from '../../shared/csv.ts';
import type { Conn } from '../../db/database.ts';
import { authorize, officeLimit, PERMISSION_MATRIX, type Actor } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { ForbiddenError, NotFoundError } from '../../shared/errors.ts';
import { toBool } from '../../shared/bool.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as offices from '../offices/repository.ts';
import type { UserRow } from '../users/repository.ts';
import { SETTING_COLUMNS, exportColumns, settingCell, yesNo } from './columns.ts';
import { DEFAULT_APPS, DEFAULT_FEATURES, DEFAULT_SECURITY, mergeDeep } from '../users/rules.ts';
import * as repo from './repository.ts';

export interface ExportOptions {
  officeId?: string;
  /** Adds vm_pin, sip_username and sip_password; needs the right to manage credentials account-wide. */
  includeSecrets?: boolean;
}

/** A stored settings object over its defaults (the API's reading: users/repository.ts toUser). */
function parseSettings<T>(text: string, defaults: T): T {
  try {
    return mergeDeep(defaults, JSON.parse(text));
  } catch {
    return defaults;
  }
}

/** One user as a CSV record keyed by column name (the same shape import reads). */
export function userToRecord(
  u: UserRow,
  ctx: { officeName: string; pickupGroup: string | null; directNumbers: string[]; device?: { mac: string; model: string } },
): Record<string, string> {
  const settings = { features: parseSettings(u.features, DEFAULT_FEATURES), security: parseSettings(u.security, DEFAULT_SECURITY), apps: parseSettings(u.apps, DEFAULT_APPS) };
  const settingCells = Object.fromEntries(Object.entries(SETTING_COLUMNS).map(([col, c]) => [col, settingCell(settings[c.group], c)]));
  return {
    extension: u.extension,
    first_name: u.first_name,
    last_name: u.last_name,
    display_name: u.display_name,
    email: u.email ?? '',
    alt_email: u.alt_email ?? '',
    department: u.department ?? '',
    office: ctx.officeName,
    user_type: u.user_type,
    scope: u.scope,
    include_in_directory: yesNo(toBool(u.include_in_directory)),
    ring_time: String(u.ring_time),
    pickup_group: ctx.pickupGroup ?? '',
    outbound_number: u.outbound_number ?? '',
    hide_caller_id: yesNo(toBool(u.hide_caller_id)),
    enabled: yesNo(toBool(u.enabled)),
    direct_numbers: ctx.directNumbers.join(';'),
    vm_enabled: yesNo(toBool(u.vm_enabled)),
    vm_pin: u.vm_pin ?? '',
    vm_email_delivery: yesNo(toBool(u.vm_email_delivery)),
    vm_email: u.vm_email ?? '',
    vm_keep_on_server: yesNo(toBool(u.vm_keep_on_server)),
    vm_delete_after_email: yesNo(toBool(u.vm_delete_after_email)),
    behind_firewall: yesNo(toBool(u.behind_firewall)),
    ...settingCells,
    device_mac: ctx.device?.mac ?? '',
    device_model: ctx.device?.model ?? '',
    sip_username: u.sip_username,
    sip_password: u.sip_password,
  };
}

/** The account's (or one office's) users as CSV records, ordered by extension. */
export async function exportRecords(conn: Conn, accountId: string, officeIds: string[] | undefined): Promise<Array<Record<string, string>>> {
  const data = await repo.loadExportData(conn, accountId, officeIds);
  return data.users.map((u) =>
    userToRecord(u, {
      officeName: data.officeNames.get(u.office_id) ?? '',
      pickupGroup: data.pickupGroupOf(u),
      directNumbers: data.numbersByUser.get(u.id) ?? [],
      device: data.deviceByUser.get(u.id),
    }),
  );
}

export function toCsv(records: Array<Record<string, string>>, columns: string[]): string {
  const safe = records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, csvSafe(v)])));
  return stringify(safe, { header: true, columns, bom: false, record_delimiter: '\n' });
}

/** 'Export' (seed 000): a CSV listing of users for the PBX or one office. Secrets only when asked. */
export async function exportUsersCsv(deps: Deps, actor: Actor, accountKey: string, opts: ExportOptions): Promise<{ filename: string; csv: string }> {
  const account = await resolveAccount(deps, actor, accountKey);
  const db = deps.database.db;
  let officeIds: string[] | undefined;
  let scopeName = account.code;
  if (opts.officeId) {
    const office = await offices.findById(db, account.id, opts.officeId);
    if (!office) throw new NotFoundError('office');
    authorize(actor, 'user.read', { accountId: account.id, officeId: office.id }, 'user');
    officeIds = [office.id];
    scopeName = `${account.code}-${office.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  } else {
    authorize(actor, 'user.read', { accountId: account.id, officeId: actor.kind === 'user' ? actor.officeIds[0] ?? null : null }, 'user');
    officeIds = officeLimit(actor, 'user.read');
  }
  if (actor.kind === 'user' && PERMISSION_MATRIX[actor.scope]['user.read'] === 'self') throw new ForbiddenError('exporting users needs the right to read other users');
  if (opts.includeSecrets) {
    authorize(actor, 'user.credentials', { accountId: account.id, officeId: null }, 'user');
    if (actor.kind === 'user' && PERMISSION_MATRIX[actor.scope]['user.credentials'] !== 'account') throw new ForbiddenError('only an Office Manager may export secrets');
  }
  const records = await exportRecords(db, account.id, officeIds);
  const csv = toCsv(records, exportColumns(!!opts.includeSecrets));
  await emit(deps, actor, 'users.exported', account.id, account.id, undefined, { officeId: opts.officeId ?? null, rows: records.length, includeSecrets: !!opts.includeSecrets });
  return { filename: `${scopeName}-users.csv`, csv };
}
