/**
 * Settings of the voicemail media server, from the environment:
 *   SWITCHBOARD_SIP_VOICEMAIL          host:port it listens on (UDP); the same value tells routing where it is (127.0.0.1:5095)
 *   SWITCHBOARD_VOICEMAIL_ALLOW        comma-separated addresses allowed to send it SIP (Kamailio's; default SWITCHBOARD_SIP_LISTEN or 127.0.0.1)
 *   SWITCHBOARD_VOICEMAIL_RTP_ADDRESS  address RTP binds to and announces in SDP (default: the listen host)
 *   SWITCHBOARD_VOICEMAIL_RTP_PORTS    RTP port range, even ports used (default 40000-40999: 500 calls)
 *   SWITCHBOARD_VOICEMAIL_MAX_SECONDS  longest message (default 180)
 *   SWITCHBOARD_VOICEMAIL_SILENCE_SECONDS  silence that ends a message (default 5)
 *   SWITCHBOARD_VOICEMAIL_PROMPTS      prompt folder (default Debian's asterisk-core-sounds-en-wav)
 *   SWITCHBOARD_SIP_LISTEN / _PORT     Kamailio, through which the server places calls (callback on busy; 127.0.0.1:5070)
 *   SWITCHBOARD_CALLBACK_POLL_SECONDS  how often the callback dialer looks at pending requests and line state (default 5)
 */
import { splitHostPort } from '../../sip/settings.ts';

export interface VoicemailSettings {
  address: string;
  port: number;
  allow: string[];
  rtpAddress: string;
  rtpPorts: [number, number];
  maxMs: number;
  silenceMs: number;
  /** Kamailio host:port (calls the server places go through it). */
  proxy?: string;
  callbackPollMs?: number;
}

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got ${JSON.stringify(v)})`);
  return n;
}

export function voicemailSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): VoicemailSettings {
  const [address, port] = splitHostPort(env.SWITCHBOARD_SIP_VOICEMAIL ?? '127.0.0.1:5095');
  const allow = (env.SWITCHBOARD_VOICEMAIL_ALLOW ?? env.SWITCHBOARD_SIP_LISTEN ?? '127.0.0.1').split(',').map((s) => s.trim()).filter(Boolean);
  const range = (env.SWITCHBOARD_VOICEMAIL_RTP_PORTS ?? '40000-40999').split('-').map(Number);
  if (range.length !== 2 || !range.every((n) => Number.isInteger(n) && n > 1024 && n < 65536) || range[0]! >= range[1]!) {
    throw new Error('SWITCHBOARD_VOICEMAIL_RTP_PORTS must be a range like 40000-40999');
  }
  return {
    address,
    port,
    allow,
    rtpAddress: env.SWITCHBOARD_VOICEMAIL_RTP_ADDRESS ?? address,
    rtpPorts: [range[0]!, range[1]!],
    maxMs: positive('SWITCHBOARD_VOICEMAIL_MAX_SECONDS', env.SWITCHBOARD_VOICEMAIL_MAX_SECONDS, 180) * 1000,
    silenceMs: positive('SWITCHBOARD_VOICEMAIL_SILENCE_SECONDS', env.SWITCHBOARD_VOICEMAIL_SILENCE_SECONDS, 5) * 1000,
    proxy: `${env.SWITCHBOARD_SIP_LISTEN ?? '127.0.0.1'}:${env.SWITCHBOARD_SIP_PORT ?? '5070'}`,
    callbackPollMs: positive('SWITCHBOARD_CALLBACK_POLL_SECONDS', env.SWITCHBOARD_CALLBACK_POLL_SECONDS, 5) * 1000,
  };
}
