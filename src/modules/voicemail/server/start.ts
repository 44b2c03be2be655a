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

export interface VoicemailService {
  server: VoicemailServer;
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
  const server = await startVoicemailServer({
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
    attachKamailio(ctl) {
      notify = ctl ? kamailioNotify(ctl) : null;
    },
    async stop() {
      stopMwi();
      await server.stop();
      await stopJobs();
    },
  };
}
