/**
 * Save → Apply Changes (seed 000): the live tables are the working configuration; applying freezes the
 * account's whole configuration as a numbered document (what the SIP server and phones read). The diff
 * of live vs last applied is what 'Apply Changes' will publish. Pure: no IO.
 */
import type {
  AccountsTable,
  CallFlowsTable,
  DevicesTable,
  NumbersTable,
  OfficesTable,
  PickupGroupsTable,
  RingGroupMembersTable,
  RingGroupsTable,
  UsersTable,
} from '../../db/types.ts';

export const CONFIG_DOCUMENT_VERSION = 1;

/** Raw rows, so a discard can restore them exactly. Contains secrets: never sent by the API as is. */
export interface ConfigDocument {
  format: typeof CONFIG_DOCUMENT_VERSION;
  account: Pick<AccountsTable, 'id' | 'code' | 'name' | 'sip_realm' | 'country' | 'extension_length'>;
  offices: OfficesTable[];
  users: UsersTable[];
  numbers: NumbersTable[];
  pickupGroups: PickupGroupsTable[];
  ringGroups: RingGroupsTable[];
  ringGroupMembers: RingGroupMembersTable[];
  callFlows: CallFlowsTable[];
  devices: DevicesTable[];
}

export type ChangeKind = 'office' | 'user' | 'number' | 'pickup_group' | 'ring_group' | 'device';

export interface ConfigChange {
  kind: ChangeKind;
  id: string;
  name: string;
  change: 'added' | 'removed' | 'modified';
  /** API-style names of the fields that differ (values are not shown: some are secrets). */
  fields: string[];
}

/** Bookkeeping and runtime state: not configuration, never a pending change, kept as is by discard. */
export const NOT_CONFIG = new Set([
  'created_at',
  'updated_at',
  'portal_password_hash',
  // SIP credentials are live by design (Kamailio's sip_subscribers and the phone files read the current
  // password): 'Regenerate' works at once, is never a pending change, and a discard never brings back an
  // old password the admin has already replaced.
  'sip_password',
  'locked_ip',
  'locked_at',
  'unlocked_until',
  'last_provisioned_at',
  'last_provisioned_ip',
  'last_user_agent',
  'resync_requested_at',
  'resync_status',
  // Day/Night is an operational switch (a PBX's night button, *28): live at once, never a pending change, kept
  // by a discard. Routing overlays the live mode on the applied document. The destinations are configuration.
  'day_night_mode',
]);

/** Secret columns: kept in snapshots (the SIP server needs them), removed from anything the API returns. */
export const SECRET_COLUMNS = new Set(['sip_password', 'vm_pin', 'portal_password_hash']);

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function changedFields(a: object, b: object): string[] {
  const out: string[] = [];
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    if (NOT_CONFIG.has(k)) continue;
    if (JSON.stringify(ra[k] ?? null) !== JSON.stringify(rb[k] ?? null)) out.push(camel(k));
  }
  return out.sort();
}

function diffRows<T extends { id: string }>(
  kind: ChangeKind,
  before: T[],
  after: T[],
  name: (r: T) => string,
  extra?: (b: T | undefined, a: T | undefined) => string[],
): ConfigChange[] {
  const out: ConfigChange[] = [];
  const b = new Map(before.map((r) => [r.id, r]));
  const a = new Map(after.map((r) => [r.id, r]));
  for (const [id, row] of a) {
    const old = b.get(id);
    if (!old) out.push({ kind, id, name: name(row), change: 'added', fields: [] });
    else {
      const fields = [...changedFields(old, row), ...(extra?.(old, row) ?? [])];
      if (fields.length) out.push({ kind, id, name: name(row), change: 'modified', fields: [...new Set(fields)].sort() });
    }
  }
  for (const [id, row] of b) if (!a.has(id)) out.push({ kind, id, name: name(row), change: 'removed', fields: [] });
  // by name with numbers compared as numbers: users and ring groups in extension order ('99 …' before '100 …')
  return out.sort((x, y) => BY_NAME.compare(x.name, y.name) || x.id.localeCompare(y.id));
}

const BY_NAME = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

const EMPTY: Omit<ConfigDocument, 'account'> = { format: 1, offices: [], users: [], numbers: [], pickupGroups: [], ringGroups: [], ringGroupMembers: [], callFlows: [], devices: [] };

/** What applying `live` over `applied` (null = nothing applied yet) would change. */
export function diffDocuments(applied: ConfigDocument | null, live: ConfigDocument): ConfigChange[] {
  const base = applied ?? { ...EMPTY, account: live.account };
  const membersOf = (d: Pick<ConfigDocument, 'ringGroupMembers'>, id: string) =>
    JSON.stringify(d.ringGroupMembers.filter((m) => m.ring_group_id === id).sort((x, y) => x.position - y.position).map((m) => m.user_id));
  const flowOf = (d: Pick<ConfigDocument, 'callFlows'>, userId: string) => d.callFlows.find((f) => f.user_id === userId)?.document ?? null;
  return [
    ...diffRows('office', base.offices, live.offices, (o) => o.name),
    ...diffRows('user', base.users, live.users, (u) => `${u.extension} ${u.display_name}`, (b, a) => (b && a && flowOf(base, b.id) !== flowOf(live, a.id) ? ['callFlow'] : [])),
    ...diffRows('number', base.numbers, live.numbers, (n) => n.e164),
    ...diffRows('pickup_group', base.pickupGroups, live.pickupGroups, (g) => g.name),
    ...diffRows('ring_group', base.ringGroups, live.ringGroups, (g) => `${g.extension} ${g.name}`, (b, a) => (b && a && membersOf(base, b.id) !== membersOf(live, a.id) ? ['members'] : [])),
    ...diffRows('device', base.devices, live.devices, (d) => `${d.vendor} ${d.model} ${d.mac}`),
  ];
}

export function summarise(changes: ConfigChange[]): string {
  if (!changes.length) return 'no changes';
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(`${c.kind.replace('_', ' ')}s ${c.change}`, (counts.get(`${c.kind.replace('_', ' ')}s ${c.change}`) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** The document without secrets, for API responses. */
export function redact(doc: ConfigDocument): ConfigDocument {
  const strip = <T extends object>(rows: T[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !SECRET_COLUMNS.has(k))) as T);
  return { ...doc, users: strip(doc.users) };
}

// ---------- the history of applied versions: field-level differences ----------

/**
 * One field of one changed row. Values are shown for ordinary configuration; a secret (voicemail PIN; SIP
 * passwords and password hashes never even count as configuration) and a whole call-flow document are only
 * said to have changed.
 */
export type FieldChange = { field: string; before: unknown; after: unknown } | { field: string; changed: 'secret' | 'document' };

export interface VersionChange extends Omit<ConfigChange, 'fields'> {
  fields: FieldChange[];
}

export interface ChangeCounts {
  added: number;
  removed: number;
  modified: number;
}

/** Columns holding JSON text: compared key by key (features.divertAll.destination), not as one string. */
const JSON_COLUMNS = new Set(['features', 'security', 'apps', 'line_keys', 'settings']);

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length) out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, `${prefix}.${k}`, out);
  } else out.set(prefix, value ?? null);
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** The differing fields of one row, API-named; secrets as 'changed' only. */
export function fieldChanges(before: object, after: object): FieldChange[] {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const out: FieldChange[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (NOT_CONFIG.has(k) || k === 'id' || k === 'account_id') continue;
    const x = a[k] ?? null;
    const y = b[k] ?? null;
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const field = camel(k);
    if (SECRET_COLUMNS.has(k)) out.push({ field, changed: 'secret' });
    else if (JSON_COLUMNS.has(k)) {
      const fx = new Map<string, unknown>();
      const fy = new Map<string, unknown>();
      flatten(parseJson(x), field, fx);
      flatten(parseJson(y), field, fy);
      for (const p of new Set([...fx.keys(), ...fy.keys()])) {
        const vx = fx.get(p) ?? null;
        const vy = fy.get(p) ?? null;
        if (JSON.stringify(vx) !== JSON.stringify(vy)) out.push({ field: p, before: vx, after: vy });
      }
    } else out.push({ field, before: x, after: y });
  }
  return out.sort((p, q) => p.field.localeCompare(q.field));
}

const ROWS: Record<ChangeKind, (d: ConfigDocument) => Array<{ id: string }>> = {
  office: (d) => d.offices,
  user: (d) => d.users,
  number: (d) => d.numbers,
  pickup_group: (d) => d.pickupGroups,
  ring_group: (d) => d.ringGroups,
  device: (d) => d.devices,
};

/**
 * What an applied version changed against the one before it (null: the first version, so everything was
 * added): each added/removed row by name, and each changed row with its fields before and after.
 */
export function versionDiff(previous: ConfigDocument | null, doc: ConfigDocument): VersionChange[] {
  const base = previous ?? { ...EMPTY, account: doc.account };
  const extensionOf = (d: ConfigDocument, userId: string) => {
    const u = d.users.find((x) => x.id === userId);
    return u ? `${u.extension} ${u.display_name}` : userId;
  };
  const members = (d: ConfigDocument, id: string) =>
    d.ringGroupMembers
      .filter((m) => m.ring_group_id === id)
      .sort((x, y) => x.position - y.position)
      .map((m) => extensionOf(d, m.user_id));
  return diffDocuments(previous, doc).map((c) => {
    if (c.change !== 'modified') return { ...c, fields: [] };
    const b = ROWS[c.kind](base).find((r) => r.id === c.id)!;
    const a = ROWS[c.kind](doc).find((r) => r.id === c.id)!;
    const fields = fieldChanges(b, a);
    if (c.fields.includes('callFlow')) fields.push({ field: 'callFlow', changed: 'document' });
    if (c.fields.includes('members')) fields.push({ field: 'members', before: members(base, c.id), after: members(doc, c.id) });
    return { ...c, fields: fields.sort((p, q) => p.field.localeCompare(q.field)) };
  });
}

export function countChanges(changes: Array<Pick<ConfigChange, 'change'>>): ChangeCounts {
  const n: ChangeCounts = { added: 0, removed: 0, modified: 0 };
  for (const c of changes) n[c.change]++;
  return n;
}
