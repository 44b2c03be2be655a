/**
 * SIP end-to-end, carrier trunk (issue 15): real Kamailio and Switchboard, the carrier played by test agents on
 * loopback aliases (127.0.0.2 / 127.0.0.3 need no set-up on Linux).
 *  - inbound: the carrier is recognised by its addresses (SWITCHBOARD_SIP_TRUNK_ADDRESSES), from any port, over
 *    UDP and TCP; an address not in the list is challenged like any phone;
 *  - outbound: the carrier (a raw SIP agent on 127.0.0.2:5090) challenges the INVITE with 407 and checks the
 *    retried INVITE's digest (computed here); it sees the asserted caller ID, never the phone's SIP username;
 *  - an emergency call from an office without an outbound number carries the account's main number.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { storeKinds } from '../support/stores.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { nowIso } from '../../src/shared/ids.ts';
import { createOffice } from '../../src/modules/offices/service.ts';
import { kamailioMissing, REALM, startStack, type Stack } from './stack.ts';
import { inboundCall, UA } from './ua.ts';

const missing = kamailioMissing();
const PROXY = '127.0.0.1:5070';
const CARRIER = { address: '127.0.0.2', port: 5090 };
const AUTH = { username: 'pbx-e2e', password: 'carrier-secret-7', realm: 'carrier.test' };
const rnd = () => randomBytes(6).toString('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

interface RawRequest {
  method: string;
  ruri: string;
  headers: Array<[string, string]>;
  text: string;
}

function parseRequest(text: string): RawRequest | null {
  const [head] = text.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const m = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(lines[0]!);
  if (!m) return null;
  const headers = lines.slice(1).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as [string, string];
  });
  return { method: m[1]!, ruri: m[2]!, headers, text };
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact' };
function header(rq: RawRequest, name: string): string | undefined {
  return rq.headers.find(([k]) => (COMPACT[k] ?? k) === name)?.[1];
}

/** The carrier's side of outbound calls: a raw UDP agent that challenges each new INVITE once with 407. */
class FakeCarrier {
  sock!: Socket;
  readonly invites: RawRequest[] = [];
  readonly acks: RawRequest[] = [];
  readonly nonces = new Map<string, string>();
  readonly authChecks: Array<{ callId: string; ok: boolean; username?: string; realm?: string; uri?: string }> = [];
  /** Challenge every INVITE, even one with right credentials (a carrier refusing our account). */
  challengeAlways = false;

  async start(): Promise<this> {
    this.sock = createSocket('udp4');
    this.sock.on('message', (msg, rinfo) => this.onMessage(msg.toString(), rinfo.address, rinfo.port));
    await new Promise<void>((r) => this.sock.bind(CARRIER.port, CARRIER.address, () => r()));
    return this;
  }

  stop(): void {
    this.sock?.close();
  }

  private reply(rq: RawRequest, code: number, reason: string, to: [string, number], extra: string[] = [], toTag?: string): void {
    const copy = rq.headers.filter(([k]) => ['via', 'from', 'call-id', 'cseq'].includes(COMPACT[k] ?? k)).map(([k, v]) => `${COMPACT[k] ?? k}: ${v}`);
    const toHdr = header(rq, 'to')!;
    const lines = [`SIP/2.0 ${code} ${reason}`, ...copy, `to: ${toTag && !/;tag=/.test(toHdr) ? `${toHdr};tag=${toTag}` : toHdr}`, ...extra, 'Content-Length: 0', '', ''];
    this.sock.send(lines.join('\r\n'), to[1], to[0]);
  }

  private onMessage(text: string, address: string, port: number): void {
    const rq = parseRequest(text);
    if (!rq) return;
    const src: [string, number] = [address, port];
    if (rq.method === 'ACK') {
      this.acks.push(rq);
      return;
    }
    if (rq.method === 'BYE') return this.reply(rq, 200, 'OK', src);
    if (rq.method !== 'INVITE') return this.reply(rq, 405, 'Method Not Allowed', src);
    this.invites.push(rq);
    const callId = header(rq, 'call-id')!;
    const auth = header(rq, 'proxy-authorization');
    if (!auth || this.challengeAlways) {
      const nonce = rnd();
      this.nonces.set(callId, nonce);
      return this.reply(rq, 407, 'Proxy Authentication Required', src, [`Proxy-Authenticate: Digest realm="${AUTH.realm}", nonce="${nonce}", algorithm=MD5`], rnd());
    }
    // the digest (RFC 2617 without qop): MD5(HA1:nonce:HA2), HA1 = MD5(user:realm:password), HA2 = MD5(INVITE:uri)
    const p = (k: string) => new RegExp(`${k}="?([^",]*)"?`).exec(auth)?.[1];
    const expected = md5(`${md5(`${AUTH.username}:${AUTH.realm}:${AUTH.password}`)}:${this.nonces.get(callId)}:${md5(`INVITE:${p('uri')}`)}`);
    const ok = p('username') === AUTH.username && p('realm') === AUTH.realm && p('nonce') === this.nonces.get(callId) && p('response') === expected && p('uri') === rq.ruri;
    this.authChecks.push({ callId, ok, username: p('username'), realm: p('realm'), uri: p('uri') });
    if (!ok) return this.reply(rq, 403, 'Forbidden', src, [], rnd());
    this.reply(rq, 200, 'OK', src, [`Contact: <sip:${CARRIER.address}:${CARRIER.port}>`], rnd());
  }
}

/** An INVITE from the carrier over TCP (from 127.0.0.2, an ephemeral port); resolves with the final status. */
function tcpInbound(number: string, caller: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port: 5070, localAddress: CARRIER.address });
    const branch = `z9hG4bK${rnd()}`;
    const callId = `${rnd()}@carrier-tcp`;
    const fromTag = rnd();
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no final answer over TCP'));
    }, 8000);
    sock.on('error', reject);
    sock.on('connect', () => {
      const lport = sock.localPort;
      const invite = [
        `INVITE sip:${number}@${PROXY};transport=tcp SIP/2.0`,
        `Via: SIP/2.0/TCP ${CARRIER.address}:${lport};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:${caller}@carrier.invalid>;tag=${fromTag}`,
        `To: <sip:${number}@${PROXY}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:carrier@${CARRIER.address}:${lport};transport=tcp>`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.write(invite);
    });
    sock.on('data', (chunk) => {
      buf += chunk.toString();
      for (const m of buf.matchAll(/SIP\/2\.0 (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n/g)) {
        const status = Number(m[1]);
        if (status < 200) continue;
        const head = m[2]!;
        const to = /^(?:To|t):\s*(.*)$/im.exec(head)?.[1] ?? `<sip:${number}@${PROXY}>`;
        const via = (b: string) => `Via: SIP/2.0/TCP ${CARRIER.address}:${sock.localPort};branch=${b};rport`;
        const common = ['Max-Forwards: 70', `From: <sip:${caller}@carrier.invalid>;tag=${fromTag}`, `To: ${to}`, `Call-ID: ${callId}`];
        if (status >= 300) {
          // a non-2xx final answer is ACKed in its transaction (same branch)
          sock.write([`ACK sip:${number}@${PROXY};transport=tcp SIP/2.0`, via(branch), ...common, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n'));
        } else {
          // 2xx: ACK and BYE along the dialog's route set (Record-Route reversed) to the answering phone's Contact
          const contact = /^(?:Contact|m):\s*<?([^>;\s]+)/im.exec(head)![1]!;
          const rr = [...head.matchAll(/^Record-Route:\s*(.*)$/gim)].flatMap((x) => x[1]!.split(/,\s*(?=<)/)).reverse();
          const routes = rr.map((r) => `Route: ${r}`);
          sock.write([`ACK ${contact} SIP/2.0`, via(`z9hG4bK${rnd()}`), ...routes, ...common, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n'));
          sock.write([`BYE ${contact} SIP/2.0`, via(`z9hG4bK${rnd()}`), ...routes, ...common, 'CSeq: 2 BYE', 'Content-Length: 0', '', ''].join('\r\n'));
        }
        clearTimeout(timer);
        setTimeout(() => sock.destroy(), 200);
        return resolve(status);
      }
    });
  });
}

for (const { kind, skip } of await storeKinds()) {
  describe(`carrier trunk through Kamailio (${kind})`, { skip: missing ?? skip, concurrency: 1 }, () => {
    let s: Stack;
    let carrier: FakeCarrier;
    const agents: UA[] = [];
    let ddiPhone: UA;
    let remote: UA;
    let remoteUser: { id: string; user: string; password: string; extension: string };
    let ddiUser: { id: string; user: string; password: string; extension: string };

    before(async () => {
      s = await startStack(kind, {
        sip: { trunk: `${CARRIER.address}:${CARRIER.port}`, trunkAddresses: ['127.0.0.2', '127.0.0.3'], trunkAuth: AUTH },
      });
      carrier = await new FakeCarrier().start();
      ddiUser = await s.addUser({ extension: '101', ringTime: 5 });
      // an office with no outbound number: its users' emergency calls carry the account's main number
      const d = s.server.deps;
      const office = await createOffice(d, SYSTEM_ACTOR, 'e2e', { name: 'Remote', timezone: 'Australia/Sydney' });
      remoteUser = await s.addUser({ extension: '201', officeId: office.id, ringTime: 5 });
      const db = d.database.db;
      const acc = await db.selectFrom('accounts').select('id').where('code', '=', 'e2e').executeTakeFirstOrThrow();
      await db.updateTable('numbers').set({ user_id: ddiUser.id }).where('e164', '=', '+61291234502').execute();
      await d.events.publish({ type: 'number.updated', accountId: acc.id, resourceId: '+61291234502', actor: 'test', at: nowIso() });
      ddiPhone = new UA({ user: ddiUser.user, password: ddiUser.password, domain: REALM, port: 5101, proxy: PROXY }).start();
      remote = new UA({ user: remoteUser.user, password: remoteUser.password, domain: REALM, port: 5102, proxy: PROXY }).start();
      agents.push(ddiPhone, remote);
      for (const ua of [ddiPhone, remote]) assert.equal((await ua.register()).status, 200);
    });

    after(async () => {
      for (const ua of agents) {
        if (!ua.stack) continue;
        await Promise.race([ua.unregister(), new Promise((r) => setTimeout(r, 500))]);
        ua.stop();
      }
      carrier?.stop();
      await s?.close();
    });

    const carrierAt = (address: string, port: number) => {
      const ua = new UA({ user: 'gw', password: '', domain: '127.0.0.1', port, proxy: PROXY, address }).start();
      agents.push(ua);
      return ua;
    };

    test('the carrier calling in from either of its addresses (any port, UDP) reaches the DDI\'s phone', async () => {
      ddiPhone.mode = 'answer';
      for (const [address, port] of [['127.0.0.2', 5091], ['127.0.0.3', 5093]] as const) {
        const gw = carrierAt(address, port);
        const before = ddiPhone.invites().length;
        const r = await inboundCall(gw, PROXY, '+61291234502', '+61412000000');
        assert.equal(r.status, 200, `from ${address}:${port}`);
        assert.equal(ddiPhone.invites().length, before + 1, `the DDI's phone rang for the call from ${address}`);
        assert.match(ddiPhone.invites().at(-1)!.from, /\+61412000000/);
        gw.stop();
      }
    });

    test('the carrier calling in over TCP reaches the DDI\'s phone', async () => {
      ddiPhone.mode = 'answer';
      const before = ddiPhone.invites().length;
      const status = await tcpInbound('+61291234502', '+61412000001');
      assert.equal(status, 200, 'the phone\'s answer came back over the TCP connection');
      assert.equal(ddiPhone.invites().length, before + 1);
      assert.match(ddiPhone.invites().at(-1)!.from, /\+61412000001/);
      // the carrier's BYE (over TCP, along the Record-Route) reached the phone
      const deadline = Date.now() + 3000;
      while (!ddiPhone.received.some((r) => r.method === 'BYE' && r.callId === ddiPhone.invites().at(-1)!.callId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(ddiPhone.received.some((r) => r.method === 'BYE' && r.callId === ddiPhone.invites().at(-1)!.callId), 'BYE reached the phone');
    });

    test('an address that is not the carrier\'s is challenged like a phone and reaches nobody', async () => {
      const stranger = carrierAt('127.0.0.4', 5094);
      const before = ddiPhone.invites().length;
      const r = await inboundCall(stranger, PROXY, '+61291234502', '+61412000002');
      // challenged (407), and the agent's answer as user 'gw' is refused: never routed as an inbound DDI call
      assert.equal(r.status, 403);
      assert.equal(ddiPhone.invites().length, before, 'the phone never rang');
      // Kamailio's log reaches us through a pipe: give the line a moment
      const refused = /SECURITY: authentication failed rc=-\d INVITE user=gw .*from 127\.0\.0\.4/;
      for (let i = 0; i < 40 && !refused.test(s.kamailio.log()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(s.kamailio.log().split('\n').filter((l) => l.includes('SECURITY')).join('\n'), refused);
      stranger.stop();
    });

    test('emergency call from an office without outbound number: the account\'s number, the carrier\'s 407 answered, no SIP username', async () => {
      const before = carrier.invites.length;
      const r = await remote.call('000', 100);
      assert.equal(r.status, 200, 'answered by the carrier after the digest');
      const got = carrier.invites.slice(before);
      assert.equal(got.length, 2, 'the challenged INVITE and its retry with credentials');
      const [first, retry] = got as [RawRequest, RawRequest];
      assert.match(first.ruri, /^sip:000@127\.0\.0\.2:5090/);
      assert.equal(header(first, 'proxy-authorization'), undefined);
      const check = carrier.authChecks.find((c) => c.callId === header(retry, 'call-id'));
      assert.deepEqual(check, { callId: header(retry, 'call-id'), ok: true, username: AUTH.username, realm: AUTH.realm, uri: retry.ruri });
      for (const rq of [first, retry]) {
        assert.equal(header(rq, 'p-asserted-identity'), '<sip:+61291234500@e2e.pbx.test>');
        assert.match(header(rq, 'from')!, /<sip:\+61291234500@127\.0\.0\.1>/);
        for (const name of ['from', 'contact', 'p-asserted-identity']) {
          assert.ok(!header(rq, name)!.includes(remoteUser.user), `${name} does not name the SIP username: ${header(rq, name)}`);
        }
        assert.ok(!rq.text.includes(remoteUser.user), `the SIP username appears nowhere in the INVITE:\n${rq.text}`);
        assert.ok(!rq.text.includes(AUTH.password), 'the password never travels');
      }
      assert.ok(!s.kamailio.log().includes(AUTH.password), 'the trunk password is not in Kamailio\'s log');
    });

    test('a challenge Kamailio cannot answer never reaches the phone (it would answer with its own credentials): 503', async () => {
      carrier.challengeAlways = true;
      const before = carrier.invites.length;
      try {
        const r = await remote.call('0299990001', 50);
        assert.equal(r.status, 503);
        const refused = /trunk: the carrier refused \+61299990001 with 407/;
        for (let i = 0; i < 40 && !refused.test(s.kamailio.log()); i++) await new Promise((res) => setTimeout(res, 50));
        assert.match(s.kamailio.log().split('\n').filter((l) => l.includes('trunk:')).join('\n'), refused);
      } finally {
        carrier.challengeAlways = false;
      }
      const got = carrier.invites.slice(before);
      assert.equal(got.length, 2, 'the first INVITE and one retry with the trunk credentials, no third one from the phone');
      for (const rq of got) assert.ok(!rq.text.includes(remoteUser.user), `no SIP username:\n${rq.text}`);
    });

    test('an outbound call with Hide Caller ID: From is anonymous, the number only in P-Asserted-Identity with Privacy: id', async () => {
      const db = s.server.store.database.db;
      const acc = await db.selectFrom('accounts').select('id').where('code', '=', 'e2e').executeTakeFirstOrThrow();
      await db.updateTable('users').set({ hide_caller_id: 1, outbound_number: '+61291234502' }).where('id', '=', ddiUser.id).execute();
      await s.server.deps.events.publish({ type: 'user.updated', accountId: acc.id, resourceId: ddiUser.id, actor: 'test', at: nowIso() });
      const before = carrier.invites.length;
      const r = await ddiPhone.call('0299990000', 100);
      assert.equal(r.status, 200);
      const retry = carrier.invites.slice(before).at(-1)!;
      assert.match(retry.ruri, /^sip:\+61299990000@127\.0\.0\.2:5090/);
      assert.match(header(retry, 'from')!, /<sip:anonymous@anonymous\.invalid>/);
      assert.equal(header(retry, 'p-asserted-identity'), '<sip:+61291234502@e2e.pbx.test>');
      assert.equal(header(retry, 'privacy'), 'id');
      assert.ok(!retry.text.includes(ddiUser.user), `the SIP username appears nowhere in the INVITE:\n${retry.text}`);
    });
  });
}
