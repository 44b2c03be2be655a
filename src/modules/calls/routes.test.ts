/**
 * Call history API on both stores: rows written through the recorder (what /sip/route and Kamailio's events do),
 * read back with tenancy (managers their offices', users their own, another tenant 404, a lower role 403),
 * filters, keyset pages, CSV; retention; /sip/call-event and /metrics guards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { as, seedTenant, type Tenant } from '../../../test/support/tenants.ts';
import { loadAccountConfig } from '../routing/repository.ts';
import { decideRoute } from '../routing/rules.ts';
import type { Call } from './schema.ts';
import { callRetention } from './retention.ts';

const PLATFORM = { trunk: '127.0.0.1:5090', voicemail: '127.0.0.1:5095' };

for (const { kind, skip } of await storeKinds()) {
  describe(`call history API (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let o: Tenant;
    const ext: Record<string, string> = {};
    const sip: Record<string, string> = {};

    /** A call as Kamailio would report it: routing question with the Call-ID, then events. */
    async function call(tenant: Tenant, fromKey: string, to: string, events: Array<{ event: 'answered' | 'ended' | 'failed'; code?: number }>): Promise<string> {
      const cfg = (await loadAccountConfig(s.deps.database.db, tenant.accountId))!;
      const req = { source: 'internal' as const, from: sip[`${tenant.code}:${fromKey}`]!, to };
      const callid = `${Math.random().toString(36).slice(2)}@test`;
      s.calls.attempt(cfg, req, decideRoute(cfg, PLATFORM, req), callid);
      for (const e of events) await s.calls.event({ callid, ...e });
      return callid;
    }

    before(async () => {
      s = await startTestServer(kind, { sip: { listen: '127.0.0.1', port: 5070, ...PLATFORM, secret: 'test-secret' } });
      t = await seedTenant(s, 'cdra');
      o = await seedTenant(s, 'cdrb');
      for (const tenant of [t, o]) {
        for (const p of Object.values(tenant.people)) {
          const u = (await s.api('GET', `/api/v1/accounts/${tenant.code}/users/${p.id}`)).body;
          ext[`${tenant.code}:${p.key}`] = u.extension;
          sip[`${tenant.code}:${p.key}`] = u.sipUsername;
        }
      }
      // basic (office A) → basicC (office C): answered; basicC → basicB (office B): busy; basicC → basicC's colleague in C
      await call(t, 'basic', ext['cdra:basicC']!, [{ event: 'answered' }, { event: 'ended' }]);
      await call(t, 'basicC', ext['cdra:basicB']!, [{ event: 'failed', code: 486 }]);
      await call(t, 'om', '0412345678', [{ event: 'answered' }, { event: 'ended' }]);
      await call(t, 'basicC', '299', []);
      await call(o, 'basic', ext['cdrb:basicB']!, [{ event: 'answered' }]);
      await s.calls.idle();
    });
    after(() => s?.close());

    const get = async (path: string, headers?: Record<string, string>) => s.api('GET', path, undefined, headers);

    it('records parties, direction, result and code; an Office Manager sees the whole account', async () => {
      const r = await get('/api/v1/accounts/cdra/calls', as(t.people.om!));
      assert.equal(r.status, 200, r.text);
      const items = r.body.items as Call[];
      assert.equal(items.length, 4);
      const answered = items.find((c) => c.to === ext['cdra:basicC'])!;
      assert.equal(answered.direction, 'internal');
      assert.equal(answered.result, 'answered');
      assert.equal(answered.sipCode, 200);
      assert.equal(answered.from, ext['cdra:basic']);
      assert.equal(answered.callerUserId, t.people.basic!.id);
      assert.equal(answered.calleeUserId, t.people.basicC!.id);
      assert.equal(answered.durationSeconds, 0);
      assert.ok(answered.endedAt);
      assert.match(answered.routedBy, /devices/);
      const busy = items.find((c) => c.sipCode === 486)!;
      assert.equal(busy.result, 'failed');
      const out = items.find((c) => c.direction === 'outbound')!;
      assert.equal(out.to, '+61412345678');
      assert.equal(out.kind, 'mobile');
      const refused = items.find((c) => c.dialled === '299')!;
      assert.equal(refused.sipCode, 404);
      assert.equal(refused.kind, 'refused');
      assert.ok(!r.text.includes('sipPassword') && !r.text.includes('8642'), 'no secrets');
    });

    it('a Site Manager sees calls touching their offices (A, B), a Basic User only their own', async () => {
      const sm = (await get('/api/v1/accounts/cdra/calls', as(t.people.sm!))).body.items as Call[];
      // basic(A)→basicC(C), basicC(C)→basicB(B), om(A)→mobile; not basicC→299 (office C only)
      assert.equal(sm.length, 3);
      assert.ok(!sm.some((c) => c.dialled === '299'));
      const basic = (await get('/api/v1/accounts/cdra/calls', as(t.people.basic!))).body.items as Call[];
      assert.deepEqual(basic.map((c) => c.callerUserId), [t.people.basic!.id]);
      const basicB = (await get('/api/v1/accounts/cdra/calls', as(t.people.basicB!))).body.items as Call[];
      assert.deepEqual(basicB.map((c) => c.calleeUserId), [t.people.basicB!.id]);
      // a user asking for someone else's calls: 403; a Site Manager for a user outside their offices: 403
      assert.equal((await get(`/api/v1/accounts/cdra/calls?user=${t.people.basicB!.id}`, as(t.people.basic!))).status, 403);
      assert.equal((await get(`/api/v1/accounts/cdra/calls?user=${t.people.basicC!.id}`, as(t.people.sm!))).status, 403);
      // Simple User (fax only): 403
      assert.equal((await get('/api/v1/accounts/cdra/calls', as(t.people.simple!))).status, 403);
    });

    it('another tenant gets 404 and sees none of these calls', async () => {
      assert.equal((await get('/api/v1/accounts/cdra/calls', as(o.people.om!))).status, 404);
      const own = (await get('/api/v1/accounts/cdrb/calls', as(o.people.om!))).body.items as Call[];
      assert.equal(own.length, 1);
      assert.equal((await get(`/api/v1/accounts/cdrb/calls?user=${t.people.basic!.id}`, as(o.people.om!))).body.items.length, 0, "another tenant's user id finds nothing");
    });

    it('filters: user, direction, result, date range; keyset pages; bad input is 400/422 naming the field', async () => {
      const q = async (query: string) => (await get(`/api/v1/accounts/cdra/calls?${query}`)).body.items as Call[];
      assert.deepEqual((await q('direction=outbound')).map((c) => c.to), ['+61412345678']);
      assert.equal((await q('result=failed')).length, 2);
      assert.equal((await q(`user=${t.people.basicC!.id}`)).length, 3);
      assert.equal((await q('since=2000-01-01&until=2000-01-02')).length, 0);
      assert.equal((await q(`since=${new Date(Date.now() - 60_000).toISOString()}`)).length, 4);
      const seen: string[] = [];
      let next: string | undefined;
      do {
        const r = await get(`/api/v1/accounts/cdra/calls?limit=1${next ? `&after=${next}` : ''}`);
        assert.equal(r.status, 200);
        seen.push(...(r.body.items as Call[]).map((c) => c.id));
        next = r.body.next;
      } while (next);
      assert.equal(seen.length, 4);
      assert.equal(new Set(seen).size, 4);
      const bad = await get('/api/v1/accounts/cdra/calls?since=yesterday');
      assert.equal(bad.status, 422);
      assert.equal(bad.body.fields[0].field, 'since');
      assert.equal((await get('/api/v1/accounts/cdra/calls?after=nope')).body.fields[0].field, 'after');
      assert.equal((await get('/api/v1/accounts/cdra/calls?direction=sideways')).status, 400);
    });

    it('CSV export of every match, formula-safe', async () => {
      const r = await get('/api/v1/accounts/cdra/calls?format=csv&direction=outbound');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /text\/csv/);
      const lines = r.text.trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^startedAt,direction,from,to/);
      assert.match(lines[1]!, /,'\+61412345678,/);
    });

    it('retention: calls older than the account\'s days are deleted; callRetentionDays is validated', async () => {
      assert.equal((await s.api('GET', '/api/v1/accounts/cdra')).body.callRetentionDays, 365);
      const bad = await s.api('PATCH', '/api/v1/accounts/cdra', { callRetentionDays: 0 });
      assert.equal(bad.status, 422);
      assert.deepEqual(bad.body.fields, [{ field: 'callRetentionDays', reason: 'must be a whole number of days from 1 to 3650' }]);
      assert.equal((await s.api('PATCH', '/api/v1/accounts/cdra', { callRetentionDays: 30 })).status, 200);
      const job = callRetention(s.deps);
      assert.equal(await job.runOnce(new Date(Date.now() + 29 * 86_400_000)), 0);
      assert.equal(await job.runOnce(new Date(Date.now() + 31 * 86_400_000)), 4, 'cdra after 30 days');
      assert.equal((await get('/api/v1/accounts/cdrb/calls')).body.items.length, 1, 'cdrb keeps 365 days');
    });

    it('limits: maxExternalCalls on the account is provider-only; the routing document carries the limits', async () => {
      const om = await s.api('PATCH', '/api/v1/accounts/cdra', { maxExternalCalls: 50 }, as(t.people.om!));
      assert.equal(om.status, 403);
      assert.equal((await s.api('PATCH', '/api/v1/accounts/cdra', { maxExternalCalls: -1 })).body.fields[0].field, 'maxExternalCalls');
      assert.equal((await s.api('PATCH', '/api/v1/accounts/cdra', { maxExternalCalls: 2 })).body.maxExternalCalls, 2);
      const u = await s.api('PATCH', `/api/v1/accounts/cdra/users/${t.people.om!.id}`, { security: { maxExternalCalls: 1 } });
      assert.equal(u.status, 200, u.text);
      assert.equal(u.body.security.maxExternalCalls, 1);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/cdra/users/${t.people.om!.id}`, { security: { maxExternalCalls: 1.5 } })).status, 400);
      const route = await fetch(`${s.baseUrl}/sip/route?source=internal&realm=cdra.pbx.test&from=${sip['cdra:om']}&to=0412345678`, { headers: { 'x-switchboard-sip-secret': 'test-secret' } });
      const doc = (await route.json()) as { limits?: unknown };
      assert.deepEqual(doc.limits, { account: { key: t.accountId, max: 2 }, user: { key: t.people.om!.id, max: 1 } });
      const internal = await fetch(`${s.baseUrl}/sip/route?source=internal&realm=cdra.pbx.test&from=${sip['cdra:om']}&to=${ext['cdra:basic']}`, { headers: { 'x-switchboard-sip-secret': 'test-secret' } });
      assert.equal(((await internal.json()) as { limits?: unknown }).limits, undefined, 'internal calls are not limited');
    });

    it('/sip/call-event needs the secret; /metrics answers loopback, with counters and the routing histogram', async () => {
      assert.equal((await fetch(`${s.baseUrl}/sip/call-event?event=ended&callid=x`)).status, 403);
      assert.equal((await fetch(`${s.baseUrl}/sip/call-event?event=ended&callid=x`, { headers: { 'x-switchboard-sip-secret': 'test-secret' } })).status, 204);
      assert.equal((await fetch(`${s.baseUrl}/sip/call-event?event=nope&callid=x`, { headers: { 'x-switchboard-sip-secret': 'test-secret' } })).status, 400);
      const m = await fetch(`${s.baseUrl}/metrics`);
      assert.equal(m.status, 200);
      const text = await m.text();
      assert.match(text, /^switchboard_call_failures_total\{code="486"\} 1$/m);
      assert.match(text, /^switchboard_call_attempts_total\{direction="internal"\} 4$/m);
      assert.match(text, /^switchboard_sip_route_duration_seconds_count [1-9]/m);
      assert.match(text, /^# TYPE switchboard_active_calls gauge$/m);
    });
  });
}

describe('/metrics with a token', () => {
  it('401 without it, 200 with it', async () => {
    const s = await startTestServer('sqlite', { metricsToken: 'scrape-me' });
    try {
      assert.equal((await fetch(`${s.baseUrl}/metrics`)).status, 401);
      assert.equal((await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      assert.equal((await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: 'Bearer scrape-me' } })).status, 200);
    } finally {
      await s.close();
    }
  });
});
