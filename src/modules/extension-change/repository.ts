/**
 * Reads and writes of an extension change, every one scoped to the account. planChange() finds what refers to
 * the old extension; applyChange() writes the rewrites (in the caller's transaction, with the owner's update).
 */
import type { Conn } from '../../db/database.ts';
import { DEFAULT_FEATURES, mergeDeep } from '../users/rules.ts';
import type { Features } from '../users/schema.ts';
import type { LineKey } from '../devices/schema.ts';
import { syncForUserIds } from '../call-flows/repository.ts';
import { DIVERSION_LABEL, rewriteDestination, rewriteFeatures, rewriteLineKeys } from './rules.ts';
import type { ExtensionChangeItem } from './schema.ts';

export type Owner = { kind: 'user'; id: string } | { kind: 'ring_group'; id: string };

export interface ChangePlan {
  items: ExtensionChangeItem[];
  users: Array<{ id: string; features: Features }>;
  offices: Array<{ id: string; day_destination: string; night_destination: string }>;
  devices: Array<{ id: string; lineKeys: LineKey[] }>;
}

function parse<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Everything stored that names `from` (rewritten by applyChange), plus what follows the owner by itself. */
export async function planChange(conn: Conn, accountId: string, owner: Owner, from: string, to: string): Promise<ChangePlan> {
  const quoted = `%"${from}"%`;
  const mailbox = owner.kind === 'user';
  const [users, offices, devices] = await Promise.all([
    conn.selectFrom('users').select(['id', 'extension', 'display_name', 'features']).where('account_id', '=', accountId).where('features', 'like', quoted).execute(),
    conn.selectFrom('offices').select(['id', 'name', 'day_destination', 'night_destination']).where('account_id', '=', accountId).execute(),
    conn
      .selectFrom('devices')
      .leftJoin('users', (j) => j.onRef('users.id', '=', 'devices.user_id').onRef('users.account_id', '=', 'devices.account_id'))
      .select(['devices.id', 'devices.mac', 'devices.line_keys', 'users.extension as owner_ext'])
      .where('devices.account_id', '=', accountId)
      .where('devices.line_keys', 'like', quoted)
      .execute(),
  ]);
  const plan: ChangePlan = { items: [], users: [], offices: [], devices: [] };
  for (const u of users) {
    if (owner.kind === 'user' && u.id === owner.id) continue;
    const r = rewriteFeatures(mergeDeep<Features>(DEFAULT_FEATURES, parse(u.features, {})), from, to);
    if (!r.changed.length) continue;
    plan.users.push({ id: u.id, features: r.features });
    for (const d of r.changed) {
      plan.items.push({ kind: 'divert', id: u.id, name: `${u.extension} ${u.display_name}`, description: `user ${u.extension} (${u.display_name}): ${DIVERSION_LABEL[d]} ${from} → ${to}`, effect: 'rewrite' });
    }
  }
  for (const o of offices) {
    const day = rewriteDestination(o.day_destination, from, to, mailbox);
    const night = rewriteDestination(o.night_destination, from, to, mailbox);
    if (day === null && night === null) continue;
    plan.offices.push({ id: o.id, day_destination: day ?? o.day_destination, night_destination: night ?? o.night_destination });
    if (day !== null) plan.items.push({ kind: 'office_day_night', id: o.id, name: o.name, description: `office '${o.name}' main number by day: ${o.day_destination} → ${day}`, effect: 'rewrite' });
    if (night !== null) plan.items.push({ kind: 'office_day_night', id: o.id, name: o.name, description: `office '${o.name}' main number by night: ${o.night_destination} → ${night}`, effect: 'rewrite' });
  }
  for (const d of devices) {
    const r = rewriteLineKeys(parse<LineKey[]>(d.line_keys, []), from, to);
    if (!r.changed.length) continue;
    plan.devices.push({ id: d.id, lineKeys: r.keys });
    const whose = d.owner_ext ? `handset of ${d.owner_ext}` : 'spare handset';
    for (const k of r.changed) {
      plan.items.push({
        kind: k.type === 'blf' ? 'blf_key' : 'speed_dial_key',
        id: d.id,
        name: d.mac,
        description: `${whose} (${d.mac}) key ${k.index + 1}: ${k.type === 'blf' ? 'busy lamp' : 'speed dial'} ${from} → ${to} (the handset is asked to resync)`,
        effect: 'rewrite',
      });
    }
  }
  // what follows by itself: stored by id, or read from the extension at call time
  if (owner.kind === 'user') {
    const u = await conn.selectFrom('users').select(['id', 'vm_enabled', 'pickup_group_id']).where('account_id', '=', accountId).where('id', '=', owner.id).executeTakeFirst();
    const groups = await conn
      .selectFrom('ring_group_members as m')
      .innerJoin('ring_groups as g', 'g.id', 'm.ring_group_id')
      .select(['g.id', 'g.name', 'g.extension'])
      .where('m.account_id', '=', accountId)
      .where('m.user_id', '=', owner.id)
      .execute();
    if (u && Number(u.vm_enabled) === 1) plan.items.push({ kind: 'voicemail', id: owner.id, name: 'mailbox', description: `the mailbox becomes ${to} (its messages, greetings and PIN stay; 777 and the message-waiting lamp follow)`, effect: 'follows' });
    plan.items.push({ kind: 'caller_id', id: owner.id, name: 'caller ID', description: `internal calls from this user show ${to}`, effect: 'follows' });
    plan.items.push({ kind: 'presence', id: owner.id, name: 'busy lamp', description: `the user's busy lamp is published as ${to}`, effect: 'follows' });
    for (const g of groups) plan.items.push({ kind: 'ring_group', id: g.id, name: g.name, description: `member of ring group '${g.name}' (${g.extension}): membership is by user, unchanged`, effect: 'follows' });
    const fallbacks = await conn
      .selectFrom('ring_groups')
      .select(['id', 'name', 'extension', 'fallback_kind'])
      .where('account_id', '=', accountId)
      .where('fallback_user_id', '=', owner.id)
      .where('fallback_kind', 'in', ['user', 'voicemail'])
      .execute();
    for (const g of fallbacks) plan.items.push({ kind: 'ring_group_fallback', id: g.id, name: g.name, description: `ring group '${g.name}' (${g.extension}) falls back to this user's ${g.fallback_kind === 'voicemail' ? 'voicemail' : 'phones'}: by user, unchanged`, effect: 'follows' });
    if (u?.pickup_group_id) plan.items.push({ kind: 'pickup_group', id: u.pickup_group_id, name: 'pickup group', description: 'pickup group membership is by user, unchanged', effect: 'follows' });
  }
  return plan;
}

/** Writes the plan's rewrites in the caller's transaction (and refreshes the rewritten users' call flows). */
export async function applyChange(tx: Conn, accountId: string, plan: ChangePlan, now: string): Promise<void> {
  for (const u of plan.users) {
    await tx.updateTable('users').set({ features: JSON.stringify(u.features), updated_at: now }).where('account_id', '=', accountId).where('id', '=', u.id).execute();
  }
  if (plan.users.length) await syncForUserIds(tx, accountId, plan.users.map((u) => u.id));
  for (const o of plan.offices) {
    await tx.updateTable('offices').set({ day_destination: o.day_destination, night_destination: o.night_destination, updated_at: now }).where('account_id', '=', accountId).where('id', '=', o.id).execute();
  }
  for (const d of plan.devices) {
    await tx.updateTable('devices').set({ line_keys: JSON.stringify(d.lineKeys), updated_at: now }).where('account_id', '=', accountId).where('id', '=', d.id).execute();
  }
}
