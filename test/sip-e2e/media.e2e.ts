/**
 * Media through rtpengine on loopback, real Kamailio, both stores: On Hold Music. The office's track is a
 * known tone uploaded to the media library; A calls B with real RTP both ways; when A puts B on hold
 * (re-INVITE a=sendonly), B hears the office's track (the tone) from rtpengine; when A resumes, the track stops
 * and B hears A again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { storeKinds } from '../support/stores.ts';
import { RtpPhone } from '../support/rtp-phone.ts';
import { pcmToWav, tone, toneRatio } from '../../src/modules/voicemail/audio.ts';
import { RTPENGINE_BIN } from '../../src/modules/sip/rtpengine.ts';
import { kamailioMissing, REALM, startStack, type Stack } from './stack.ts';
import { UA } from './ua.ts';

const PROXY = '127.0.0.1:5070';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rtpengineMissing(): string | null {
  if (existsSync(RTPENGINE_BIN)) return null;
  if (process.env.CI) throw new Error(`rtpengine not installed (${RTPENGINE_BIN}): required in CI (.ci/apt-packages)`);
  return `rtpengine not installed (${RTPENGINE_BIN})`;
}

/** Strongest presence of `hz` (200 ms windows) in samples [from, to) of what a phone heard. */
function toneIn(p: RtpPhone, hz: number, from: number, to = p.heard().length): number {
  const h = p.heard();
  let best = 0;
  for (let i = from; i + 1600 <= Math.min(to, h.length); i += 400) best = Math.max(best, toneRatio(h, hz, i, i + 1600));
  return best;
}

const missing = kamailioMissing() ?? rtpengineMissing();

for (const { kind, skip } of await storeKinds()) {
  describe(`hold music through rtpengine (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let stack: Stack;
    let a: UA;
    let b: UA;
    const phones: RtpPhone[] = [];
    let talkA = false;
    let talkB = false;

    before(async () => {
      stack = await startStack(kind, { rtpengine: true });
      const ua = await stack.addUser({ extension: '101' });
      const ub = await stack.addUser({ extension: '102' });
      a = new UA({ user: ua.user, password: ua.password, domain: REALM, port: 5181, proxy: PROXY }).start();
      b = new UA({ user: ub.user, password: ub.password, domain: REALM, port: 5182, proxy: PROXY }).start();
      assert.equal((await a.register()).status, 200);
      assert.equal((await b.register()).status, 200);
    });
    after(async () => {
      talkA = talkB = false;
      for (const p of phones) p.close();
      await a?.unregister().catch(() => {});
      await b?.unregister().catch(() => {});
      a?.stop();
      b?.stop();
      await stack?.close();
    });

    test("putting a call on hold plays the office's track to the held party; resuming stops it", async () => {
      // the office's On Hold Music: a 600 Hz track uploaded to the account's library
      const up = await fetch(`${stack.server.baseUrl}/api/v1/accounts/e2e/media?name=Test%20tone`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.server.providerKey}`, 'content-type': 'audio/wav' },
        body: new Uint8Array(pcmToWav(tone(600, 10_000))),
      });
      const track = (await up.json()) as { id: string };
      assert.equal(up.status, 201, JSON.stringify(track));
      const set = await stack.server.api('PATCH', `/api/v1/accounts/e2e/offices/${stack.officeId}`, { onHoldMusic: track.id });
      assert.equal(set.status, 200, set.text);

      const pa = await new RtpPhone().open();
      const pb = await new RtpPhone().open();
      phones.push(pa, pb);
      b.answerWith = (offer) => {
        pb.answer(offer);
        talkB = true;
        void (async () => {
          while (talkB) await pb.play(tone(1400, 500));
        })();
        return pb.sdp();
      };
      const call = await a.dial('102', pa.sdp());
      assert.equal(call.status, 200, call.reason);
      assert.match(call.answer, /c=IN IP4 127\.0\.0\.1/);
      pa.answer(call.answer);
      talkA = true;
      const talking = (async () => {
        while (talkA) await pa.play(tone(1000, 200));
      })();
      await sleep(1500);
      assert.ok(toneIn(pb, 1000, 0) > 0.3, `B hears A before the hold (${toneIn(pb, 1000, 0).toFixed(2)})`);

      // A holds B
      talkA = false;
      await talking;
      const hold = await call.reinvite(pa.sdp().replace('a=sendrecv', 'a=sendonly'));
      assert.equal(hold.status, 200);
      const holdFrom = pb.heard().length;
      await sleep(2500);
      const music = toneIn(pb, 600, holdFrom);
      assert.ok(music > 0.3, `B hears the office's 600 Hz track while held (${music.toFixed(2)})`);

      // A resumes
      const resume = await call.reinvite(pa.sdp());
      assert.equal(resume.status, 200);
      talkA = true;
      const talking2 = (async () => {
        while (talkA) await pa.play(tone(1000, 200));
      })();
      await sleep(1000);
      const after = pb.heard().length;
      await sleep(1500);
      assert.ok(toneIn(pb, 1000, after) > 0.3, `B hears A again (${toneIn(pb, 1000, after).toFixed(2)})`);
      assert.ok(toneIn(pb, 600, after) < 0.1, `the track stopped (${toneIn(pb, 600, after).toFixed(2)})`);
      talkA = false;
      talkB = false;
      await talking2;
      assert.equal(await call.hangup(), 200);
    });
  });
}
