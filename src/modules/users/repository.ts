import { sql, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { Conn, Dialect } from '../../db/database.ts';
import { reusable } from '../../db/reusable.ts';
import type { UsersTable } from '../../db/types.ts';
import { toBool } from '../../shared/bool.ts';
import { SCOPES, type Scope } from '../../shared/permissions.ts';
import { ValidationError } from '../../shared/errors.ts';
import { DEFAULT_APPS, DEFAULT_FEATURES, DEFAULT_SECURITY, mergeDeep, systemTags } from './rules.ts';
import type { User, UserType } from './schema.ts';

export type UserRow = Selectable<UsersTable>;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return mergeDeep(fallback, JSON.parse(text));
  } catch {
    return fallback;
  }
}

export interface UserExtras {
  /** Name of the pickup group (users.pickup_group_id). */
  pickupGroup?: string | null;
  directNumbers?: string[];
}

/** Row → API shape. Secrets (SIP password, PIN, password hash) are reduced to 'is set' flags here. */
export function toUser(row: UserRow, extras: UserExtras = {}): User {
  const pinSet = !!row.vm_pin;
  const portalPasswordSet = !!row.portal_password_hash;
  return {
    id: row.id,
    accountId: row.account_id,
    officeId: row.office_id,
    extension: row.extension,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    email: row.email,
    altEmail: row.alt_email,
    department: row.department,
    userType: row.user_type as UserType,
    scope: row.scope as Scope,
    includeInDirectory: toBool(row.include_in_directory),
    ringTime: row.ring_time,
    pickupGroup: extras.pickupGroup ?? null,
    pickupGroupId: row.pickup_group_id,
    directNumbers: extras.directNumbers ?? [],
    outboundNumber: row.outbound_number,
    hideCallerId: toBool(row.hide_caller_id),
    sipUsername: row.sip_username,
    behindFirewall: toBool(row.behind_firewall),
    enabled: toBool(row.enabled),
    voicemail: {
      enabled: toBool(row.vm_enabled),
      pinSet,
      emailDelivery: toBool(row.vm_email_delivery),
      email: row.vm_email,
      deleteAfterEmail: toBool(row.vm_delete_after_email),
      keepOnServer: toBool(row.vm_keep_on_server),
    },
    features: parseJson(row.features, DEFAULT_FEATURES),
    security: parseJson(row.security, DEFAULT_SECURITY),
    apps: parseJson(row.apps, DEFAULT_APPS),
    portalPasswordSet,
    tags: systemTags({ email: row.email, pinSet, portalPasswordSet, scope: row.scope, userType: row.user_type }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Rows → API shape with pickup group names and direct numbers: two extra queries for any number of rows. */
export async function toUsers(conn: Conn, accountId: string, rows: UserRow[]): Promise<User[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const groupIds = [...new Set(rows.map((r) => r.pickup_group_id).filter((g): g is string => !!g))];
  const [groups, nums] = await Promise.all([
    groupIds.length ? conn.selectFrom('pickup_groups').select(['id', 'name']).where('account_id', '=', accountId).where('id', 'in', groupIds).execute() : Promise.resolve([]),
    conn.selectFrom('numbers').select(['e164', 'user_id']).where('account_id', '=', accountId).where('user_id', 'in', ids).orderBy('e164').execute(),
  ]);
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  const byUser = new Map<string, string[]>();
  for (const n of nums) byUser.set(n.user_id!, [...(byUser.get(n.user_id!) ?? []), n.e164]);
  return rows.map((r) => toUser(r, { pickupGroup: r.pickup_group_id ? (groupName.get(r.pickup_group_id) ?? null) : null, directNumbers: byUser.get(r.id) ?? [] }));
}

export async function toUserFull(conn: Conn, row: UserRow): Promise<User> {
  return (await toUsers(conn, row.account_id, [row]))[0]!;
}

export async function findRow(conn: Conn, accountId: string, id: string): Promise<UserRow | undefined> {
  return conn.selectFrom('users').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

/** The rows of these ids that are in the account (any other id is simply absent). */
export async function findRows(conn: Conn, accountId: string, ids: string[]): Promise<UserRow[]> {
  const out: UserRow[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await conn.selectFrom('users').selectAll().where('account_id', '=', accountId).where('id', 'in', ids.slice(i, i + 500)).execute()));
  return out;
}

export async function findRowByExtension(conn: Conn, accountId: string, extension: string): Promise<UserRow | undefined> {
  return conn.selectFrom('users').selectAll().where('account_id', '=', accountId).where('extension', '=', extension).executeTakeFirst();
}

/** Extensions in use by users and ring groups (one extension space). */
export async function usedExtensions(conn: Conn, accountId: string): Promise<Set<string>> {
  const rows = await conn
    .selectFrom('users')
    .select('extension')
    .where('account_id', '=', accountId)
    .unionAll(conn.selectFrom('ring_groups').select('extension').where('account_id', '=', accountId))
    .execute();
  return new Set(rows.map((r) => r.extension));
}

export async function extensionTaken(conn: Conn, accountId: string, extension: string, exceptId?: string): Promise<boolean> {
  let q = conn.selectFrom('users').select('id').where('account_id', '=', accountId).where('extension', '=', extension);
  if (exceptId) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst()) return true;
  // Ring groups share the extension space.
  return !!(await conn.selectFrom('ring_groups').select('id').where('account_id', '=', accountId).where('extension', '=', extension).executeTakeFirst());
}

export async function emailTaken(conn: Conn, accountId: string, email: string, exceptId?: string): Promise<boolean> {
  let q = conn.selectFrom('users').select('id').where('account_id', '=', accountId).where('email', '=', email);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return !!(await q.executeTakeFirst());
}

export async function insert(conn: Conn, row: UsersTable): Promise<void> {
  await conn.insertInto('users').values(row).execute();
}

export async function insertMany(conn: Conn, rows: UsersTable[]): Promise<void> {
  // Stay under SQLite's 32,766 bound-parameter limit (34 columns per row).
  for (let i = 0; i < rows.length; i += 500) await conn.insertInto('users').values(rows.slice(i, i + 500)).execute();
}

export async function update(conn: Conn, accountId: string, id: string, patch: Partial<UsersTable>): Promise<void> {
  await conn.updateTable('users').set(patch).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function updateMany(conn: Conn, accountId: string, ids: string[], patch: Partial<UsersTable>): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) await conn.updateTable('users').set(patch).where('account_id', '=', accountId).where('id', 'in', ids.slice(i, i + 500)).execute();
}

export async function remove(conn: Conn, accountId: string, id: string): Promise<void> {
  await conn.deleteFrom('users').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/** Columns the users list sorts by (the portal's column headers). */
export const USER_SORTS = ['name', 'extension', 'office', 'scope', 'status'] as const;
export type UserSort = (typeof USER_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/**
 * The value a sort compares, as SQL over `users`: names case-insensitively in code-point order on both stores
 * (PostgreSQL told to use the C collation, SQLite's default is binary), scope by rank (No Portal → Office
 * Manager), status as enabled 0/1 (Disabled before Enabled ascending), office by the office's name.
 */
function sortKey(dialect: Dialect, sort: Exclude<UserSort, 'extension'>): RawBuilder<string | number> {
  const c = dialect === 'postgres' ? sql` collate "C"` : sql``;
  switch (sort) {
    case 'name':
      return sql<string>`lower(${sql.ref('users.display_name')})${c}`;
    case 'office':
      return sql<string>`(select lower(o.name)${c} from offices o where o.id = ${sql.ref('users.office_id')} and o.account_id = ${sql.ref('users.account_id')})`;
    case 'scope':
      return sql<number>`(case ${sql.ref('users.scope')} ${sql.join(
        SCOPES.map((s, i) => sql`when ${s} then ${sql.lit(i)}`),
        sql` `,
      )} else ${sql.lit(SCOPES.length)} end)`;
    case 'status':
      return sql<number>`${sql.ref('users.enabled')}`;
  }
}

/** Cursor of a page sorted by something other than the extension: the last row's sort value and extension. */
export function encodeCursor(key: string | number, extension: string): string {
  return Buffer.from(JSON.stringify([key, extension])).toString('base64url');
}

/** The cursor's [value, extension], or null when it is not one this sort produced. */
export function decodeCursor(sort: UserSort, cursor: string): [string | number, string] | null {
  if (sort === 'extension') return /^[0-9]{1,8}$/.test(cursor) ? [cursor, cursor] : null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || typeof v[1] !== 'string' || !/^[0-9]{1,8}$/.test(v[1])) return null;
    const numeric = sort === 'scope' || sort === 'status';
    if (numeric ? !Number.isInteger(v[0]) : typeof v[0] !== 'string') return null;
    return [v[0] as string | number, v[1]];
  } catch {
    return null;
  }
}

export interface UserFilter {
  officeIds?: string[];
  /**
   * 'Filter User': from SUBSTRING_MIN characters on, matches inside first, last or display name, email,
   * extension or a direct number (case-insensitive); shorter, a prefix of name, extension or email.
   */
  q?: string;
  extension?: string;
  email?: string;
  name?: string;
  scope?: string;
  userType?: string;
  /** Keyset: the `next` of the previous page (an extension when sorted by extension, else an opaque cursor). */
  after?: string;
  /** Column to order by (default extension); ties are broken by extension, in the same direction. */
  sort?: UserSort;
  order?: SortOrder;
  limit: number;
  offset?: number;
  includeTotal?: boolean;
}

/** From this many characters on, q matches inside the fields (the trigram indexes need three). */
export const SUBSTRING_MIN = 3;

/** q as the filter will use it: trimmed, and whether it is a substring search. */
function searchTerm(q: string | undefined): { value: string; substring: boolean } | undefined {
  const value = q?.trim();
  if (!value) return undefined;
  return { value, substring: [...value].length >= SUBSTRING_MIN };
}

/** LIKE pattern matching `v` anywhere, with \ % _ taken literally (escape character \). */
const containsPattern = (v: string) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** An FTS5 string (a phrase) matching `v` literally: double quotes doubled, no operator survives. */
const ftsPhrase = (v: string) => `"${v.replace(/"/g, '""')}"`;

type Cond = RawBuilder<SqlBool>;

/**
 * Case-insensitive prefix match served by an index on both stores: SQLite compares a byte range on
 * lower(col), PostgreSQL uses LIKE 'x%' on a text_pattern_ops index.
 */
function prefix(dialect: Dialect, column: string, value: string, lower: boolean, indexed = true): Cond {
  const v = lower ? value.toLowerCase() : value;
  const ref = lower ? sql`lower(${sql.ref(column)})` : sql.ref(column);
  // SQLite's unary + keeps a term off the indexes, so the planner walks the extension index in order.
  const target = indexed || dialect !== 'sqlite' ? ref : sql`+${ref}`;
  if (dialect === 'postgres') return sql<SqlBool>`${target} like ${v.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'}`;
  return sql<SqlBool>`(${target} >= ${v} and ${target} < ${v + '\uffff'})`;
}

/**
 * The substring condition on one users row (the paging walk of a common term): PostgreSQL ILIKE on each field
 * and the user's numbers; SQLite asks the FTS table (the same case folding as the candidate query).
 */
function substringRow(dialect: Dialect, accountId: string, v: string): Cond {
  if (dialect === 'postgres') {
    const p = containsPattern(v);
    return sql<SqlBool>`(users.first_name ilike ${p} or users.last_name ilike ${p} or users.display_name ilike ${p} or users.email ilike ${p} or users.extension ilike ${p}
      or exists (select 1 from numbers n where n.account_id = users.account_id and n.user_id = users.id and n.e164 ilike ${p}))`;
  }
  // Membership in the FTS matches (built once per query, ~1 µs a match). A per-row FTS probe (rowid = and MATCH
  // together) measured ~70 µs a row, slower for any page that has to walk a few hundred rows.
  return sql<SqlBool>`users.id in (select m.user_id from users_fts cross join users_fts_rows m on m.rid = users_fts.rowid where users_fts match ${ftsPhrase(v)} and m.account_id = ${accountId})`;
}

/** Above this many text matches the extension-ordered scan finds a page quickly; below it, fetching the matches is cheaper. */
export const TEXT_CANDIDATE_CAP = 1000;
/**
 * A substring q fetches up to this many matches through the trigram indexes and pages them in memory: the
 * extension-ordered walk with a per-row substring test measured 0.5 s a page at 100k users for a term in 6 %
 * of them (PostgreSQL planned a scan of the account), where the index fetch is proportional to the matches.
 */
export const SUBSTRING_CANDIDATE_CAP = 150_000;

/** The prefix filters as groups of alternatives: a row matches when, in every group, one alternative matches. */
function prefixGroups(dialect: Dialect, f: UserFilter, indexed: boolean): Cond[][] {
  const groups: Cond[][] = [];
  if (f.extension) groups.push([prefix(dialect, 'extension', f.extension, false, indexed)]);
  if (f.email) groups.push([prefix(dialect, 'email', f.email.toLowerCase(), false, indexed)]);
  if (f.name) {
    const n = f.name;
    groups.push([prefix(dialect, 'first_name', n, true, indexed), prefix(dialect, 'last_name', n, true, indexed), prefix(dialect, 'display_name', n, true, indexed)]);
  }
  const term = searchTerm(f.q);
  if (term && !term.substring) {
    const v = term.value;
    groups.push([
      prefix(dialect, 'extension', v, false, indexed),
      prefix(dialect, 'email', v.toLowerCase(), false, indexed),
      prefix(dialect, 'first_name', v, true, indexed),
      prefix(dialect, 'last_name', v, true, indexed),
      prefix(dialect, 'display_name', v, true, indexed),
    ]);
  }
  return groups;
}

const anyOf = (group: Cond[]): Cond => (group.length === 1 ? group[0]! : sql<SqlBool>`(${sql.join(group, sql` or `)})`);

/** Every text condition on one row (the extension-ordered walk): prefixes unindexed, q's substring too. */
function rowTextFilter(dialect: Dialect, accountId: string, f: UserFilter): Cond[] {
  const conds = prefixGroups(dialect, f, false).map(anyOf);
  const term = searchTerm(f.q);
  if (term?.substring) conds.push(substringRow(dialect, accountId, term.value));
  return conds;
}

// The common pages (whole account or one office, optionally after a cursor) compiled once (src/db/reusable.ts).
const pages = {
  all: reusable((conn: Conn, accountId: string, limit: number, offset: number) => conn.selectFrom('users').selectAll().where('account_id', '=', accountId).orderBy('extension').limit(limit).offset(offset)),
  allAfter: reusable((conn: Conn, accountId: string, after: string, limit: number, offset: number) =>
    conn.selectFrom('users').selectAll().where('account_id', '=', accountId).where('extension', '>', after).orderBy('extension').limit(limit).offset(offset),
  ),
  office: reusable((conn: Conn, accountId: string, officeId: string, limit: number, offset: number) =>
    conn.selectFrom('users').selectAll().where('account_id', '=', accountId).where('office_id', 'in', [officeId]).orderBy('extension').limit(limit).offset(offset),
  ),
  officeAfter: reusable((conn: Conn, accountId: string, officeId: string, after: string, limit: number, offset: number) =>
    conn.selectFrom('users').selectAll().where('account_id', '=', accountId).where('office_id', 'in', [officeId]).where('extension', '>', after).orderBy('extension').limit(limit).offset(offset),
  ),
};

function commonPage(conn: Conn, accountId: string, f: UserFilter, offset: number): Promise<UserRow[]> | undefined {
  if (f.scope || f.userType || (f.officeIds && f.officeIds.length !== 1)) return undefined;
  const limit = f.limit + 1;
  const office = f.officeIds?.[0];
  if (office !== undefined) return f.after ? pages.officeAfter(conn, accountId, office, f.after, limit, offset) : pages.office(conn, accountId, office, limit, offset);
  return f.after ? pages.allAfter(conn, accountId, f.after, limit, offset) : pages.all(conn, accountId, limit, offset);
}

/** The office, scope and type conditions on `users` (qualified; on SQLite kept off their own indexes with unary +). */
function plainFilters(dialect: Dialect, f: UserFilter): Cond[] {
  const col = (c: 'office_id' | 'scope' | 'user_type') => (dialect === 'sqlite' ? sql`+users.${sql.ref(c)}` : sql`users.${sql.ref(c)}`);
  const out: Cond[] = [];
  if (f.officeIds) out.push(f.officeIds.length ? sql<SqlBool>`${col('office_id')} in (${sql.join(f.officeIds)})` : sql<SqlBool>`${col('office_id')} = ''`);
  if (f.scope) out.push(sql<SqlBool>`${col('scope')} = ${f.scope}`);
  if (f.userType) out.push(sql<SqlBool>`${col('user_type')} = ${f.userType}`);
  return out;
}

const and = (conds: Cond[]) => (conds.length ? sql`and ${sql.join(conds, sql` and `)}` : sql``);

/**
 * Up to TEXT_CANDIDATE_CAP + 1 extensions matching q as a substring, found through the search indexes:
 * SQLite drives from the FTS5 trigram table (CROSS JOIN fixes that order), PostgreSQL unites a BitmapOr of the
 * users' trigram indexes with the numbers' one. The other filters only narrow the candidates.
 */
function substringMatches(dialect: Dialect, accountId: string, v: string, f: UserFilter) {
  const others = [...prefixGroups(dialect, f, true).map(anyOf), ...plainFilters(dialect, f)];
  if (dialect === 'sqlite') {
    return sql`select users.extension from users_fts
        cross join users_fts_rows m on m.rid = users_fts.rowid
        cross join users on users.id = m.user_id
      where users_fts match ${ftsPhrase(v)} and m.account_id = ${accountId} and users.account_id = ${accountId} ${and(others)}`;
  }
  const p = containsPattern(v);
  return sql`(select users.extension from users where users.account_id = ${accountId}
        and (users.first_name ilike ${p} or users.last_name ilike ${p} or users.display_name ilike ${p} or users.email ilike ${p} or users.extension ilike ${p}) ${and(others)})
      union
      (select users.extension from numbers n join users on users.id = n.user_id and users.account_id = n.account_id
        where n.account_id = ${accountId} and n.e164 ilike ${p} ${and(others)})`;
}

async function substringCandidates(conn: Conn, dialect: Dialect, accountId: string, v: string, f: UserFilter): Promise<string[]> {
  const matches = substringMatches(dialect, accountId, v, f);
  const cap = SUBSTRING_CANDIDATE_CAP + 1;
  // PostgreSQL: with the LIMIT in view the planner bets on a sequential scan stopping early (65 ms for a term
  // in 6% of 100k rows, the whole table for a rare one); a MATERIALIZED CTE is planned for all its rows, which
  // picks the BitmapOr over the trigram indexes (4.7 ms in the same run), and is read lazily up to the cap.
  const r =
    dialect === 'postgres'
      ? await sql<{ extension: string }>`with matches as materialized (${matches}) select extension from matches limit ${cap}`.execute(conn)
      : await sql<{ extension: string }>`${matches} limit ${cap}`.execute(conn);
  return r.rows.map((x) => x.extension);
}

/** How many users match a substring q (with the other filters): counted through the search indexes, not per row. */
async function substringCount(conn: Conn, dialect: Dialect, accountId: string, v: string, f: UserFilter): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from (${substringMatches(dialect, accountId, v, f)}) matches`.execute(conn);
  return Number(r.rows[0]!.n);
}

/** Prefix candidates (name / email / extension prefixes and a short q) through the prefix indexes. */
async function prefixCandidates(conn: Conn, dialect: Dialect, accountId: string, groups: Cond[][], f: UserFilter): Promise<string[]> {
  const plain = plainFilters(dialect, f);
  const branch = (conds: Cond[]) => {
    let cq = conn.selectFrom('users').select(['extension']).where('account_id', '=', accountId);
    for (const t of [...conds, ...plain]) cq = cq.where(t);
    return cq.limit(TEXT_CANDIDATE_CAP + 1);
  };
  const widest = groups.reduce((w, g, i) => (g.length > groups[w]!.length ? i : w), 0);
  if (dialect === 'sqlite' && groups[widest]!.length > 1) {
    // SQLite: one index range scan per alternative, united. As one OR the planner picks its multi-index OR
    // only with fresh statistics; without them (a store filled since its last ANALYZE) it walked the whole
    // account evaluating lower() on every row (60 ms at 9k users instead of 1 ms).
    const others = groups.filter((_, i) => i !== widest).map(anyOf);
    const [first, ...rest] = groups[widest]!.map((alt, i) => conn.selectFrom(branch([alt, ...others]).as(`b${i}`)).select('extension'));
    let uq = first!;
    for (const r of rest) uq = uq.union(r);
    return (await uq.limit(TEXT_CANDIDATE_CAP + 1).execute()).map((c) => c.extension);
  }
  return (await branch(groups.map(anyOf)).execute()).map((c) => c.extension);
}

/**
 * Lists users ordered by extension, keyset-paginated. A text filter (q: substring from SUBSTRING_MIN characters,
 * else prefix; name, email, extension prefix) is answered in one of two ways so that neither rare nor common
 * terms scan the account: up to TEXT_CANDIDATE_CAP matches are fetched through the search indexes (trigram /
 * FTS5 for a substring, the prefix indexes otherwise) and paged in memory (a rare term inside a large office
 * would otherwise walk the whole office); a more common term pages through the extension index, where matches
 * are dense enough to fill a page quickly.
 */
export async function list(conn: Conn, dialect: Dialect, accountId: string, f: UserFilter): Promise<{ items: User[]; total?: number; next?: string }> {
  const sort = f.sort ?? 'extension';
  if (sort !== 'extension' || f.order === 'desc') return listSorted(conn, dialect, accountId, f, sort, f.order === 'desc');
  const offset = f.offset ?? 0;
  const term = searchTerm(f.q);
  const groups = prefixGroups(dialect, f, true);
  const text = !!term || groups.length > 0;
  if (text) {
    const candidates = term?.substring ? await substringCandidates(conn, dialect, accountId, term.value, f) : await prefixCandidates(conn, dialect, accountId, groups, f);
    if (candidates.length <= (term?.substring ? SUBSTRING_CANDIDATE_CAP : TEXT_CANDIDATE_CAP)) {
      const matching = candidates.sort();
      const after = f.after;
      const page = (after ? matching.filter((e) => e > after) : matching).slice(offset, offset + f.limit + 1);
      const rows = page.length ? await conn.selectFrom('users').selectAll().where('account_id', '=', accountId).where('extension', 'in', page).orderBy('extension').execute() : [];
      const more = rows.length > f.limit;
      const items = await toUsers(conn, accountId, rows.slice(0, f.limit));
      return { items, ...(f.includeTotal && { total: matching.length }), ...(more && { next: items[items.length - 1]!.extension }) };
    }
  }
  let q = conn.selectFrom('users').where('account_id', '=', accountId);
  if (f.officeIds) q = f.officeIds.length ? q.where('office_id', 'in', f.officeIds) : q.where('office_id', '=', '');
  for (const t of rowTextFilter(dialect, accountId, f)) q = q.where(t);
  if (f.scope) q = q.where('scope', '=', f.scope);
  if (f.userType) q = q.where('user_type', '=', f.userType);
  const totalQuery = !f.includeTotal
    ? undefined
    : term?.substring
      ? substringCount(conn, dialect, accountId, term.value, f).then((n) => ({ n }))
      : q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const common = text ? undefined : commonPage(conn, accountId, f, offset);
  let rows: UserRow[];
  if (common) rows = await common;
  else {
    let pageQuery = q.selectAll();
    if (f.after) pageQuery = pageQuery.where('extension', '>', f.after);
    rows = await pageQuery
      .orderBy('extension')
      .limit(f.limit + 1)
      .offset(offset)
      .execute();
  }
  const more = rows.length > f.limit;
  const items = await toUsers(conn, accountId, rows.slice(0, f.limit));
  const total = totalQuery ? Number((await totalQuery).n) : undefined;
  return { items, ...(total !== undefined && { total }), ...(more && { next: items[items.length - 1]!.extension }) };
}

/**
 * The list in any other order (a column header of the portal): ORDER BY the sort value, then the extension,
 * both in the requested direction, so the order is total and a keyset cursor (the last row's value and
 * extension) continues exactly where the page ended. A text filter with few matches narrows to those
 * extensions first, as the default order does.
 */
async function listSorted(conn: Conn, dialect: Dialect, accountId: string, f: UserFilter, sort: UserSort, desc: boolean): Promise<{ items: User[]; total?: number; next?: string }> {
  const offset = f.offset ?? 0;
  // the text matches (with the office, scope and type filters) through the search indexes, as list() finds them
  const term = searchTerm(f.q);
  const groups = prefixGroups(dialect, f, true);
  let only: string[] | undefined;
  if (term || groups.length) {
    const candidates = term?.substring ? await substringCandidates(conn, dialect, accountId, term.value, f) : await prefixCandidates(conn, dialect, accountId, groups, f);
    if (candidates.length <= (term?.substring ? SUBSTRING_CANDIDATE_CAP : TEXT_CANDIDATE_CAP)) only = candidates;
  }
  if (only && !only.length) return { items: [], ...(f.includeTotal && { total: 0 }) };
  let q = conn.selectFrom('users').where('users.account_id', '=', accountId);
  if (only) q = q.where('users.extension', 'in', only);
  else {
    if (f.officeIds) q = f.officeIds.length ? q.where('users.office_id', 'in', f.officeIds) : q.where('users.office_id', '=', '');
    for (const t of rowTextFilter(dialect, accountId, f)) q = q.where(t);
    if (f.scope) q = q.where('users.scope', '=', f.scope);
    if (f.userType) q = q.where('users.user_type', '=', f.userType);
  }
  const totalQuery = f.includeTotal && !only ? q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow() : undefined;
  const dir = desc ? 'desc' : 'asc';
  const cmp = sql.raw(desc ? '<' : '>');
  const key = sort === 'extension' ? null : sortKey(dialect, sort);
  if (f.after) {
    const cursor = decodeCursor(sort, f.after);
    if (!cursor) throw new ValidationError([{ field: 'after', reason: `is not a cursor of this list sorted by ${sort}: pass the \`next\` of the previous page with the same sort` }]);
    const [v, ext] = cursor;
    q = key ? q.where(sql<SqlBool>`(${key} ${cmp} ${v} or (${key} = ${v} and ${sql.ref('users.extension')} ${cmp} ${ext}))`) : q.where(sql<SqlBool>`${sql.ref('users.extension')} ${cmp} ${ext}`);
  }
  const rows = (await (key ? q.selectAll('users').select(key.as('sort_key')).orderBy(key, dir) : q.selectAll('users'))
    .orderBy('users.extension', dir)
    .limit(f.limit + 1)
    .offset(offset)
    .execute()) as Array<UserRow & { sort_key?: string | number }>;
  const more = rows.length > f.limit;
  const pageRows = rows.slice(0, f.limit);
  const items = await toUsers(conn, accountId, pageRows);
  const last = pageRows[pageRows.length - 1];
  const total = only ? only.length : totalQuery ? Number((await totalQuery).n) : undefined;
  return {
    items,
    ...(f.includeTotal && total !== undefined && { total }),
    ...(more && last && { next: key ? encodeCursor(last.sort_key!, last.extension) : last.extension }),
  };
}
