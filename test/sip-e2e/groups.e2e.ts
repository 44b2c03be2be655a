/**
 * SIP end-to-end for ring groups and account numbers (issue 14): a ring group's fallback (a user's devices, a
 * mailbox, busy) after its members, offline members skipped; a DDI assigned to a ring group and an office's main
 * number (Day/Night) from the carrier side; an extension change (the new number rings, the old one is 404, a
 * diversion that pointed at the old one reaches the new one). Real Kamailio, real routing endpoint, test UAs.
 * Run: flock /tmp/sip-e2e.lock node scripts/run-tests.mjs test/sip-e2e/groups.e2e.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../support/stores.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { updateUser } from '../../src/modules/users/service.ts';
import { createRingGroup, updateRingGroup } from '../../src/modules/ring-groups/service.ts';
import { assignNumber } from '../../src/modules/numbers/service.ts';
import { setDayNight, updateOffice } from '../../src/modules/offices/service.ts';
import { kamailioMissing, REALM, startStack, type Stack } from './stack.ts';
import { gateway, inboundCall, UA } from './ua.ts';

const missing = kamailioMissing();
const PROXY = '127.0.0.1:5070';
const GROUP_DDI = '+61291234502';
const MAIN_NUMBER = '+61291234500';
const CARRIER_CALLER = '+61412000000';

for (const { kind, skip } of await storeKinds()) {
  describe(`ring groups and account numbers through Kamailio (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let s: Stack;
    let trunk: UA;
    let vm: UA;
    const phones: UA[] = [];
    const users: Record<string, { id: string; user: string; password: string }> = {};
    let caller: UA;
    let m1: UA;
    let m2: UA;
    let fb: UA;
    let groupId = '';
    const phone = (ext: string, port: number) => {
      const u = users[ext]!;
      const ua = new UA({ user: u.user, password: u.password, domain: REALM, port, proxy: PROXY }).start();
      phones.push(ua);
      return ua;
    };
    const group = (patch: Parameters<typeof updateRingGroup>[4]) => updateRingGroup(s.server.deps, SYSTEM_ACTOR, 'e2e', groupId, patch);
    const since = (ua: UA, n: number) => ua.invites().slice(n);

    before(async () => {
      s = await startStack(kind);
      for (const ext of ['201', '202', '203', '204']) users[ext] = await s.addUser({ extension: ext, ringTime: 5 });
      trunk = gateway(5090);
      vm = gateway(5095);
      caller = phone('201', 5101);
      m1 = phone('202', 5102);
      m2 = phone('203', 5103);
      fb = phone('204', 5104);
      for (const ua of [caller, m1, m2, fb]) assert.equal((await ua.register()).status, 200);
      const g = await createRingGroup(s.server.deps, SYSTEM_ACTOR, 'e2e', {
        name: 'Sales',
        extension: '600',
        strategy: 'simultaneous',
        ringTime: 5,
        members: [users['202']!.id, users['203']!.id],
        fallback: { kind: 'user', userId: users['204']!.id },
      });
      groupId = g.id;
      await assignNumber(s.server.deps, SYSTEM_ACTOR, 'e2e', GROUP_DDI, { ringGroupId: groupId });
    });

    after(async () => {
      for (const ua of phones) {
        await Promise.race([ua.unregister(), new Promise((r) => setTimeout(r, 500))]);
        ua.stop();
      }
      trunk?.stop();
      vm?.stop();
      await s?.close();
    });

    test('carrier → DDI assigned to the group: the members ring together for the ring time, then the fallback user answers', async () => {
      m1.mode = 'ring';
      m2.mode = 'ring';
      fb.mode = 'answer';
      const n = [m1.invites().length, m2.invites().length, fb.invites().length];
      const t0 = Date.now();
      const r = await inboundCall(trunk, PROXY, GROUP_DDI, CARRIER_CALLER);
      assert.equal(r.status, 200, JSON.stringify(r));
      const [a, b, f] = [since(m1, n[0]!), since(m2, n[1]!), since(fb, n[2]!)];
      assert.equal(a.length, 1, 'member 202 rang');
      assert.equal(b.length, 1, 'member 203 rang');
      assert.equal(f.length, 1, 'the fallback user rang');
      assert.equal(a[0]!.headers['x-switchboard-ring-group'], '600');
      assert.equal(f[0]!.headers['x-switchboard-ring-group'], undefined, 'the fallback leg is not a member branch');
      const gap = f[0]!.at - a[0]!.at;
      assert.ok(gap >= 4500 && gap < 8000, `the fallback rang ${gap} ms after the members (group ring time 5 s)`);
      assert.ok(Date.now() - t0 >= 4500);
      assert.ok(m1.received.some((m) => m.method === 'CANCEL' && m.callId === a[0]!.callId), 'the members were cancelled');
    });

    test('sequential with a voicemail fallback: each member in turn, then the mailbox (deposit header at the voicemail server)', async () => {
      await group({ strategy: 'sequential', fallback: { kind: 'voicemail', userId: users['204']!.id } });
      m1.mode = 'ring';
      m2.mode = 'ring';
      const [n1, n2, nv, nf] = [m1.invites().length, m2.invites().length, vm.invites().length, fb.invites().length];
      const r = await caller.call('600');
      assert.equal(r.status, 200, JSON.stringify(r));
      const [a, b, v] = [since(m1, n1), since(m2, n2), since(vm, nv)];
      assert.equal(a.length, 1);
      assert.equal(b.length, 1);
      assert.equal(v.length, 1, 'the voicemail server got the call');
      assert.equal(fb.invites().length, nf, "the mailbox owner's phone did not ring");
      assert.ok(b[0]!.at - a[0]!.at >= 4500, 'member 2 after member 1');
      assert.ok(v[0]!.at - b[0]!.at >= 4500, 'the mailbox after the last member');
      assert.match(JSON.stringify(v[0]!.headers), /deposit;mailbox=204;account=e2e/);
    });

    test('an offline member is skipped (no wait for their ring time); the fallback follows the registered one', async () => {
      await m1.unregister();
      m2.mode = 'ring';
      const [n2, nv] = [m2.invites().length, vm.invites().length];
      const t0 = Date.now();
      const r = await caller.call('600');
      const took = Date.now() - t0;
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.equal(since(m2, n2).length, 1);
      assert.equal(since(vm, nv).length, 1);
      assert.ok(took >= 4500 && took < 9000, `one member's ring time, not two (${took} ms)`);
      assert.equal((await m1.register()).status, 200);
    });

    test("busy fallback: nobody answers → 486; with every member offline → 486 at once", async () => {
      await group({ strategy: 'simultaneous', fallback: { kind: 'busy' } });
      m1.mode = 'ring';
      m2.mode = 'ring';
      const r = await caller.call('600');
      assert.equal(r.status, 486, JSON.stringify(r));
      await m1.unregister();
      await m2.unregister();
      const t0 = Date.now();
      const at = await caller.call('600');
      assert.equal(at.status, 486, JSON.stringify(at));
      assert.ok(Date.now() - t0 < 2000, 'at once');
      assert.equal((await m1.register()).status, 200);
      assert.equal((await m2.register()).status, 200);
    });

    test("carrier → the office's main number: the day destination (the ring group), then by night the mailbox", async () => {
      await group({ fallback: { kind: 'none' } });
      await updateOffice(s.server.deps, SYSTEM_ACTOR, 'e2e', s.officeId, { dayDestination: '600', nightDestination: 'voicemail:204' });
      m1.mode = 'answer';
      m2.mode = 'ring';
      const [n1, n2] = [m1.invites().length, m2.invites().length];
      const day = await inboundCall(trunk, PROXY, MAIN_NUMBER, CARRIER_CALLER);
      assert.equal(day.status, 200, JSON.stringify(day));
      assert.equal(since(m1, n1).length, 1);
      assert.equal(since(m2, n2).length, 1);
      assert.equal(since(m1, n1)[0]!.headers['x-switchboard-ring-group'], '600');
      await setDayNight(s.server.deps, SYSTEM_ACTOR, 'e2e', s.officeId, 'night');
      const nv = vm.invites().length;
      const [o1, o2] = [m1.invites().length, m2.invites().length];
      const night = await inboundCall(trunk, PROXY, MAIN_NUMBER, CARRIER_CALLER);
      assert.equal(night.status, 200, JSON.stringify(night));
      assert.equal(since(vm, nv).length, 1);
      assert.match(JSON.stringify(since(vm, nv)[0]!.headers), /deposit;mailbox=204;account=e2e/);
      assert.equal(m1.invites().length + m2.invites().length, o1 + o2, 'the group did not ring by night');
      await setDayNight(s.server.deps, SYSTEM_ACTOR, 'e2e', s.officeId, 'day');
      // the carrier calling a number nobody has: 404
      assert.equal((await inboundCall(trunk, PROXY, '+61299999999', CARRIER_CALLER)).status, 404);
    });

    test('extension change: the new number rings the user, the old one answers 404, a diversion to the old one reaches the new one', async () => {
      // 202 diverts everything to 204; then 204 becomes 214
      await updateUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users['202']!.id, { features: { divertAll: { enabled: true, destination: '204' } } });
      await updateUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users['204']!.id, { extension: '214' });
      fb.mode = 'answer';
      const nf = fb.invites().length;
      const r = await caller.call('214');
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.equal(since(fb, nf).length, 1, '214 rang the user');
      const old = await caller.call('204');
      assert.equal(old.status, 404, JSON.stringify(old));
      const n1 = m1.invites().length;
      const nf2 = fb.invites().length;
      const diverted = await caller.call('202');
      assert.equal(diverted.status, 200, JSON.stringify(diverted));
      assert.equal(m1.invites().length, n1, '202 diverts all');
      const inv = since(fb, nf2);
      assert.equal(inv.length, 1, 'the diversion reached 214');
      assert.match(String(inv[0]!.headers.diversion), /<sip:202@e2e\.pbx\.test>;reason=unconditional/);
      // the caller ID of the changed user follows: 214 calls 201
      caller.mode = 'answer';
      const nc = caller.invites().length;
      assert.equal((await fb.call('201')).status, 200);
      assert.match(String(since(caller, nc)[0]!.headers['p-asserted-identity']), /<sip:214@e2e\.pbx\.test>/);
    });
  });
}
