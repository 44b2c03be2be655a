/**
 * SIP core resilience end to end (real Kamailio, real store, real UAs; both stores):
 *  - routing lookups run off the SIP workers: with Switchboard's routing endpoint stalled (a pausable proxy in
 *    front of it) REGISTERs keep their rate, new calls get 503 + Retry-After within the bound, and calls work
 *    again by themselves once it answers;
 *  - registrations survive a Kamailio restart (usrloc write-back to the store, or on SQLite to the registrations
 *    file beside it);
 *  - a deleted / disabled user or a new SIP password removes the old bindings at once (ul.rm);
 *  - digest: a captured REGISTER replayed from another address (or again) is refused; failures "from" an
 *    address that never received the nonce are not counted against it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { storeKinds } from '../support/stores.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { deleteUser, regenerateSipPassword, updateUser } from '../../src/modules/users/service.ts';
import SQLite from 'better-sqlite3';
import { kamailioDb } from '../../src/modules/sip/kamailio.ts';
import { kamailioMissing, REALM, startStack, type Stack } from './stack.ts';
import { UA } from './ua.ts';
import { startPausableProxy, type PausableProxy } from './pausable-proxy.ts';

const run = promisify(execFile);
const missing = kamailioMissing();
const PROXY = '127.0.0.1:5070';
const BF = { limit: 3, windowSeconds: 60, blockSeconds: 60 };
// pikeDensity: the stall test's three phones REGISTER in a closed loop from one address (127.0.0.1), two requests
// each (challenge + answer): on a fast machine (CI: 1,925 REGISTER/s) that is ~7,700 requests per 2 s, a flood by
// pike's own measure. With the 5,000 this suite used, pike blocked 127.0.0.1 for 2–4 s at a time mid-test (Kamailio
// log: "PIKE - BLOCKing ip 127.0.0.1"), which is what made REGISTERs time out "at the breaker probes" (measured:
// with pike off, 0 of ~140,000 REGISTERs took over 250 ms during 4 stalls with 3 probes each). 60,000 (per 2 s)
// is beyond what this load can reach and keeps pike in the path (its hit counters are 16-bit: at most 65,000).
const LIMITS = { routeTimeout: 2, routeBreaker: 2, routeQueue: 8, asyncWorkers: 2, pikeDensity: 60_000, registrationFlush: 2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** A raw SIP endpoint on one loopback address: sends text, resolves with the first final response. */
class RawSip {
  private readonly sock: Socket;
  private waiting: ((text: string) => void) | null = null;
  constructor(readonly address: string, readonly port: number) {
    this.sock = createSocket('udp4');
    this.sock.on('message', (m) => {
      const text = m.toString();
      const code = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);
      if (code >= 200 && this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(text);
      }
    });
  }
  async bind(): Promise<this> {
    await new Promise<void>((r) => this.sock.bind(this.port, this.address, () => r()));
    return this;
  }
  /**
   * Sends the request and waits for its final response; `retransmitMs`: sent again at that interval until one
   * arrives, as a UDP client does (RFC 3261 timer E). A replay of a request whose original Kamailio is still
   * finishing (after its 200 went out) is taken for a retransmission in progress (t_precheck_trans) and dropped
   * without an answer; the sender's retransmission is then answered.
   */
  send(text: string, timeoutMs = 3000, retransmitMs = 0): Promise<{ status: number; text: string }> {
    return new Promise((resolve) => {
      const again = retransmitMs > 0 ? setInterval(() => this.sock.send(text, 5070, '127.0.0.1'), retransmitMs) : undefined;
      const timer = setTimeout(() => {
        clearInterval(again);
        this.waiting = null;
        resolve({ status: 0, text: '' });
      }, timeoutMs);
      this.waiting = (t) => {
        clearTimeout(timer);
        clearInterval(again);
        resolve({ status: Number(/^SIP\/2\.0 (\d{3})/.exec(t)![1]), text: t });
      };
      this.sock.send(text, 5070, '127.0.0.1');
    });
  }
  sendOnly(text: string): void {
    this.sock.send(text, 5070, '127.0.0.1');
  }
  close(): void {
    this.sock.close();
  }
}

interface RegOpts {
  user: string;
  via: { address: string; port: number };
  callId: string;
  cseq: number;
  authorization?: string;
}
function registerText(o: RegOpts): string {
  const aor = `sip:${o.user}@${REALM}`;
  return [
    `REGISTER sip:${REALM} SIP/2.0`,
    `Via: SIP/2.0/UDP ${o.via.address}:${o.via.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    'Max-Forwards: 70',
    `From: <${aor}>;tag=raw${o.cseq}`,
    `To: <${aor}>`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} REGISTER`,
    `Contact: <sip:${o.user}@${o.via.address}:${o.via.port}>`,
    'Expires: 60',
    `Route: <sip:${PROXY};lr>`,
    ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
/** The Authorization header answering a 401's (or 407's) challenge (qop=auth when offered). */
function answer(challenge: string, user: string, password: string, method = 'REGISTER', uri = `sip:${REALM}`): string {
  const h = /(?:WWW|Proxy)-Authenticate: Digest (.*)/i.exec(challenge)![1]!;
  const param = (n: string) => new RegExp(`${n}="?([^",\\r]*)"?`).exec(h)?.[1];
  const realm = param('realm')!;
  const nonce = param('nonce')!;
  const qop = param('qop');
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  if (qop) {
    const cnonce = randomBytes(4).toString('hex');
    const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`);
    return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`;
  }
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${md5(`${ha1}:${nonce}:${ha2}`)}", algorithm=MD5`;
}

/**
 * An INVITE from a raw socket with its digest round (the npm \`sip\` package replaces any 503 by its own, without
 * headers, while it looks for another server): the final response as Kamailio sent it; ACKed when negative.
 */
async function rawCall(x: RawSip, user: string, password: string, target: string): Promise<{ status: number; reason: string; retryAfter?: string }> {
  const uri = `sip:${target}@${REALM}`;
  const callId = `${randomBytes(6).toString('hex')}@rawcall`;
  const tag = randomBytes(4).toString('hex');
  const invite = (cseq: number, branch: string, auth?: string) =>
    [
      `INVITE ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${x.address}:${x.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${REALM}>;tag=${tag}`,
      `To: <${uri}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} INVITE`,
      `Contact: <sip:${user}@${x.address}:${x.port}>`,
      `Route: <sip:${PROXY};lr>`,
      ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  const ack = (cseq: number, branch: string, text: string) => {
    const to = /\r\nTo: *([^\r\n]+)/i.exec(text)?.[1] ?? `<${uri}>`;
    x.sendOnly(
      [`ACK ${uri} SIP/2.0`, `Via: SIP/2.0/UDP ${x.address}:${x.port};branch=${branch};rport`, 'Max-Forwards: 70', `From: <sip:${user}@${REALM}>;tag=${tag}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`, `Route: <sip:${PROXY};lr>`, 'Content-Length: 0', '', ''].join('\r\n'),
    );
  };
  const b1 = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const challenge = await x.send(invite(1, b1), 8000);
  if (challenge.status !== 407) return { status: challenge.status, reason: '' };
  ack(1, b1, challenge.text);
  const b2 = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const r = await x.send(invite(2, b2, answer(challenge.text, user, password, 'INVITE', uri)), 8000);
  if (r.status >= 300) ack(2, b2, r.text);
  return { status: r.status, reason: /^SIP\/2\.0 \d{3} ([^\r\n]*)/.exec(r.text)?.[1] ?? '', retryAfter: /\r\nRetry-After: *([^\r\n]+)/i.exec(r.text)?.[1]?.trim() };
}

for (const { kind, skip } of await storeKinds()) {
  describe(`SIP core resilience (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let s: Stack;
    let router: PausableProxy | undefined;
    const phones: UA[] = [];
    const users: Record<string, { id: string; user: string; password: string }> = {};
    const phone = (ext: string, port: number, address?: string, password?: string) => {
      const u = users[ext]!;
      const ua = new UA({ user: u.user, password: password ?? u.password, domain: REALM, port, proxy: PROXY, address }).start();
      phones.push(ua);
      return ua;
    };
    const ulLookup = async (ext: string): Promise<string[]> => {
      try {
        const out = (await run('/usr/sbin/kamcmd', ['-s', s.kamailio.ctlSocket, 'ul.lookup', 'location', `${users[ext]!.user}@${REALM}`])).stdout;
        return [...out.matchAll(/Address:\s*(\S+)/g)].map((m) => m[1]!);
      } catch {
        return [];
      }
    };
    let a: UA;
    let b: UA;

    before(async () => {
      s = await startStack(kind, {
        bruteForce: BF,
        limits: LIMITS,
        routerUrl: async (endpoint) => {
          router = await startPausableProxy(endpoint);
          return router.url;
        },
      });
      for (const ext of ['201', '202', '203', '204', '205', '206', '207', '208', '209']) users[ext] = await s.addUser({ extension: ext, ringTime: 5 });
      a = phone('201', 5201);
      b = phone('202', 5202);
      for (const ua of [a, b]) assert.equal((await ua.register()).status, 200);
    });

    after(async () => {
      for (const ua of phones) {
        if (!ua.stack) continue;
        await Promise.race([ua.unregister(), sleep(300)]);
        ua.stop();
      }
      await s?.close();
      await router?.close();
    });

    /** Sequential REGISTERs (each with its digest round) from the given phones for `ms`: successes, failures, rate. */
    async function registerFor(uas: UA[], ms: number): Promise<{ ok: number; failed: number; perSecond: number }> {
      const end = Date.now() + ms;
      let ok = 0;
      let failed = 0;
      await Promise.all(
        uas.map(async (ua) => {
          while (Date.now() < end) {
            const r = await Promise.race([ua.register(60), sleep(2000).then(() => ({ status: 0 }))]);
            if (r.status === 200) ok++;
            else failed++;
          }
        }),
      );
      return { ok, failed, perSecond: Math.round((ok / ms) * 1000) };
    }

    test('routing stalled for 10 s: REGISTERs keep their rate, new calls get 503 + Retry-After within the bound, then recover by themselves', async () => {
      assert.equal((await a.call('202')).status, 200);
      const regs = [phone('203', 5203), phone('204', 5204), phone('205', 5205)];
      const baseline = await registerFor(regs, 3000);
      assert.equal(baseline.failed, 0);

      const raw = await new RawSip('127.0.0.51', 5251).bind();
      router!.pause();
      const calls: Array<{ status: number; ms: number; retryAfter?: string; reason?: string }> = [];
      const caller = async () => {
        const end = Date.now() + 10_000;
        while (Date.now() < end) {
          const t0 = Date.now();
          const r = await rawCall(raw, users['201']!.user, users['201']!.password, '202');
          calls.push({ status: r.status, ms: Date.now() - t0, retryAfter: r.retryAfter, reason: r.reason });
          await sleep(250);
        }
      };
      const [stalled] = await Promise.all([registerFor(regs, 10_000), caller()]);
      router!.resume();
      const resumedAt = Date.now();
      raw.close();

      console.log(`# REGISTER/s before ${baseline.perSecond}, during the stall ${stalled.perSecond} (failed ${stalled.failed}); calls during the stall: ${calls.map((c) => `${c.status}/${c.ms}ms`).join(' ')}`);
      // (a flood block would be the phones' own doing, not the stall's: named in the message if one happened)
      assert.equal(stalled.failed, 0, `every REGISTER succeeded while routing was stalled ${(s.kamailio.log().match(/PIKE - BLOCKing[^\n]*/g) ?? []).join('; ')}`);
      const bound = LIMITS.routeTimeout * 1000 + 1000;
      const withRetry = calls.filter((c) => c.retryAfter === String(LIMITS.routeBreaker)).length;
      console.log(`# ${withRetry} of ${calls.length} 503s carried Retry-After: ${LIMITS.routeBreaker} (${[...new Set(calls.map((c) => c.reason))].join(' / ')})`);
      for (const c of calls) {
        assert.equal(c.status, 503, JSON.stringify(c));
        assert.match(c.reason ?? '', /^Service Unavailable - routing/);
        assert.ok(c.ms <= bound, `answered within ${bound} ms: ${c.ms}`);
        assert.equal(c.retryAfter, String(LIMITS.routeBreaker), JSON.stringify(c));
      }
      assert.ok(calls.filter((c) => c.ms < 500).length >= (calls.length * 2) / 3, 'with the breaker open, 503 comes at once');
      assert.ok(calls.length >= 5, `calls kept being answered (${calls.length})`);

      // recovery: nobody restarts anything
      let recovered = 0;
      while (Date.now() - resumedAt < 10_000) {
        const r = await a.call('202');
        if (r.status === 200) {
          recovered = Date.now() - resumedAt;
          break;
        }
        await sleep(250);
      }
      console.log(`# calls routed again ${recovered} ms after the routing endpoint answered again`);
      assert.ok(recovered > 0, 'calls recover by themselves');
      // the breaker lasts ROUTE_BREAKER to ROUTE_BREAKER + 1 s (htable expiry has 1 s granularity)
      assert.ok(recovered <= (LIMITS.routeBreaker + 1 + LIMITS.routeTimeout) * 1000 + 1500, `recovered within the breaker time: ${recovered} ms`);

      // The rate with routing up is measured before the stall and again after it, and the stall's is compared with
      // their mean: sequential REGISTERs on a 2-core machine shared with other suites move by ±50 % between two
      // windows of a few seconds (measured in this test: 110/s before and 443/s during one stall, 686/s before and
      // 323/s during another, none failed), so the check is "not collapsed" against the machine's rate around the stall (the
      // synchronous path fell to 3 % in bench/sip.bench.ts).
      const afterwards = await registerFor(regs, 3000);
      assert.equal(afterwards.failed, 0);
      const up = (baseline.perSecond + afterwards.perSecond) / 2;
      console.log(`# REGISTER/s with routing up: ${baseline.perSecond} before, ${afterwards.perSecond} after; stalled ${stalled.perSecond}`);
      assert.ok(stalled.perSecond >= up * 0.5, `REGISTER rate kept: ${stalled.perSecond}/s stalled vs ${up}/s up (${baseline.perSecond} before, ${afterwards.perSecond} after)`);
    });

    test('Switchboard not running (connection refused): 503 at once, and back when it is', async () => {
      await sleep((LIMITS.routeBreaker + 1) * 1000 + 200);
      router!.refuse();
      const t0 = Date.now();
      const r = await a.call('202');
      const ms = Date.now() - t0;
      assert.equal(r.status, 503);
      assert.ok(ms < 1000, `${ms} ms`);
      router!.resume();
      await sleep((LIMITS.routeBreaker + 1) * 1000 + 300);
      assert.equal((await a.call('202')).status, 200);
    });

    /**
     * Bindings of these SIP users in the table usrloc writes back to: the store's `location` (PostgreSQL) or the
     * registrations file beside the SQLite store (src/modules/sip/location-store.ts), read like any other reader.
     */
    const storedBindings = async (...sipUsers: string[]): Promise<number> => {
      if (kind === 'postgres') {
        return Number((await sql<{ n: number | string }>`select count(*) as n from location where username in (${sql.join(sipUsers)}) and domain = ${REALM}`.execute(s.server.store.database.db)).rows[0]!.n);
      }
      const db = new SQLite(kamailioDb(s.kamailio.options.databaseUrl).locationFile!);
      try {
        return (db.prepare(`select count(*) as n from location where username in (${sipUsers.map(() => '?').join(', ')}) and domain = ?`).get(...sipUsers, REALM) as { n: number }).n;
      } finally {
        db.close();
      }
    };

    test('a Kamailio restart keeps registrations: a registered phone receives a call without registering again', async () => {
      const c = phone('206', 5206);
      assert.equal((await c.register(600)).status, 200);
      // written back within the flush interval
      const inStore = () => storedBindings(users['206']!.user);
      const until = Date.now() + LIMITS.registrationFlush * 4000;
      while ((await inStore()) === 0 && Date.now() < until) await sleep(250);
      assert.equal(await inStore(), 1, 'the binding reached the store');
      await s.kamailio.restart();
      const before = c.invites().length;
      const r = await a.call('206');
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.equal(c.invites().length, before + 1, 'the INVITE reached the phone registered before the restart');
      assert.equal(await inStore(), 1, 'the binding is still in the store');
    });

    test('a new SIP password, a disabled user, a deleted user: the old bindings stop receiving calls at once', async () => {
      const d = phone('207', 5207);
      assert.equal((await d.register(600)).status, 200);
      assert.equal((await ulLookup('207')).length, 1);
      await regenerateSipPassword(s.server.deps, SYSTEM_ACTOR, 'e2e', users['207']!.id);
      assert.deepEqual(await ulLookup('207'), []);
      const before = d.invites().length;
      const r = await a.call('207');
      assert.notEqual(r.status, 200);
      assert.equal(d.invites().length, before, 'the phone with the old password is not called');

      const e = phone('208', 5208);
      assert.equal((await e.register(600)).status, 200);
      await updateUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users['208']!.id, { enabled: false });
      assert.deepEqual(await ulLookup('208'), []);
      await updateUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users['208']!.id, { enabled: true });
      const eBefore = e.invites().length;
      // enabled again, but its old binding is gone: the call goes to voicemail (not running here), never to the phone
      assert.notEqual((await a.call('208')).status, 200);
      assert.equal(e.invites().length, eBefore);

      const f = phone('209', 5209);
      assert.equal((await f.register(600)).status, 200);
      const fUser = users['209']!.user;
      await deleteUser(s.server.deps, SYSTEM_ACTOR, 'e2e', users['209']!.id, { cascade: true });
      assert.deepEqual(await ulLookup('209'), []);
      // and they stay gone across a restart (removed from the store too)
      await s.kamailio.restart();
      assert.deepEqual(await ulLookup('207'), []);
      assert.deepEqual(await ulLookup('208'), []);
      assert.deepEqual(await ulLookup('209'), []);
      assert.equal(await storedBindings(users['207']!.user, users['208']!.user, fUser), 0);
      assert.equal((await a.call('202')).status, 200, 'others are unaffected');
    });

    test('digest: a captured REGISTER replayed from another address, or again from the same one, is refused', async () => {
      const u = users['203']!;
      const x = await new RawSip('127.0.0.31', 5231).bind();
      const y = await new RawSip('127.0.0.32', 5232).bind();
      try {
        const callId = `${randomBytes(6).toString('hex')}@raw`;
        const challenge = await x.send(registerText({ user: u.user, via: { address: x.address, port: x.port }, callId, cseq: 1 }));
        assert.equal(challenge.status, 401);
        const authed = registerText({ user: u.user, via: { address: x.address, port: x.port }, callId, cseq: 2, authorization: answer(challenge.text, u.user, u.password) });
        assert.equal((await x.send(authed)).status, 200, 'the genuine REGISTER');
        const fromY = await y.send(authed, 8000, 500);
        assert.equal(fromY.status, 401, 'replayed from another address: challenged, not registered');
        const again = await x.send(authed, 8000, 500);
        assert.equal(again.status, 401, 'replayed from the same address: the nonce was used once');
        // a fresh nonce for the same address with another Call-ID is refused too (bound to the Call-ID)
        const other = registerText({ user: u.user, via: { address: x.address, port: x.port }, callId: `${callId}-2`, cseq: 3, authorization: answer(challenge.text, u.user, u.password) });
        assert.equal((await x.send(other)).status, 401);
      } finally {
        x.close();
        y.close();
      }
    });

    test('brute force: failures sent "from" an address that never got the nonce are not counted; real failures still block', async () => {
      const u = users['204']!;
      const x = await new RawSip('127.0.0.41', 5241).bind();
      const y = await new RawSip('127.0.0.42', 5242).bind();
      try {
        const callId = `${randomBytes(6).toString('hex')}@raw`;
        const challenge = await x.send(registerText({ user: u.user, via: { address: x.address, port: x.port }, callId, cseq: 1 }));
        assert.equal(challenge.status, 401);
        // an attacker at X forges Y's source address with X's nonce and wrong passwords
        for (let i = 0; i < BF.limit + 2; i++) {
          const forged = registerText({ user: u.user, via: { address: y.address, port: y.port }, callId, cseq: 10 + i, authorization: answer(challenge.text, u.user, 'wrong-password') });
          const r = await y.send(forged);
          assert.equal(r.status, 401, `forged failure ${i + 1}: challenged, not counted`);
        }
      } finally {
        x.close();
        y.close();
      }
      // Y is not blocked: a real phone there registers
      const real = phone('204', 5242, '127.0.0.42');
      assert.equal((await real.register()).status, 200);
      real.stop();
      // failures on fully checked requests still count and block their own address only
      const guesser = phone('205', 5243, '127.0.0.43', 'not-the-password');
      for (let i = 0; i < BF.limit; i++) assert.equal((await guesser.register()).status, 403);
      guesser.stop();
      const sameAddress = phone('205', 5244, '127.0.0.43');
      const blocked = await sameAddress.register();
      assert.equal(blocked.status, 403);
      assert.match(String(blocked.reason), /blocked/);
      sameAddress.stop();
      assert.equal((await a.register()).status, 200, 'another address is not blocked');
    });
  });
}
