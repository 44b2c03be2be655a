import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/http.ts';
import { storeKinds } from '../support/stores.ts';

/**
 * Users and ring groups share one extension space per account, enforced by the database (numbering_plan,
 * migration 0204): racing creates over real HTTP never leave two owners, and creates without an extension (the
 * server picks one) never fail for an extension the client did not choose.
 */
for (const { kind, skip } of await storeKinds()) {
  describe(`numbering plan under races on ${kind}`, { skip }, () => {
    let s: TestServer;
    let office: string;

    before(async () => {
      s = await startTestServer(kind);
      assert.equal((await s.api('POST', '/api/v1/accounts', { code: 'race', name: 'Race', sipRealm: 'race.pbx.example', country: 'AU' })).status, 201);
      const o = await s.api('POST', '/api/v1/accounts/race/offices', { name: 'Main', timezone: 'Australia/Sydney', areaCode: '02' });
      assert.equal(o.status, 201, o.text);
      office = o.body.id;
      // fixes the account's extension length (3 digits)
      assert.equal((await s.api('POST', '/api/v1/accounts/race/users', { officeId: office, firstName: 'First', extension: '100' })).status, 201);
    });
    after(() => s?.close());

    const owners = async (extension: string) => {
      const users = await s.store.database.db.selectFrom('users').select('id').where('extension', '=', extension).execute();
      const groups = await s.store.database.db.selectFrom('ring_groups').select('id').where('extension', '=', extension).execute();
      return users.length + groups.length;
    };

    for (let round = 0; round < 3; round++) {
      test(`25 user creates racing 25 ring-group creates on one extension end with one owner (round ${round + 1})`, async () => {
        const ext = String(200 + round);
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) => [
            s.api('POST', '/api/v1/accounts/race/users', { officeId: office, firstName: `U${round}x${i}`, extension: ext }),
            s.api('POST', '/api/v1/accounts/race/ring-groups', { name: `G${round}x${i}`, extension: ext }),
          ]).flat(),
        );
        const created = results.filter((r) => r.status === 201);
        const refused = results.filter((r) => r.status === 409);
        assert.equal(created.length, 1, `created: ${created.length}`);
        assert.equal(refused.length, 49, results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => `${r.status} ${r.text}`).join('\n'));
        for (const r of refused) assert.deepEqual(r.body.fields, [{ field: 'extension', reason: 'is already taken in this account' }]);
        assert.equal(await owners(ext), 1);
      });
    }

    test('30 parallel creates without an extension all succeed with distinct extensions', async () => {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => s.api('POST', '/api/v1/accounts/race/users', { officeId: office, firstName: `Auto${i}` })));
      assert.deepEqual(results.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`), []);
      const exts = results.map((r) => r.body.extension as string);
      assert.equal(new Set(exts).size, 30);
      for (const e of exts) assert.equal(await owners(e), 1);
    });

    test('a ring group cannot take a user extension by renaming, and a freed extension can be reused', async () => {
      const g = await s.api('POST', '/api/v1/accounts/race/ring-groups', { name: 'Sales', extension: '300' });
      assert.equal(g.status, 201, g.text);
      const clash = await s.api('PATCH', `/api/v1/accounts/race/ring-groups/${g.body.id}`, { extension: '100' });
      assert.equal(clash.status, 409, clash.text);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/race/ring-groups/${g.body.id}`)).status, 204);
      const u = await s.api('POST', '/api/v1/accounts/race/users', { officeId: office, firstName: 'Reuse', extension: '300' });
      assert.equal(u.status, 201, u.text);
      const plan = await s.store.database.db.selectFrom('numbering_plan').selectAll().where('extension', '=', '300').execute();
      assert.deepEqual(plan.map((p) => [p.owner_kind, p.owner_id]), [['user', u.body.id]]);
    });
  });
}
