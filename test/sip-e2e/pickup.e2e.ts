/**
 * Call pickup end to end (docs/sip.md "Call pickup"): real Kamailio with the project's config, real Switchboard
 * server and store (SQLite, then PostgreSQL), real UAs. A call rings 102 (pickup group 'sales'); 103 (also in
 * 'sales') dials *8 or **102 and its phone — which honours auto-answer, like an intercom-enabled desk phone —
 * gets the call: the caller's 200 comes from 103, 102 gets CANCEL. Phones of another group, of no group and of
 * another account are refused and 102 keeps ringing. An outside (carrier) call is picked up the same way, and
 * with rtpengine the picked-up call carries real audio both ways through the relay.
 * Run under the SIP e2e lock (fixed ports): flock /tmp/sip-e2e.lock node scripts/run-tests.mjs test/sip-e2e/pickup.e2e.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { storeKinds } from '../support/stores.ts';
import { RtpPhone } from '../support/rtp-phone.ts';
import { tone, toneRatio } from '../../src/modules/voicemail/audio.ts';
import { RTPENGINE_BIN } from '../../src/modules/sip/rtpengine.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { nowIso } from '../../src/shared/ids.ts';
import { createAccount } from '../../src/modules/accounts/service.ts';
import { createOffice } from '../../src/modules/offices/service.ts';
import { createUser } from '../../src/modules/users/service.ts';
import { kamailioMissing, REALM, startStack, type Stack } from './stack.ts';
import { gateway, inboundCall, UA, type Received } from './ua.ts';

const missing = kamailioMissing();
const PROXY = '127.0.0.1:5070';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(30);
  }
}

/** The INVITEs `ua` received for the call with this Call-ID (the caller's Call-ID is kept on every branch). */
const invitesOf = (ua: UA, callId: string) => ua.received.filter((r) => r.method === 'INVITE' && r.callId === callId);
const cancelsOf = (ua: UA, callId: string) => ua.received.filter((r) => r.method === 'CANCEL' && r.callId === callId);
/** Starts a call with `start` and waits until `ua` is offered it; resolves with that INVITE and the call. */
async function ringing<T>(ua: UA, start: () => Promise<T>, what: string): Promise<{ inv: Received; call: Promise<T> }> {
  const n = ua.invites().length;
  const call = start();
  const inv = await until(what, () => (ua.invites().length > n ? ua.invites().at(-1) : undefined));
  await sleep(100);
  return { inv, call };
}

function rtpengineMissing(): string | null {
  if (existsSync(RTPENGINE_BIN)) return null;
  if (process.env.CI) throw new Error(`rtpengine not installed (${RTPENGINE_BIN}): required in CI (.ci/apt-packages)`);
  return `rtpengine not installed (${RTPENGINE_BIN})`;
}

/** Phones of the 'e2e' account: 101 (no group), 102 and 103 and 108 ('sales'), 104 ('support'), 105 (no group). */
async function phonesFor(s: Stack, basePort: number) {
  const spec: Array<[string, string | null]> = [
    ['101', null],
    ['102', 'sales'],
    ['103', 'sales'],
    ['104', 'support'],
    ['105', null],
    ['108', 'sales'],
  ];
  const out: Record<string, UA> = {};
  const ids: Record<string, string> = {};
  let port = basePort;
  for (const [ext, pickupGroup] of spec) {
    const u = await s.addUser({ extension: ext, ringTime: 30, pickupGroup });
    ids[ext] = u.id;
    const ua = new UA({ user: u.user, password: u.password, domain: REALM, port: port++, proxy: PROXY }).start();
    // every phone here honours auto-answer; a normal call rings until answered or cancelled
    ua.autoAnswer = true;
    ua.mode = 'ring';
    assert.equal((await ua.register()).status, 200);
    out[ext] = ua;
  }
  return { phones: out, ids };
}

for (const { kind, skip } of await storeKinds()) {
  describe(`call pickup through Kamailio (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let s: Stack;
    let p: Record<string, UA> = {};
    let ids: Record<string, string> = {};
    let trunk: UA;
    let other: UA;

    before(async () => {
      s = await startStack(kind);
      ({ phones: p, ids } = await phonesFor(s, 5141));
      trunk = gateway(5090);
      // another account with a pickup group of the same name and extensions 102 and 103 of its own (the phone is 103)
      const d = s.server.deps;
      await createAccount(d, SYSTEM_ACTOR, { code: 'pick2', name: 'Pickup 2', sipRealm: 'other.pbx.test', country: 'AU' });
      const office = await createOffice(d, SYSTEM_ACTOR, 'pick2', { name: 'Melbourne', timezone: 'Australia/Melbourne', areaCode: '03' });
      await createUser(d, SYSTEM_ACTOR, 'pick2', { firstName: 'Other', extension: '102', officeId: office.id, pickupGroup: 'sales' });
      const u = await createUser(d, SYSTEM_ACTOR, 'pick2', { firstName: 'Other', extension: '103', officeId: office.id, pickupGroup: 'sales' });
      other = new UA({ user: u.sipUsername, password: u.sipPassword, domain: 'other.pbx.test', port: 5159, proxy: PROXY }).start();
      other.autoAnswer = true;
      assert.equal((await other.register()).status, 200);
    });

    after(async () => {
      for (const ua of [...Object.values(p), other]) {
        if (!ua?.stack) continue;
        await Promise.race([ua.unregister(), sleep(500)]);
        ua.stop();
      }
      trunk?.stop();
      await s?.close();
    });

    test('*8 with nothing ringing: 404 Nothing to pick up; a user in no pickup group: 403', async () => {
      const none = await p['103']!.call('*8');
      assert.equal(none.status, 404);
      assert.match(none.reason, /nothing to pick up/i);
      const noGroup = await p['101']!.call('*8');
      assert.equal(noGroup.status, 403);
      assert.match(noGroup.reason, /no pickup group/);
    });

    test('*8: 103 takes the call ringing at 102 (same group): the caller is connected to 103, 102 gets CANCEL', async () => {
      const { inv, call } = await ringing(p['102']!, () => p['101']!.call('102', 400), '102 ringing');
      const callId = inv.callId;
      const t0 = Date.now();
      const pick = await p['103']!.call('*8');
      const tReply = Date.now() - t0;
      assert.equal(pick.status, 487, `the *8 INVITE ends (${pick.status} ${pick.reason})`);
      assert.match(pick.reason, /picked up/i);
      const r = await call;
      assert.equal(r.status, 200, `${r.status} ${r.reason}`);
      // the 200 came from 103's phone: its Contact, and 103 got the caller's INVITE with auto-answer headers
      assert.match(r.contact ?? '', new RegExp(`^sip:[^@]+@127\\.0\\.0\\.1:${p['103']!.o.port}`));
      const taken = invitesOf(p['103']!, callId);
      assert.equal(taken.length, 1, 'one INVITE for the picked-up call at 103');
      console.log(`# pickup (${kind}): *8 answered after ${tReply} ms (incl. digest challenge), the call reached 103 ${taken[0]!.at - t0} ms after dialling`);
      assert.match(String(taken[0]!.headers['call-info']), /answer-after=0/);
      assert.match(String(taken[0]!.headers['alert-info']), /alert-autoanswer/);
      assert.match(taken[0]!.from, /^sip:[^@]+@e2e\.pbx\.test/, 'it shows the caller');
      await until('102 CANCELled', () => (cancelsOf(p['102']!, callId).length ? true : undefined));
      // the caller's BYE reaches 103 (the dialog is between the caller and 103)
      assert.equal(r.bye, 200);
      assert.ok(p['103']!.received.some((m) => m.method === 'BYE' && m.callId === callId), '103 got the BYE');
      assert.equal(p['102']!.received.filter((m) => m.method === 'BYE' && m.callId === callId).length, 0);
    });

    test('refused: another group (*8 and **102), no group (**102), another account (*8, **102), an unregistered device: 102 keeps ringing; then **102 by 103 takes it', async () => {
      const { inv, call } = await ringing(p['102']!, () => p['101']!.call('102', 200), '102 ringing');
      const callId = inv.callId;
      const tries: Array<[UA, string, number, RegExp]> = [
        [p['104']!, '*8', 404, /nothing to pick up/i],
        [p['104']!, '**102', 403, /another pickup group/],
        [p['105']!, '**102', 403, /another pickup group/],
        [p['101']!, '*8', 403, /no pickup group/],
        // the other account's 'sales' group and extension 102 are its own: nothing of this account
        [other, '*8', 404, /nothing to pick up/i],
        [other, '**102', 404, /nothing to pick up/i],
        [p['102']!, '**102', 403, /own extension/],
      ];
      for (const [ua, code, status, reason] of tries) {
        const r = await ua.call(code);
        assert.equal(r.status, status, `${ua.o.user} dialling ${code}: ${r.status} ${r.reason}`);
        assert.match(r.reason, reason);
      }
      // 103's credentials from a device that is not registered (its Contact is no binding of 103): 480
      const stray = new UA({ ...p['103']!.o, port: 5158 }).start();
      try {
        const r = await stray.call('*8');
        assert.equal(r.status, 480, `${r.status} ${r.reason}`);
        assert.match(r.reason, /not registered/);
      } finally {
        stray.stop();
      }
      for (const ua of [p['104']!, p['105']!, other]) assert.equal(invitesOf(ua, callId).length, 0, `${ua.o.user} never got the call`);
      assert.equal(cancelsOf(p['102']!, callId).length, 0, '102 still rings');
      const pick = await p['103']!.call('**102');
      assert.equal(pick.status, 487, `${pick.status} ${pick.reason}`);
      const r = await call;
      assert.equal(r.status, 200);
      assert.match(r.contact ?? '', new RegExp(`:${p['103']!.o.port}`));
      await until('102 CANCELled', () => (cancelsOf(p['102']!, callId).length ? true : undefined));
    });

    test('directed pickup of an extension in no group by any user of the account; *8 takes the oldest call of the group first', async () => {
      // 105 is in no group: 104 (support) may take its call with **105
      const { inv, call } = await ringing(p['105']!, () => p['101']!.call('105', 200), '105 ringing');
      const callId = inv.callId;
      assert.equal((await p['104']!.call('**105')).status, 487);
      const r = await call;
      assert.equal(r.status, 200);
      assert.match(r.contact ?? '', new RegExp(`:${p['104']!.o.port}`));
      await until('105 CANCELled', () => (cancelsOf(p['105']!, callId).length ? true : undefined));

      // two calls ring in 'sales': 101 → 102 first, then 105 → 108; 103's *8 takes 101's (the oldest)
      const { inv: firstInv, call: first } = await ringing(p['102']!, () => p['101']!.call('102', 200), '102 ringing');
      const { inv: secondInv, call: second } = await ringing(p['108']!, () => p['105']!.call('108', 200), '108 ringing');
      const firstId = firstInv.callId;
      const secondId = secondInv.callId;
      assert.equal((await p['103']!.call('*8')).status, 487);
      const r1 = await first;
      assert.equal(r1.status, 200);
      assert.equal(invitesOf(p['103']!, firstId).length, 1, '103 took the older call');
      assert.equal(invitesOf(p['103']!, secondId).length, 0);
      assert.equal(cancelsOf(p['108']!, secondId).length, 0, '108 still rings');
      // the next *8 (by 102, also in 'sales') takes the other one
      assert.equal((await p['102']!.call('*8')).status, 487);
      const r2 = await second;
      assert.equal(r2.status, 200);
      assert.match(r2.contact ?? '', new RegExp(`:${p['102']!.o.port}`));
      // nothing left
      assert.equal((await p['103']!.call('*8')).status, 404);
    });

    test('a cancelled or answered call is no longer there to pick up', async () => {
      const { call } = await ringing(p['102']!, () => p['101']!.call('102', 100), '102 ringing');
      assert.ok(p['101']!.cancelLast());
      assert.equal((await call).status, 487);
      await sleep(100);
      assert.equal((await p['103']!.call('*8')).status, 404);
      // answered by 102 itself
      const { call: answered } = await ringing(p['102']!, () => p['101']!.call('102', 800), '102 ringing');
      assert.equal(p['102']!.answerRinging(), 1);
      await sleep(100);
      assert.equal((await p['103']!.call('*8')).status, 404);
      assert.equal((await answered).status, 200);
    });

    test('an outside caller (carrier, DDI of 102) is picked up by *8: the carrier gets the 200 from 103', async () => {
      const db = s.server.store.database.db;
      const acc = await db.selectFrom('accounts').select('id').where('code', '=', 'e2e').executeTakeFirstOrThrow();
      await db.updateTable('numbers').set({ user_id: ids['102']! }).where('e164', '=', '+61291234502').execute();
      await s.server.deps.events.publish({ type: 'number.updated', accountId: acc.id, resourceId: '+61291234502', actor: 'test', at: nowIso() });
      const { inv, call } = await ringing(p['102']!, () => inboundCall(trunk, PROXY, '+61291234502', '+61412000000'), '102 ringing (inbound)');
      assert.equal((await p['103']!.call('*8')).status, 487);
      const r = await call;
      assert.equal(r.status, 200);
      const taken = invitesOf(p['103']!, inv.callId);
      assert.equal(taken.length, 1);
      assert.match(taken[0]!.from, /\+?61412000000|0412000000/);
      await until('102 CANCELled', () => (cancelsOf(p['102']!, inv.callId).length ? true : undefined));
    });
  });
}

const missingMedia = missing ?? rtpengineMissing();
describe('call pickup with media through rtpengine (sqlite)', { skip: missingMedia ?? false, concurrency: 1 }, () => {
  let s: Stack;
  let p: Record<string, UA> = {};
  const rtp: RtpPhone[] = [];
  before(async () => {
    s = await startStack('sqlite', { rtpengine: true });
    ({ phones: p } = await phonesFor(s, 5161));
  });
  after(async () => {
    for (const r of rtp) r.close();
    for (const ua of Object.values(p)) {
      await Promise.race([ua.unregister(), sleep(500)]);
      ua.stop();
    }
    await s?.close();
  });

  test('*8 with rtpengine: the picked-up call is anchored and carries audio both ways between caller and picker', async () => {
    const pa = await new RtpPhone().open();
    const pc = await new RtpPhone().open();
    rtp.push(pa, pc);
    let talk = true;
    p['103']!.answerWith = (offer) => {
      pc.answer(offer);
      void (async () => {
        while (talk) await pc.play(tone(1400, 200));
      })();
      return pc.sdp();
    };
    const { inv, call: dialling } = await ringing(p['102']!, () => p['101']!.dial('102', pa.sdp()), '102 ringing');
    // 102's offer is rtpengine's, not the caller's own port
    assert.match(String(inv.content), /c=IN IP4 127\.0\.0\.1/);
    assert.doesNotMatch(String(inv.content), new RegExp(`m=audio ${pa.sdp().match(/m=audio (\d+)/)![1]} `));
    assert.equal((await p['103']!.call('*8')).status, 487);
    const call = await dialling;
    assert.equal(call.status, 200, call.reason);
    assert.match(call.contact ?? '', new RegExp(`:${p['103']!.o.port}`));
    const taken = invitesOf(p['103']!, call.callId)[0]!;
    const port = (sdp: string) => Number(sdp.match(/m=audio (\d+)/)![1]);
    assert.ok(port(String(taken.content)) >= 36000 && port(String(taken.content)) <= 36999, `103's offer is rtpengine's (${port(String(taken.content))})`);
    assert.ok(port(call.answer) >= 36000 && port(call.answer) <= 36999, `the caller's answer is rtpengine's (${port(call.answer)})`);
    pa.answer(call.answer);
    const talking = (async () => {
      while (talk) await pa.play(tone(1000, 200));
    })();
    await sleep(2000);
    const heardAt = (ph: RtpPhone, hz: number) => {
      const h = ph.heard();
      let best = 0;
      for (let i = 0; i + 1600 <= h.length; i += 400) best = Math.max(best, toneRatio(h, hz, i, i + 1600));
      return best;
    };
    const cHearsA = heardAt(pc, 1000);
    const aHearsC = heardAt(pa, 1400);
    talk = false;
    await talking;
    assert.ok(cHearsA > 0.3, `103 hears the caller (${cHearsA.toFixed(2)})`);
    assert.ok(aHearsC > 0.3, `the caller hears 103 (${aHearsC.toFixed(2)})`);
    await until('102 CANCELled', () => (cancelsOf(p['102']!, call.callId).length ? true : undefined));
    assert.equal(await call.hangup(), 200);
  });
});
