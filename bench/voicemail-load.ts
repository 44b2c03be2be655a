/**
 * Load generator for bench/voicemail.bench.ts, run as its own process: places N concurrent calls on the
 * voicemail server (SIP INVITE with Switchboard's header, as Kamailio would relay them), streams a 1 kHz tone
 * as PCMU in 20 ms frames from one paced clock for all calls, and measures what the server sends back:
 * packets, RFC 3550 interarrival jitter and the largest gap between packets per call. Reports JSON on stdout.
 * Usage (by the bench): node --import tsx bench/voicemail-load.ts <sipPort> <calls> <seconds>
 */
import { encodeG711, FRAME, tone } from '../src/modules/voicemail/audio.ts';
import { SipCaller } from '../test/support/sip-caller.ts';

const [portArg, callsArg, secondsArg] = process.argv.slice(2);
const port = Number(portArg);
const CALLS = Number(callsArg);
const SECONDS = Number(secondsArg);
const payload = encodeG711('PCMU', tone(1000, 20));

interface CallStats {
  sent: number;
  received: number;
  jitter: number; // RFC 3550 J, in ms
  maxGapMs: number;
  lastArrival: number;
  lastTs: number;
  transit: number | null;
}

const caller = await new SipCaller('127.0.0.1').start();
const calls: { call: Awaited<ReturnType<SipCaller['call']>>; st: CallStats; seq: number; ts: number }[] = [];
const t0 = performance.now();
// place the calls 5 ms apart (a burst of INVITEs is not what this measures)
for (let i = 0; i < CALLS; i++) {
  const call = await caller.call(`sip:${1000 + (i % 50)}@127.0.0.1:${port}`, { 'X-Switchboard-Voicemail': `deposit;mailbox=${1000 + (i % 50)};account=bench` });
  if (call.status !== 200) throw new Error(`call ${i} answered ${call.status}`);
  const st: CallStats = { sent: 0, received: 0, jitter: 0, maxGapMs: 0, lastArrival: 0, lastTs: 0, transit: null };
  call.phone.sock.removeAllListeners('message');
  call.phone.sock.on('message', (msg) => {
    const now = performance.now();
    const ts = msg.readUInt32BE(4);
    st.received++;
    if (st.lastArrival) st.maxGapMs = Math.max(st.maxGapMs, now - st.lastArrival);
    // RFC 3550 6.4.1: D = (Rj - Ri) - (Sj - Si) in ms; J += (|D| - J) / 16
    const transit = now - ts / 8;
    if (st.transit !== null) {
      let d = transit - st.transit;
      if (d < 0) d = -d;
      st.jitter += (d - st.jitter) / 16;
    }
    st.transit = transit;
    st.lastArrival = now;
    st.lastTs = ts;
  });
  calls.push({ call, st, seq: 1, ts: 1000 });
  await new Promise((r) => setTimeout(r, 5));
}
const setupMs = performance.now() - t0;

// one paced clock for every call's 20 ms frame
const start = performance.now();
let frames = 0;
const total = Math.round((SECONDS * 1000) / 20);
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.min(total, Math.floor((performance.now() - start) / 20) + 1);
    while (frames < due) {
      for (const c of calls) {
        const b = Buffer.alloc(12 + FRAME);
        b[0] = 0x80;
        b[1] = 0;
        b.writeUInt16BE(c.seq++ & 0xffff, 2);
        b.writeUInt32BE(c.ts >>> 0, 4);
        b.writeUInt32BE(0x5eed0000 + calls.indexOf(c), 8);
        Buffer.from(payload).copy(b, 12);
        c.ts += FRAME;
        if (c.call.phone.remote) c.call.phone.sock.send(b, c.call.phone.remote.port, c.call.phone.remote.address);
        c.st.sent++;
      }
      frames++;
    }
    if (frames >= total) return resolve();
    setTimeout(tick, Math.max(0, start + frames * 20 - performance.now()));
  };
  tick();
});
// measure only the steady part: drop the first second of arrival state? keep whole-call figures
for (const c of calls) await c.call.hangup();
await new Promise((r) => setTimeout(r, 300));
for (const c of calls) c.call.phone.close();
caller.stop();
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const jit = sorted(calls.map((c) => c.st.jitter));
const gaps = sorted(calls.map((c) => c.st.maxGapMs));
process.stdout.write(
  JSON.stringify({
    calls: CALLS,
    setupMs: Math.round(setupMs),
    sent: calls.reduce((a, c) => a + c.st.sent, 0),
    receivedFromServer: calls.reduce((a, c) => a + c.st.received, 0),
    jitterMsP50: jit[Math.floor(jit.length / 2)],
    jitterMsMax: jit[jit.length - 1],
    maxGapMsP50: gaps[Math.floor(gaps.length / 2)],
    maxGapMsMax: gaps[gaps.length - 1],
  }) + '\n',
);
process.exit(0);
