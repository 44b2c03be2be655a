/**
 * Two Switchboard API nodes on one PostgreSQL store (issue 17): a change made through node A reaches routing on
 * node B within 1 s (cluster event fan-out, src/shared/cluster-events.ts), not at the routing cache's 30 s max
 * age; a CLI change reaches both; node B's subscribers that do side effects (audit) do not run for A's change.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../src/app.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import type { FastifyInstance } from 'fastify';
import { startTestServer, type TestServer } from '../support/http.ts';
import { postgresUnavailable } from '../support/stores.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { createAccount } from '../../src/modules/accounts/service.ts';
import { createOffice } from '../../src/modules/offices/service.ts';
import { createUser } from '../../src/modules/users/service.ts';
import { ROUTE_PATH } from '../../src/modules/routing/routes.ts';
import type { DomainEvent } from '../../src/shared/events.ts';
import { phoneGet } from '../support/phone.ts';

const SECRET = 'cluster-secret';
const sip = { trunk: '127.0.0.1:5090', voicemail: '127.0.0.1:5095', secret: SECRET };
const BIN = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));
const run = promisify(execFile);

const unavailable = await postgresUnavailable();
describe('two API nodes on one PostgreSQL store', { skip: unavailable ?? false }, () => {
  let a: TestServer;
  let bDb: Database;
  let b: FastifyInstance;
  let bUrl = '';
  const bEvents: DomainEvent[] = [];
  let userId = '';
  let officeId = '';
  let fromSip = '';
  let sip103 = '';

  // node B's routing answer for a call from 101 to `to`
  const route = async (to: string) => {
    const res = await fetch(`${bUrl}${ROUTE_PATH}?${new URLSearchParams({ source: 'internal', realm: 'cl.pbx.test', from: fromSip, to })}`, { headers: { 'x-switchboard-sip-secret': SECRET } });
    const doc = (await res.json()) as { routes?: Array<{ uri: string }> };
    return { status: res.status, uris: (doc.routes ?? []).map((r) => r.uri) };
  };
  // the first target node B's routing would send a call for 102 to
  const firstTarget = async () => (await route('102')).uris[0] ?? '';
  const waitFor = async (pred: () => Promise<boolean>, ms = 1000) => {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      if (await pred()) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 20));
    }
    return -1;
  };

  before(async () => {
    a = await startTestServer('postgres', { sip });
    bDb = openDatabase(a.store.url);
    const built = await buildApp({ database: bDb, logLevel: 'silent', sip });
    b = built.app;
    built.deps.events.subscribe((e) => {
      bEvents.push(e);
    });
    await b.listen({ port: 0, host: '127.0.0.1' });
    const addr = b.server.address();
    bUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const d = a.deps;
    await createAccount(d, SYSTEM_ACTOR, { code: 'cl', name: 'Cluster', sipRealm: 'cl.pbx.test', country: 'AU' });
    const office = await createOffice(d, SYSTEM_ACTOR, 'cl', { name: 'Sydney', timezone: 'Australia/Sydney', areaCode: '02' });
    officeId = office.id;
    fromSip = (await createUser(d, SYSTEM_ACTOR, 'cl', { firstName: 'A', email: 'a@cl.test', officeId: office.id, extension: '101' })).sipUsername;
    userId = (await createUser(d, SYSTEM_ACTOR, 'cl', { firstName: 'B', email: 'b@cl.test', officeId: office.id, extension: '102' })).id;
    sip103 = (await createUser(d, SYSTEM_ACTOR, 'cl', { firstName: 'C', email: 'c@cl.test', officeId: office.id, extension: '103' })).sipUsername;
  });
  after(async () => {
    await b?.close();
    await bDb?.close();
    await a?.close();
  });

  test('a diversion set through node A is followed by node B within 1 s (its cache had the old answer)', async () => {
    // node B answers (and caches) the call to 102 ringing 102's own phone
    const before = await firstTarget();
    assert.ok(before && !before.includes(sip103), before);
    const t0 = Date.now();
    const res = await a.api('PATCH', `/api/v1/accounts/cl/users/${userId}`, { features: { divertAll: { enabled: true, destination: '103' } } });
    assert.equal(res.status, 200, res.text);
    const ms = await waitFor(async () => (await firstTarget()).includes(sip103));
    assert.ok(ms >= 0, `node B still routes to ${await firstTarget()} 1 s after the change on node A`);
    console.log(`# node B followed node A's change ${Date.now() - t0} ms after the PATCH was sent`);
    // node B's own side effects (audit …) did not run for A's change: only remote subscribers did
    assert.ok(!bEvents.some((e) => e.type === 'user.updated' && e.resourceId === userId), 'a local subscriber of node B saw node A\'s event');
  });

  test('a user created with the CLI is routable through node B at once (its cache had the number as unknown)', async () => {
    const to104 = () => route('104');
    const unknown = await to104();
    await run(process.execPath, [BIN, '--database', a.store.url, 'user', 'create', 'cl', '--first-name', 'D', '--office', officeId, '--extension', '104', '--json'], { env: { ...process.env, LOG_LEVEL: 'warn' } }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`CLI failed: ${err.stderr ?? err.message}`);
    });
    const ms = await waitFor(async () => JSON.stringify(await to104()) !== JSON.stringify(unknown));
    assert.ok(ms >= 0, `node B still answers ${JSON.stringify(await to104())} 1 s after the CLI created 104`);
  });

  test('login failures spread over both nodes are counted together: the 11th is refused on either', async () => {
    const login = (url: string) =>
      fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: 'cl', email: 'a@cl.test', password: 'Wrong-Password-1' }) }).then(async (r) => (r.status === 401 || r.status === 429 ? r.status : `${r.status} ${await r.text()}`));
    const statuses: Array<number | string> = [];
    for (let i = 0; i < 10; i++) statuses.push(await login(i % 2 ? bUrl : a.baseUrl));
    assert.deepEqual(statuses, Array(10).fill(401), JSON.stringify(statuses));
    assert.equal(await login(a.baseUrl), 429, 'node A counts node B\'s failures');
    assert.equal(await login(bUrl), 429, 'node B counts node A\'s failures');
  });

  test('provisioning guesses spread over both nodes are counted together: the address is blocked on both', async () => {
    const from = '127.0.0.41';
    const guess = (url: string, i: number) => phoneGet(url, `/prov/AAAAAAAAAAAAAAAAAAAAAAAA/805ec0ab00${String(i).padStart(2, '0')}.cfg`, { from }).then((r) => r.status);
    // 5 strikes on A and 5 on B: under the limit of 10 on each node alone, at it together
    for (let i = 0; i < 10; i++) assert.notEqual(await guess(i < 5 ? a.baseUrl : bUrl, i), 429, `guess ${i} already refused`);
    const ms = await waitFor(async () => (await guess(a.baseUrl, 99)) === 429 && (await guess(bUrl, 98)) === 429, 3000);
    assert.ok(ms >= 0, 'both nodes refuse the address');
    // another address is not affected
    assert.notEqual(await phoneGet(bUrl, '/prov/AAAAAAAAAAAAAAAAAAAAAAAA/805ec0ab0001.cfg', { from: '127.0.0.42' }).then((r) => r.status), 429);
  });
});
