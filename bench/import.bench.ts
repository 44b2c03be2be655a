/**
 * Bulk import benchmark (issue 5): 10,000 users, each with a handset, voicemail and the basic call flow,
 * loaded from CSV through the real import path (parse → validate every row → one transaction), on SQLite
 * and PostgreSQL. A PBX holds at most ~8,800 extensions (4 digits minus reserved codes), so the 10,000
 * users are two 5,000-row files into two accounts. Baseline, measured in the same run: a raw multi-row
 * INSERT of the same number of users + handsets + call flows (pre-built rows, one transaction).
 *
 *   node --import tsx bench/import.bench.ts            # both stores (PostgreSQL from $PG_TEST_URL or 127.0.0.1)
 *   BENCH_STORES=sqlite node --import tsx bench/import.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { openTestStore, postgresUnavailable, type StoreKind } from '../test/support/stores.ts';
import { createEventBus } from '../src/shared/events.ts';
import type { Deps } from '../src/shared/deps.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import { createAccount } from '../src/modules/accounts/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { startImport } from '../src/modules/imports/service.ts';
import { newCallFlowRows } from '../src/modules/call-flows/repository.ts';
import { DEFAULT_APPS, DEFAULT_FEATURES, DEFAULT_SECURITY } from '../src/modules/users/rules.ts';
import { newId, nowIso, randomSecret } from '../src/shared/ids.ts';
import type { DevicesTable, UsersTable } from '../src/db/types.ts';

const TOTAL = Number(process.env.BENCH_USERS ?? 10_000);
const FILES = 2;
const PER_FILE = TOTAL / FILES;
const TARGET_SQLITE_MS = 2000;

function csvFor(fileNo: number): string {
  const lines = ['extension,first_name,last_name,email,office,department,ring_time,vm_enabled,vm_pin,vm_email_delivery,device_mac,device_model,pickup_group'];
  for (let i = 0; i < PER_FILE; i++) {
    const mac = `80:5e:c0:${fileNo.toString(16).padStart(2, '0')}:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    lines.push(`,First${i},Last${i},user${i}@f${fileNo}.example,Head Office,Dept${i % 20},${20 + (i % 5) * 5},yes,${4000 + (i % 5000)},${i % 2 ? 'yes' : 'no'},${mac},yealink t54w,group${i % 50}`);
  }
  return `${lines.join('\n')}\n`;
}

async function tenant(deps: Deps, code: string) {
  const account = await createAccount(deps, SYSTEM_ACTOR, { code, name: code, sipRealm: `${code}.bench`, country: 'AU' });
  const office = await createOffice(deps, SYSTEM_ACTOR, code, { name: 'Head Office', timezone: 'Australia/Sydney' });
  return { account, office };
}

async function baseline(deps: Deps, rep: number): Promise<number> {
  const { account, office } = await tenant(deps, `baseline${rep}`);
  const now = nowIso();
  const users: UsersTable[] = [];
  for (let i = 0; i < TOTAL; i++) {
    users.push({
      id: newId(), account_id: account.id, office_id: office.id, extension: String(100000 + i), first_name: `First${i}`, last_name: `Last${i}`, display_name: `First${i} Last${i}`,
      email: `user${i}@baseline${rep}.example`, alt_email: null, department: `Dept${i % 20}`, user_type: 'native', scope: 'basic_user', include_in_directory: 1, ring_time: 40, pickup_group_id: null,
      outbound_number: null, hide_caller_id: 0, sip_username: `b${rep}x${i}`, sip_password: randomSecret(20), behind_firewall: 1, enabled: 1, vm_enabled: 1, vm_pin: '4821', vm_email_delivery: 0, vm_email: null,
      vm_delete_after_email: 0, vm_keep_on_server: 1, features: JSON.stringify(DEFAULT_FEATURES), security: JSON.stringify(DEFAULT_SECURITY), apps: JSON.stringify(DEFAULT_APPS), portal_password_hash: null, created_at: now, updated_at: now,
    });
  }
  const devices: DevicesTable[] = users.map((u, i) => ({
    id: newId(), account_id: account.id, mac: `805e${(0xf0 + rep).toString(16)}ff${(i >> 8).toString(16).padStart(2, '0')}${(i & 255).toString(16).padStart(2, '0')}`, vendor: 'yealink', model: 't54w', label: null, user_id: u.id,
    line_keys: '[]', settings: '{}', locked_ip: null, locked_at: null, unlocked_until: null, last_provisioned_at: null, last_provisioned_ip: null, last_user_agent: null, resync_requested_at: null, resync_status: null, created_at: now, updated_at: now,
  }));
  const flows = newCallFlowRows(account.id, users, now);
  const t0 = performance.now();
  await deps.database.db.transaction().execute(async (tx) => {
    for (let i = 0; i < users.length; i += 900) await tx.insertInto('users').values(users.slice(i, i + 900)).execute();
    for (let i = 0; i < devices.length; i += 1500) await tx.insertInto('devices').values(devices.slice(i, i + 1500)).execute();
    for (let i = 0; i < flows.length; i += 2000) await tx.insertInto('call_flows').values(flows.slice(i, i + 2000)).execute();
  });
  return performance.now() - t0;
}

const REPS = Number(process.env.BENCH_REPS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One measured run: two accounts, two 5,000-row files (dry run, then the real import). */
async function once(deps: Deps, rep: number): Promise<{ validate: number; total: number }> {
  const files = [1, 2].map((f) => csvFor(rep * 2 + f));
  const codes = [`bench${rep}a`, `bench${rep}b`];
  for (const c of codes) await tenant(deps, c);
  let validate = 0;
  let total = 0;
  for (let f = 0; f < FILES; f++) {
    const t0 = performance.now();
    const dry = await startImport(deps, SYSTEM_ACTOR, codes[f]!, files[f]!, { dryRun: true });
    validate += performance.now() - t0;
    if (!('valid' in dry)) throw new Error('dry run did not validate');
    const t1 = performance.now();
    const job = await startImport(deps, SYSTEM_ACTOR, codes[f]!, files[f]!, { wait: true });
    total += performance.now() - t1;
    if ('valid' in job || job.status !== 'done' || job.created !== PER_FILE) throw new Error(`import failed: ${JSON.stringify('valid' in job ? job : { status: job.status, errors: job.errors.slice(0, 3) })}`);
  }
  return { validate, total };
}

async function run(kind: StoreKind): Promise<void> {
  const store = await openTestStore(kind);
  const deps: Deps = { database: store.database, events: createEventBus() };
  try {
    const runs: Array<{ validate: number; total: number; base: number }> = [];
    for (let rep = 0; rep < REPS; rep++) {
      const r = await once(deps, rep);
      const db = store.database.db;
      const count = async (t: 'users' | 'devices' | 'call_flows') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const [users, devices, flows] = [await count('users'), await count('devices'), await count('call_flows')];
      const want = (rep + 1) * TOTAL + rep * TOTAL;
      if (users !== want || devices !== want || flows !== want) throw new Error(`expected ${want} of each, got users=${users} devices=${devices} call_flows=${flows}`);
      runs.push({ ...r, base: await baseline(deps, rep) });
    }
    const line = (label: string, xs: number[]) => console.log(`  ${label.padEnd(46)} best ${Math.min(...xs).toFixed(0).padStart(6)} ms   median ${median(xs).toFixed(0).padStart(6)} ms`);
    console.log(`\n${kind}: ${TOTAL} users with handset, voicemail and call flow (${FILES} files x ${PER_FILE} rows), ${REPS} runs`);
    line('validate only (dry run: parse + every rule)', runs.map((r) => r.validate));
    line('import: validate + load + commit', runs.map((r) => r.total));
    line('  of which load + commit (import - validate)', runs.map((r) => r.total - r.validate));
    line('baseline: raw multi-row INSERT of the rows', runs.map((r) => r.base));
    const best = Math.min(...runs.map((r) => r.total));
    console.log(`  ratio import / baseline (medians): ${(median(runs.map((r) => r.total)) / median(runs.map((r) => r.base))).toFixed(2)}x`);
    if (kind === 'sqlite') console.log(`  target < ${TARGET_SQLITE_MS} ms on SQLite (best run): ${best < TARGET_SQLITE_MS ? 'MET' : 'NOT MET'}`);
  } finally {
    await store.cleanup();
  }
}

const wanted = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',');
console.log(`import benchmark (node ${process.version}; the machine has 2 cores shared with other work: figures are noisy)`);
if (wanted.includes('sqlite')) await run('sqlite');
if (wanted.includes('postgres')) {
  const why = await postgresUnavailable();
  if (why) console.log(`\npostgres: skipped (${why})`);
  else await run('postgres');
}
