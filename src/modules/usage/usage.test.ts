import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { storeKinds } from '../../../test/support/stores.ts';
import { actorHeaders, makeTenant, testActorAuthenticator, type Tenant } from '../../../test/support/bulk-fixtures.ts';
import { findOrphans, tableNames } from '../../../test/support/orphans.ts';
import { registerUserDeletionParticipant } from './registry.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`Usage and guarded delete (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    const participantCalls: string[][] = [];
    before(async () => {
      s = await startTestServer(kind, { authenticators: [testActorAuthenticator] });
      t = await makeTenant(s.deps, 'use1', 5);
      other = await makeTenant(s.deps, 'use2', 2);
      // A module with per-user rows (devices) plugs into Usage and delete like this.
      registerUserDeletionParticipant({
        name: `test-${kind}`,
        async usage(_conn, accountId, userIds) {
          return accountId === t.accountId && userIds.includes(t.users[4]!.id)
            ? [{ userId: t.users[4]!.id, kind: 'device', id: 'dev-1', name: 'T54W 001565123456', description: 'handset T54W 001565123456', removal: 'cascade' as const }]
            : [];
        },
        async remove(_tx, accountId, userIds) {
          if (accountId === t.accountId && userIds.includes(t.users[4]!.id)) participantCalls.push(userIds);
        },
      });
    });
    after(() => s.close());

    it('lists every place a user is used and refuses the delete with that list', async () => {
      const [a, b, c] = t.users;
      const rg = await s.api('POST', '/api/v1/accounts/use1/ring-groups', { name: 'Support', extension: '150', members: [a!.id, b!.id] });
      assert.equal(rg.status, 201, rg.text);
      await s.api('PATCH', `/api/v1/accounts/use1/users/${a!.id}`, { pickupGroup: 'front' });
      await s.api('PATCH', `/api/v1/accounts/use1/users/${c!.id}`, { features: { divertBusy: { enabled: true, destination: a!.extension } } });
      await s.api('POST', `/api/v1/accounts/use1/numbers/${encodeURIComponent(t.numbers[1]!)}/assign`, { userId: a!.id });
      const u = await s.api('GET', `/api/v1/accounts/use1/users/${a!.id}/usage`);
      assert.equal(u.status, 200);
      const kinds = u.body.items.map((i: { kind: string; removal: string }) => `${i.kind}:${i.removal}`).sort();
      assert.deepEqual(kinds, ['call_flow:with_resource', 'divert:manual', 'number:cascade', 'pickup_group:with_resource', 'ring_group:manual']);
      const del = await s.api('DELETE', `/api/v1/accounts/use1/users/${a!.id}`);
      assert.equal(del.status, 409);
      assert.equal(del.body.error, 'in_use');
      assert.ok(del.body.fields.every((f: { field: string }) => f.field === 'usage'));
      assert.ok(del.body.usage.some((i: { description: string }) => i.description.includes("ring group 'Support'")));
      // cascade does not remove manual references
      assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/users/${a!.id}?cascade=true`)).status, 409);
      assert.ok((await s.api('GET', `/api/v1/accounts/use1/users/${a!.id}`)).status === 200, 'nothing was deleted');
      // Fix the manual ones, then cascade removes the rest in one go.
      await s.api('PATCH', `/api/v1/accounts/use1/ring-groups/${rg.body.id}`, { members: [b!.id] });
      await s.api('PATCH', `/api/v1/accounts/use1/users/${c!.id}`, { features: { divertBusy: { enabled: false, destination: null } } });
      const plain = await s.api('DELETE', `/api/v1/accounts/use1/users/${a!.id}`);
      assert.equal(plain.status, 409, 'a direct number needs cascade');
      assert.deepEqual(plain.body.usage.filter((i: { removal: string }) => i.removal !== 'with_resource').map((i: { kind: string }) => i.kind), ['number']);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/users/${a!.id}?cascade=true`)).status, 204);
      assert.equal((await s.api('GET', `/api/v1/accounts/use1/users/${a!.id}`)).status, 404);
      const n = await s.api('GET', '/api/v1/accounts/use1/numbers?status=spare');
      assert.ok(n.body.items.some((x: { e164: string }) => x.e164 === t.numbers[1]), 'direct number returned to spare');
      assert.deepEqual(await findOrphans(s.store.database), []);
    });

    it('a user with only their own call flow and pickup group deletes without cascade', async () => {
      const d = t.users[3]!;
      await s.api('PATCH', `/api/v1/accounts/use1/users/${d.id}`, { pickupGroup: 'front' });
      assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/users/${d.id}`)).status, 204);
      const cf = await s.store.database.db.selectFrom('call_flows').select('id').where('user_id', '=', d.id).execute();
      assert.equal(cf.length, 0);
      assert.deepEqual(await findOrphans(s.store.database), []);
    });

    it('devices (registered participants) need cascade and are removed in the same transaction', async () => {
      const e = t.users[4]!;
      const plain = await s.api('DELETE', `/api/v1/accounts/use1/users/${e.id}`);
      assert.equal(plain.status, 409);
      assert.equal(plain.body.usage.find((i: { kind: string }) => i.kind === 'device').name, 'T54W 001565123456');
      assert.equal(participantCalls.length, 0);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/users/${e.id}?cascade=true`)).status, 204);
      assert.deepEqual(participantCalls, [[e.id]]);
    });

    it('guards offices and numbers the same way', async () => {
      const off = await s.api('DELETE', `/api/v1/accounts/use1/offices/${t.officeB}`);
      assert.equal(off.status, 409);
      assert.ok(off.body.usage.length > 0 && off.body.usage.every((i: { kind: string }) => i.kind === 'user'));
      assert.deepEqual((await s.api('GET', `/api/v1/accounts/use1/offices/${t.officeB}/usage`)).body.items, off.body.usage);
      const num = await s.api('DELETE', `/api/v1/accounts/use1/numbers/${encodeURIComponent(t.numbers[0]!)}`);
      assert.equal(num.status, 409);
      assert.equal(num.body.usage[0].kind, 'office');
      assert.equal((await s.api('GET', `/api/v1/accounts/use1/numbers/${encodeURIComponent(t.numbers[0]!)}/usage`)).body.items[0].description, "default outbound number of office 'Head Office'");
      assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/numbers/${encodeURIComponent(t.numbers[2]!)}`)).status, 204);
    });

    it('hides another tenant and refuses lower roles', async () => {
      const b = t.users[1]!;
      const stranger = actorHeaders({ id: other.users[0]!.id, accountId: other.accountId, scope: 'office_manager', officeIds: [] });
      const basic = actorHeaders({ id: t.users[2]!.id, accountId: t.accountId, scope: 'basic_user', officeIds: [] });
      assert.equal((await s.api('GET', `/api/v1/accounts/use1/users/${b.id}/usage`, undefined, stranger)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/use2/users/${b.id}/usage`)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/use1/users/${b.id}/usage`, undefined, basic)).status, 403);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/users/${b.id}?cascade=true`, undefined, basic)).status, 403);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/users/${b.id}?cascade=true`, undefined, stranger)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/use1/offices/${t.officeA}/usage`, undefined, stranger)).status, 404);
    });

    it('leaves no orphan in any table after deleting everything', async () => {
      const db = s.store.database.db;
      const rgs = await s.api('GET', '/api/v1/accounts/use1/ring-groups');
      for (const g of rgs.body.items) assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/ring-groups/${g.id}`)).status, 204);
      const users = await s.api('GET', '/api/v1/accounts/use1/users?limit=100');
      for (const u of users.body.items) assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/users/${u.id}?cascade=true`)).status, 204, u.extension);
      for (const g of (await s.api('GET', '/api/v1/accounts/use1/pickup-groups')).body.items) assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/pickup-groups/${g.id}`)).status, 204);
      for (const o of [t.officeA, t.officeB]) assert.equal((await s.api('DELETE', `/api/v1/accounts/use1/offices/${o}`)).status, 204);
      const tables = await tableNames(s.store.database);
      for (const name of ['users', 'numbers', 'offices', 'pickup_groups', 'ring_groups', 'ring_group_members', 'call_flows']) assert.ok(tables.includes(name), name);
      assert.deepEqual(await findOrphans(s.store.database), []);
      const left = await db.selectFrom('call_flows').select('id').where('account_id', '=', t.accountId).execute();
      assert.equal(left.length, 0);
      // the other tenant is untouched
      assert.equal((await s.api('GET', '/api/v1/accounts/use2/users')).body.items.length, 2);
    });

    it('the orphan walk does find an orphan (self-check)', async () => {
      const db = s.store.database.db;
      const n = await db.selectFrom('numbers').select('id').where('account_id', '=', other.accountId).executeTakeFirstOrThrow();
      await db.updateTable('numbers').set({ user_id: 'no-such-user' }).where('id', '=', n.id).execute();
      assert.deepEqual(await findOrphans(s.store.database), ['numbers.user_id: 1 row(s) point at missing users']);
      await db.updateTable('numbers').set({ user_id: null }).where('id', '=', n.id).execute();
    });
  });
}
