import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from './support/stores.ts';
import { startTestServer, type TestServer } from './support/http.ts';
import { as, seedTenant, snapshot, type Tenant } from './support/tenants.ts';
import { fakeMailer } from '../src/modules/auth/mailer.ts';

/**
 * Per resource: a lower role in the same tenant gets 403, another tenant's Office Manager gets 404, and the
 * store is byte-for-byte unchanged afterwards. Each resource also has a control: the role that may, can.
 */
interface Case {
  resource: string;
  who: string; // 'sm' = acme's Site Manager; 'x.om' = globex's Office Manager
  method: string;
  path: (t: Tenant, ids: Ids) => string;
  body?: (t: Tenant, ids: Ids) => unknown;
  expect: number;
}
interface Ids {
  number: string;
  omKey: string;
  group: string;
  ring: string;
  device: string;
}

const U = (who: keyof Tenant['people']) => (t: Tenant) => t.people[who]!.id;
const user = (who: string, suffix = '') => (t: Tenant) => `/api/v1/accounts/acme/users/${U(who)(t)}${suffix}`;

const REFUSED: Case[] = [
  // account
  { resource: 'account', who: 'sm', method: 'PATCH', path: () => '/api/v1/accounts/acme', body: () => ({ name: 'Hijacked' }), expect: 403 },
  { resource: 'account', who: 'basic', method: 'PATCH', path: () => '/api/v1/accounts/acme', body: () => ({ name: 'Hijacked' }), expect: 403 },
  { resource: 'account', who: 'x.om', method: 'PATCH', path: () => '/api/v1/accounts/acme', body: () => ({ name: 'Hijacked' }), expect: 404 },
  { resource: 'account', who: 'x.om', method: 'GET', path: () => '/api/v1/accounts/acme', expect: 404 },
  { resource: 'account', who: 'om', method: 'POST', path: () => '/api/v1/accounts', body: () => ({ code: 'newco', name: 'New', sipRealm: 'newco.pbx.test', country: 'AU' }), expect: 403 },
  // offices
  { resource: 'office', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/offices', body: () => ({ name: 'Rogue', timezone: 'UTC' }), expect: 403 },
  { resource: 'office', who: 'basic', method: 'POST', path: () => '/api/v1/accounts/acme/offices', body: () => ({ name: 'Rogue', timezone: 'UTC' }), expect: 403 },
  { resource: 'office', who: 'x.om', method: 'POST', path: () => '/api/v1/accounts/acme/offices', body: () => ({ name: 'Rogue', timezone: 'UTC' }), expect: 404 },
  { resource: 'office', who: 'sm', method: 'PATCH', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.C}`, body: () => ({ areaCode: '09' }), expect: 403 },
  { resource: 'office', who: 'sup', method: 'PATCH', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.A}`, body: () => ({ areaCode: '09' }), expect: 403 },
  { resource: 'office', who: 'x.om', method: 'PATCH', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.A}`, body: () => ({ areaCode: '09' }), expect: 404 },
  { resource: 'office', who: 'sm', method: 'GET', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.C}`, expect: 403 },
  { resource: 'office', who: 'x.om', method: 'GET', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.A}`, expect: 404 },
  { resource: 'office', who: 'sm', method: 'POST', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.C}/day-night`, body: () => ({ mode: 'night' }), expect: 403 },
  { resource: 'office', who: 'basic', method: 'POST', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.A}/day-night`, body: () => ({ mode: 'night' }), expect: 403 },
  { resource: 'office', who: 'sup', method: 'PATCH', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.A}`, body: () => ({ dayNightMode: 'night' }), expect: 403 },
  { resource: 'office', who: 'x.om', method: 'POST', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.A}/day-night`, body: () => ({ mode: 'night' }), expect: 404 },
  // users
  { resource: 'user', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/users', body: (t) => ({ firstName: 'Rogue', officeId: t.offices.C }), expect: 403 },
  { resource: 'user', who: 'sup', method: 'POST', path: () => '/api/v1/accounts/acme/users', body: (t) => ({ firstName: 'Rogue', officeId: t.offices.A }), expect: 403 },
  { resource: 'user', who: 'basic', method: 'POST', path: () => '/api/v1/accounts/acme/users', body: (t) => ({ firstName: 'Rogue', officeId: t.offices.A }), expect: 403 },
  { resource: 'user', who: 'x.om', method: 'POST', path: () => '/api/v1/accounts/acme/users', body: (t) => ({ firstName: 'Rogue', officeId: t.offices.A }), expect: 404 },
  { resource: 'user', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/users', body: (t) => ({ firstName: 'Boss', officeId: t.offices.A, scope: 'office_manager' }), expect: 403 },
  { resource: 'user', who: 'sm', method: 'PATCH', path: user('basicC'), body: () => ({ firstName: 'X' }), expect: 403 },
  { resource: 'user', who: 'sm', method: 'PATCH', path: user('om'), body: () => ({ email: 'takeover@evil.test' }), expect: 403 },
  { resource: 'user', who: 'sm', method: 'PATCH', path: user('basic'), body: () => ({ scope: 'office_manager' }), expect: 403 },
  { resource: 'user', who: 'sup', method: 'PATCH', path: user('basic'), body: () => ({ ringTime: 20 }), expect: 403 },
  { resource: 'user', who: 'basic', method: 'PATCH', path: user('basic'), body: () => ({ scope: 'office_manager' }), expect: 403 },
  { resource: 'user', who: 'basic', method: 'PATCH', path: user('basic'), body: () => ({ email: 'me@elsewhere.test' }), expect: 403 },
  { resource: 'user', who: 'simple', method: 'PATCH', path: user('simple'), body: () => ({ voicemail: { pin: '1357' } }), expect: 403 },
  { resource: 'user', who: 'x.om', method: 'PATCH', path: user('basic'), body: () => ({ firstName: 'X' }), expect: 404 },
  { resource: 'user', who: 'sm', method: 'DELETE', path: user('om'), expect: 403 },
  { resource: 'user', who: 'sm', method: 'DELETE', path: user('basicC'), expect: 403 },
  { resource: 'user', who: 'basic', method: 'DELETE', path: user('basicB'), expect: 403 },
  { resource: 'user', who: 'x.om', method: 'DELETE', path: user('basic'), expect: 404 },
  { resource: 'user', who: 'sm', method: 'POST', path: user('basicC', '/sip-password'), expect: 403 },
  { resource: 'user', who: 'sm', method: 'POST', path: user('om', '/sip-password'), expect: 403 },
  { resource: 'user', who: 'x.om', method: 'POST', path: user('basic', '/sip-password'), expect: 404 },
  { resource: 'user', who: 'basic', method: 'GET', path: user('basicB'), expect: 403 },
  { resource: 'user', who: 'simple', method: 'GET', path: user('basic'), expect: 403 },
  { resource: 'user', who: 'x.om', method: 'GET', path: user('basic'), expect: 404 },
  { resource: 'user', who: 'x.om', method: 'GET', path: () => '/api/v1/accounts/acme/users', expect: 404 },
  // numbers
  { resource: 'number', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/numbers', body: () => ({ number: '02 9555 0100' }), expect: 403 },
  { resource: 'number', who: 'basic', method: 'GET', path: () => '/api/v1/accounts/acme/numbers', expect: 403 },
  { resource: 'number', who: 'x.om', method: 'POST', path: () => '/api/v1/accounts/acme/numbers', body: () => ({ number: '02 9555 0100' }), expect: 404 },
  { resource: 'number', who: 'sm', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/acme/numbers/${encodeURIComponent(ids.number)}`, expect: 403 },
  { resource: 'number', who: 'x.om', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/acme/numbers/${encodeURIComponent(ids.number)}`, expect: 404 },
  // portal password
  { resource: 'password', who: 'basic', method: 'PUT', path: user('basicB', '/password'), body: () => ({ password: 'Taken-Over-Pass-1' }), expect: 403 },
  { resource: 'password', who: 'sup', method: 'PUT', path: user('basic', '/password'), body: () => ({ password: 'Taken-Over-Pass-1' }), expect: 403 },
  { resource: 'password', who: 'sm', method: 'PUT', path: user('basicC', '/password'), body: () => ({ password: 'Taken-Over-Pass-1' }), expect: 403 },
  { resource: 'password', who: 'sm', method: 'PUT', path: user('om', '/password'), body: () => ({ password: 'Taken-Over-Pass-1' }), expect: 403 },
  { resource: 'password', who: 'x.om', method: 'PUT', path: user('basic', '/password'), body: () => ({ password: 'Taken-Over-Pass-1' }), expect: 404 },
  // send credentials
  { resource: 'send-credentials', who: 'basic', method: 'POST', path: user('basic', '/send-credentials'), expect: 403 },
  { resource: 'send-credentials', who: 'agent', method: 'POST', path: user('basicB', '/send-credentials'), expect: 403 },
  { resource: 'send-credentials', who: 'sm', method: 'POST', path: user('basicC', '/send-credentials'), expect: 403 },
  { resource: 'send-credentials', who: 'sm', method: 'POST', path: user('om', '/send-credentials'), expect: 403 },
  { resource: 'send-credentials', who: 'x.om', method: 'POST', path: user('basic', '/send-credentials'), expect: 404 },
  // Site Manager offices
  { resource: 'user-offices', who: 'sm', method: 'PUT', path: user('sm', '/offices'), body: (t) => ({ officeIds: [t.offices.C] }), expect: 403 },
  { resource: 'user-offices', who: 'basic', method: 'PUT', path: user('sm', '/offices'), body: (t) => ({ officeIds: [t.offices.C] }), expect: 403 },
  { resource: 'user-offices', who: 'x.om', method: 'PUT', path: user('sm', '/offices'), body: (t) => ({ officeIds: [t.offices.C] }), expect: 404 },
  // API keys
  { resource: 'api-key', who: 'basic', method: 'POST', path: () => '/api/v1/accounts/acme/api-keys', body: () => ({ name: 'k' }), expect: 403 },
  { resource: 'api-key', who: 'sup', method: 'POST', path: () => '/api/v1/accounts/acme/api-keys', body: () => ({ name: 'k' }), expect: 403 },
  { resource: 'api-key', who: 'basic', method: 'GET', path: () => '/api/v1/accounts/acme/api-keys', expect: 403 },
  { resource: 'api-key', who: 'sm', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/acme/api-keys/${ids.omKey}`, expect: 403 },
  { resource: 'api-key', who: 'x.om', method: 'POST', path: () => '/api/v1/accounts/acme/api-keys', body: () => ({ name: 'k' }), expect: 404 },
  { resource: 'api-key', who: 'x.om', method: 'GET', path: () => '/api/v1/accounts/acme/api-keys', expect: 404 },
  { resource: 'api-key', who: 'x.om', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/acme/api-keys/${ids.omKey}`, expect: 404 },
  { resource: 'api-key', who: 'x.om', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/globex/api-keys/${ids.omKey}`, expect: 404 },
  // audit log
  { resource: 'audit', who: 'sm', method: 'GET', path: () => '/api/v1/accounts/acme/audit', expect: 403 },
  { resource: 'audit', who: 'basic', method: 'GET', path: () => '/api/v1/accounts/acme/audit?format=csv', expect: 403 },
  { resource: 'audit', who: 'x.om', method: 'GET', path: () => '/api/v1/accounts/acme/audit', expect: 404 },
  { resource: 'audit', who: 'om', method: 'GET', path: () => '/api/v1/audit', expect: 403 },
  // pickup groups, ring groups (account-wide: Office Manager only)
  { resource: 'pickup-group', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/pickup-groups', body: () => ({ name: 'Rogue' }), expect: 403 },
  { resource: 'pickup-group', who: 'basic', method: 'GET', path: () => '/api/v1/accounts/acme/pickup-groups', expect: 403 },
  { resource: 'pickup-group', who: 'sm', method: 'PATCH', path: (_t, ids) => `/api/v1/accounts/acme/pickup-groups/${ids.group}`, body: () => ({ name: 'Renamed' }), expect: 403 },
  { resource: 'pickup-group', who: 'x.om', method: 'POST', path: () => '/api/v1/accounts/acme/pickup-groups', body: () => ({ name: 'Rogue' }), expect: 404 },
  { resource: 'pickup-group', who: 'x.om', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/globex/pickup-groups/${ids.group}`, expect: 404 },
  { resource: 'ring-group', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/ring-groups', body: () => ({ name: 'Rogue Hunt', extension: '198' }), expect: 403 },
  { resource: 'ring-group', who: 'sm', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/acme/ring-groups/${ids.ring}`, expect: 403 },
  { resource: 'ring-group', who: 'x.om', method: 'PATCH', path: (_t, ids) => `/api/v1/accounts/acme/ring-groups/${ids.ring}`, body: () => ({ name: 'Stolen' }), expect: 404 },
  { resource: 'ring-group', who: 'x.om', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/globex/ring-groups/${ids.ring}`, expect: 404 },
  // handsets
  { resource: 'device', who: 'basic', method: 'POST', path: () => '/api/v1/accounts/acme/devices', body: (t) => ({ mac: '80:5e:c0:aa:00:02', model: 't54w', userId: t.people.basicB!.id }), expect: 403 },
  { resource: 'device', who: 'x.om', method: 'GET', path: (_t, ids) => `/api/v1/accounts/acme/devices/${ids.device}`, expect: 404 },
  { resource: 'device', who: 'x.om', method: 'DELETE', path: (_t, ids) => `/api/v1/accounts/globex/devices/${ids.device}`, expect: 404 },
  { resource: 'device', who: 'x.om', method: 'POST', path: (_t, ids) => `/api/v1/accounts/globex/devices/${ids.device}/unlock`, expect: 404 },
  // number assignment ('Add from Spare Numbers')
  { resource: 'number-assign', who: 'sm', method: 'POST', path: (_t, ids) => `/api/v1/accounts/acme/numbers/${encodeURIComponent(ids.number)}/assign`, body: (t) => ({ userId: t.people.basicB!.id }), expect: 403 },
  { resource: 'number-assign', who: 'x.om', method: 'POST', path: (_t, ids) => `/api/v1/accounts/acme/numbers/${encodeURIComponent(ids.number)}/assign`, body: (t) => ({ userId: t.people.basicB!.id }), expect: 404 },
  // Apply Changes
  { resource: 'config', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/config/apply', body: () => ({}), expect: 403 },
  { resource: 'config', who: 'basic', method: 'POST', path: () => '/api/v1/accounts/acme/config/discard', expect: 403 },
  { resource: 'config', who: 'x.om', method: 'POST', path: () => '/api/v1/accounts/acme/config/apply', body: () => ({}), expect: 404 },
  // provider administrators
  { resource: 'provider-admin', who: 'om', method: 'POST', path: () => '/api/v1/provider-admins', body: () => ({ email: 'evil@x.test', password: 'Evil-Admin-Pass-1' }), expect: 403 },
];

/** The role that may, can: proves a refusal above is the permission check, not a broken route. */
const CONTROLS: Case[] = [
  { resource: 'account', who: 'om', method: 'PATCH', path: () => '/api/v1/accounts/acme', body: () => ({ name: 'Acme Renamed' }), expect: 200 },
  { resource: 'office', who: 'sm', method: 'PATCH', path: (t) => `/api/v1/accounts/acme/offices/${t.offices.B}`, body: () => ({ areaCode: '03' }), expect: 200 },
  { resource: 'office', who: 'om', method: 'POST', path: () => '/api/v1/accounts/acme/offices', body: () => ({ name: 'Brisbane', timezone: 'Australia/Brisbane' }), expect: 201 },
  { resource: 'user', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/users', body: (t) => ({ firstName: 'Hired', officeId: t.offices.B }), expect: 201 },
  { resource: 'user', who: 'sm', method: 'PATCH', path: user('basicB'), body: () => ({ department: 'Sales' }), expect: 200 },
  { resource: 'user', who: 'basic', method: 'PATCH', path: user('basic'), body: () => ({ voicemail: { pin: '97531' }, features: { smartCalling: { enabled: true, number: '0412 345 678' } } }), expect: 200 },
  { resource: 'user', who: 'sup', method: 'GET', path: user('basic'), expect: 200 },
  { resource: 'number', who: 'om', method: 'POST', path: () => '/api/v1/accounts/acme/numbers', body: () => ({ number: '02 9555 0101' }), expect: 201 },
  { resource: 'password', who: 'simple', method: 'PUT', path: user('simple', '/password'), body: () => ({ password: 'Fax-Only-Pass-22' }), expect: 204 },
  { resource: 'password', who: 'sm', method: 'PUT', path: user('basicB', '/password'), body: () => ({ password: 'Site-Reset-Pass-9' }), expect: 204 },
  { resource: 'send-credentials', who: 'sm', method: 'POST', path: user('basicB', '/send-credentials'), expect: 202 },
  { resource: 'user-offices', who: 'om', method: 'PUT', path: user('sm', '/offices'), body: (t) => ({ officeIds: [t.offices.A, t.offices.B] }), expect: 200 },
  { resource: 'api-key', who: 'sm', method: 'POST', path: () => '/api/v1/accounts/acme/api-keys', body: () => ({ name: 'sm-own' }), expect: 201 },
  { resource: 'audit', who: 'om', method: 'GET', path: () => '/api/v1/accounts/acme/audit', expect: 200 },
  { resource: 'user', who: 'om', method: 'DELETE', path: user('basicC'), expect: 204 },
  { resource: 'pickup-group', who: 'om', method: 'POST', path: () => '/api/v1/accounts/acme/pickup-groups', body: () => ({ name: 'Warehouse' }), expect: 201 },
  { resource: 'ring-group', who: 'om', method: 'PATCH', path: (_t, ids) => `/api/v1/accounts/acme/ring-groups/${ids.ring}`, body: () => ({ name: 'Sales Team' }), expect: 200 },
  { resource: 'number-assign', who: 'om', method: 'POST', path: (_t, ids) => `/api/v1/accounts/acme/numbers/${encodeURIComponent(ids.number)}/assign`, body: (t) => ({ userId: t.people.basicB!.id }), expect: 200 },
  { resource: 'config', who: 'om', method: 'POST', path: () => '/api/v1/accounts/acme/config/apply', body: () => ({}), expect: 201 },
];

for (const { kind, skip } of await storeKinds()) {
  describe(`access control per resource: lower role 403, other tenant 404, nothing changed (${kind})`, { skip }, () => {
    let s: TestServer;
    let acme: Tenant;
    let globex: Tenant;
    const ids = {} as Ids;

    before(async () => {
      s = await startTestServer(kind, { auth: { mailer: fakeMailer(), attemptsPerAddress: { max: 10_000, windowMs: 60_000 } } });
      acme = await seedTenant(s, 'acme');
      globex = await seedTenant(s, 'globex');
      const n = await s.api('POST', '/api/v1/accounts/acme/numbers', { number: '02 9555 0199' });
      ids.number = n.body.e164;
      const k = await s.api('POST', '/api/v1/accounts/acme/api-keys', { name: 'om-key' }, as(acme.people.om!));
      ids.omKey = k.body.id;
      const g = await s.api('POST', '/api/v1/accounts/acme/pickup-groups', { name: 'Front Desk' });
      ids.group = g.body.id;
      const ring = await s.api('POST', '/api/v1/accounts/acme/ring-groups', { name: 'Sales Hunt', extension: '199' });
      assert.equal(ring.status, 201, ring.text);
      ids.ring = ring.body.id;
      const d = await s.api('POST', '/api/v1/accounts/acme/devices', { mac: '80:5e:c0:aa:00:01', model: 't54w', userId: acme.people.basic!.id });
      assert.equal(d.status, 201, d.text);
      ids.device = d.body.id;
    });
    after(() => s?.close());

    function headersFor(who: string): Record<string, string> {
      const [tenant, key] = who.startsWith('x.') ? [globex, who.slice(2)] : [acme, who];
      return { ...as(tenant.people[key]!), 'content-type': 'application/json' };
    }

    async function call(c: Case) {
      const body = c.body?.(acme, ids);
      const headers = headersFor(c.who);
      if (body === undefined) delete headers['content-type'];
      return s.api(c.method, c.path(acme, ids), body, headers);
    }

    for (const c of REFUSED) {
      test(`${c.resource}: ${c.who} ${c.method} → ${c.expect}, store unchanged`, async () => {
        const before = await snapshot(s.store.database);
        const r = await call(c);
        assert.equal(r.status, c.expect, `${c.method} ${c.path(acme, ids)}: ${r.text}`);
        assert.equal(r.body?.error, c.expect === 403 ? 'forbidden' : 'not_found');
        assert.equal(await snapshot(s.store.database), before, 'nothing changed');
      });
    }

    test('another tenant is told nothing: its 404 is the same as for an account that does not exist', async () => {
      const r1 = await s.api('GET', '/api/v1/accounts/acme/users', undefined, as(globex.people.om!));
      const r2 = await s.api('GET', '/api/v1/accounts/no-such-account/users', undefined, as(globex.people.om!));
      assert.equal(r1.status, 404);
      assert.equal(r1.text, r2.text);
    });

    for (const c of CONTROLS) {
      test(`control — ${c.resource}: ${c.who} ${c.method} → ${c.expect}`, async () => {
        const r = await call(c);
        assert.equal(r.status, c.expect, `${c.method} ${c.path(acme, ids)}: ${r.text}`);
      });
    }
  });
}
