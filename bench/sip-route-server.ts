/**
 * Child process of bench/sip.bench.ts: Switchboard's app (with the routing endpoint) on a given store,
 * plus a trivial route as the baseline. Prints its port on stdout, exits on SIGTERM.
 */
import { buildApp } from '../src/app.ts';
import { openDatabase } from '../src/db/database.ts';

const database = openDatabase(process.argv[2]!);
const { app } = await buildApp({ database, logLevel: 'silent', sip: { trunk: '127.0.0.1:5090', voicemail: '127.0.0.1:5095', secret: 'bench-secret' } });
app.get('/bench/noop', { logLevel: 'warn' }, async () => ({ ok: true }));
// Server-side latency (request received → response sent), free of the load generator's own queueing.
let samples: number[] = [];
let cpuAt = process.cpuUsage();
const started = new WeakMap<object, bigint>();
app.addHook('onRequest', async (req) => {
  started.set(req.raw, process.hrtime.bigint());
});
app.addHook('onResponse', async (req) => {
  const t = started.get(req.raw);
  if (t !== undefined && !req.url.startsWith('/bench/stats')) samples.push(Number(process.hrtime.bigint() - t) / 1e6);
});
app.get('/bench/stats', async () => {
  const s = samples.sort((a, b) => a - b);
  samples = [];
  const cpu = process.cpuUsage(cpuAt);
  cpuAt = process.cpuUsage();
  const cpuUsPerRequest = s.length ? (cpu.user + cpu.system) / s.length : 0;
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? 0, cpuUsPerRequest };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.once('SIGTERM', () => void app.close().then(() => database.close()).then(() => process.exit(0)));
