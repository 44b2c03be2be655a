import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from './support/stores.ts';
import { startTestServer, type TestServer } from './support/http.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';
import { PASSWORD, as, login, seedTenant, type Tenant } from './support/tenants.ts';
import { smtpMailer } from '../src/modules/auth/mailer.ts';
import { createProviderAdmin } from '../src/modules/auth/service.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import { findOrphans } from './support/orphans.ts';

const PORTAL = 'https://portal.switchboard.test';

function linkToken(text: string): string {
  const m = /set-password#token=([A-Za-z0-9_%-]+)/.exec(text);
  assert.ok(m, `no set-password link in:\n${text}`);
  return decodeURIComponent(m[1]!);
}

async function median(n: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

for (const { kind, skip } of await storeKinds()) {
  describe(`portal login, passwords, API keys (${kind})`, { skip }, () => {
    let s: TestServer;
    let sink: SmtpSink;
    let t: Tenant;
    let other: Tenant;

    before(async () => {
      sink = await startSmtpSink();
      s = await startTestServer(kind, {
        auth: {
          mailer: smtpMailer({ host: '127.0.0.1', port: sink.port, from: 'Switchboard <pbx@switchboard.test>' }),
          portalUrl: PORTAL,
          failuresPerAccountAddress: { max: 5, windowMs: 60_000 },
          attemptsPerAddress: { max: 10_000, windowMs: 60_000 },
        },
      });
      t = await seedTenant(s, 'acme');
      other = await seedTenant(s, 'globex');
    });
    after(async () => {
      await s?.close();
      await sink?.close();
    });

    const userRow = (id: string) => s.store.database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    test('login sets an httpOnly SameSite=Strict session cookie and answers who you are, without secrets', async () => {
      const r = await s.api('POST', '/api/v1/auth/login', { account: 'acme', email: t.people.basic!.email, password: PASSWORD }, {});
      assert.equal(r.status, 200);
      const cookie = r.headers.get('set-cookie')!;
      assert.match(cookie, /^sb_session=[A-Za-z0-9_-]{40,};/);
      for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.includes(attr), attr);
      assert.ok(!cookie.includes('Secure'), 'plain http: no Secure flag');
      assert.deepEqual(
        { kind: r.body.actor.kind, scope: r.body.actor.scope, userId: r.body.actor.userId, accountCode: r.body.actor.accountCode, officeIds: r.body.actor.officeIds },
        { kind: 'user', scope: 'basic_user', userId: t.people.basic!.id, accountCode: 'acme', officeIds: [t.offices.A] },
      );
      assert.equal(r.body.user.id, t.people.basic!.id);
      assert.deepEqual(r.body.permissions, { 'account.read': 'account', 'office.read': 'account', 'user.read': 'self', 'user.update': 'self', 'user.credentials': 'self', 'user.password': 'self', 'device.read': 'self', 'voicemail.read': 'self', 'voicemail.manage': 'self', 'call.read': 'self' }, 'the matrix row, for the portal');
      assert.equal(r.body.account.code, 'acme');
      const row = await userRow(t.people.basic!.id);
      for (const secret of [row.sip_password, row.vm_pin!, row.portal_password_hash!, PASSWORD]) assert.ok(!r.text.includes(secret), 'no secret in the answer');
      const token = decodeURIComponent(cookie.split(';')[0]!.split('=')[1]!);
      const stored = await s.store.database.db.selectFrom('sessions').select('id').where('user_id', '=', t.people.basic!.id).execute();
      assert.ok(stored.length >= 1 && stored.every((x) => x.id !== token), 'the session token itself is not stored');
    });

    test('account code and email are case-insensitive', async () => {
      const r = await s.api('POST', '/api/v1/auth/login', { account: ' ACME ', email: t.people.basic!.email.toUpperCase(), password: PASSWORD }, {});
      assert.equal(r.status, 200);
    });

    test('wrong password, unknown email, unknown account, no password set: the same 401, in comparable time', async () => {
      const noPw = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Nopass', email: 'nopass@acme.test', officeId: t.offices.A });
      assert.equal(noPw.status, 201);
      const attempts = [
        { account: 'acme', email: t.people.basic!.email, password: 'Wrong-Password-1' },
        { account: 'acme', email: 'nobody@acme.test', password: PASSWORD },
        { account: 'nosuchaccount', email: t.people.basic!.email, password: PASSWORD },
        { account: 'acme', email: 'nopass@acme.test', password: PASSWORD },
      ];
      const bodies = new Set<string>();
      for (const a of attempts) {
        const r = await s.api('POST', '/api/v1/auth/login', a, {});
        assert.equal(r.status, 401, JSON.stringify(a));
        assert.equal(r.body.error, 'invalid_credentials');
        assert.equal(r.headers.get('set-cookie'), null);
        bodies.add(r.text);
      }
      assert.equal(bodies.size, 1, 'one answer for every wrong credential');
      // The unknown account still pays for an argon2 verification (a DB miss alone is ~1 ms vs tens of ms).
      const wrong = await median(5, () => s.api('POST', '/api/v1/auth/login', { account: 'globex', email: other.people.basic!.email, password: 'Wrong-Password-2' }, {}));
      const unknown = await median(5, () => s.api('POST', '/api/v1/auth/login', { account: 'nosuch2', email: 'x@y.test', password: 'Wrong-Password-2' }, {}));
      assert.ok(unknown > wrong * 0.25, `unknown account answered in ${unknown.toFixed(1)} ms vs ${wrong.toFixed(1)} ms for a wrong password`);
    });

    test('No Portal and disabled users cannot log in (403 after a right password)', async () => {
      const r = await s.api('POST', '/api/v1/auth/login', { account: 'acme', email: t.people.noportal!.email, password: PASSWORD }, {});
      assert.equal(r.status, 403);
      assert.equal(r.headers.get('set-cookie'), null);
      const off = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Off', email: 'off@acme.test', officeId: t.offices.A, enabled: false });
      await s.api('PUT', `/api/v1/accounts/acme/users/${off.body.id}/password`, { password: PASSWORD });
      assert.equal((await s.api('POST', '/api/v1/auth/login', { account: 'acme', email: 'off@acme.test', password: PASSWORD }, {})).status, 403);
    });

    test('me needs a session; logout deletes it server-side', async () => {
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, {})).status, 401);
      const cookie = await login(s, 'acme', t.people.agent!.email);
      const me = await s.api('GET', '/api/v1/auth/me', undefined, { cookie });
      assert.equal(me.status, 200);
      assert.equal(me.body.actor.scope, 'call_center_agent');
      const before = await s.store.database.db.selectFrom('sessions').select('id').where('user_id', '=', t.people.agent!.id).execute();
      const out = await s.api('POST', '/api/v1/auth/logout', undefined, { cookie, 'x-requested-with': 'switchboard' });
      assert.equal(out.status, 204);
      assert.match(out.headers.get('set-cookie')!, /sb_session=;.*Max-Age=0/);
      const afterRows = await s.store.database.db.selectFrom('sessions').select('id').where('user_id', '=', t.people.agent!.id).execute();
      assert.equal(afterRows.length, before.length - 1);
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { cookie })).status, 401);
    });

    test('body-less writes from the portal may carry content-type: application/json (empty body = no body)', async () => {
      const cookie = await login(s, 'acme', t.people.sup!.email);
      const res = await fetch(`${s.baseUrl}/api/v1/auth/logout`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' } });
      assert.equal(res.status, 204);
      const broken = await fetch(`${s.baseUrl}/api/v1/accounts/acme/offices`, { method: 'POST', headers: { cookie: t.people.om!.cookie!, 'content-type': 'application/json' }, body: '{"name": ' });
      assert.equal(broken.status, 400, 'malformed JSON is still refused');
      const poisoned = await fetch(`${s.baseUrl}/api/v1/accounts/acme/offices`, { method: 'POST', headers: { cookie: t.people.om!.cookie!, 'content-type': 'application/json' }, body: '{"__proto__":{"admin":true},"name":"P","timezone":"UTC"}' });
      assert.equal(poisoned.status, 400, 'prototype poisoning is still refused');
    });

    test("the account code 'provider' is reserved for provider administrators", async () => {
      const r = await s.api('POST', '/api/v1/accounts', { code: 'provider', name: 'Sneaky', sipRealm: 'provider.pbx.test', country: 'AU' });
      assert.equal(r.status, 422);
      assert.equal(r.body.fields[0].field, 'code');
    });

    test('a scope change applies to existing sessions at once', async () => {
      const u = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Demoted', email: 'demoted@acme.test', officeId: t.offices.A, scope: 'basic_user' });
      await s.api('PUT', `/api/v1/accounts/acme/users/${u.body.id}/password`, { password: PASSWORD });
      const cookie = await login(s, 'acme', 'demoted@acme.test');
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { cookie })).status, 200);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/acme/users/${u.body.id}`, { scope: 'no_portal' }, as(t.people.om!))).status, 200);
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { cookie })).status, 401);
    });

    test('passwords: set, never read back, argon2id at rest; weak ones refused naming the field', async () => {
      const basic = t.people.basic!;
      const weak = await s.api('PUT', `/api/v1/accounts/acme/users/${basic.id}/password`, { password: 'password123' }, as(basic));
      assert.equal(weak.status, 422);
      assert.deepEqual(weak.body.fields.map((f: { field: string }) => f.field), ['password']);
      const hashBefore = (await userRow(basic.id)).portal_password_hash;
      const otherSession = await login(s, 'acme', basic.email);
      const ok = await s.api('PUT', `/api/v1/accounts/acme/users/${basic.id}/password`, { password: 'New-Strong-Pass-7' }, as(basic));
      assert.equal(ok.status, 204);
      const row = await userRow(basic.id);
      assert.notEqual(row.portal_password_hash, hashBefore);
      assert.match(row.portal_password_hash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      const got = await s.api('GET', `/api/v1/accounts/acme/users/${basic.id}`);
      assert.equal(got.body.portalPasswordSet, true);
      assert.ok(!got.text.includes('argon2') && !got.text.includes('New-Strong-Pass-7'));
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { cookie: basic.cookie! })).status, 200, 'the session that changed it stays');
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { cookie: otherSession })).status, 401, 'other sessions end');
      assert.equal((await s.api('POST', '/api/v1/auth/login', { account: 'acme', email: basic.email, password: PASSWORD }, {})).status, 401);
      basic.cookie = await login(s, 'acme', basic.email, 'New-Strong-Pass-7');
    });

    test('administrators set passwords within their reach only', async () => {
      const { sm, om, basicB, basicC, basic } = t.people;
      assert.equal((await s.api('PUT', `/api/v1/accounts/acme/users/${basicB!.id}/password`, { password: 'Site-Set-Pass-1' }, as(sm!))).status, 204, 'managed office B');
      assert.equal((await s.api('PUT', `/api/v1/accounts/acme/users/${basicC!.id}/password`, { password: 'Site-Set-Pass-1' }, as(sm!))).status, 403, 'office C is not theirs');
      assert.equal((await s.api('PUT', `/api/v1/accounts/acme/users/${om!.id}/password`, { password: 'Site-Set-Pass-1' }, as(sm!))).status, 403, 'higher scope');
      assert.equal((await s.api('PUT', `/api/v1/accounts/acme/users/${basicC!.id}/password`, { password: 'Site-Set-Pass-1' }, as(basic!))).status, 403, 'not their own');
      assert.equal((await s.api('PUT', `/api/v1/accounts/acme/users/${basicC!.id}/password`, { password: 'Site-Set-Pass-1' }, as(other.people.om!))).status, 404, 'other tenant');
      assert.equal((await s.api('PUT', `/api/v1/accounts/acme/users/${basicC!.id}/password`, { password: PASSWORD }, as(om!))).status, 204);
      basicB!.cookie = await login(s, 'acme', basicB!.email, 'Site-Set-Pass-1');
    });

    test('password reset: 202 always, a single-use expiring link by email, sessions end', async () => {
      const basicC = t.people.basicC!;
      const n0 = sink.messages.length;
      const unknown = await s.api('POST', '/api/v1/auth/password-reset', { account: 'acme', email: 'ghost@acme.test' }, {});
      assert.equal(unknown.status, 202);
      const noAccount = await s.api('POST', '/api/v1/auth/password-reset', { account: 'ghost', email: basicC.email }, {});
      assert.equal(noAccount.status, 202);
      const r = await s.api('POST', '/api/v1/auth/password-reset', { account: 'acme', email: basicC.email }, {});
      assert.equal(r.status, 202);
      const mail = await sink.waitFor((m) => m.to.includes(basicC.email) && /Reset/.test(m.subject));
      assert.equal(sink.messages.slice(n0).filter((m) => m.to.includes('ghost@acme.test')).length, 0, 'nothing sent for an unknown email');
      assert.ok(mail.text.includes(`${PORTAL}/set-password#token=`));
      const token = linkToken(mail.text);
      const weak = await s.api('POST', '/api/v1/auth/password-reset/confirm', { token, password: 'weakweak' }, {});
      assert.equal(weak.status, 422);
      assert.equal(weak.body.fields[0].field, 'password');
      const ok = await s.api('POST', '/api/v1/auth/password-reset/confirm', { token, password: 'Reset-Done-Pass-3' }, {});
      assert.equal(ok.status, 204);
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { cookie: basicC.cookie! })).status, 401, 'old sessions end');
      const again = await s.api('POST', '/api/v1/auth/password-reset/confirm', { token, password: 'Reset-Again-Pass-4' }, {});
      assert.equal(again.status, 422);
      assert.equal(again.body.fields[0].field, 'token');
      basicC.cookie = await login(s, 'acme', basicC.email, 'Reset-Done-Pass-3');
      // An expired token is refused.
      await s.api('POST', '/api/v1/auth/password-reset', { account: 'acme', email: basicC.email }, {});
      const mail2 = await sink.waitFor((m) => m !== mail && m.to.includes(basicC.email) && /Reset/.test(m.subject));
      await s.store.database.db.updateTable('password_tokens').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('user_id', '=', basicC.id).execute();
      const expired = await s.api('POST', '/api/v1/auth/password-reset/confirm', { token: linkToken(mail2.text), password: 'Expired-Pass-55' }, {});
      assert.equal(expired.status, 422);
    });

    test("'send credentials': account code, login email, portal and a set-password link, never the SIP password or PIN", async () => {
      const basicB = t.people.basicB!;
      const r = await s.api('POST', `/api/v1/accounts/acme/users/${basicB.id}/send-credentials`, undefined, as(t.people.sm!));
      assert.equal(r.status, 202);
      const mail = await sink.waitFor((m) => m.to.includes(basicB.email) && /login/.test(m.subject));
      assert.equal(mail.from, 'pbx@switchboard.test');
      for (const expected of ['Account name:  acme', `Login email:   ${basicB.email}`, `Portal:        ${PORTAL}/`]) assert.ok(mail.text.includes(expected), expected);
      const row = await userRow(basicB.id);
      assert.ok(!mail.raw.includes(row.sip_password), 'no SIP password');
      assert.ok(!mail.raw.includes('8642'), 'no voicemail PIN');
      assert.ok(!mail.raw.includes('Site-Set-Pass-1'), 'no portal password');
      const set = await s.api('POST', '/api/v1/auth/password-reset/confirm', { token: linkToken(mail.text), password: 'Invited-Pass-88' }, {});
      assert.equal(set.status, 204);
      await login(s, 'acme', basicB.email, 'Invited-Pass-88');
      const noEmail = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Lobby', officeId: t.offices.A, email: null });
      const e1 = await s.api('POST', `/api/v1/accounts/acme/users/${noEmail.body.id}/send-credentials`, undefined, as(t.people.om!));
      assert.equal(e1.status, 422);
      assert.equal(e1.body.fields[0].field, 'email');
      const e2 = await s.api('POST', `/api/v1/accounts/acme/users/${t.people.noportal!.id}/send-credentials`, undefined, as(t.people.om!));
      assert.equal(e2.status, 422);
      assert.equal(e2.body.fields[0].field, 'scope');
    });

    test('API keys: shown once, hashed at rest, scoped, revocable', async () => {
      const om = t.people.om!;
      const created = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'ci', scope: 'site_manager', officeIds: [t.offices.B] }, as(om));
      assert.equal(created.status, 201);
      const key: string = created.body.key;
      assert.match(key, /^sbk_[A-Za-z0-9_-]{32}$/);
      const rows = await s.store.database.db.selectFrom('api_keys').selectAll().where('id', '=', created.body.id).execute();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(key.slice(4)), 'only a hash is stored');
      const list = await s.api('GET', '/api/v1/accounts/acme/api-keys', undefined, as(om));
      assert.ok(list.body.items.some((k: { id: string }) => k.id === created.body.id));
      assert.ok(!list.text.includes(key), 'never listed');
      const bearer = { authorization: `Bearer ${key}` };
      const me = await s.api('GET', '/api/v1/auth/me', undefined, bearer);
      assert.deepEqual([me.body.actor.scope, me.body.actor.officeIds], ['site_manager', [t.offices.B]]);
      const users = await s.api('GET', '/api/v1/accounts/acme/users?limit=500', undefined, bearer);
      assert.equal(users.status, 200);
      assert.ok(users.body.items.length > 0 && users.body.items.every((u: { officeId: string }) => u.officeId === t.offices.B), 'only office B');
      assert.equal((await s.api('POST', '/api/v1/accounts/acme/numbers', { number: '02 9000 1111' }, bearer)).status, 403, 'a site_manager key cannot add numbers');
      assert.equal((await s.api('GET', '/api/v1/accounts/globex/users', undefined, bearer)).status, 404, 'nor see another tenant');
      assert.equal((await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'child' }, bearer)).status, 403, 'keys cannot mint keys');
      const del = await s.api('DELETE', `/api/v1/accounts/acme/api-keys/${created.body.id}`, undefined, as(om));
      assert.equal(del.status, 204);
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, bearer)).status, 401, 'revoked at once');
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/api-keys/${created.body.id}`, undefined, as(om))).status, 404);
    });

    test('API keys: never above the creator; a Site Manager sees and revokes only their own', async () => {
      const { sm, om } = t.people;
      const above = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'x', scope: 'office_manager' }, as(sm!));
      assert.equal(above.status, 422);
      assert.equal(above.body.fields[0].field, 'scope');
      const outside = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'x', scope: 'site_manager', officeIds: [t.offices.C] }, as(sm!));
      assert.equal(outside.status, 422);
      assert.equal(outside.body.fields[0].field, 'officeIds');
      const mine = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'sm-key' }, as(sm!));
      assert.equal(mine.status, 201);
      assert.deepEqual([mine.body.scope, mine.body.userId, [...mine.body.officeIds].sort()], ['site_manager', sm!.id, [t.offices.A, t.offices.B].sort()]);
      const omKey = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'om-key' }, as(om!));
      const smList = await s.api('GET', '/api/v1/accounts/acme/api-keys', undefined, as(sm!));
      assert.deepEqual(
        smList.body.items.map((k: { name: string }) => k.name),
        ['sm-key'],
      );
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/api-keys/${omKey.body.id}`, undefined, as(sm!))).status, 403);
      // The key acts as its user: when the user is demoted, the key is too; when deleted, it stops.
      const k = { authorization: `Bearer ${mine.body.key}` };
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, k)).body.actor.scope, 'site_manager');
      const temp = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Temp', email: 'temp@acme.test', officeId: t.offices.A, scope: 'site_manager' });
      await s.api('PUT', `/api/v1/accounts/acme/users/${temp.body.id}/password`, { password: PASSWORD });
      const tempKey = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'temp' }, { cookie: await login(s, 'acme', 'temp@acme.test'), 'content-type': 'application/json' }).catch(() => null);
      assert.ok(tempKey);
      const tk = { authorization: `Bearer ${tempKey.body.key}` };
      await s.api('PATCH', `/api/v1/accounts/acme/users/${temp.body.id}`, { scope: 'basic_user' });
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, tk)).body.actor.scope, 'basic_user');
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/users/${temp.body.id}`)).status, 204);
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, tk)).status, 401);
    });

    test('CSRF: cookie-authenticated writes without JSON or x-requested-with are refused', async () => {
      const om = t.people.om!;
      const asForm = await fetch(`${s.baseUrl}/api/v1/accounts/acme/offices`, { method: 'POST', headers: { cookie: om.cookie!, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Evil&timezone=UTC' });
      assert.equal(asForm.status, 403);
      const asText = await fetch(`${s.baseUrl}/api/v1/accounts/acme/users/${t.people.basic!.id}`, { method: 'DELETE', headers: { cookie: om.cookie! } });
      assert.equal(asText.status, 403);
      assert.equal((await s.api('GET', `/api/v1/accounts/acme/users/${t.people.basic!.id}`)).status, 200, 'still there');
      const json = await s.api('PATCH', `/api/v1/accounts/acme/offices/${t.offices.C}`, { areaCode: '08' }, { cookie: om.cookie! });
      assert.equal(json.status, 200, 'JSON is fine');
      const bearerOnly = await fetch(`${s.baseUrl}/api/v1/accounts/acme/api-keys/${'0'.repeat(8)}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.providerKey}` } });
      assert.equal(bearerOnly.status, 404, 'API clients without cookies are not affected');
    });

    test("Site Manager offices: default their own, set by an Office Manager, effective at once", async () => {
      const { sm, om } = t.people;
      const listed = await s.api('GET', '/api/v1/accounts/acme/users?limit=500', undefined, as(sm!));
      const officeSet = new Set(listed.body.items.map((u: { officeId: string }) => u.officeId));
      assert.deepEqual([...officeSet].sort(), [t.offices.A, t.offices.B].sort());
      assert.equal((await s.api('PUT', `/api/v1/accounts/acme/users/${sm!.id}/offices`, { officeIds: [t.offices.C] }, as(sm!))).status, 403, 'not by themselves');
      const bad = await s.api('PUT', `/api/v1/accounts/acme/users/${sm!.id}/offices`, { officeIds: [other.offices.A] }, as(om!));
      assert.equal(bad.status, 422);
      assert.equal(bad.body.fields[0].field, 'officeIds');
      const notSm = await s.api('PUT', `/api/v1/accounts/acme/users/${t.people.basic!.id}/offices`, { officeIds: [t.offices.C] }, as(om!));
      assert.equal(notSm.status, 422);
      const ok = await s.api('PUT', `/api/v1/accounts/acme/users/${sm!.id}/offices`, { officeIds: [t.offices.C] }, as(om!));
      assert.deepEqual(ok.body, { officeIds: [t.offices.C], explicit: true });
      const now = await s.api('GET', '/api/v1/accounts/acme/users?limit=500', undefined, as(sm!));
      assert.ok(now.body.items.every((u: { officeId: string }) => u.officeId === t.offices.C));
      const reset = await s.api('PUT', `/api/v1/accounts/acme/users/${sm!.id}/offices`, { officeIds: [] }, as(om!));
      assert.deepEqual(reset.body, { officeIds: [t.offices.A], explicit: false });
      await s.api('PUT', `/api/v1/accounts/acme/users/${sm!.id}/offices`, { officeIds: [t.offices.A, t.offices.B] }, as(om!));
    });

    test("a deleted user's sessions, keys, reset tokens and office grants go with them; no orphan is left", async () => {
      const om = t.people.om!;
      const d = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Darwin', timezone: 'Australia/Darwin' }, as(om));
      const u = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Leaving', email: 'leaving@acme.test', officeId: t.offices.A, scope: 'site_manager' }, as(om));
      await s.api('PUT', `/api/v1/accounts/acme/users/${u.body.id}/password`, { password: PASSWORD }, as(om));
      await s.api('PUT', `/api/v1/accounts/acme/users/${u.body.id}/offices`, { officeIds: [t.offices.A, d.body.id] }, as(om));
      const cookie = await login(s, 'acme', 'leaving@acme.test');
      const key = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'leaving' }, { cookie, 'content-type': 'application/json' });
      assert.equal(key.status, 201);
      await s.api('POST', '/api/v1/auth/password-reset', { account: 'acme', email: 'leaving@acme.test' }, {});
      const usage = await s.api('GET', `/api/v1/accounts/acme/users/${u.body.id}/usage`, undefined, as(om));
      assert.equal(usage.status, 200);
      assert.ok(usage.body.items.some((i: { kind: string; removal: string }) => i.kind === 'api_key' && i.removal === 'with_resource'), 'Usage names the API key, removed with the user');
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/offices/${d.body.id}`, undefined, as(om))).status, 204);
      assert.deepEqual((await s.api('GET', `/api/v1/accounts/acme/users/${u.body.id}/offices`, undefined, as(om))).body.officeIds, [t.offices.A]);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/users/${u.body.id}`, undefined, as(om))).status, 204);
      const db = s.store.database.db;
      for (const table of ['sessions', 'api_keys', 'password_tokens', 'user_offices'] as const) {
        assert.equal((await db.selectFrom(table).select('user_id').where('user_id', '=', u.body.id).execute()).length, 0, table);
      }
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { cookie })).status, 401);
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${key.body.key}` })).status, 401);
      assert.deepEqual(await findOrphans(s.store.database), []);
    });

    test("provider administrators log in with account 'provider' and search every account ('domain quick launch')", async () => {
      await createProviderAdmin(s.deps, SYSTEM_ACTOR, 'ops@provider.test', 'Provider-Ops-Pass-1');
      const weak = await createProviderAdmin(s.deps, SYSTEM_ACTOR, 'weak@provider.test', 'short').catch((e: { status: number }) => e.status);
      assert.equal(weak, 422);
      const r = await s.api('POST', '/api/v1/auth/login', { account: 'provider', email: 'ops@provider.test', password: 'Provider-Ops-Pass-1' }, {});
      assert.equal(r.status, 200);
      assert.equal(r.body.actor.kind, 'provider');
      const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
      const search = await s.api('GET', '/api/v1/accounts?q=glob', undefined, { cookie });
      assert.deepEqual(
        search.body.items.map((a: { code: string }) => a.code),
        ['globex'],
      );
      const all = await s.api('GET', '/api/v1/accounts', undefined, { cookie });
      assert.deepEqual(all.body.items.map((a: { code: string }) => a.code).sort(), ['acme', 'globex']);
      const omView = await s.api('GET', '/api/v1/accounts', undefined, as(t.people.om!));
      assert.deepEqual(
        omView.body.items.map((a: { code: string }) => a.code),
        ['acme'],
      );
      assert.equal((await s.api('POST', '/api/v1/auth/login', { account: 'provider', email: 'ops@provider.test', password: 'nope-nope-nope' }, {})).status, 401);
    });

    test('failed logins are rate limited per account and address: 429 with Retry-After', async () => {
      await s.api('POST', '/api/v1/accounts', { code: 'umbrella', name: 'Umbrella', sipRealm: 'umbrella.pbx.test', country: 'AU' });
      const office = await s.api('POST', '/api/v1/accounts/umbrella/offices', { name: 'HQ', timezone: 'UTC' });
      const email = 'alice@umbrella.test';
      const u = await s.api('POST', '/api/v1/accounts/umbrella/users', { firstName: 'Alice', email, officeId: office.body.id });
      await s.api('PUT', `/api/v1/accounts/umbrella/users/${u.body.id}/password`, { password: PASSWORD });
      for (let i = 0; i < 5; i++) assert.equal((await s.api('POST', '/api/v1/auth/login', { account: 'umbrella', email, password: 'Wrong-Guess-0' }, {})).status, 401);
      const blocked = await s.api('POST', '/api/v1/auth/login', { account: 'umbrella', email, password: PASSWORD }, {});
      assert.equal(blocked.status, 429, 'even the right password, while blocked');
      assert.equal(blocked.body.error, 'rate_limited');
      const retry = Number(blocked.headers.get('retry-after'));
      assert.ok(retry > 0 && retry <= 60, `Retry-After ${retry}`);
      assert.equal((await s.api('POST', '/api/v1/auth/login', { account: 'acme', email: t.people.simple!.email, password: PASSWORD }, {})).status, 200, 'another account from the same address is unaffected');
    });
  });
}
