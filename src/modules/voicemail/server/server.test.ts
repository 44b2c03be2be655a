/**
 * The voicemail media server over real SIP and RTP on loopback, with an in-memory store: a caller leaves a
 * message (a 1 kHz tone) that is stored with the tone in it; short messages are dropped; 777 with a wrong and
 * then the right PIN as RFC 4733 events, listening, deleting with 7; three wrong PINs hang up; requests
 * without Switchboard's header or from another address are refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { concatPcm, RATE, silence, tone, toneRatio, wavToPcm, rms } from '../audio.ts';
import { fakeBackend, type FakeMailbox } from '../fake-backend.ts';
import { Prompts } from './prompts.ts';
import { startVoicemailServer, parseCaller, parseFeatureHeader, parseVoicemailHeader, type VoicemailServer } from './sip-server.ts';
import { SipCaller } from '../../../../test/support/sip-caller.ts';

const box = (ext: string, pin: string | null): FakeMailbox => ({
  accountId: 'acc-1',
  accountCode: 'acme',
  realm: 'acme.pbx.test',
  userId: `user-${ext}`,
  extension: ext,
  displayName: `User ${ext}`,
  enabled: true,
  keepOnServer: true,
  hasPin: !!pin,
  timezone: 'Australia/Sydney',
  pin,
});

const prompts = Prompts.fromEnv();
const havePrompts = prompts.missing().length === 0;

describe('voicemail media server', { skip: !havePrompts && !process.env.CI ? 'asterisk-core-sounds-en-wav not installed' : false }, () => {
  const store = fakeBackend([box('102', '4321'), box('103', null), { ...box('104', '1111'), enabled: false }, box('105', '5555')]);
  let server: VoicemailServer;
  let caller: SipCaller;
  const port = 25000 + Math.floor(Math.random() * 5000);
  const vm = `sip:vm@127.0.0.1:${port}`;

  before(async () => {
    server = await startVoicemailServer({
      address: '127.0.0.1',
      port,
      allow: ['127.0.0.1'],
      rtpAddress: '127.0.0.1',
      rtpPorts: [31000, 31998],
      backend: store.backend,
      prompts,
      limits: { silenceMs: 1500, maxMs: 20_000 },
    });
    caller = await new SipCaller().start();
  });
  after(async () => {
    caller?.stop();
    await server?.stop();
  });

  test('parses the routing header and the asserted caller', () => {
    assert.deepEqual(parseVoicemailHeader('deposit;mailbox=102;account=acme;reason=busy'), { mode: 'deposit', mailbox: '102', account: 'acme', reason: 'busy' });
    assert.equal(parseVoicemailHeader('deposit;mailbox=10x;account=acme'), null);
    assert.equal(parseVoicemailHeader('listen;mailbox=102;account=acme'), null);
    assert.deepEqual(parseCaller('"Anna Lee" <sip:101@acme.pbx.test>', undefined), { name: 'Anna Lee', number: '101' });
    assert.deepEqual(parseCaller('<sip:+61291234567@carrier>', undefined), { name: null, number: '+61291234567' });
  });

  test('a caller leaves a message: the greeting plays, the tone is recorded, hanging up ends it', async () => {
    const c = await caller.call(vm, { 'X-Switchboard-Voicemail': 'deposit;mailbox=102;account=acme', 'P-Asserted-Identity': '"Anna Lee" <sip:101@acme.pbx.test>' });
    assert.equal(c.status, 200);
    // wait for the greeting + beep (the default prompts run ~7 s), then speak: 2 s of 1 kHz
    const greetStart = Date.now();
    while (Date.now() - greetStart < 15000) {
      await new Promise((r) => setTimeout(r, 200));
      const heard = c.phone.heard();
      // the beep is the last thing before recording: find a 1 kHz-dominant 100 ms block
      const tail = heard.length - 800;
      if (tail > 0 && toneRatio(heard, 1000, tail, heard.length) > 0.3) break;
    }
    const heard = c.phone.heard();
    assert.ok(heard.length > RATE * 3, `heard ${heard.length / RATE}s of greeting`);
    assert.ok(rms(heard) > 100, 'the greeting is not silence');
    await new Promise((r) => setTimeout(r, 400)); // the rest of the beep
    await c.phone.play(concatPcm([tone(1000, 2000), silence(200)]));
    await c.hangup();
    await server.idle();
    const msgs = store.messages.filter((m) => m.userId === 'user-102');
    assert.equal(msgs.length, 1);
    const m = msgs[0]!;
    assert.equal(m.callerNumber, '101');
    assert.equal(m.callerName, 'Anna Lee');
    assert.ok(m.durationMs >= 1800 && m.durationMs <= 3500, `duration ${m.durationMs}`);
    const pcm = wavToPcm(m.wav);
    let best = 0;
    for (let i = 0; i + 1600 <= pcm.length; i += 800) best = Math.max(best, toneRatio(pcm, 1000, i, i + 1600));
    assert.ok(best > 0.4, `the recording carries the 1 kHz tone (ratio ${best.toFixed(3)})`);
    c.phone.close();
  });

  test('silence ends a message and a message under 1 s is dropped', async () => {
    const before = store.messages.length;
    const c = await caller.call(vm, { 'X-Switchboard-Voicemail': 'deposit;mailbox=103;account=acme' });
    // press # to skip the greeting, then say 0.5 s and go quiet: silence (1.5 s here) ends the recording
    await new Promise((r) => setTimeout(r, 800));
    await c.phone.dtmf('#');
    await new Promise((r) => setTimeout(r, 1200)); // beep
    await c.phone.play(concatPcm([tone(1000, 500), silence(2500)]));
    await c.ended; // the server hangs up after "too short, goodbye"
    await server.idle();
    assert.equal(store.messages.length, before, 'nothing stored');
    c.phone.close();
  });

  test('777: a wrong PIN, then the right one; 1 plays the message, 7 deletes it', async () => {
    assert.equal((await store.backend.summary('acc-1', 'user-102')).newCount, 1);
    const c = await caller.call(vm, { 'X-Switchboard-Voicemail': 'access;mailbox=102;account=acme' });
    assert.equal(c.status, 200);
    await new Promise((r) => setTimeout(r, 600));
    await c.phone.dtmf('9999#');
    await new Promise((r) => setTimeout(r, 1500)); // "login incorrect", "password"
    await c.phone.dtmf('4321#');
    await new Promise((r) => setTimeout(r, 1500));
    await c.phone.dtmf('1'); // play new messages (pressed over the menu)
    // the message plays: listen for the recorded tone in what the phone hears
    const t0 = Date.now();
    let found = false;
    while (!found && Date.now() - t0 < 20000) {
      await new Promise((r) => setTimeout(r, 250));
      const h = c.phone.heard();
      for (let i = Math.max(0, h.length - RATE * 2); i + 1600 <= h.length; i += 400) if (toneRatio(h, 1000, i, i + 1600) > 0.4) found = true;
    }
    assert.ok(found, 'the caller hears the recorded message');
    await c.phone.dtmf('7');
    await new Promise((r) => setTimeout(r, 1500));
    await c.phone.dtmf('#');
    await new Promise((r) => setTimeout(r, 300));
    await c.phone.dtmf('#');
    await c.ended;
    await server.idle();
    assert.deepEqual(store.pinChecks.filter((p) => p.userId === 'user-102').map((p) => p.result), ['wrong', 'ok']);
    assert.equal(store.messages.filter((m) => m.userId === 'user-102').length, 0, 'deleted by 7');
    c.phone.close();
  });

  test('DTMF by SIP INFO (phones without RFC 4733): # skips the greeting, the message is recorded', async () => {
    const before = store.messages.filter((m) => m.userId === 'user-105').length;
    const c = await caller.call(vm, { 'X-Switchboard-Voicemail': 'deposit;mailbox=105;account=acme' });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await c.info('#'), 200);
    // the greeting stops at once: the beep comes within a second instead of after the ~10 s greeting
    const t0 = Date.now();
    for (;;) {
      const h = c.phone.heard();
      if (h.length > 800 && toneRatio(h, 1000, h.length - 800, h.length) > 0.3) break;
      assert.ok(Date.now() - t0 < 3000, 'the beep follows the INFO # at once');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 350));
    await c.phone.play(concatPcm([tone(1000, 1500), silence(100)]));
    await c.hangup();
    await server.idle();
    assert.equal(store.messages.filter((m) => m.userId === 'user-105').length, before + 1);
    c.phone.close();
  });

  test('MWI: a subscription for the authenticated user gets the summary now and on every change; unsubscribe ends it', async () => {
    const sub = await caller.subscribe(vm, { 'X-Switchboard-Mwi': 'user=u103;realm=acme.pbx.test' });
    assert.equal(sub.status, 200);
    const waitNotifies = async (n: number) => {
      for (let i = 0; i < 50 && caller.notifies.length < n; i++) await new Promise((r) => setTimeout(r, 50));
      return caller.notifies;
    };
    let got = await waitNotifies(1);
    assert.equal(got[0]!.event, 'message-summary');
    assert.match(got[0]!.body, /Messages-Waiting: no/);
    assert.match(got[0]!.body, /Message-Account: sip:103@acme\.pbx\.test/);
    assert.equal(server.subscriptions, 1);
    assert.equal(server.notifyMailbox('acc-1', 'user-103', { newCount: 2, savedCount: 1 }), 1);
    assert.equal(server.notifyMailbox('acc-1', 'user-102', { newCount: 1, savedCount: 0 }), 0, "another mailbox's change is not sent");
    got = await waitNotifies(2);
    assert.match(got[1]!.body, /Messages-Waiting: yes/);
    assert.match(got[1]!.body, /Voice-Message: 2\/1/);
    assert.equal(await sub.refresh(0), 200);
    got = await waitNotifies(3);
    assert.match(got[2]!.state, /^terminated/);
    assert.equal(server.subscriptions, 0);
    // without Switchboard's header (a phone naming a mailbox itself) → refused
    assert.equal((await caller.subscribe(vm)).status, 403);
  });

  test('three wrong PINs hang up; voicemail off says so; no header or another address is refused', async () => {
    const c = await caller.call(vm, { 'X-Switchboard-Voicemail': 'access;mailbox=102;account=acme' });
    for (const pin of ['1', '2', '3']) {
      await new Promise((r) => setTimeout(r, 700));
      await c.phone.dtmf(`${pin}000#`);
    }
    await c.ended;
    await server.idle();
    assert.deepEqual(store.pinChecks.slice(-3).map((p) => p.result), ['wrong', 'wrong', 'locked']);
    c.phone.close();

    const off = await caller.call(vm, { 'X-Switchboard-Voicemail': 'deposit;mailbox=104;account=acme' });
    await off.ended;
    off.phone.close();

    const bare = await caller.call(vm);
    assert.equal(bare.status, 403);
    const stranger = await new SipCaller('127.0.0.7').start();
    const s = await stranger.call(vm, { 'X-Switchboard-Voicemail': 'access;mailbox=102;account=acme' });
    assert.equal(s.status, 403);
    stranger.stop();
  });
  test('*29 and *28 headers: access with menu=options, daynight features', () => {
    assert.deepEqual(parseVoicemailHeader('access;mailbox=102;account=acme;menu=options'), { mode: 'access', mailbox: '102', account: 'acme', reason: 'unavailable', menu: 'options' });
    assert.equal(parseVoicemailHeader('deposit;mailbox=102;account=acme;menu=options')?.menu, undefined, 'only access has menus');
    assert.deepEqual(parseFeatureHeader('daynight;mode=night;account=acme;office=0b6f-1'), { name: 'daynight', mode: 'night', account: 'acme', office: '0b6f-1' });
    assert.equal(parseFeatureHeader('daynight;mode=evening;account=acme;office=x'), null);
    assert.equal(parseFeatureHeader('pickup;mode=night;account=acme;office=x'), null);
    assert.equal(parseFeatureHeader(undefined), null);
  });

  test('*29 (menu=options): after the PIN straight to the mailbox options; 1 records the unavailable greeting', async () => {
    store.greetings.clear();
    const c = await caller.call(vm, { 'X-Switchboard-Voicemail': 'access;mailbox=105;account=acme;menu=options' });
    assert.equal(c.status, 200);
    await new Promise((r) => setTimeout(r, 600));
    await c.phone.dtmf('5555#');
    await new Promise((r) => setTimeout(r, 1200));
    await c.phone.dtmf('1'); // options: 1 = record the unavailable greeting (no main menu in between)
    // "record your unavailable message after the tone", beep: wait for the beep, then speak
    const t0 = Date.now();
    let beep = false;
    while (!beep && Date.now() - t0 < 15000) {
      await new Promise((r) => setTimeout(r, 200));
      const h = c.phone.heard();
      const tail = h.length - 800;
      if (tail > 0 && toneRatio(h, 1000, tail, h.length) > 0.3) beep = true;
    }
    assert.ok(beep, 'the beep of the greeting recording');
    await new Promise((r) => setTimeout(r, 400));
    await c.phone.play(concatPcm([tone(1000, 1500), silence(3500)]));
    for (let i = 0; i < 40 && !store.greetings.has('user-105/unavailable'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(store.greetings.has('user-105/unavailable'), 'the greeting is stored');
    await new Promise((r) => setTimeout(r, 1500)); // "thank you", the options again
    await c.phone.dtmf('*');
    await c.ended; // back from options = goodbye and hang up (no main menu)
    await server.idle();
    assert.deepEqual(store.pinChecks.filter((p) => p.userId === 'user-105').map((p) => p.result), ['ok']);
    c.phone.close();
  });

  test('*28 confirmation (X-Switchboard-Feature): answered, "activated" / "de-activated", goodbye, hung up by the server', async () => {
    for (const [mode, prompt] of [['night', 'activated'], ['day', 'de-activated']] as const) {
      const c = await caller.call(vm, { 'X-Switchboard-Feature': `daynight;mode=${mode};account=acme;office=o-1` });
      assert.equal(c.status, 200, mode);
      await c.ended;
      await server.idle();
      const heard = c.phone.heard();
      const expected = prompts.get(prompt).length + prompts.get('vm-goodbye').length;
      assert.ok(heard.length > expected * 0.8 && heard.length < expected + RATE * 2, `${mode}: heard ${heard.length} samples, prompts ${expected}`);
      assert.ok(rms(heard) > 100, 'not silence');
      c.phone.close();
    }
    assert.equal((await caller.call(vm, { 'X-Switchboard-Feature': 'daynight;mode=later;account=acme;office=o-1' })).status, 403);
  });
});
