import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/http.ts';
import { storeKinds } from '../support/stores.ts';

/**
 * A diversion is refused at save when routing could never take it: an extension nobody owns, or a number of a
 * kind the user may not call (Security › Enabled Calls). Refusals name the field and write nothing.
 */
for (const { kind, skip } of await storeKinds()) {
  describe(`diversion destinations checked at save on ${kind}`, { skip }, () => {
    let s: TestServer;
    let office: string;
    let userId: string;
    const path = () => `/api/v1/accounts/div/users/${userId}`;

    before(async () => {
      s = await startTestServer(kind);
      assert.equal((await s.api('POST', '/api/v1/accounts', { code: 'div', name: 'Div', sipRealm: 'div.pbx.example', country: 'AU' })).status, 201);
      const o = await s.api('POST', '/api/v1/accounts/div/offices', { name: 'Main', timezone: 'Australia/Sydney', areaCode: '02' });
      office = o.body.id;
      const u = await s.api('POST', '/api/v1/accounts/div/users', { officeId: office, firstName: 'Ann', extension: '101' });
      assert.equal(u.status, 201, u.text);
      userId = u.body.id;
      assert.equal((await s.api('POST', '/api/v1/accounts/div/users', { officeId: office, firstName: 'Bob', extension: '102' })).status, 201);
      assert.equal((await s.api('POST', '/api/v1/accounts/div/ring-groups', { name: 'Sales', extension: '600' })).status, 201);
    });
    after(() => s?.close());

    test('to an extension nobody owns: 422 naming the field; to a user or a ring group: saved', async () => {
      const bad = await s.api('PATCH', path(), { features: { divertBusy: { enabled: true, destination: '199' } } });
      assert.equal(bad.status, 422, bad.text);
      assert.deepEqual(bad.body.fields, [{ field: 'features.divertBusy.destination', reason: 'no user or ring group has extension 199' }]);
      assert.equal((await s.api('GET', path())).body.features.divertBusy.enabled, false, 'nothing written');
      assert.equal((await s.api('PATCH', path(), { features: { divertBusy: { enabled: true, destination: '102' } } })).status, 200);
      assert.equal((await s.api('PATCH', path(), { features: { divertNoAnswer: { enabled: true, destination: '600' } } })).status, 200);
      const create = await s.api('POST', '/api/v1/accounts/div/users', { officeId: office, firstName: 'Cy', features: { divertAll: { enabled: true, destination: '188' } } });
      assert.equal(create.status, 422, create.text);
      assert.deepEqual(create.body.fields, [{ field: 'features.divertAll.destination', reason: 'no user or ring group has extension 188' }]);
    });

    test('to a number the user may not call: 422; allowed together with the permission; the permission cannot be taken away under it', async () => {
      const intl = await s.api('PATCH', path(), { features: { divertAll: { enabled: true, destination: '+1 415 555 2671' } } });
      assert.equal(intl.status, 422, intl.text);
      assert.deepEqual(intl.body.fields, [{ field: 'features.divertAll.destination', reason: 'is an international number and this user may not make international calls (Security: Enabled Calls)' }]);
      const mobileOff = await s.api('PATCH', path(), { security: { enabledCalls: { mobile: false } }, features: { smartCalling: { enabled: true, number: '0412 345 678' } } });
      assert.equal(mobileOff.status, 422, mobileOff.text);
      assert.equal(mobileOff.body.fields[0].field, 'features.smartCalling.number');
      const ok = await s.api('PATCH', path(), { security: { enabledCalls: { international: true } }, features: { divertAll: { enabled: true, destination: '+1 415 555 2671' } } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.features.divertAll.destination, '+14155552671');
      const revoke = await s.api('PATCH', path(), { security: { enabledCalls: { international: false } } });
      assert.equal(revoke.status, 422, revoke.text);
      assert.equal(revoke.body.fields[0].field, 'features.divertAll.destination');
      // an unrelated edit is never refused for a diversion saved earlier
      assert.equal((await s.api('PATCH', path(), { department: 'Sales' })).status, 200);
    });
  });
}
