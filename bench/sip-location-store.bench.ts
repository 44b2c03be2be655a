/**
 * Where Kamailio writes registrations back on a SQLite store (issue 15, docs/sip.md "Registrations survive a
 * restart"): into Switchboard's own file (`same`, the rejected design) or into the registrations file beside it
 * (`sibling`, what kamailio.ts renders). 15 s of digest REGISTERs (200 users, window 16, usrloc flushing every
 * 1 s) while Switchboard runs read-then-write transactions (Kysely, like its services) on its store in a loop:
 * REGISTERs answered 200, transactions committed / failed by error code, the slowest transaction, Kamailio's DB
 * errors. Loopback, SIP port 5470 (not the e2e ports), every process stopped by PID.
 * Usage: node --import tsx bench/sip-location-store.bench.ts same|sibling
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { migrate, openDatabase } from '../src/db/database.ts';
import { createEventBus } from '../src/shared/events.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import { createAccount } from '../src/modules/accounts/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { createUser } from '../src/modules/users/service.ts';
import { kamailioDb, prepareLocationStore, renderConfig, sipPing, TEMPLATE, KAMAILIO_BIN } from '../src/modules/sip/kamailio.ts';

const mode = process.argv[2] as 'same' | 'sibling';
if (mode !== 'same' && mode !== 'sibling') throw new Error('usage: sip-location-store.bench.ts same|sibling');
const SECONDS = 15;
const REALM = 'sf.pbx.test';
const PORT = 5470;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'sb-samefile-'));
const file = join(dir, 'store.sqlite');
const database = openDatabase(file);
await migrate(database);
const deps = { database, events: createEventBus() };
await createAccount(deps, SYSTEM_ACTOR, { code: 'sf', name: 'SF', sipRealm: REALM, country: 'AU' });
const office = await createOffice(deps, SYSTEM_ACTOR, 'sf', { name: 'Sydney', timezone: 'Australia/Sydney', areaCode: '02' } as never);
const creds: Array<{ user: string; password: string }> = [];
for (let i = 0; i < 200; i++) {
  const u = await createUser(deps, SYSTEM_ACTOR, 'sf', { firstName: `S${i}`, officeId: office.id });
  creds.push({ user: u.sipUsername, password: u.sipPassword });
}
await sql`create table sf_writes (id integer primary key, v text)`.execute(database.db);
prepareLocationStore(file);
let cfg = renderConfig(readFileSync(TEMPLATE, 'utf8'), { databaseUrl: file, routerUrl: 'http://127.0.0.1:1/sip/route', settings: { listen: '127.0.0.1', port: PORT, trunk: '127.0.0.1:5491', voicemail: '127.0.0.1:5496' }, limits: { pikeDensity: 0, registrationFlush: 1 }, bruteForce: { limit: 1_000_000, windowSeconds: 60, blockSeconds: 60 }, runDir: dir, authSecret: 'x', debug: 2 } as never);
if (mode === 'same') cfg = cfg.replace(/modparam\("usrloc", "db_url", "[^"]+"\)/, `modparam("usrloc", "db_url", "${kamailioDb(file).url}")`);
writeFileSync(join(dir, 'kamailio.cfg'), cfg);
let log = '';
const k = spawn(KAMAILIO_BIN, ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-P', join(dir, 'k.pid'), '-Y', dir, '-m', '64', '-M', '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
k.stderr.on('data', (d) => (log += d));
k.stdout.on('data', (d) => (log += d));
while ((await sipPing('127.0.0.1', PORT, 300)) !== 200) await sleep(200);
// REGISTER load: window 16, cycling through users
const sock = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
const lport = sock.address().port;
const pending = new Map<string, { u: (typeof creds)[number]; seq: number; done: (s: number) => void }>();
const reg = (u: (typeof creds)[number], seq: number, auth?: string) => [`REGISTER sip:${REALM} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`, 'Max-Forwards: 70', `From: <sip:${u.user}@${REALM}>;tag=a`, `To: <sip:${u.user}@${REALM}>`, `Call-ID: sf-${u.user}`, `CSeq: ${seq} REGISTER`, `Contact: <sip:${u.user}@127.0.0.1:${lport}>`, 'Expires: 600', ...(auth ? [`Authorization: ${auth}`] : []), 'Content-Length: 0', '', ''].join('\r\n');
sock.on('message', (m) => {
  const t = m.toString(); const st = Number(t.slice(8, 11)); const cid = /Call-ID: *sf-(\S+)/i.exec(t)?.[1]; const p = cid ? pending.get(cid) : undefined;
  if (!p || st < 200) return;
  if (st === 401) {
    const nonce = /nonce="([^"]+)"/.exec(t)![1]; const qop = /qop="([^"]+)"/.exec(t)?.[1]; const cn = 'abcd';
    const ha1 = md5(`${p.u.user}:${REALM}:${p.u.password}`); const ha2 = md5(`REGISTER:sip:${REALM}`);
    const resp = qop ? md5(`${ha1}:${nonce}:00000001:${cn}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
    p.seq++;
    sock.send(reg(p.u, p.seq, `Digest username="${p.u.user}", realm="${REALM}", nonce="${nonce}", uri="sip:${REALM}", response="${resp}", algorithm=MD5${qop ? `, qop=auth, nc=00000001, cnonce="${cn}"` : ''}`), PORT, '127.0.0.1');
    return;
  }
  pending.delete(p.u.user); p.done(st);
});
const seqs = new Map<string, number>();
let regOk = 0, regOther = 0, next = 0;
const end = Date.now() + SECONDS * 1000;
const regLoop = Promise.all(Array.from({ length: 16 }, async () => {
  while (Date.now() < end) {
    const u = creds[next++ % creds.length]!;
    if (pending.has(u.user)) continue;
    const seq = (seqs.get(u.user) ?? 0) + 2; seqs.set(u.user, seq + 1);
    const st = await new Promise<number>((res) => { const timer = setTimeout(() => { pending.delete(u.user); res(0); }, 2000); pending.set(u.user, { u, seq, done: (s) => { clearTimeout(timer); res(s); } }); sock.send(reg(u, seq), PORT, '127.0.0.1'); });
    if (st === 200) regOk++; else regOther++;
  }
}));
// Switchboard-like writes: read-then-write transactions
const errors: Record<string, number> = {};
let txOk = 0; let maxTx = 0;
const writeLoop = (async () => {
  while (Date.now() < end) {
    const t0 = Date.now();
    try {
      await database.db.transaction().execute(async (trx) => {
        await trx.selectFrom('users').select('id').limit(1).execute();
        await sql`insert into sf_writes (v) values (${'x'.repeat(200)})`.execute(trx);
      });
      txOk++;
    } catch (e) { const c = (e as { code?: string }).code ?? String(e); errors[c] = (errors[c] ?? 0) + 1; }
    maxTx = Math.max(maxTx, Date.now() - t0);
    await sleep(2);
  }
})();
await Promise.all([regLoop, writeLoop]);
sock.close();
k.kill('SIGTERM');
await new Promise((r) => k.once('exit', r));
const locRows = mode === 'same' ? Number((await sql<{ n: number }>`select count(*) as n from location`.execute(database.db)).rows[0]!.n) : -1;
const failLines = log.split('\n').filter((l) => /ERROR|failed/i.test(l) && !/Switchboard answered|Curl/.test(l));
const kinds: Record<string, number> = {};
for (const l of failLines) { const key = l.replace(/^\s*\d+\(\d+\)\s*/, '').replace(/\{[^}]*\}/, '').replace(/aor: [^)]*/, 'aor').slice(0, 110); kinds[key] = (kinds[key] ?? 0) + 1; }
console.log(JSON.stringify({ mode, regOk, regOther, txOk, txErrors: errors, maxTxMs: maxTx, locationRowsInStore: locRows, kamailioErrors: kinds }, null, 1));
await database.close();
rmSync(dir, { recursive: true, force: true });
