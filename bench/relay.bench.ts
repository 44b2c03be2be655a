/**
 * Media relay benchmark (issue 13): concurrent G.711 calls relayed through rtpengine (userspace forwarding, no
 * kernel module, as `switchboard sip start` runs it) on this machine. For each level N: N calls set up through
 * rtpengine's ng control protocol exactly as Kamailio's rtpengine_manage does (offer, answer with the same
 * flags: replace-origin replace-session-connection ICE=remove), then both sides of every call send a 20 ms PCMU
 * frame every 20 ms (50 packets/s each way: N × 100 packets/s into rtpengine, as many out) from a separate
 * load process (bench/relay-load.ts) for --seconds. Reported: packets sent vs received (loss), rtpengine's CPU
 * (from /proc/<pid>/stat) per call, and the load process's own CPU. Each level runs three ways in the same
 * run: direct (the endpoints send to each other, no relay: the baseline), relayed, and relayed + recorded
 * (record-call=yes, pcap to a spool folder — what a recorded call costs). Kamailio is not in the media path:
 * per call it handles only the signalling (a handful of SIP messages at setup and teardown, no steady-state
 * work), so its share is not measured here (bench/sip.bench.ts measures call setup).
 * Usage: npm run bench:relay [-- --levels 50,150,300,400 --seconds 20]
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RtpengineProcess } from '../src/modules/sip/rtpengine.ts';
import { createSocket } from 'node:dgram';

const { values: args } = parseArgs({
  options: { levels: { type: 'string', default: '50,150,300' }, seconds: { type: 'string', default: '20' }, modes: { type: 'string', default: 'direct,relay,record' }, workers: { type: 'string', default: '3' } },
});
const WORKERS = Number(args.workers);
const LEVELS = args.levels.split(',').map(Number);
const SECONDS = Number(args.seconds);
const MODES = args.modes.split(',') as Array<'direct' | 'relay' | 'record'>;
const NG = 'udp:127.0.0.1:22391';
const HZ = 100; // clock ticks per second (getconf CLK_TCK)

function bencode(v: unknown): string {
  if (typeof v === 'string') return `${Buffer.byteLength(v)}:${v}`;
  if (typeof v === 'number') return `i${v}e`;
  if (Array.isArray(v)) return `l${v.map(bencode).join('')}e`;
  const o = v as Record<string, unknown>;
  return `d${Object.keys(o)
    .sort()
    .map((k) => bencode(k) + bencode(o[k]))
    .join('')}e`;
}

/** An ng client with many commands in flight (cookie → resolver). */
function ngClient() {
  const sock = createSocket('udp4');
  const waiting = new Map<string, (s: string) => void>();
  let n = 0;
  sock.on('message', (m) => {
    const s = m.toString('latin1');
    const sp = s.indexOf(' ');
    const cb = waiting.get(s.slice(0, sp));
    if (cb) {
      waiting.delete(s.slice(0, sp));
      cb(s.slice(sp + 1));
    }
  });
  return {
    cmd(o: Record<string, unknown>): Promise<string> {
      const cookie = `c${n++}`;
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`ng ${String(o.command)} timed out`)), 5000);
        waiting.set(cookie, (s) => {
          clearTimeout(t);
          resolve(s);
        });
        sock.send(`${cookie} ${bencode(o)}`, 22391, '127.0.0.1');
      });
    },
    close: () => sock.close(),
  };
}

const sdp = (port: number) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
const port = (reply: string) => Number(/m=audio (\d+)/.exec(reply)?.[1] ?? NaN);

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}

interface LoadResult {
  sent: number;
  received: number;
  cpuMs: number;
  lateTicks: number;
}

async function run(calls: number, mode: 'direct' | 'relay' | 'record') {
  // the calls are split over WORKERS load processes (one Node process cannot send 30,000 packets/s)
  const loads = Array.from({ length: WORKERS }, () => fork(new URL('./relay-load.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] }));
  const share = (w: number) => Math.floor(calls / WORKERS) + (w < calls % WORKERS ? 1 : 0);
  const next = <T>(load: ReturnType<typeof fork>, op: string) => new Promise<T>((r) => load.on('message', (m: { op: string }) => m.op === op && r(m as T)));
  const portsByWorker = await Promise.all(
    loads.map((load, w) => {
      const p = next<{ ports: Array<[number, number]> }>(load, 'ports');
      load.send({ op: 'open', calls: share(w) });
      return p.then((r) => r.ports);
    }),
  );
  const ports = portsByWorker.flat();
  let rtp: RtpengineProcess | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'sb-relay-bench-'));
  let targets: Array<[number, number]>;
  const ng = ngClient();
  try {
    if (mode === 'direct') {
      targets = ports.map(([a, b]) => [b, a]);
    } else {
      rtp = new RtpengineProcess({ mode: 'start', socket: NG, interface: '127.0.0.1', ports: [40000, 49999], ...(mode === 'record' && { recordingDir: join(dir, 'spool') }) }, dir);
      await rtp.start();
      targets = [];
      const flags = ['replace-origin', 'replace-session-connection'];
      for (let i = 0; i < calls; i += 50) {
        const batch = ports.slice(i, i + 50).map(async ([a, b], j) => {
          const id = `bench-${i + j}`;
          const rec = mode === 'record' ? { 'record call': 'yes', metadata: 'bench' } : {};
          const o = await ng.cmd({ command: 'offer', 'call-id': id, 'from-tag': 'a', sdp: sdp(a), flags, replace: ['origin', 'session-connection'], ICE: 'remove', ...rec });
          const r = await ng.cmd({ command: 'answer', 'call-id': id, 'from-tag': 'a', 'to-tag': 'b', sdp: sdp(b), flags, replace: ['origin', 'session-connection'], ICE: 'remove', ...rec });
          // A sends to the port in the answer rtpengine gave A; B to the port in the offer rtpengine gave B
          return [port(r), port(o)] as [number, number];
        });
        targets.push(...(await Promise.all(batch)));
      }
      if (targets.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y))) throw new Error('rtpengine refused a call');
    }
    const c0 = rtp?.pid ? cpuTicks(rtp.pid) : 0;
    const t0 = performance.now();
    let k = 0;
    loads.forEach((load, w) => {
      load.send({ op: 'start', targets: targets.slice(k, k + share(w)) });
      k += share(w);
    });
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const c1 = rtp?.pid ? cpuTicks(rtp.pid) : 0;
    const wall = (performance.now() - t0) / 1000;
    const parts = await Promise.all(
      loads.map((load) => {
        const p = next<LoadResult>(load, 'result');
        load.send({ op: 'stop' });
        return p;
      }),
    );
    const res = parts.reduce((a, b) => ({ sent: a.sent + b.sent, received: a.received + b.received, cpuMs: a.cpuMs + b.cpuMs, lateTicks: a.lateTicks + b.lateTicks }));
    if (rtp) for (let i = 0; i < calls; i++) await ng.cmd({ command: 'delete', 'call-id': `bench-${i}`, 'from-tag': 'a' }).catch(() => '');
    const rtpCpu = (c1 - c0) / HZ / wall; // cores
    const pcaps = join(dir, 'spool', 'pcaps');
    const recorded = existsSync(pcaps) ? readdirSync(pcaps).length : 0;
    return {
      calls,
      mode,
      sent: res.sent,
      received: res.received,
      lossPct: (100 * (res.sent - res.received)) / res.sent,
      rtpengineCores: rtpCpu,
      // what the generator really offered, against the call's 100 packets/s × calls
      deliveredPct: (100 * res.sent) / (calls * 100 * wall),
      // rtpengine CPU per packet relayed (each packet in is one out), and what a call at the full rate costs
      usPerPacket: res.sent ? ((c1 - c0) / HZ / res.sent) * 1e6 : 0,
      rtpenginePerCallPct: res.sent ? ((c1 - c0) / HZ / res.sent) * 100 * 100 : 0,
      loadCores: res.cpuMs / 1000 / wall,
      lateTicks: res.lateTicks,
      recorded,
    };
  } finally {
    ng.close();
    await rtp?.stop();
    for (const load of loads) load.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`relay bench: ${SECONDS} s per run; G.711 20 ms (50 pps each way per call); modes ${MODES.join(', ')}; ${(await import('node:os')).cpus().length} cores`);
console.log('per call % = rtpengine CPU (% of one core) for one call at its full 100 packets/s, from the CPU per packet measured');
console.log('calls  mode     sent       received   loss %   offered %  rtpengine cores  µs/packet  per call %  load cores  late ticks  pcaps');
for (const n of LEVELS) {
  for (const mode of MODES) {
    const r = await run(n, mode);
    console.log(
      `${String(r.calls).padStart(5)}  ${r.mode.padEnd(7)}  ${String(r.sent).padStart(9)}  ${String(r.received).padStart(9)}  ${r.lossPct.toFixed(3).padStart(6)}   ${r.deliveredPct.toFixed(0).padStart(8)}  ${r.rtpengineCores.toFixed(3).padStart(15)}  ${r.usPerPacket.toFixed(1).padStart(9)}  ${r.rtpenginePerCallPct.toFixed(3).padStart(10)}  ${r.loadCores.toFixed(2).padStart(10)}  ${String(r.lateTicks).padStart(10)}  ${String(r.recorded).padStart(5)}`,
    );
  }
}
