import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from './support/stores.ts';
import { startTestServer, type TestServer } from './support/http.ts';
import { as, login, seedTenant, type Tenant } from './support/tenants.ts';
import { unconfiguredMailer } from '../src/modules/auth/mailer.ts';

const PORTAL = 'https://portal.switchboard.test';
const LINK = /^https:\/\/portal\.switchboard\.test\/set-password#token=([A-Za-z0-9_%-]{30,})$/;

/** 'Copy set-password link': what a manager hands over when the server has no SMTP (or by choice). */
for (const { kind, skip } of await storeKinds()) {
  describe(`copyable set-password links without SMTP (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    const logs: string[] = [];

    before(async () => {
      s = await startTestServer(kind, {
        logLevel: 'trace',
        logStream: { write: (line: string) => void logs.push(line) },
        auth: { mailer: unconfiguredMailer(() => {}), portalUrl: PORTAL },
      });
      t = await seedTenant(s, 'acme');
      other = await seedTenant(s, 'globex');
    });
    after(() => s?.close());

    const link = (who: keyof Tenant['people'] | string, userId: string, tenant = t) => s.api('POST', `/api/v1/accounts/acme/users/${userId}/set-password-link`, undefined, as(tenant.people[who]!));

    test('without SMTP, send credentials says so and points at the link instead', async () => {
      const r = await s.api('POST', `/api/v1/accounts/acme/users/${t.people.basicB!.id}/send-credentials`, undefined, as(t.people.sm!));
      assert.equal(r.status, 503);
      assert.equal(r.body.error, 'mail_unavailable');
      assert.match(r.body.message, /set-password link/);
    });

    test('a Site Manager gets a single-use link on the PORTAL_URL host; it sets the password once, a second use fails', async () => {
      const basicB = t.people.basicB!;
      const r = await link('sm', basicB.id);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      const m = LINK.exec(r.body.link);
      assert.ok(m, r.body.link);
      const token = decodeURIComponent(m[1]!);
      assert.equal(r.body.email, basicB.email);
      const ttl = Date.parse(r.body.expiresAt) - Date.now();
      assert.ok(ttl > 71 * 3_600_000 && ttl <= 72 * 3_600_000, `expires in 72 hours, not ${ttl} ms`);
      const stored = await s.store.database.db.selectFrom('password_tokens').selectAll().where('user_id', '=', basicB.id).where('used_at', 'is', null).execute();
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.purpose, 'link');
      assert.ok(!JSON.stringify(stored).includes(token), 'only the hash is stored');

      const set = await s.api('POST', '/api/v1/auth/password-reset/confirm', { token, password: 'Linked-Pass-4821' }, {});
      assert.equal(set.status, 204, set.text);
      await login(s, 'acme', basicB.email, 'Linked-Pass-4821');
      const again = await s.api('POST', '/api/v1/auth/password-reset/confirm', { token, password: 'Other-Pass-9902' }, {});
      assert.equal(again.status, 422);
      assert.equal(again.body.fields[0].field, 'token');
      await assert.rejects(login(s, 'acme', basicB.email, 'Other-Pass-9902'), 'the second use changed nothing');

      // audited (that a link was made, by whom, until when), never the link itself; nor in the server log
      const audit = await s.api('GET', `/api/v1/accounts/acme/audit?resource=user&action=set_password_link_created&limit=50`, undefined, as(t.people.om!));
      assert.equal(audit.status, 200, audit.text);
      const entry = audit.body.items.find((e: { action: string; resourceId: string }) => e.resourceId === basicB.id);
      assert.ok(entry, audit.text);
      assert.match(entry.actor.label, /sm Person/);
      assert.ok(!audit.text.includes(token) && !audit.text.includes(m[1]!));
      assert.ok(logs.length > 0, 'the log was captured');
      assert.ok(!logs.join('\n').includes(m[1]!), 'the token is never logged');
    });

    test('a new link voids the older unused one', async () => {
      const first = await link('om', t.people.basicC!.id);
      const second = await link('om', t.people.basicC!.id);
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      const tok = (l: string) => decodeURIComponent(LINK.exec(l)![1]!);
      assert.equal((await s.api('POST', '/api/v1/auth/password-reset/confirm', { token: tok(first.body.link), password: 'Voided-Pass-7712' }, {})).status, 422);
      assert.equal((await s.api('POST', '/api/v1/auth/password-reset/confirm', { token: tok(second.body.link), password: 'Fresh-Pass-7712x' }, {})).status, 204);
    });

    test('an expired link fails', async () => {
      const r = await link('om', t.people.agent!.id);
      const token = decodeURIComponent(LINK.exec(r.body.link)![1]!);
      await s.store.database.db.updateTable('password_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('user_id', '=', t.people.agent!.id).where('used_at', 'is', null).execute();
      assert.equal((await s.api('POST', '/api/v1/auth/password-reset/confirm', { token, password: 'Late-Pass-55123' }, {})).status, 422);
    });

    test('only managers within reach, for people at or below them: lower role 403, another tenant 404', async () => {
      const tokens = async () => (await s.store.database.db.selectFrom('password_tokens').select('id').execute()).length;
      const before = await tokens();
      assert.equal((await link('basic', t.people.basic!.id)).status, 403, 'a Basic User, even for themself');
      assert.equal((await link('sup', t.people.basic!.id)).status, 403, 'a Call Center Supervisor');
      assert.equal((await link('sm', t.people.basicC!.id)).status, 403, "a Site Manager outside their offices");
      assert.equal((await link('sm', t.people.om!.id)).status, 403, 'a Site Manager for an Office Manager');
      assert.equal((await link('om', t.people.basic!.id, other)).status, 404, 'another tenant');
      assert.equal((await link('om', '00000000-0000-4000-8000-000000000099')).status, 404, 'no such user');
      const np = await link('om', t.people.noportal!.id);
      assert.equal(np.status, 422);
      assert.equal(np.body.fields[0].field, 'scope');
      assert.equal(await tokens(), before, 'no token issued by a refused request');
    });
  });

  describe(`set-password link with HOST=0.0.0.0 and no PORTAL_URL (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    before(async () => {
      // what server.ts derives from HOST=0.0.0.0 PORT=8080 when PORTAL_URL is unset
      s = await startTestServer(kind, { auth: { mailer: unconfiguredMailer(() => {}), portalUrl: 'http://0.0.0.0:8080' } });
      t = await seedTenant(s, 'acme', { login: false });
    });
    after(() => s?.close());

    test('is refused naming PORTAL_URL, and no token is issued', async () => {
      const r = await s.api('POST', `/api/v1/accounts/acme/users/${t.people.basic!.id}/set-password-link`);
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error, 'portal_url_unusable');
      assert.match(r.body.message, /PORTAL_URL/);
      assert.equal((await s.store.database.db.selectFrom('password_tokens').select('id').execute()).length, 0);
    });
  });
}
