import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { storeKinds } from '../../../test/support/stores.ts';
import { actorHeaders, makeTenant, testActorAuthenticator, type Tenant } from '../../../test/support/bulk-fixtures.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`numbers, pickup groups, ring groups, call flows (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    let manager: Record<string, string>;
    let basic: Record<string, string>;
    let site: Record<string, string>;
    let stranger: Record<string, string>;
    before(async () => {
      s = await startTestServer(kind, { authenticators: [testActorAuthenticator] });
      t = await makeTenant(s.deps, 'grp1', 4);
      other = await makeTenant(s.deps, 'grp2', 1);
      manager = actorHeaders({ id: t.users[0]!.id, accountId: t.accountId, scope: 'office_manager', officeIds: [] });
      basic = actorHeaders({ id: t.users[1]!.id, accountId: t.accountId, scope: 'basic_user', officeIds: [] });
      site = actorHeaders({ id: t.users[2]!.id, accountId: t.accountId, scope: 'site_manager', officeIds: [t.officeA] });
      stranger = actorHeaders({ id: other.users[0]!.id, accountId: other.accountId, scope: 'office_manager', officeIds: [] });
    });
    after(() => s.close());

    it('assigns a spare number to a user and un-assigns it; the user shows directNumbers', async () => {
      const u = t.users[1]!;
      const e164 = encodeURIComponent(t.numbers[1]!);
      const r = await s.api('POST', `/api/v1/accounts/grp1/numbers/${e164}/assign`, { userId: u.id }, manager);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.status, 'assigned');
      assert.equal(r.body.userId, u.id);
      const user = await s.api('GET', `/api/v1/accounts/grp1/users/${u.id}`);
      assert.deepEqual(user.body.directNumbers, [t.numbers[1]]);
      const list = await s.api('GET', `/api/v1/accounts/grp1/users?limit=10`);
      assert.deepEqual(list.body.items.find((x: { id: string }) => x.id === u.id).directNumbers, [t.numbers[1]]);
      // Already assigned to someone else: 409. Spare numbers only.
      const again = await s.api('POST', `/api/v1/accounts/grp1/numbers/${e164}/assign`, { userId: t.users[2]!.id });
      assert.equal(again.status, 409);
      assert.equal(again.body.fields[0].field, 'number');
      const un = await s.api('POST', `/api/v1/accounts/grp1/numbers/${e164}/unassign`, undefined, manager);
      assert.equal(un.status, 200);
      assert.equal(un.body.status, 'spare');
      assert.deepEqual((await s.api('GET', `/api/v1/accounts/grp1/users/${u.id}`)).body.directNumbers, []);
    });

    it('refuses number assignment across tenants and for lower roles', async () => {
      const e164 = encodeURIComponent(t.numbers[2]!);
      const foreignUser = await s.api('POST', `/api/v1/accounts/grp1/numbers/${e164}/assign`, { userId: other.users[0]!.id });
      assert.equal(foreignUser.status, 422);
      assert.equal(foreignUser.body.fields[0].field, 'userId');
      const foreignNumber = await s.api('POST', `/api/v1/accounts/grp1/numbers/${encodeURIComponent(other.numbers[0]!)}/assign`, { userId: t.users[0]!.id });
      assert.equal(foreignNumber.status, 404);
      assert.equal((await s.api('POST', `/api/v1/accounts/grp1/numbers/${e164}/assign`, { userId: t.users[0]!.id }, stranger)).status, 404);
      assert.equal((await s.api('POST', `/api/v1/accounts/grp1/numbers/${e164}/assign`, { userId: t.users[0]!.id }, basic)).status, 403);
      assert.equal((await s.api('POST', `/api/v1/accounts/grp1/numbers/${e164}/unassign`, undefined, site)).status, 403);
      const n = await s.api('GET', `/api/v1/accounts/grp1/numbers?status=spare`);
      assert.ok(n.body.items.some((x: { e164: string }) => x.e164 === t.numbers[2]));
    });

    it('pickup groups: CRUD, the user field pickupGroup by name, and access control', async () => {
      const created = await s.api('POST', '/api/v1/accounts/grp1/pickup-groups', { name: 'Sales', members: [t.users[0]!.id, t.users[1]!.id] }, manager);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.memberCount, 2);
      const dup = await s.api('POST', '/api/v1/accounts/grp1/pickup-groups', { name: 'sales' });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.fields[0].field, 'name');
      const u0 = await s.api('GET', `/api/v1/accounts/grp1/users/${t.users[0]!.id}`);
      assert.equal(u0.body.pickupGroup, 'Sales');
      assert.equal(u0.body.pickupGroupId, created.body.id);
      // Setting the name on a user joins the existing group (case-insensitive) or creates one.
      const p = await s.api('PATCH', `/api/v1/accounts/grp1/users/${t.users[2]!.id}`, { pickupGroup: 'SALES' });
      assert.equal(p.status, 200, p.text);
      assert.equal(p.body.pickupGroupId, created.body.id);
      const q = await s.api('PATCH', `/api/v1/accounts/grp1/users/${t.users[3]!.id}`, { pickupGroup: 'Warehouse' });
      assert.equal(q.body.pickupGroup, 'Warehouse');
      const list = await s.api('GET', '/api/v1/accounts/grp1/pickup-groups');
      assert.deepEqual(list.body.items.map((g: { name: string; memberCount: number }) => [g.name, g.memberCount]), [['Sales', 3], ['Warehouse', 1]]);
      const bad = await s.api('POST', '/api/v1/accounts/grp1/pickup-groups', { name: 'x', members: [other.users[0]!.id] });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.fields[0].field, 'members.0');
      // In use: refused with the members as Usage; empty it, then delete.
      const del = await s.api('DELETE', `/api/v1/accounts/grp1/pickup-groups/${created.body.id}`);
      assert.equal(del.status, 409);
      assert.equal(del.body.error, 'in_use');
      assert.equal(del.body.usage.length, 3);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/grp1/pickup-groups/${created.body.id}`, { members: [] })).body.memberCount, 0);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/grp1/pickup-groups/${created.body.id}`)).status, 204);
      // Access: other tenant 404, lower role 403 (read and write), Site Manager may read.
      const wh = list.body.items[1].id;
      assert.equal((await s.api('GET', `/api/v1/accounts/grp1/pickup-groups/${wh}`, undefined, stranger)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/grp2/pickup-groups/${wh}`)).status, 404);
      assert.equal((await s.api('GET', '/api/v1/accounts/grp1/pickup-groups', undefined, basic)).status, 403);
      assert.equal((await s.api('GET', '/api/v1/accounts/grp1/pickup-groups', undefined, site)).status, 200);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/grp1/pickup-groups/${wh}`, { name: 'Dock' }, site)).status, 403);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/grp1/pickup-groups/${wh}`, undefined, stranger)).status, 404);
    });

    it('ring groups share the extension space with users', async () => {
      const taken = await s.api('POST', '/api/v1/accounts/grp1/ring-groups', { name: 'Sales line', extension: t.users[0]!.extension });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.fields[0].field, 'extension');
      const badLen = await s.api('POST', '/api/v1/accounts/grp1/ring-groups', { name: 'Sales line', extension: '2000' });
      assert.equal(badLen.status, 422);
      const emergency = await s.api('POST', '/api/v1/accounts/grp1/ring-groups', { name: 'Sales line', extension: '000' });
      assert.equal(emergency.status, 422);
      const next = (await s.api('GET', '/api/v1/accounts/grp1/users/next-extension')).body.extension as string;
      const rg = await s.api('POST', '/api/v1/accounts/grp1/ring-groups', { name: 'Sales line', extension: next, strategy: 'sequential', ringTime: 15, members: [t.users[1]!.id, t.users[0]!.id] }, manager);
      assert.equal(rg.status, 201, rg.text);
      assert.deepEqual(rg.body.members.map((m: { userId: string }) => m.userId), [t.users[1]!.id, t.users[0]!.id]);
      // Users can no longer take the group's extension, and next-extension skips it.
      const clash = await s.api('POST', '/api/v1/accounts/grp1/users', { firstName: 'Clash', officeId: t.officeA, extension: next });
      assert.equal(clash.status, 409);
      assert.notEqual((await s.api('GET', '/api/v1/accounts/grp1/users/next-extension')).body.extension, next);
      const upd = await s.api('PATCH', `/api/v1/accounts/grp1/ring-groups/${rg.body.id}`, { members: [t.users[0]!.id], strategy: 'simultaneous' });
      assert.equal(upd.status, 200);
      assert.equal(upd.body.members.length, 1);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/grp1/ring-groups/${rg.body.id}`, { extension: t.users[1]!.extension })).status, 409);
      assert.equal((await s.api('GET', `/api/v1/accounts/grp1/ring-groups/${rg.body.id}`, undefined, stranger)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/grp1/ring-groups`, undefined, basic)).status, 403);
      assert.equal((await s.api('POST', '/api/v1/accounts/grp1/ring-groups', { name: 'x', extension: '299' }, site)).status, 403);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/grp1/ring-groups/${rg.body.id}`, undefined, stranger)).status, 404);
    });

    it('keeps the per-user call flow in step with the user settings', async () => {
      const u = t.users[3]!;
      const f1 = await s.api('GET', `/api/v1/accounts/grp1/users/${u.id}/call-flow`);
      assert.equal(f1.status, 200);
      assert.deepEqual(
        f1.body.document.steps.map((x: { action: string }) => x.action),
        ['ring_devices', 'voicemail'],
      );
      assert.equal(f1.body.document.steps[0].timeout, 40);
      await s.api('PATCH', `/api/v1/accounts/grp1/users/${u.id}`, { ringTime: 25, features: { divertNoAnswer: { enabled: true, destination: t.users[0]!.extension } } });
      const f2 = await s.api('GET', `/api/v1/accounts/grp1/users/${u.id}/call-flow`);
      assert.equal(f2.body.document.steps[0].timeout, 25);
      assert.deepEqual(f2.body.document.steps[1], { action: 'forward', when: 'no_answer', destination: t.users[0]!.extension, internal: true });
      assert.equal((await s.api('GET', `/api/v1/accounts/grp1/users/${u.id}/call-flow`, undefined, stranger)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/grp1/users/${u.id}/call-flow`, undefined, basic)).status, 403);
    });
  });
}
