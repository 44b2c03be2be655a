/**
 * SIP deployment settings (environment), shared by the routing endpoint and the Kamailio process manager.
 *   SWITCHBOARD_SIP_LISTEN   address Kamailio listens on (default 127.0.0.1)
 *   SWITCHBOARD_SIP_PORT     UDP+TCP port (default 5070)
 *   SWITCHBOARD_SIP_TRUNK    host:port of the carrier / PSTN gateway (default 127.0.0.1:5090); INVITEs from
 *                            this address are inbound DDI calls, external numbers are sent to it
 *   SWITCHBOARD_SIP_VOICEMAIL host:port of the voicemail / feature server (default 127.0.0.1:5095)
 *   SWITCHBOARD_SIP_SECRET   shared secret Kamailio sends to the routing endpoint (X-Switchboard-Sip-Secret)
 *   SWITCHBOARD_NATPING      seconds between keep-alive OPTIONS to phones behind NAT (default 25)
 *   SWITCHBOARD_RTPENGINE    media relay: `off`, `start` (default when /usr/bin/rtpengine exists: `sip start` runs one)
 *                            or the control socket of one running elsewhere (udp:10.0.0.9:22222)
 *   SWITCHBOARD_RTP_INTERFACE rtpengine's interface: an address, or private!public for a host behind 1:1 NAT
 *                            (default: SWITCHBOARD_SIP_LISTEN)
 *   SWITCHBOARD_RTP_PORTS    relay port range (default 30000-39999)
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
  };
}

/** host:port → [host, port]; the port defaults to 5060. */
export function splitHostPort(hp: string): [string, number] {
  const m = /^(.*?)(?::([0-9]+))?$/.exec(hp)!;
  return [m[1]!, Number(m[2] ?? 5060)];
}
