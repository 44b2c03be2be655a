/**
 * SIP end-to-end for call history, limits and metrics (issue 15): real Kamailio, real Switchboard, real SIP user
 * agents. Every call below leaves a history row we read back through the API; the limit+1-th concurrent
 * outbound call is refused 403; repeated refusals raise the toll-fraud alarm in the audit log; /metrics shows it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../support/stores.ts';
import { seedTenant, as, type Tenant } from '../support/tenants.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { nowIso } from '../../src/shared/ids.ts';
import { updateUser } from '../../src/modules/users/service.ts';
import { kamailioMissing, startStack, REALM, type Stack } from './stack.ts';
import { gateway, inboundCall, UA } from './ua.ts';
import type { Call } from '../../src/modules/calls/schema.ts';

const missing = kamailioMissing();
const PROXY = '127.0.0.1:5070';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const { kind, skip } of await storeKinds()) {
  describe(`call history, limits and metrics through Kamailio (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let s: Stack;
    let trunk: UA;
    let a: UA;
    let b: UA;
    let other: Tenant;
    const users: Record<string, { id: string; user: string; password: string; extension: string }> = {};
    const phones: UA[] = [];

    before(async () => {
      s = await startStack(kind);
      for (const ext of ['201', '202', '203']) users[ext] = await s.addUser({ extension: ext, ringTime: 5, voicemail: { enabled: false } });
      trunk = gateway(5090);
      a = new UA({ user: users['201']!.user, password: users['201']!.password, domain: REALM, port: 5121, proxy: PROXY }).start();
      b = new UA({ user: users['202']!.user, password: users['202']!.password, domain: REALM, port: 5122, proxy: PROXY }).start();
      phones.push(a, b);
      for (const ua of phones) assert.equal((await ua.register()).status, 200);
      other = await seedTenant(s.server, 'othercdr');
    });

    after(async () => {
      for (const ua of phones) {
        await Promise.race([ua.unregister(), sleep(500)]);
        ua.stop();
      }
      trunk?.stop();
      await s?.close();
    });

    const list = async (query = ''): Promise<Call[]> => {
      const r = await s.server.api('GET', `/api/v1/accounts/e2e/calls?limit=500${query}`);
      assert.equal(r.status, 200, r.text);
      return r.body.items as Call[];
    };
    /** The newest call dialling `dialled`, once `done` holds for it (events arrive right after the SIP exchange). */
    const waitCall = async (dialled: string, done: (c: Call) => boolean, since: string): Promise<Call> => {
      for (let i = 0; i < 60; i++) {
        const c = (await list(`&since=${encodeURIComponent(since)}`)).find((x) => x.dialled === dialled);
        if (c && done(c)) return c;
        await sleep(100);
      }
      assert.fail(`no finished call to ${dialled}: ${JSON.stringify(await list())}`);
    };

    test('answered internal call: parties, 200, answer and end times, duration', async () => {
      const t0 = nowIso();
      b.mode = 'answer';
      const r = await a.call('202', 2200);
      assert.equal(r.status, 200);
      const c = await waitCall('202', (x) => x.endedAt !== null, t0);
      assert.equal(c.direction, 'internal');
      assert.equal(c.result, 'answered');
      assert.equal(c.sipCode, 200);
      assert.equal(c.from, '201');
      assert.equal(c.to, '202');
      assert.equal(c.callerUserId, users['201']!.id);
      assert.equal(c.calleeUserId, users['202']!.id);
      assert.match(c.routedBy, /devices/);
      assert.ok(c.answeredAt && c.answeredAt >= c.startedAt);
      assert.ok(c.durationSeconds! >= 2 && c.durationSeconds! <= 3, `duration ${c.durationSeconds}`);
      assert.ok(!JSON.stringify(c).includes(users['201']!.password), 'no secrets');
    });

    test('failed calls: busy 486, no answer, offline 480, no such extension 404', async () => {
      const t0 = nowIso();
      b.mode = 'busy';
      assert.equal((await a.call('202')).status, 486);
      const busy = await waitCall('202', (x) => x.result === 'failed', t0);
      assert.equal(busy.sipCode, 486);
      assert.equal(busy.durationSeconds, 0);

      const t1 = nowIso();
      b.mode = 'ring';
      const noAnswer = await a.call('202');
      assert.ok(noAnswer.status === 408 || noAnswer.status === 480, `no answer: ${noAnswer.status}`);
      const na = await waitCall('202', (x) => x.result === 'failed', t1);
      assert.equal(na.sipCode, noAnswer.status, 'the code the caller got');
      assert.ok(Date.parse(na.endedAt!) - Date.parse(na.startedAt) >= 4500, 'rang for the ring time');

      const t2 = nowIso();
      assert.equal((await a.call('203')).status, 480, 'not registered');
      const off = await waitCall('203', (x) => x.result === 'failed', t2);
      assert.equal(off.sipCode, 480);
      assert.equal(off.calleeUserId, users['203']!.id);

      assert.equal((await a.call('299')).status, 404);
      const nf = await waitCall('299', (x) => x.result === 'failed', t2);
      assert.equal(nf.sipCode, 404);
      assert.equal(nf.kind, 'refused');
      b.mode = 'answer';
    });

    test('inbound carrier call and outbound call', async () => {
      const db = s.server.store.database.db;
      const acc = await db.selectFrom('accounts').select('id').where('code', '=', 'e2e').executeTakeFirstOrThrow();
      await db.updateTable('numbers').set({ user_id: users['202']!.id }).where('e164', '=', '+61291234502').execute();
      await s.server.deps.events.publish({ type: 'number.updated', accountId: acc.id, resourceId: '+61291234502', actor: 'test', at: nowIso() });
      const t0 = nowIso();
      b.mode = 'answer';
      assert.equal((await inboundCall(trunk, PROXY, '+61291234502', '+61412000000')).status, 200);
      const inbound = await waitCall('+61291234502', (x) => x.result === 'answered', t0);
      assert.equal(inbound.direction, 'inbound');
      assert.equal(inbound.from, '+61412000000');
      assert.equal(inbound.to, '202');
      assert.equal(inbound.calleeUserId, users['202']!.id);

      const r = await a.call('0412345678', 1200);
      assert.equal(r.status, 200);
      const out = await waitCall('0412345678', (x) => x.endedAt !== null, t0);
      assert.equal(out.direction, 'outbound');
      assert.equal(out.kind, 'mobile');
      assert.equal(out.to, '+61412345678');
      assert.equal(out.result, 'answered');
      assert.ok(out.durationSeconds! >= 1 && out.durationSeconds! <= 2, `duration ${out.durationSeconds}`);

      // filters
      assert.ok((await list('&direction=outbound')).every((c) => c.direction === 'outbound'));
      assert.ok((await list('&direction=inbound')).some((c) => c.id === inbound.id));
      const failed = await list('&result=failed');
      assert.ok(failed.length >= 4 && failed.every((c) => c.result === 'failed'));
      const of203 = await list(`&user=${users['203']!.id}`);
      assert.ok(of203.length >= 1 && of203.every((c) => c.calleeUserId === users['203']!.id || c.callerUserId === users['203']!.id));
      const csv = await s.server.api('GET', '/api/v1/accounts/e2e/calls?format=csv');
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      assert.match(csv.text, /'\+61412345678/, 'numbers are formula-safe');
      // another tenant sees none of it
      const om = other.people.om!;
      assert.equal((await s.server.api('GET', '/api/v1/accounts/e2e/calls', undefined, as(om))).status, 404);
      const own = await s.server.api('GET', '/api/v1/accounts/othercdr/calls', undefined, as(om));
      assert.equal(own.status, 200);
      assert.deepEqual(own.body.items, []);
    });

    test('concurrent external call limits: the limit+1-th outbound call is refused 403; repeated refusals raise the toll-fraud alarm', async () => {
      await updateUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users['201']!.id, { security: { maxExternalCalls: 1 } });
      const t0 = nowIso();
      const first = a.call('0412345001', 2500);
      await sleep(600);
      const second = await a.call('0412345002');
      assert.equal(second.status, 403, JSON.stringify(second));
      assert.match(second.reason, /limit of the user/);
      assert.equal((await first).status, 200, 'the call within the limit went through');
      const refused = await waitCall('0412345002', (x) => x.result === 'failed', t0);
      assert.equal(refused.sipCode, 403);
      // the first call ended: the profile is free again
      assert.equal((await a.call('0412345003')).status, 200, 'after the first call ended');

      // the account's limit (provider only): 0 external calls
      assert.equal((await s.server.api('PATCH', '/api/v1/accounts/e2e', { maxExternalCalls: 0 })).status, 200);
      await updateUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users['201']!.id, { security: { maxExternalCalls: null } });
      for (let i = 0; i < 5; i++) {
        const r = await a.call(`041234510${i}`);
        assert.equal(r.status, 403);
        assert.match(r.reason, /limit of the account/);
      }
      assert.equal((await a.call('000')).status, 200, 'emergency calls are never limited');
      let alarm: unknown[] = [];
      for (let i = 0; i < 30 && !alarm.length; i++) {
        alarm = (await s.server.api('GET', '/api/v1/accounts/e2e/audit?resource=call')).body.items.filter((e: { action: string }) => e.action === 'toll_fraud_alarm');
        if (!alarm.length) await sleep(100);
      }
      assert.equal(alarm.length, 1, 'one alarm for five refusals');
      assert.equal((await s.server.api('PATCH', '/api/v1/accounts/e2e', { maxExternalCalls: null })).status, 200);
    });

    test('GET /metrics: registrations from Kamailio, failures by code, routing latency', async () => {
      const r = await fetch(`${s.server.baseUrl}/metrics`);
      assert.equal(r.status, 200);
      const text = await r.text();
      const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
      assert.ok(value(/^switchboard_sip_registrations (\d+)$/m) >= 2, text);
      assert.ok(value(/^switchboard_call_failures_total\{code="486"\} (\d+)$/m) >= 1);
      assert.ok(value(/^switchboard_call_failures_total\{code="403"\} (\d+)$/m) >= 6);
      assert.ok(value(/^switchboard_sip_route_duration_seconds_count (\d+)$/m) >= 10);
      assert.ok(value(/^switchboard_call_limit_refusals_total\{scope="account"\} (\d+)$/m) >= 5);
      assert.match(text, /^switchboard_active_calls\{direction="outbound"\} \d+$/m);
    });
  });
}
