import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { SYSTEM_ACTOR } from '../../shared/permissions.ts';
import { nowIso } from '../../shared/ids.ts';
import { createAccount } from '../accounts/service.ts';
import { addNumber } from '../numbers/service.ts';
import { createOffice } from '../offices/service.ts';
import { createUser, deleteUser, regenerateSipPassword, updateUser } from '../users/service.ts';
import { applyChanges } from '../config/service.ts';
import { createRingGroup, deleteRingGroup, updateRingGroup } from '../ring-groups/service.ts';
import { as, seedTenant } from '../../../test/support/tenants.ts';
import { isLoopback, ROUTE_PATH } from './routes.ts';
import type { RtjsonDoc, RtjsonRoute } from './rules.ts';

const SECRET = 'test-routing-secret';

for (const { kind, skip } of await storeKinds()) {
  describe(`routing endpoint and credential table (${kind})`, { skip }, () => {
    let s: TestServer;
    let a: { code: string; id: string };
    const ids: Record<string, { id: string; sip: string; password: string }> = {};
    let groupId = '';
    let officeId = '';

    const route = async (q: Record<string, string>, secret: string | null = SECRET) => {
      const res = await fetch(`${s.baseUrl}${ROUTE_PATH}?${new URLSearchParams(q)}`, { headers: secret ? { 'x-switchboard-sip-secret': secret } : {} });
      return { status: res.status, body: (await res.json()) as RtjsonDoc & { routes: RtjsonRoute[] } };
    };
    const subscriber = (username: string) => s.store.database.db.selectFrom('sip_subscribers').selectAll().where('username', '=', username).executeTakeFirst();

    before(async () => {
      s = await startTestServer(kind, { sip: { trunk: '127.0.0.1:5090', voicemail: '127.0.0.1:5095', secret: SECRET } });
      const d = s.deps;
      const acc = await createAccount(d, SYSTEM_ACTOR, { code: 'rt', name: 'Routing', sipRealm: 'rt.pbx.test', country: 'AU' });
      a = { code: acc.code, id: acc.id };
      await addNumber(d, SYSTEM_ACTOR, 'rt', { number: '02 9123 4500' });
      await addNumber(d, SYSTEM_ACTOR, 'rt', { number: '02 9123 4502' });
      const office = await createOffice(d, SYSTEM_ACTOR, 'rt', { name: 'Sydney', timezone: 'Australia/Sydney', areaCode: '02', defaultOutboundNumber: '+61291234500' });
      officeId = office.id;
      for (const ext of ['101', '102', '103']) {
        const u = await createUser(d, SYSTEM_ACTOR, 'rt', { firstName: `U${ext}`, email: `${ext}@rt.test`, officeId: office.id, extension: ext });
        ids[ext] = { id: u.id, sip: u.sipUsername, password: u.sipPassword };
      }
      const other = await createAccount(d, SYSTEM_ACTOR, { code: 'other', name: 'Other', sipRealm: 'other.pbx.test', country: 'AU' });
      const o2 = await createOffice(d, SYSTEM_ACTOR, other.code, { name: 'X', timezone: 'Australia/Sydney' });
      const ou = await createUser(d, SYSTEM_ACTOR, other.code, { firstName: 'Other', officeId: o2.id, extension: '101' });
      ids.other = { id: ou.id, sip: ou.sipUsername, password: ou.sipPassword };
    });
    after(() => s?.close());

    test('sip_subscribers: enabled users with realm and current password; disabled, regenerated and deleted take effect at once', async () => {
      const row = await subscriber(ids['101']!.sip);
      assert.deepEqual({ domain: row?.domain, password: row?.password }, { domain: 'rt.pbx.test', password: ids['101']!.password });
      assert.equal((await subscriber(ids.other!.sip))?.domain, 'other.pbx.test');

      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['103']!.id, { enabled: false });
      assert.equal(await subscriber(ids['103']!.sip), undefined);
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['103']!.id, { enabled: true });
      assert.ok(await subscriber(ids['103']!.sip));

      const regenerated = await regenerateSipPassword(s.deps, SYSTEM_ACTOR, a.code, ids['103']!.id);
      assert.notEqual(regenerated.sipPassword, ids['103']!.password);
      assert.equal((await subscriber(ids['103']!.sip))?.password, regenerated.sipPassword);
      ids['103']!.password = regenerated.sipPassword;
    });

    test('sip_subscribers always equals enabled users joined to their realm (triggers on users and accounts)', async () => {
      const db = s.store.database.db;
      const expected = async () =>
        (
          await db
            .selectFrom('users')
            .innerJoin('accounts', 'accounts.id', 'users.account_id')
            .select(['users.sip_username as username', 'accounts.sip_realm as domain', 'users.sip_password as password'])
            .where('users.enabled', '=', 1)
            .orderBy('users.sip_username')
            .execute()
        ).map((r) => ({ ...r }));
      const actual = async () => (await db.selectFrom('sip_subscribers').select(['username', 'domain', 'password']).orderBy('username').execute()).map((r) => ({ ...r }));
      assert.deepEqual(await actual(), await expected());
      // writes that bypass the service (bulk SQL, a realm change) are followed too
      await db.updateTable('users').set({ sip_password: 'changed-by-sql' }).where('id', '=', ids['101']!.id).execute();
      await db.updateTable('accounts').set({ sip_realm: 'renamed.pbx.test' }).where('id', '=', a.id).execute();
      assert.deepEqual(await actual(), await expected());
      assert.equal((await subscriber(ids['101']!.sip))?.domain, 'renamed.pbx.test');
      await db.updateTable('accounts').set({ sip_realm: 'rt.pbx.test' }).where('id', '=', a.id).execute();
      await db.updateTable('users').set({ sip_password: ids['101']!.password }).where('id', '=', ids['101']!.id).execute();
      assert.deepEqual(await actual(), await expected());
    });

    test('the endpoint refuses a missing or wrong secret', async () => {
      assert.equal((await route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '102' }, null)).status, 403);
      assert.equal((await route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '102' }, 'wrong')).status, 403);
      assert.equal((await route({ source: 'bogus', to: '102' })).status, 400);
      assert.equal(isLoopback('10.0.0.1'), false);
      assert.equal(isLoopback('::ffff:127.0.0.1'), true);
    });

    test('extension to extension: rtjson with the AoR for the ring time, then voicemail', async () => {
      const r = await route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '102' });
      assert.equal(r.status, 200);
      assert.equal(r.body.action, 'route');
      assert.equal(r.body.routing, 'serial');
      assert.deepEqual(
        r.body.routes.map((x: RtjsonRoute) => [x.uri, x.fr_inv_timer]),
        [
          [`sip:${ids['102']!.sip}@rt.pbx.test;sb=aor`, 40000],
          ['sip:102@127.0.0.1:5095', undefined],
        ],
      );
      // busy lamps: Kamailio publishes this call's dialog state for both extensions (blf.ts)
      assert.deepEqual((r.body as { blf?: unknown }).blf, { realm: 'rt.pbx.test', caller: '101', callee: '102' });
    });

    test('a settings change is routed on the next call (cache invalidated by the domain event)', async () => {
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['102']!.id, { features: { divertAll: { enabled: true, destination: '103' } } });
      const r = await route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '102' });
      assert.deepEqual(
        r.body.routes.map((x: RtjsonRoute) => x.uri),
        [`sip:${ids['103']!.sip}@rt.pbx.test;sb=aor`],
      );
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['101']!.id, { security: { enabledCalls: { international: true } } });
      assert.equal((await route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '+14155552671' })).body.action, 'route');
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['101']!.id, { security: { enabledCalls: { international: false } } });
      const refused = await route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '+14155552671' });
      assert.deepEqual(refused.body, { version: '1.0', action: 'reject', code: 403, reason: 'Forbidden - international calls are not enabled for extension 101' });
    });

    test('ring groups: the extension rings its members; group changes reach the next call (ring_group.* events)', async () => {
      const to600 = () => route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '600' });
      assert.deepEqual((await to600()).body, { version: '1.0', action: 'reject', code: 404, reason: 'Not Found - no such extension' });
      const aorOf = (ext: string) => `sip:${ids[ext]!.sip}@rt.pbx.test;sb=aor`;
      const g = await createRingGroup(s.deps, SYSTEM_ACTOR, a.code, { name: 'Sales', extension: '600', strategy: 'simultaneous', ringTime: 15, members: [ids['103']!.id, ids['101']!.id, ids['102']!.id] });
      groupId = g.id;
      const sim = await to600();
      assert.equal(sim.body.action, 'route');
      assert.deepEqual(
        sim.body.routes.map((x: RtjsonRoute) => [x.uri, x.parallel, x.fr_inv_timer]),
        [[aorOf('103'), [aorOf('102')], 15000]],
        'the members in position order, without the caller (101)',
      );
      assert.equal(sim.body.ring_group, '600');
      assert.deepEqual(sim.body.no_answer, { code: 480, reason: 'Temporarily Unavailable - no answer' });
      assert.match(sim.body.routes[0]!.headers!.extra, /X-Switchboard-Ring-Group: 600\r\n/);
      await updateRingGroup(s.deps, SYSTEM_ACTOR, a.code, g.id, { strategy: 'sequential', ringTime: 10, members: [ids['102']!.id, ids['103']!.id] });
      assert.deepEqual(
        (await to600()).body.routes.map((x: RtjsonRoute) => [x.uri, x.fr_inv_timer]),
        [
          [aorOf('102'), 10000],
          [aorOf('103'), 10000],
        ],
      );
      // a disabled member is skipped
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['103']!.id, { enabled: false });
      assert.deepEqual((await to600()).body.routes.map((x: RtjsonRoute) => x.uri), [aorOf('102')]);
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['103']!.id, { enabled: true });
      // a user may divert to the group (validation accepts a group extension); the call rings the group after the user
      const u = await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['101']!.id, { features: { divertNoAnswer: { enabled: true, destination: '600' } } });
      assert.equal(u.features.divertNoAnswer.destination, '600');
      const div = await route({ source: 'internal', realm: 'rt.pbx.test', from: ids['102']!.sip, to: '101' });
      assert.deepEqual(div.body.routes.map((x: RtjsonRoute) => x.uri), [aorOf('101'), aorOf('103')], "101's phones, then the group without 101 (diverting) and 102 (the caller)");
      assert.equal(div.body.ring_group, '600');
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['101']!.id, { features: { divertNoAnswer: { enabled: false, destination: null } } });
      // the other tenant's 600 does not exist
      assert.equal((await route({ source: 'internal', realm: 'other.pbx.test', from: ids.other!.sip, to: '600' })).body.code, 404);
      // (a member cannot be deleted: a later test deletes 103)
      await updateRingGroup(s.deps, SYSTEM_ACTOR, a.code, g.id, { members: [ids['102']!.id] });
      assert.deepEqual((await to600()).body.routes.map((x: RtjsonRoute) => x.uri), [aorOf('102')]);
    });

    test('tenants are separate: a caller of one realm cannot use another realm; unknown realms are refused', async () => {
      const r = await route({ source: 'internal', realm: 'rt.pbx.test', from: ids.other!.sip, to: '102' });
      assert.equal(r.body.action, 'reject');
      assert.equal(r.body.code, 403);
      const o = await route({ source: 'internal', realm: 'other.pbx.test', from: ids.other!.sip, to: '102' });
      assert.equal(o.body.code, 404);
      assert.equal((await route({ source: 'internal', realm: 'nope.pbx.test', from: 'x', to: '102' })).body.code, 404);
    });

    test('inbound DDI rings its user; a deleted user is gone from the credentials and from routing', async () => {
      await s.store.database.db.updateTable('numbers').set({ user_id: ids['103']!.id }).where('e164', '=', '+61291234502').execute();
      await s.deps.events.publish({ type: 'number.updated', accountId: a.id, resourceId: '+61291234502', actor: 'test', at: nowIso() });
      const r = await route({ source: 'trunk', from: '+61412000000', to: '+61291234502' });
      assert.equal(r.body.kind, 'inbound');
      assert.equal(r.body.routes[0]!.uri, `sip:${ids['103']!.sip}@rt.pbx.test;sb=aor`);
      assert.equal((await route({ source: 'trunk', from: '+61412000000', to: '+61299999999' })).body.code, 404);

      await s.store.database.db.updateTable('numbers').set({ user_id: null }).where('e164', '=', '+61291234502').execute();
      // 102 diverts to 103 (an earlier test): Delete User is refused until that diversion is changed (seed 000).
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['102']!.id, { features: { divertAll: { enabled: false, destination: null } } });
      await deleteUser(s.deps, SYSTEM_ACTOR, a.code, ids['103']!.id);
      assert.equal(await subscriber(ids['103']!.sip), undefined);
      assert.equal((await route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '103' })).body.code, 404);
    });

    test('after Apply Changes calls follow the applied version; saved edits wait for the next apply (seed 000)', async () => {
      const to102 = () => route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '102' });
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['102']!.id, { ringTime: 20 });
      await applyChanges(s.deps, SYSTEM_ACTOR, a.code);
      assert.equal((await to102()).body.routes[0]!.fr_inv_timer, 20000);
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['102']!.id, { ringTime: 55 });
      assert.equal((await to102()).body.routes[0]!.fr_inv_timer, 20000, 'saved but not applied');
      await applyChanges(s.deps, SYSTEM_ACTOR, a.code);
      assert.equal((await to102()).body.routes[0]!.fr_inv_timer, 55000, 'applied');
    });

    test('ring groups follow Apply Changes too: the applied members and strategy ring until the next apply; a deleted group is gone', async () => {
      const to600 = () => route({ source: 'internal', realm: 'rt.pbx.test', from: ids['101']!.sip, to: '600' });
      const applied = (await to600()).body.routes.map((x: RtjsonRoute) => [x.uri, x.fr_inv_timer, x.parallel]);
      assert.deepEqual(applied, [[`sip:${ids['102']!.sip}@rt.pbx.test;sb=aor`, 10000, undefined]], 'the version applied in the previous test');
      await updateRingGroup(s.deps, SYSTEM_ACTOR, a.code, groupId, { strategy: 'simultaneous', ringTime: 30 });
      assert.deepEqual((await to600()).body.routes.map((x: RtjsonRoute) => [x.uri, x.fr_inv_timer, x.parallel]), applied, 'saved but not applied');
      await applyChanges(s.deps, SYSTEM_ACTOR, a.code);
      assert.equal((await to600()).body.routes[0]!.fr_inv_timer, 30000, 'applied');
      await deleteRingGroup(s.deps, SYSTEM_ACTOR, a.code, groupId);
      await applyChanges(s.deps, SYSTEM_ACTOR, a.code);
      assert.equal((await to600()).body.code, 404);
    });

    test('office main number (Day/Night): the day destination, then the night one; the API toggle is live at once after Apply Changes and audited', async () => {
      const main = () => route({ source: 'trunk', from: '+61412000000', to: '+61291234500' });
      const aorOf = (ext: string) => `sip:${ids[ext]!.sip}@rt.pbx.test;sb=aor`;
      // nothing set yet: day mode, no destination → 480 (it used to be 404)
      assert.deepEqual((await main()).body, { version: '1.0', action: 'reject', code: 480, reason: 'Temporarily Unavailable - no day destination for this number' });
      const path = `/api/v1/accounts/${a.code}/offices/${officeId}`;
      // destinations must exist in the account: a clear 422 naming the field
      const bad = await s.api('PATCH', path, { dayDestination: '199', nightDestination: 'voicemail:555' });
      assert.equal(bad.status, 422, bad.text);
      assert.deepEqual(bad.body.fields.map((f: { field: string }) => f.field).sort(), ['dayDestination', 'nightDestination'], bad.text);
      assert.match(bad.text, /no user or ring group has extension 199/);
      const other = await route({ source: 'internal', realm: 'other.pbx.test', from: ids.other!.sip, to: '101' });
      assert.equal(other.body.action, 'route', "the other tenant's 101 exists there, not here");
      const malformed = await s.api('PATCH', path, { dayDestination: 'reception' });
      assert.equal(malformed.status, 422);
      assert.match(malformed.text, /dayDestination/);
      const set = await s.api('PATCH', path, { dayDestination: '102', nightDestination: 'voicemail:101' });
      assert.equal(set.status, 200, set.text);
      assert.deepEqual([set.body.dayNightMode, set.body.dayDestination, set.body.nightDestination], ['day', '102', 'voicemail:101']);
      // destinations are configuration: the account has applied before, so they wait for Apply Changes
      assert.equal((await main()).body.code, 480, 'saved, not applied');
      await applyChanges(s.deps, SYSTEM_ACTOR, a.code);
      const day = await main();
      assert.equal(day.body.kind, 'inbound');
      assert.deepEqual(day.body.routes.map((x: RtjsonRoute) => x.uri), [aorOf('102'), 'sip:102@127.0.0.1:5095'], "102's ring plan");
      // the mode is an operational switch: live at once, no Apply Changes, never a pending change
      // a user named by a Day/Night destination cannot be deleted until it is changed (Usage)
      await assert.rejects(deleteUser(s.deps, SYSTEM_ACTOR, a.code, ids['102']!.id), (err: { usage?: Array<{ kind: string; description: string }> }) => {
        assert.ok(err.usage?.some((u) => u.kind === 'office_day_night' && /sends its main number to 102 by day/.test(u.description)), JSON.stringify(err.usage));
        return true;
      });
      const toggled = await s.api('POST', `${path}/day-night`, { mode: 'night' });
      assert.equal(toggled.status, 200, toggled.text);
      assert.equal(toggled.body.dayNightMode, 'night');
      const night = await main();
      assert.equal(night.body.action, 'voicemail');
      assert.deepEqual(night.body.routes.map((x: RtjsonRoute) => x.uri), ['sip:101@127.0.0.1:5095']);
      assert.match(night.body.routes[0]!.headers!.extra, /X-Switchboard-Voicemail: deposit;mailbox=101;account=rt\r\n/);
      const pending = await s.api('GET', `/api/v1/accounts/${a.code}/config/pending`);
      assert.equal(pending.status, 200, pending.text);
      assert.equal(JSON.stringify(pending.body).includes('dayNightMode'), false, pending.text);
      const audit = await s.api('GET', `/api/v1/accounts/${a.code}/audit?resource=office&action=day_night_changed`);
      assert.equal(audit.status, 200, audit.text);
      const entry = audit.body.items[0];
      assert.equal(entry.resourceId, officeId);
      assert.deepEqual([entry.before, entry.after], [{ dayNightMode: 'day' }, { dayNightMode: 'night' }]);
      assert.equal(entry.actor.kind, 'provider');
      // PATCH of the mode does the same; bad modes are 400
      assert.equal((await s.api('PATCH', path, { dayNightMode: 'day' })).body.dayNightMode, 'day');
      assert.deepEqual((await main()).body.routes.map((x: RtjsonRoute) => x.uri), [aorOf('102'), 'sip:102@127.0.0.1:5095']);
      assert.equal((await s.api('POST', `${path}/day-night`, { mode: 'evening' })).status, 400);
      // a destination that stopped working does not block unrelated edits; choosing it anew is refused
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['101']!.id, { voicemail: { enabled: false } });
      assert.equal((await s.api('PATCH', path, { onHoldMusic: 'default' })).status, 200);
      const vmOff = await s.api('PATCH', path, { dayDestination: 'voicemail:101' });
      assert.equal(vmOff.status, 422);
      assert.match(vmOff.text, /dayDestination: voicemail is not enabled for extension 101/);
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['101']!.id, { voicemail: { enabled: true } });
      // a DDI assigned to a user stays the user's even when it is an office's main number
      await s.store.database.db.updateTable('numbers').set({ user_id: ids['101']!.id }).where('e164', '=', '+61291234500').execute();
      await s.deps.events.publish({ type: 'number.updated', accountId: a.id, resourceId: '+61291234500', actor: 'test', at: nowIso() });
      await applyChanges(s.deps, SYSTEM_ACTOR, a.code);
      assert.equal((await main()).body.routes[0]!.uri, aorOf('101'));
      await s.store.database.db.updateTable('numbers').set({ user_id: null }).where('e164', '=', '+61291234500').execute();
      await applyChanges(s.deps, SYSTEM_ACTOR, a.code);
    });

    test('Day/Night API: another tenant gets 404, a lower role 403, the office manager may', async () => {
      const t = await seedTenant(s, `dn${kind.slice(0, 2)}`, { login: false });
      const { login } = await import('../../../test/support/tenants.ts');
      t.people.basic!.cookie = await login(s, t.code, t.people.basic!.email);
      t.people.om!.cookie = await login(s, t.code, t.people.om!.email);
      const p = `/api/v1/accounts/${t.code}/offices/${t.offices.A}/day-night`;
      const basic = await s.api('POST', p, { mode: 'night' }, as(t.people.basic!));
      assert.equal(basic.status, 403, basic.text);
      // the rt office seen through this tenant's path, and this tenant's office through rt's: 404
      assert.equal((await s.api('POST', `/api/v1/accounts/${t.code}/offices/${officeId}/day-night`, { mode: 'night' }, as(t.people.om!))).status, 404);
      assert.equal((await s.api('POST', `/api/v1/accounts/${a.code}/offices/${t.offices.A}/day-night`, { mode: 'night' })).status, 404);
      const om = await s.api('POST', p, { mode: 'night' }, as(t.people.om!));
      assert.equal(om.status, 200, om.text);
      assert.equal(om.body.dayNightMode, 'night');
      const audit = await s.api('GET', `/api/v1/accounts/${t.code}/audit?resource=office&action=day_night_changed`);
      assert.equal(audit.body.items[0].actor.id, t.people.om!.id);
    });

    test('*28 toggles the caller office (audited with the user) only with the handset permission; *29 opens the mailbox options', async () => {
      const star = (ext: string, to: string) => route({ source: 'internal', realm: 'rt.pbx.test', from: ids[ext]!.sip, to });
      const main = () => route({ source: 'trunk', from: '+61412000000', to: '+61291234500' });
      assert.deepEqual((await star('101', '*28')).body, { version: '1.0', action: 'reject', code: 403, reason: 'Forbidden - Day/Night is not allowed for extension 101' });
      assert.deepEqual((await star('101', '*29')).body, { version: '1.0', action: 'reject', code: 403, reason: 'Forbidden - updating recordings is not allowed for extension 101' });
      await updateUser(s.deps, SYSTEM_ACTOR, a.code, ids['101']!.id, { security: { handsetManagement: { toggleDayNight: true, updateRecordings: true } } });
      await applyChanges(s.deps, SYSTEM_ACTOR, a.code);
      const first = await star('101', '*28');
      assert.equal(first.body.action, 'route');
      assert.equal(first.body.routes[0]!.uri, 'sip:*28@127.0.0.1:5095');
      assert.match(first.body.routes[0]!.headers!.extra, new RegExp(`X-Switchboard-Feature: daynight;mode=night;account=rt;office=${officeId}\r\n`));
      assert.equal((await main()).body.action, 'voicemail', 'night: the night destination at once');
      const office = await s.api('GET', `/api/v1/accounts/${a.code}/offices/${officeId}`);
      assert.equal(office.body.dayNightMode, 'night');
      const second = await star('101', '*28');
      assert.match(second.body.routes[0]!.headers!.extra, /daynight;mode=day;/, 'a second *28 toggles back (never a memoised answer)');
      assert.equal((await main()).body.routes[0]!.uri, `sip:${ids['102']!.sip}@rt.pbx.test;sb=aor`);
      const audit = await s.api('GET', `/api/v1/accounts/${a.code}/audit?resource=office&action=day_night_changed`);
      const [last, prev] = audit.body.items;
      assert.deepEqual([last.actor.kind, last.actor.id, last.after], ['user', ids['101']!.id, { dayNightMode: 'day' }]);
      assert.match(last.actor.label, /^101 .*handset \*28/);
      assert.deepEqual(prev.after, { dayNightMode: 'night' });
      const options = await star('101', '*29');
      assert.equal(options.body.action, 'voicemail');
      assert.equal(options.body.routes[0]!.headers!.extra, 'X-Switchboard-Voicemail: access;mailbox=101;account=rt;menu=options\r\n');
    });
  });
}
