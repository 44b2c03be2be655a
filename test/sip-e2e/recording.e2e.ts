/**
 * Call recording through rtpengine on loopback, real Kamailio, both stores. A user with 'Record calls from
 * this extension' calls another user; each phone sends its own tone (caller 1000 Hz, called party 1400 Hz)
 * over real RTP through rtpengine. After the hang-up, rtpengine's pcap (userspace, no kernel module) is
 * imported: the stored WAV has the caller's tone on the left and the called party's on the right, and the API
 * lists the call with its parties, direction and duration. A call between two users without the setting
 * leaves no recording at all (nothing in rtpengine's spool either).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { storeKinds } from '../support/stores.ts';
import { RtpPhone } from '../support/rtp-phone.ts';
import { tone, toneRatio } from '../../src/modules/voicemail/audio.ts';
import { channel, readStereoWav } from '../../src/modules/recordings/decode.ts';
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

/** Strongest presence of `hz` over 200 ms windows. */
function toneIn(pcm: Int16Array, hz: number): number {
  let best = 0;
  for (let i = 0; i + 1600 <= pcm.length; i += 400) best = Math.max(best, toneRatio(pcm, hz, i, i + 1600));
  return best;
}

interface Listed {
  items: Array<{ id: string; direction: string; durationMs: number; caller: { number: string; userId: string | null; name: string | null }; callee: { number: string; userId: string | null } }>;
  total: number;
}

const missing = kamailioMissing() ?? rtpengineMissing();

for (const { kind, skip } of await storeKinds()) {
  describe(`call recording through rtpengine (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let stack: Stack;
    const uas: UA[] = [];
    const phones: RtpPhone[] = [];
    let users: Record<string, { id: string; user: string; password: string }>;

    before(async () => {
      stack = await startStack(kind, { rtpengine: true });
      users = {
        '101': await stack.addUser({ extension: '101', security: { recordCalls: true } }),
        '102': await stack.addUser({ extension: '102' }),
        '103': await stack.addUser({ extension: '103' }),
      };
    });
    after(async () => {
      for (const p of phones) p.close();
      for (const ua of uas) {
        await ua.unregister().catch(() => {});
        ua.stop();
      }
      await stack?.close();
    });

    async function ua(ext: string, port: number): Promise<UA> {
      const u = users[ext]!;
      const a = new UA({ user: u.user, password: u.password, domain: REALM, port, proxy: PROXY }).start();
      uas.push(a);
      assert.equal((await a.register()).status, 200);
      return a;
    }

    /** caller dials callee; both talk (their tones) for `ms`; the caller hangs up. */
    async function talk(caller: UA, callee: UA, to: string, ms: number): Promise<void> {
      const pa = await new RtpPhone().open();
      const pb = await new RtpPhone().open();
      phones.push(pa, pb);
      let talking = true;
      let bTalk: Promise<void> | undefined;
      callee.answerWith = (offer) => {
        pb.answer(offer);
        bTalk = (async () => {
          while (talking) await pb.play(tone(1400, 200));
        })();
        return pb.sdp();
      };
      const call = await caller.dial(to, pa.sdp());
      assert.equal(call.status, 200, call.reason);
      pa.answer(call.answer);
      const aTalk = (async () => {
        while (talking) await pa.play(tone(1000, 200));
      })();
      await sleep(ms);
      talking = false;
      await Promise.all([aTalk, bTalk]);
      // both really heard each other through rtpengine
      assert.ok(toneIn(pb.heard(), 1000) > 0.3, 'the called party heard the caller');
      assert.ok(toneIn(pa.heard(), 1400) > 0.3, 'the caller heard the called party');
      assert.equal(await call.hangup(), 200);
    }

    /** Runs the importer until it has imported something (rtpengine closes the files just after the BYE). */
    async function importNext(): Promise<string[]> {
      const rec = stack.recordings!;
      for (let i = 0; i < 40; i++) {
        const r = await rec.importer.runOnce();
        if (r.imported.length) return r.imported;
        await sleep(100);
      }
      return [];
    }

    test('a call from a recorded user is stored with both parties\' audio and listed with its parties and duration', async () => {
      const a = await ua('101', 5191);
      const b = await ua('102', 5192);
      await talk(a, b, '102', 2500);
      const ids = await importNext();
      assert.equal(ids.length, 1, 'one recording imported');
      // the spool is emptied
      assert.deepEqual(readdirSync(join(stack.recordings!.spoolDir, 'pcaps')), []);
      assert.deepEqual(readdirSync(join(stack.recordings!.spoolDir, 'metadata')), []);

      const list = await stack.server.api('GET', '/api/v1/accounts/e2e/recordings');
      assert.equal(list.status, 200, list.text);
      const body = list.body as Listed;
      assert.equal(body.total, 1);
      const r = body.items[0]!;
      assert.equal(r.id, ids[0]);
      assert.equal(r.direction, 'internal');
      assert.equal(r.caller.number, '101');
      assert.equal(r.caller.userId, users['101']!.id);
      assert.equal(r.caller.name, 'User 101');
      assert.equal(r.callee.number, '102');
      assert.equal(r.callee.userId, users['102']!.id);
      assert.ok(r.durationMs >= 2000 && r.durationMs <= 4000, `duration ${r.durationMs} ms ≈ 2.5 s of talk`);
      const byUser = await stack.server.api('GET', `/api/v1/accounts/e2e/recordings?userId=${users['102']!.id}&direction=internal`);
      assert.equal((byUser.body as Listed).total, 1);

      const res = await fetch(`${stack.server.baseUrl}/api/v1/accounts/e2e/recordings/${r.id}/audio`, { headers: { authorization: `Bearer ${stack.server.providerKey}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'audio/wav');
      const stereo = readStereoWav(Buffer.from(await res.arrayBuffer()));
      const left = channel(stereo, 0);
      const right = channel(stereo, 1);
      assert.ok(Math.abs(left.length / 8 - r.durationMs) < 50, 'the file is as long as the listed duration');
      const l1000 = toneIn(left, 1000);
      const r1400 = toneIn(right, 1400);
      assert.ok(l1000 > 0.3, `the caller's 1000 Hz is on the left (${l1000.toFixed(2)})`);
      assert.ok(r1400 > 0.3, `the called party's 1400 Hz is on the right (${r1400.toFixed(2)})`);
      assert.ok(toneIn(left, 1400) < 0.1 && toneIn(right, 1000) < 0.1, 'each side only has its own party');
      // the mix of both channels contains both tones
      const mix = Int16Array.from(left, (v, i) => (v + right[i]!) >> 1);
      assert.ok(toneIn(mix, 1000) > 0.1 && toneIn(mix, 1400) > 0.1, 'both tones in the mixed-down file');
    });

    test('a call between users who are not recorded leaves no recording', async () => {
      const c = await ua('103', 5193);
      const b = uas[1]!; // 102, registered by the first test
      await talk(c, b, '102', 1500);
      await sleep(1000);
      const r = await stack.recordings!.importer.runOnce();
      assert.deepEqual(r, { imported: [], discarded: [] });
      assert.deepEqual(existsSync(join(stack.recordings!.spoolDir, 'pcaps')) ? readdirSync(join(stack.recordings!.spoolDir, 'pcaps')) : [], []);
      const list = await stack.server.api('GET', '/api/v1/accounts/e2e/recordings');
      assert.equal((list.body as Listed).total, 1, 'still only the recorded call');
    });
  });
}
