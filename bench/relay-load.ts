/**
 * RTP endpoints for bench/relay.bench.ts, in their own process: for each call two UDP sockets (side A and side
 * B) on 127.0.0.1 that each send a 20 ms PCMU frame (172-byte RTP packet) every 20 ms to a target address and
 * count what they receive. Talks to the parent over IPC:
 *   parent → {op: 'open', calls}                → {op: 'ports', ports: [[a, b], ...]}
 *   parent → {op: 'start', targets: [[ta, tb]]} → (sends A→ta, B→tb)
 *   parent → {op: 'stop'}                       → {op: 'result', sent, received, cpuMs, lateTicks}
 */
import { createSocket, type Socket } from 'node:dgram';

interface Call {
  a: Socket;
  b: Socket;
  ta: number;
  tb: number;
  seq: number;
}
const calls: Call[] = [];
let sent = 0;
let received = 0;
let timer: NodeJS.Timeout | undefined;
let cpu0 = process.cpuUsage();
let lateTicks = 0;
const payload = Buffer.alloc(160, 0xff);

function packet(seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(172);
  b[0] = 0x80;
  b[1] = 0;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  payload.copy(b, 12);
  return b;
}

async function open(n: number): Promise<Array<[number, number]>> {
  const bind = () =>
    new Promise<Socket>((r) => {
      const s = createSocket('udp4');
      s.on('message', () => received++);
      s.bind(0, '127.0.0.1', () => r(s));
    });
  for (let i = 0; i < n; i++) calls.push({ a: await bind(), b: await bind(), ta: 0, tb: 0, seq: 0 });
  return calls.map((c) => [c.a.address().port, c.b.address().port]);
}

function start(targets: Array<[number, number]>): void {
  targets.forEach(([ta, tb], i) => {
    calls[i]!.ta = ta;
    calls[i]!.tb = tb;
  });
  cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let tick = 0;
  const run = () => {
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      c.a.send(packet(c.seq, i * 2 + 1), c.ta, '127.0.0.1');
      c.b.send(packet(c.seq, i * 2 + 2), c.tb, '127.0.0.1');
      c.seq++;
      sent += 2;
    }
    tick++;
    // a drift-free 20 ms clock: the next tick at t0 + tick × 20 ms
    const wait = t0 + tick * 20 - performance.now();
    if (wait < -20) lateTicks++;
    timer = setTimeout(run, Math.max(0, wait));
  };
  run();
}

process.on('message', (m: { op: string; calls?: number; targets?: Array<[number, number]> }) => {
  if (m.op === 'open') void open(m.calls!).then((ports) => process.send!({ op: 'ports', ports }));
  else if (m.op === 'start') start(m.targets!);
  else if (m.op === 'stop') {
    clearTimeout(timer);
    // let the last packets arrive
    setTimeout(() => {
      const u = process.cpuUsage(cpu0);
      process.send!({ op: 'result', sent, received, cpuMs: (u.user + u.system) / 1000, lateTicks });
      for (const c of calls) {
        c.a.close();
        c.b.close();
      }
      setTimeout(() => process.exit(0), 50);
    }, 300);
  }
});
