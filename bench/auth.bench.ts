/**
 * Issue 3 benchmark: portal logins per second with argon2id, and the latency the permission check adds to a
 * list call. Every figure is printed next to a baseline measured in the same run.
 *
 *   npm run bench:auth                        # SQLite (temp file)
 *   BENCH_DB=postgres npm run bench:auth      # PostgreSQL at $PG_TEST_URL or 127.0.0.1:5432
 *
 * The machine has 2 cores and other work may run concurrently: expect noise of ±20%.
 */
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { buildApp } from '../src/app.ts';
import { openTestStore } from '../test/support/stores.ts';
import { createProviderKey } from '../src/modules/auth/provider-keys.ts';
import { SYSTEM_ACTOR, authorize, officeLimit } from '../src/shared/permissions.ts';
import { createAccount, findAccount } from '../src/modules/accounts/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { listUsers, prepareNewUser } from '../src/modules/users/service.ts';
import * as usersRepo from '../src/modules/users/repository.ts';
import { actorForUser, setPassword } from '../src/modules/auth/service.ts';
import { fakeMailer } from '../src/modules/auth/mailer.ts';
import { hashPassword, verifyPassword, ARGON2_OPTIONS } from '../src/modules/auth/passwords.ts';
import type { UsersTable } from '../src/db/types.ts';
import { fmt, load, percentile, row } from './lib.ts';

const kind = (process.env.BENCH_DB ?? 'sqlite') as 'sqlite' | 'postgres';
const LOGINS = Number(process.env.BENCH_LOGINS ?? 200);
const LIST_CALLS = Number(process.env.BENCH_LIST_CALLS ?? 3000);
const USERS = Number(process.env.BENCH_USERS ?? 2000);
const PASSWORD = 'Kettle-Login-Pass-1';

function stats(times: number[]) {
  const s = [...times].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function main() {
  const store = await openTestStore(kind);
  const limits = { max: 1e9, windowMs: 60_000 };
  const { app, deps } = await buildApp({
    database: store.database,
    logLevel: 'silent',
    auth: { mailer: fakeMailer(), attemptsPerAddress: limits, failuresPerAccountAddress: limits },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const providerKey = await createProviderKey(store.database.db, 'bench');

  const trivial = Fastify({ logger: false });
  trivial.post('/t', async (req) => ({ ok: true, got: (req.body as { account?: string })?.account }));
  trivial.get('/t', async () => ({ ok: true }));
  await trivial.listen({ port: 0, host: '127.0.0.1' });
  const tbase = `http://127.0.0.1:${(trivial.server.address() as { port: number }).port}`;

  console.log(`# Switchboard auth benchmark on ${kind}; node ${process.version}; argon2id m=${ARGON2_OPTIONS.memoryCost} KiB t=${ARGON2_OPTIONS.timeCost} p=${ARGON2_OPTIONS.parallelism}`);

  // ---- setup: one account, 4 offices, USERS users; a Site Manager of 2 offices with a password ----
  await createAccount(deps, SYSTEM_ACTOR, { code: 'bench', name: 'Bench', sipRealm: 'bench.pbx.example', country: 'AU' });
  const offices = [];
  for (const n of ['Sydney', 'Melbourne', 'Perth', 'Brisbane']) offices.push(await createOffice(deps, SYSTEM_ACTOR, 'bench', { name: n, timezone: 'Australia/Sydney' }));
  const account = await findAccount(deps, 'bench');
  const rows: UsersTable[] = [];
  const used = new Set<string>();
  for (let i = 0; i < USERS; i++) {
    const ext = String(2000 + i);
    const r = await prepareNewUser(store.database.db, account, { firstName: `User${i}`, lastName: 'Bench', email: `u${i}@bench.example`, officeId: offices[i % 4]!.id, extension: ext }, { used });
    used.add(ext);
    if (i === 0) r.scope = 'site_manager';
    rows.push(r);
  }
  await usersRepo.insertMany(store.database.db, rows);
  const smRow = (await usersRepo.findRow(store.database.db, account.id, rows[0]!.id))!;
  await setPassword(deps, SYSTEM_ACTOR, 'bench', smRow.id, PASSWORD);
  await store.database.db.insertInto('user_offices').values([offices[0]!, offices[1]!].map((o) => ({ account_id: account.id, user_id: smRow.id, office_id: o.id }))).execute();
  const sm = await actorForUser(store.database.db, smRow);
  console.log(`# ${USERS} users in 4 offices; the Site Manager reaches ${sm.officeIds.length} offices (${USERS / 2} users)`);

  // ---- 1. argon2id on its own ----
  const hashes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await hashPassword(PASSWORD);
    hashes.push(performance.now() - t0);
  }
  const stored = await hashPassword(PASSWORD);
  const verifies: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    await verifyPassword(stored, PASSWORD);
    verifies.push(performance.now() - t0);
  }
  const v = stats(verifies);
  console.log(`\n## argon2id in-process (one at a time)`);
  console.log(`hash    p50 ${fmt(stats(hashes).p50)} ms`);
  console.log(`verify  p50 ${fmt(v.p50)} ms  →  ${fmt(1000 / v.mean, 1)} verifies/s on one thread`);

  // ---- 2. logins per second over HTTP vs a trivial route ----
  console.log(`\n## logins over HTTP (${LOGINS} each; a login = body parse, limiter, user lookup, argon2id verify, session insert, audit row)`);
  const loginBody = JSON.stringify({ account: 'bench', email: smRow.email, password: PASSWORD });
  const wrongBody = JSON.stringify({ account: 'bench', email: smRow.email, password: 'Wrong-Pass-999' });
  const headers = { 'content-type': 'application/json' };
  for (const c of [1, 2, 4]) {
    const t = await load(Math.max(LOGINS * 10, 2000), c, () => fetch(`${tbase}/t`, { method: 'POST', headers, body: loginBody }));
    const ok = await load(LOGINS, c, () => fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers, body: loginBody }));
    console.log(row(`trivial POST route, concurrency ${c}`, t));
    console.log(row(`POST /auth/login (right password), conc ${c}`, ok));
    console.log(`  → logins run at ${fmt((ok.perSecond / t.perSecond) * 100, 1)}% of the trivial route's rate (ratio 1:${fmt(t.perSecond / ok.perSecond, 0)})`);
  }
  const bad = await load(LOGINS, 2, () => fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers, body: wrongBody }), (r) => r.status === 401);
  const unknown = await load(LOGINS, 2, () => fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers, body: JSON.stringify({ account: 'nope', email: 'x@y.z', password: 'Wrong-Pass-999' }) }), (r) => r.status === 401);
  console.log(row('wrong password (401), conc 2', bad));
  console.log(row('unknown account (401, dummy verify), conc 2', unknown));

  // ---- 3. the permission check on a list call ----
  console.log(`\n## permission check on a list call (${LIST_CALLS} calls each, interleaved; 50 users per page)`);
  const filter = { limit: 50 };
  const withCheck: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < 200; i++) {
    await listUsers(deps, sm, 'bench', filter);
    await usersRepo.list(store.database.db, store.database.dialect, account.id, { ...filter, officeIds: sm.officeIds });
  }
  const checked = async () => {
    const t0 = performance.now();
    const r = await listUsers(deps, sm, 'bench', filter);
    withCheck.push(performance.now() - t0);
    return r;
  };
  const unchecked = async () => {
    const t0 = performance.now();
    await findAccount(deps, 'bench');
    const r = await usersRepo.list(store.database.db, store.database.dialect, account.id, { ...filter, officeIds: sm.officeIds });
    without.push(performance.now() - t0);
    return r;
  };
  for (let i = 0; i < LIST_CALLS; i++) {
    // Alternate which goes first so neither profits from the other's warm caches.
    let a: Awaited<ReturnType<typeof checked>>;
    let b: Awaited<ReturnType<typeof unchecked>>;
    if (i % 2) {
      a = await checked();
      b = await unchecked();
    } else {
      b = await unchecked();
      a = await checked();
    }
    if (i === 0 && a.items.map((u) => u.id).join() !== b.items.map((u) => u.id).join()) throw new Error('the two calls should return the same page');
  }
  const w = stats(withCheck);
  const wo = stats(without);
  console.log(`service listUsers as Site Manager (check)   p50 ${fmt(w.p50, 3)} ms   p99 ${fmt(w.p99, 3)} ms`);
  console.log(`same query, no check (baseline)             p50 ${fmt(wo.p50, 3)} ms   p99 ${fmt(wo.p99, 3)} ms`);
  console.log(`  → added by the check: p50 ${fmt(w.p50 - wo.p50, 3)} ms, p99 ${fmt(w.p99 - wo.p99, 3)} ms (ratio p99 ${fmt(w.p99 / wo.p99, 3)}×)`);

  const N = 1_000_000;
  const target = { accountId: account.id, officeId: offices[1]!.id, userId: rows[5]!.id };
  let t0 = performance.now();
  for (let i = 0; i < N; i++) {
    authorize(sm, 'user.read', target, 'user');
    officeLimit(sm, 'user.read');
  }
  const perCheck = ((performance.now() - t0) / N) * 1e6;
  t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < N; i++) sink += target.userId.length;
  const perLoop = ((performance.now() - t0) / N) * 1e6;
  console.log(`authorize() + officeLimit() alone: ${fmt(perCheck, 0)} ns per call (empty loop ${fmt(perLoop, 1)} ns)${sink < 0 ? '' : ''}`);

  // Over HTTP, for scale: the whole request (session lookup: session, user, managed offices; the check; the
  // query; serialisation) next to a trivial route. The provider-key line runs a different query (no office
  // filter), so it is context, not a baseline for the check.
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers, body: loginBody });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const url = `${base}/api/v1/accounts/bench/users?limit=50`;
  const tl = await load(LIST_CALLS, 2, () => fetch(`${tbase}/t`));
  const ss = await load(LIST_CALLS, 2, () => fetch(url, { headers: { cookie } }));
  const pk = await load(LIST_CALLS, 2, () => fetch(url, { headers: { authorization: `Bearer ${providerKey}` } }));
  console.log(row('trivial GET route, conc 2', tl));
  console.log(row('GET users?limit=50 (Site Manager session)', ss));
  console.log(row('GET users?limit=50 (provider key, all offices)', pk));
  console.log(`  → the session-authenticated list runs at ${fmt((ss.perSecond / tl.perSecond) * 100, 1)}% of the trivial route's rate`);

  await app.close();
  await trivial.close();
  await store.cleanup();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
