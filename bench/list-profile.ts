/**
 * Profiling harness for the user list (issue 16): one account with 9,000 users, then N list requests over
 * real HTTP one at a time, the same next to a trivial Fastify GET. With PROFILE_OUT=file.cpuprofile the CPU
 * profile covers the measured requests only (not the store fill):
 *   PROFILE_OUT=/tmp/list.cpuprofile node --import tsx bench/list-profile.ts [requests] [sqlite|postgres]
 */
import Fastify from 'fastify';
import { buildApp } from '../src/app.ts';
import { openTestStore } from '../test/support/stores.ts';
import { createProviderKey } from '../src/modules/auth/provider-keys.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import { createAccount, findAccount } from '../src/modules/accounts/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { prepareNewUser } from '../src/modules/users/service.ts';
import { insertMany } from '../src/modules/users/repository.ts';
import { load, row } from './lib.ts';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

const N = Number(process.argv[2] ?? 3000);
const kind = (process.argv[3] ?? 'sqlite') as 'sqlite' | 'postgres';
const store = await openTestStore(kind);
const { app, deps } = await buildApp({ database: store.database, logLevel: 'silent' });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const key = await createProviderKey(store.database.db, 'bench');
const auth = { authorization: `Bearer ${key}` };
await createAccount(deps, SYSTEM_ACTOR, { code: 'prof', name: 'P', sipRealm: 'p.example', country: 'AU' });
const office = await createOffice(deps, SYSTEM_ACTOR, 'prof', { name: 'HQ', timezone: 'Australia/Sydney' });
const account = await findAccount(deps, 'prof');
const template = await prepareNewUser(store.database.db, account, { extension: '100', firstName: 'x', officeId: office.id });
const NAMES = ['Olivia', 'Jack', 'Charlotte', 'William', 'Amelia', 'Noah', 'Isla', 'Leo'];
await insertMany(
  store.database.db,
  Array.from({ length: 9000 }, (_, i) => ({ ...template, id: crypto.randomUUID(), extension: String(100000 + i), first_name: NAMES[i % 8]!, display_name: `${NAMES[i % 8]} L${i}`, email: `u${i}@p.example`, sip_username: `s${i}` })),
);
const trivial = Fastify({ logger: false });
trivial.get('/t', async () => ({ ok: true }));
await trivial.listen({ port: 0, host: '127.0.0.1' });
const tbase = `http://127.0.0.1:${(trivial.server.address() as { port: number }).port}`;
await load(200, 1, () => fetch(`${tbase}/t`));
await load(200, 1, () => fetch(`${base}/api/v1/accounts/prof/users`, { headers: auth }));
const session = new Session();
if (process.env.PROFILE_OUT) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const t = await load(N, 1, () => fetch(`${tbase}/t`));
const l = await load(N, 1, () => fetch(`${base}/api/v1/accounts/prof/users`, { headers: auth }));
const q = await load(N, 1, (i) => fetch(`${base}/api/v1/accounts/prof/users?q=${NAMES[i % 8]!.slice(0, 3)}`, { headers: auth }));
if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify((await session.post('Profiler.stop')).profile));
console.log(row('trivial GET (baseline)', t));
console.log(row('GET users first page', l));
console.log(row('GET users q=name prefix', q));
console.log(`list / trivial throughput: ${(l.perSecond / t.perSecond).toFixed(2)}; q / trivial: ${(q.perSecond / t.perSecond).toFixed(2)}`);
await app.close();
await trivial.close();
await store.cleanup();
