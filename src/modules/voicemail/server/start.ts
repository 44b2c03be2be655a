/**
 * The voicemail service as one unit: the media server (SIP + RTP) on the store, the email delivery and
 * retention jobs, and the message-waiting notifier. `switchboard sip start` runs it next to Kamailio;
 * `switchboard voicemail start` runs it alone (another host: set SWITCHBOARD_SIP_VOICEMAIL to its address on
 * both sides and SWITCHBOARD_VOICEMAIL_ALLOW to Kamailio's).
 */
import type { Deps } from '../../../shared/deps.ts';
import type { Mailer } from '../../auth/mailer.ts';
import { kamailioNotify } from '../../sip/notifier.ts';
import type { VoicemailAudioStore } from '../audio-store.ts';
import { startVoicemailJobs } from '../jobs.ts';
import { startMwi } from '../mwi.ts';
import { voicemailBackend } from '../service.ts';
import { Prompts } from './prompts.ts';
import type { VoicemailSettings } from './settings.ts';
import { startVoicemailServer, type VoicemailServer } from './sip-server.ts';
import { kamailioLineState, startCallbackDialer, type CallbackDialer } from '../../callbacks/dialer.ts';
import { callbackBackend } from '../../callbacks/service.ts';

export interface VoicemailService {
  server: VoicemailServer;
  /** Callback on busy: rings callers back once the busy extension is free (null when turned off). */
  dialer: CallbackDialer | null;
  /** Attach (or detach) the running Kamailio's control socket for unsolicited MWI NOTIFYs. */
  attachKamailio(ctlSocket: string | null): void;
  stop(): Promise<void>;
}

export async function startVoicemailService(o: {
  deps: Deps;
  audioStore: VoicemailAudioStore;
  mailer: Mailer;
  settings: VoicemailSettings;
  prompts?: Prompts;
  /** Run the email and retention jobs here (default true; one process per deployment should). */
  jobs?: boolean;
  deliveryIntervalMs?: number;
  /** Callback on busy (the offer and the dialer); false turns it off. Times in ms / s; defaults in docs/voicemail.md. */
  callbacks?: { pollMs?: number; retrySeconds?: number; ringMs?: number; expiryMinutes?: number } | false;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}): Promise<VoicemailService> {
  const log = o.log ?? (() => {});
  const prompts = o.prompts ?? Prompts.fromEnv();
  const missing = prompts.missing();
  if (missing.length) {
    throw new Error(
      `voicemail prompts missing in ${prompts.dir}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' …' : ''} — install Debian's asterisk-core-sounds-en-wav, set SWITCHBOARD_VOICEMAIL_PROMPTS, or start with --no-voicemail`,
    );
  }
  prompts.preload();
  const backend = voicemailBackend(o.deps, o.audioStore);
  const s = o.settings;
  const cbBackend = o.callbacks === false ? undefined : callbackBackend(o.deps, { expiryMinutes: o.callbacks?.expiryMinutes });
  const server = await startVoicemailServer({
    callbacks: cbBackend,
    proxy: s.proxy,
    address: s.address,
    port: s.port,
    allow: s.allow,
    rtpAddress: s.rtpAddress,
    rtpPorts: s.rtpPorts,
    backend,
    prompts,
    limits: { maxMs: s.maxMs, silenceMs: s.silenceMs },
    log,
  });
  const stopJobs =
    o.jobs === false
      ? async () => {}
      : startVoicemailJobs(o.deps, { mailer: o.mailer, audioStore: o.audioStore, deliveryIntervalMs: o.deliveryIntervalMs, log: (m, err) => log(m, err ? { err: String(err) } : undefined) });
  const lines = kamailioLineState();
  const dialer =
    cbBackend && o.callbacks !== false
      ? startCallbackDialer({ backend: cbBackend, lines, originator: server, intervalMs: o.callbacks?.pollMs ?? s.callbackPollMs, retrySeconds: o.callbacks?.retrySeconds, ringMs: o.callbacks?.ringMs, log })
      : null;
  let notify: ReturnType<typeof kamailioNotify> | null = null;
  const stopMwi = startMwi({
    events: o.deps.events,
    conn: o.deps.database.db,
    summary: (a, u) => backend.summary(a, u),
    subscribed: (a, u, sum) => server.notifyMailbox(a, u, sum),
    send: async (target, body) =>
      notify ? notify(target, { fromUser: 'voicemail', event: 'message-summary', contentType: 'application/simple-message-summary', body }) : 'recorded',
    onError: (err) => log('voicemail: MWI NOTIFY failed', { err: String(err) }),
  });
  return {
    server,
    dialer,
    attachKamailio(ctl) {
      notify = ctl ? kamailioNotify(ctl) : null;
      lines.attach(ctl);
    },
    async stop() {
      stopMwi();
      await dialer?.stop();
      await server.stop();
      await stopJobs();
    },
  };
}
