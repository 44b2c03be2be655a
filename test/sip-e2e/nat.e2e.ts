/**
 * Phones behind NAT, for real: the test builds a home office in Linux network namespaces — a phone (sbnat-ph,
 * 192.168.77.2) behind a router (sbnat-rtr) that masquerades it to 203.0.113.2 — and runs Kamailio and
 * rtpengine on 203.0.113.1 in this namespace (documentation addresses on a veth pair the test creates and
 * removes). The NAT'd phone runs as its own process inside its namespace (nat-phone.ts). Proven by what
 * arrives: the NAT'd phone registers, gets keep-alive OPTIONS, receives calls through its pinhole; audio (a
 * tone per side) flows both ways through rtpengine; SDP carries rtpengine's public address, never the private
 * one (also towards the carrier); a user with 'Behind firewall' set is treated as behind NAT (keep-alives)
 * even without NAT, and with rtpengine every call is anchored.
 * Needs root, iproute2, iptables, kamailio and rtpengine; skips with the reason, fails under CI=true.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startTestServer, type TestServer } from '../support/http.ts';
import { storeKinds } from '../support/stores.ts';
import { RtpPhone } from '../support/rtp-phone.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { createAccount } from '../../src/modules/accounts/service.ts';
import { createOffice } from '../../src/modules/offices/service.ts';
import { createUser } from '../../src/modules/users/service.ts';
import { KAMAILIO_BIN, startKamailio, type KamailioProcess } from '../../src/modules/sip/kamailio.ts';
import { RTPENGINE_BIN, startRtpengine, type RtpengineProcess } from '../../src/modules/sip/rtpengine.ts';
import { ROUTE_PATH } from '../../src/modules/routing/routes.ts';
import { tone, toneRatio } from '../../src/modules/voicemail/audio.ts';
import { UA } from './ua.ts';

const PUB = '203.0.113.1'; // Kamailio + rtpengine
const PHONES = '203.0.113.3'; // phones that are not behind NAT, and the carrier
const RTR_OUT = '203.0.113.2';
const LAN_RTR = '192.168.77.1';
const LAN_PHONE = '192.168.77.2';
const REALM = 'nat.pbx.test';
const NS = ['sbnat-ph', 'sbnat-rtr'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (ns: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);

function cleanup(): void {
  for (const ns of NS) {
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      /* not there */
    }
  }
  try {
    sh('ip', ['link', 'del', 'sbnat-up0']);
  } catch {
    /* removed with its namespace peer */
  }
}

function why(): string | null {
  const missing = [KAMAILIO_BIN, RTPENGINE_BIN, '/usr/sbin/iptables'].filter((p) => !existsSync(p));
  let reason: string | null = missing.length ? `missing ${missing.join(', ')}` : null;
  if (!reason) {
    try {
      sh('ip', ['netns', 'add', 'sbnat-probe']);
      sh('ip', ['netns', 'del', 'sbnat-probe']);
    } catch (err) {
      reason = `network namespaces unavailable (${String((err as Error).message).split('\n')[0]})`;
    }
  }
  if (reason && process.env.CI) throw new Error(`NAT test cannot run: ${reason}`);
  if (reason) console.log(`# skipping NAT end-to-end tests: ${reason}`);
  return reason;
}

function buildNetwork(): void {
  cleanup();
  for (const ns of NS) sh('ip', ['netns', 'add', ns]);
  // this namespace ⟷ router (the "internet" side), router ⟷ phone (the office LAN)
  sh('ip', ['link', 'add', 'sbnat-up0', 'type', 'veth', 'peer', 'name', 'sbnat-up1']);
  sh('ip', ['link', 'set', 'sbnat-up1', 'netns', 'sbnat-rtr']);
  sh('ip', ['addr', 'add', `${PUB}/24`, 'dev', 'sbnat-up0']);
  sh('ip', ['addr', 'add', `${PHONES}/24`, 'dev', 'sbnat-up0']);
  sh('ip', ['link', 'set', 'sbnat-up0', 'up']);
  inNs('sbnat-rtr', 'ip', 'addr', 'add', `${RTR_OUT}/24`, 'dev', 'sbnat-up1');
  inNs('sbnat-rtr', 'ip', 'link', 'set', 'sbnat-up1', 'up');
  inNs('sbnat-rtr', 'ip', 'link', 'set', 'lo', 'up');
  inNs('sbnat-rtr', 'ip', 'link', 'add', 'sbnat-lan0', 'type', 'veth', 'peer', 'name', 'sbnat-lan1');
  inNs('sbnat-rtr', 'ip', 'link', 'set', 'sbnat-lan1', 'netns', 'sbnat-ph');
  inNs('sbnat-rtr', 'ip', 'addr', 'add', `${LAN_RTR}/24`, 'dev', 'sbnat-lan0');
  inNs('sbnat-rtr', 'ip', 'link', 'set', 'sbnat-lan0', 'up');
  inNs('sbnat-rtr', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  inNs('sbnat-rtr', 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'sbnat-up1', '-j', 'MASQUERADE');
  inNs('sbnat-ph', 'ip', 'addr', 'add', `${LAN_PHONE}/24`, 'dev', 'sbnat-lan1');
  inNs('sbnat-ph', 'ip', 'link', 'set', 'sbnat-lan1', 'up');
  inNs('sbnat-ph', 'ip', 'link', 'set', 'lo', 'up');
  inNs('sbnat-ph', 'ip', 'route', 'add', 'default', 'via', LAN_RTR);
}

/** The NAT'd phone: a child process inside sbnat-ph, driven by lines on stdin, answering JSON lines. */
class NatPhone {
  private child: ChildProcess;
  private events: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];

  constructor(user: string, password: string, toneHz: number) {
    this.child = spawn('ip', ['netns', 'exec', 'sbnat-ph', process.execPath, '--import', 'tsx', 'test/sip-e2e/nat-phone.ts', user, password, REALM, `${PUB}:5070`, LAN_PHONE, '5170', String(toneHz)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      try {
        this.events.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        return;
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async next(event: string, timeoutMs = 15000): Promise<Record<string, unknown>> {
    const t0 = Date.now();
    for (;;) {
      const i = this.events.findIndex((e) => e.event === event);
      if (i >= 0) return this.events.splice(i, 1)[0]!;
      if (Date.now() - t0 > timeoutMs) throw new Error(`NAT phone: no '${event}' within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  async report(hz: number): Promise<{ heardSeconds: number; tone: number; options: number; invites: number }> {
    this.send(`report ${hz}`);
    return (await this.next('report')) as unknown as { heardSeconds: number; tone: number; options: number; invites: number };
  }

  async quit(): Promise<void> {
    this.send('quit');
    await Promise.race([new Promise((r) => this.child.once('exit', r)), sleep(3000)]);
    this.child.kill('SIGKILL');
  }
}

/** A phone on the public side (no NAT) with media: tone `hz`. */
class PublicPhone {
  ua: UA;
  rtp!: RtpPhone;
  talking = false;
  offers: string[] = [];

  constructor(
    user: string,
    password: string,
    port: number,
    readonly hz: number,
  ) {
    this.ua = new UA({ user, password, domain: REALM, port, proxy: `${PUB}:5070`, address: PHONES, publicAddress: PHONES });
  }

  async start(): Promise<this> {
    this.rtp = await new RtpPhone(PHONES).open();
    this.ua.start();
    this.ua.answerWith = (offer) => {
      this.offers.push(offer);
      this.rtp.answer(offer);
      void this.talk();
      return this.rtp.sdp();
    };
    return this;
  }

  async talk(): Promise<void> {
    if (this.talking) return;
    this.talking = true;
    while (this.talking) await this.rtp.play(tone(this.hz, 500));
  }

  heard(hz: number): number {
    const h = this.rtp.heard();
    let best = 0;
    for (let i = 0; i + 1600 <= h.length; i += 800) best = Math.max(best, toneRatio(h, hz, i, i + 1600));
    return best;
  }

  async stop(): Promise<void> {
    this.talking = false;
    await this.ua.unregister().catch(() => {});
    this.ua.stop();
    this.rtp.close();
  }
}

const skipReason = why();

for (const { kind, skip } of await storeKinds()) {
  describe(`phones behind NAT: Kamailio + rtpengine (${kind})`, { skip: skipReason ?? skip, concurrency: 1 }, () => {
    let server: TestServer;
    let kamailio: KamailioProcess;
    let rtpengine: RtpengineProcess;
    let runDir: string;
    let natPhone: NatPhone;
    let bob: PublicPhone;
    let cara: PublicPhone;
    let trunk: PublicPhone;

    before(async () => {
      buildNetwork();
      // the carrier shares its address with the public phones here: it is recognised by address AND port (by
      // default Kamailio takes every port of the trunk host for the carrier, docs/sip.md "Carrier trunk")
      const settings = { listen: PUB, port: 5070, trunk: `${PHONES}:5190`, trunkAddresses: [`${PHONES}:5190`], voicemail: '127.0.0.1:5095', secret: 'nat-secret', natPing: 2, rtpengine: 'udp:127.0.0.1:22240' };
      server = await startTestServer(kind, { sip: settings });
      const d = server.deps;
      await createAccount(d, SYSTEM_ACTOR, { code: 'nat', name: 'NAT', sipRealm: REALM, country: 'AU' });
      const office = await createOffice(d, SYSTEM_ACTOR, 'nat', { name: 'Home', timezone: 'Australia/Sydney', areaCode: '02', defaultOutboundNumber: null });
      const mk = async (extension: string, extra: Record<string, unknown> = {}) => {
        const u = await createUser(d, SYSTEM_ACTOR, 'nat', { firstName: `User ${extension}`, officeId: office.id, extension, ...extra });
        return { user: u.sipUsername, password: u.sipPassword };
      };
      const a = await mk('201');
      const b = await mk('202', { behindFirewall: false });
      const c = await mk('203', { behindFirewall: true });
      runDir = mkdtempSync(join(tmpdir(), 'sb-nat-'));
      rtpengine = await startRtpengine({ mode: 'start', socket: settings.rtpengine, interface: PUB, ports: [35000, 35999] }, runDir);
      const databaseUrl = server.store.database.description.replace(/^sqlite:/, '');
      kamailio = await startKamailio({ databaseUrl, routerUrl: `${server.baseUrl}${ROUTE_PATH}`, settings, children: 4 });
      natPhone = new NatPhone(a.user, a.password, 700);
      bob = await new PublicPhone(b.user, b.password, 5172, 1000).start();
      cara = await new PublicPhone(c.user, c.password, 5173, 1400).start();
      trunk = await new PublicPhone('carrier', '', 5190, 500).start();
      assert.equal((await bob.ua.register()).status, 200);
      assert.equal((await cara.ua.register()).status, 200);
    });

    after(async () => {
      await natPhone?.quit().catch(() => {});
      await bob?.stop().catch(() => {});
      await cara?.stop().catch(() => {});
      trunk?.ua.stop();
      trunk?.rtp.close();
      await kamailio?.stop();
      await rtpengine?.stop();
      await server?.close();
      if (runDir) rmSync(runDir, { recursive: true, force: true });
      cleanup();
    });

    test('the phone behind NAT registers and gets keep-alive OPTIONS through its pinhole', async () => {
      assert.equal((await natPhone.next('registered')).status, 200);
      await sleep(5000);
      const r = await natPhone.report(0);
      assert.ok(r.options >= 1, `keep-alive OPTIONS received: ${r.options}`);
    });

    test('a call to the phone behind NAT rings it, and audio flows both ways through rtpengine', async () => {
      const call = await bob.ua.dial('201', bob.rtp.sdp());
      assert.equal(call.status, 200, call.reason);
      const invite = await natPhone.next('invite');
      const offer = String(invite.offer);
      assert.match(offer, new RegExp(`c=IN IP4 ${PUB.replace(/\./g, '\\.')}`), 'the NAT phone is offered rtpengine');
      assert.match(call.answer, new RegExp(`c=IN IP4 ${PUB.replace(/\./g, '\\.')}`), 'the caller is answered with rtpengine');
      assert.doesNotMatch(call.answer, /192\.168\./, 'the private address never leaves the office');
      bob.rtp.answer(call.answer);
      void bob.talk();
      await sleep(3000);
      const r = await natPhone.report(1000);
      assert.ok(r.tone > 0.3, `the NAT phone hears the caller's 1 kHz (${r.tone.toFixed(2)})`);
      assert.ok(bob.heard(700) > 0.3, `the caller hears the NAT phone's 700 Hz (${bob.heard(700).toFixed(2)})`);
      bob.talking = false;
      assert.equal(await call.hangup(), 200);
    });

    test('the phone behind NAT calls out: relayed, and the carrier sees only the public media address', async () => {
      natPhone.send('call 202');
      const ans = await natPhone.next('answered');
      assert.equal(ans.status, 200);
      assert.match(String(ans.answer), new RegExp(`c=IN IP4 ${PUB.replace(/\./g, '\\.')}`));
      assert.match(bob.offers.at(-1)!, new RegExp(`c=IN IP4 ${PUB.replace(/\./g, '\\.')}`));
      await sleep(3000);
      const r = await natPhone.report(1000);
      assert.ok(r.tone > 0.3, `the NAT phone hears 1 kHz (${r.tone.toFixed(2)})`);
      assert.ok(bob.heard(700) > 0.3, `the callee hears 700 Hz (${bob.heard(700).toFixed(2)})`);
      natPhone.send('hangup');
      await natPhone.next('hungup');
      bob.talking = false;

      natPhone.send('call 0291234567');
      const ext = await natPhone.next('answered');
      assert.equal(ext.status, 200);
      const toCarrier = trunk.offers.at(-1)!;
      assert.match(toCarrier, new RegExp(`c=IN IP4 ${PUB.replace(/\./g, '\\.')}`), 'the carrier is offered rtpengine');
      assert.doesNotMatch(toCarrier, /192\.168\./);
      await sleep(2500);
      assert.ok(trunk.heard(700) > 0.3, `the carrier hears the phone (${trunk.heard(700).toFixed(2)})`);
      natPhone.send('hangup');
      await natPhone.next('hungup');
      trunk.talking = false;
    });

    test("'Behind firewall' treats a user as behind NAT even when no NAT is seen: keep-alives; others get none", async () => {
      const options = (ua: UA) => ua.received.filter((r) => r.method === 'OPTIONS').length;
      assert.ok(options(cara.ua) >= 1, `the flagged user's phone gets keep-alive OPTIONS (${options(cara.ua)})`);
      const bobs = bob.ua.received.filter((r) => r.method === 'OPTIONS');
      assert.equal(bobs.length, 0, `a phone on a public address gets none: ${JSON.stringify(bobs.map((r) => ({ ruri: r.ruri, from: r.from, at: r.at })))}`);
    });

    test('calls between phones on public addresses are relayed too (rtpengine anchors every call)', async () => {
      const call = await bob.ua.dial('203', bob.rtp.sdp());
      assert.equal(call.status, 200, call.reason);
      assert.match(cara.offers.at(-1)!, new RegExp(`c=IN IP4 ${PUB.replace(/\./g, '\\.')}`), 'relayed to the flagged user');
      bob.rtp.answer(call.answer);
      void bob.talk();
      await sleep(2500);
      assert.ok(cara.heard(1000) > 0.3, `the flagged user hears the caller (${cara.heard(1000).toFixed(2)})`);
      assert.ok(bob.heard(1400) > 0.3, `the caller hears the flagged user (${bob.heard(1400).toFixed(2)})`);
      bob.talking = false;
      cara.talking = false;
      await call.hangup();
    });
  });
}
