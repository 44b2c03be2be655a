/**
 * Callback on busy end to end through real Kamailio, on SQLite and PostgreSQL (issue 14, seed 001 'Enable
 * Callback'): Switchboard's feature server on 127.0.0.1:5095, phones registered through Kamailio, real RTP with
 * RFC 4733 DTMF. 102 has Enable Callback. 102 is in a call with 103; 101 calls 102 → the feature server answers
 * at once (102's phone never rings: Kamailio's dialog state says 102 is in a call), 101 presses 5 → a pending
 * callback in the API. 103 hangs up → the feature server rings 101 as "Callback 102"; 101 answers → REFER →
 * 101's phone calls 102 (the INVITE arrives at 102's phone from 101, with 101's identity) → completed. A 486
 * from 102's own phone also leads to the offer; a carrier call to 102 while in a call gets no offer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../support/stores.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { smtpMailer } from '../../src/modules/auth/mailer.ts';
import { Prompts } from '../../src/modules/voicemail/server/prompts.ts';
import { RtpPhone } from '../support/rtp-phone.ts';
import { kamailioMissing, REALM, startStack, type Stack } from './stack.ts';
import { gateway, inboundCall, UA } from './ua.ts';

const PROXY = '127.0.0.1:5070';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | Promise<T>, ms = 15000): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const missing = kamailioMissing() ?? (Prompts.fromEnv().missing().length && !process.env.CI ? 'voicemail prompts (asterisk-core-sounds-en-wav) not installed' : null);

for (const { kind, skip } of await storeKinds()) {
  describe(`callback on busy through Kamailio (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let stack: Stack;
    let smtp: SmtpSink;
    let a: UA;
    let b: UA;
    let c: UA;
    let u101: { id: string; user: string; password: string };
    let u102: { id: string; user: string; password: string };
    const phones: RtpPhone[] = [];
    let freeAt = 0;
    const newPhone = async () => {
      const p = await new RtpPhone().open();
      phones.push(p);
      return p;
    };
    const callbacks = async () => {
      const r = await stack.server.api('GET', `/api/v1/accounts/e2e/users/${u101.id}/callbacks`);
      assert.equal(r.status, 200, r.text);
      return r.body.items as Array<{ id: string; state: string; calleeExtension: string; attempts: number }>;
    };

    before(async () => {
      smtp = await startSmtpSink();
      stack = await startStack(kind, {
        voicemail: { mailer: smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'Switchboard <vm@switchboard.test>' }), callbacks: { pollMs: 300, retrySeconds: 3, ringMs: 10_000 } },
      });
      u101 = await stack.addUser({ extension: '101', firstName: 'Anna', lastName: 'Lee' });
      u102 = await stack.addUser({ extension: '102', firstName: 'Ben', lastName: 'Ng', voicemail: { enabled: true, pin: '2580' }, features: { callbackOnBusy: true } });
      const u103 = await stack.addUser({ extension: '103', firstName: 'Cleo', lastName: 'Park' });
      // 102's direct number (the carrier call below)
      const db = stack.server.deps.database.db;
      await db.updateTable('numbers').set({ user_id: u102.id }).where('e164', '=', '+61291234502').execute();
      const acc = await db.selectFrom('accounts').select('id').where('code', '=', 'e2e').executeTakeFirstOrThrow();
      await stack.server.deps.events.publish({ type: 'number.updated', accountId: acc.id, resourceId: '+61291234502', actor: 'test', at: new Date().toISOString() });
      a = new UA({ user: u101.user, password: u101.password, domain: REALM, port: 5171, proxy: PROXY }).start();
      b = new UA({ user: u102.user, password: u102.password, domain: REALM, port: 5172, proxy: PROXY }).start();
      c = new UA({ user: u103.user, password: u103.password, domain: REALM, port: 5173, proxy: PROXY }).start();
      for (const ua of [a, b, c]) assert.equal((await ua.register()).status, 200);
    });
    after(async () => {
      for (const p of phones) p.close();
      for (const ua of [a, b, c]) {
        await ua?.unregister().catch(() => {});
        ua?.stop();
      }
      await stack?.close();
      await smtp?.close();
    });

    test("102's phone answers 486 → 101 gets the offer from the feature server (and may just hang up)", async () => {
      b.mode = 'busy';
      const before = b.invites().length;
      const phone = await newPhone();
      const call = await a.dial('102', phone.sdp());
      assert.equal(call.status, 200, `answered by the feature server (${call.reason})`);
      phone.answer(call.answer);
      assert.equal(b.invites().length, before + 1, "102's phone was asked first (and said busy)");
      await until('the offer is heard', () => phone.heard().length > 8000 * 2);
      assert.equal(await call.hangup(), 200);
      await stack.voicemail!.server.idle();
      assert.deepEqual(await callbacks(), [], 'no key, no callback');
      b.mode = 'answer';
    });

    test('102 is in a call: 101 calling 102 gets the offer at once (102 does not ring); 5 registers the callback', async () => {
      const cPhone = await newPhone();
      const busyCall = await c.dial('102', cPhone.sdp());
      assert.equal(busyCall.status, 200, `103 → 102 answered (${busyCall.reason})`);
      const ringsBefore = b.invites().length;

      const phone = await newPhone();
      const call = await a.dial('102', phone.sdp());
      assert.equal(call.status, 200, `answered by the feature server (${call.reason})`);
      phone.answer(call.answer);
      assert.equal(b.invites().length, ringsBefore, "102's phone did not ring (camp-on: already in a call)");
      // "the person at extension 1 0 2 is on the phone …" — then 5
      await until('the offer is heard', () => phone.heard().length > 8000 * 3);
      await phone.dtmf('5');
      await until('the feature server confirms and hangs up', () => call.farEndHungUp(), 20000);
      const prompts = Prompts.fromEnv();
      assert.ok(phone.heard().length > prompts.get('vm-isonphone').length, 'heard the offer and the confirmation');
      await stack.voicemail!.server.idle();
      const list = await until('the callback in the API', async () => (await callbacks()).find((x) => x.state === 'pending'));
      assert.equal(list.calleeExtension, '102');

      // a carrier call to 102 (in a call) is not offered anything: it rings 102's phone as before (call waiting)
      const trunk = gateway(5090);
      try {
        const ddiBefore = b.invites().length;
        const inbound = await inboundCall(trunk, PROXY, '+61291234502', '+61412000000');
        assert.equal(inbound.status, 200, inbound.reason);
        const got = b.invites().slice(ddiBefore);
        assert.equal(got.length, 1, "the carrier call reached 102's phone");
        assert.match(got[0]!.from, /carrier\.invalid/);
        assert.equal(stack.voicemail!.server.calls, 0, 'and not the feature server');
      } finally {
        trunk.stop();
      }

      assert.equal(await busyCall.hangup(), 200);
    });

    test('102 becomes free → 101 is rung as "Callback 102"; on answer it is sent to 102 (REFER): 102 rings from 101', async (t) => {
      // end the carrier call still up at 102 (the gateway went away without BYE): 102's phone hangs up
      const pending = b.received.filter((r) => r.method === 'INVITE' && /carrier\.invalid/.test(r.from));
      for (const inv of pending) void b.hangupAnswered(inv.callId);
      freeAt = Date.now();
      const aPhone = await newPhone();
      a.answerWith = (offer) => {
        aPhone.answer(offer);
        return aPhone.sdp();
      };
      a.referHoldMs = 1500;
      const aBefore = a.invites().length;
      const bBefore = b.invites().length;
      const ring = await until('the callback rings 101', () => a.invites().slice(aBefore)[0], 20000);
      assert.match(String(ring.headers.from?.name ?? ''), /Callback 102/);
      assert.match(ring.from, new RegExp(`^sip:102@${REALM.replace(/\./g, '\\.')}`));
      assert.match(String(ring.headers['p-asserted-identity']), /Callback 102.*sip:102@/);
      const toB = await until("101's phone calls 102 (REFER)", () => b.invites().slice(bBefore)[0], 20000);
      t.diagnostic(`102 free → 101 rung: ${ring.at - freeAt} ms (poll 300 ms); 101 answered → INVITE at 102: ${toB.at - ring.at} ms (includes the 2.4 s "please hold" prompt)`);
      const refer = a.received.find((r) => r.method === 'REFER' && r.callId === ring.callId);
      assert.ok(refer, 'the REFER came in the callback call');
      assert.match(JSON.stringify(refer.headers['refer-to']), new RegExp(`sip:102@${REALM.replace(/\./g, '\\.')}`));
      assert.equal(toB.from, `sip:${u101.user}@${REALM}`, "the INVITE at 102's phone comes from 101's phone");
      assert.match(String(toB.headers['p-asserted-identity']), /"Anna Lee" <sip:101@/);
      assert.match(String(toB.headers['referred-by'] ?? ''), /sip:102@/);
      const done = await until('the callback completed', async () => (await callbacks()).find((x) => x.state === 'completed'), 20000);
      assert.equal(done.attempts, 1);
      assert.deepEqual(a.referred.map((r) => r.status), [200]);
      assert.ok(aPhone.heard().length > 8000, '101 heard "please hold while I try that extension"');
      a.answerWith = undefined;
    });
  });
}
