import type { Conn } from '../../db/database.ts';
import { reusableFirst } from '../../db/reusable.ts';
import type { UsersTable } from '../../db/types.ts';
import { purgeUsers } from '../usage/repository.ts';
import { CONFIG_DOCUMENT_VERSION, NOT_CONFIG, type ConfigDocument } from './rules.ts';

/** The account's whole live configuration, read in the caller's transaction. */
export async function snapshot(conn: Conn, accountId: string): Promise<ConfigDocument> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one generic read over several account tables
  const byAccount = (t: 'offices' | 'users' | 'numbers' | 'pickup_groups' | 'ring_groups' | 'call_flows' | 'devices'): Promise<any[]> =>
    (conn as Conn).selectFrom(t as 'users').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
  const [account, offices, users, numbers, pickupGroups, ringGroups, ringGroupMembers, callFlows, devices] = await Promise.all([
    conn.selectFrom('accounts').select(['id', 'code', 'name', 'sip_realm', 'country', 'extension_length']).where('id', '=', accountId).executeTakeFirstOrThrow(),
    byAccount('offices'),
    byAccount('users'),
    byAccount('numbers'),
    byAccount('pickup_groups'),
    byAccount('ring_groups'),
    conn.selectFrom('ring_group_members').selectAll().where('account_id', '=', accountId).orderBy('ring_group_id').orderBy('position').execute(),
    byAccount('call_flows'),
    byAccount('devices'),
  ]);
  return { format: CONFIG_DOCUMENT_VERSION, account, offices, users, numbers, pickupGroups, ringGroups, ringGroupMembers, callFlows, devices } as ConfigDocument;
}

export interface AppliedVersion {
  version: number;
  appliedBy: string;
  appliedAt: string;
  summary: string;
}

export async function latestVersion(conn: Conn, accountId: string): Promise<number> {
  const r = await conn.selectFrom('config_versions').select((eb) => eb.fn.max('version').as('v')).where('account_id', '=', accountId).executeTakeFirst();
  return Number(r?.v ?? 0);
}

/**
 * The configuration last applied for the account — what the SIP server and the phones serve — or null
 * before the first 'Apply Changes'. SIP routing and provisioning read this, never the live tables.
 */
export async function getAppliedSnapshot(conn: Conn, accountId: string): Promise<(AppliedVersion & { document: ConfigDocument }) | null> {
  const row = await conn.selectFrom('config_versions').selectAll().where('account_id', '=', accountId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (!row) return null;
  return { version: row.version, appliedBy: row.applied_by, appliedAt: row.applied_at, summary: row.summary, document: JSON.parse(row.document) as ConfigDocument };
}

const latestVersionNo = reusableFirst((conn: Conn, accountId: string) => conn.selectFrom('config_versions').select('version').where('account_id', '=', accountId).orderBy('version', 'desc').limit(1));
const versionDocument = reusableFirst((conn: Conn, accountId: string, version: number) => conn.selectFrom('config_versions').select('document').where('account_id', '=', accountId).where('version', '=', version));
/** Parsed applied documents by account and version (an applied version never changes): read-only. */
const parsedDocuments = new Map<string, ConfigDocument>();

/**
 * The applied configuration document, for the phone-facing server (every fetch of every phone reads it):
 * one indexed lookup of the latest version number; the document is parsed once per version, not per
 * fetch. The object is shared: callers must not change it.
 */
export async function getAppliedDocumentShared(conn: Conn, accountId: string): Promise<ConfigDocument | null> {
  const latest = await latestVersionNo(conn, accountId);
  if (!latest) return null;
  const key = `${accountId}:${latest.version}`;
  let doc = parsedDocuments.get(key);
  if (!doc) {
    const row = await versionDocument(conn, accountId, latest.version);
    if (!row) return null;
    doc = JSON.parse(row.document) as ConfigDocument;
    if (parsedDocuments.size >= 64) parsedDocuments.delete(parsedDocuments.keys().next().value!);
    parsedDocuments.set(key, doc);
  }
  return doc;
}

export async function getVersion(conn: Conn, accountId: string, version: number): Promise<(AppliedVersion & { document: ConfigDocument }) | null> {
  const row = await conn.selectFrom('config_versions').selectAll().where('account_id', '=', accountId).where('version', '=', version).executeTakeFirst();
  if (!row) return null;
  return { version: row.version, appliedBy: row.applied_by, appliedAt: row.applied_at, summary: row.summary, document: JSON.parse(row.document) as ConfigDocument };
}

export async function listVersions(conn: Conn, accountId: string, limit: number, offset: number): Promise<{ items: AppliedVersion[]; total: number }> {
  const [rows, count] = await Promise.all([
    conn.selectFrom('config_versions').select(['version', 'applied_by', 'applied_at', 'summary']).where('account_id', '=', accountId).orderBy('version', 'desc').limit(limit).offset(offset).execute(),
    conn.selectFrom('config_versions').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map((r) => ({ version: r.version, appliedBy: r.applied_by, appliedAt: r.applied_at, summary: r.summary })), total: Number(count.n) };
}

export async function insertVersion(conn: Conn, row: { id: string; account_id: string; version: number; document: string; summary: string; applied_by: string; applied_at: string }): Promise<void> {
  await conn.insertInto('config_versions').values(row).execute();
}

const chunk = <T>(xs: T[], n = 300): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
const configOnly = <T extends object>(row: T): Partial<T> => Object.fromEntries(Object.entries(row).filter(([k]) => !NOT_CONFIG.has(k) && k !== 'id')) as Partial<T>;

/**
 * 'Discard': puts the live tables back to the applied document, in the caller's transaction. Rows added
 * since are removed (users through purgeUsers, so nothing is orphaned), removed ones come back, changed
 * ones are reset. Runtime state (handset provisioning state, portal passwords, timestamps) is kept.
 * The number pool itself is inventory: numbers get their applied assignment and label back; numbers
 * added to the pool since stay in it, unassigned.
 */
export async function restore(tx: Conn, accountId: string, doc: ConfigDocument): Promise<void> {
  const live = await snapshot(tx, accountId);
  const ids = <T extends { id: string }>(rows: T[]) => new Set(rows.map((r) => r.id));
  const snapUsers = ids(doc.users);
  const snapOffices = ids(doc.offices);
  const snapGroups = ids(doc.pickupGroups);
  const snapRings = ids(doc.ringGroups);
  const snapDevices = ids(doc.devices);
  const liveUsers = new Map(live.users.map((u) => [u.id, u]));
  const liveOffices = new Map(live.offices.map((o) => [o.id, o]));
  const liveGroups = ids(live.pickupGroups);
  const liveRings = ids(live.ringGroups);
  const liveDevices = ids(live.devices);

  // 1. Derived and linking rows are rebuilt from the document at the end.
  await tx.deleteFrom('ring_group_members').where('account_id', '=', accountId).execute();
  await tx.deleteFrom('call_flows').where('account_id', '=', accountId).execute();
  // 2. Users, handsets, ring groups added since the apply go (with everything that is theirs).
  for (const c of chunk(live.devices.filter((d) => !snapDevices.has(d.id)).map((d) => d.id))) await tx.deleteFrom('devices').where('account_id', '=', accountId).where('id', 'in', c).execute();
  await purgeUsers(tx, accountId, live.users.filter((u) => !snapUsers.has(u.id)).map((u) => u.id));
  for (const c of chunk(live.ringGroups.filter((g) => !snapRings.has(g.id)).map((g) => g.id))) await tx.deleteFrom('ring_groups').where('account_id', '=', accountId).where('id', 'in', c).execute();
  // 3. Unique keys that may have been swapped around: move them out of the way first.
  const changedUsers = doc.users.filter((u) => {
    const l = liveUsers.get(u.id);
    return l && (l.extension !== u.extension || l.email !== u.email || l.sip_username !== u.sip_username);
  });
  for (const u of changedUsers) await tx.updateTable('users').set({ extension: `~${u.id}`, email: null, sip_username: `~${u.id}` }).where('id', '=', u.id).execute();
  for (const g of doc.ringGroups.filter((g) => liveRings.has(g.id))) await tx.updateTable('ring_groups').set({ extension: `~${g.id}`, name_key: `~${g.id}` }).where('id', '=', g.id).execute();
  for (const o of doc.offices.filter((o) => liveOffices.get(o.id) && liveOffices.get(o.id)!.name_key !== o.name_key)) await tx.updateTable('offices').set({ name_key: `~${o.id}` }).where('id', '=', o.id).execute();
  // 4. Offices and pickup groups: back as they were (before the users that point at them).
  for (const o of doc.offices) {
    if (liveOffices.has(o.id)) await tx.updateTable('offices').set(configOnly(o)).where('id', '=', o.id).execute();
    else await tx.insertInto('offices').values(o).execute();
  }
  for (const g of doc.pickupGroups) {
    if (liveGroups.has(g.id)) await tx.updateTable('pickup_groups').set(configOnly(g)).where('id', '=', g.id).execute();
    else await tx.insertInto('pickup_groups').values(g).execute();
  }
  // 5. Users.
  for (const u of doc.users) {
    if (liveUsers.has(u.id)) await tx.updateTable('users').set(configOnly(u) as Partial<UsersTable>).where('id', '=', u.id).execute();
    else await tx.insertInto('users').values({ ...u, portal_password_hash: null }).execute();
  }
  // 6. What the users no longer need: offices and pickup groups added since.
  for (const c of chunk(live.pickupGroups.filter((g) => !snapGroups.has(g.id)).map((g) => g.id))) await tx.deleteFrom('pickup_groups').where('account_id', '=', accountId).where('id', 'in', c).execute();
  for (const c of chunk(live.offices.filter((o) => !snapOffices.has(o.id)).map((o) => o.id))) await tx.deleteFrom('offices').where('account_id', '=', accountId).where('id', 'in', c).execute();
  // 7. Ring groups, members, call flows, handsets, number assignments.
  for (const doc_g of doc.ringGroups) {
    // a document applied before migration 0210 has no fallback: the group had none
    const g = { fallback_kind: 'none', fallback_user_id: null, ...doc_g };
    if (liveRings.has(g.id)) await tx.updateTable('ring_groups').set(configOnly(g)).where('id', '=', g.id).execute();
    else await tx.insertInto('ring_groups').values(g).execute();
  }
  for (const c of chunk(doc.ringGroupMembers, 500)) await tx.insertInto('ring_group_members').values(c).execute();
  for (const c of chunk(doc.callFlows, 1000)) await tx.insertInto('call_flows').values(c).execute();
  for (const d of doc.devices) {
    const r = liveDevices.has(d.id) ? await tx.updateTable('devices').set(configOnly(d)).where('id', '=', d.id).executeTakeFirst() : undefined;
    if (!r || Number(r.numUpdatedRows) === 0) {
      const taken = await tx.selectFrom('devices').select('id').where('mac', '=', d.mac).executeTakeFirst();
      if (!taken) await tx.insertInto('devices').values(d).execute();
    }
  }
  const snapNumbers = new Map(doc.numbers.map((n) => [n.id, n]));
  for (const n of live.numbers) {
    const s = snapNumbers.get(n.id);
    const want = { user_id: s?.user_id ?? null, ring_group_id: s?.ring_group_id ?? null, label: s ? s.label : n.label };
    if (n.user_id !== want.user_id || (n.ring_group_id ?? null) !== want.ring_group_id || n.label !== want.label) await tx.updateTable('numbers').set(want).where('id', '=', n.id).execute();
  }
  await tx.updateTable('accounts').set({ extension_length: doc.account.extension_length }).where('id', '=', accountId).execute();
}
