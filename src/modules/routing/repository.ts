/**
 * Every read routing makes of the store is in this file, behind one function per question:
 *  - loadAccountConfig(): the whole configuration one account's calls are routed by (account, offices, users,
 *    numbers, pickup groups, ring groups with their members in position order);
 *  - accountIdByRealm() / accountIdByNumber(): which account a call belongs to.
 * loadAccountConfig() reads the applied-configuration snapshot ('Apply Changes') once one exists.
 * RoutingConfigCache keeps the loaded configuration in memory and drops an
 * account's entry on any of its domain events, so a routing decision costs no query at all when warm.
 */
import type { Conn } from '../../db/database.ts';
import { toBool } from '../../shared/bool.ts';
import type { DomainEvent, EventBus } from '../../shared/events.ts';
import { DEFAULT_FEATURES, DEFAULT_SECURITY, mergeDeep } from '../users/rules.ts';
import type { Features, Security } from '../users/schema.ts';
import { makeConfig } from './rules.ts';
import { getAppliedSnapshot } from '../config/repository.ts';
import { dayNightModes } from '../offices/repository.ts';
import type { ConfigDocument } from '../config/rules.ts';
import type { AccountRoutingConfig } from './schema.ts';

function parseJson<T>(text: string, fallback: T): T {
  try {
    return mergeDeep(fallback, JSON.parse(text));
  } catch {
    return fallback;
  }
}

type Rows = Pick<ConfigDocument, 'account' | 'offices' | 'users' | 'numbers' | 'pickupGroups' | 'ringGroups' | 'ringGroupMembers'>;

async function liveRows(conn: Conn, accountId: string): Promise<Rows | null> {
  const account = await conn.selectFrom('accounts').select(['id', 'code', 'name', 'sip_realm', 'country', 'extension_length']).where('id', '=', accountId).executeTakeFirst();
  if (!account) return null;
  const [offices, users, numbers, pickupGroups, ringGroups, ringGroupMembers] = await Promise.all([
    conn.selectFrom('offices').selectAll().where('account_id', '=', accountId).execute(),
    conn.selectFrom('users').selectAll().where('account_id', '=', accountId).execute(),
    conn.selectFrom('numbers').selectAll().where('account_id', '=', accountId).execute(),
    conn.selectFrom('pickup_groups').selectAll().where('account_id', '=', accountId).execute(),
    conn.selectFrom('ring_groups').selectAll().where('account_id', '=', accountId).execute(),
    conn.selectFrom('ring_group_members').selectAll().where('account_id', '=', accountId).orderBy('ring_group_id').orderBy('position').execute(),
  ]);
  return { account, offices, users, numbers, pickupGroups, ringGroups, ringGroupMembers };
}

/**
 * The configuration calls are routed by: the last applied version ('Apply Changes', seed 000) once the
 * account has one; before its first apply, the live tables (an account set up through the API alone).
 */
export async function loadAccountConfig(conn: Conn, accountId: string): Promise<AccountRoutingConfig | null> {
  const applied = await getAppliedSnapshot(conn, accountId);
  const rows = applied ? applied.document : await liveRows(conn, accountId);
  if (!rows) return null;
  const { account, offices, users, numbers, pickupGroups } = rows;
  const modes = applied ? await dayNightModes(conn, accountId) : new Map<string, 'day' | 'night'>();
  const pickupName = new Map(pickupGroups.map((g) => [g.id, g.name]));
  // an applied document written before ring groups were part of it has none
  const ringGroups = rows.ringGroups ?? [];
  const members = [...(rows.ringGroupMembers ?? [])].sort((x, y) => x.position - y.position);
  // the concurrent external call limit is the provider's operational setting: always live (issue 15)
  const live = await conn.selectFrom('accounts').select('max_external_calls').where('id', '=', accountId).executeTakeFirst();
  const cfg = makeConfig({
    accountId: account.id,
    code: account.code,
    realm: account.sip_realm,
    country: account.country,
    // offices in creation order: the first with a default outbound number holds the account's main number
    offices: [...offices].sort((x, y) => (x.created_at === y.created_at ? (x.id < y.id ? -1 : 1) : x.created_at < y.created_at ? -1 : 1)).map((o) => ({
      id: o.id,
      country: o.country,
      areaCode: o.area_code,
      defaultOutboundNumber: o.default_outbound_number,
      holdMusic: o.on_hold_music,
      // Day/Night is an operational switch: always the live mode, also over an applied document
      dayNightMode: modes.get(o.id) ?? (o.day_night_mode === 'night' ? 'night' : 'day'),
      dayDestination: o.day_destination ?? 'none',
      nightDestination: o.night_destination ?? 'none',
    })),
    users: users.map((u) => ({
      id: u.id,
      extension: u.extension,
      displayName: u.display_name,
      sipUsername: u.sip_username,
      enabled: toBool(u.enabled),
      officeId: u.office_id,
      ringTime: u.ring_time,
      pickupGroup: u.pickup_group_id ? (pickupName.get(u.pickup_group_id) ?? null) : null,
      outboundNumber: u.outbound_number,
      hideCallerId: toBool(u.hide_caller_id),
      vmEnabled: toBool(u.vm_enabled),
      features: parseJson<Features>(u.features, DEFAULT_FEATURES),
      security: parseJson<Security>(u.security, DEFAULT_SECURITY),
    })),
    numbers: numbers.map((n) => [n.e164, n.user_id]),
    ringGroups: ringGroups.map((g) => ({
      id: g.id,
      name: g.name,
      extension: g.extension,
      strategy: g.strategy === 'sequential' ? 'sequential' : 'simultaneous',
      ringTime: g.ring_time,
      memberIds: members.filter((m) => m.ring_group_id === g.id).map((m) => m.user_id),
      fallback: { kind: g.fallback_kind === 'user' || g.fallback_kind === 'voicemail' || g.fallback_kind === 'busy' ? g.fallback_kind : 'none', userId: g.fallback_user_id ?? null },
    })),
    numberGroups: numbers.filter((n) => n.ring_group_id).map((n) => [n.e164, n.ring_group_id!]),
  });
  return { ...cfg, maxExternalCalls: live?.max_external_calls ?? null };
}

export async function accountIdByRealm(conn: Conn, realm: string): Promise<string | null> {
  const row = await conn.selectFrom('accounts').select('id').where('sip_realm', '=', realm.toLowerCase()).executeTakeFirst();
  return row?.id ?? null;
}

export async function accountIdByNumber(conn: Conn, candidates: string[]): Promise<string | null> {
  if (candidates.length === 0) return null;
  const row = await conn.selectFrom('numbers').select('account_id').where('e164', 'in', candidates).executeTakeFirst();
  return row?.account_id ?? null;
}

export interface CacheStats {
  hits: number;
  misses: number;
  invalidations: number;
}

/**
 * In-memory cache of routing configuration. Entries are dropped on ANY of the owning account's domain events
 * (user/office/number/account, ring_group.created/updated/deleted, pickup groups, config.applied ...). `maxAgeMs` bounds staleness when another process (the CLI,
 * a second API node) writes the store without this process seeing the event.
 */
export class RoutingConfigCache {
  private readonly configs = new Map<string, { at: number; value: Promise<AccountRoutingConfig | null> }>();
  private readonly realms = new Map<string, { at: number; value: string | null }>();
  private readonly numbers = new Map<string, { at: number; value: string | null }>();
  readonly stats: CacheStats = { hits: 0, misses: 0, invalidations: 0 };
  private unsubscribe?: () => void;

  constructor(
    private readonly conn: Conn,
    private readonly maxAgeMs = 30_000,
  ) {}

  /** Subscribes to the bus; returns this for chaining. */
  attach(events: EventBus): this {
    // another node's changes too (cluster fan-out on PostgreSQL): the max age is only the backstop
    this.unsubscribe = events.subscribe((e) => this.onEvent(e), { remote: true });
    return this;
  }

  detach(): void {
    this.unsubscribe?.();
  }

  onEvent(e: DomainEvent): void {
    this.stats.invalidations++;
    if (e.accountId === '*') return this.clear();
    this.configs.delete(e.accountId);
    // Realms and numbers change rarely; drop the small indexes whenever an account or number changes.
    if (e.type.startsWith('account.')) this.realms.clear();
    if (e.type.startsWith('number.') || e.type.startsWith('account.')) this.numbers.clear();
  }

  clear(): void {
    this.configs.clear();
    this.realms.clear();
    this.numbers.clear();
  }

  private fresh(at: number): boolean {
    return Date.now() - at < this.maxAgeMs;
  }

  async config(accountId: string): Promise<AccountRoutingConfig | null> {
    const hit = this.configs.get(accountId);
    if (hit && this.fresh(hit.at)) {
      this.stats.hits++;
      return hit.value;
    }
    this.stats.misses++;
    const value = loadAccountConfig(this.conn, accountId);
    const entry = { at: Date.now(), value };
    this.configs.set(accountId, entry);
    // A failed load is not cached.
    value.catch(() => {
      if (this.configs.get(accountId) === entry) this.configs.delete(accountId);
    });
    return value;
  }

  async byRealm(realm: string): Promise<string | null> {
    const key = realm.toLowerCase();
    const hit = this.realms.get(key);
    if (hit && this.fresh(hit.at)) return hit.value;
    const value = await accountIdByRealm(this.conn, key);
    this.realms.set(key, { at: Date.now(), value });
    return value;
  }

  async byNumber(candidates: string[]): Promise<string | null> {
    const key = candidates.join(',');
    const hit = this.numbers.get(key);
    if (hit && this.fresh(hit.at)) return hit.value;
    const value = await accountIdByNumber(this.conn, candidates);
    if (this.numbers.size > 10_000) this.numbers.clear();
    this.numbers.set(key, { at: Date.now(), value });
    return value;
  }
}
