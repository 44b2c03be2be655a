/** Pure rules for handsets: MAC addresses, vendor/model choice, line keys, setting overrides. No IO. */
import type { FieldError } from '../../shared/errors.ts';
import { VENDORS, type Catalog, type Params, type Vendor } from '../provisioning/catalog.ts';
import { LINE_KEY_TYPES, type LineKey } from './schema.ts';

/**
 * "00:15:65:AA:BB:CC", "00-15-65-aa-bb-cc", "0015.65aa.bbcc", "001565AABBCC" → "001565aabbcc".
 * Returns null when it is not a usable unicast hardware address.
 */
export function normaliseMac(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  let hex: string;
  if (/^[0-9a-f]{12}$/.test(v)) hex = v;
  else if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/.test(v)) hex = v.replace(/[:-]/g, '');
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(v)) hex = v.replace(/\./g, '');
  else return null;
  return hex;
}

export function checkMac(raw: string): { mac?: string; reason?: string } {
  const mac = normaliseMac(raw);
  if (!mac) return { reason: 'must be 12 hexadecimal digits, optionally separated by : or - (e.g. 80:5E:C0:12:34:56)' };
  if (/^0+$/.test(mac) || /^f+$/.test(mac)) return { reason: 'is not a device address (all zeros / broadcast)' };
  if (parseInt(mac.slice(0, 2), 16) & 1) return { reason: 'is a multicast address, not a handset' };
  return { mac };
}

/** "805ec0123456" → "80:5e:c0:12:34:56" */
export function formatMac(mac: string): string {
  return mac.match(/.{2}/g)!.join(':');
}

/** The vendor whose OUI list holds the MAC's first three octets, if any. */
export function vendorFromMac(mac: string, cat: Catalog): Vendor | null {
  const oui = mac.slice(0, 6);
  for (const v of VENDORS) if (cat.vendors[v].template.ouis.includes(oui)) return v;
  return null;
}

export interface DeviceShapeInput {
  mac: string;
  vendor?: string;
  model: string;
  lineKeys?: LineKey[];
  settings?: Params;
  label?: string | null;
}

/** Setting names each vendor's files use (overrides must look like one). */
export const OVERRIDE_KEY: Record<Vendor, RegExp> = {
  yealink: /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/,
  polycom: /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/,
  grandstream: /^P[0-9]{1,5}$/,
  snom: /^[a-z][a-z0-9_]*(\[[0-9]{1,3}\])?$/,
  cisco: /^[A-Za-z][A-Za-z0-9_]*$/,
};

/** Checks a map of vendor-native overrides; `field` names where it came from ('settings', 'overrides.yealink'). */
export function checkOverrides(vendor: Vendor, params: unknown, field: string): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return [{ field, reason: 'must be an object of setting → value' }];
  const entries = Object.entries(params);
  if (entries.length > 200) errors.push({ field, reason: 'may hold at most 200 settings' });
  for (const [k, v] of entries) {
    if (k.length > 100 || !OVERRIDE_KEY[vendor].test(k)) errors.push({ field: `${field}.${k}`, reason: `is not a ${vendor} setting name` });
    else if (typeof v !== 'string') errors.push({ field: `${field}.${k}`, reason: 'must be a string' });
    else if (v.length > 512) errors.push({ field: `${field}.${k}`, reason: 'must be at most 512 characters' });
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u001f\u007f]/.test(v)) errors.push({ field: `${field}.${k}`, reason: 'must not contain control characters (line breaks ...)' });
  }
  return errors;
}

export function checkLineKeys(keys: LineKey[], max: number, model: string): FieldError[] {
  const errors: FieldError[] = [];
  if (keys.length > max) errors.push({ field: 'lineKeys', reason: `the ${model} has ${max} programmable keys; ${keys.length} given` });
  keys.forEach((k, i) => {
    const f = `lineKeys.${i}`;
    if (!LINE_KEY_TYPES.includes(k.type)) errors.push({ field: `${f}.type`, reason: `must be one of ${LINE_KEY_TYPES.join(', ')}` });
    if (k.type === 'blf') {
      if (!k.value || !/^[0-9]{3,4}$/.test(k.value)) errors.push({ field: `${f}.value`, reason: 'must be the 3 or 4 digit extension to watch' });
    } else if (k.type === 'speed_dial') {
      if (!k.value || !/^[0-9*#+]{1,32}$/.test(k.value)) errors.push({ field: `${f}.value`, reason: 'must be a number or code to dial (digits, * # +)' });
    } else if (k.type === 'line' && k.value) errors.push({ field: `${f}.value`, reason: 'must be empty for a line key' });
    // eslint-disable-next-line no-control-regex
    if (k.label && (k.label.length > 32 || /[\u0000-\u001f\u007f]/.test(k.label))) errors.push({ field: `${f}.label`, reason: 'must be at most 32 printable characters' });
  });
  return errors;
}

/** Vendor + model against the catalog; infers the vendor from the MAC's OUI when it is not given. */
export function resolveModel(cat: Catalog, mac: string, vendorIn: string | undefined, model: string): { vendor?: Vendor; errors: FieldError[] } {
  const vendor = (vendorIn?.toLowerCase() as Vendor | undefined) ?? vendorFromMac(mac, cat) ?? undefined;
  if (!vendor) return { errors: [{ field: 'vendor', reason: `is required: the MAC's maker is not recognised (one of ${VENDORS.join(', ')})` }] };
  if (!VENDORS.includes(vendor)) return { errors: [{ field: 'vendor', reason: `must be one of ${VENDORS.join(', ')}` }] };
  const models = Object.keys(cat.vendors[vendor].models);
  if (!models.includes(model.toLowerCase())) return { vendor, errors: [{ field: 'model', reason: `is not a known ${vendor} model (one of ${models.join(', ')})` }] };
  return { vendor, errors: [] };
}

export function checkLabel(label: string | null | undefined): FieldError[] {
  if (label === undefined || label === null) return [];
  // eslint-disable-next-line no-control-regex
  if (label.trim() === '' || label.length > 64 || /[\u0000-\u001f\u007f]/.test(label)) return [{ field: 'label', reason: 'must be 1-64 printable characters (or null to follow the user name)' }];
  return [];
}

/** Seed 002: a handset's name follows its user unless someone named it explicitly. */
export function effectiveLabel(label: string | null, ownerDisplayName: string | null | undefined, ownerExtension?: string | null): string {
  if (label) return label;
  if (ownerDisplayName) return ownerExtension ? `${ownerDisplayName} (${ownerExtension})` : ownerDisplayName;
  return 'Spare handset';
}

/** A pending resync: requested after the last time the phone fetched its file. */
export function resyncPending(requestedAt: string | null, lastProvisionedAt: string | null): boolean {
  return !!requestedAt && (!lastProvisionedAt || requestedAt > lastProvisionedAt);
}

export const UNLOCK_HOURS = 24;

export function unlockUntil(now: Date): string {
  return new Date(now.getTime() + UNLOCK_HOURS * 3_600_000).toISOString();
}

/** Seed 000: call-routing users "will not have hardware attached". */
export function checkOwnerType(userType: string): FieldError[] {
  return userType === 'call_routing' ? [{ field: 'userId', reason: 'a call-routing user has no handsets' }] : [];
}

// ---------- which handsets to resync (Save → Apply Changes) ----------
//
// A handset's file (provisioning/repository.ts loadDeviceContext) comes from the live tables until the
// account's first 'Apply Changes', then from the applied snapshot — except the SIP credentials and the
// user's enabled flag (live, as in Kamailio's credential table) and the handset's MAC and vendor (the
// phone is looked up by MAC). Keep these sets in step with that function.

/** User fields (change-set names) read live even after an apply. */
export const LIVE_USER_FIELDS: ReadonlySet<string> = new Set(['enabled', 'sipUsername', 'sipPassword']);
/** User fields that reach the file at all (officeId: the office's time zone). */
export const FILE_USER_FIELDS: ReadonlySet<string> = new Set(['extension', 'displayName', 'vmEnabled', 'behindFirewall', 'security', 'officeId', ...LIVE_USER_FIELDS]);
/** Office fields that reach the file. */
export const FILE_OFFICE_FIELDS: ReadonlySet<string> = new Set(['timezone']);
/** Handset fields read live even after an apply. */
export const LIVE_DEVICE_FIELDS: ReadonlySet<string> = new Set(['mac', 'vendor']);

/** The handsets whose file a change touches: every one of the account's, or those named. */
export interface ResyncScope {
  all: boolean;
  userIds: string[];
  officeIds: string[];
  deviceIds: string[];
}

interface ChangeEntry {
  kind: string;
  id: string;
  change: string;
  fields?: unknown;
}

const isEntry = (c: unknown): c is ChangeEntry => {
  const o = c as Partial<ChangeEntry> | null;
  return !!o && typeof o === 'object' && typeof o.kind === 'string' && typeof o.id === 'string' && typeof o.change === 'string';
};

/** Does a 'modified' entry touch one of these fields? A change set that does not list its fields might. */
const touches = (c: ChangeEntry, set: ReadonlySet<string>): boolean => !Array.isArray(c.fields) || c.fields.some((f) => typeof f === 'string' && set.has(f));

/**
 * 'config.applied' publishes a new snapshot: the handsets of added or changed users (fields that reach the
 * file), of offices whose time zone changed, and added or changed handsets. 'config.discarded' puts the
 * live tables back and leaves the served snapshot as it is, so only what the file reads live changes: users
 * that come back or get their credentials / enabled flag back, handsets that come back or get their MAC or
 * vendor back. A payload without a readable change set (`after.changes`) means every handset. Returns null
 * for other events.
 */
export function resyncScopeOfConfigEvent(type: string, payload: unknown): ResyncScope | null {
  if (type !== 'config.applied' && type !== 'config.discarded') return null;
  const all: ResyncScope = { all: true, userIds: [], officeIds: [], deviceIds: [] };
  const changes = (payload as { changes?: unknown } | null | undefined)?.changes;
  if (!Array.isArray(changes) || !changes.every(isEntry)) return all;
  const scope: ResyncScope = { all: false, userIds: [], officeIds: [], deviceIds: [] };
  const applied = type === 'config.applied';
  for (const c of changes) {
    if (c.kind === 'user') {
      const hit = applied ? c.change === 'added' || (c.change === 'modified' && touches(c, FILE_USER_FIELDS)) : c.change === 'removed' || (c.change === 'modified' && touches(c, LIVE_USER_FIELDS));
      if (hit) scope.userIds.push(c.id);
    } else if (c.kind === 'office') {
      if (applied && c.change === 'modified' && touches(c, FILE_OFFICE_FIELDS)) scope.officeIds.push(c.id);
    } else if (c.kind === 'device') {
      const hit = applied ? c.change === 'added' || c.change === 'modified' : c.change === 'removed' || (c.change === 'modified' && touches(c, LIVE_DEVICE_FIELDS));
      if (hit) scope.deviceIds.push(c.id);
    }
  }
  return scope;
}

/** On an account that has applied a configuration, does a user.updated change what the file reads live? */
export function liveUserFieldsChanged(before: unknown, after: unknown): boolean {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  return [...LIVE_USER_FIELDS].some((k) => b[k] !== a[k]);
}
