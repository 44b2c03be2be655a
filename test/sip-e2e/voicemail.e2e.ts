/**
 * Voicemail end to end through real Kamailio, on SQLite and PostgreSQL: Switchboard's voicemail service on
 * 127.0.0.1:5095, phones registered through Kamailio, real RTP (G.711 + RFC 4733) from test phones, a real SMTP
 * sink. What the far end receives is the proof: the emailed .wav contains the caller's 1 kHz tone, the API
 * lists the message with the right caller and duration, the callee's phone gets MWI NOTIFY yes then no, and
 * 777 with a wrong then the right PIN plays the message and deletes it with 7. Day/Night: the office's main number
 * rings the day destination, *28 (with the handset permission) is confirmed by the media server and the number
 * then rings the night destination; *28 without it is refused; *29 records a greeting from the options menu.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../support/stores.ts';
import { startSmtpSink, parseAttachments, type SmtpSink } from '../support/smtp.ts';
import { smtpMailer } from '../../src/modules/auth/mailer.ts';
import { concatPcm, RATE, silence, tone, toneRatio, wavToPcm } from '../../src/modules/voicemail/audio.ts';
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

/** Best 1 kHz ratio over 200 ms windows. */
function bestTone(pcm: Int16Array, from = 0): number {
  let best = 0;
  for (let i = from; i + 1600 <= pcm.length; i += 400) best = Math.max(best, toneRatio(pcm, 1000, i, i + 1600));
  return best;
}

/** Waits for the beep (the server's 1 kHz tone) at the end of what the phone heard so far. */
async function waitForBeep(phone: RtpPhone): Promise<void> {
  await until('the beep', () => {
    const h = phone.heard();
    return h.length > 800 && toneRatio(h, 1000, h.length - 800, h.length) > 0.3;
  }, 20000);
  await sleep(350);
}

const missing = kamailioMissing() ?? (Prompts.fromEnv().missing().length && !process.env.CI ? 'voicemail prompts (asterisk-core-sounds-en-wav) not installed' : null);

for (const { kind, skip } of await storeKinds()) {
  describe(`voicemail through Kamailio (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let stack: Stack;
    let smtp: SmtpSink;
    let caller: UA;
    let callee: UA;
    let u101: { id: string; user: string; password: string };
    let u102: { id: string; user: string; password: string };
    const phones: RtpPhone[] = [];
    const newPhone = async () => {
      const p = await new RtpPhone().open();
      phones.push(p);
      return p;
    };

    before(async () => {
      smtp = await startSmtpSink();
      stack = await startStack(kind, { voicemail: { mailer: smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'Switchboard <vm@switchboard.test>' }), silenceMs: 3000 } });
      u101 = await stack.addUser({ extension: '101', firstName: 'Anna', lastName: 'Lee' });
      u102 = await stack.addUser({
        extension: '102',
        firstName: 'Ben',
        lastName: 'Ng',
        email: 'ben@e2e.test',
        ringTime: 5,
        voicemail: { enabled: true, pin: '2580', emailDelivery: true, email: 'ben.vm@e2e.test' },
      });
      caller = new UA({ user: u101.user, password: u101.password, domain: REALM, port: 5161, proxy: PROXY }).start();
      callee = new UA({ user: u102.user, password: u102.password, domain: REALM, port: 5162, proxy: PROXY }).start();
      assert.equal((await caller.register()).status, 200);
      assert.equal((await callee.register()).status, 200);
    });
    after(async () => {
      for (const p of phones) p.close();
      await caller?.unregister().catch(() => {});
      await callee?.unregister().catch(() => {});
      caller?.stop();
      callee?.stop();
      await stack?.close();
      await smtp?.close();
    });

    test('busy callee → the mailbox records the caller; the .wav arrives by email with the tone; the API lists it; the lamp lights', async () => {
      callee.mode = 'busy';
      const phone = await newPhone();
      const call = await caller.dial('102', phone.sdp());
      assert.equal(call.status, 200, `answered by voicemail (${call.reason})`);
      phone.answer(call.answer);
      await waitForBeep(phone);
      await phone.play(concatPcm([tone(1000, 2000), silence(100)]));
      assert.equal(await call.hangup(), 200);
      phone.close();
      await stack.voicemail!.server.idle();

      const mail = await smtp.waitFor((m) => m.to.includes('ben.vm@e2e.test'), 15000);
      assert.match(mail.subject, /Anna Lee/);
      const [wav] = parseAttachments(mail.raw).filter((a) => /\.wav$/i.test(a.filename));
      assert.ok(wav, 'a .wav attachment');
      const pcm = wavToPcm(wav.content);
      assert.ok(pcm.length / RATE >= 1.7 && pcm.length / RATE <= 3.5, `duration ${pcm.length / RATE}s`);
      assert.ok(bestTone(pcm) > 0.4, `the emailed recording carries the caller's 1 kHz tone (${bestTone(pcm).toFixed(3)})`);

      const list = await stack.server.api('GET', `/api/v1/accounts/e2e/users/${u102.id}/voicemail/messages`);
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.newCount, 1);
      const m = list.body.items[0];
      assert.equal(m.callerNumber, '101');
      assert.equal(m.callerName, 'Anna Lee');
      assert.ok(m.durationMs >= 1700 && m.durationMs <= 3500, `duration ${m.durationMs}`);

      const lit = await until('MWI yes', () => callee.mwi().find((b) => /Messages-Waiting: yes/.test(b)));
      assert.match(lit, /Voice-Message: 1\/0/);
    });

    test('777 from the mailbox owner: a wrong PIN, the right one, 1 plays the message, 7 deletes it, the lamp goes off', async () => {
      callee.mode = 'answer';
      const phone = await newPhone();
      const call = await callee.dial('777', phone.sdp());
      assert.equal(call.status, 200, call.reason);
      phone.answer(call.answer);
      await sleep(1200);
      await phone.dtmf('1111#');
      await sleep(2500);
      await phone.dtmf('2580#');
      await sleep(2500);
      await phone.dtmf('1');
      const heardFrom = phone.heard().length;
      await until('the message played back', () => bestTone(phone.heard(), heardFrom) > 0.4, 25000);
      await phone.dtmf('7');
      await until('MWI no', () => callee.mwi().find((b) => /Messages-Waiting: no/.test(b)), 10000);
      await phone.dtmf('#');
      await sleep(300);
      await phone.dtmf('#');
      await until('the mailbox hangs up', () => call.farEndHungUp(), 15000);
      phone.close();
      await stack.voicemail!.server.idle();
      const list = await stack.server.api('GET', `/api/v1/accounts/e2e/users/${u102.id}/voicemail/messages`);
      assert.equal(list.body.items.length, 0);
      const audit = await stack.server.api('GET', '/api/v1/accounts/e2e/audit?action=voicemail.pin.failed');
      assert.equal(audit.status, 200, audit.text);
      assert.equal(audit.body.items.length, 1, `the wrong PIN is audited once: ${audit.text}`);
      assert.equal(audit.body.items[0].resourceId, u102.id);
    });

    test('a phone that subscribes to message-summary gets the state in its subscription', async () => {
      assert.equal(await caller.subscribeMwi(), 200);
      const first = await until('initial NOTIFY', () => caller.mwi()[0]);
      assert.match(first, /Messages-Waiting: no/);
      assert.match(first, /Message-Account: sip:101@/);
    });

    test("Day/Night: the office main number rings the day destination; *28 (confirmed by the media server) switches it to the night one; without the permission 403", async () => {
      const api = stack.server.api;
      const office = `/api/v1/accounts/e2e/offices/${stack.officeId}`;
      const set = await api('PATCH', office, { dayDestination: '102', nightDestination: '101' });
      assert.equal(set.status, 200, set.text);
      const trunk = gateway(5090);
      try {
        callee.mode = 'answer';
        caller.mode = 'answer';
        const calleeBefore = callee.invites().length;
        const callerBefore = caller.invites().length;
        const day = await inboundCall(trunk, PROXY, '+61291234500', '+61412000000');
        assert.equal(day.status, 200, `day: answered by 102 (${day.reason})`);
        assert.equal(callee.invites().length, calleeBefore + 1, "day: 102's phone rang");
        assert.equal(caller.invites().length, callerBefore, "day: 101's did not");

        // 101 lacks the handset permission: refused, nothing changes
        const refused = await caller.call('*28');
        assert.deepEqual([refused.status, refused.reason], [403, 'Forbidden - Day/Night is not allowed for extension 101']);
        assert.equal((await api('GET', office)).body.dayNightMode, 'day');

        const grant = await api('PATCH', `/api/v1/accounts/e2e/users/${u101.id}`, { security: { handsetManagement: { toggleDayNight: true } } });
        assert.equal(grant.status, 200, grant.text);
        const phone = await new RtpPhone().open();
        const toggle = await caller.dial('*28', phone.sdp());
        assert.equal(toggle.status, 200, `answered by the feature server (${toggle.reason})`);
        phone.answer(toggle.answer);
        await until('the feature server hangs up after the confirmation', () => toggle.farEndHungUp(), 15000);
        const prompts = Prompts.fromEnv();
        const confirmation = prompts.get('activated').length + prompts.get('vm-goodbye').length;
        assert.ok(phone.heard().length > confirmation * 0.8, `heard "activated, goodbye" (${phone.heard().length} of ${confirmation} samples)`);
        phone.close();
        await stack.voicemail!.server.idle();
        assert.equal((await api('GET', office)).body.dayNightMode, 'night');
        const audit = await api('GET', '/api/v1/accounts/e2e/audit?resource=office&action=day_night_changed');
        assert.deepEqual([audit.body.items[0].actor.id, audit.body.items[0].after], [u101.id, { dayNightMode: 'night' }]);

        const night = await inboundCall(trunk, PROXY, '+61291234500', '+61412000000');
        assert.equal(night.status, 200, `night: answered by 101 (${night.reason})`);
        assert.equal(caller.invites().length, callerBefore + 1, "night: 101's phone rang");
        assert.equal(callee.invites().length, calleeBefore + 1, "night: 102's did not");

        // back to day through the API (the portal's switch)
        assert.equal((await api('POST', `${office}/day-night`, { mode: 'day' })).body.dayNightMode, 'day');
        assert.equal((await inboundCall(trunk, PROXY, '+61291234500', '+61412000000')).status, 200);
        assert.equal(callee.invites().length, calleeBefore + 2, 'day again: 102');
      } finally {
        trunk.stop();
      }
    });

    test('*29 Update recordings: refused without the permission; with it the PIN, then straight to the options: 1 records the unavailable greeting', async () => {
      const api = stack.server.api;
      const refused = await callee.call('*29');
      assert.deepEqual([refused.status, refused.reason], [403, 'Forbidden - updating recordings is not allowed for extension 102']);
      assert.equal((await api('PATCH', `/api/v1/accounts/e2e/users/${u102.id}`, { security: { handsetManagement: { updateRecordings: true } } })).status, 200);
      const phone = await new RtpPhone().open();
      const call = await callee.dial('*29', phone.sdp());
      assert.equal(call.status, 200, call.reason);
      phone.answer(call.answer);
      await sleep(1200);
      await phone.dtmf('2580#');
      await sleep(1500);
      await phone.dtmf('1');
      await waitForBeep(phone);
      await phone.play(concatPcm([tone(1000, 1500), silence(3500)]));
      const greetings = `/api/v1/accounts/e2e/users/${u102.id}/voicemail/greetings`;
      await until('the greeting stored', async () => (await api('GET', greetings)).body.items?.some((g: { kind: string }) => g.kind === 'unavailable'), 15000);
      await sleep(1500);
      await phone.dtmf('*');
      await until('the mailbox hangs up', () => call.farEndHungUp(), 15000);
      phone.close();
      await stack.voicemail!.server.idle();
    });
  });
}
