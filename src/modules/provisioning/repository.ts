/**
 * Store access for provisioning. ALL reads of account / user / office data that end up in a phone's file
 * go through loadDeviceContext: the live tables until the account's first 'Apply Changes', then the
 * applied configuration snapshot (with live SIP credentials, as Kamailio authenticates against them).
 */
import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import { reusableFirst } from '../../db/reusable.ts';
import type { ProvisioningRefusalsTable, ProvisioningSettingsTable } from '../../db/types.ts';
import { toBool } from '../../shared/bool.ts';
import { DEFAULT_SECURITY, mergeDeep } from '../users/rules.ts';
import type { Security } from '../users/schema.ts';
import type { LineKey } from '../devices/schema.ts';
import { effectiveLabel } from '../devices/rules.ts';
import { getAppliedDocumentShared } from '../config/repository.ts';
import type { Params, Vendor } from './catalog.ts';
import type { ProvisioningContext } from './render.ts';
import type { AuthMode, ProvisioningSettings } from './rules.ts';

export type SettingsRow = Selectable<ProvisioningSettingsTable>;

function parse<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toSettings(row: SettingsRow): ProvisioningSettings & { accountId: string; updatedAt: string } {
  return {
    accountId: row.account_id,
    username: row.username,
    password: row.password,
    pathToken: row.path_token,
    authMode: row.auth_mode as AuthMode,
    requireToken: toBool(row.require_token),
    allowedCidrs: parse<string[]>(row.allowed_cidrs, []),
    macLock: toBool(row.mac_lock),
    overrides: parse<Partial<Record<Vendor, Params>>>(row.overrides, {}),
    updatedAt: row.updated_at,
  };
}

export async function findSettings(conn: Conn, accountId: string): Promise<SettingsRow | undefined> {
  return conn.selectFrom('provisioning_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

/** Phone side: the account whose secret path token this is. */
// the phone-facing lookups run once or twice per phone fetch: compiled once (src/db/reusable.ts)
const settingsByToken = reusableFirst((conn: Conn, token: string) => conn.selectFrom('provisioning_settings').selectAll().where('path_token', '=', token));
const settingsByUsername = reusableFirst((conn: Conn, username: string) => conn.selectFrom('provisioning_settings').selectAll().where('username', '=', username));

export async function findSettingsByToken(conn: Conn, token: string): Promise<SettingsRow | undefined> {
  return settingsByToken(conn, token);
}

/** Phone side: the account whose provisioning user name this is. */
export async function findSettingsByUsername(conn: Conn, username: string): Promise<SettingsRow | undefined> {
  return settingsByUsername(conn, username);
}

export async function insertSettings(conn: Conn, row: ProvisioningSettingsTable): Promise<void> {
  await conn.insertInto('provisioning_settings').values(row).execute();
}

export async function updateSettings(conn: Conn, accountId: string, patch: Partial<ProvisioningSettingsTable>): Promise<void> {
  await conn.updateTable('provisioning_settings').set(patch).where('account_id', '=', accountId).execute();
}

export interface DeviceForProvisioning {
  id: string;
  vendor: Vendor;
  lockedIp: string | null;
  unlockedUntil: string | null;
  context: ProvisioningContext;
}

export interface SipServer {
  host?: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  /** Where phones of an account on SIP over TLS (accounts.sip_transport = 'tls') register, and whether they use SRTP. */
  tlsPort?: number;
  srtp?: boolean;
}

/** The SIP server a phone of this account is given: the account's TLS choice takes the TLS port (and SRTP when available). */
export function sipServerFor(sip: SipServer, accountTransport: string, realm: string): ProvisioningContext['sip'] {
  const host = sip.host ?? realm;
  if (accountTransport === 'tls') return { host, port: sip.tlsPort ?? 5061, transport: 'tls', srtp: sip.srtp ?? false };
  return { host, port: sip.port, transport: sip.transport, srtp: sip.transport === 'tls' && (sip.srtp ?? false) };
}

/**
 * The handset with this MAC in this account, and everything its file says: account realm, the owner's
 * name / extension / SIP credentials / permissions, the office timezone. One query.
 */
const deviceContextRow = reusableFirst((conn: Conn, accountId: string, mac: string) =>
  conn
    .selectFrom('devices as d')
    .innerJoin('accounts as a', 'a.id', 'd.account_id')
    .leftJoin('users as u', (j) => j.onRef('u.id', '=', 'd.user_id').onRef('u.account_id', '=', 'd.account_id'))
    .leftJoin('offices as o', (j) => j.onRef('o.id', '=', 'u.office_id').onRef('o.account_id', '=', 'd.account_id'))
    .where('d.account_id', '=', accountId)
    .where('d.mac', '=', mac)
    .select([
      'd.id',
      'd.mac',
      'd.vendor',
      'd.model',
      'd.label',
      'd.line_keys',
      'd.settings',
      'd.locked_ip',
      'd.unlocked_until',
      'a.code as account_code',
      'a.name as account_name',
      'a.sip_realm',
      'a.sip_transport',
      'u.id as user_id',
      'u.extension',
      'u.display_name',
      'u.sip_username',
      'u.sip_password',
      'u.vm_enabled',
      'u.behind_firewall',
      'u.enabled as user_enabled',
      'u.security',
      'o.timezone',
    ]),
);

export async function loadDeviceContext(conn: Conn, accountId: string, mac: string, sip: SipServer, accountOverrides: Partial<Record<Vendor, Params>>): Promise<DeviceForProvisioning | undefined> {
  const r = await deviceContextRow(conn, accountId, mac);
  if (!r) return undefined;
  const doc = await getAppliedDocumentShared(conn, accountId);
  if (doc) {
    // After the first 'Apply Changes' the phone gets the applied configuration (seed 000): the handset's
    // binding, label, keys and settings, the user's settings and the office timezone as applied. The SIP
    // credentials and the enabled flag stay live, as in Kamailio's credential table, so a regenerated
    // password or a disabled user takes effect at once and phone and server never disagree.
    const dev = doc.devices.find((d) => d.id === r.id);
    if (!dev) return undefined; // added since the last apply: not provisioned until applied
    const au = dev.user_id ? doc.users.find((u) => u.id === dev.user_id) : undefined;
    const live = au ? await conn.selectFrom('users').select(['sip_username', 'sip_password', 'enabled']).where('account_id', '=', accountId).where('id', '=', au.id).executeTakeFirst() : undefined;
    const office = au ? doc.offices.find((o) => o.id === au.office_id) : undefined;
    Object.assign(r, {
      model: dev.model,
      label: dev.label,
      line_keys: dev.line_keys,
      settings: dev.settings,
      user_id: au && live ? au.id : null,
      extension: au?.extension ?? null,
      display_name: au?.display_name ?? null,
      sip_username: live?.sip_username ?? null,
      sip_password: live?.sip_password ?? null,
      vm_enabled: au?.vm_enabled ?? 0,
      behind_firewall: au?.behind_firewall ?? 1,
      user_enabled: live?.enabled ?? 0,
      security: au?.security ?? null,
      timezone: office?.timezone ?? null,
    });
  }
  const vendor = r.vendor as Vendor;
  const hasUser = !!r.user_id && toBool(r.user_enabled);
  const security = hasUser ? mergeDeep<Security>(DEFAULT_SECURITY, parse<unknown>(r.security, {})) : DEFAULT_SECURITY;
  const context: ProvisioningContext = {
    mac: r.mac,
    vendor,
    model: r.model,
    label: effectiveLabel(r.label, r.display_name, r.extension),
    account: { code: r.account_code, name: r.account_name, sipRealm: r.sip_realm },
    sip: sipServerFor(sip, r.sip_transport, r.sip_realm),
    user: hasUser
      ? {
          extension: r.extension!,
          displayName: r.display_name!,
          sipUsername: r.sip_username!,
          sipPassword: r.sip_password!,
          voicemailEnabled: toBool(r.vm_enabled),
          behindFirewall: toBool(r.behind_firewall),
          handsetManagement: security.handsetManagement,
        }
      : null,
    timezone: r.timezone ?? 'UTC',
    lineKeys: parse<LineKey[]>(r.line_keys, []),
    overrides: { account: accountOverrides[vendor] ?? {}, device: parse<Params>(r.settings, {}) },
  };
  return { id: r.id, vendor, lockedIp: r.locked_ip, unlockedUntil: r.unlocked_until, context };
}

/** Account facts for the account-wide (common) files. */
export async function loadAccount(conn: Conn, accountId: string): Promise<{ code: string; name: string; sipRealm: string } | undefined> {
  const r = await conn.selectFrom('accounts').select(['code', 'name', 'sip_realm']).where('id', '=', accountId).executeTakeFirst();
  return r && { code: r.code, name: r.name, sipRealm: r.sip_realm };
}

export async function insertRefusal(conn: Conn, row: ProvisioningRefusalsTable): Promise<void> {
  await conn.insertInto('provisioning_refusals').values(row).execute();
}

export async function listRefusals(conn: Conn, accountId: string, limit: number, offset = 0): Promise<Array<Selectable<ProvisioningRefusalsTable>>> {
  return conn.selectFrom('provisioning_refusals').selectAll().where('account_id', '=', accountId).orderBy('at', 'desc').limit(limit).offset(offset).execute();
}

/** Provider view: refusals that could not be tied to an account (bad tokens, unknown users, rate limits). */
export async function listUnattributedRefusals(conn: Conn, limit: number): Promise<Array<Selectable<ProvisioningRefusalsTable>>> {
  return conn.selectFrom('provisioning_refusals').selectAll().where('account_id', 'is', null).orderBy('at', 'desc').limit(limit).execute();
}
