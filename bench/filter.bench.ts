/**
 * Issue 11 benchmark: 'Filter User' substring search (q from 3 characters: inside names, emails, extensions,
 * direct numbers) at 100k users in one account, one request at a time, next to the prefix filters (`name=`,
 * `email=`, a two-character q: the prefix indexes the filter used before) and a trivial Fastify route,
 * all measured in the same run. SQLite and PostgreSQL are both run, one after the other.
 *
 *   npm run bench:filter                          # both stores (PostgreSQL at $PG_TEST_URL or 127.0.0.1:5432)
 *   BENCH_DB=sqlite npm run bench:filter          # one store only
 *
 * The huge account holds 100k rows (6-digit extensions written through the repository, bypassing only the
 * plan-length rule, as bench/users.bench.ts does); a second tenant with the same names shows scoping. 2,000
 * users have a direct number. Target: substring p99 < 10 ms.
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { openTestStore } from '../test/support/stores.ts';
import { createProviderKey } from '../src/modules/auth/provider-keys.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import { createAccount, findAccount } from '../src/modules/accounts/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { prepareNewUser } from '../src/modules/users/service.ts';
import { insertMany } from '../src/modules/users/repository.ts';
import { load, row, fmt, type LoadResult } from './lib.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const kinds = (process.env.BENCH_DB ? [process.env.BENCH_DB] : ['sqlite', 'postgres']) as Array<'sqlite' | 'postgres'>;
const FIRST = ['Olivia', 'Jack', 'Charlotte', 'William', 'Amelia', 'Noah', 'Isla', 'Leo', 'Mia', 'Lucas', 'Ava', 'Henry', 'Grace', 'Oscar', 'Zoe', 'Thomas'];
const SYL = ['ar', 'bel', 'cor', 'dan', 'er', 'fin', 'gar', 'hol', 'ing', 'jon', 'kel', 'lin', 'mor', 'nor', 'ost', 'par', 'quin', 'ros', 'son', 'tal'];
/** Varied last names (8,000 combinations), so a substring can be rare or common. */
const lastName = (i: number) => {
  const s = (n: number) => SYL[n % SYL.length]!;
  const w = s(i * 7) + s(Math.floor(i / 20) * 3) + s(Math.floor(i / 400) * 11);
  return w[0]!.toUpperCase() + w.slice(1);
};
const load1 = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function runStore(kind: 'sqlite' | 'postgres', tbase: string): Promise<Array<[string, LoadResult]>> {
  const store = await openTestStore(kind);
  const { app, deps } = await buildApp({ database: store.database, logLevel: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  app.server.keepAliveTimeout = 600_000;
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const key = await createProviderKey(store.database.db, 'bench');
  const auth = { authorization: `Bearer ${key}` };
  const db = store.database.db;

  // ---- fill: the huge account (100k) and a second tenant with the same names ----
  const t0 = performance.now();
  for (const code of ['huge', 'neighbour']) await createAccount(deps, SYSTEM_ACTOR, { code, name: code, sipRealm: `${code}.pbx.example`, country: 'AU' });
  const offices = await Promise.all(['A', 'B', 'C', 'D'].map((n) => createOffice(deps, SYSTEM_ACTOR, 'huge', { name: n, timezone: 'Australia/Sydney' })));
  const nOffice = await createOffice(deps, SYSTEM_ACTOR, 'neighbour', { name: 'N', timezone: 'Australia/Sydney' });
  const huge = await findAccount(deps, 'huge');
  const neighbour = await findAccount(deps, 'neighbour');
  const template = await prepareNewUser(db, huge, { extension: '100', firstName: 'x', officeId: offices[0]!.id });
  const make = (accountId: string, officeOf: (i: number) => string, prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      ...template,
      id: crypto.randomUUID(),
      account_id: accountId,
      extension: String(100000 + i),
      first_name: FIRST[i % 16]!,
      last_name: lastName(i),
      display_name: `${FIRST[i % 16]} ${lastName(i)}`,
      email: `${prefix}${i}@${prefix}.example`,
      office_id: officeOf(i),
      sip_username: `${prefix}${i}`,
    }));
  const hugeRows = make(huge.id, (i) => offices[i % 4]!.id, 'h', USERS);
  for (let i = 0; i < hugeRows.length; i += 10_000) await db.transaction().execute((tx) => insertMany(tx, hugeRows.slice(i, i + 10_000)));
  await insertMany(db, make(neighbour.id, () => nOffice.id, 'n', 5000));
  // 2,000 direct numbers in the huge account (every 50th user), one per user
  const now = new Date().toISOString();
  const numbers = hugeRows
    .filter((_, i) => i % 50 === 0)
    .map((u, j) => ({ id: crypto.randomUUID(), account_id: huge.id, e164: `+6128${String(1000000 + j * 7).padStart(7, '0')}`, label: null, user_id: u.id, created_at: now }));
  for (let i = 0; i < numbers.length; i += 500) await db.insertInto('numbers').values(numbers.slice(i, i + 500)).execute();
  await sql`analyze`.execute(db);
  console.log(`\n# ${kind} (${store.database.description}): filled ${USERS} + 5000 users, ${numbers.length} numbers in ${fmt((performance.now() - t0) / 1000, 1)} s; load average ${load1()}`);

  // ---- the plans the substring candidates use ----
  if (kind === 'postgres') {
    const p = '%olin%';
    const plan = await sql<{ 'QUERY PLAN': string }>`explain with m as materialized (select extension from users where account_id = ${huge.id} and (first_name ilike ${p} or last_name ilike ${p} or display_name ilike ${p} or email ilike ${p} or extension ilike ${p})) select extension from m limit 1001`.execute(db);
    console.log(`plan (users part):\n  ${plan.rows.map((r) => r['QUERY PLAN']).join('\n  ')}`);
  } else {
    const plan = await sql<{ detail: string }>`explain query plan select users.extension from users_fts cross join users_fts_rows m on m.rid = users_fts.rowid cross join users on users.id = m.user_id where users_fts match '"olin"' and m.account_id = ${huge.id} and users.account_id = ${huge.id} limit 1001`.execute(db);
    console.log(`plan: ${plan.rows.map((r) => r.detail).join(' | ')}`);
  }

  // ---- scenarios, one request at a time ----
  const u = (q: string) => `${base}/api/v1/accounts/huge/users?${q}`;
  const hugeOffice = offices[2]!.id;
  const rare = (i: number) => lastName((i * 7919) % USERS).slice(1, 6); // 5 characters from inside a last name
  const scenarios: Array<[string, (i: number) => string]> = [
    ['prefix: name= (3 chars)', (i) => u(`name=${FIRST[i % 16]!.slice(0, 3)}`)],
    ['prefix: name= last-name prefix (5 chars)', (i) => u(`name=${lastName((i * 7919) % USERS).slice(0, 5)}`)],
    ['prefix: email= (rare)', (i) => u(`email=h${(i * 7919) % USERS}@`)],
    ['prefix: q= 2 chars', (i) => u(`q=${FIRST[i % 16]!.slice(0, 2)}`)],
    ['substring: q=arlot (6% of users)', () => u('q=arlot')],
    ['substring: q= 5 chars inside a last name', (i) => u(`q=${encodeURIComponent(rare(i))}`)],
    ['substring: q= 3 chars (common trigram)', (i) => u(`q=${SYL[i % SYL.length]!.padEnd(3, 'e')}`)],
    ['substring: q= inside an email (rare)', (i) => u(`q=${(i * 7919) % USERS}@h`)],
    ['substring: q= 5 digits inside extensions', (i) => u(`q=${String(10000 + ((i * 37) % 90000)).slice(0, 5)}`)],
    ['substring: q= inside a direct number', (i) => u(`q=${numbers[(i * 13) % numbers.length]!.e164.slice(-6)}`)],
    ['substring: q= no match', (i) => u(`q=zq${i % 10}x`)],
    ['substring + office filter', (i) => u(`officeId=${hugeOffice}&q=${encodeURIComponent(rare(i))}`)],
    ['substring, keyset page 2 (after=)', () => u('q=arlot&after=150000')],
    // the 5k-user neighbour searching terms the 100k account is full of (SQLite's FTS table is store-wide)
    ['substring: neighbour (5k) q=arlot', () => `${base}/api/v1/accounts/neighbour/users?q=arlot`],
    ['substring: neighbour q= 3 chars (common)', (i) => `${base}/api/v1/accounts/neighbour/users?q=${SYL[i % SYL.length]!.padEnd(3, 'e')}`],
  ];
  const out: Array<[string, LoadResult]> = [];
  const trivial = async () => {
    await load(100, 1, () => fetch(`${tbase}/t`));
    return load(REQUESTS, 1, () => fetch(`${tbase}/t`));
  };
  const tr = await trivial();
  console.log(row('trivial GET route (baseline)', tr));
  out.push([`${kind}: trivial GET`, tr]);
  for (const [label, path] of scenarios) {
    await load(50, 1, (i) => fetch(path(i), { headers: auth }));
    const r = await load(REQUESTS, 1, (i) => fetch(path(i), { headers: auth }));
    console.log(row(label, r));
    out.push([`${kind}: ${label}`, r]);
  }
  // correctness spot check: what the substring found really contains it, and never the neighbour's rows
  const check = (await (await fetch(u('q=arlot&limit=500'), { headers: auth })).json()) as { items: Array<{ firstName: string; accountId: string }> };
  if (!check.items.length || !check.items.every((x) => x.firstName === 'Charlotte' && x.accountId === huge.id)) throw new Error('substring results are wrong');
  console.log(`load average after ${kind}: ${load1()}`);
  await app.close();
  await store.cleanup();
  return out;
}

async function main() {
  const trivialApp = Fastify({ logger: false });
  trivialApp.get('/t', async () => ({ ok: true }));
  await trivialApp.listen({ port: 0, host: '127.0.0.1' });
  const tbase = `http://127.0.0.1:${(trivialApp.server.address() as { port: number }).port}`;
  console.log(`# 'Filter User' substring vs prefix filter: ${USERS} users in one account, ${REQUESTS} requests per line one at a time; node ${process.version}; load average ${load1()}`);
  const all: Array<[string, LoadResult]> = [];
  for (const kind of kinds) all.push(...(await runStore(kind, tbase)));
  console.log('\n## summary (p99, ms)');
  for (const kind of kinds) {
    const mine = all.filter(([l]) => l.startsWith(`${kind}:`));
    const worst = (p: string) => Math.max(...mine.filter(([l]) => l.includes(p)).map(([, r]) => r.p99));
    const sub = worst(': substring');
    const pre = worst(': prefix');
    console.log(`${kind}: worst substring p99 ${fmt(sub)} ms (target < 10 ms), worst prefix p99 ${fmt(pre)} ms, ratio ${fmt(sub / pre)}; trivial route p99 ${fmt(mine.find(([l]) => l.endsWith('trivial GET'))![1].p99)} ms`);
  }
  console.log(`load average at the end: ${load1()}`);
  await trivialApp.close();
}

await main();
