/**
 * Busy lamps (BLF) end to end: real Kamailio with the project's config (presence, pua_dialoginfo), real
 * Switchboard server and store (SQLite, then PostgreSQL). A phone subscribes to an extension's dialog state
 * (Event: dialog, as the BLF keys provisioning writes do) and sees it go idle → early (ringing) → confirmed →
 * terminated as another phone calls that extension through Kamailio; another account's phone is refused.
 * Run under the SIP e2e lock (fixed ports): flock /tmp/sip-e2e.lock node scripts/run-tests.mjs test/sip-e2e/presence.e2e.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../support/stores.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { createAccount } from '../../src/modules/accounts/service.ts';
import { createOffice } from '../../src/modules/offices/service.ts';
import { createUser } from '../../src/modules/users/service.ts';
import { kamailioMissing, REALM, startStack, type Stack } from './stack.ts';
import { gateway, UA } from './ua.ts';

const missing = kamailioMissing();
const PROXY = '127.0.0.1:5070';

type LampState = 'idle' | 'trying' | 'early' | 'confirmed';

/**
 * What a phone's lamp shows for a dialog-info document: the most interesting state of its dialogs (early, as
 * a phone blinks for it, above confirmed), idle when there is no dialog or every dialog is terminated.
 */
function lamp(body: string): LampState {
  assert.match(body, /<dialog-info[^>]*xmlns="urn:ietf:params:xml:ns:dialog-info"/, `a dialog-info document: ${body}`);
  const states = [...body.matchAll(/<state[^>]*>\s*([a-z]+)\s*<\/state>/g)].map((m) => m[1]!);
  for (const s of ['early', 'confirmed', 'trying', 'proceeding'] as const) if (states.includes(s)) return s === 'proceeding' ? 'trying' : s;
  return 'idle';
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const { kind, skip } of await storeKinds()) {
  describe(`busy lamps (BLF) through Kamailio (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let s: Stack;
    let vm: UA;
    const phones: UA[] = [];
    const users: Record<string, { id: string; user: string; password: string }> = {};
    let a: UA;
    let b: UA;
    let c: UA;
    const phone = (ext: string, port: number) => {
      const u = users[ext]!;
      const ua = new UA({ user: u.user, password: u.password, domain: REALM, port, proxy: PROXY }).start();
      phones.push(ua);
      return ua;
    };
    type Sub = Awaited<ReturnType<UA['subscribe']>>;
    /** Waits until the subscription's latest NOTIFY shows `want`; returns every body so far. */
    const lampOf = (sub: Sub, want: LampState, what: string) =>
      until(`${what}: ${want} (bodies so far: ${sub.bodies().join('\n---\n')})`, () => {
        const bodies = sub.bodies();
        return bodies.length > 0 && lamp(bodies.at(-1)!) === want ? bodies : undefined;
      });

    before(async () => {
      s = await startStack(kind);
      for (const ext of ['101', '102', '103']) users[ext] = await s.addUser({ extension: ext, ringTime: 20 });
      vm = gateway(5095);
      a = phone('101', 5121);
      b = phone('102', 5122);
      c = phone('103', 5123);
      for (const ua of [a, b, c]) assert.equal((await ua.register()).status, 200);
    });

    after(async () => {
      for (const ua of phones) {
        if (!ua.stack) continue;
        await Promise.race([ua.unregister(), new Promise((r) => setTimeout(r, 500))]);
        ua.stop();
      }
      vm?.stop();
      await s?.close();
    });

    test('a BLF key on 102: idle, ringing (early), in a call (confirmed), idle again after BYE; the caller 103 is busy meanwhile', async () => {
      const on102 = await a.subscribe('dialog', '102');
      assert.ok(on102.status >= 200 && on102.status < 300, `SUBSCRIBE ${on102.status} ${on102.reason}`);
      const on103 = await a.subscribe('dialog', '103');
      assert.ok(on103.status >= 200 && on103.status < 300, `SUBSCRIBE ${on103.status} ${on103.reason}`);
      const first = await lampOf(on102, 'idle', '102 before any call');
      assert.match(first[0]!, /entity="sip:102@e2e\.pbx\.test"/);
      assert.equal(String(on102.notifies()[0]!.headers.event).split(';')[0], 'dialog');
      assert.match(String(on102.notifies()[0]!.headers['content-type'] ?? JSON.stringify(on102.notifies()[0]!.headers)), /application\/dialog-info\+xml/);
      await lampOf(on103, 'idle', '103 before any call');

      b.mode = 'ring';
      const call = c.call('102', 1500);
      await lampOf(on102, 'early', '102 ringing');
      await lampOf(on103, 'confirmed', '103 calling (caller_confirmed: busy, not blinking)');
      assert.equal(b.answerRinging(), 1);
      await lampOf(on102, 'confirmed', '102 answered');
      const r = await call;
      assert.equal(r.status, 200);
      assert.equal(r.bye, 200);
      const after102 = await lampOf(on102, 'idle', '102 after BYE');
      assert.match(after102.at(-1)!, /<state[^>]*>\s*terminated\s*<\/state>/, 'the ended dialog is reported terminated');
      await lampOf(on103, 'idle', '103 after BYE');
      assert.equal(await on102.unsubscribe(), 200);
      await until('the final NOTIFY (Subscription-State: terminated)', () =>
        on102.notifies().some((n) => /terminated/i.test(String(n.headers['subscription-state']))) ? true : undefined,
      );
      assert.equal(await on103.unsubscribe(), 200);
    });

    test('a cancelled call: ringing, then idle again', async () => {
      const on102 = await a.subscribe('dialog', '102');
      assert.ok(on102.status < 300);
      // Cisco's sub=102@$PROXY and Grandstream's MPK subscribe to 102@<realm>:<port>: the same presentity
      const withPort = await a.subscribe('dialog', `sip:102@${REALM}:5070`);
      assert.ok(withPort.status < 300, `${withPort.status} ${withPort.reason}`);
      await lampOf(on102, 'idle', '102 before');
      await lampOf(withPort, 'idle', '102 (with port) before');
      b.mode = 'ring';
      const call = c.call('102');
      await lampOf(on102, 'early', '102 ringing');
      await lampOf(withPort, 'early', '102 (with port) ringing');
      const ended = c.cancelLast();
      assert.ok(ended, 'the caller cancelled');
      const r = await call;
      assert.equal(r.status, 487);
      await lampOf(on102, 'idle', '102 after CANCEL');
      await lampOf(withPort, 'idle', '102 (with port) after CANCEL');
      assert.equal(await on102.unsubscribe(), 200);
      assert.equal(await withPort.unsubscribe(), 200);
      b.mode = 'answer';
    });

    test("another account's phone cannot watch this account's extensions; phones cannot PUBLISH", async () => {
      const d = s.server.deps;
      await createAccount(d, SYSTEM_ACTOR, { code: 'blf2', name: 'BLF 2', sipRealm: 'other.pbx.test', country: 'AU' });
      const office = await createOffice(d, SYSTEM_ACTOR, 'blf2', { name: 'Melbourne', timezone: 'Australia/Melbourne', areaCode: '03' });
      const u = await createUser(d, SYSTEM_ACTOR, 'blf2', { firstName: 'Other', extension: '101', officeId: office.id });
      const other = new UA({ user: u.sipUsername, password: u.sipPassword, domain: 'other.pbx.test', port: 5124, proxy: PROXY }).start();
      phones.push(other);
      assert.equal((await other.register()).status, 200);

      const cross = await other.subscribe('dialog', `sip:102@${REALM}`);
      assert.equal(cross.status, 403, "another account's extension");
      assert.match(cross.reason, /not your domain/);
      const upper = await other.subscribe('dialog', `sip:102@${REALM.toUpperCase()}`);
      assert.equal(upper.status, 403, 'whatever the case of the domain');
      assert.equal((await other.subscribe('dialog', 'sip:102@127.0.0.1:5070')).status, 403, 'a raw address');

      // its own realm: accepted, and an extension with no calls (here: none at all) is idle
      const own = await other.subscribe('dialog', '102');
      assert.ok(own.status >= 200 && own.status < 300, `own realm ${own.status}`);
      await lampOf(own, 'idle', 'own realm 102');

      // a call in this account is not seen by the other account's watcher
      b.mode = 'answer';
      const before = own.bodies().length;
      assert.equal((await c.call('102', 300)).status, 200);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(own.bodies().slice(before).every((x) => lamp(x) === 'idle'), 'nothing of the other account reached it');
      assert.ok(
        other.received.filter((m) => m.method === 'NOTIFY').every((m) => !/e2e\.pbx\.test/i.test(String(m.content ?? ''))),
        'no NOTIFY naming the other account',
      );

      // PUBLISH from a phone (setting someone's lamp): refused, and the watcher still sees idle
      const body = `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:102@${REALM}"><dialog id="x" direction="recipient"><state>confirmed</state></dialog></dialog-info>`;
      const pub = await a.send('PUBLISH', `sip:102@${REALM}`, body);
      assert.equal(pub.status, 403);
      await own.unsubscribe();
      other.stop();
    });
  });
}
