import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { asUser, makeTenant, testUserAuthenticator, type Tenant } from '../../../test/support/devices.ts';
import { createRecordingNotifier } from './notifier.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`devices API (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    const notifier = createRecordingNotifier('sent');
    const base = () => `/api/v1/accounts/${t.code}/devices`;

    before(async () => {
      s = await startTestServer(kind, { deviceNotifier: notifier, authenticators: [testUserAuthenticator(() => s.store.database.db)] });
      t = await makeTenant(s, 'acme');
      other = await makeTenant(s, 'globex');
    });
    after(() => s?.close());

    it('adds a handset for a user: MAC normalised, vendor guessed from the OUI, label follows the user', async () => {
      const r = await s.api('POST', base(), { mac: '80-5E-C0-12-34-56', model: 'T46U', userId: t.users.basic });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.mac, '805ec0123456');
      assert.equal(r.body.macFormatted, '80:5e:c0:12:34:56');
      assert.equal(r.body.vendor, 'yealink');
      assert.equal(r.body.model, 't46u');
      assert.equal(r.body.label, `Bea acme (${t.extensions.basic})`);
      assert.equal(r.body.customLabel, false);
      assert.equal(r.body.officeId, t.offices.main);
      assert.equal(r.body.lock.locked, false);
      assert.equal(r.body.resync.pending, false);
    });

    it('refuses bad input naming the field, and writes nothing', async () => {
      const cases: Array<[object, string]> = [
        [{ mac: 'zz:zz', model: 't46u' }, 'mac'],
        [{ mac: '01:00:5e:00:00:01', model: 't46u', vendor: 'yealink' }, 'mac'],
        [{ mac: '00:00:00:00:00:00', model: 't46u', vendor: 'yealink' }, 'mac'],
        [{ mac: 'aa0000000001', model: 't46u' }, 'vendor'],
        [{ mac: '805ec0000001', model: 'x9000' }, 'model'],
        [{ mac: '805ec0000001', model: 't31g', lineKeys: [{ type: 'line' }, { type: 'line' }, { type: 'line' }] }, 'lineKeys'],
        [{ mac: '805ec0000001', model: 't46u', lineKeys: [{ type: 'blf', value: 'abc' }] }, 'lineKeys.0.value'],
        [{ mac: '805ec0000001', model: 't46u', settings: { 'bad key!': 'x' } }, 'settings.bad key!'],
        [{ mac: '805ec0000001', model: 't46u', settings: { 'account.1.label': 'x\ny=1' } }, 'settings.account.1.label'],
        [{ mac: '805ec0000001', model: 't46u', userId: other.users.basic }, 'userId'],
      ];
      for (const [body, field] of cases) {
        const r = await s.api('POST', base(), body);
        assert.ok(r.status === 400 || r.status === 422, `${JSON.stringify(body)} → ${r.text}`);
        assert.ok(r.body.fields.some((f: { field: string }) => f.field === field), `${field} in ${r.text}`);
      }
      const list = await s.api('GET', `${base()}?mac=805ec0000001`);
      assert.equal(list.body.total, 0);
    });

    it("refuses a MAC already registered in another account without naming that account", async () => {
      const mine = await s.api('POST', `/api/v1/accounts/${other.code}/devices`, { mac: '000b82000001', model: 'gxp2170', label: 'Globex reception' });
      assert.equal(mine.status, 201, mine.text);
      const r = await s.api('POST', base(), { mac: '00:0B:82:00:00:01', model: 'gxp2170' });
      assert.equal(r.status, 409);
      assert.equal(r.body.fields[0].field, 'mac');
      assert.doesNotMatch(r.text, /globex|Globex reception/i);
      assert.doesNotMatch(r.text, new RegExp(other.accountId));
      // and the same MAC twice in one account
      const dup = await s.api('POST', base(), { mac: '805ec0123456', model: 't46u' });
      assert.equal(dup.status, 409);
      // moving a handset onto a taken MAC is refused the same way
      const spare = await s.api('POST', base(), { mac: '805ec0000099', model: 't46u' });
      const mv = await s.api('PATCH', `${base()}/${spare.body.id}`, { mac: '000b82000001', vendor: 'grandstream', model: 'gxp2170' });
      assert.equal(mv.status, 409);
      assert.doesNotMatch(mv.text, /globex/i);
    });

    it('lists with filters: by user, spares, assigned', async () => {
      await s.api('POST', base(), { mac: '0004f2000001', model: 'vvx411' }); // spare
      await s.api('POST', base(), { mac: '000413000001', model: 'd735', userId: t.users.basic2 });
      const byUser = await s.api('GET', `${base()}?userId=${t.users.basic}`);
      assert.equal(byUser.status, 200);
      assert.deepEqual(byUser.body.items.map((d: { mac: string }) => d.mac), ['805ec0123456']);
      const spares = await s.api('GET', `${base()}?unassigned=true`);
      assert.ok(spares.body.items.length >= 2);
      assert.ok(spares.body.items.every((d: { userId: string | null; label: string }) => d.userId === null && d.label === 'Spare handset'));
      const assigned = await s.api('GET', `${base()}?unassigned=false`);
      assert.ok(assigned.body.items.every((d: { userId: string | null }) => d.userId !== null));
      assert.equal(assigned.body.total + spares.body.total, (await s.api('GET', base())).body.total);
    });

    it('seed 002: renaming the user renames the handset; an explicit label sticks', async () => {
      const dev = (await s.api('GET', `${base()}?userId=${t.users.basic}`)).body.items[0];
      await s.api('PATCH', `/api/v1/accounts/${t.code}/users/${t.users.basic}`, { displayName: 'Beatrice Renamed' });
      const after1 = await s.api('GET', `${base()}/${dev.id}`);
      assert.equal(after1.body.label, `Beatrice Renamed (${t.extensions.basic})`);
      const named = await s.api('PATCH', `${base()}/${dev.id}`, { label: 'Front desk' });
      assert.equal(named.body.label, 'Front desk');
      assert.equal(named.body.customLabel, true);
      const back = await s.api('PATCH', `${base()}/${dev.id}`, { label: null });
      assert.equal(back.body.label, `Beatrice Renamed (${t.extensions.basic})`);
    });

    it('changing the user asks their handsets to resync (notifier called, recorded on the device)', async () => {
      const dev = (await s.api('GET', `${base()}?userId=${t.users.basic}`)).body.items[0];
      const before = notifier.calls.length;
      const r = await s.api('POST', `/api/v1/accounts/${t.code}/users/${t.users.basic}/sip-password`);
      assert.equal(r.status, 200, r.text);
      assert.ok(notifier.calls.slice(before).some((c) => c.id === dev.id && c.mac === dev.mac));
      const d = await s.api('GET', `${base()}/${dev.id}`);
      assert.equal(d.body.resync.status, 'sent');
      assert.equal(d.body.resync.pending, true);
    });

    it('a call-routing user gets no handset: refused on create and on reassign (422 userId)', async () => {
      const cr = await s.api('POST', `/api/v1/accounts/${t.code}/users`, { firstName: 'Reception', officeId: t.offices.main, userType: 'call_routing', scope: 'no_portal' });
      assert.equal(cr.status, 201, cr.text);
      const add = await s.api('POST', base(), { mac: '805ec0000c01', model: 't46u', userId: cr.body.id });
      assert.equal(add.status, 422, add.text);
      assert.deepEqual(add.body.fields, [{ field: 'userId', reason: 'a call-routing user has no handsets' }]);
      assert.equal((await s.api('GET', `${base()}?mac=805ec0000c01`)).body.total, 0, 'nothing written');
      const spare = await s.api('POST', base(), { mac: '805ec0000c02', model: 't46u' });
      assert.equal(spare.status, 201, spare.text);
      const move = await s.api('PATCH', `${base()}/${spare.body.id}`, { userId: cr.body.id, label: 'Reception desk' });
      assert.equal(move.status, 422, move.text);
      assert.ok(move.body.fields.some((f: { field: string; reason: string }) => f.field === 'userId' && f.reason === 'a call-routing user has no handsets'), move.text);
      const still = (await s.api('GET', `${base()}/${spare.body.id}`)).body;
      assert.equal(still.userId, null);
      assert.equal(still.label, 'Spare handset');
      // any other user type may have one
      const teams = await s.api('POST', `/api/v1/accounts/${t.code}/users`, { firstName: 'Tess', officeId: t.offices.main, userType: 'teams' });
      assert.equal((await s.api('PATCH', `${base()}/${spare.body.id}`, { userId: teams.body.id })).status, 200);
      // ... and a user with a handset cannot become a call-routing user until it is gone
      const retype = await s.api('PATCH', `/api/v1/accounts/${t.code}/users/${teams.body.id}`, { userType: 'call_routing' });
      assert.equal(retype.status, 422, retype.text);
      assert.equal(retype.body.fields[0].field, 'userType');
      assert.equal((await s.api('GET', `/api/v1/accounts/${t.code}/users/${teams.body.id}`)).body.userType, 'teams', 'nothing written');
      assert.equal((await s.api('DELETE', `${base()}/${spare.body.id}`)).status, 204);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${t.code}/users/${teams.body.id}`, { userType: 'call_routing' })).status, 200);
    });

    it('Apply Changes resyncs the handsets it changed; on an applied account a save alone resyncs nothing (real event bus)', async () => {
      const a = await makeTenant(s, 'applyco');
      const dbase = `/api/v1/accounts/${a.code}/devices`;
      const add = async (mac: string, userId: string) => {
        const r = await s.api('POST', dbase, { mac, model: 't46u', userId });
        assert.equal(r.status, 201, r.text);
        return r.body.id as string;
      };
      const bea = await add('805ec0a00001', a.users.basic);
      const ben = await add('805ec0a00002', a.users.basic2);
      const bran = await add('805ec0a00003', a.users.branchUser); // branch office
      const spare = await s.api('POST', dbase, { mac: '805ec0a00004', model: 't46u' });
      let mark = notifier.calls.length;
      const since = () => {
        const ids = new Set(notifier.calls.slice(mark).map((c) => c.id));
        mark = notifier.calls.length;
        return ids;
      };
      const requestedAt = async (id: string) => (await s.api('GET', `${dbase}/${id}`)).body.resync.requestedAt as string | null;
      const apply = async () => assert.equal((await s.api('POST', `/api/v1/accounts/${a.code}/config/apply`, {})).status, 201);

      // never applied: the live tables are served, so a save resyncs at once
      await s.api('PATCH', `/api/v1/accounts/${a.code}/users/${a.users.basic}`, { displayName: 'Bea Live' });
      assert.deepEqual([...since()], [bea]);

      // first apply: every handset is new in the snapshot
      await apply();
      assert.deepEqual([...since()].sort(), [bea, ben, bran, spare.body.id].sort());
      for (const id of [bea, ben, bran]) {
        const d = (await s.api('GET', `${dbase}/${id}`)).body;
        assert.ok(d.resync.requestedAt, id);
        assert.equal(d.resync.pending, true, id);
        assert.equal(d.resync.status, 'sent', id);
      }

      // applied account: saving a user, an office, a user's call settings changes nothing the phones get
      const beaAt = await requestedAt(bea);
      const branAt = await requestedAt(bran);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${a.code}/users/${a.users.basic}`, { displayName: 'Bea Saved' })).status, 200);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${a.code}/offices/${a.offices.branch}`, { timezone: 'Europe/Dublin' })).status, 200);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${a.code}/users/${a.users.basic2}`, { ringTime: 30 })).status, 200);
      assert.equal((await s.api('PATCH', `${dbase}/${spare.body.id}`, { label: 'Lobby' })).status, 200);
      assert.deepEqual([...since()], [], 'no resync for a save without apply');
      assert.equal(await requestedAt(bea), beaAt);
      assert.equal(await requestedAt(bran), branAt);

      // apply: the renamed user's handset, the handsets of the office whose time zone changed, the relabelled
      // spare; not Ben's (ring time is not in a phone's file)
      await new Promise((r) => setTimeout(r, 5));
      await apply();
      assert.deepEqual([...since()].sort(), [bea, bran, spare.body.id].sort());
      assert.notEqual(await requestedAt(bea), beaAt);
      assert.notEqual(await requestedAt(bran), branAt);

      // what the file reads live still resyncs on save: a new SIP password, disabling the user
      const pw = await s.api('POST', `/api/v1/accounts/${a.code}/users/${a.users.basic}/sip-password`);
      assert.equal(pw.status, 200, pw.text);
      assert.deepEqual([...since()], [bea]);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${a.code}/users/${a.users.basic2}`, { enabled: false })).status, 200);
      assert.deepEqual([...since()], [ben]);

      // discard: the served snapshot stays; only what the restore changes in the live fields resyncs (Ben is
      // enabled again), not Bran's unapplied rename, not Bea (a SIP password is live, kept by a discard)
      await s.api('PATCH', `/api/v1/accounts/${a.code}/users/${a.users.branchUser}`, { displayName: 'Bran Draft' });
      assert.deepEqual([...since()], []);
      const discard = await s.api('POST', `/api/v1/accounts/${a.code}/config/discard`, {});
      assert.equal(discard.status, 200, discard.text);
      assert.deepEqual([...since()], [ben]);
    });

    it('resync and unlock actions', async () => {
      const dev = (await s.api('GET', `${base()}?userId=${t.users.basic2}`)).body.items[0];
      const r = await s.api('POST', `${base()}/${dev.id}/resync`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.resync.requestedAt);
      assert.equal(r.body.resync.pending, true);
      assert.equal(notifier.calls.at(-1)!.id, dev.id);
      const u = await s.api('POST', `${base()}/${dev.id}/unlock`);
      assert.equal(u.status, 200);
      const until = Date.parse(u.body.lock.unlockedUntil) - Date.now();
      assert.ok(until > 23.9 * 3600_000 && until <= 24 * 3600_000, String(until));
    });

    it('a user with a handset is deleted only with cascade (seed 002), which removes the handset too', async () => {
      const u = await s.api('POST', `/api/v1/accounts/${t.code}/users`, { firstName: 'Temp', officeId: t.offices.main });
      const d = await s.api('POST', base(), { mac: '000e08000001', model: 'spa504g', userId: u.body.id });
      assert.equal(d.body.userId, u.body.id);
      const refused = await s.api('DELETE', `/api/v1/accounts/${t.code}/users/${u.body.id}`);
      assert.equal(refused.status, 409);
      assert.ok(refused.body.usage.some((i: { kind: string; id: string }) => i.kind === 'device' && i.id === d.body.id), refused.text);
      assert.equal((await s.api('GET', `${base()}/${d.body.id}`)).body.userId, u.body.id, 'nothing changed');
      assert.equal((await s.api('DELETE', `/api/v1/accounts/${t.code}/users/${u.body.id}?cascade=true`)).status, 204);
      assert.equal((await s.api('GET', `${base()}/${d.body.id}`)).status, 404);
    });

    it('unassigning a handset makes it a spare', async () => {
      const u = await s.api('POST', `/api/v1/accounts/${t.code}/users`, { firstName: 'Temp2', officeId: t.offices.main });
      const d = await s.api('POST', base(), { mac: '000e08000002', model: 'spa504g', userId: u.body.id });
      const un = await s.api('PATCH', `${base()}/${d.body.id}`, { userId: null });
      assert.equal(un.status, 200, un.text);
      assert.equal(un.body.userId, null);
      assert.equal(un.body.label, 'Spare handset');
      assert.equal((await s.api('DELETE', `/api/v1/accounts/${t.code}/users/${u.body.id}`)).status, 204);
    });

    it('another tenant can neither read nor change a handset (404)', async () => {
      const dev = (await s.api('GET', `${base()}?userId=${t.users.basic}`)).body.items[0];
      const them = asUser(other.users.manager);
      for (const [m, p, b] of [
        ['GET', `${base()}/${dev.id}`],
        ['GET', base()],
        ['PATCH', `${base()}/${dev.id}`, { label: 'pwned' }],
        ['DELETE', `${base()}/${dev.id}`],
        ['POST', `${base()}/${dev.id}/unlock`],
        ['POST', `${base()}/${dev.id}/resync`],
        ['POST', base(), { mac: '805ec0000777', model: 't46u' }],
      ] as Array<[string, string, object?]>) {
        const r = await s.api(m, p, b, them);
        assert.equal(r.status, 404, `${m} ${p} → ${r.status} ${r.text}`);
      }
      // their own account's URL with our device id: not found either
      const r = await s.api('GET', `/api/v1/accounts/${other.code}/devices/${dev.id}`, undefined, them);
      assert.equal(r.status, 404);
      assert.equal((await s.api('GET', `${base()}/${dev.id}`)).body.label, `Beatrice Renamed (${t.extensions.basic})`);
    });

    it('lower roles: basic users read only their own; site managers act in their office only', async () => {
      const mine = (await s.api('GET', `${base()}?userId=${t.users.basic}`)).body.items[0];
      const bens = (await s.api('GET', `${base()}?userId=${t.users.basic2}`)).body.items[0];
      const bea = asUser(t.users.basic);
      assert.equal((await s.api('GET', `${base()}/${mine.id}`, undefined, bea)).status, 200);
      assert.equal((await s.api('GET', `${base()}/${bens.id}`, undefined, bea)).status, 403);
      const list = await s.api('GET', base(), undefined, bea);
      assert.deepEqual(list.body.items.map((d: { id: string }) => d.id), [mine.id]);
      assert.equal((await s.api('PATCH', `${base()}/${mine.id}`, { label: 'mine' }, bea)).status, 403);
      assert.equal((await s.api('POST', `${base()}/${mine.id}/unlock`, undefined, bea)).status, 403);
      assert.equal((await s.api('POST', `${base()}/${mine.id}/resync`, undefined, bea)).status, 403);
      assert.equal((await s.api('DELETE', `${base()}/${mine.id}`, undefined, bea)).status, 403);
      assert.equal((await s.api('POST', base(), { mac: '805ec0000555', model: 't46u', userId: t.users.basic }, bea)).status, 403);

      const sam = asUser(t.users.site);
      const branchDev = await s.api('POST', base(), { mac: '805ec0000444', model: 't46u', userId: t.users.branchUser });
      assert.equal((await s.api('GET', `${base()}/${bens.id}`, undefined, sam)).status, 200);
      assert.equal((await s.api('PATCH', `${base()}/${bens.id}`, { label: 'Ben desk' }, sam)).status, 200);
      assert.equal((await s.api('GET', `${base()}/${branchDev.body.id}`, undefined, sam)).status, 403);
      assert.equal((await s.api('PATCH', `${base()}/${branchDev.body.id}`, { label: 'x' }, sam)).status, 403);
      // cannot hand an own-office handset to a user of another office, nor add one there
      assert.equal((await s.api('PATCH', `${base()}/${bens.id}`, { userId: t.users.branchUser }, sam)).status, 403);
      assert.equal((await s.api('POST', base(), { mac: '805ec0000333', model: 't46u', userId: t.users.branchUser }, sam)).status, 403);
      const samList = await s.api('GET', base(), undefined, sam);
      assert.ok(samList.body.items.every((d: { officeId: string | null }) => d.officeId === t.offices.main));
      assert.ok(!samList.body.items.some((d: { id: string }) => d.id === branchDev.body.id));
      assert.equal((await s.api('GET', `${base()}/${branchDev.body.id}`)).body.label, `Bran acme (${t.extensions.branchUser})`);
      // office manager: whole account
      const olivia = asUser(t.users.manager);
      assert.equal((await s.api('PATCH', `${base()}/${branchDev.body.id}`, { label: 'Branch desk' }, olivia)).status, 200);
    });

    it('deletes a handset', async () => {
      const d = await s.api('POST', base(), { mac: '805ec0000222', model: 't46u' });
      assert.equal((await s.api('DELETE', `${base()}/${d.body.id}`)).status, 204);
      assert.equal((await s.api('GET', `${base()}/${d.body.id}`)).status, 404);
    });
  });
}
