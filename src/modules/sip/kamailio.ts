/**
 * Kamailio process manager: renders deploy/kamailio/kamailio.cfg for a store, ports and routing URL into a
 * private run directory, starts `kamailio -DD -E` there (foreground, so the whole process tree ends with
 * the PID we hold), waits until it answers SIP OPTIONS, and stops it by that PID.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../../shared/paths.ts';
import { spawnLogged, stopChild, waitUntilReady, type LoggedChild } from './child-process.ts';
import { renderTlsConfig } from './tls.ts';
import { ensureLocationStore, locationStoreFile } from './location-store.ts';
import { DEFAULT_SIP_LIMITS, parseTrunk, splitHostPort, trunkAddresses, trunkAddressFile, type SipLimits, type SipSettings } from './settings.ts';

export const KAMAILIO_BIN = process.env.KAMAILIO_BIN ?? '/usr/sbin/kamailio';
/**
 * How long a stop waits before SIGKILL. At SIGTERM usrloc writes every changed registration back, one committed
 * row at a time (measured on SQLite: ~10 ms a row on a loaded disk, 200 rows 1.8–2.2 s): a SIGKILL in the middle
 * loses them, and Kamailio's own children then outlive it holding the SIP port. 60 s is Kamailio's own limit
 * for its children to exit (ser_kill_timeout).
 */
export const KAMAILIO_STOP_GRACE_MS = 60_000;
export const TEMPLATE = join(ROOT, 'deploy/kamailio/kamailio.cfg');

export interface KamailioOptions {
  /** Switchboard's store: a SQLite file path (sqlite:...) or a postgres:// URL. */
  databaseUrl: string;
  /** Switchboard's routing endpoint, e.g. http://127.0.0.1:8080/sip/route. */
  routerUrl: string;
  settings: SipSettings;
  /** Credential table auth_db reads (default sip_subscribers; the benchmark swaps in a static table). */
  authTable?: string;
  bruteForce?: { limit: number; windowSeconds: number; blockSeconds: number };
  /** Routing lookups, flood limit, registrations flush (defaults: DEFAULT_SIP_LIMITS). */
  limits?: Partial<SipLimits>;
  /** Benchmark only: look routes up in the SIP worker itself (the old synchronous path). */
  routeSync?: boolean;
  children?: number;
  debug?: number;
  runDir?: string;
  /** The media library folder (hold music files `<track>.wav`) rtpengine plays from. */
  mediaDir?: string;
  /** Also echo Kamailio's log to this process's stderr. */
  echo?: boolean;
}

/**
 * Kamailio's db_url and database module for a Switchboard store URL, and where usrloc keeps registrations
 * (`locationUrl`; `locationFile` on SQLite: a file of its own beside the store, see location-store.ts).
 */
export function kamailioDb(databaseUrl: string): { url: string; module: string; locationUrl: string; locationFile?: string } {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const u = new URL(databaseUrl);
    const auth = u.username ? `${decodeURIComponent(u.username)}${u.password ? `:${decodeURIComponent(u.password)}` : ''}@` : '';
    const url = `postgres://${auth}${u.hostname}:${u.port || '5432'}${u.pathname}`;
    return { url, module: 'db_postgres.so', locationUrl: url };
  }
  const file = resolve(databaseUrl.replace(/^sqlite:(\/\/)?/, ''));
  const locationFile = locationStoreFile(file);
  // sqlite:// + the absolute path (three slashes in all); measured to work with db_sqlite 5.6.3.
  return { url: `sqlite://${file}`, module: 'db_sqlite.so', locationUrl: `sqlite://${locationFile}`, locationFile };
}

/** SQLite store: creates (or completes) the registrations file Kamailio's usrloc writes; nothing on PostgreSQL. */
export function prepareLocationStore(databaseUrl: string): void {
  const { locationFile } = kamailioDb(databaseUrl);
  if (locationFile) ensureLocationStore(locationFile);
}

const TRUNK_ADDRESS_FILE = 'trunk-addresses';
const TRUNK_AUTH_FILE = 'trunk-auth.cfg';

/**
 * The files the rendered config reads from its run directory: the carrier's addresses (permissions module
 * address file) and, when credentials towards the carrier are set, trunk-auth.cfg with them (mode 0600; the
 * main config never holds the password, so `sip config` can print it).
 */
export function writeRunFiles(runDir: string, settings: SipSettings): void {
  writeFileSync(join(runDir, TRUNK_ADDRESS_FILE), trunkAddressFile(trunkAddresses(settings)), { mode: 0o600 });
  const authFile = join(runDir, TRUNK_AUTH_FILE);
  const a = settings.trunkAuth;
  if (!a) {
    rmSync(authFile, { force: true });
    return;
  }
  for (const [k, v] of Object.entries(a)) {
    if (/["\\\r\n]/.test(v)) throw new Error(`SWITCHBOARD_SIP_TRUNK_${k.toUpperCase()} may not contain quotes, backslashes or line breaks`);
  }
  if (!a.username) throw new Error('SWITCHBOARD_SIP_TRUNK_USERNAME is empty');
  const text = ['#!define WITH_TRUNK_AUTH', `#!define TRUNK_AUTH_USER "${a.username}"`, `#!define TRUNK_AUTH_PASSWORD "${a.password}"`, `#!define TRUNK_AUTH_REALM "${a.realm}"`, ''].join('\n');
  writeFileSync(authFile, text, { mode: 0o600 });
}

export function renderConfig(template: string, o: KamailioOptions & { runDir: string; authSecret: string }): string {
  const db = kamailioDb(o.databaseUrl);
  const trunk = parseTrunk(o.settings.trunk);
  trunkAddresses(o.settings); // a bad carrier address list fails here, before Kamailio starts
  const [featureIp, featurePort] = splitHostPort(o.settings.voicemail);
  const lim: SipLimits = { ...DEFAULT_SIP_LIMITS, ...o.limits };
  const bf = o.bruteForce ?? { limit: lim.bfLimit, windowSeconds: lim.bfWindow, blockSeconds: lim.bfBlock };
  const values: Record<string, string> = {
    DEBUG: String(o.debug ?? 2),
    CHILDREN: String(o.children ?? 4),
    LISTEN: o.settings.listen,
    PORT: String(o.settings.port),
    TRUNK_IP: trunk.host,
    TRUNK_PORT: String(trunk.port),
    // carrier recognition and credentials: files beside the config (writeRunFiles), never in it
    TRUNK_ADDRESS_FILE: join(o.runDir, TRUNK_ADDRESS_FILE),
    TRUNK_AUTH_FILE: join(o.runDir, TRUNK_AUTH_FILE),
    VOICEMAIL: o.settings.voicemail,
    FEATURE_IP: featureIp,
    FEATURE_PORT: String(featurePort),
    NATPING: String(o.settings.natPing ?? 25),
    // SIP over TLS (docs/sip.md): tls.cfg beside kamailio.cfg (renderTlsConfig)
    WITH_TLS: o.settings.tls ? '#!define WITH_TLS' : '',
    TLS_PORT: String(o.settings.tls?.port ?? 0),
    TLS_CONFIG: join(o.runDir, 'tls.cfg'),
    WITH_RTPENGINE: o.settings.rtpengine ? '#!define WITH_RTPENGINE' : '',
    RTPENGINE_SOCK: o.settings.rtpengine ?? '',
    MEDIA_DIR: o.mediaDir ? resolve(o.mediaDir) : '/var/lib/switchboard/media',
    ROUTER_URL: o.routerUrl,
    // call history events (issue 15): beside the routing endpoint
    CALL_EVENT_URL: o.routerUrl.replace(/\/sip\/route$/, '/sip/call-event'),
    ROUTER_HEADERS: o.settings.secret ? `X-Switchboard-Sip-Secret: ${o.settings.secret}` : '',
    BF_LIMIT: String(bf.limit),
    BF_WINDOW: String(bf.windowSeconds),
    BF_BLOCK: String(bf.blockSeconds),
    ROUTE_TIMEOUT: String(lim.routeTimeout),
    ROUTE_TIMEOUT_MS: String(lim.routeTimeout * 1000),
    ROUTE_BREAKER: String(lim.routeBreaker),
    ROUTE_QUEUE: String(lim.routeQueue),
    ASYNC_WORKERS: String(lim.asyncWorkers),
    WITH_PIKE: lim.pikeDensity > 0 ? '#!define WITH_PIKE' : '',
    PIKE_DENSITY: String(lim.pikeDensity),
    UL_TIMER: String(lim.registrationFlush),
    // registrations written back (usrloc db_mode 2) to the store's `location` table (PostgreSQL) or to the
    // registrations file beside the SQLite store (see kamailio.cfg, location-store.ts, docs/sip.md)
    UL_DB_URL: db.locationUrl,
    ROUTE_SYNC: o.routeSync ? '#!define ROUTE_SYNC' : '',
    DB_MODULE: db.module,
    DB_URL: db.url,
    AUTH_TABLE: o.authTable ?? 'sip_subscribers',
    AUTH_SECRET: o.authSecret,
    RUNDIR: o.runDir,
  };
  for (const [k, v] of Object.entries(values)) {
    if (/["\r\n]/.test(v)) throw new Error(`Kamailio setting ${k} may not contain quotes or line breaks`);
  }
  const out = template.replace(/%%([A-Z_]+)%%/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`unknown placeholder %%${name}%% in the Kamailio template`);
    return v;
  });
  return out;
}

/** Sends SIP OPTIONS over UDP and resolves with the status code (or null on timeout). */
export function sipPing(host: string, port: number, timeoutMs = 500): Promise<number | null> {
  return new Promise((resolvePing) => {
    const sock = createSocket('udp4');
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const done = (v: number | null) => {
      clearTimeout(timer);
      sock.close();
      resolvePing(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on('message', (msg) => {
      const m = /^SIP\/2\.0 (\d{3})/.exec(msg.toString());
      if (m) done(Number(m[1]));
    });
    sock.on('error', () => done(null));
    // a loopback source for a loopback target (the tests); any address for another host (`switchboard doctor`)
    sock.bind(0, host.startsWith('127.') ? '127.0.0.1' : '0.0.0.0', () => {
      const { port: lport } = sock.address();
      const text = [
        `OPTIONS sip:${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:ping@switchboard>;tag=${randomBytes(4).toString('hex')}`,
        `To: <sip:${host}:${port}>`,
        `Call-ID: ${randomBytes(8).toString('hex')}@switchboard`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(text, port, host);
    });
  });
}

export class KamailioProcess {
  private proc?: LoggedChild;
  private logText = '';
  readonly cfgFile: string;
  readonly logFile: string;

  constructor(
    readonly options: KamailioOptions,
    readonly runDir: string,
    private readonly ownRunDir: boolean,
  ) {
    this.cfgFile = join(runDir, 'kamailio.cfg');
    this.logFile = join(runDir, 'kamailio.log');
  }

  /** binrpc control socket (kamcmd -s ...). */
  get ctlSocket(): string {
    return `unix:${this.runDir}/kamailio_ctl`;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  /** Everything Kamailio logged so far. */
  log(): string {
    return this.logText;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    if (!existsSync(KAMAILIO_BIN)) throw new Error(`Kamailio not found at ${KAMAILIO_BIN} (apt-get install kamailio ...; see docs/sip.md)`);
    prepareLocationStore(this.options.databaseUrl);
    const cfg = renderConfig(readFileSync(TEMPLATE, 'utf8'), { ...this.options, runDir: this.runDir, authSecret: randomBytes(16).toString('hex') });
    writeFileSync(this.cfgFile, cfg, { mode: 0o600 });
    if (this.options.settings.tls) writeFileSync(join(this.runDir, 'tls.cfg'), renderTlsConfig(this.options.settings.tls), { mode: 0o600 });
    writeRunFiles(this.runDir, this.options.settings);
    const args = ['-DD', '-E', '-f', this.cfgFile, '-P', join(this.runDir, 'kamailio.pid'), '-Y', this.runDir, '-m', '64', '-M', '8'];
    this.proc = spawnLogged(KAMAILIO_BIN, args, {
      cwd: this.runDir,
      logFile: this.logFile,
      onOutput: (chunk) => {
        this.logText = (this.logText + chunk.toString()).slice(-2_000_000);
        if (this.options.echo) process.stderr.write(chunk);
      },
    });
    const ready = await waitUntilReady(
      this.proc.exited,
      timeoutMs,
      async () => (await sipPing(this.options.settings.listen, this.options.settings.port, 300)) === 200,
      (code) => new Error(`kamailio exited with ${code} during start-up:\n${this.logText.slice(-4000)}`),
    );
    if (ready) return;
    await this.stop();
    throw new Error(`kamailio did not answer OPTIONS within ${timeoutMs} ms:\n${this.logText.slice(-4000)}`);
  }

  /**
   * Stops Kamailio (SIGTERM: usrloc flushes its registrations to the store) and starts it again with the same
   * configuration and run directory.
   */
  async restart(timeoutMs = 10_000): Promise<void> {
    await stopChild(this.proc, KAMAILIO_STOP_GRACE_MS);
    this.proc = undefined;
    await this.start(timeoutMs);
  }

  /** SIGTERM to the PID we started (kamailio -DD takes its children down with it), SIGKILL after 60 s. */
  async stop(): Promise<void> {
    await stopChild(this.proc, KAMAILIO_STOP_GRACE_MS);
    this.proc = undefined;
    if (this.ownRunDir && !process.env.SWITCHBOARD_KEEP_SIP_RUNDIR) rmSync(this.runDir, { recursive: true, force: true });
  }
}

/** Renders the config into a fresh (or the given) run directory and starts Kamailio. */
export async function startKamailio(options: KamailioOptions): Promise<KamailioProcess> {
  const own = !options.runDir;
  const runDir = options.runDir ?? mkdtempSync(join(tmpdir(), 'sb-kamailio-'));
  const k = new KamailioProcess(options, runDir, own);
  await k.start();
  return k;
}
