/**
 * Voicemail benchmark (issue 12): concurrent deposits on this machine. The voicemail media server runs in this
 * process (in-memory store, so the figure is the media path: SIP, RTP receive + decode + record, paced RTP
 * send of greeting/beep/silence, WAV encode); a separate load process (bench/voicemail-load.ts) places the calls
 * and streams a tone in 20 ms PCMU frames. For each concurrency level it reports: frames the generator sent vs
 * frames the server received (lost), late frames of the server's own 20 ms send clock (a tick more than one
 * frame late), the largest lateness, RFC 3550 jitter and the largest gap the callers saw, the server's CPU per
 * call, and every message's recorded length against what was streamed. The baseline is 1 call in the same run.
 * Usage: npm run bench:voicemail [-- --levels 1,50,100,150,200 --seconds 15]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fakeBackend, type FakeMailbox } from '../src/modules/voicemail/fake-backend.ts';
import { Prompts } from '../src/modules/voicemail/server/prompts.ts';
import { startVoicemailServer } from '../src/modules/voicemail/server/sip-server.ts';

const { values: args } = parseArgs({ options: { levels: { type: 'string', default: '1,50,100,150,200' }, seconds: { type: 'string', default: '15' } } });
const LEVELS = args.levels.split(',').map(Number);
const SECONDS = Number(args.seconds);
const PORT = 25095;

const boxes: FakeMailbox[] = Array.from({ length: 50 }, (_, i) => ({
  accountId: 'bench',
  accountCode: 'bench',
  realm: 'bench.pbx.test',
  userId: `u${1000 + i}`,
  extension: String(1000 + i),
  displayName: `User ${1000 + i}`,
  enabled: true,
  keepOnServer: true,
  hasPin: false,
  timezone: 'UTC',
  pin: null,
}));

interface LoadResult {
  calls: number;
  sent: number;
  jitterMsP50: number;
  jitterMsMax: number;
  maxGapMsP50: number;
  maxGapMsMax: number;
}

function load(calls: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/voicemail-load.ts', String(PORT), String(calls), String(SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

const rows: Record<string, string | number>[] = [];
for (const level of LEVELS) {
  const store = fakeBackend(boxes);
  const server = await startVoicemailServer({
    address: '127.0.0.1',
    port: PORT,
    allow: ['127.0.0.1'],
    rtpAddress: '127.0.0.1',
    rtpPorts: [42000, 43998],
    backend: store.backend,
    prompts: Prompts.fromEnv().preload(),
    limits: { maxMs: 180_000, silenceMs: 10_000 },
    maxCalls: 1000,
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await load(level);
  await server.idle();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const st = server.finishedStats;
  const received = st.reduce((a, s) => a + s.received, 0);
  const late = st.reduce((a, s) => a + s.late, 0);
  const maxLate = Math.max(0, ...st.map((s) => s.maxLateMs));
  const recorded = store.messages.map((m) => m.durationMs / 1000);
  await server.stop();
  rows.push({
    calls: level,
    'sent→server': r.sent,
    'server got': received,
    lost: r.sent - received,
    'late send ticks': late,
    'max lateness ms': maxLate.toFixed(1),
    'event loop delay p99/max ms': `${(loop.percentile(99) / 1e6).toFixed(1)}/${(loop.max / 1e6).toFixed(1)}`,
    'jitter p50/max ms': `${r.jitterMsP50.toFixed(2)}/${r.jitterMsMax.toFixed(2)}`,
    'max gap p50/max ms': `${r.maxGapMsP50.toFixed(1)}/${r.maxGapMsMax.toFixed(1)}`,
    messages: `${recorded.length}/${level}`,
    'recorded s (min)': recorded.length ? Math.min(...recorded).toFixed(2) : '-',
    'CPU ms per call-second': (((cpu.user + cpu.system) / 1000) / (level * wallS)).toFixed(2),
    'server CPU %': (((cpu.user + cpu.system) / 1000 / (wallS * 1000)) * 100).toFixed(0),
  });
  console.log(JSON.stringify(rows[rows.length - 1]));
}
console.table(rows);
const base = rows[0]!;
for (const r of rows.slice(1)) {
  console.log(`${r.calls} calls vs ${base.calls}: CPU per call-second ratio ${(Number(r['CPU ms per call-second']) / Number(base['CPU ms per call-second'])).toFixed(2)}, lost ${r.lost}, late ticks ${r['late send ticks']}`);
}
process.exit(0);
