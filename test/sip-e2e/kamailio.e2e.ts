/**
 * SIP end-to-end: real Kamailio on 127.0.0.1:5070 with the project's config, real Switchboard HTTP server and
 * store (SQLite, then PostgreSQL), real SIP traffic from test user agents on fixed loopback ports.
 * Run by .ci/steps.d/50-sip-e2e.sh (`npm run test:sip`). Named *.e2e.ts, not *.test.ts, so `npm test`'s walk
 * does not pick it up (it needs Kamailio and fixed ports); it skips with a reason when Kamailio is absent, never in CI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../support/stores.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { nowIso } from '../../src/shared/ids.ts';
import { createUser, deleteUser, regenerateSipPassword, updateUser } from '../../src/modules/users/service.ts';
import { createAccount } from '../../src/modules/accounts/service.ts';
import { createRingGroup, updateRingGroup } from '../../src/modules/ring-groups/service.ts';
import { createOffice } from '../../src/modules/offices/service.ts';
import { kamailioMissing, REALM, startStack, type Stack } from './stack.ts';
import { gateway, inboundCall, UA } from './ua.ts';
import { createKamailioNotifier, sipTargetResolver } from '../../src/modules/sip/notifier.ts';

const missing = kamailioMissing();
const PROXY = '127.0.0.1:5070';
const BF = { limit: 4, windowSeconds: 60, blockSeconds: 60 };

for (const { kind, skip } of await storeKinds()) {
  describe(`SIP through Kamailio (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let s: Stack;
    let trunk: UA;
    let vm: UA;
    const phones: UA[] = [];
    const users: Record<string, { id: string; user: string; password: string }> = {};
    // Tests that fail authentication on purpose use their own loopback address (127.0.0.x), so they do not
    // add up to the brute-force limit of the phones on 127.0.0.1.
    const phone = (ext: string, port: number, password?: string, address?: string) => {
      const u = users[ext]!;
      const ua = new UA({ user: u.user, password: password ?? u.password, domain: REALM, port, proxy: PROXY, address }).start();
      phones.push(ua);
      return ua;
    };
    let a: UA;
    let b: UA;
    let c: UA;

    before(async () => {
      s = await startStack(kind, { bruteForce: BF });
      for (const ext of ['101', '102', '103', '104']) users[ext] = await s.addUser({ extension: ext, ringTime: 5 });
      trunk = gateway(5090);
      vm = gateway(5095);
      a = phone('101', 5101);
      b = phone('102', 5102);
      c = phone('103', 5103);
      for (const ua of [a, b, c]) assert.equal((await ua.register()).status, 200);
    });

    after(async () => {
      for (const ua of phones) {
        if (!ua.stack) continue;
        await Promise.race([ua.unregister(), new Promise((r) => setTimeout(r, 500))]);
        ua.stop();
      }
      trunk?.stop();
      vm?.stop();
      await s?.close();
    });

    const update = (ext: string, patch: Parameters<typeof updateUser>[4]) => updateUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users[ext]!.id, patch);

    test('REGISTER: right password 200, wrong password and unknown user 403', async () => {
      assert.equal((await a.register()).status, 200);
      const wrong = phone('104', 5104, 'not-the-password', '127.0.0.11');
      assert.equal((await wrong.register()).status, 403);
      const stranger = new UA({ user: 'nobody', password: 'x', domain: REALM, port: 5105, proxy: PROXY, address: '127.0.0.12' }).start();
      phones.push(stranger);
      assert.equal((await stranger.register()).status, 403);
      // same username under another realm is another tenant's identity: refused
      const otherRealm = new UA({ user: users['101']!.user, password: users['101']!.password, domain: 'other.pbx.test', port: 5106, proxy: PROXY, address: '127.0.0.13' }).start();
      phones.push(otherRealm);
      assert.equal((await otherRealm.register()).status, 403);
      stranger.stop();
      otherRealm.stop();
      wrong.stop();
    });

    test('disabled user, regenerated password and deleted user fail on the next attempt', async () => {
      const d = phone('104', 5107, undefined, '127.0.0.14');
      assert.equal((await d.register()).status, 200);
      await update('104', { enabled: false });
      assert.equal((await d.register()).status, 403);
      await update('104', { enabled: true });
      assert.equal((await d.register()).status, 200);
      const fresh = await regenerateSipPassword(s.server.deps, SYSTEM_ACTOR, 'e2e', users['104']!.id);
      assert.equal((await d.register()).status, 403, 'old password refused');
      assert.equal((await d.register(300, fresh.sipPassword)).status, 200, 'new password accepted');
      await d.register(0, fresh.sipPassword);
      await deleteUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users['104']!.id);
      assert.equal((await d.register(300, fresh.sipPassword)).status, 403, 'deleted user refused');
      d.stop();
    });

    test('INVITE needs credentials: a wrong password is refused', async () => {
      const liar = new UA({ user: users['101']!.user, password: 'wrong', domain: REALM, port: 5108, proxy: PROXY, address: '127.0.0.15' }).start();
      phones.push(liar);
      const r = await liar.call('102');
      assert.equal(r.status, 403);
      liar.stop();
    });

    test('extension to extension: answered by the callee device, caller ID asserted', async () => {
      b.mode = 'answer';
      const before = b.invites().length;
      const r = await a.call('102');
      assert.equal(r.status, 200);
      assert.equal(r.bye, 200);
      const got = b.invites().slice(before);
      assert.equal(got.length, 1);
      assert.match(String(got[0]!.headers['p-asserted-identity'] ?? JSON.stringify(got[0]!.headers)), /101@e2e\.pbx\.test/);
    });

    test('busy: divert on busy to another extension', async () => {
      await update('102', { features: { divertBusy: { enabled: true, destination: '103' } } });
      b.mode = 'busy';
      c.mode = 'answer';
      const cBefore = c.invites().length;
      const r = await a.call('102');
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.equal(c.invites().length, cBefore + 1, 'the busy branch rang 103');
      await update('102', { features: { divertBusy: { enabled: false, destination: null } } });
    });

    test('no answer: after the ring time the call goes to voicemail with the mailbox', async () => {
      b.mode = 'ring';
      const vmBefore = vm.invites().length;
      const t0 = Date.now();
      const r = await a.call('102');
      const took = Date.now() - t0;
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.ok(took >= 4500, `rang ${took} ms, ring time is 5 s`);
      const got = vm.invites().slice(vmBefore);
      assert.equal(got.length, 1);
      assert.match(JSON.stringify(got[0]!.headers), /deposit;mailbox=102;account=e2e/);
      assert.ok(b.received.some((m) => m.method === 'CANCEL'), 'the unanswered device was cancelled');
    });

    test('no answer: divert on no answer to another extension', async () => {
      await update('102', { features: { divertNoAnswer: { enabled: true, destination: '103' } } });
      b.mode = 'ring';
      c.mode = 'answer';
      const cBefore = c.invites().length;
      const r = await a.call('102');
      assert.equal(r.status, 200);
      assert.equal(c.invites().length, cBefore + 1);
      await update('102', { features: { divertNoAnswer: { enabled: false, destination: null } } });
    });

    test('smart calling sequential: the handset rings for the timeout, then the mobile through the trunk', async () => {
      await update('102', { features: { smartCalling: { enabled: true, number: '0412 345 678', timeout: 5, type: 'sequential' } } });
      b.mode = 'ring';
      const trunkBefore = trunk.invites().length;
      const r = await a.call('102');
      assert.equal(r.status, 200);
      const got = trunk.invites().slice(trunkBefore);
      assert.equal(got.length, 1);
      assert.match(got[0]!.ruri, /^sip:\+61412345678@127\.0\.0\.1:5090/);
      assert.equal(got[0]!.headers['p-asserted-identity'], '<sip:+61291234500@e2e.pbx.test>', "the mobile leg presents 102's outbound caller ID, not the internal caller");
      await update('102', { features: { smartCalling: { enabled: false } } });
    });

    test('smart calling parallel: handset and mobile ring together; the mobile answering cancels the handset', async () => {
      await update('102', { features: { smartCalling: { enabled: true, number: '0412 345 678', timeout: 5, type: 'parallel' } } });
      b.mode = 'ring';
      const trunkBefore = trunk.invites().length;
      const bBefore = b.invites().length;
      const t0 = Date.now();
      const r = await a.call('102');
      assert.equal(r.status, 200);
      assert.ok(Date.now() - t0 < 3000, 'answered by the mobile without waiting for a timeout');
      assert.equal(trunk.invites().length, trunkBefore + 1);
      assert.equal(b.invites().length, bBefore + 1, 'the handset rang in parallel');
      // one step, two branches with their own caller ID: the handset sees the caller, the mobile 102's number
      assert.equal(trunk.invites().at(-1)!.headers['p-asserted-identity'], '<sip:+61291234500@e2e.pbx.test>');
      assert.match(String(b.invites().at(-1)!.headers['p-asserted-identity']), /^"User 101" <sip:101@e2e\.pbx\.test>$/);
      await update('102', { features: { smartCalling: { enabled: false } } });
    });

    test('smart calling parallel delayed: the handset alone for the timeout, then handset and mobile together', async () => {
      await update('102', { features: { smartCalling: { enabled: true, number: '0412 345 678', timeout: 5, type: 'parallel_delayed' } } });
      b.mode = 'ring';
      const trunkBefore = trunk.invites().length;
      const bBefore = b.invites().length;
      const t0 = Date.now();
      const r = await a.call('102');
      assert.equal(r.status, 200);
      assert.ok(Date.now() - t0 >= 4500, 'the mobile joined only after the smart-call timeout');
      assert.equal(trunk.invites().length, trunkBefore + 1);
      assert.equal(b.invites().length, bBefore + 2, 'the handset rang in both steps');
      await update('102', { features: { smartCalling: { enabled: false } } });
    });

    describe('ring groups', { concurrency: 1 }, () => {
      let d: UA;
      let groupId = '';
      const group = (patch: Parameters<typeof updateRingGroup>[4]) => updateRingGroup(s.server.deps, SYSTEM_ACTOR, 'e2e', groupId, patch);
      const newInvites = (ua: UA, n: number) => ua.invites().slice(n);
      const cancelled = (ua: UA, callId: string) => ua.received.some((m) => m.method === 'CANCEL' && m.callId === callId);

      before(async () => {
        users['107'] = await s.addUser({ extension: '107', ringTime: 30 });
        d = phone('107', 5111);
        assert.equal((await d.register()).status, 200);
        const g = await createRingGroup(s.server.deps, SYSTEM_ACTOR, 'e2e', { name: 'Sales', extension: '600', strategy: 'simultaneous', ringTime: 5, members: [users['102']!.id, users['103']!.id, users['107']!.id] });
        groupId = g.id;
      });
      after(async () => {
        b.mode = 'answer';
        c.mode = 'answer';
        d.mode = 'answer';
        await update('102', { enabled: true, features: { divertBusy: { enabled: false, destination: null } } });
      });

      test('simultaneous: every member rings at once; the first to answer wins, the others get CANCEL', async () => {
        b.mode = 'ring';
        c.mode = 'ring';
        d.mode = 'answer';
        const n = [b.invites().length, c.invites().length, d.invites().length];
        const t0 = Date.now();
        const r = await a.call('600');
        assert.equal(r.status, 200, JSON.stringify(r));
        assert.equal(r.bye, 200);
        assert.ok(Date.now() - t0 < 3000, 'answered without waiting for a ring time');
        const got = [newInvites(b, n[0]!), newInvites(c, n[1]!), newInvites(d, n[2]!)];
        for (const g of got) assert.equal(g.length, 1, 'each member rang once');
        const times = got.map((g) => g[0]!.at);
        assert.ok(Math.max(...times) - Math.min(...times) < 500, `rang together (${times.map((x) => x - t0).join(', ')} ms)`);
        for (const g of got) {
          assert.equal(g[0]!.headers['x-switchboard-ring-group'], '600');
          assert.match(String(g[0]!.headers['p-asserted-identity']), /^"User 101" <sip:101@e2e\.pbx\.test>$/, 'the caller is asserted');
        }
        const callId = got[2]![0]!.callId;
        // a member whose 180 is still on its way is cancelled once it arrives (RFC 3261 9.1): allow for a loaded machine
        for (let i = 0; i < 100 && !(cancelled(b, callId) && cancelled(c, callId)); i++) await new Promise((res) => setTimeout(res, 50));
        assert.ok(cancelled(b, callId) && cancelled(c, callId), 'the members still ringing were cancelled');
        assert.ok(!cancelled(d, callId), 'not the one who answered');
        assert.ok(d.received.some((m) => m.method === 'BYE' && m.callId === callId), 'the call was with 107');
      });

      test('a disabled member never rings (disabling also removes its registrations: it registers again once enabled)', async () => {
        await update('102', { enabled: false });
        b.mode = 'answer';
        c.mode = 'ring';
        d.mode = 'answer';
        const nb = b.invites().length;
        const nd = d.invites().length;
        const r = await a.call('600');
        assert.equal(r.status, 200, JSON.stringify(r));
        assert.equal(b.invites().length, nb, '102 is disabled');
        assert.equal(d.invites().length, nd + 1);
        await update('102', { enabled: true });
        // its binding went with the disable (src/modules/sip/bindings.ts): the phone registers again
        assert.equal((await b.register()).status, 200);
      });

      test('no answer: after the group ring time the caller gets 480; a busy member does not end the call', async () => {
        b.mode = 'busy';
        c.mode = 'ring';
        d.mode = 'ring';
        const vmBefore = vm.invites().length;
        const t0 = Date.now();
        const r = await a.call('600');
        const took = Date.now() - t0;
        assert.equal(r.status, 480, JSON.stringify(r));
        assert.equal(r.reason, 'Temporarily Unavailable - no answer', 'the final answer of the routing document, not the 408/486 of a branch');
        assert.ok(took >= 4500, `rang ${took} ms, the group ring time is 5 s (102 busy at once did not end it)`);
        assert.equal(vm.invites().length, vmBefore, 'a group has no voicemail');
      });

      test('sequential: member 1 rings for the group ring time, then member 2 (who answers)', async () => {
        await group({ strategy: 'sequential', members: [users['102']!.id, users['103']!.id] });
        b.mode = 'ring';
        c.mode = 'answer';
        d.mode = 'answer';
        const [nb, nc, nd] = [b.invites().length, c.invites().length, d.invites().length];
        const t0 = Date.now();
        const r = await a.call('600');
        assert.equal(r.status, 200, JSON.stringify(r));
        const first = newInvites(b, nb);
        const second = newInvites(c, nc);
        assert.equal(first.length, 1);
        assert.equal(second.length, 1);
        assert.equal(d.invites().length, nd, '107 is no longer a member');
        const gap = second[0]!.at - first[0]!.at;
        assert.ok(gap >= 4500 && gap < 8000, `member 2 rang ${gap} ms after member 1 (ring time 5 s)`);
        assert.ok(cancelled(b, first[0]!.callId), 'member 1 was cancelled when its time was up');
        assert.ok(Date.now() - t0 >= 4500);
        assert.equal(second[0]!.headers['x-switchboard-ring-group'], '600');
      });

      test('sequential, nobody answers: each member in turn, then 480', async () => {
        b.mode = 'ring';
        c.mode = 'ring';
        const [nb, nc] = [b.invites().length, c.invites().length];
        const t0 = Date.now();
        const r = await a.call('600');
        assert.equal(r.status, 480, JSON.stringify(r));
        assert.equal(r.reason, 'Temporarily Unavailable - no answer');
        assert.ok(Date.now() - t0 >= 9500, 'two members, 5 s each');
        assert.equal(b.invites().length, nb + 1);
        assert.equal(c.invites().length, nc + 1);
      });

      test('a user diverting on busy to a simultaneous group: the busy branch rings the members together', async () => {
        await group({ strategy: 'simultaneous', members: [users['103']!.id, users['107']!.id] });
        await update('102', { features: { divertBusy: { enabled: true, destination: '600' } } });
        b.mode = 'busy';
        c.mode = 'ring';
        d.mode = 'answer';
        const [nc, nd] = [c.invites().length, d.invites().length];
        const r = await a.call('102');
        assert.equal(r.status, 200, JSON.stringify(r));
        assert.equal(c.invites().length, nc + 1);
        assert.equal(d.invites().length, nd + 1);
        const inv = d.invites().at(-1)!;
        assert.match(String(inv.headers.diversion), /<sip:102@e2e\.pbx\.test>;reason=user-busy/);
        assert.equal(inv.headers['x-switchboard-ring-group'], '600');
        for (let i = 0; i < 20 && !cancelled(c, inv.callId); i++) await new Promise((res) => setTimeout(res, 50));
        assert.ok(cancelled(c, inv.callId));
      });
    });

    test('toll fraud: a diversion to a number the user may not call is skipped; nothing reaches the trunk', async () => {
      // refused at save ...
      await assert.rejects(update('102', { features: { divertAll: { enabled: true, destination: '+14155552671' } } }), /may not make international calls/);
      // ... and skipped at call time should one exist anyway (a diversion saved before that check): written
      // straight into the store, then an unrelated edit drops the routing cache
      const row = await s.server.deps.database.db.selectFrom('users').select('features').where('id', '=', users['102']!.id).executeTakeFirstOrThrow();
      const features = { ...JSON.parse(row.features), divertAll: { enabled: true, destination: '+14155552671' } };
      await s.server.deps.database.db.updateTable('users').set({ features: JSON.stringify(features) }).where('id', '=', users['102']!.id).execute();
      await update('102', { department: 'Toll fraud test' });
      b.mode = 'busy';
      const trunkBefore = trunk.invites().length;
      const vmBefore = vm.invites().length;
      const r = await a.call('102');
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.equal(trunk.invites().length, trunkBefore, 'international is not enabled for 102: no call to the trunk');
      assert.match(JSON.stringify(vm.invites().slice(vmBefore)[0]?.headers ?? {}), /deposit;mailbox=102/, 'the handset (busy), then voicemail');
      // allowed once the user may call internationally; the leg presents 102's outbound caller ID
      await update('102', { security: { enabledCalls: { international: true } }, features: { divertAll: { enabled: true, destination: '+14155552671' } } });
      const ok = await a.call('102');
      assert.equal(ok.status, 200);
      const got = trunk.invites().slice(trunkBefore);
      assert.equal(got.length, 1);
      assert.match(got[0]!.ruri, /^sip:\+14155552671@/);
      assert.equal(got[0]!.headers['p-asserted-identity'], '<sip:+61291234500@e2e.pbx.test>');
      assert.match(String(got[0]!.headers.diversion), /<sip:102@e2e\.pbx\.test>;reason=unconditional/);
      await update('102', { features: { divertAll: { enabled: false, destination: null } }, security: { enabledCalls: { international: false } } });
      b.mode = 'answer';
    });

    test('a user with no registered device goes straight to voicemail', async () => {
      const offline = await s.addUser({ extension: '105', ringTime: 20 });
      users['105'] = offline;
      const before = vm.invites().length;
      const t0 = Date.now();
      const r = await a.call('105');
      assert.equal(r.status, 200);
      assert.ok(Date.now() - t0 < 3000, 'no ringing time spent on an offline user');
      assert.match(JSON.stringify(vm.invites().slice(before)[0]?.headers ?? {}), /deposit;mailbox=105/);
    });

    test('outbound: international refused with 403 when not enabled; national goes to the trunk with caller ID', async () => {
      const trunkBefore = trunk.invites().length;
      const refused = await a.call('+14155552671');
      assert.equal(refused.status, 403);
      assert.match(refused.reason, /international calls are not enabled/);
      assert.equal(trunk.invites().length, trunkBefore, 'nothing reached the trunk');

      await update('101', { hideCallerId: true });
      const ok = await a.call('0398765432');
      assert.equal(ok.status, 200);
      const got = trunk.invites().slice(trunkBefore);
      assert.equal(got.length, 1);
      assert.match(got[0]!.ruri, /^sip:\+61398765432@/);
      const h = JSON.stringify(got[0]!.headers);
      assert.match(h, /\+61291234500@e2e\.pbx\.test/, 'office default outbound number asserted');
      assert.match(h, /"privacy":"id"/i, 'withheld');
      await update('101', { hideCallerId: false });

      const emergency = await a.call('000');
      assert.equal(emergency.status, 200, 'emergency always allowed');
    });

    test('a phone cannot choose its caller identity or Switchboard headers: forged ones are removed', async () => {
      const forged = {
        'p-asserted-identity': '<sip:+61255550000@e2e.pbx.test>',
        'p-preferred-identity': '<sip:+61255550000@e2e.pbx.test>',
        'remote-party-id': '<sip:+61255550000@e2e.pbx.test>;party=calling;screen=yes',
        privacy: 'none',
        diversion: '<sip:+61255550000@e2e.pbx.test>;reason=unconditional',
        'x-switchboard-voicemail': 'access;mailbox=102;account=e2e',
        'x-switchboard-pickup-group': 'sales;account=e2e',
      };
      const trunkBefore = trunk.invites().length;
      const r = await a.call('0398765432', 50, forged);
      assert.equal(r.status, 200);
      const got = trunk.invites().slice(trunkBefore);
      assert.equal(got.length, 1);
      const h = got[0]!.headers;
      assert.equal(h['p-asserted-identity'], '<sip:+61291234500@e2e.pbx.test>', "Switchboard's caller ID only");
      for (const name of Object.keys(forged).filter((n) => n !== 'p-asserted-identity')) assert.equal(h[name], undefined, `${name} removed`);
      assert.doesNotMatch(JSON.stringify(h), /61255550000/);
      // voicemail access: a forged mailbox never reaches the voicemail server, only the caller's own
      const vmBefore = vm.invites().length;
      assert.equal((await a.call('777', 50, { 'x-switchboard-voicemail': 'access;mailbox=102;account=e2e' })).status, 200);
      assert.equal(vm.invites().slice(vmBefore)[0]!.headers['x-switchboard-voicemail'], 'access;mailbox=101;account=e2e');
    });

    test('out-of-dialog MESSAGE/NOTIFY reach users of the own realm only: another realm or domain is refused 403', async () => {
      const d = s.server.deps;
      await createAccount(d, SYSTEM_ACTOR, { code: 'e2e2', name: 'E2E 2', sipRealm: 'other.pbx.test', country: 'AU' });
      const office = await createOffice(d, SYSTEM_ACTOR, 'e2e2', { name: 'Melbourne', timezone: 'Australia/Melbourne', areaCode: '03' });
      const u = await createUser(d, SYSTEM_ACTOR, 'e2e2', { firstName: 'Other', extension: '101', officeId: office.id });
      const other = new UA({ user: u.sipUsername, password: u.sipPassword, domain: 'other.pbx.test', port: 5110, proxy: PROXY }).start();
      phones.push(other);
      assert.equal((await other.register()).status, 200);
      const count = (ua: UA) => ua.received.filter((m) => m.method === 'MESSAGE' || m.method === 'NOTIFY').length;
      const bBefore = count(b);
      assert.equal((await a.send('MESSAGE', `sip:${users['102']!.user}@${REALM}`, 'hello')).status, 200, 'own realm');
      assert.equal(count(b), bBefore + 1);
      const cross = await a.send('MESSAGE', `sip:${u.sipUsername}@other.pbx.test`, 'hello');
      assert.equal(cross.status, 403, "another account's phone");
      assert.match(cross.reason ?? '', /not your domain/);
      assert.equal((await a.send('NOTIFY', `sip:${u.sipUsername}@other.pbx.test`)).status, 403);
      assert.equal((await a.send('MESSAGE', `sip:${u.sipUsername}@127.0.0.1:5110`, 'hello')).status, 403, 'a raw address');
      assert.equal(count(other), 0, 'nothing reached the other tenant');
      assert.equal((await other.send('MESSAGE', `sip:${u.sipUsername}@OTHER.pbx.test`, 'note to self')).status, 200, 'domains compare case-insensitively');
      await other.unregister();
      other.stop();
    });

    test('777 reaches voicemail access for the caller', async () => {
      const before = vm.invites().length;
      const r = await a.call('777');
      assert.equal(r.status, 200);
      const got = vm.invites().slice(before);
      assert.match(JSON.stringify(got[0]!.headers), /access;mailbox=101;account=e2e/);
    });

    test('inbound DDI from the trunk rings the user it is assigned to', async () => {
      const db = s.server.store.database.db;
      const acc = await db.selectFrom('accounts').select('id').where('code', '=', 'e2e').executeTakeFirstOrThrow();
      await db.updateTable('numbers').set({ user_id: users['103']!.id }).where('e164', '=', '+61291234502').execute();
      await s.server.deps.events.publish({ type: 'number.updated', accountId: acc.id, resourceId: '+61291234502', actor: 'test', at: nowIso() });
      c.mode = 'answer';
      const before = c.invites().length;
      const r = await inboundCall(trunk, PROXY, '+61291234502', '+61412000000');
      assert.equal(r.status, 200);
      assert.equal(c.invites().length, before + 1);
      assert.equal((await inboundCall(trunk, PROXY, '+61299999999', '+61412000000')).status, 404);
    });

    test('check-sync: a SIP NOTIFY reaches every registered device of the user; an unregistered user is only recorded', async () => {
      const db = s.server.store.database.db;
      const acc = await db.selectFrom('accounts').select('id').where('code', '=', 'e2e').executeTakeFirstOrThrow();
      const notifier = createKamailioNotifier({ ctlSocket: s.kamailio.ctlSocket, resolve: sipTargetResolver(db) });
      const device = { id: 'd1', accountId: acc.id, mac: '001122334455', vendor: 'yealink' };
      const before = b.received.filter((m) => m.method === 'NOTIFY').length;
      assert.equal(await notifier.sendCheckSync({ ...device, sipUsername: users['102']!.user }), 'sent');
      for (let i = 0; i < 20 && b.received.filter((m) => m.method === 'NOTIFY').length === before; i++) await new Promise((r) => setTimeout(r, 50));
      const got = b.received.filter((m) => m.method === 'NOTIFY').slice(before);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.headers.event, 'check-sync');
      assert.equal(await notifier.sendCheckSync({ ...device, sipUsername: users['105']!.user }), 'recorded', 'not registered');
      assert.equal(await notifier.sendCheckSync({ ...device, sipUsername: null }), 'recorded', 'unknown / spare device');
      // the devices module passes only the device: the notifier finds its user (devices.user_id)
      await db
        .insertInto('devices')
        .values({ id: 'dev-102', account_id: acc.id, mac: '0015650000aa', vendor: 'yealink', model: 'T54W', label: null, user_id: users['102']!.id, line_keys: '[]', settings: '{}', locked_ip: null, locked_at: null, unlocked_until: null, last_provisioned_at: null, last_provisioned_ip: null, last_user_agent: null, resync_requested_at: null, resync_status: null, created_at: nowIso(), updated_at: nowIso() })
        .execute();
      const n = b.received.filter((m) => m.method === 'NOTIFY').length;
      assert.equal(await notifier.sendCheckSync({ id: 'dev-102', accountId: acc.id, mac: '0015650000aa', vendor: 'yealink' }), 'sent');
      for (let i = 0; i < 20 && b.received.filter((m) => m.method === 'NOTIFY').length === n; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(b.received.filter((m) => m.method === 'NOTIFY').length, n + 1);
    });

    test('devices API: resync of a handset sends check-sync to its registered phone; the status is recorded', async () => {
      const created = await s.server.api('POST', '/api/v1/accounts/e2e/devices', { mac: '00:15:65:00:00:bb', model: 'T54W', vendor: 'yealink', userId: users['102']!.id });
      assert.equal(created.status, 201, created.text);
      const n = b.received.filter((m) => m.method === 'NOTIFY').length;
      const res = await s.server.api('POST', `/api/v1/accounts/e2e/devices/${created.body.id}/resync`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.resync.status, 'sent');
      for (let i = 0; i < 20 && b.received.filter((m) => m.method === 'NOTIFY').length === n; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(b.received.filter((m) => m.method === 'NOTIFY').length > n, 'the phone got NOTIFY check-sync');
    });

    test('brute force: repeated bad REGISTERs from one address block it (even the right password) and are logged', async () => {
      const u = users['103']!;
      // a second loopback address, so the block does not hit the other phones on 127.0.0.1
      const attacker = new UA({ user: u.user, password: 'guess', domain: REALM, port: 5109, proxy: PROXY, address: '127.0.0.2' }).start();
      phones.push(attacker);
      for (let i = 0; i < BF.limit; i++) assert.equal((await attacker.register()).status, 403);
      const blocked = await attacker.register(300, u.password);
      assert.equal(blocked.status, 403);
      assert.match(blocked.reason ?? '', /blocked/);
      const logged = /SECURITY: blocking 127\.0\.0\.2 after 4 failed authentications/;
      for (let i = 0; i < 50 && !logged.test(s.kamailio.log()); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(s.kamailio.log(), logged);
      // the legitimate phones on 127.0.0.1 are unaffected
      assert.equal((await c.register()).status, 200);
      attacker.stop();
    });
  });
}
