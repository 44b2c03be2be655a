import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/http.ts';
import { storeKinds } from '../support/stores.ts';

/** The REST API over a real HTTP server, on a real SQLite file and on a real PostgreSQL database. */
for (const { kind, skip } of await storeKinds()) {
  describe(`REST API on ${kind}`, { skip }, () => {
    let s: TestServer;
    let sydney: string;
    let melbourne: string;
    const countRows = async (table: 'users' | 'offices' | 'accounts' | 'numbers') =>
      Number((await s.store.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    before(async () => {
      s = await startTestServer(kind);
      assert.equal((await s.api('POST', '/api/v1/accounts', { code: 'acme', name: 'Acme', sipRealm: 'acme.pbx.example', country: 'AU' })).status, 201);
      for (const n of ['02 9123 4500', '02 9123 4501', '03 9001 1000']) assert.equal((await s.api('POST', '/api/v1/accounts/acme/numbers', { number: n })).status, 201);
      const o1 = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Sydney HQ', timezone: 'Australia/Sydney', areaCode: '02', defaultOutboundNumber: '02 9123 4500' });
      assert.equal(o1.status, 201, o1.text);
      sydney = o1.body.id;
      const o2 = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Melbourne', timezone: 'Australia/Melbourne', areaCode: '3' });
      assert.equal(o2.status, 201, o2.text);
      melbourne = o2.body.id;
    });
    after(() => s?.close());

    test('no or a wrong API key is 401 and lists nothing', async () => {
      const none = await s.api('GET', '/api/v1/accounts', undefined, {});
      assert.equal(none.status, 401);
      const wrong = await s.api('GET', '/api/v1/accounts', undefined, { authorization: 'Bearer sbp_wrong' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.items, undefined);
    });

    test('OpenAPI document describes the resources', async () => {
      const doc = await s.api('GET', '/api/openapi.json', undefined, {});
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi.startsWith('3.'), true);
      for (const p of ['/api/v1/accounts', '/api/v1/accounts/{account}/offices', '/api/v1/accounts/{account}/users', '/api/v1/accounts/{account}/users/{userId}/sip-password', '/api/v1/accounts/{account}/media', '/api/v1/accounts/{account}/media/{id}/audio']) {
        assert.ok(doc.body.paths[p], `missing ${p}`);
      }
      assert.ok(doc.body.components.schemas.User.properties.ringTime);
    });

    test('accounts: duplicate code/realm 409, bad fields named, nothing written', async () => {
      const before = await countRows('accounts');
      const dup = await s.api('POST', '/api/v1/accounts', { code: 'acme', name: 'Other', sipRealm: 'other.pbx.example', country: 'AU' });
      assert.equal(dup.status, 409);
      assert.deepEqual(dup.body.fields, [{ field: 'code', reason: 'is already used by another account' }]);
      const bad = await s.api('POST', '/api/v1/accounts', { code: 'Bad Code', name: 'X', sipRealm: 'nodot', country: 'XX' });
      assert.equal(bad.status, 422);
      assert.deepEqual(bad.body.fields.map((f: { field: string }) => f.field), ['code', 'sipRealm', 'country']);
      const missing = await s.api('POST', '/api/v1/accounts', { code: 'zz' });
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.body.fields.map((f: { field: string }) => f.field).sort(), ['country', 'name', 'sipRealm']);
      assert.equal(await countRows('accounts'), before);
      const shown = await s.api('GET', '/api/v1/accounts/acme');
      assert.equal(shown.body.extensionLength, null);
      assert.equal((await s.api('GET', '/api/v1/accounts/nope')).status, 404);
    });

    test('offices: filter by name, bad input named, outbound must be an account number', async () => {
      const filtered = await s.api('GET', '/api/v1/accounts/acme/offices?name=melb');
      assert.deepEqual(filtered.body.items.map((o: { name: string }) => o.name), ['Melbourne']);
      assert.equal(filtered.body.items[0].areaCode, '03');
      const before = await countRows('offices');
      const bad = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Perth', timezone: 'Mars/Olympus', areaCode: '09', defaultOutboundNumber: '02 9999 0000' });
      assert.equal(bad.status, 422);
      assert.deepEqual(bad.body.fields.map((f: { field: string }) => f.field), ['timezone', 'areaCode']);
      const notOurs = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Perth', timezone: 'Australia/Perth', defaultOutboundNumber: '02 9999 0000' });
      assert.equal(notOurs.status, 422);
      assert.deepEqual(notOurs.body.fields, [{ field: 'defaultOutboundNumber', reason: "is not one of this account's numbers" }]);
      const dup = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'sydney hq', timezone: 'Australia/Sydney' });
      assert.equal(dup.status, 409);
      assert.equal(await countRows('offices'), before);
      // On Hold Music is a media library reference: free text ('jazz') is refused, 'default' is the built-in track
      const jazz = await s.api('PATCH', `/api/v1/accounts/acme/offices/${melbourne}`, { onHoldMusic: 'jazz' });
      assert.equal(jazz.status, 422, jazz.text);
      assert.deepEqual(jazz.body.fields.map((f: { field: string }) => f.field), ['onHoldMusic']);
      const patched = await s.api('PATCH', `/api/v1/accounts/acme/offices/${melbourne}`, { onHoldMusic: 'default', defaultOutboundNumber: '+61390011000' });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.onHoldMusic, 'default');
      assert.equal(patched.body.defaultOutboundNumber, '+61390011000');
    });

    test('users: the first user fixes the extension length; mixing is refused', async () => {
      const next = await s.api('GET', '/api/v1/accounts/acme/users/next-extension?length=4');
      assert.deepEqual(next.body, { extension: '1000', length: 4 });
      const first = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Olivia', lastName: 'Nguyen', email: 'Olivia@Acme.example', officeId: sydney, extension: '100', scope: 'office_manager' });
      assert.equal(first.status, 201, first.text);
      assert.equal(first.body.email, 'olivia@acme.example');
      assert.equal(first.body.displayName, 'Olivia Nguyen');
      assert.equal(first.body.ringTime, 40);
      assert.equal(first.body.behindFirewall, true);
      assert.equal(first.body.sipPassword.length, 20);
      assert.match(first.body.sipUsername, /^u[a-z0-9]{11}$/);
      assert.deepEqual(first.body.tags, ['new', 'password_required']);
      assert.equal((await s.api('GET', '/api/v1/accounts/acme')).body.extensionLength, 3);
      const before = await countRows('users');
      const mixed = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Jack', officeId: sydney, extension: '1001' });
      assert.equal(mixed.status, 422);
      assert.match(mixed.body.fields[0].reason, /must be 3 digits.*cannot be mixed/);
      assert.equal(await countRows('users'), before);
      const next3 = await s.api('GET', '/api/v1/accounts/acme/users/next-extension');
      assert.deepEqual(next3.body, { extension: '101', length: 3 });
    });

    test('users: emergency, reserved and taken extensions are refused with the reason', async () => {
      const cases: Array<[string, number, RegExp]> = [
        ['000', 422, /start with 0/],
        ['112', 422, /emergency number 112/],
        ['106', 422, /emergency number 106/],
        ['777', 422, /voicemail access code/],
        ['100', 409, /already taken/],
      ];
      const before = await countRows('users');
      for (const [ext, status, reason] of cases) {
        const r = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'X', officeId: sydney, extension: ext });
        assert.equal(r.status, status, `${ext}: ${r.text}`);
        assert.equal(r.body.fields[0].field, 'extension');
        assert.match(r.body.fields[0].reason, reason);
      }
      const dupEmail = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'X', officeId: sydney, email: 'OLIVIA@acme.example' });
      assert.equal(dupEmail.status, 409);
      assert.equal(dupEmail.body.fields[0].field, 'email');
      // both duplicates in one answer, not one per Save
      const both = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'X', officeId: sydney, extension: '100', email: 'olivia@acme.example' });
      assert.equal(both.status, 409, both.text);
      assert.deepEqual(both.body.fields.map((f: { field: string }) => f.field), ['extension', 'email']);
      assert.equal(await countRows('users'), before);
    });

    test('users: every bad field is named at once and nothing is written', async () => {
      const before = await countRows('users');
      const r = await s.api('POST', '/api/v1/accounts/acme/users', {
        firstName: 'Bad',
        officeId: sydney,
        email: 'not-an-email',
        ringTime: 65,
        voicemail: { pin: '12a' },
        features: { smartCalling: { enabled: true, timeout: 10 }, divertAll: { enabled: true, destination: '000' } },
        outboundNumber: '02 8888 0000',
      });
      assert.equal(r.status, 400, 'ringTime 65 fails the schema first');
      assert.deepEqual(r.body.fields.map((f: { field: string }) => f.field), ['ringTime']);
      const r2 = await s.api('POST', '/api/v1/accounts/acme/users', {
        firstName: 'Bad',
        officeId: sydney,
        email: 'not-an-email',
        voicemail: { pin: '12a' },
        features: { smartCalling: { enabled: true, timeout: 10 }, divertAll: { enabled: true, destination: '000' } },
        outboundNumber: '02 8888 0000',
      });
      assert.equal(r2.status, 422);
      assert.deepEqual(r2.body.fields.map((f: { field: string }) => f.field).sort(), [
        'email',
        'features.divertAll.destination',
        'features.smartCalling.number',
        'outboundNumber',
        'voicemail.pin',
      ]);
      const unknown = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'X', officeId: sydney, sipPassword: 'mine' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.body.fields, [{ field: 'sipPassword', reason: 'is not a known field' }]);
      const noOffice = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'X', officeId: 'nope' });
      assert.equal(noOffice.status, 422);
      assert.equal(noOffice.body.fields[0].field, 'officeId');
      assert.equal(await countRows('users'), before);
    });

    test('users: secrets are never listed; SIP password shown once and regenerable', async () => {
      const created = await s.api('POST', '/api/v1/accounts/acme/users', {
        firstName: 'Jack',
        lastName: 'Smith',
        email: 'jack@acme.example',
        officeId: sydney,
        voicemail: { pin: '482193', emailDelivery: true },
        features: { smartCalling: { enabled: true, number: '0412 345 678', type: 'parallel' } },
        outboundNumber: '02 9123 4501',
      });
      assert.equal(created.status, 201, created.text);
      const secret = created.body.sipPassword as string;
      assert.equal(created.body.extension, '101');
      assert.equal(created.body.outboundNumber, '+61291234501');
      assert.equal(created.body.features.smartCalling.number, '+61412345678');
      assert.deepEqual(created.body.tags, ['password_required']);
      // seed 004: a Call Routing user only routes calls — No Portal, no voicemail, no tags asking for a person's setup
      const router = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'After Hours', officeId: sydney, userType: 'call_routing' });
      assert.equal(router.status, 201, router.text);
      assert.equal(router.body.scope, 'no_portal');
      assert.equal(router.body.voicemail.enabled, false);
      assert.deepEqual(router.body.tags, []);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/users/${router.body.id}`)).status, 204);
      const list = await s.api('GET', '/api/v1/accounts/acme/users?includeTotal=true');
      const shown = await s.api('GET', `/api/v1/accounts/acme/users/${created.body.id}`);
      for (const text of [list.text, shown.text]) {
        assert.ok(!text.includes(secret), 'SIP password leaked');
        assert.ok(!text.includes('482193'), 'PIN leaked');
        assert.ok(!/sipPassword|"pin"/.test(text));
      }
      assert.equal(shown.body.voicemail.pinSet, true);
      const regen = await s.api('POST', `/api/v1/accounts/acme/users/${created.body.id}/sip-password`);
      assert.equal(regen.status, 200);
      assert.notEqual(regen.body.sipPassword, secret);
      const row = await s.store.database.db.selectFrom('users').select('sip_password').where('id', '=', created.body.id).executeTakeFirstOrThrow();
      assert.equal(row.sip_password, regen.body.sipPassword);
    });

    test('users: update merges nested settings and validates them', async () => {
      const u = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Lucas', lastName: 'White', officeId: melbourne });
      assert.equal(u.status, 201);
      const id = u.body.id;
      const r = await s.api('PATCH', `/api/v1/accounts/acme/users/${id}`, {
        ringTime: 25,
        features: { divertNoAnswer: { enabled: true, destination: '100' }, callbackOnBusy: true },
        security: { enabledCalls: { international: true } },
        apps: { softphone: true },
        lastName: 'Black',
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.ringTime, 25);
      assert.equal(r.body.displayName, 'Lucas Black', 'display name follows the name when it was derived');
      assert.deepEqual(r.body.features.divertNoAnswer, { enabled: true, destination: '100' });
      assert.equal(r.body.features.callbackOnBusy, true);
      assert.deepEqual(r.body.security.enabledCalls, { local: true, national: true, mobile: true, international: true });
      assert.equal(r.body.apps.softphone, true);
      const bad = await s.api('PATCH', `/api/v1/accounts/acme/users/${id}`, { features: { divertBusy: { enabled: true, destination: '112' } } });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.fields[0].field, 'features.divertBusy.destination');
      const after = await s.api('GET', `/api/v1/accounts/acme/users/${id}`);
      assert.deepEqual(after.body.features.divertBusy, { enabled: false, destination: null });
      const self = await s.api('PATCH', `/api/v1/accounts/acme/users/${id}`, { extension: '100' });
      assert.equal(self.status, 422, 'moving onto the diversion target would divert to itself');
      assert.equal(self.body.fields[0].field, 'features.divertNoAnswer.destination');
      const taken = await s.api('PATCH', `/api/v1/accounts/acme/users/${id}`, { extension: '101' });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.fields[0].field, 'extension');
    });

    test('users: list filters by office, q prefix, pagination with next', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: `Page${i}`, lastName: 'Tester', officeId: melbourne, email: `page${i}@acme.example` });
        assert.equal(r.status, 201, r.text);
      }
      const mel = await s.api('GET', `/api/v1/accounts/acme/offices/${melbourne}/users?includeTotal=true`);
      assert.equal(mel.body.total, 6);
      assert.ok(mel.body.items.every((u: { officeId: string }) => u.officeId === melbourne));
      const q = await s.api('GET', '/api/v1/accounts/acme/users?q=PAGE&includeTotal=true');
      assert.equal(q.body.total, 5);
      const byExt = await s.api('GET', '/api/v1/accounts/acme/users?q=10');
      assert.deepEqual(byExt.body.items.map((u: { extension: string }) => u.extension), ['100', '101', '102', '103', '104', '105', '107', '108'], '106 is skipped: AU emergency');
      const byEmail = await s.api('GET', '/api/v1/accounts/acme/users?email=jack@');
      assert.deepEqual(byEmail.body.items.map((u: { firstName: string }) => u.firstName), ['Jack']);
      const byLast = await s.api('GET', '/api/v1/accounts/acme/users?name=tes');
      assert.equal(byLast.body.items.length, 5);
      const p1 = await s.api('GET', '/api/v1/accounts/acme/users?limit=3');
      assert.equal(p1.body.items.length, 3);
      assert.equal(p1.body.next, p1.body.items[2].extension);
      const seen = [...p1.body.items];
      let next = p1.body.next;
      while (next) {
        const p = await s.api('GET', `/api/v1/accounts/acme/users?limit=3&after=${next}`);
        seen.push(...p.body.items);
        next = p.body.next;
      }
      const all = await s.api('GET', '/api/v1/accounts/acme/users?limit=500&includeTotal=true');
      assert.equal(seen.length, all.body.total);
      assert.deepEqual(
        seen.map((u) => u.extension),
        [...all.body.items.map((u: { extension: string }) => u.extension)],
      );
      const badLimit = await s.api('GET', '/api/v1/accounts/acme/users?limit=0');
      assert.equal(badLimit.status, 400);
      assert.equal(badLimit.body.fields[0].field, 'limit');
    });

    test('numbers: belong to one account only; in-use numbers cannot be removed', async () => {
      assert.equal((await s.api('POST', '/api/v1/accounts', { code: 'globex', name: 'Globex', sipRealm: 'globex.pbx.example', country: 'AU' })).status, 201);
      const taken = await s.api('POST', '/api/v1/accounts/globex/numbers', { number: '+61 2 9123 4500' });
      assert.equal(taken.status, 409);
      assert.ok(!taken.text.includes('acme'), 'the other tenant is not named');
      const inUse = await s.api('DELETE', '/api/v1/accounts/acme/numbers/+61291234500');
      assert.equal(inUse.status, 409);
      assert.match(inUse.body.message, /default outbound number of office 'Sydney HQ'/);
      const emergency = await s.api('POST', '/api/v1/accounts/acme/numbers', { number: '000' });
      assert.equal(emergency.status, 422);
    });

    test('offices with users cannot be deleted; empty ones can', async () => {
      const r = await s.api('DELETE', `/api/v1/accounts/acme/offices/${sydney}`);
      assert.equal(r.status, 409);
      assert.equal(r.body.error, 'in_use');
      const empty = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Temp', timezone: 'Australia/Perth' });
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/offices/${empty.body.id}`)).status, 204);
      assert.equal((await s.api('GET', `/api/v1/accounts/acme/offices/${empty.body.id}`)).status, 404);
    });

    test("users: an optional portal password at creation ('New Password'): policy checked with the other fields, never returned", async () => {
      const weak = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Pat', officeId: sydney, email: 'pat@acme.example', password: 'short', voicemail: { pin: '12' } });
      assert.equal(weak.status, 422);
      assert.deepEqual(weak.body.fields.map((f: { field: string }) => f.field).sort(), ['password', 'voicemail.pin'], 'every bad field at once');
      assert.equal((await s.api('GET', '/api/v1/accounts/acme/users?q=pat')).body.items.length, 0, 'nothing written');
      const ok = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Pat', officeId: sydney, email: 'pat@acme.example', password: 'Correct-Horse-Battery-9' });
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.body.portalPasswordSet, true);
      assert.ok(!ok.body.tags.includes('password_required') && !ok.body.tags.includes('Password Required'), `tags: ${ok.body.tags}`);
      assert.ok(!ok.text.includes('Correct-Horse-Battery-9'), 'the password is never echoed');
      const login = await s.api('POST', '/api/v1/auth/login', { account: 'acme', email: 'pat@acme.example', password: 'Correct-Horse-Battery-9' }, {});
      assert.equal(login.status, 200, login.text);
      const row = await s.store.database.db.selectFrom('users').select('portal_password_hash').where('id', '=', ok.body.id).executeTakeFirstOrThrow();
      assert.match(row.portal_password_hash ?? '', /^\$argon2id\$/);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/acme/users/${ok.body.id}`, { password: 'Another-Horse-Battery-9' })).status, 400, 'set later through PUT .../password only');
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/users/${ok.body.id}`)).status, 204);
    });

    test('a new country for the PBX may not turn existing extensions into its emergency numbers', async () => {
      assert.equal((await s.api('POST', '/api/v1/accounts', { code: 'emerg', name: 'Emerg', sipRealm: 'emerg.pbx.example', country: 'AU' })).status, 201);
      const syd = await s.api('POST', '/api/v1/accounts/emerg/offices', { name: 'Sydney', timezone: 'Australia/Sydney' });
      assert.equal((await s.api('POST', '/api/v1/accounts/emerg/users', { firstName: 'Nine', officeId: syd.body.id, extension: '911' })).status, 201, '911 is not an AU emergency number');
      const count = async () => (await s.api('GET', '/api/v1/accounts/emerg/offices')).body.items.length;
      const before = await count();
      const us = await s.api('POST', '/api/v1/accounts/emerg/offices', { name: 'New York', country: 'US', timezone: 'America/New_York' });
      assert.equal(us.status, 409, us.text);
      assert.equal(us.body.fields[0].field, 'country');
      assert.match(us.body.fields[0].reason, /extension 911 .*emergency number of US/);
      assert.equal(await count(), before, 'nothing written');
      const moved = await s.api('PATCH', `/api/v1/accounts/emerg/offices/${syd.body.id}`, { country: 'US', timezone: 'America/New_York' });
      assert.equal(moved.status, 409);
      assert.equal((await s.api('GET', `/api/v1/accounts/emerg/offices/${syd.body.id}`)).body.country, 'AU');
      const acct = await s.api('PATCH', '/api/v1/accounts/emerg', { country: 'US' });
      assert.equal(acct.status, 409);
      assert.equal(acct.body.fields[0].field, 'country');
      // A country without such a clash is fine.
      assert.equal((await s.api('POST', '/api/v1/accounts/emerg/offices', { name: 'Dublin', country: 'IE', timezone: 'Europe/Dublin' })).status, 201);
    });

    test('another tenant id in the path never reaches the resource', async () => {
      const users = await s.api('GET', '/api/v1/accounts/acme/users?limit=1');
      const id = users.body.items[0].id;
      assert.equal((await s.api('GET', `/api/v1/accounts/globex/users/${id}`)).status, 404);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/globex/users/${id}`, { ringTime: 10 })).status, 404);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/globex/users/${id}`)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/globex/offices/${sydney}`)).status, 404);
      // An office's user list: another tenant's office, or no office at all, is 404 — not an empty list.
      assert.equal((await s.api('GET', `/api/v1/accounts/globex/offices/${sydney}/users`)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/acme/offices/00000000-0000-4000-8000-00000000abcd/users`)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/globex/users?officeId=${sydney}`)).status, 404);
      const own = await s.api('GET', `/api/v1/accounts/acme/offices/${sydney}/users`);
      assert.equal(own.status, 200);
      assert.ok(own.body.items.length > 0);
      assert.equal((await s.api('GET', `/api/v1/accounts/acme/users/${id}`)).body.ringTime, 40);
    });

    test('delete user', async () => {
      const u = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Temp', officeId: sydney });
      assert.equal((await s.api('DELETE', `/api/v1/accounts/acme/users/${u.body.id}`)).status, 204);
      assert.equal((await s.api('GET', `/api/v1/accounts/acme/users/${u.body.id}`)).status, 404);
    });
  });
}
