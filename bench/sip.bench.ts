/**
 * SIP benchmarks (issue 7), loopback only, every process stopped by PID:
 *  1. REGISTERs per second through Kamailio with full digest authentication against Switchboard's
 *     trigger-maintained `sip_subscribers` table vs. the same load against a static credential table with the
 *     same rows, and against a view over users ⋈ accounts (the design it replaced), same store, same
 *     Kamailio config, same load generator, alternating runs. Target ratio >= 0.8.
 *  2. Routing decisions over HTTP (GET /sip/route, the way Kamailio asks) at a fixed open-loop rate
 *     (default 5,000 req/s): achieved rate, p50/p99/max latency, vs. a trivial Fastify route in the same
 *     server process. Target p99 < 2 ms.
 * Usage: npm run bench:sip [-- --users 1000 --seconds 5 --rate 5000]
 * The machine has 2 cores shared with other work: figures are noisy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { migrate, openDatabase } from '../src/db/database.ts';
import { createEventBus } from '../src/shared/events.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import { createAccount } from '../src/modules/accounts/service.ts';
import { addNumber } from '../src/modules/numbers/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { createUser } from '../src/modules/users/service.ts';
import { kamailioDb, startKamailio } from '../src/modules/sip/kamailio.ts';
import { ROUTE_PATH } from '../src/modules/routing/routes.ts';

const { values: args } = parseArgs({
  options: {
    'skip-register': { type: 'boolean', default: false },
    'skip-stall': { type: 'boolean', default: false },
    'only-stall': { type: 'boolean', default: false },
    users: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    rate: { type: 'string', default: '5000' },
    window: { type: 'string', default: '64' },
    port: { type: 'string', default: '5070' },
    'invite-rate': { type: 'string', default: '20' },
  },
});
const USERS = Number(args.users);
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);
const WINDOW = Number(args.window);
const REALM = 'bench.pbx.test';
const SIP = { listen: '127.0.0.1', port: Number(args.port), trunk: '127.0.0.1:5490', voicemail: '127.0.0.1:5495', secret: 'bench-secret' };
const TRUNK_PORT = 5490;

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------- setup ----------
const dir = mkdtempSync(join(tmpdir(), 'sb-sipbench-'));
const dbFile = join(dir, 'bench.sqlite');
const database = openDatabase(dbFile);
await migrate(database);
const deps = { database, events: createEventBus() };
await createAccount(deps, SYSTEM_ACTOR, { code: 'bench', name: 'Bench', sipRealm: REALM, country: 'AU' });
await addNumber(deps, SYSTEM_ACTOR, 'bench', { number: '02 9123 4500' });
await addNumber(deps, SYSTEM_ACTOR, 'bench', { number: '02 9123 4502' });
const office = await createOffice(deps, SYSTEM_ACTOR, 'bench', { name: 'Sydney', timezone: 'Australia/Sydney', areaCode: '02', defaultOutboundNumber: '+61291234500' });
const creds: Array<{ user: string; password: string; ext: string; id: string }> = [];
const t0 = Date.now();
for (let i = 0; i < USERS; i++) {
  const u = await createUser(deps, SYSTEM_ACTOR, 'bench', {
    firstName: `B${i}`,
    officeId: office.id,
    // the first fixes 4-digit extensions; the rest take the next free one (skipping reserved codes)
    extension: i === 0 ? '2000' : undefined,
    features: i % 3 === 0 ? { smartCalling: { enabled: true, number: '0412 345 678', type: 'sequential' } } : undefined,
  });
  creds.push({ user: u.sipUsername, password: u.sipPassword, ext: u.extension, id: u.id });
}
await database.db.updateTable('numbers').set({ user_id: creds[1]!.id }).where('e164', '=', '+61291234502').execute();
// The static baseline: a plain table with the same rows, primary key (username, domain).
// (with force_nat: auth_db loads it with the credentials since migration 0403; without it every lookup failed and
// the static and view rounds answered nothing but 401s)
await sql`create table bench_static_subscriber (username text not null, domain text not null, password text not null, force_nat integer not null default 0, primary key (username, domain))`.execute(database.db);
await sql`insert into bench_static_subscriber (username, domain, password, force_nat) select username, domain, password, force_nat from sip_subscribers`.execute(database.db);
// The alternative design, for comparison: a view over the live tables.
await sql`create view bench_view_subscriber as select u.sip_username as username, a.sip_realm as domain, u.sip_password as password, u.behind_firewall as force_nat from users u join accounts a on a.id = u.account_id where u.enabled = 1`.execute(database.db);
console.log(`setup: ${USERS} users in ${Date.now() - t0} ms (SQLite WAL store ${dbFile})`);

// the routing server (child process: the load generator gets the other core)
function startRouteServer(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'sip-route-server.ts'), dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.once('data', (d: Buffer) => resolve({ child, port: Number(d.toString().trim()) }));
    child.once('exit', (c) => reject(new Error(`route server exited ${c}`)));
  });
}
const server = await startRouteServer();
const stopServer = async () => {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
};

// Every Kamailio of this benchmark starts with no registrations: usrloc writes them back to the registrations file
// beside the store (kamailio.ts), and each round registers the same users from a new port (new contacts), so
// they would pile up across the rounds' restarts (measured: rounds 4-5 and the stall runs then got no answers
// at all; not explained yet, see docs/sip.md).
const freshRegistrations = () => {
  const f = kamailioDb(dbFile).locationFile!;
  for (const x of [f, `${f}-wal`, `${f}-shm`]) rmSync(x, { force: true });
};

// ---------- 1. REGISTER load through Kamailio ----------
function treeCpuTicks(rootPid: number): number {
  let ticks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(name);
      const ppid = Number(f[1]);
      if (pid === rootPid || ppid === rootPid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* process gone */
    }
  }
  return ticks;
}

async function registerLoad(seconds: number): Promise<{ ok: number; failed: number; lost: number; rate: number }> {
  const sock = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const lport = sock.address().port;
  const cseq = new Map<string, number>();
  const pending = new Map<string, { u: (typeof creds)[number]; timer: NodeJS.Timeout; done: (ok: boolean | null) => void }>();
  const build = (u: (typeof creds)[number], auth?: string) => {
    const callId = `bench-${u.user}`;
    const seq = (cseq.get(callId) ?? 0) + 1;
    cseq.set(callId, seq);
    return [
      `REGISTER sip:${REALM} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${u.user}@${REALM}>;tag=${u.user}`,
      `To: <sip:${u.user}@${REALM}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${seq} REGISTER`,
      `Contact: <sip:${u.user}@127.0.0.1:${lport}>`,
      'Expires: 600',
      ...(auth ? [`Authorization: ${auth}`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  };
  sock.on('message', (msg) => {
    const text = msg.toString();
    const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]);
    const callId = /\r\nCall-ID: *([^\r\n]+)/i.exec(text)?.[1];
    const p = callId ? pending.get(callId) : undefined;
    if (!p || status < 200) return;
    if (status === 401) {
      const h = /\r\nWWW-Authenticate: *Digest ([^\r\n]+)/i.exec(text)?.[1] ?? '';
      const nonce = /nonce="([^"]+)"/.exec(h)?.[1] ?? '';
      const qop = /qop="([^"]+)"/.exec(h)?.[1];
      const ha1 = md5(`${p.u.user}:${REALM}:${p.u.password}`);
      const ha2 = md5(`REGISTER:sip:${REALM}`);
      const cnonce = randomBytes(4).toString('hex');
      const response = qop ? md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
      const auth = `Digest username="${p.u.user}", realm="${REALM}", nonce="${nonce}", uri="sip:${REALM}", response="${response}", algorithm=MD5${qop ? `, qop=auth, nc=00000001, cnonce="${cnonce}"` : ''}`;
      sock.send(build(p.u, auth), SIP.port, SIP.listen);
      return;
    }
    p.done(status === 200);
  });
  let ok = 0;
  let failed = 0;
  let lost = 0;
  let next = 0;
  const end = Date.now() + seconds * 1000;
  const start = Date.now();
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const u = creds[next++ % creds.length]!;
      const callId = `bench-${u.user}`;
      const done = (r: boolean | null) => {
        clearTimeout(entry.timer);
        pending.delete(callId);
        if (r === true) ok++;
        else if (r === false) failed++;
        else lost++;
        resolve();
      };
      const entry = { u, done, timer: setTimeout(() => done(null), 2000) };
      pending.set(callId, entry);
      sock.send(build(u), SIP.port, SIP.listen);
    });
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  const elapsed = (Date.now() - start) / 1000;
  sock.close();
  return { ok, failed, lost, rate: ok / elapsed };
}

type Mode = 'ours' | 'static' | 'view';
const AUTH_TABLES: Record<Mode, string> = { ours: 'sip_subscribers', static: 'bench_static_subscriber', view: 'bench_view_subscriber' };
const regResults: Record<Mode, Array<{ rate: number; cpuMsPer1000: number; failed: number; lost: number }>> = { ours: [], static: [], view: [] };
for (const round of args['skip-register'] || args['only-stall'] ? [] : [1, 2, 3, 4, 5]) {
  for (const mode of ['ours', 'static', 'view'] as const) {
    freshRegistrations();
    const k = await startKamailio({
      databaseUrl: dbFile,
      routerUrl: `http://127.0.0.1:${server.port}${ROUTE_PATH}`,
      settings: SIP,
      authTable: AUTH_TABLES[mode],
      bruteForce: { limit: 1_000_000, windowSeconds: 60, blockSeconds: 60 },
      // one source address sends thousands per second: no flood limit here
      limits: { pikeDensity: 0 },
      children: 4,
      debug: 1,
    });
    try {
      await registerLoad(1); // warm-up
      const cpu0 = treeCpuTicks(k.pid!);
      const r = await registerLoad(SECONDS);
      const cpuMs = (treeCpuTicks(k.pid!) - cpu0) * 10;
      regResults[mode].push({ rate: r.rate, cpuMsPer1000: (cpuMs / Math.max(1, r.ok)) * 1000, failed: r.failed, lost: r.lost });
      console.log(`REGISTER round ${round} ${mode.padEnd(6)}: ${r.rate.toFixed(0)}/s (${r.ok} ok, ${r.failed} refused, ${r.lost} lost), Kamailio CPU ${((cpuMs / Math.max(1, r.ok)) * 1000).toFixed(0)} ms per 1,000`);
    } finally {
      await k.stop();
    }
    await sleep(300);
  }
}
// ---------- 3. routing stalled: async lookups vs the old synchronous path ----------
// INVITEs from the trunk address (no digest needed) to an unknown DDI (routing answers 404) at a steady rate,
// with the REGISTER load running; then the same with the routing server stopped (SIGSTOP of its process).
async function inviteFlow(perSecond: number, seconds: number): Promise<{ sent: number; answered: number; codes: Record<string, number>; p50: number; max: number }> {
  const sock = createSocket({ type: 'udp4' });
  await new Promise<void>((r) => sock.bind(TRUNK_PORT, '127.0.0.1', () => r()));
  const started = new Map<string, { t: number; branch: string }>();
  const times: number[] = [];
  const codes: Record<string, number> = {};
  const ddi = '0299999999';
  const ruri = `sip:${ddi}@${SIP.listen}:${SIP.port}`;
  sock.on('message', (msg) => {
    const text = msg.toString();
    const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]);
    const callId = /\r\nCall-ID: *([^\r\n]+)/i.exec(text)?.[1] ?? '';
    const s0 = started.get(callId);
    if (!s0 || !(status >= 200)) return;
    started.delete(callId);
    times.push(Date.now() - s0.t);
    codes[status] = (codes[status] ?? 0) + 1;
    const to = /\r\nTo: *([^\r\n]+)/i.exec(text)?.[1] ?? `<${ruri}>`;
    const ack = [`ACK ${ruri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${TRUNK_PORT};branch=${s0.branch};rport`, 'Max-Forwards: 70', `From: <sip:0400000000@carrier.invalid>;tag=b${callId}`, `To: ${to}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n');
    sock.send(ack, SIP.port, SIP.listen);
  });
  let sent = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const callId = `inv-${randomBytes(6).toString('hex')}`;
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    started.set(callId, { t: Date.now(), branch });
    const invite = [`INVITE ${ruri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${TRUNK_PORT};branch=${branch};rport`, 'Max-Forwards: 70', `From: <sip:0400000000@carrier.invalid>;tag=b${callId}`, `To: <${ruri}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:carrier@127.0.0.1:${TRUNK_PORT}>`, 'Content-Length: 0', '', ''].join('\r\n');
    sock.send(invite, SIP.port, SIP.listen);
    sent++;
    await sleep(1000 / perSecond);
  }
  await sleep(3000); // late answers (a stalled lookup times out after 2 s)
  sock.close();
  const sorted = [...times].sort((a, b) => a - b);
  return { sent, answered: times.length, codes, p50: sorted[Math.floor(sorted.length / 2)] ?? NaN, max: sorted[sorted.length - 1] ?? NaN };
}
const stallResults: string[] = [];
for (const mode of args['skip-stall'] ? [] : (['async', 'sync'] as const)) {
  freshRegistrations();
  const k = await startKamailio({
    databaseUrl: dbFile,
    routerUrl: `http://127.0.0.1:${server.port}${ROUTE_PATH}`,
    settings: SIP,
    bruteForce: { limit: 1_000_000, windowSeconds: 60, blockSeconds: 60 },
    limits: { pikeDensity: 0, routeTimeout: 2 },
    routeSync: mode === 'sync',
    children: 4,
    debug: 1,
  });
  try {
    await registerLoad(1);
    for (const phase of ['routing up', 'routing stalled'] as const) {
      if (phase === 'routing stalled') server.child.kill('SIGSTOP');
      const [reg, inv] = await Promise.all([registerLoad(SECONDS), inviteFlow(Number(args['invite-rate']), SECONDS)]);
      if (phase === 'routing stalled') server.child.kill('SIGCONT');
      const line = `${mode.padEnd(5)} ${phase.padEnd(15)}: REGISTER ${reg.rate.toFixed(0)}/s (${reg.failed} refused, ${reg.lost} lost); INVITEs ${inv.sent} sent at ${args['invite-rate']}/s, ${inv.answered} answered ${JSON.stringify(inv.codes)}, p50 ${inv.p50} ms, max ${inv.max} ms`;
      console.log(line);
      stallResults.push(line);
      await sleep(4000); // breaker closes, stalled requests drain
    }
  } finally {
    server.child.kill('SIGCONT');
    await k.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (m: Mode) => median(regResults[m].map((r) => r.rate));
const cpu = (m: Mode) => median(regResults[m].map((r) => r.cpuMsPer1000));

// ---------- 2. routing decisions over HTTP ----------
// A lean keep-alive HTTP/1.1 client on raw sockets (Node's http.request costs more CPU than the server
// route under test on a 2-core machine): K connections, requests spread over them, responses matched
// FIFO per connection; latency = send → complete response.
class RawHttp {
  private conns: Array<{ sock: net.Socket; sent: Array<{ t: bigint; cb: (ms: number | null) => void; onBody?: (body: never) => void }>; buf: string }> = [];
  private rr = 0;
  constructor(
    private readonly port: number,
    private readonly headers: string,
  ) {}
  async open(k: number): Promise<void> {
    for (let i = 0; i < k; i++) {
      const sock = net.connect({ host: '127.0.0.1', port: this.port, noDelay: true });
      await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
      sock.setEncoding('latin1');
      const c = { sock, sent: [] as Array<{ t: bigint; cb: (ms: number | null) => void; onBody?: (body: never) => void }>, buf: '' };
      sock.on('data', (d: string) => {
        c.buf += d;
        for (;;) {
          const he = c.buf.indexOf('\r\n\r\n');
          if (he < 0) return;
          const len = Number(/content-length: *(\d+)/i.exec(c.buf.slice(0, he))?.[1] ?? 0);
          if (c.buf.length < he + 4 + len) return;
          const ok = c.buf.startsWith('HTTP/1.1 200');
          const body = c.buf.slice(he + 4, he + 4 + len);
          c.buf = c.buf.slice(he + 4 + len);
          const s = c.sent.shift()!;
          if (s.onBody) {
            s.onBody(JSON.parse(body) as never);
            continue;
          }
          s.cb(ok ? Number(process.hrtime.bigint() - s.t) / 1e6 : null);
        }
      });
      this.conns.push(c);
    }
  }
  get(path: string, cb: (ms: number | null) => void, onBody?: (body: never) => void): void {
    const c = this.conns[this.rr++ % this.conns.length]!;
    c.sent.push({ t: process.hrtime.bigint(), cb, onBody });
    c.sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${this.headers}\r\n`);
  }
  close(): void {
    for (const c of this.conns) c.sock.destroy();
  }
}

// The decision mix Kamailio asks about: extension calls, national and mobile calls (2,000 distinct numbers,
// so the classification memo sees a realistic spread), refused international calls and inbound DDI calls.
const routeQueries: string[] = [];
for (let i = 0; i < 4000; i++) {
  const a = creds[i % creds.length]!;
  const b = creds[(i * 7 + 1) % creds.length]!;
  const n = String(i % 1000).padStart(4, '0');
  const kinds = [
    `source=internal&realm=${REALM}&from=${a.user}&to=${b.ext}`,
    `source=internal&realm=${REALM}&from=${a.user}&to=${i % 2 ? `0398765${n.slice(1)}` : `0412345${n.slice(1)}`}`,
    `source=internal&realm=${REALM}&from=${a.user}&to=%2B1415555${n}`,
    `source=trunk&from=%2B61412000000&to=%2B61291234502`,
  ];
  routeQueries.push(kinds[i % kinds.length]!);
}

// In-process cost of one decision on a cold classification (numbers never seen before) vs. warm.
{
  const { loadAccountConfig } = await import('../src/modules/routing/repository.ts');
  const { decideRoute } = await import('../src/modules/routing/rules.ts');
  const cfg = (await loadAccountConfig(database.db, (await database.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow()).id))!;
  const platform = { trunk: SIP.trunk, voicemail: SIP.voicemail };
  const from = creds[0]!.user;
  const cold = Array.from({ length: 3000 }, (_, i) => `07${String(30000000 + i * 7)}`);
  let t = performance.now();
  for (const to of cold) decideRoute(cfg, platform, { source: 'internal', from, to });
  const coldUs = ((performance.now() - t) / cold.length) * 1000;
  t = performance.now();
  for (let r = 0; r < 3; r++) for (const to of cold) decideRoute(cfg, platform, { source: 'internal', from, to });
  const warmUs = ((performance.now() - t) / (cold.length * 3)) * 1000;
  t = performance.now();
  for (let i = 0; i < 30000; i++) decideRoute(cfg, platform, { source: 'internal', from, to: creds[i % creds.length]!.ext });
  const extUs = ((performance.now() - t) / 30000) * 1000;
  console.log(`decideRoute in-process: outbound cold ${coldUs.toFixed(0)} us, outbound warm ${warmUs.toFixed(1)} us, extension call ${extUs.toFixed(1)} us`);
}

const client = new RawHttp(server.port, `x-switchboard-sip-secret: ${SIP.secret}\r\n`);
await client.open(16);

async function openLoop(paths: string[], rate: number, seconds: number) {
  const lat: number[] = [];
  const total = Math.round(rate * seconds);
  let errors = 0;
  let done = 0;
  let sent = 0;
  const start = performance.now();
  await serverStats(); // reset the server's window
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const cb = (ms: number | null) => {
    if (ms === null) errors++;
    else lat.push(ms);
    if (++done === total) finish();
  };
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    while (sent < due) client.get(paths[sent++ % paths.length]!, cb);
    await new Promise((r) => setImmediate(r));
  }
  await finished;
  const elapsed = (performance.now() - start) / 1000;
  const server = await serverStats();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  return { achieved: lat.length / elapsed, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1]!, errors, n: lat.length, server };
}

function serverStats(): Promise<{ n: number; p50: number; p99: number; max: number; cpuUsPerRequest: number }> {
  return new Promise((resolve) => client.get('/bench/stats', () => undefined, resolve));
}

const routePaths = routeQueries.map((q) => `${ROUTE_PATH}?${q}`);
await openLoop(routePaths, RATE, 1); // warm-up (fills the routing cache, JIT)
await openLoop(['/bench/noop'], RATE, 1);
const routeRuns = [];
const noopRuns = [];
for (let i = 0; i < 2; i++) {
  routeRuns.push(await openLoop(routePaths, RATE, SECONDS));
  noopRuns.push(await openLoop(['/bench/noop'], RATE, SECONDS));
}
client.close();
await stopServer();
await database.close();
rmSync(dir, { recursive: true, force: true });

const fmt = (r: Awaited<ReturnType<typeof openLoop>>) =>
  `${r.achieved.toFixed(0)} req/s, client p50 ${r.p50.toFixed(2)} / p99 ${r.p99.toFixed(2)} / max ${r.max.toFixed(1)} ms; server p50 ${r.server.p50.toFixed(3)} / p99 ${r.server.p99.toFixed(3)} ms, server CPU ${r.server.cpuUsPerRequest.toFixed(0)} us/request; errors ${r.errors}`;
console.log('');
if (!args['skip-register'] && !args['only-stall']) {
console.log(
  `REGISTER/s (full digest, ${WINDOW} in flight, ${USERS} users, median of 5): sip_subscribers ${rate('ours').toFixed(0)}/s vs static table ${rate('static').toFixed(0)}/s → ratio ${(rate('ours') / rate('static')).toFixed(2)} (target >= 0.8); view over users⋈accounts ${rate('view').toFixed(0)}/s → ${(rate('view') / rate('static')).toFixed(2)}`,
);
console.log(
  `  Kamailio CPU per 1,000 REGISTERs (median of 5): sip_subscribers ${cpu('ours').toFixed(0)} ms, static ${cpu('static').toFixed(0)} ms, view ${cpu('view').toFixed(0)} ms → capacity ratio ours/static ${(cpu('static') / cpu('ours')).toFixed(2)}, view/static ${(cpu('static') / cpu('view')).toFixed(2)}`,
);
}
routeRuns.forEach((r, i) => console.log(`routing /sip/route @${RATE}/s run ${i + 1}: ${fmt(r)}`));
noopRuns.forEach((r, i) => console.log(`trivial route   @${RATE}/s run ${i + 1}: ${fmt(r)}`));
const bestRoute = routeRuns.reduce((a, b) => (a.p99 < b.p99 ? a : b));
const bestNoop = noopRuns.reduce((a, b) => (a.p99 < b.p99 ? a : b));
console.log(
  `routing p99 (best run) client ${bestRoute.p99.toFixed(2)} ms / server ${bestRoute.server.p99.toFixed(3)} ms (target < 2 ms) vs trivial route client ${bestNoop.p99.toFixed(2)} ms / server ${bestNoop.server.p99.toFixed(3)} ms → client ratio ${(bestRoute.p99 / bestNoop.p99).toFixed(2)}`,
);
if (stallResults.length) {
  console.log('routing stalled vs up, async lookups vs the old synchronous path:');
  for (const l of stallResults) console.log(`  ${l}`);
}
console.log('(2 shared cores, other helpers running: noisy figures)');
