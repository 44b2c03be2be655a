/**
 * Child process of bench/sip.bench.ts: Switchboard's app (with the routing endpoint) on a given store,
 * plus a trivial route as the baseline. Prints its port on stdout, exits on SIGTERM.
 */
import { buildApp } from '../src/app.ts';
import { openDatabase } from '../src/db/database.ts';

const database = openDatabase(process.argv[2]!);
const { app } = await buildApp({ database, logLevel: 'silent', sip: { trunk: '127.0.0.1:5090', voicemail: '127.0.0.1:5095', secret: 'bench-secret' } });
app.get('/bench/noop', { logLevel: 'warn' }, async () => ({ ok: true }));
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.once('SIGTERM', () => void app.close().then(() => database.close()).then(() => process.exit(0)));
