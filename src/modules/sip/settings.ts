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
