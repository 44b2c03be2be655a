/**
 * Bulk import rules (seed 003): every row is checked against the same user rules as the API
 * (src/modules/users/rules.ts) and against what the store already holds — given here as plain data,
 * loaded once — so 10,000 rows validate without a query per row. Pure: no IO.
 */
import { parse } from 'csv-parse/sync';
import type { UsersTable } from '../../db/types.ts';
import { toInt } from '../../shared/bool.ts';
import { csvUnsafe } from '../../shared/csv.ts';
import { hasControlChar } from '../../shared/input-guard.ts';
import { SCOPES, type Scope } from '../../shared/permissions.ts';
import { toE164 } from '../../shared/phone.ts';
import { checkMac, checkOwnerType, resolveModel } from '../devices/rules.ts';
import { VENDORS, type Catalog } from '../provisioning/catalog.ts';
import { checkGroupName, normaliseGroupName } from '../pickup-groups/rules.ts';
import {
  DEFAULT_APPS,
  DEFAULT_FEATURES,
  DEFAULT_RING_TIME,
  DEFAULT_SECURITY,
  checkExtension,
  deriveDisplayName,
  mergeDeep,
  normaliseEmail,
  normaliseFeatures,
  validateUserFields,
  type ExtensionContext,
} from '../users/rules.ts';
import { USER_TYPES, type Apps, type Features, type Security } from '../users/schema.ts';
import { CSV_COLUMNS, KNOWN_COLUMNS, SETTING_COLUMNS, SETTING_FIELD_TO_COLUMN, parseYesNo } from './columns.ts';

export interface RowError {
  /** Spreadsheet row: the header is row 1, the first data row is row 2. 1 = the header itself. */
  row: number;
  column: string;
  reason: string;
}

export interface ParsedCsv {
  header: string[];
  /** Data rows as column → cell (only the columns the header has). */
  rows: Array<Record<string, string>>;
  errors: RowError[];
}

export const MAX_IMPORT_ROWS = 50_000;

/** CSV text → header + records. Header names are matched case-insensitively; spaces become '_'. */
export function parseCsv(text: string): ParsedCsv {
  const errors: RowError[] = [];
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: false }) as string[][];
  } catch (err) {
    const e = err as { lines?: number; message: string };
    return { header: [], rows: [], errors: [{ row: e.lines ?? 1, column: '', reason: `is not valid CSV: ${e.message}` }] };
  }
  if (!records.length) return { header: [], rows: [], errors: [{ row: 1, column: '', reason: 'the file is empty: it needs the header row of the template' }] };
  const header = records[0]!.map((h) => h.trim().toLowerCase().replace(/\s+/g, '_'));
  header.forEach((h, i) => {
    if (!KNOWN_COLUMNS.has(h)) errors.push({ row: 1, column: h || `#${i + 1}`, reason: 'is not a column of the template' });
    else if (header.indexOf(h) !== i) errors.push({ row: 1, column: h, reason: 'appears twice in the header' });
  });
  for (const c of CSV_COLUMNS) if (c.required && !header.includes(c.name)) errors.push({ row: 1, column: c.name, reason: 'is a required column' });
  const rows: Array<Record<string, string>> = [];
  for (let i = 1; i < records.length; i++) {
    const r = records[i]!;
    if (r.length !== header.length) errors.push({ row: i + 1, column: '', reason: `has ${r.length} cells; the header has ${header.length}` });
    const rec: Record<string, string> = {};
    header.forEach((h, j) => {
      if (!KNOWN_COLUMNS.has(h)) return;
      const v = (r[j] ?? '').trim();
      // NUL and other control characters have no place in any column (PostgreSQL cannot even store NUL)
      if (hasControlChar(v, true)) errors.push({ row: i + 1, column: h, reason: 'must not contain control characters (such as NUL)' });
      // a cell our own export quoted against formula injection ('+61…) reads back as written
      rec[h] = csvUnsafe(v);
    });
    rows.push(rec);
  }
  if (rows.length > MAX_IMPORT_ROWS) errors.push({ row: MAX_IMPORT_ROWS + 2, column: '', reason: `at most ${MAX_IMPORT_ROWS} rows per import` });
  return { header, rows, errors };
}

/** What the store holds, loaded once per import. */
export interface ImportContext {
  accountId: string;
  accountCountry: string;
  extension: ExtensionContext;
  /** extension → existing user (for --update), with the fields update compares. */
  usersByExtension: Map<string, ExistingUser>;
  ringGroupExtensions: Set<string>;
  /** email → user id */
  emails: Map<string, string>;
  /** office name (lower case) → office */
  offices: Map<string, { id: string; country: string; areaCode: string | null }>;
  /** e164 → number */
  numbers: Map<string, { id: string; userId: string | null }>;
  /** group name key → id */
  pickupGroups: Map<string, string>;
  /** mac → owner of the existing handset */
  macs: Map<string, { accountId: string; userId: string | null }>;
  catalog: Catalog;
  /** Scopes the importing person may hand out (undefined = any). */
  grantableScopes?: ReadonlySet<Scope>;
}

export type ExistingUser = Pick<
  UsersTable,
  'id' | 'extension' | 'first_name' | 'last_name' | 'display_name' | 'email' | 'office_id' | 'vm_pin' | 'pickup_group_id' | 'user_type' | 'features' | 'security' | 'apps'
>;

export interface DevicePlan {
  mac: string;
  vendor: string;
  model: string;
}

export interface RowPlan {
  row: number;
  action: 'create' | 'update';
  /** create: the whole row minus secrets/ids filled at load; update: the columns to set. */
  user: Partial<UsersTable>;
  userId?: string;
  extension: string;
  /** Pickup group name to join (null = leave any group; undefined = untouched). */
  pickupGroup?: string | null;
  /** Exactly these direct numbers (undefined = untouched). */
  directNumbers?: string[];
  device?: DevicePlan;
}

export interface ValidationResult {
  plans: RowPlan[];
  errors: RowError[];
}

/** API field names (from the user rules) → CSV columns, for error messages. */
const FIELD_TO_COLUMN: Record<string, string> = {
  firstName: 'first_name',
  lastName: 'last_name',
  displayName: 'display_name',
  email: 'email',
  altEmail: 'alt_email',
  ringTime: 'ring_time',
  'voicemail.pin': 'vm_pin',
  'voicemail.email': 'vm_email',
  pickupGroup: 'pickup_group',
  extension: 'extension',
};

const LIMITS: Record<string, number> = {
  first_name: 50,
  last_name: 50,
  display_name: 80,
  department: 80,
  email: 254,
  alt_email: 254,
  vm_email: 254,
  smart_call_number: 32,
  divert_all_destination: 32,
  divert_busy_destination: 32,
  divert_no_answer_destination: 32,
};

/** A stored settings object over its defaults (as the API reads it). */
function storedSettings<T>(text: string | undefined, defaults: T): T {
  if (!text) return defaults;
  try {
    return mergeDeep(defaults, JSON.parse(text));
  } catch {
    return defaults;
  }
}

/** Sets obj[path] (creating the objects on the way). */
function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[path[path.length - 1]!] = value;
}

const EXAMPLE_ROW = Object.fromEntries(CSV_COLUMNS.map((c) => [c.name, c.example]));

function isExampleRow(rec: Record<string, string>): boolean {
  return ['first_name', 'last_name', 'email', 'device_mac'].every((c) => rec[c] === undefined || rec[c] === EXAMPLE_ROW[c]) && rec.email === EXAMPLE_ROW.email;
}

/**
 * Validates every row (never stopping at the first error) and plans what loading will write.
 * update=false: an existing extension is an error; update=true: that row updates the user, where a
 * column that is present and empty clears the value (or resets it to its default) and a column that
 * is absent leaves it alone.
 */
export function validateRows(parsed: ParsedCsv, ctx: ImportContext, opts: { update: boolean }): ValidationResult {
  const errors: RowError[] = [...parsed.errors];
  const plans: RowPlan[] = [];
  // A wrong header makes every row unreadable: report the header alone.
  if (errors.some((e) => e.row === 1)) return { plans, errors: errors.filter((e) => e.row === 1) };
  const has = (c: string) => parsed.header.includes(c);
  // The account's extension length, or the one the file's first explicit extension sets.
  let length = ctx.extension.length;
  if (!length) {
    const first = parsed.rows.find((r) => /^[0-9]{3,4}$/.test(r.extension ?? ''));
    if (first) length = first.extension!.length as 3 | 4;
    // A new PBX numbered entirely by the import: 3 digits unless the file needs more than 3 digits hold.
    else if (parsed.rows.length > 800) length = 4;
  }
  const extCtx: ExtensionContext = { ...ctx.extension, length };
  const seenExt = new Map<string, number>();
  const seenEmail = new Map<string, number>();
  const seenMac = new Map<string, number>();
  const seenNumber = new Map<string, number>();
  const blankExtension: Array<{ plan: RowPlan; rowNo: number }> = [];
  // A diversion may point at any extension the PBX will have: users, ring groups, and this file's own rows.
  const knownExtensions = new Set<string>([...ctx.usersByExtension.keys(), ...ctx.ringGroupExtensions]);
  for (const r of parsed.rows) if (r.extension) knownExtensions.add(r.extension);
  const officeById = new Map([...ctx.offices.values()].map((o) => [o.id, o]));
  const settingColumnsInFile = parsed.header.filter((h) => SETTING_COLUMNS[h]);

  parsed.rows.forEach((rec, i) => {
    const rowNo = i + 2;
    const err = (column: string, reason: string) => errors.push({ row: rowNo, column, reason });
    const before = errors.length;
    if (isExampleRow(rec)) {
      err('', "is the template's example row: delete it before importing");
      return;
    }
    for (const [col, max] of Object.entries(LIMITS)) if ((rec[col]?.length ?? 0) > max) err(col, `must be at most ${max} characters`);

    const ext = rec.extension ?? '';
    let existing: ExistingUser | undefined;
    if (ext) {
      const r = checkExtension(ext, extCtx);
      if (r) err('extension', r);
      const dup = seenExt.get(ext);
      if (dup) err('extension', `is also on row ${dup}`);
      seenExt.set(ext, rowNo);
      existing = ctx.usersByExtension.get(ext);
      if (existing && !opts.update) err('extension', 'already exists in this PBX (import with update to change existing users)');
      if (ctx.ringGroupExtensions.has(ext)) err('extension', 'is the extension of a ring group');
    }
    const action: 'create' | 'update' = existing && opts.update ? 'update' : 'create';
    const present = (c: string) => has(c) && action === 'update';
    const set = (c: string) => (action === 'create' ? rec[c] !== undefined && rec[c] !== '' : has(c));

    // Booleans, enums, numbers.
    const bool = (c: string, dflt: boolean): number | undefined => {
      if (!set(c)) return action === 'create' ? toInt(dflt) : undefined;
      const v = rec[c] ?? '';
      if (v === '') return toInt(dflt);
      const b = parseYesNo(v);
      if (b === undefined) {
        err(c, 'must be yes or no');
        return undefined;
      }
      return toInt(b);
    };
    let userType: string | undefined = action === 'create' ? 'native' : undefined;
    if (set('user_type')) {
      const v = (rec.user_type ?? '').toLowerCase() || 'native';
      if (!(USER_TYPES as readonly string[]).includes(v)) err('user_type', `must be one of ${USER_TYPES.join(', ')}`);
      userType = v;
    }
    let scope: string | undefined = action === 'create' ? 'basic_user' : undefined;
    if (set('scope')) {
      const v = (rec.scope ?? '').toLowerCase() || 'basic_user';
      if (!(SCOPES as readonly string[]).includes(v)) err('scope', `must be one of ${SCOPES.join(', ')}`);
      else if (ctx.grantableScopes && !ctx.grantableScopes.has(v as Scope)) err('scope', 'is above your own scope: you may not give it');
      scope = v;
    }
    let ringTime: number | undefined = action === 'create' ? DEFAULT_RING_TIME : undefined;
    if (set('ring_time')) {
      const v = rec.ring_time ?? '';
      if (v === '') ringTime = DEFAULT_RING_TIME;
      else if (!/^[0-9]{1,3}$/.test(v)) err('ring_time', 'must be a whole number of seconds');
      else ringTime = Number(v);
    }

    // Office.
    let officeId: string | undefined;
    const currentOffice = existing && action === 'update' ? officeById.get(existing.office_id) : undefined;
    let country = currentOffice?.country ?? ctx.accountCountry;
    let areaCode = currentOffice?.areaCode ?? null;
    if (action === 'create' || has('office')) {
      const name = (rec.office ?? '').trim();
      const office = name ? ctx.offices.get(name.toLowerCase()) : undefined;
      if (!name) err('office', 'is required');
      else if (!office) err('office', 'is not an office of this PBX');
      else {
        officeId = office.id;
        country = office.country;
        areaCode = office.areaCode;
      }
    }

    // Names and the shared user field rules.
    const firstName = set('first_name') ? (rec.first_name ?? '') : action === 'create' ? '' : undefined;
    if (firstName !== undefined && firstName.trim() === '') err('first_name', action === 'create' ? 'is required' : 'cannot be cleared');
    const pin = set('vm_pin') ? rec.vm_pin || null : undefined;
    const fieldErrors = validateUserFields(
      {
        ...(firstName && { firstName }),
        email: rec.email || null,
        altEmail: rec.alt_email || null,
        ...(ringTime !== undefined && { ringTime }),
        voicemail: { pin: pin ?? undefined, email: rec.vm_email || null },
        pickupGroup: rec.pickup_group || null,
      },
      ext || undefined,
    );
    for (const f of fieldErrors) err(FIELD_TO_COLUMN[f.field] ?? f.field, f.reason);
    if (rec.pickup_group) {
      const g = checkGroupName(rec.pickup_group, 'pickup_group');
      if (g && !fieldErrors.some((f) => f.field === 'pickupGroup')) err(g.field, g.reason);
    }

    // Email: unique in the account and in the file.
    const email = set('email') ? normaliseEmail(rec.email) : undefined;
    if (email) {
      const owner = ctx.emails.get(email);
      if (owner && owner !== existing?.id) err('email', 'is already used by another user in this PBX');
      const dup = seenEmail.get(email);
      if (dup) err('email', `is also on row ${dup}`);
      seenEmail.set(email, rowNo);
    }

    // Outbound caller ID and direct numbers: the account's own numbers.
    let outbound: string | null | undefined;
    if (set('outbound_number')) {
      outbound = null;
      if (rec.outbound_number) {
        const p = toE164(rec.outbound_number, country);
        if (!p.ok) err('outbound_number', p.reason);
        else if (!ctx.numbers.has(p.e164)) err('outbound_number', "is not one of this account's numbers");
        else outbound = p.e164;
      }
    }
    let directNumbers: string[] | undefined;
    if (set('direct_numbers')) {
      directNumbers = [];
      for (const raw of (rec.direct_numbers ?? '').split(/[;,]/).map((x) => x.trim()).filter(Boolean)) {
        const p = toE164(raw, country);
        if (!p.ok) {
          err('direct_numbers', `${raw}: ${p.reason}`);
          continue;
        }
        const n = ctx.numbers.get(p.e164);
        if (!n) err('direct_numbers', `${p.e164} is not one of this account's numbers`);
        else if (n.userId && n.userId !== existing?.id) err('direct_numbers', `${p.e164} is assigned to another user (un-assign it first)`);
        const dup = seenNumber.get(p.e164);
        if (dup) err('direct_numbers', `${p.e164} is also on row ${dup}`);
        seenNumber.set(p.e164, rowNo);
        directNumbers.push(p.e164);
      }
    }

    // Handset: MAC + model, unique across every account.
    let device: DevicePlan | undefined;
    const macRaw = rec.device_mac ?? '';
    const modelRaw = (rec.device_model ?? '').trim().toLowerCase();
    // Seed 004: a call-routing user 'will not have hardware attached' (the devices API's own rule).
    const ownerErrors = macRaw ? checkOwnerType(userType ?? existing?.user_type ?? '') : [];
    if (ownerErrors.length) for (const e of ownerErrors) err('device_mac', e.reason);
    else if (macRaw) {
      const m = checkMac(macRaw);
      if (m.reason) err('device_mac', m.reason);
      else {
        const mac = m.mac!;
        const owner = ctx.macs.get(mac);
        const mine = owner && owner.accountId === ctx.accountId && owner.userId !== null && owner.userId === existing?.id;
        if (owner && !mine) err('device_mac', owner.accountId === ctx.accountId ? 'is already a handset in this PBX' : 'is already registered and cannot be added');
        const dup = seenMac.get(mac);
        if (dup) err('device_mac', `is also on row ${dup}`);
        seenMac.set(mac, rowNo);
        if (!modelRaw) err('device_model', 'is required with device_mac');
        else {
          const parts = modelRaw.split(/[\s/-]+/).filter(Boolean);
          const vendor = parts.length > 1 && (VENDORS as readonly string[]).includes(parts[0]!) ? parts[0] : undefined;
          const model = vendor ? parts.slice(1).join('') : parts.join('');
          const r = resolveModel(ctx.catalog, mac, vendor, model);
          for (const e of r.errors) err('device_model', e.field === 'vendor' ? `${e.reason} — write it as '<vendor> <model>'` : e.reason);
          if (!r.errors.length && !mine) device = { mac, vendor: r.vendor!, model: model.toLowerCase() };
        }
      }
    } else if (modelRaw && action === 'create') err('device_mac', 'is required with device_model');

    const vmEnabled = bool('vm_enabled', true);
    const flags = {
      include_in_directory: bool('include_in_directory', true),
      hide_caller_id: bool('hide_caller_id', false),
      behind_firewall: bool('behind_firewall', true),
      enabled: bool('enabled', true),
      vm_enabled: vmEnabled,
      vm_email_delivery: bool('vm_email_delivery', false),
      vm_delete_after_email: bool('vm_delete_after_email', false),
      vm_keep_on_server: bool('vm_keep_on_server', true),
    };

    // Features, security, apps: the columns of the file over the user's current settings (create: the
    // defaults), checked by the API's own rules — a diversion to an extension the PBX will not have, or to a
    // kind of number the user may not call, is refused with its column.
    const patches: { features: Record<string, unknown>; security: Record<string, unknown>; apps: Record<string, unknown> } = { features: {}, security: {}, apps: {} };
    const touched = new Set<'features' | 'security' | 'apps'>();
    for (const col of settingColumnsInFile) {
      if (!set(col)) continue;
      const c = SETTING_COLUMNS[col]!;
      const v = (rec[col] ?? '').trim();
      const dflt = settingDefault(c.group, c.path);
      let value: unknown;
      if (v === '') value = dflt;
      else if (c.kind === 'bool') {
        value = parseYesNo(v);
        if (value === undefined) err(col, 'must be yes or no');
      } else if (c.kind === 'enum') {
        value = v.toLowerCase();
        if (!c.values!.includes(value as string)) err(col, `must be one of ${c.values!.join(', ')}`);
      } else if (c.kind === 'int') {
        if (!/^[0-9]{1,4}$/.test(v)) err(col, 'must be a whole number');
        value = Number(v);
        if (col === 'max_external_calls' && (value as number) > 1000) err(col, 'must be 0 to 1000');
      } else value = v;
      setPath(patches[c.group], c.path, value);
      touched.add(c.group);
    }
    if (errors.length > before) return;
    const isCreate = action === 'create';
    const features = mergeDeep(isCreate ? DEFAULT_FEATURES : storedSettings<Features>(existing!.features, DEFAULT_FEATURES), patches.features);
    const security = mergeDeep(isCreate ? DEFAULT_SECURITY : storedSettings<Security>(existing!.security, DEFAULT_SECURITY), patches.security);
    const apps = mergeDeep(isCreate ? DEFAULT_APPS : storedSettings<Apps>(existing!.apps, DEFAULT_APPS), patches.apps);
    let featuresJson: string | undefined;
    if (isCreate || touched.has('features') || touched.has('security')) {
      const checked = normaliseFeatures(features, {
        extensionLength: extCtx.length,
        country,
        ownExtension: ext,
        areaCode,
        enabledCalls: security.enabledCalls,
        existingExtensions: knownExtensions,
      });
      for (const f of checked.errors) err(SETTING_FIELD_TO_COLUMN[f.field] ?? f.field, f.reason);
      featuresJson = isCreate && !touched.has('features') && !checked.errors.length ? FEATURES_JSON : JSON.stringify(checked.value);
    }
    if (errors.length > before) return;

    const opt = (c: string) => (set(c) ? rec[c]?.trim() || null : undefined);
    const pickupGroup = set('pickup_group') ? (rec.pickup_group ? normaliseGroupName(rec.pickup_group).name : null) : undefined;
    if (action === 'create') {
      const first = firstName!.trim();
      const last = (rec.last_name ?? '').trim();
      const user: Partial<UsersTable> = {
        office_id: officeId!,
        first_name: first,
        last_name: last,
        display_name: deriveDisplayName(first, last, rec.display_name),
        email: email ?? null,
        alt_email: normaliseEmail(rec.alt_email),
        department: rec.department?.trim() || null,
        user_type: userType!,
        scope: scope!,
        include_in_directory: flags.include_in_directory!,
        ring_time: ringTime!,
        outbound_number: outbound ?? null,
        hide_caller_id: flags.hide_caller_id!,
        behind_firewall: flags.behind_firewall!,
        enabled: flags.enabled!,
        vm_enabled: flags.vm_enabled!,
        vm_pin: pin ?? null,
        vm_email_delivery: flags.vm_email_delivery!,
        vm_email: normaliseEmail(rec.vm_email),
        vm_delete_after_email: flags.vm_delete_after_email!,
        vm_keep_on_server: flags.vm_keep_on_server!,
        features: featuresJson!,
        security: touched.has('security') ? JSON.stringify(security) : SECURITY_JSON,
        apps: touched.has('apps') ? JSON.stringify(apps) : APPS_JSON,
        portal_password_hash: null,
      };
      const plan: RowPlan = { row: rowNo, action, user, extension: ext, pickupGroup: pickupGroup ?? null, directNumbers, device };
      plans.push(plan);
      if (!ext) blankExtension.push({ plan, rowNo });
      return;
    }
    // Update: only the columns the file has.
    const ex = existing!;
    const user: Partial<UsersTable> = {};
    const put = <K extends keyof UsersTable>(k: K, v: UsersTable[K] | undefined) => {
      if (v !== undefined) user[k] = v;
    };
    if (present('first_name') || present('last_name')) {
      const first = firstName?.trim() ?? ex.first_name;
      const last = present('last_name') ? (rec.last_name ?? '').trim() : ex.last_name;
      put('first_name', first);
      put('last_name', last);
      // A display name that followed the names keeps following them.
      if (!present('display_name') && ex.display_name === deriveDisplayName(ex.first_name, ex.last_name)) put('display_name', deriveDisplayName(first, last));
    }
    if (present('display_name')) put('display_name', deriveDisplayName(user.first_name ?? ex.first_name, user.last_name ?? ex.last_name, rec.display_name));
    if (present('email')) put('email', email ?? null);
    put('alt_email', present('alt_email') ? normaliseEmail(rec.alt_email) : undefined);
    put('department', opt('department'));
    put('office_id', officeId);
    put('user_type', userType);
    put('scope', scope);
    put('ring_time', ringTime);
    put('outbound_number', outbound);
    put('vm_pin', pin);
    put('vm_email', present('vm_email') ? normaliseEmail(rec.vm_email) : undefined);
    for (const [k, v] of Object.entries(flags)) if (v !== undefined) put(k as keyof UsersTable, v as never);
    put('features', featuresJson);
    if (touched.has('security')) put('security', JSON.stringify(security));
    if (touched.has('apps')) put('apps', JSON.stringify(apps));
    plans.push({ row: rowNo, action, user, userId: ex.id, extension: ext, pickupGroup, directNumbers, device });
  });

  // Rows without an extension get the next free ones, after every explicit extension is known.
  if (blankExtension.length && !errors.length) {
    const used = new Set<string>([...ctx.usersByExtension.keys(), ...ctx.ringGroupExtensions, ...seenExt.keys()]);
    const free = freeExtensions(used, extCtx);
    for (const { plan, rowNo } of blankExtension) {
      const next = free.next().value;
      if (!next) {
        errors.push({ row: rowNo, column: 'extension', reason: 'no free extension is left in this PBX' });
        continue;
      }
      used.add(next);
      plan.extension = next;
      if (plan.user.vm_pin && plan.user.vm_pin === next) errors.push({ row: rowNo, column: 'vm_pin', reason: 'must not be the same as the extension' });
    }
  }
  errors.sort((a, b) => a.row - b.row);
  return { plans, errors };
}

/** Free extensions in ascending order, by the same rules as 'next available' (one pass, not one scan per row). */
function* freeExtensions(used: ReadonlySet<string>, ctx: ExtensionContext): Generator<string, null> {
  const length = ctx.length ?? 3;
  const reserved = { ...ctx, length };
  for (let n = length === 3 ? 100 : 1000; n <= (length === 3 ? 999 : 9999); n++) {
    const ext = String(n);
    if (!used.has(ext) && checkExtension(ext, reserved) === null) yield ext;
  }
  return null;
}

/** The default of one setting (blank cell = default). */
function settingDefault(group: 'features' | 'security' | 'apps', path: readonly string[]): unknown {
  let v: unknown = group === 'features' ? DEFAULT_FEATURES : group === 'security' ? DEFAULT_SECURITY : DEFAULT_APPS;
  for (const k of path) v = (v as Record<string, unknown>)[k];
  return v;
}

const FEATURES_JSON = JSON.stringify(DEFAULT_FEATURES);
const SECURITY_JSON = JSON.stringify(DEFAULT_SECURITY);
const APPS_JSON = JSON.stringify(DEFAULT_APPS);

/** The template (seed 003 'Download the empty template'): the header and one example row to delete. */
export function templateRecords(): Array<Record<string, string>> {
  return [EXAMPLE_ROW];
}
