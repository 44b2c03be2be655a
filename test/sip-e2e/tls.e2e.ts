/**
 * SIP over TLS and SRTP, real Kamailio + rtpengine on loopback, both stores. Kamailio listens for TLS on TLS_PORT
 * with the self-signed pair `sip start` would make; phone T is on TLS (it trusts exactly that certificate), phone U
 * on UDP. Proven by what each far end receives:
 *  - T's REGISTER arrived over TLS (Kamailio's binding: TLS socket, received over tls),
 *  - U → T: the INVITE reaches T over TLS (Via TLS), with an RTP/SAVP offer carrying SDES keys (a=crypto), and U
 *    gets T's answer as plain RTP/AVP without keys;
 *  - T → U: T's SRTP offer reaches U as plain RTP/AVP without keys, and T gets an RTP/SAVP answer with rtpengine's keys.
 * Audio is not decrypted here: the SDP each side receives is the proof (docs/media.md).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { storeKinds } from '../support/stores.ts';
import { RtpPhone } from '../support/rtp-phone.ts';
import { RTPENGINE_BIN } from '../../src/modules/sip/rtpengine.ts';
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

/** A TLS phone's SRTP offer/answer: RTP/SAVP with one SDES key (AES_CM_128_HMAC_SHA1_80). */
function srtpSdp(p: RtpPhone): string {
  const key = randomBytes(30).toString('base64');
  return p.sdp().replace('RTP/AVP 0 101', 'RTP/SAVP 0 101').replace('a=sendrecv', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}\r\na=sendrecv`);
}

const mLine = (sdp: string) => /^m=audio \d+ (\S+)/m.exec(sdp)?.[1];
const cryptoLines = (sdp: string) => sdp.split(/\r?\n/).filter((l) => l.startsWith('a=crypto:'));

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
        assert.equal(sock.getPeerCertificate().fingerprint256, new (await import('node:crypto')).X509Certificate(stack.tls!.cert).fingerprint256);
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

    test('a call to the TLS phone: INVITE over TLS with an SRTP offer; the UDP caller gets plain RTP', async () => {
      const pu = await new RtpPhone().open();
      const pt = await new RtpPhone().open();
      phones.push(pu, pt);
      let offerAtT = '';
      t.answerWith = (offer) => {
        offerAtT = offer;
        return srtpSdp(pt);
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
      assert.ok(cryptoLines(offerAtT).length > 0, `a=crypto in the offer to the TLS phone:\n${offerAtT}`);
      assert.ok(cryptoLines(offerAtT).some((l) => / AES_CM_128_HMAC_SHA1_80 inline:/.test(l)), offerAtT);
      assert.doesNotMatch(offerAtT, new RegExp(`m=audio ${pu.port} `), 'media anchored at rtpengine');
      // what the UDP caller got back: plain RTP, no keys
      assert.equal(mLine(call.answer), 'RTP/AVP', call.answer);
      assert.deepEqual(cryptoLines(call.answer), []);
      assert.equal(await call.hangup(), 200);
    });

    test('a call from the TLS phone: the UDP callee gets plain RTP, the TLS caller an SRTP answer', async () => {
      const pu = await new RtpPhone().open();
      const pt = await new RtpPhone().open();
      phones.push(pu, pt);
      let offerAtU = '';
      u.answerWith = (offer) => {
        offerAtU = offer;
        return pu.sdp();
      };
      const before = u.invites().length;
      const call = await t.dial('302', srtpSdp(pt));
      assert.equal(call.status, 200, call.reason);
      const inv = u.invites().slice(before)[0]!;
      assert.equal(inv.protocol, 'UDP');
      assert.equal(mLine(offerAtU), 'RTP/AVP', offerAtU);
      assert.deepEqual(cryptoLines(offerAtU), [], 'no keys to the UDP phone');
      assert.equal(mLine(call.answer), 'RTP/SAVP', call.answer);
      assert.ok(cryptoLines(call.answer).length === 1, `one a=crypto (rtpengine's key for the chosen suite) in the answer:\n${call.answer}`);
      assert.equal(await call.hangup(), 200);
    });
  });
}
