import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { as, seedTenant, type Person, type Tenant } from '../../../test/support/tenants.ts';
import { callbackBackend, type CallbackBackend } from './service.ts';
import { MAX_PENDING_PER_CALLER } from './rules.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`callbacks API (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    let cb: CallbackBackend;
    let clock = new Date('2026-12-02T10:00:00.000Z');
    const ext: Record<string, string> = {};
    const P = (k: string) => t.people[k]!;
    const list = (p: Person, code = t.code) => `/api/v1/accounts/${code}/users/${p.id}/callbacks`;

    before(async () => {
      s = await startTestServer(kind);
      t = await seedTenant(s, 'cbacme');
      other = await seedTenant(s, 'cbglobex', { login: false });
      cb = callbackBackend(s.deps, { expiryMinutes: 30, clock: () => clock });
      for (const [k, p] of Object.entries(t.people)) {
        ext[k] = (await s.deps.database.db.selectFrom('users').select('extension').where('id', '=', p.id).executeTakeFirstOrThrow()).extension;
      }
    });
    after(async () => {
      await s?.close();
    });

    it('the feature server registers a request; the same pair again refreshes it; oneself is refused', async () => {
      const first = await cb.register(t.code, ext.basic!, ext.basicB!);
      assert.equal(first.outcome, 'created');
      clock = new Date(clock.getTime() + 60_000);
      const again = await cb.register(t.code, ext.basic!, ext.basicB!);
      assert.equal(again.outcome, 'refreshed');
      assert.equal(again.outcome === 'refreshed' && again.id, first.outcome === 'created' && first.id);
      assert.deepEqual(await cb.register(t.code, ext.basic!, ext.basic!), { outcome: 'refused', reason: 'self' });
      assert.deepEqual(await cb.register(t.code, ext.basic!, '9999'), { outcome: 'refused', reason: 'unknown' });
      assert.deepEqual(await cb.register('nosuch', ext.basic!, ext.basicB!), { outcome: 'refused', reason: 'unknown' });
      const r = await s.api('GET', list(P('basic')));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.items.length, 1);
      const [c] = r.body.items;
      assert.deepEqual([c.callerExtension, c.calleeExtension, c.state, c.attempts], [ext.basic, ext.basicB, 'pending', 0]);
      assert.equal(c.expiresAt, new Date(clock.getTime() + 30 * 60_000).toISOString(), 'the refresh pushed the expiry out');
    });

    it(`at most ${MAX_PENDING_PER_CALLER} pending per caller`, async () => {
      const callees = ['om', 'sm', 'sup', 'agent', 'simple', 'noportal'];
      const outcomes = [];
      for (const k of callees) outcomes.push((await cb.register(t.code, ext.basicC!, ext[k]!)).outcome);
      assert.deepEqual(outcomes, ['created', 'created', 'created', 'created', 'created', 'refused']);
    });

    it("the caller sees their own; a manager those of callers in their offices; others 403; another tenant 404", async () => {
      assert.equal((await s.api('GET', list(P('basic')), undefined, as(P('basic')))).status, 200);
      assert.equal((await s.api('GET', list(P('basic')), undefined, as(P('sm')))).status, 200, 'site manager of office A');
      assert.equal((await s.api('GET', list(P('basicC')), undefined, as(P('sm')))).status, 403, 'office C is not managed by sm');
      assert.equal((await s.api('GET', list(P('basic')), undefined, as(P('basicB')))).status, 403, 'another basic user');
      assert.equal((await s.api('GET', list(other.people.basic!, other.code), undefined, as(P('om')))).status, 404, 'another tenant');
      assert.equal((await s.api('GET', list(other.people.basic!, t.code), undefined, as(P('om')))).status, 404, "another tenant's user under our account");
      const mine = await s.api('GET', `/api/v1/accounts/${t.code}/callbacks`, undefined, as(P('basic')));
      assert.equal(mine.status, 200, mine.text);
      assert.deepEqual(new Set(mine.body.items.map((c: { callerUserId: string }) => c.callerUserId)), new Set([P('basic').id]));
      const sm = await s.api('GET', `/api/v1/accounts/${t.code}/callbacks?state=pending`, undefined, as(P('sm')));
      assert.deepEqual(sm.body.items.map((c: { callerExtension: string }) => c.callerExtension), [ext.basic], 'sm sees office A/B callers only, not basicC');
      const all = await s.api('GET', `/api/v1/accounts/${t.code}/callbacks`, undefined, as(P('om')));
      assert.equal(all.body.items.length, 1 + 5);
      assert.equal((await s.api('GET', `/api/v1/accounts/${other.code}/callbacks`, undefined, as(P('om')))).status, 404);
      const bad = await s.api('GET', `/api/v1/accounts/${t.code}/callbacks?state=bogus`);
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.text, /state/);
    });

    it('cancel: a lower role 403, another tenant 404, the caller 204 (audited); a finished one stays as it is', async () => {
      const [c] = (await s.api('GET', list(P('basic')))).body.items;
      const path = `${list(P('basic'))}/${c.id}`;
      assert.equal((await s.api('DELETE', path, undefined, as(P('basicB')))).status, 403);
      assert.equal((await s.api('DELETE', `${list(P('basic'))}/nope`, undefined, as(P('basic')))).status, 404);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/${other.code}/users/${P('basic').id}/callbacks/${c.id}`, undefined, as(P('om')))).status, 404);
      // the id must belong to the user in the path
      assert.equal((await s.api('DELETE', `${list(P('basicC'))}/${c.id}`, undefined, as(P('om')))).status, 404);
      assert.equal((await s.api('GET', list(P('basic')))).body.items[0].state, 'pending', 'nothing written by the refusals');
      const ok = await s.api('DELETE', path, undefined, as(P('basic')));
      assert.equal(ok.status, 204, ok.text);
      assert.equal((await s.api('GET', list(P('basic')))).body.items[0].state, 'cancelled');
      assert.equal((await s.api('DELETE', path, undefined, as(P('basic')))).status, 204);
      const audit = await s.api('GET', `/api/v1/accounts/${t.code}/audit?action=callback.cancelled`);
      assert.equal(audit.status, 200, audit.text);
      assert.equal(audit.body.items.length, 1, audit.text);
      // a Simple User may look at their own but not change anything
      assert.equal((await cb.register(t.code, ext.simple!, ext.om!)).outcome, 'created');
      const [sc] = (await s.api('GET', list(P('simple')), undefined, as(P('simple')))).body.items;
      assert.equal((await s.api('DELETE', `${list(P('simple'))}/${sc.id}`, undefined, as(P('simple')))).status, 403);
    });

    it('the dialer list closes expired requests (callback.expired); a new request for the pair is then possible', async () => {
      const before = (await cb.pending()).length;
      assert.ok(before >= 6, `pending ${before}`);
      clock = new Date(clock.getTime() + 31 * 60_000);
      assert.equal((await cb.pending()).length, 0);
      const states = (await s.api('GET', list(P('basicC')))).body.items.map((c: { state: string }) => c.state);
      assert.ok(states.length === 5 && states.every((x: string) => x === 'expired'), states.join());
      assert.equal((await cb.register(t.code, ext.basicC!, ext.om!)).outcome, 'created');
      const due = await cb.pending();
      assert.equal(due.length, 1);
      assert.deepEqual([due[0]!.caller_extension, due[0]!.callee_extension, due[0]!.account_code], [ext.basicC, ext.om, t.code]);
      await cb.attempted(due[0]!);
      await cb.completed(due[0]!);
      const [done] = (await s.api('GET', `${list(P('basicC'))}?state=completed`)).body.items;
      assert.deepEqual([done.state, done.attempts], ['completed', 1]);
    });

    it("the expiry is the account's setting (callbackExpiryMinutes, default 30; 1–1440, else 400/422 naming it)", async () => {
      const acct = `/api/v1/accounts/${t.code}`;
      assert.equal((await s.api('GET', acct)).body.callbackExpiryMinutes, 30);
      for (const bad of [0, 1441, 2.5]) {
        const r = await s.api('PATCH', acct, { callbackExpiryMinutes: bad });
        assert.ok(r.status === 400 || r.status === 422, `${bad}: ${r.status}`);
        assert.match(r.text, /callbackExpiryMinutes/);
      }
      assert.equal((await s.api('PATCH', acct, { callbackExpiryMinutes: 5 }, as(P('basic')))).status, 403, 'a Basic User cannot change the account');
      assert.equal((await s.api('PATCH', acct, { callbackExpiryMinutes: 5 })).body.callbackExpiryMinutes, 5);
      const live = callbackBackend(s.deps, { clock: () => clock });
      const r = await live.register(t.code, ext.sup!, ext.om!);
      assert.equal(r.outcome, 'created');
      assert.equal(r.outcome === 'created' && r.expiresAt, new Date(clock.getTime() + 5 * 60_000).toISOString());
    });

    it('deleting a user removes the callbacks they are part of', async () => {
      assert.equal((await cb.register(t.code, ext.agent!, ext.basicB!)).outcome, 'created');
      const del = await s.api('DELETE', `/api/v1/accounts/${t.code}/users/${P('basicB').id}?cascade=true`);
      assert.ok(del.status === 204 || del.status === 200, del.text);
      const n = await s.deps.database.db.selectFrom('callbacks').select('id').where('callee_user_id', '=', P('basicB').id).execute();
      assert.equal(n.length, 0);
    });
  });
}
