/**
 * `switchboard doctor` (issue 17): checks the pieces of a deployment from where it runs and says, per piece,
 * ok / warn / fail with what was seen — the store (reachable, migrated, cluster notifications on PostgreSQL), the
 * audio folders, the built portal, the portal address for emailed links, SMTP, Kamailio, the voicemail/feature
 * server, rtpengine, and any API nodes named with --api. Exit status 1 when something failed.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Migrator, sql } from 'kysely';
import type { Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrationProvider } from './db/migrations/index.ts';
import { mailerFromEnv } from './modules/auth/mailer.ts';
import { portalUrlProblem } from './modules/auth/rules.ts';
import { sipPing } from './modules/sip/kamailio.ts';
import { ngCommand } from './modules/sip/rtpengine.ts';
import { rtpengineSettingsFromEnv, sipSettingsFromEnv, splitHostPort } from './modules/sip/settings.ts';
import { ROOT } from './shared/paths.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

/** At most `ms` for one check: a piece that does not answer is a failure, never a hang. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function storeChecks(config: Config): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const database = openDatabase(config.databaseUrl);
  try {
    await within(5000, sql`select 1`.execute(database.db), 'store');
    out.push({ name: 'store', status: 'ok', detail: `${database.dialect} reachable (${database.description})` });
    const migrator = new Migrator({ db: database.db, provider: migrationProvider({ dialect: database.dialect }), allowUnorderedMigrations: true });
    const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
    out.push(pending.length ? { name: 'migrations', status: 'fail', detail: `${pending.length} not applied (${pending.join(', ')}): run \`switchboard migrate\`` } : { name: 'migrations', status: 'ok', detail: 'all applied' });
    if (database.dialect === 'postgres' && database.connectionString) out.push(await notifyCheck(database.connectionString));
  } catch (err) {
    out.push({ name: 'store', status: 'fail', detail: `${database.description}: ${(err as Error).message}` });
  } finally {
    await database.close().catch(() => {});
  }
  return out;
}

/** The cluster fan-out needs LISTEN/NOTIFY to pass through (a pooler in transaction mode drops LISTEN). */
async function notifyCheck(url: string): Promise<CheckResult> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  try {
    await within(5000, client.connect(), 'LISTEN connection');
    const channel = `switchboard_doctor_${process.pid}`;
    await client.query(`LISTEN ${channel}`);
    const heard = new Promise<void>((resolve) => client.on('notification', (n) => n.channel === channel && resolve()));
    const t0 = performance.now();
    await client.query('select pg_notify($1, $2)', [channel, 'ping']);
    await within(2000, heard, 'NOTIFY');
    return { name: 'cluster notifications', status: 'ok', detail: `LISTEN/NOTIFY round trip ${(performance.now() - t0).toFixed(1)} ms` };
  } catch (err) {
    return { name: 'cluster notifications', status: 'fail', detail: `${(err as Error).message} — other API nodes' changes would reach this node only at the cache's max age (connect the LISTEN side directly or through a session-mode pooler)` };
  } finally {
    await client.end().catch(() => {});
  }
}

function folderCheck(name: string, dir: string): CheckResult {
  if (!existsSync(dir)) return { name, status: 'warn', detail: `${dir} does not exist yet (created on first write)` };
  const mode = statSync(dir).mode & 0o777;
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return { name, status: 'fail', detail: `${dir} is not writable` };
  }
  return mode & 0o077 ? { name, status: 'warn', detail: `${dir} is readable by others (mode ${mode.toString(8)}; expected 700)` } : { name, status: 'ok', detail: dir };
}

async function sipCheck(name: string, hostPort: string, hint: string): Promise<CheckResult> {
  const [host, port] = splitHostPort(hostPort);
  const code = await sipPing(host, port, 1500);
  return code === null ? { name, status: 'fail', detail: `no SIP answer from ${host}:${port} — ${hint}` } : { name, status: 'ok', detail: `${host}:${port} answers OPTIONS (${code})` };
}

export async function runDoctor(config: Config, o: { env?: NodeJS.ProcessEnv; apiNodes?: string[]; sip?: boolean } = {}): Promise<CheckResult[]> {
  const env = o.env ?? process.env;
  const out: CheckResult[] = [];
  out.push(...(await storeChecks(config)));
  out.push(folderCheck('voicemail folder', config.voicemailDir), folderCheck('media folder', config.mediaDir), folderCheck('recordings folder', config.recordingsDir));
  out.push(existsSync(join(ROOT, 'web/dist/index.html')) ? { name: 'portal', status: 'ok', detail: 'built (web/dist)' } : { name: 'portal', status: 'warn', detail: 'not built: `npm start` builds it once, or `npm run build:web`' });
  const portalUrl = env.PORTAL_URL ?? `http://${config.host}:${config.port}`;
  const problem = portalUrlProblem(portalUrl);
  out.push(problem ? { name: 'portal address', status: 'warn', detail: problem } : { name: 'portal address', status: env.PORTAL_URL ? 'ok' : 'warn', detail: env.PORTAL_URL ? portalUrl : `PORTAL_URL unset: emailed links point at ${portalUrl}` });
  const mailer = mailerFromEnv(env);
  if (!mailer.configured || !mailer.verify) out.push({ name: 'smtp', status: 'warn', detail: 'no SMTP configured (SMTP_URL or SMTP_HOST): credentials and voicemail emails are not sent' });
  else {
    try {
      await within(10_000, mailer.verify(), 'SMTP');
      out.push({ name: 'smtp', status: 'ok', detail: 'connected and accepted' });
    } catch (err) {
      out.push({ name: 'smtp', status: 'fail', detail: (err as Error).message });
    }
  }
  if (o.sip !== false) {
    const sip = sipSettingsFromEnv(env);
    out.push(await sipCheck('kamailio', `${sip.listen === '0.0.0.0' ? '127.0.0.1' : sip.listen}:${sip.port}`, 'is `switchboard sip start` (or the kamailio service) running?'));
    out.push(await sipCheck('voicemail server', sip.voicemail, 'runs inside `switchboard sip start`, or `switchboard voicemail start`'));
    if (!sip.secret) out.push({ name: 'routing secret', status: 'warn', detail: 'SWITCHBOARD_SIP_SECRET unset: only loopback may ask the routing endpoint' });
    try {
      const rtp = rtpengineSettingsFromEnv(env, existsSync('/usr/bin/rtpengine'));
      if (rtp.mode === 'off') out.push({ name: 'rtpengine', status: 'warn', detail: 'off: no NAT traversal, hold music or call recording' });
      else {
        const pong = await ngCommand(rtp.socket, 'ping', 1500);
        out.push(pong && /pong/.test(pong) ? { name: 'rtpengine', status: 'ok', detail: `${rtp.socket} answers ping` } : { name: 'rtpengine', status: 'fail', detail: `no answer on ${rtp.socket}` });
      }
    } catch (err) {
      out.push({ name: 'rtpengine', status: 'fail', detail: (err as Error).message });
    }
  }
  for (const url of o.apiNodes ?? []) {
    try {
      const res = await within(5000, fetch(new URL('/healthz', url)), url);
      const body = (await res.json().catch(() => null)) as { ok?: boolean; store?: string } | null;
      out.push(res.ok && body?.ok ? { name: `api ${url}`, status: 'ok', detail: `healthy (store: ${body.store})` } : { name: `api ${url}`, status: 'fail', detail: `/healthz answered ${res.status}` });
    } catch (err) {
      out.push({ name: `api ${url}`, status: 'fail', detail: (err as Error).message });
    }
  }
  return out;
}

/** The report as aligned lines (pure). */
export function formatDoctor(results: CheckResult[]): string {
  const w = Math.max(...results.map((r) => r.name.length));
  const mark: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  return results.map((r) => `${mark[r.status]}  ${r.name.padEnd(w)}  ${r.detail}`).join('\n');
}
