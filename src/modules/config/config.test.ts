import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { storeKinds } from '../../../test/support/stores.ts';
import { actorHeaders, makeTenant, testActorAuthenticator, type Tenant } from '../../../test/support/bulk-fixtures.ts';
import { findOrphans } from '../../../test/support/orphans.ts';
import { createRecordingBus } from '../../shared/events.ts';
import { getAppliedSnapshot } from './repository.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`Save → Apply Changes (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    const bus = createRecordingBus();
    let manager: Record<string, string>;
    before(async () => {
      s = await startTestServer(kind, { authenticators: [testActorAuthenticator], events: bus });
      t = await makeTenant(s.deps, 'cfg1', 3);
      other = await makeTenant(s.deps, 'cfg2', 1);
      manager = actorHeaders({ id: t.users[0]!.id, accountId: t.accountId, scope: 'office_manager', officeIds: [] });
    });
    after(() => s.close());

    const live = async () => {
      const csv = await s.api('GET', '/api/v1/accounts/cfg1/users/export.csv?includeSecrets=true');
      const rg = await s.api('GET', '/api/v1/accounts/cfg1/ring-groups');
      const nums = await s.api('GET', '/api/v1/accounts/cfg1/numbers');
      return { csv: csv.text, rg: rg.body.items, nums: nums.body.items.map((n: { e164: string; userId: string | null }) => [n.e164, n.userId]) };
    };

    it('applies the saved configuration as version 1 and records who applied it', async () => {
      const p = await s.api('GET', '/api/v1/accounts/cfg1/config/pending');
      assert.equal(p.status, 200);
      assert.equal(p.body.pending, true);
      assert.equal(p.body.version, 0);
      assert.equal(p.body.changes.filter((c: { kind: string; change: string }) => c.kind === 'user' && c.change === 'added').length, 3);
      assert.equal(await getAppliedSnapshot(s.store.database.db, t.accountId), null);
      const a = await s.api('POST', '/api/v1/accounts/cfg1/config/apply', { expectedVersion: 0 }, manager);
      assert.equal(a.status, 201, a.text);
      assert.equal(a.body.version, 1);
      assert.match(a.body.appliedBy, /office_manager|Office Manager/);
      assert.match(a.body.summary, /3 users added/);
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/config/pending')).body.pending, false);
      const again = await s.api('POST', '/api/v1/accounts/cfg1/config/apply', {});
      assert.equal(again.status, 409);
      assert.equal(again.body.error, 'nothing_to_apply');
      const ev = bus.events.find((e) => e.type === 'config.applied' && e.accountId === t.accountId)!;
      assert.ok(ev, 'config.applied event for the audit log');
      assert.match(ev.actor, /Office Manager/);
      assert.equal((ev.after as { version: number }).version, 1);
      const snap = await getAppliedSnapshot(s.store.database.db, t.accountId);
      assert.equal(snap?.version, 1);
      assert.equal(snap?.document.users.length, 3);
      assert.ok(snap?.document.users[0]!.sip_password, 'the SIP server reads credentials from the snapshot');
      const v = await s.api('GET', '/api/v1/accounts/cfg1/config/versions/1');
      assert.equal(v.status, 200);
      assert.ok(!v.text.includes(snap!.document.users[0]!.sip_password), 'no secrets in API responses');
      assert.ok(!v.text.includes('"vm_pin"'));
      assert.equal(v.body.document.users.length, 3);
      assert.deepEqual((await s.api('GET', '/api/v1/accounts/cfg1/config/versions')).body.items.map((x: { version: number }) => x.version), [1]);
    });

    it('shows saved changes as pending while the SIP server still reads the applied version', async () => {
      const [a, b] = t.users;
      await s.api('PATCH', `/api/v1/accounts/cfg1/users/${a!.id}`, { ringTime: 15, department: 'Sales' });
      const nu = await s.api('POST', '/api/v1/accounts/cfg1/users', { firstName: 'New', officeId: t.officeA });
      assert.equal(nu.status, 201);
      await s.api('POST', '/api/v1/accounts/cfg1/ring-groups', { name: 'Sales', extension: '150', members: [b!.id] });
      const p = await s.api('GET', '/api/v1/accounts/cfg1/config/pending');
      assert.equal(p.body.pending, true);
      assert.equal(p.body.version, 1);
      const mod = p.body.changes.find((c: { id: string }) => c.id === a!.id);
      assert.deepEqual(mod.fields, ['callFlow', 'department', 'ringTime']);
      assert.equal(mod.change, 'modified');
      assert.ok(p.body.changes.some((c: { id: string; change: string }) => c.id === nu.body.id && c.change === 'added'));
      assert.ok(p.body.changes.some((c: { kind: string; change: string }) => c.kind === 'ring_group' && c.change === 'added'));
      const snap = await getAppliedSnapshot(s.store.database.db, t.accountId);
      assert.equal(snap!.document.users.find((u) => u.id === a!.id)!.ring_time, 40);
    });

    it('discards: the live configuration goes back to the applied version in one transaction', async () => {
      const [a, b, c] = t.users;
      // More kinds of change: a cascade delete (handset + DDI), an extension swap, a number assignment.
      await s.api('POST', `/api/v1/accounts/cfg1/numbers/${encodeURIComponent(t.numbers[1]!)}/assign`, { userId: c!.id });
      await s.api('POST', '/api/v1/accounts/cfg1/config/apply', {});
      const applied = await live();
      const db = s.store.database.db;
      const now = new Date().toISOString();
      await db.insertInto('devices').values({ id: 'dev-cfg', account_id: t.accountId, mac: '805ec0aa0001', vendor: 'yealink', model: 't54w', label: null, user_id: c!.id, line_keys: '[]', settings: '{}', locked_ip: null, locked_at: null, unlocked_until: null, last_provisioned_at: null, last_provisioned_ip: null, last_user_agent: null, resync_requested_at: null, resync_status: null, created_at: now, updated_at: now }).execute();
      await s.api('POST', '/api/v1/accounts/cfg1/config/apply', {});
      const applied2 = await live();
      assert.notDeepEqual(applied2.csv, applied.csv);
      assert.equal((await s.api('DELETE', `/api/v1/accounts/cfg1/users/${c!.id}?cascade=true`)).status, 204);
      const extA = a!.extension;
      const extB = b!.extension;
      assert.ok([200, 201].includes((await s.api('PATCH', `/api/v1/accounts/cfg1/users/${a!.id}`, { extension: '160' })).status));
      assert.ok([200, 201].includes((await s.api('PATCH', `/api/v1/accounts/cfg1/users/${b!.id}`, { extension: extA })).status));
      assert.ok([200, 201].includes((await s.api('PATCH', `/api/v1/accounts/cfg1/users/${a!.id}`, { extension: extB, pickupGroup: 'Temp' })).status));
      assert.ok([200, 201].includes((await s.api('POST', '/api/v1/accounts/cfg1/users', { firstName: 'Later', officeId: t.officeB })).status));
      assert.ok([200, 201].includes((await s.api('POST', '/api/v1/accounts/cfg1/offices', { name: 'Pop-up', timezone: 'Australia/Perth' })).status));
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/config/pending')).body.pending, true);
      const d = await s.api('POST', '/api/v1/accounts/cfg1/config/discard', undefined, manager);
      assert.equal(d.status, 200, d.text);
      assert.equal(d.body.pending, false);
      assert.equal(d.body.version, 3);
      assert.deepEqual(await live(), applied2);
      const dev = await db.selectFrom('devices').select(['user_id']).where('id', '=', 'dev-cfg').executeTakeFirst();
      assert.equal(dev?.user_id, c!.id, 'the handset is back with its user');
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/offices?limit=50')).body.items.some((o: { name: string }) => o.name === 'Pop-up'), false);
      assert.deepEqual(await findOrphans(s.store.database), []);
      assert.ok(bus.events.some((e) => e.type === 'config.discarded' && e.accountId === t.accountId));
      // SIP credentials are live: a regenerated password is not pending, and a discard keeps it.
      const regen = await s.api('POST', `/api/v1/accounts/cfg1/users/${a!.id}/sip-password`);
      assert.equal(regen.status, 200, regen.text);
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/config/pending')).body.pending, false, 'a new SIP password is not a pending change');
      await s.api('PATCH', `/api/v1/accounts/cfg1/users/${a!.id}`, { ringTime: 55 });
      assert.equal((await s.api('POST', '/api/v1/accounts/cfg1/config/discard', undefined, manager)).status, 200);
      const pw = await db.selectFrom('users').select(['sip_password', 'ring_time']).where('id', '=', a!.id).executeTakeFirstOrThrow();
      assert.equal(pw.sip_password, regen.body.sipPassword, 'discard keeps the live SIP password');
      assert.notEqual(pw.ring_time, 55, 'while the saved ring time went back');
      // Other tenants are untouched.
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg2/users')).body.items.length, 1);
    });

    it('refuses a stale apply, and controls access', async () => {
      const stale = await s.api('POST', '/api/v1/accounts/cfg1/config/apply', { expectedVersion: 1 });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.fields[0].field, 'expectedVersion');
      const basic = actorHeaders({ id: t.users[1]!.id, accountId: t.accountId, scope: 'basic_user', officeIds: [] });
      const site = actorHeaders({ id: t.users[1]!.id, accountId: t.accountId, scope: 'site_manager', officeIds: [t.officeA] });
      const stranger = actorHeaders({ id: other.users[0]!.id, accountId: other.accountId, scope: 'office_manager', officeIds: [] });
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/config/pending', undefined, basic)).status, 403);
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/config/pending', undefined, site)).status, 200);
      assert.equal((await s.api('POST', '/api/v1/accounts/cfg1/config/apply', {}, site)).status, 403);
      assert.equal((await s.api('POST', '/api/v1/accounts/cfg1/config/discard', undefined, basic)).status, 403);
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/config/versions/1', undefined, stranger)).status, 404);
      assert.equal((await s.api('POST', '/api/v1/accounts/cfg1/config/apply', {}, stranger)).status, 404);
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg2/config/versions/1')).status, 404, 'cfg2 never applied');
      assert.equal((await s.api('POST', '/api/v1/accounts/cfg2/config/discard')).status, 409);
    });

    it("'Applied versions': the list with counts, and each version's diff field by field without secrets", async () => {
      const [a] = t.users;
      const db = s.store.database.db;
      const pinBefore = (await db.selectFrom('users').select('vm_pin').where('id', '=', a!.id).executeTakeFirstOrThrow()).vm_pin;
      const patched = await s.api('PATCH', `/api/v1/accounts/cfg1/users/${a!.id}`, { ringTime: 25, department: 'Support', voicemail: { pin: '97531' }, features: { divertAll: { enabled: true, destination: '0412000111' } } });
      assert.equal(patched.status, 200, patched.text);
      await s.api('POST', '/api/v1/accounts/cfg1/users', { firstName: 'Added', lastName: 'Later', officeId: t.officeA });
      const applied = await s.api('POST', '/api/v1/accounts/cfg1/config/apply', {}, manager);
      assert.equal(applied.status, 201, applied.text);
      const n = applied.body.version as number;

      const list = await s.api('GET', '/api/v1/accounts/cfg1/config/versions?limit=10', undefined, manager);
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.body.items.map((v: { version: number }) => v.version), Array.from({ length: n }, (_, i) => n - i));
      const top = list.body.items[0];
      assert.match(top.appliedBy, /Office Manager/);
      assert.ok(Date.parse(top.appliedAt) > 0);
      assert.deepEqual(top.counts, { added: 1, removed: 0, modified: 1 });
      const v1 = list.body.items.at(-1).counts;
      assert.deepEqual([v1.removed, v1.modified], [0, 0], 'version 1 only added');
      assert.ok(v1.added >= 3, 'the users and offices of version 1');

      const d = await s.api('GET', `/api/v1/accounts/cfg1/config/versions/${n}/diff`, undefined, manager);
      assert.equal(d.status, 200, d.text);
      assert.equal(d.body.previous, n - 1);
      assert.deepEqual(d.body.counts, { added: 1, removed: 0, modified: 1 });
      const added = d.body.changes.find((c: { change: string }) => c.change === 'added');
      assert.match(added.name, /Added Later/);
      const mod = d.body.changes.find((c: { id: string }) => c.id === a!.id);
      const byField = Object.fromEntries(mod.fields.map((f: { field: string }) => [f.field, f]));
      assert.equal(byField.ringTime.after, 25);
      assert.equal(typeof byField.ringTime.before, 'number');
      assert.notEqual(byField.ringTime.before, 25);
      assert.equal(byField.department.after, 'Support');
      assert.deepEqual(byField['features.divertAll.destination'], { field: 'features.divertAll.destination', before: null, after: '+61412000111' });
      assert.deepEqual(byField['features.divertAll.enabled'], { field: 'features.divertAll.enabled', before: false, after: true });
      assert.deepEqual(byField.vmPin, { field: 'vmPin', changed: 'secret' }, 'the PIN only as changed');
      assert.ok(!d.text.includes('97531') && (!pinBefore || !d.text.includes(`"${pinBefore}"`)), 'no PIN value, old or new');
      const secrets = await db.selectFrom('users').select(['sip_password', 'portal_password_hash']).where('account_id', '=', t.accountId).execute();
      for (const r of secrets) {
        assert.ok(!d.text.includes(r.sip_password), 'no SIP password');
        if (r.portal_password_hash) assert.ok(!d.text.includes(r.portal_password_hash), 'no password hash');
      }
      const first = await s.api('GET', '/api/v1/accounts/cfg1/config/versions/1/diff', undefined, manager);
      assert.equal(first.status, 200);
      assert.equal(first.body.previous, null);
      assert.equal(first.body.changes.filter((c: { kind: string; change: string }) => c.kind === 'user' && c.change === 'added').length, 3);
      assert.equal(first.body.changes.length, v1.added);
      for (const r of secrets) assert.ok(!first.text.includes(r.sip_password));
    });

    it("'Applied versions' is the Office Manager's: lower roles 403, another tenant 404, bad numbers 4xx", async () => {
      const site = actorHeaders({ id: t.users[1]!.id, accountId: t.accountId, scope: 'site_manager', officeIds: [t.officeA] });
      const basic = actorHeaders({ id: t.users[1]!.id, accountId: t.accountId, scope: 'basic_user', officeIds: [] });
      const stranger = actorHeaders({ id: other.users[0]!.id, accountId: other.accountId, scope: 'office_manager', officeIds: [] });
      for (const path of ['/api/v1/accounts/cfg1/config/versions', '/api/v1/accounts/cfg1/config/versions/1/diff']) {
        assert.equal((await s.api('GET', path, undefined, site)).status, 403, `site manager: ${path}`);
        assert.equal((await s.api('GET', path, undefined, basic)).status, 403, `basic user: ${path}`);
        assert.equal((await s.api('GET', path, undefined, stranger)).status, 404, `another tenant: ${path}`);
      }
      for (const n of ['1e300', '0', '-1', '1.5', 'abc', '99999999999999999999', '2147483648', 'NaN', '%00']) {
        const r = await s.api('GET', `/api/v1/accounts/cfg1/config/versions/${n}/diff`, undefined, manager);
        assert.ok(r.status >= 400 && r.status < 500, `${n}: ${r.status} ${r.text}`);
        assert.ok(r.body?.error, `${n}: an error body`);
      }
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/config/versions/2147483647/diff', undefined, manager)).status, 404);
      assert.equal((await s.api('GET', '/api/v1/accounts/cfg1/config/versions?limit=0', undefined, manager)).status, 400);
    });
  });
}
