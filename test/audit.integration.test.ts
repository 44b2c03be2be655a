import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { storeKinds } from './support/stores.ts';
import { startTestServer, type TestServer } from './support/http.ts';
import { PASSWORD, as, seedTenant, type Tenant } from './support/tenants.ts';
import { fakeMailer } from '../src/modules/auth/mailer.ts';

/** An audit entry as the API returns it (before/after are whatever the change carried). */
interface Entry {
  id: string;
  at: string;
  accountId: string | null;
  actor: { kind: string; id: string; label: string; role: string };
  action: string;
  resource: string;
  resourceId: string;
  source: string | null;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

for (const { kind, skip } of await storeKinds()) {
  describe(`audit log (${kind})`, { skip }, () => {
    let s: TestServer;
    let acme: Tenant;
    let globex: Tenant;
    const secrets: string[] = [PASSWORD];
    let t0: string;

    before(async () => {
      s = await startTestServer(kind, { auth: { mailer: fakeMailer(), attemptsPerAddress: { max: 10_000, windowMs: 60_000 } } });
      acme = await seedTenant(s, 'acme');
      globex = await seedTenant(s, 'globex');
      t0 = new Date().toISOString();
      const om = acme.people.om!;
      // A spread of changes by a portal user, some carrying secrets.
      const u = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Audited', email: 'audited@acme.test', officeId: acme.offices.A, voicemail: { pin: '97531' } }, as(om));
      secrets.push('97531', u.body.sipPassword);
      await s.api('PATCH', `/api/v1/accounts/acme/users/${u.body.id}`, { department: 'Sales', voicemail: { pin: '86420' } }, as(om));
      secrets.push('86420');
      const regen = await s.api('POST', `/api/v1/accounts/acme/users/${u.body.id}/sip-password`, undefined, as(om));
      secrets.push(regen.body.sipPassword);
      await s.api('PUT', `/api/v1/accounts/acme/users/${u.body.id}/password`, { password: 'Audit-Me-Pass-31' }, as(om));
      secrets.push('Audit-Me-Pass-31');
      const key = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'audit-key' }, as(om));
      secrets.push(key.body.key);
      await s.api('DELETE', `/api/v1/accounts/acme/api-keys/${key.body.id}`, undefined, as(om));
      await s.api('POST', '/api/v1/accounts/acme/offices', { name: '=HYPERLINK("http://evil.test")', timezone: 'UTC' }, as(om));
      await s.api('PATCH', `/api/v1/accounts/globex/offices/${globex.offices.A}`, { areaCode: '07' }, as(globex.people.om!));
      const hashes = await s.store.database.db.selectFrom('users').select('portal_password_hash').execute();
      for (const h of hashes) if (h.portal_password_hash) secrets.push(h.portal_password_hash);
    });
    after(() => s?.close());

    const entries = async (query: string, who = acme.people.om!) => {
      const r = await s.api('GET', `/api/v1/accounts/acme/audit${query}`, undefined, as(who));
      assert.equal(r.status, 200, r.text);
      return r.body as { items: Entry[]; next?: string };
    };

    test('every change is recorded: who, role, account, resource, before/after, source address, time', async () => {
      const { items } = await entries(`?since=${encodeURIComponent(t0)}&limit=1000`);
      const types = items.map((e) => `${e.resource}.${e.action}`);
      for (const t of ['user.created', 'user.updated', 'user.voicemail_pin_set', 'user.sip_password_regenerated', 'user.password_set', 'apikey.created', 'apikey.revoked', 'office.created']) assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
      // A PIN replaced by another PIN: recorded as its own action, with who and when, and no value.
      const pin = items.find((e) => e.resource === 'user' && e.action === 'voicemail_pin_set')!;
      assert.equal(pin.actor.id, acme.people.om!.id);
      assert.equal(JSON.stringify([pin.before, pin.after]).includes('86420'), false);
      const upd = items.find((e) => e.resource === 'user' && e.action === 'updated')!;
      assert.deepEqual(upd.actor, { kind: 'user', id: acme.people.om!.id, label: upd.actor.label, role: 'office_manager' });
      assert.match(upd.actor.label, /om Person <om@acme\.test> \(Office Manager\)/);
      assert.equal(upd.accountId, acme.accountId);
      assert.equal(upd.source, '127.0.0.1');
      assert.ok(Date.parse(upd.at) >= Date.parse(t0));
      assert.deepEqual(upd.before.department, null);
      assert.deepEqual(upd.after.department, 'Sales');
      assert.ok(!('firstName' in upd.after), 'only what changed');
      assert.ok(items.every((e) => e.accountId === acme.accountId), "only this account's entries");
    });

    test('no secret reaches the audit log, its API or its CSV export', async () => {
      const rows = await s.store.database.db.selectFrom('audit_log').selectAll().execute();
      const dump = JSON.stringify(rows);
      const api = JSON.stringify(await entries('?limit=1000'));
      const csv = await (await fetch(`${s.baseUrl}/api/v1/accounts/acme/audit?format=csv`, { headers: as(acme.people.om!) })).text();
      for (const secret of secrets) {
        assert.ok(!dump.includes(secret), `secret ${secret.slice(0, 6)}… in the table`);
        assert.ok(!api.includes(secret), 'in the API');
        assert.ok(!csv.includes(secret), 'in the CSV');
      }
    });

    test('filters: resource, action, actor, since/until; keyset pages', async () => {
      const users = await entries('?resource=user&limit=1000');
      assert.ok(users.items.length > 0 && users.items.every((e) => e.resource === 'user'));
      const created = await entries('?action=user.created&limit=1000');
      assert.ok(created.items.length >= 10 && created.items.every((e) => e.resource === 'user' && e.action === 'created'));
      const verb = await entries('?action=revoked');
      assert.deepEqual(
        verb.items.map((e) => e.resource),
        ['apikey'],
      );
      const byActor = await entries('?actor=om@acme.test&limit=1000');
      assert.ok(byActor.items.length > 0 && byActor.items.every((e) => e.actor.label.includes('om@acme.test')));
      const byId = await entries(`?actor=${acme.people.om!.id}&limit=1000`);
      assert.ok(byId.items.length > 0 && byId.items.every((e) => e.actor.id === acme.people.om!.id));
      const none = await entries(`?until=${encodeURIComponent('2000-01-01T00:00:00Z')}`);
      assert.deepEqual(none.items, []);
      const all = await entries('?limit=1000');
      const seen: string[] = [];
      let next: string | undefined;
      do {
        const page = await entries(`?limit=7${next ? `&after=${encodeURIComponent(next)}` : ''}`);
        assert.ok(page.items.length <= 7);
        seen.push(...page.items.map((e) => e.id));
        next = page.next;
      } while (next);
      assert.deepEqual(seen, all.items.map((e) => e.id), 'pages walk the whole log newest first, no gaps or repeats');
      const bad = await s.api('GET', '/api/v1/accounts/acme/audit?since=yesterday', undefined, as(acme.people.om!));
      assert.equal(bad.status, 400);
    });

    test('CSV export: every matching entry, formula cells neutralised', async () => {
      const res = await fetch(`${s.baseUrl}/api/v1/accounts/acme/audit?format=csv&resource=office`, { headers: as(acme.people.om!) });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/csv/);
      assert.match(res.headers.get('content-disposition')!, /attachment; filename="audit-acme\.csv"/);
      const rows = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
      const json = await entries('?resource=office&limit=1000');
      assert.equal(rows.length, json.items.length);
      assert.deepEqual(Object.keys(rows[0]!), ['at', 'accountId', 'actorKind', 'actorId', 'actor', 'role', 'resource', 'action', 'resourceId', 'source', 'before', 'after']);
      const evil = rows.find((r) => (r.after ?? '').includes('HYPERLINK'))!;
      assert.equal(evil.role, 'office_manager');
      assert.ok(!Object.values(evil).some((v) => v.startsWith('=')), 'no cell starts with =');
    });

    test('logins are recorded, failed ones too', async () => {
      await s.api('POST', '/api/v1/auth/login', { account: 'acme', email: 'sup@acme.test', password: 'Not-The-Pass-9' }, {});
      const failed = await entries('?resource=session&action=login_failed');
      assert.ok(failed.items.some((e) => e.actor.id === 'sup@acme.test' && e.source === '127.0.0.1'));
      const ok = await entries('?resource=session&action=login&limit=1000');
      assert.ok(ok.items.some((e) => e.resourceId === acme.people.basic!.id));
    });

    test('the provider reads every account, or one; Office Managers only their own', async () => {
      const ops = await s.api('GET', '/api/v1/audit?limit=1000');
      assert.equal(ops.status, 200);
      const accounts = new Set(ops.body.items.map((e: { accountId: string }) => e.accountId));
      assert.ok(accounts.has(acme.accountId) && accounts.has(globex.accountId));
      const one = await s.api('GET', '/api/v1/audit?account=globex&limit=1000');
      assert.ok(one.body.items.length > 0 && one.body.items.every((e: { accountId: string }) => e.accountId === globex.accountId));
      const viaAccount = await s.api('GET', '/api/v1/accounts/globex/audit?resource=office');
      assert.ok(viaAccount.body.items.some((e: { after: { areaCode?: string } }) => e.after?.areaCode === '07'));
      const mine = await s.api('GET', '/api/v1/accounts/globex/audit?limit=1000', undefined, as(globex.people.om!));
      assert.ok(mine.body.items.every((e: { accountId: string }) => e.accountId === globex.accountId));
      assert.equal((await s.api('GET', '/api/v1/accounts/globex/audit', undefined, as(acme.people.om!))).status, 404);
    });
  });
}
