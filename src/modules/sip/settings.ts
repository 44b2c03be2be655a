/**
 * SIP deployment settings (environment), shared by the routing endpoint and the Kamailio process manager.
 *   SWITCHBOARD_SIP_LISTEN   address Kamailio listens on (default 127.0.0.1)
 *   SWITCHBOARD_SIP_PORT     UDP+TCP port (default 5070)
 *   SWITCHBOARD_SIP_TRUNK    host:port of the carrier / PSTN gateway (default 127.0.0.1:5090); INVITEs from
 *                            this address are inbound DDI calls, external numbers are sent to it
 *   SWITCHBOARD_SIP_VOICEMAIL host:port of the voicemail / feature server (default 127.0.0.1:5095)
 *   SWITCHBOARD_SIP_SECRET   shared secret Kamailio sends to the routing endpoint (X-Switchboard-Sip-Secret)
 */
export interface SipSettings {
  listen: string;
  port: number;
  trunk: string;
  voicemail: string;
  secret?: string;
}

export function sipSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SipSettings {
  return {
    listen: env.SWITCHBOARD_SIP_LISTEN ?? '127.0.0.1',
    port: Number(env.SWITCHBOARD_SIP_PORT ?? 5070),
    trunk: env.SWITCHBOARD_SIP_TRUNK ?? '127.0.0.1:5090',
    voicemail: env.SWITCHBOARD_SIP_VOICEMAIL ?? '127.0.0.1:5095',
    secret: env.SWITCHBOARD_SIP_SECRET || undefined,
  };
}

/** host:port → [host, port]; the port defaults to 5060. */
export function splitHostPort(hp: string): [string, number] {
  const m = /^(.*?)(?::([0-9]+))?$/.exec(hp)!;
  return [m[1]!, Number(m[2] ?? 5060)];
}
