import type { Conn } from '../../db/database.ts';
import type { UsageItem } from '../../shared/errors.ts';
import type { CallFlowDocument } from '../call-flows/rules.ts';
import { userDeletionParticipants } from './registry.ts';
import './devices.ts';
import '../voicemail/deletion.ts';
import '../callbacks/deletion.ts';

type Item = UsageItem & { userId?: string };

/** Users whose call flow forwards calls to this internal extension (their diversions). */
export async function divertsTo(conn: Conn, accountId: string, extensions: string | string[], exceptUserIds: string[] = []): Promise<Item[]> {
  const wanted = new Set(Array.isArray(extensions) ? extensions : [extensions]);
  const except = new Set(exceptUserIds);
  const rows = await conn
    .selectFrom('call_flows as f')
    .innerJoin('users as u', 'u.id', 'f.user_id')
    .select(['u.id', 'u.extension', 'u.display_name', 'f.document'])
    .where('f.account_id', '=', accountId)
    .where('f.document', 'like', '%"internal":true%')
    .execute();
  const out: Item[] = [];
  for (const r of rows) {
    if (except.has(r.id)) continue;
    const doc = JSON.parse(r.document) as CallFlowDocument;
    for (const step of doc.steps) {
      if (step.action === 'forward' && step.internal && wanted.has(step.destination)) {
        out.push({
          kind: 'divert',
          id: r.id,
          name: `${r.extension} ${r.display_name}`,
          description: `user ${r.extension} (${r.display_name}) diverts calls (${step.when.replace('_', ' ')}) to ${step.destination}`,
          removal: 'manual',
          userId: step.destination,
        });
      }
    }
  }
  return out;
}

/**
 * Everything that refers to these users (seed 000 'Usage'), per user id. `with_resource` items go with the
 * user on any delete; `cascade` ones only with ?cascade=true (seed 002: 'remove devices'); `manual` ones
 * must be changed first (seed 003: 'not in use in any callflows').
 */
export async function usersUsage(conn: Conn, accountId: string, userIds: string[]): Promise<Map<string, UsageItem[]>> {
  const out = new Map<string, UsageItem[]>(userIds.map((id) => [id, []]));
  if (!userIds.length) return out;
  const add = (userId: string, item: UsageItem) => out.get(userId)?.push(item);
  const chunks: string[][] = [];
  for (let i = 0; i < userIds.length; i += 500) chunks.push(userIds.slice(i, i + 500));
  for (const ids of chunks) {
    const [groups, pickups, nums, flows, usersRows] = await Promise.all([
      conn
        .selectFrom('ring_group_members as m')
        .innerJoin('ring_groups as g', 'g.id', 'm.ring_group_id')
        .select(['m.user_id', 'g.id', 'g.name', 'g.extension'])
        .where('m.account_id', '=', accountId)
        .where('m.user_id', 'in', ids)
        .execute(),
      conn
        .selectFrom('users as u')
        .innerJoin('pickup_groups as p', 'p.id', 'u.pickup_group_id')
        .select(['u.id as user_id', 'p.id', 'p.name'])
        .where('u.account_id', '=', accountId)
        .where('u.id', 'in', ids)
        .execute(),
      conn.selectFrom('numbers').select(['id', 'e164', 'user_id']).where('account_id', '=', accountId).where('user_id', 'in', ids).orderBy('e164').execute(),
      conn.selectFrom('call_flows').select(['id', 'user_id']).where('account_id', '=', accountId).where('user_id', 'in', ids).execute(),
      conn.selectFrom('users').select(['id', 'extension']).where('account_id', '=', accountId).where('id', 'in', ids).execute(),
    ]);
    const fallbacks = await conn
      .selectFrom('ring_groups')
      .select(['id', 'name', 'extension', 'fallback_kind', 'fallback_user_id'])
      .where('account_id', '=', accountId)
      .where('fallback_user_id', 'in', ids)
      .where('fallback_kind', 'in', ['user', 'voicemail'])
      .execute();
    for (const g of fallbacks) {
      const what = g.fallback_kind === 'voicemail' ? "this user's voicemail" : "this user's devices";
      add(g.fallback_user_id!, { kind: 'ring_group_fallback', id: g.id, name: g.name, description: `ring group '${g.name}' (${g.extension}) falls back to ${what} when nobody answers`, removal: 'manual' });
    }
    for (const g of groups) add(g.user_id, { kind: 'ring_group', id: g.id, name: g.name, description: `member of ring group '${g.name}' (${g.extension})`, removal: 'manual' });
    for (const n of nums) add(n.user_id!, { kind: 'number', id: n.id, name: n.e164, description: `direct number ${n.e164} rings this user (returned to spare numbers)`, removal: 'cascade' });
    for (const p of pickups) add(p.user_id, { kind: 'pickup_group', id: p.id, name: p.name, description: `member of pickup group '${p.name}' (leaves it)`, removal: 'with_resource' });
    for (const f of flows) add(f.user_id, { kind: 'call_flow', id: f.id, name: 'personal call flow', description: 'personal call flow (removed with the user)', removal: 'with_resource' });
    const byExt = new Map(usersRows.map((u) => [u.extension, u.id]));
    for (const d of await divertsTo(conn, accountId, [...byExt.keys()], userIds)) {
      const target = byExt.get(d.userId!);
      if (target) add(target, { kind: d.kind, id: d.id, name: d.name, description: d.description, removal: d.removal });
    }
    // an office's Day/Night destination (its main number) naming the user or their mailbox: change it first
    const dest = [...byExt.keys()].flatMap((e) => [e, `voicemail:${e}`]);
    if (dest.length) {
      const offices = await conn
        .selectFrom('offices')
        .select(['id', 'name', 'day_destination', 'night_destination'])
        .where('account_id', '=', accountId)
        .where((eb) => eb.or([eb('day_destination', 'in', dest), eb('night_destination', 'in', dest)]))
        .execute();
      for (const o of offices) {
        for (const [when, d] of [['day', o.day_destination], ['night', o.night_destination]] as const) {
          const target = byExt.get(d.replace(/^voicemail:/, ''));
          if (target && dest.includes(d)) add(target, { kind: 'office_day_night', id: o.id, name: o.name, description: `office '${o.name}' sends its main number to ${d} by ${when} (Day/Night)`, removal: 'manual' });
        }
      }
    }
    for (const p of userDeletionParticipants()) {
      for (const item of await p.usage(conn, accountId, ids)) {
        const { userId, ...rest } = item;
        add(userId, rest);
      }
    }
  }
  return out;
}

export function blockingItems(items: UsageItem[], cascade: boolean): UsageItem[] {
  return items.filter((i) => i.removal === 'manual' || (i.removal === 'cascade' && !cascade));
}

/**
 * Removes the users and everything that is theirs, in the caller's transaction: participants' rows
 * (devices ...), call flows, ring group memberships, direct numbers back to spare. No orphan is left.
 */
export async function purgeUsers(tx: Conn, accountId: string, userIds: string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += 500) {
    const ids = userIds.slice(i, i + 500);
    for (const p of userDeletionParticipants()) await p.remove(tx, accountId, ids);
    await tx.deleteFrom('call_flows').where('account_id', '=', accountId).where('user_id', 'in', ids).execute();
    await tx.deleteFrom('ring_group_members').where('account_id', '=', accountId).where('user_id', 'in', ids).execute();
    await tx.updateTable('numbers').set({ user_id: null }).where('account_id', '=', accountId).where('user_id', 'in', ids).execute();
    await tx.deleteFrom('users').where('account_id', '=', accountId).where('id', 'in', ids).execute();
  }
}

/** Where a ring group is used besides diversions: direct numbers that ring it, offices' Day/Night destinations. */
export async function ringGroupUsage(conn: Conn, accountId: string, g: { id: string; extension: string }): Promise<UsageItem[]> {
  const [nums, offices] = await Promise.all([
    conn.selectFrom('numbers').select(['id', 'e164']).where('account_id', '=', accountId).where('ring_group_id', '=', g.id).orderBy('e164').execute(),
    conn
      .selectFrom('offices')
      .select(['id', 'name', 'day_destination', 'night_destination'])
      .where('account_id', '=', accountId)
      .where((eb) => eb.or([eb('day_destination', '=', g.extension), eb('night_destination', '=', g.extension)]))
      .execute(),
  ]);
  return [
    ...nums.map((n) => ({ kind: 'number', id: n.id, name: n.e164, description: `direct number ${n.e164} rings this group (un-assign it first)`, removal: 'manual' as const })),
    ...offices.map((o) => ({ kind: 'office_day_night', id: o.id, name: o.name, description: `office '${o.name}' sends its main number to this group (Day/Night)`, removal: 'manual' as const })),
  ];
}

/** Where an office is used: its users (move or delete them first). */
export async function officeUsage(conn: Conn, accountId: string, officeId: string): Promise<UsageItem[]> {
  const rows = await conn.selectFrom('users').select(['id', 'extension', 'display_name']).where('account_id', '=', accountId).where('office_id', '=', officeId).orderBy('extension').execute();
  return rows.map((u) => ({ kind: 'user', id: u.id, name: `${u.extension} ${u.display_name}`, description: `user ${u.extension} (${u.display_name}) is in this office`, removal: 'manual' as const }));
}

/** Where a number is used: office default outbound, users' outbound caller ID, a user's direct number. */
export async function numberUsage(conn: Conn, accountId: string, e164: string): Promise<UsageItem[]> {
  const [offices, users, owner, group] = await Promise.all([
    conn.selectFrom('offices').select(['id', 'name']).where('account_id', '=', accountId).where('default_outbound_number', '=', e164).execute(),
    conn.selectFrom('users').select(['id', 'extension', 'display_name']).where('account_id', '=', accountId).where('outbound_number', '=', e164).execute(),
    conn
      .selectFrom('numbers')
      .innerJoin('users', 'users.id', 'numbers.user_id')
      .select(['users.id', 'users.extension', 'users.display_name'])
      .where('numbers.account_id', '=', accountId)
      .where('numbers.e164', '=', e164)
      .execute(),
    conn
      .selectFrom('numbers')
      .innerJoin('ring_groups as g', 'g.id', 'numbers.ring_group_id')
      .select(['g.id', 'g.name', 'g.extension'])
      .where('numbers.account_id', '=', accountId)
      .where('g.account_id', '=', accountId)
      .where('numbers.e164', '=', e164)
      .execute(),
  ]);
  return [
    ...group.map((g) => ({ kind: 'ring_group', id: g.id, name: g.name, description: `rings ring group '${g.name}' (${g.extension})`, removal: 'manual' as const })),
    ...offices.map((o) => ({ kind: 'office', id: o.id, name: o.name, description: `default outbound number of office '${o.name}'`, removal: 'manual' as const })),
    ...users.map((u) => ({ kind: 'outbound_number', id: u.id, name: `${u.extension} ${u.display_name}`, description: `outbound caller ID of user ${u.extension} (${u.display_name})`, removal: 'manual' as const })),
    ...owner.map((u) => ({ kind: 'direct_number', id: u.id, name: `${u.extension} ${u.display_name}`, description: `direct number of user ${u.extension} (${u.display_name})`, removal: 'manual' as const })),
  ];
}

/**
 * Where a media file is used: offices playing it as On Hold Music (pick another track for them first) — live,
 * and in the configuration last applied, which the SIP side plays from until the next 'Apply Changes' (and which
 * 'Discard changes' restores), so a track is never deleted while a call could still be put on hold to it.
 */
export async function mediaUsage(conn: Conn, accountId: string, mediaId: string): Promise<UsageItem[]> {
  const [rows, applied] = await Promise.all([
    conn.selectFrom('offices').select(['id', 'name']).where('account_id', '=', accountId).where('on_hold_music', '=', mediaId).orderBy('name_key').execute(),
    conn.selectFrom('config_versions').select(['version', 'document']).where('account_id', '=', accountId).orderBy('version', 'desc').limit(1).executeTakeFirst(),
  ]);
  const items: UsageItem[] = rows.map((o) => ({ kind: 'office', id: o.id, name: o.name, description: `On Hold Music of office '${o.name}'`, removal: 'manual' as const }));
  if (applied) {
    const live = new Set(rows.map((o) => o.id));
    const doc = JSON.parse(applied.document) as { offices?: Array<{ id: string; name: string; on_hold_music?: string }> };
    for (const o of doc.offices ?? []) {
      if (o.on_hold_music !== mediaId || live.has(o.id)) continue;
      items.push({ kind: 'office', id: o.id, name: o.name, description: `On Hold Music of office '${o.name}' in the applied configuration (version ${applied.version}); apply changes first`, removal: 'manual' });
    }
  }
  return items;
}
