/**
 * SIP over TLS and SRTP, real Kamailio + rtpengine on loopback, both stores. Kamailio listens for TLS on TLS_PORT
 * with the self-signed pair `sip start` would make; phone T is on TLS (it trusts exactly that certificate), phone U
 * on UDP. Proven by what each far end receives:
 *  - T's REGISTER arrived over TLS (Kamailio's binding: TLS socket, received over tls),
 *  - U → T: the INVITE reaches T over TLS (Via TLS), with an RTP/SAVP offer carrying SDES keys (a=crypto), and U
 *    gets T's answer as plain RTP/AVP without keys;
 *  - T → U: T's SRTP offer reaches U as plain RTP/AVP without keys, and T gets an RTP/SAVP answer with rtpengine's keys.
 *  - and audio flows both ways in both calls: a tone the UDP phone sends in plain RTP is heard by the TLS phone only
 *    after SRTP decryption with the key rtpengine gave it (authenticated, none rejected), and the TLS phone's
 *    SRTP-encrypted tone is heard by the UDP phone in plain RTP (test/support/srtp.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { storeKinds } from '../support/stores.ts';
import { RtpPhone } from '../support/rtp-phone.ts';
import { RTPENGINE_BIN } from '../../src/modules/sip/rtpengine.ts';
import { tone, toneRatio } from '../../src/modules/voicemail/audio.ts';
import { SrtpContext, SUITE } from '../support/srtp.ts';
import { kamailioNotify } from '../../src/modules/sip/notifier.ts';
import { kamailioMissing, REALM, SIP, startStack, TLS_PORT, type Stack } from './stack.ts';
import { UA } from './ua.ts';

const run = promisify(execFile);
const PROXY = `${SIP.listen}:${SIP.port}`;
const TLS_PROXY = `${SIP.listen}:${TLS_PORT}`;

function rtpengineMissing(): string | null {
  if (existsSync(RTPENGINE_BIN)) return null;
  if (process.env.CI) throw new Error(`rtpengine not installed (${RTPENGINE_BIN}): required in CI (.ci/apt-packages)`);
  return `rtpengine not installed (${RTPENGINE_BIN})`;
}

/** A TLS phone's SRTP offer/answer: RTP/SAVP with one SDES key (AES_CM_128_HMAC_SHA1_80) under `tag`. */
function srtpSdp(p: RtpPhone, key: SrtpContext, tag = '1'): string {
  return p.sdp().replace('RTP/AVP 0 101', 'RTP/SAVP 0 101').replace('a=sendrecv', `a=crypto:${tag} ${SUITE} inline:${key.inline}\r\na=sendrecv`);
}

const mLine = (sdp: string) => /^m=audio \d+ (\S+)/m.exec(sdp)?.[1];
const cryptoLines = (sdp: string) => sdp.split(/\r?\n/).filter((l) => l.startsWith('a=crypto:'));
const srtpPair = (tx: SrtpContext, rx: SrtpContext) => ({ protect: (b: Buffer) => tx.protect(b), unprotect: (b: Buffer) => rx.unprotect(b) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Strongest presence of `hz` (200 ms windows) in what a phone heard. */
function toneIn(p: RtpPhone, hz: number): number {
  const h = p.heard();
  let best = 0;
  for (let i = 0; i + 1600 <= h.length; i += 400) best = Math.max(best, toneRatio(h, hz, i, i + 1600));
  return best;
}

/** Both phones send their tone for 1.5 s at once. */
async function talk(a: RtpPhone, aHz: number, b: RtpPhone, bHz: number): Promise<void> {
  await Promise.all([a.play(tone(aHz, 1500)), b.play(tone(bHz, 1500))]);
  await sleep(300);
}

const missing = kamailioMissing() ?? rtpengineMissing();

for (const { kind, skip } of await storeKinds()) {
  describe(`SIP over TLS and SRTP (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let stack: Stack;
    let t: UA;
    let u: UA;
    const phones: RtpPhone[] = [];

    before(async () => {
      stack = await startStack(kind, { rtpengine: true, tls: true });
      const ut = await stack.addUser({ extension: '301' });
      const uu = await stack.addUser({ extension: '302' });
      const tls = stack.tls!;
      t = new UA({ user: ut.user, password: ut.password, domain: REALM, port: 5191, proxy: TLS_PROXY, tls: { ca: tls.cert, cert: tls.cert, key: tls.key } }).start();
      u = new UA({ user: uu.user, password: uu.password, domain: REALM, port: 5192, proxy: PROXY }).start();
    });
    after(async () => {
      for (const p of phones) p.close();
      await t?.unregister().catch(() => {});
      await u?.unregister().catch(() => {});
      t?.stop();
      u?.stop();
      await stack?.close();
    });

    test('Kamailio presents the configured certificate on the TLS port (TLS 1.2 or newer)', async () => {
      const sock = connect({ host: SIP.listen, port: TLS_PORT, ca: stack.tls!.cert });
      await new Promise<void>((resolve, reject) => {
        sock.once('secureConnect', resolve);
        sock.once('error', reject);
      });
      try {
        assert.equal(sock.authorized, true, String(sock.authorizationError));
        assert.match(String(sock.getProtocol()), /^TLSv1\.[23]$/);
        assert.equal(sock.getPeerCertificate().fingerprint256, new X509Certificate(stack.tls!.cert).fingerprint256);
      } finally {
        sock.destroy();
      }
    });

    test('the TLS phone registers over TLS', async () => {
      assert.equal((await t.register()).status, 200);
      assert.equal((await u.register()).status, 200);
      const binding = async (user: string) => (await run('/usr/sbin/kamcmd', ['-s', stack.kamailio.ctlSocket, 'ul.lookup', 'location', `${user}@${REALM}`])).stdout;
      const bt = await binding(t.o.user);
      // received on Kamailio's TLS socket; calls go back over the phone's own connection (received address)
      assert.match(bt, new RegExp(`Socket: tls:127\\.0\\.0\\.1:${TLS_PORT}`), bt);
      assert.match(bt, /Received: sip:127\.0\.0\.1:\d+;transport=tls/, bt);
      assert.match(bt, /Address: sip:[^@]+@127\.0\.0\.1:5191;transport=tls/, bt);
      const bu = await binding(u.o.user);
      assert.match(bu, /Socket: udp:127\.0\.0\.1:5070/, bu);
    });

    test('a call to the TLS phone: INVITE over TLS with an SRTP offer; the UDP caller gets plain RTP; audio both ways', async () => {
      const pu = await new RtpPhone().open();
      const pt = await new RtpPhone().open();
      phones.push(pu, pt);
      let offerAtT = '';
      const tx = SrtpContext.random();
      t.answerWith = (offer) => {
        offerAtT = offer;
        // a phone picks the offered suite it supports and answers under its tag with a key of its own
        const line = cryptoLines(offer).find((l) => l.includes(` ${SUITE} `));
        if (line) pt.srtp = srtpPair(tx, SrtpContext.fromCryptoLine(line));
        pt.answer(offer);
        return srtpSdp(pt, tx, /^a=crypto:(\d+)/.exec(line ?? '')?.[1] ?? '1');
      };
      const before = t.invites().length;
      const call = await u.dial('301', pu.sdp());
      assert.equal(call.status, 200, call.reason);
      const inv = t.invites().slice(before)[0]!;
      assert.equal(inv.protocol, 'TLS', 'the INVITE reached the TLS phone over its TLS connection');
      assert.equal(inv.headers.via[0].protocol, 'TLS', `top Via ${JSON.stringify(inv.headers.via[0])}`);
      assert.equal(inv.headers.via[0].port, TLS_PORT);
      // what the TLS phone was offered: SRTP with SDES keys from rtpengine (not the caller's plain offer)
      assert.equal(mLine(offerAtT), 'RTP/SAVP', offerAtT);
      assert.ok(cryptoLines(offerAtT).some((l) => l.includes(` ${SUITE} inline:`)), `an ${SUITE} a=crypto in the offer to the TLS phone:\n${offerAtT}`);
      assert.doesNotMatch(offerAtT, new RegExp(`m=audio ${pu.port} `), 'media anchored at rtpengine');
      // what the UDP caller got back: plain RTP, no keys
      assert.equal(mLine(call.answer), 'RTP/AVP', call.answer);
      assert.deepEqual(cryptoLines(call.answer), []);
      // audio: plain 1000 Hz from the UDP phone is heard by the TLS phone after SRTP decryption, and the TLS
      // phone's encrypted 1400 Hz by the UDP phone
      pu.answer(call.answer);
      await talk(pu, 1000, pt, 1400);
      assert.ok(toneIn(pt, 1000) > 0.3, `the TLS phone hears the caller through SRTP (${toneIn(pt, 1000).toFixed(2)}; ${pt.rejected} packets failed authentication)`);
      assert.equal(pt.rejected, 0, 'every packet to the TLS phone authenticated with the key rtpengine offered');
      assert.ok(toneIn(pu, 1400) > 0.3, `the UDP caller hears the TLS phone in plain RTP (${toneIn(pu, 1400).toFixed(2)})`);
      assert.equal(await call.hangup(), 200);
    });

    test('a call from the TLS phone: the UDP callee gets plain RTP, the TLS caller an SRTP answer; audio both ways', async () => {
      const pu = await new RtpPhone().open();
      const pt = await new RtpPhone().open();
      phones.push(pu, pt);
      let offerAtU = '';
      u.answerWith = (offer) => {
        offerAtU = offer;
        pu.answer(offer);
        return pu.sdp();
      };
      const before = u.invites().length;
      const tx = SrtpContext.random();
      const call = await t.dial('302', srtpSdp(pt, tx));
      assert.equal(call.status, 200, call.reason);
      const inv = u.invites().slice(before)[0]!;
      assert.equal(inv.protocol, 'UDP');
      assert.equal(mLine(offerAtU), 'RTP/AVP', offerAtU);
      assert.deepEqual(cryptoLines(offerAtU), [], 'no keys to the UDP phone');
      assert.equal(mLine(call.answer), 'RTP/SAVP', call.answer);
      const keys = cryptoLines(call.answer);
      assert.equal(keys.length, 1, `one a=crypto (rtpengine's key for the offered suite) in the answer:\n${call.answer}`);
      assert.match(keys[0]!, new RegExp(`^a=crypto:1 ${SUITE} inline:`));
      pt.srtp = srtpPair(tx, SrtpContext.fromCryptoLine(keys[0]!));
      pt.answer(call.answer);
      await talk(pt, 1400, pu, 1000);
      assert.ok(toneIn(pu, 1400) > 0.3, `the UDP callee hears the TLS caller in plain RTP (${toneIn(pu, 1400).toFixed(2)})`);
      assert.ok(toneIn(pt, 1000) > 0.3, `the TLS caller hears the callee through SRTP (${toneIn(pt, 1000).toFixed(2)}; ${pt.rejected} rejected)`);
      assert.equal(pt.rejected, 0);
      assert.equal(await call.hangup(), 200);
    });

    test('a NOTIFY Switchboard sends through Kamailio (handset resync, message waiting) reaches the TLS phone over its connection', async () => {
      const before = t.received.filter((r) => r.method === 'NOTIFY').length;
      const r = await kamailioNotify(stack.kamailio.ctlSocket)({ realm: REALM, sipUsername: t.o.user }, { fromUser: 'provisioning', event: 'check-sync', contentType: 'text/plain' });
      assert.equal(r, 'sent');
      const deadline = Date.now() + 3000;
      let got: (typeof t.received)[number] | undefined;
      while (!got && Date.now() < deadline) {
        got = t.received.filter((x) => x.method === 'NOTIFY').slice(before)[0];
        if (!got) await sleep(50);
      }
      assert.ok(got, 'the TLS phone got the NOTIFY');
      assert.equal(got.protocol, 'TLS');
      assert.equal(String(got.headers.event), 'check-sync');
    });
  });
}
