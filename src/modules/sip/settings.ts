import { isIP } from 'node:net';

/**
 * SIP deployment settings (environment), shared by the routing endpoint and the Kamailio process manager.
 *   SWITCHBOARD_SIP_LISTEN   address Kamailio listens on (default 127.0.0.1)
 *   SWITCHBOARD_SIP_PORT     UDP+TCP port (default 5070)
 *   SWITCHBOARD_SIP_TRUNK    host:port[;transport=udp|tcp] of the carrier / PSTN gateway (default 127.0.0.1:5090):
 *                            external numbers are sent to it (docs/sip.md "Carrier trunk")
 *   SWITCHBOARD_SIP_TRUNK_ADDRESSES  comma-separated addresses / CIDRs the carrier sends from (any port, UDP or
 *                            TCP; `addr:port` or `[v6]:port` for one port): INVITEs from them are inbound DDI calls,
 *                            not authenticated. Default: the trunk host (with its port when it is a loopback address)
 *   SWITCHBOARD_SIP_TRUNK_USERNAME / _PASSWORD / _REALM  digest credentials Kamailio answers the carrier's 401/407
 *                            with (uac_auth); realm empty = whatever realm the carrier challenges with.
 *                            The password is never logged nor shown by `sip config` (docs/sip.md)
 *   SWITCHBOARD_SIP_VOICEMAIL host:port of the voicemail / feature server (default 127.0.0.1:5095)
 *   SWITCHBOARD_SIP_SECRET   shared secret Kamailio sends to the routing endpoint (X-Switchboard-Sip-Secret)
 *   SWITCHBOARD_NATPING      seconds between keep-alive OPTIONS to phones behind NAT (default 25)
 *   SWITCHBOARD_RTPENGINE    media relay: `off`, `start` (default when /usr/bin/rtpengine exists: `sip start` runs one)
 *                            or the control socket of one running elsewhere (udp:10.0.0.9:22222)
 *   SWITCHBOARD_RTP_INTERFACE rtpengine's interface: an address, or private!public for a host behind 1:1 NAT
 *                            (default: SWITCHBOARD_SIP_LISTEN)
 *   SWITCHBOARD_RTP_PORTS    relay port range (default 30000-39999)
 *   SWITCHBOARD_SIP_TLS_PORT SIP over TLS port (default 5061; `off`: no TLS listener)
 *   SWITCHBOARD_SIP_TLS_CERT / SWITCHBOARD_SIP_TLS_KEY  PEM certificate (chain) and private key Kamailio presents on
 *                            the TLS port; both or neither (neither: `sip start` makes a self-signed pair once, docs/sip.md)
 * Limits (sipLimitsFromEnv; CLI flags of `switchboard sip start` override them; docs/sip.md):
 *   SWITCHBOARD_SIP_ROUTE_TIMEOUT   seconds one routing lookup may take (default 2)
 *   SWITCHBOARD_SIP_ROUTE_BREAKER   seconds calls get 503 at once after a failed lookup (default 3)
 *   SWITCHBOARD_SIP_ROUTE_QUEUE     lookups that may wait for an async worker (default 8; at most 9)
 *   SWITCHBOARD_SIP_ASYNC_WORKERS   Kamailio async workers doing lookups (default 4)
 *   SWITCHBOARD_SIP_PIKE            requests per 2 s one address may send (default 200; 0 = no flood limit; at most 65000)
 *   SWITCHBOARD_SIP_REG_FLUSH       seconds between flushes of registrations to the store (default 10)
 *   SWITCHBOARD_SIP_BF_LIMIT / _BF_WINDOW / _BF_BLOCK  brute force: failures per address within the window (s)
 *                                   that block it for the block time (s) (default 5 / 300 / 900)
 */
export interface SipSettings {
  listen: string;
  port: number;
  trunk: string;
  voicemail: string;
  secret?: string;
  /** Keep-alive interval for NAT'd bindings, seconds. */
  natPing?: number;
  /** rtpengine's ng control socket (udp:host:port) when media is relayed; null/undefined: no relay. */
  rtpengine?: string | null;
  /** Addresses / CIDRs (optionally :port) inbound carrier calls come from; default: the trunk host (trunkAddresses()). */
  trunkAddresses?: string[];
  /** Digest credentials towards the carrier (answers its 401/407 challenges); none: challenges are passed on. */
  trunkAuth?: TrunkAuth;
  /** SIP over TLS: the port and the PEM certificate + key files; undefined: no TLS listener. */
  tls?: SipTlsSettings;
}

export interface SipTlsSettings {
  port: number;
  certFile: string;
  keyFile: string;
}

/**
 * The TLS listener from the environment: null when SWITCHBOARD_SIP_TLS_PORT=off; cert/key undefined when neither
 * is set (the caller makes a self-signed pair, see tls.ts). One without the other is an error naming both.
 */
export function sipTlsFromEnv(env: NodeJS.ProcessEnv = process.env): { port: number; certFile?: string; keyFile?: string } | null {
  const raw = env.SWITCHBOARD_SIP_TLS_PORT ?? '5061';
  if (raw === 'off') return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`SWITCHBOARD_SIP_TLS_PORT must be a port number (1-65535) or off, got ${raw}`);
  const certFile = env.SWITCHBOARD_SIP_TLS_CERT || undefined;
  const keyFile = env.SWITCHBOARD_SIP_TLS_KEY || undefined;
  if (!!certFile !== !!keyFile) throw new Error('SWITCHBOARD_SIP_TLS_CERT and SWITCHBOARD_SIP_TLS_KEY must be set together (or neither: a self-signed pair is made)');
  return { port, certFile, keyFile };
}

export interface TrunkAuth {
  username: string;
  password: string;
  /** The realm to answer; '' = any realm the carrier challenges with. */
  realm: string;
}

/** One carrier address entry: an IP (v4/v6) with a prefix length (32/128 for one host) and a port (0 = any). */
export interface TrunkAddress {
  ip: string;
  mask: number;
  port: number;
}

/** The trunk setting: host, port and transport (`host:port;transport=tcp`). */
export function parseTrunk(trunk: string): { host: string; port: number; transport: 'udp' | 'tcp' } {
  const m = /^([^;]+?)(?:;transport=(udp|tcp))?$/i.exec(trunk.trim());
  if (!m) throw new Error(`SWITCHBOARD_SIP_TRUNK must be host:port or host:port;transport=udp|tcp, got ${trunk}`);
  const [host, port] = splitHostPort(m[1]!);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`SWITCHBOARD_SIP_TRUNK must be host:port, got ${trunk}`);
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port, transport: (m[2]?.toLowerCase() as 'udp' | 'tcp' | undefined) ?? 'udp' };
}

/** Parses one carrier address entry: 203.0.113.5, 203.0.113.0/24, 203.0.113.5:5060, 2001:db8::/32, [2001:db8::1]:5060. */
export function parseTrunkAddress(entry: string): TrunkAddress {
  const e = entry.trim();
  const bad = () => new Error(`SWITCHBOARD_SIP_TRUNK_ADDRESSES: '${entry}' is not an IP address, CIDR or address:port`);
  let ip = e;
  let port = 0;
  let mask: number | null = null;
  const v6port = /^\[([^\]]+)\]:([0-9]+)$/.exec(e);
  const v4port = /^([0-9.]+):([0-9]+)$/.exec(e);
  const cidr = /^([^/]+)\/([0-9]{1,3})$/.exec(e);
  if (v6port) [ip, port] = [v6port[1]!, Number(v6port[2])];
  else if (v4port) [ip, port] = [v4port[1]!, Number(v4port[2])];
  else if (cidr) [ip, mask] = [cidr[1]!, Number(cidr[2])];
  const family = isIP(ip);
  if (family === 0 || port > 65535) throw bad();
  const max = family === 4 ? 32 : 128;
  if (mask !== null && (mask < 1 || mask > max)) throw bad();
  return { ip, mask: mask ?? max, port };
}

function isLoopbackIp(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip);
}

/**
 * The carrier's addresses Kamailio recognises inbound calls by (any port unless an entry names one). Default:
 * the trunk host, any port; a loopback trunk host (a test gateway sharing 127.0.0.1 with phones) keeps its port.
 * A trunk named by host name needs the list: Kamailio matches the source address, not a name.
 */
export function trunkAddresses(s: Pick<SipSettings, 'trunk' | 'trunkAddresses'>): TrunkAddress[] {
  if (s.trunkAddresses && s.trunkAddresses.length > 0) return s.trunkAddresses.map(parseTrunkAddress);
  const t = parseTrunk(s.trunk);
  const family = isIP(t.host);
  if (family === 0) throw new Error(`SWITCHBOARD_SIP_TRUNK names a host (${t.host}): set SWITCHBOARD_SIP_TRUNK_ADDRESSES to the addresses the carrier sends from`);
  return [{ ip: t.host, mask: family === 4 ? 32 : 128, port: isLoopbackIp(t.host) ? t.port : 0 }];
}

/** The permissions module's address file: `<group> <ip> <mask> <port>` per line (group 1 = the carrier). */
export function trunkAddressFile(addresses: TrunkAddress[]): string {
  return ['# carrier addresses (SWITCHBOARD_SIP_TRUNK_ADDRESSES), written by switchboard sip start', ...addresses.map((a) => `1 ${a.ip} ${a.mask} ${a.port}`), ''].join('\n');
}

export interface SipLimits {
  routeTimeout: number;
  routeBreaker: number;
  routeQueue: number;
  asyncWorkers: number;
  pikeDensity: number;
  registrationFlush: number;
  bfLimit: number;
  bfWindow: number;
  bfBlock: number;
}

export const DEFAULT_SIP_LIMITS: SipLimits = { routeTimeout: 2, routeBreaker: 3, routeQueue: 8, asyncWorkers: 4, pikeDensity: 200, registrationFlush: 10, bfLimit: 5, bfWindow: 300, bfBlock: 900 };

/**
 * Bounds of each limit. The async queue is a datagram socket pair whose kernel queue holds ~10 entries
 * (net.unix.max_dgram_qlen): beyond that a SIP worker would block pushing a lookup, so at most 9 may wait.
 */
const LIMIT_RANGES: Record<keyof SipLimits, [number, number, string]> = {
  routeTimeout: [1, 30, 'SWITCHBOARD_SIP_ROUTE_TIMEOUT'],
  routeBreaker: [1, 300, 'SWITCHBOARD_SIP_ROUTE_BREAKER'],
  routeQueue: [0, 9, 'SWITCHBOARD_SIP_ROUTE_QUEUE'],
  asyncWorkers: [1, 64, 'SWITCHBOARD_SIP_ASYNC_WORKERS'],
  // pike keeps its hit counters and this limit in 16 bits (Kamailio 5.6 ip_tree.h): 100,000 became 34,464, and a
  // counter stops at 65,534, so a higher limit could never be reached
  pikeDensity: [0, 65_000, 'SWITCHBOARD_SIP_PIKE'],
  registrationFlush: [1, 600, 'SWITCHBOARD_SIP_REG_FLUSH'],
  bfLimit: [1, 1000, 'SWITCHBOARD_SIP_BF_LIMIT'],
  bfWindow: [1, 86_400, 'SWITCHBOARD_SIP_BF_WINDOW'],
  bfBlock: [1, 604_800, 'SWITCHBOARD_SIP_BF_BLOCK'],
};

/** Checks each limit is a whole number in its range; the error names the setting. */
export function checkSipLimits(l: Partial<Record<keyof SipLimits, unknown>>): SipLimits {
  const out = { ...DEFAULT_SIP_LIMITS };
  for (const key of Object.keys(LIMIT_RANGES) as Array<keyof SipLimits>) {
    const v = l[key];
    if (v === undefined || v === '') continue;
    const n = typeof v === 'number' ? v : Number(v);
    const [min, max, name] = LIMIT_RANGES[key];
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} (${key}) must be a whole number from ${min} to ${max}, got ${String(v)}`);
    out[key] = n;
  }
  return out;
}

export function sipLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): SipLimits {
  const from = (key: keyof SipLimits) => env[LIMIT_RANGES[key][2]];
  return checkSipLimits({
    routeTimeout: from('routeTimeout'),
    routeBreaker: from('routeBreaker'),
    routeQueue: from('routeQueue'),
    asyncWorkers: from('asyncWorkers'),
    pikeDensity: from('pikeDensity'),
    registrationFlush: from('registrationFlush'),
    bfLimit: from('bfLimit'),
    bfWindow: from('bfWindow'),
    bfBlock: from('bfBlock'),
  });
}

export interface RtpengineSettings {
  /** 'start': `sip start` runs rtpengine; 'external': one runs at `socket`; 'off': no media relay. */
  mode: 'start' | 'external' | 'off';
  socket: string;
  interface: string;
  ports: [number, number];
  /** Call recording: rtpengine's spool folder (--recording-dir, pcap method); unset: no recording. */
  recordingDir?: string;
}

export function rtpengineSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, hasBinary = true): RtpengineSettings {
  const v = env.SWITCHBOARD_RTPENGINE ?? (hasBinary ? 'start' : 'off');
  const range = (env.SWITCHBOARD_RTP_PORTS ?? '30000-39999').split('-').map(Number);
  if (range.length !== 2 || !range.every((n) => Number.isInteger(n) && n > 1024 && n < 65536) || range[0]! >= range[1]!) throw new Error('SWITCHBOARD_RTP_PORTS must be a range like 30000-39999');
  const iface = env.SWITCHBOARD_RTP_INTERFACE ?? env.SWITCHBOARD_SIP_LISTEN ?? '127.0.0.1';
  if (v === 'off') return { mode: 'off', socket: '', interface: iface, ports: [range[0]!, range[1]!] };
  if (v === 'start') return { mode: 'start', socket: `udp:127.0.0.1:${env.SWITCHBOARD_RTPENGINE_NG_PORT ?? '22222'}`, interface: iface, ports: [range[0]!, range[1]!] };
  if (!/^udp6?:[^\s"]+:\d+$/.test(v)) throw new Error('SWITCHBOARD_RTPENGINE must be off, start or udp:host:port');
  return { mode: 'external', socket: v, interface: iface, ports: [range[0]!, range[1]!] };
}

export function sipSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SipSettings {
  return {
    listen: env.SWITCHBOARD_SIP_LISTEN ?? '127.0.0.1',
    port: Number(env.SWITCHBOARD_SIP_PORT ?? 5070),
    trunk: env.SWITCHBOARD_SIP_TRUNK ?? '127.0.0.1:5090',
    voicemail: env.SWITCHBOARD_SIP_VOICEMAIL ?? '127.0.0.1:5095',
    secret: env.SWITCHBOARD_SIP_SECRET || undefined,
    natPing: env.SWITCHBOARD_NATPING ? Number(env.SWITCHBOARD_NATPING) : undefined,
    trunkAddresses: env.SWITCHBOARD_SIP_TRUNK_ADDRESSES ? env.SWITCHBOARD_SIP_TRUNK_ADDRESSES.split(',').map((a) => a.trim()).filter(Boolean) : undefined,
    trunkAuth: env.SWITCHBOARD_SIP_TRUNK_USERNAME
      ? { username: env.SWITCHBOARD_SIP_TRUNK_USERNAME, password: env.SWITCHBOARD_SIP_TRUNK_PASSWORD ?? '', realm: env.SWITCHBOARD_SIP_TRUNK_REALM ?? '' }
      : undefined,
  };
}

/** host:port → [host, port]; the port defaults to 5060; a `;transport=` suffix is ignored. */
export function splitHostPort(hp: string): [string, number] {
  const m = /^(.*?)(?::([0-9]+))?$/.exec(hp.replace(/;.*$/, ''))!;
  return [m[1]!, Number(m[2] ?? 5060)];
}
