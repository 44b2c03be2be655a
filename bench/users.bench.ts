/**
 * Issue 2 benchmark: user create throughput and list/filter latency at 100k users, each printed next to a
 * trivial Fastify route measured in the same run with the same client.
 *
 *   npm run bench:users                         # SQLite (temp file)
 *   BENCH_DB=postgres npm run bench:users       # PostgreSQL at $PG_TEST_URL or 127.0.0.1:5432
 *
 * A PBX plan holds at most ~8,900 four-digit extensions, so "100k users" is measured two ways:
 *  - the store holds 100k users across 12 accounts, created through the same rules as the API, and
 *    lists are timed in the largest (8.9k users);
 *  - one stress account holds 100k rows (6-digit extensions written through the repository, bypassing
 *    the plan-length rule only) to show the tenant-scoped indexes keep list/filter flat at that size.
 */
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { buildApp } from '../src/app.ts';
import { openTestStore } from '../test/support/stores.ts';
import { createProviderKey } from '../src/modules/auth/provider-keys.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import { createAccount } from '../src/modules/accounts/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { findAccount } from '../src/modules/accounts/service.ts';
import { prepareNewUser } from '../src/modules/users/service.ts';
import { insertMany, usedExtensions } from '../src/modules/users/repository.ts';
import { nextAvailableExtension } from '../src/modules/users/rules.ts';
import { load, merge, row, fmt, type LoadResult } from './lib.ts';
import type { UsersTable } from '../src/db/types.ts';
import { sql } from 'kysely';

const kind = (process.env.BENCH_DB ?? 'sqlite') as 'sqlite' | 'postgres';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const CREATES = Number(process.env.BENCH_CREATES ?? 3000);
const LIST_REQUESTS = Number(process.env.BENCH_LIST_REQUESTS ?? 2000);
const FIRST = ['Olivia', 'Jack', 'Charlotte', 'William', 'Amelia', 'Noah', 'Isla', 'Leo', 'Mia', 'Lucas', 'Ava', 'Henry', 'Grace', 'Oscar', 'Zoe', 'Thomas'];
const LAST = ['Nguyen', 'Smith', 'Brown', 'Wilson', 'Taylor', 'Anderson', 'Thomas', 'Martin', 'White', 'Harris', 'Lee', 'Walker', 'Young', 'King', 'Wright', 'Scott'];

async function main() {
  const store = await openTestStore(kind);
  const { app, deps } = await buildApp({ database: store.database, logLevel: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const key = await createProviderKey(store.database.db, 'bench');
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

  // Baseline: a trivial route on a separate Fastify instance, same client, same concurrency.
  const trivial = Fastify({ logger: false });
  trivial.get('/t', async () => ({ ok: true }));
  trivial.post('/t', async (req) => ({ ok: true, got: (req.body as { firstName?: string })?.firstName }));
  await trivial.listen({ port: 0, host: '127.0.0.1' });
  const tbase = `http://127.0.0.1:${(trivial.server.address() as { port: number }).port}`;
  // The store fill takes a minute between measurements: keep idle client sockets valid meanwhile.
  for (const srv of [app.server, trivial.server]) srv.keepAliveTimeout = 600_000;

  console.log(`# Switchboard users benchmark on ${kind} (${store.database.description}); concurrency ${CONCURRENCY}; node ${process.version}`);

  // ---- 1. create throughput through the full API path (schema, permission, rules, transaction) ----
  await createAccount(deps, SYSTEM_ACTOR, { code: 'bench', name: 'Bench', sipRealm: 'bench.pbx.example', country: 'AU' });
  const office = await createOffice(deps, SYSTEM_ACTOR, 'bench', { name: 'HQ', timezone: 'Australia/Sydney', areaCode: '02' });
  const body = (i: number) =>
    JSON.stringify({ firstName: FIRST[i % 16], lastName: `${LAST[(i >> 4) % 16]}${i}`, email: `u${i}@bench.example`, officeId: office.id, extension: String(2000 + i) });
  await load(200, CONCURRENCY, (i) => fetch(`${tbase}/t`, { method: 'POST', headers: auth, body: body(i) })); // warm-up
  // The machine is shared: baseline and API are measured in alternating slices so a change in load hits both.
  const SLICES = 4;
  const per = Math.ceil(CREATES / SLICES);
  const tp: LoadResult[] = [];
  const cr: LoadResult[] = [];
  for (let s = 0; s < SLICES; s++) {
    const off = s * per;
    tp.push(await load(per, CONCURRENCY, (i) => fetch(`${tbase}/t`, { method: 'POST', headers: auth, body: body(off + i) })));
    cr.push(await load(per, CONCURRENCY, (i) => fetch(`${base}/api/v1/accounts/bench/users`, { method: 'POST', headers: auth, body: body(off + i) }), (r) => r.status === 201));
  }
  const trivialPost = merge(tp);
  const creates = merge(cr);
  console.log('\n## create');
  console.log(row('trivial POST route (baseline)', trivialPost));
  console.log(row(`POST /users (${CREATES} users, explicit extensions)`, creates));
  console.log(`create throughput ratio: ${fmt(creates.perSecond / trivialPost.perSecond)} of the trivial route (target >= 0.50)`);

  // ---- 2. fill the store to 100k users across 12 accounts, through the same rules ----
  const t0 = performance.now();
  let total = CREATES;
  const codes: string[] = [];
  for (let a = 0; total < 100_000; a++) {
    const code = `fill${a}`;
    codes.push(code);
    await createAccount(deps, SYSTEM_ACTOR, { code, name: code, sipRealm: `${code}.pbx.example`, country: 'AU' });
    const offices = await Promise.all(['North', 'South', 'East'].map((n) => createOffice(deps, SYSTEM_ACTOR, code, { name: n, timezone: 'Australia/Sydney', areaCode: '02' })));
    await store.database.db.updateTable('accounts').set({ extension_length: 4 }).where('code', '=', code).execute();
    const account = await findAccount(deps, code);
    const used = await usedExtensions(store.database.db, account.id);
    const ext = { length: 4 as const, countries: ['AU'] };
    const rows: UsersTable[] = [];
    for (let i = 0; i < 8500 && total < 100_000; i++, total++) {
      const extension = nextAvailableExtension(used, ext)!;
      used.add(extension);
      rows.push(
        await prepareNewUser(store.database.db, account, { extension, firstName: FIRST[i % 16]!, lastName: LAST[(i >> 4) % 16]!, email: `p${i}@${code}.example`, officeId: offices[i % 3]!.id }, { ext, used }),
      );
    }
    await store.database.db.transaction().execute((tx) => insertMany(tx, rows));
  }
  console.log(`\nfilled ${total} users in ${codes.length + 1} accounts in ${fmt((performance.now() - t0) / 1000, 1)} s`);

  // ---- 3. a stress account with 100k rows (6-digit extensions; bypasses only the plan-length rule) ----
  await createAccount(deps, SYSTEM_ACTOR, { code: 'huge', name: 'Huge', sipRealm: 'huge.pbx.example', country: 'AU' });
  const hugeOffices = await Promise.all(['A', 'B', 'C', 'D'].map((n) => createOffice(deps, SYSTEM_ACTOR, 'huge', { name: n, timezone: 'Australia/Sydney' })));
  const huge = await findAccount(deps, 'huge');
  const template = await prepareNewUser(store.database.db, huge, { extension: '100', firstName: 'x', officeId: hugeOffices[0]!.id });
  const hugeRows = Array.from({ length: 100_000 }, (_, i) => ({
    ...template,
    id: crypto.randomUUID(),
    extension: String(100000 + i),
    first_name: FIRST[i % 16]!,
    last_name: `${LAST[(i >> 4) % 16]}`,
    display_name: `${FIRST[i % 16]} ${LAST[(i >> 4) % 16]}`,
    email: `h${i}@huge.example`,
    office_id: hugeOffices[i % 4]!.id,
    sip_username: `h${i}`,
  }));
  await store.database.db.transaction().execute((tx) => insertMany(tx, hugeRows));
  await sql`analyze`.execute(store.database.db);

  // ---- 4. list / filter latency ----
  const get = (path: string) => () => fetch(`${base}${path}`, { headers: auth });
  await load(300, CONCURRENCY, () => fetch(`${tbase}/t`));
  const trivialGet = await load(LIST_REQUESTS, 1, () => fetch(`${tbase}/t`));
  const trivialGetC = await load(LIST_REQUESTS, CONCURRENCY, () => fetch(`${tbase}/t`));
  console.log('\n## list / filter, 50 users a page: latency one request at a time (the target), then throughput at concurrency ' + CONCURRENCY);
  console.log(row('trivial GET route (baseline)', trivialGet));
  console.log(row(`trivial GET route, concurrency ${CONCURRENCY}`, trivialGetC));
  const big = codes[0]!;
  const bigOffice = ((await (await fetch(`${base}/api/v1/accounts/${big}/offices`, { headers: auth })).json()) as { items: Array<{ id: string }> }).items[0]!.id;
  const hugeOffice = hugeOffices[2]!.id;
  const scenarios: Array<[string, (i: number) => string]> = [
    [`${big} (8.5k users): first page`, () => `/api/v1/accounts/${big}/users`],
    [`${big}: office filter`, () => `/api/v1/accounts/${big}/users?officeId=${bigOffice}`],
    [`${big}: 'Filter User' q=name prefix`, (i) => `/api/v1/accounts/${big}/users?q=${FIRST[i % 16]!.slice(0, 3)}`],
    [`${big}: q=extension prefix`, (i) => `/api/v1/accounts/${big}/users?q=${1000 + (i % 9000)}`.slice(0, -1)],
    [`${big}: email prefix`, (i) => `/api/v1/accounts/${big}/users?email=p${i % 8500}@`],
    [`${big}: keyset page deep (after=)`, (i) => `/api/v1/accounts/${big}/users?after=${1000 + ((i * 37) % 8000)}`],
    [`${big}: with includeTotal`, () => `/api/v1/accounts/${big}/users?includeTotal=true`],
    ['huge (100k users): first page', () => '/api/v1/accounts/huge/users'],
    ['huge: office filter', () => `/api/v1/accounts/huge/users?officeId=${hugeOffice}`],
    ['huge: q=name prefix', (i) => `/api/v1/accounts/huge/users?q=${FIRST[i % 16]!.slice(0, 3)}`],
    ['huge: q=last-name prefix', (i) => `/api/v1/accounts/huge/users?q=${LAST[i % 16]!.slice(0, 4)}`],
    ['huge: q=extension prefix', (i) => `/api/v1/accounts/huge/users?q=1${String(i % 1000).padStart(3, '0')}`],
    ['huge: email prefix', (i) => `/api/v1/accounts/huge/users?email=h${(i * 7919) % 100000}@`],
    ['huge: keyset page deep (after=)', (i) => `/api/v1/accounts/huge/users?after=${100000 + ((i * 7919) % 99000)}`],
    ['huge: office + name prefix', (i) => `/api/v1/accounts/huge/users?officeId=${hugeOffice}&q=${FIRST[i % 16]!.slice(0, 2)}`],
    ['huge: with includeTotal', () => '/api/v1/accounts/huge/users?includeTotal=true'],
  ];
  let worst = 0;
  let worstRatio = Infinity;
  for (const [label, path] of scenarios) {
    await load(50, 1, (i) => get(path(i))());
    const r = await load(LIST_REQUESTS, 1, (i) => get(path(i))());
    // throughput next to the trivial GET measured right before it (same concurrency)
    const tc = await load(LIST_REQUESTS, CONCURRENCY, () => fetch(`${tbase}/t`));
    const c = await load(LIST_REQUESTS, CONCURRENCY, (i) => get(path(i))());
    const ratio = c.perSecond / tc.perSecond;
    if (!label.includes('includeTotal')) worstRatio = Math.min(worstRatio, ratio);
    console.log(`${row(label, r)}   | c${CONCURRENCY}: ${fmt(c.perSecond, 0)} req/s = ${fmt(ratio)} of trivial (${fmt(tc.perSecond, 0)})`);
    if (!label.includes('includeTotal')) worst = Math.max(worst, r.p99);
  }
  console.log(`\nworst list/filter p99 (without includeTotal): ${fmt(worst)} ms (target < 10 ms); trivial route p99 ${fmt(trivialGet.p99)} ms`);
  console.log(`worst list/filter throughput at c${CONCURRENCY} (without includeTotal): ${fmt(worstRatio)} of the trivial GET (target >= 0.50)`);

  await app.close();
  await trivial.close();
  await store.cleanup();
}

await main();
