/**
 * A real stack for SIP end-to-end tests: a fresh store (SQLite or PostgreSQL), Switchboard's HTTP server on
 * 127.0.0.1 (routing endpoint), and Kamailio on 127.0.0.1:5070 rendered from deploy/kamailio/kamailio.cfg
 * against that same store. Everything is stopped by PID in close().
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDefaultHoldMusic, fsMediaStore } from '../../src/modules/media/store.ts';
import { startRtpengine, type RtpengineProcess } from '../../src/modules/sip/rtpengine.ts';
import { startTestServer, type TestServer } from '../support/http.ts';
import type { StoreKind } from '../support/stores.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { createAccount } from '../../src/modules/accounts/service.ts';
import { addNumber } from '../../src/modules/numbers/service.ts';
import { createOffice } from '../../src/modules/offices/service.ts';
import { createUser } from '../../src/modules/users/service.ts';
import type { UserCreate } from '../../src/modules/users/schema.ts';
import { KAMAILIO_BIN, startKamailio, type KamailioProcess } from '../../src/modules/sip/kamailio.ts';
import type { SipLimits, SipSettings } from '../../src/modules/sip/settings.ts';
import { bindingCleanup, kamailioBindingRemover, lateBoundRemover } from '../../src/modules/sip/bindings.ts';
import { ROUTE_PATH } from '../../src/modules/routing/routes.ts';
import { createKamailioNotifier, lateBoundNotifier, sipTargetResolver } from '../../src/modules/sip/notifier.ts';
import type { Mailer } from '../../src/modules/auth/mailer.ts';
import { memoryAudioStore } from '../../src/modules/voicemail/audio-store.ts';
import { startVoicemailService, type VoicemailService } from '../../src/modules/voicemail/server/start.ts';
import { fsRecordingStore } from '../../src/modules/recordings/store.ts';
import { recordingImporter, type RecordingImporter } from '../../src/modules/recordings/spool.ts';
import { ensureSelfSignedCert } from '../../src/modules/sip/tls.ts';

export const SIP = { listen: '127.0.0.1', port: 5070, trunk: '127.0.0.1:5090', voicemail: '127.0.0.1:5095', secret: 'e2e-routing-secret' } satisfies SipSettings;
export const REALM = 'e2e.pbx.test';
/** Kamailio's SIP over TLS port in stacks started with `tls` (next to SIP.port). */
export const TLS_PORT = 5071;

/** Why the SIP suite cannot run here, or null. Under CI=true a missing Kamailio is an error, never a skip. */
export function kamailioMissing(): string | null {
  if (existsSync(KAMAILIO_BIN)) return null;
  const reason = `Kamailio not installed (${KAMAILIO_BIN})`;
  if (process.env.CI) throw new Error(`${reason}: required in CI (.ci/apt-packages)`);
  console.log(`# skipping SIP end-to-end tests: ${reason}`);
  return reason;
}

export interface Stack {
  server: TestServer;
  kamailio: KamailioProcess;
  officeId: string;
  /** Switchboard's voicemail service on SIP.voicemail, when started with `voicemail`. */
  voicemail: VoicemailService | null;
  /** The media library folder (hold music) this stack's rtpengine plays from. */
  mediaDir: string;
  /** With `rtpengine`: the importer of rtpengine's recordings (run it after a call ends) and the recordings folder. */
  recordings: { importer: RecordingImporter; dir: string; spoolDir: string } | null;
  /** With `tls`: Kamailio's TLS port and its (self-signed) certificate and key, PEM. */
  tls: { port: number; cert: string; key: string } | null;
  addUser(input: Partial<UserCreate> & { extension: string }): Promise<{ id: string; user: string; password: string; extension: string }>;
  close(): Promise<void>;
}

export async function startStack(
  kind: StoreKind,
  opts: {
    bruteForce?: { limit: number; windowSeconds: number; blockSeconds: number };
    voicemail?: { mailer: Mailer; silenceMs?: number; callbacks?: { pollMs?: number; retrySeconds?: number; ringMs?: number; expiryMinutes?: number } };
    rtpengine?: boolean;
    limits?: Partial<SipLimits>;
    /** Kamailio asks this URL instead of the routing endpoint's (e.g. a pausable proxy in front of it). */
    routerUrl?: (endpoint: string) => Promise<string>;
    /** Kamailio also listens for SIP over TLS on TLS_PORT, with a self-signed pair made as `sip start` makes it. */
    tls?: boolean;
    /** SIP settings over SIP (carrier trunk tests: trunk, its addresses, credentials). */
    sip?: Partial<SipSettings>;
  } = {},
): Promise<Stack> {
  // Device resync (devices API) → SIP NOTIFY check-sync through this Kamailio, attached once it runs.
  const notifier = lateBoundNotifier();
  const audioStore = memoryAudioStore();
  // hold music files live where rtpengine reads them
  const mediaDir = mkdtempSync(join(tmpdir(), 'sb-e2e-media-'));
  await ensureDefaultHoldMusic(mediaDir);
  // call recordings: rtpengine's pcap spool and the recordings folder, both inside the media temp folder
  const recordingStore = fsRecordingStore(join(mediaDir, 'recordings'));
  const sip: SipSettings = { ...SIP, ...opts.sip };
  const server = await startTestServer(kind, { sip, deviceNotifier: notifier, voicemail: { audioStore }, media: { store: fsMediaStore(mediaDir) }, recordings: { store: recordingStore } });
  // deleted / disabled users and new SIP passwords: their registrations are removed from Kamailio (ul.rm)
  const remover = lateBoundRemover();
  server.deps.events.subscribe(bindingCleanup(server.store.database.db, remover));
  let rtpengine: RtpengineProcess | null = null;
  let kamailio: KamailioProcess | undefined;
  let voicemail: VoicemailService | null = null;
  try {
    const d = server.deps;
    await createAccount(d, SYSTEM_ACTOR, { code: 'e2e', name: 'E2E', sipRealm: REALM, country: 'AU' });
    await addNumber(d, SYSTEM_ACTOR, 'e2e', { number: '02 9123 4500' });
    await addNumber(d, SYSTEM_ACTOR, 'e2e', { number: '02 9123 4502' });
    const office = await createOffice(d, SYSTEM_ACTOR, 'e2e', { name: 'Sydney', timezone: 'Australia/Sydney', areaCode: '02', defaultOutboundNumber: '+61291234500' });
    const databaseUrl = server.store.database.description.replace(/^sqlite:/, '');
    let settings: SipSettings = sip;
    if (opts.rtpengine) {
      rtpengine = await startRtpengine({ mode: 'start', socket: 'udp:127.0.0.1:22241', interface: '127.0.0.1', ports: [36000, 36999], recordingDir: join(mediaDir, 'spool') }, mediaDir);
      settings = { ...sip, rtpengine: 'udp:127.0.0.1:22241' };
    }
    let tls: Stack['tls'] = null;
    if (opts.tls) {
      const pair = await ensureSelfSignedCert(join(mediaDir, 'tls'), SIP.listen);
      settings = { ...settings, tls: { port: TLS_PORT, certFile: pair.certFile, keyFile: pair.keyFile } };
      tls = { port: TLS_PORT, cert: readFileSync(pair.certFile, 'utf8'), key: readFileSync(pair.keyFile, 'utf8') };
    }
    const endpoint = `${server.baseUrl}${ROUTE_PATH}`;
    const routerUrl = opts.routerUrl ? await opts.routerUrl(endpoint) : endpoint;
    kamailio = await startKamailio({ databaseUrl, routerUrl, settings, bruteForce: opts.bruteForce, limits: opts.limits, children: 4, mediaDir });
    const k = kamailio;
    remover.attach(kamailioBindingRemover(k.ctlSocket));
    notifier.attach(createKamailioNotifier({ ctlSocket: k.ctlSocket, resolve: sipTargetResolver(server.store.database.db) }));
    server.kamailioStats.attach(k.ctlSocket);
    if (opts.voicemail) {
      const [address, port] = SIP.voicemail.split(':') as [string, string];
      voicemail = await startVoicemailService({
        deps: d,
        audioStore,
        mailer: opts.voicemail.mailer,
        settings: { address, port: Number(port), allow: ['127.0.0.1'], rtpAddress: '127.0.0.1', rtpPorts: [41000, 41998], maxMs: 60_000, silenceMs: opts.voicemail.silenceMs ?? 3000, proxy: `${SIP.listen}:${SIP.port}` },
        deliveryIntervalMs: 200,
        callbacks: opts.voicemail.callbacks,
      });
      voicemail.attachKamailio(k.ctlSocket);
    }
    const vm = voicemail;
    const rtpe = rtpengine;
    return {
      server,
      kamailio: k,
      officeId: office.id,
      voicemail: vm,
      recordings: rtpe ? { importer: recordingImporter(d, { store: recordingStore, spoolDir: join(mediaDir, 'spool'), log: () => {} }), dir: recordingStore.dir, spoolDir: join(mediaDir, 'spool') } : null,
      async addUser(input) {
        const u = await createUser(d, SYSTEM_ACTOR, 'e2e', { firstName: `User ${input.extension}`, officeId: office.id, ...input });
        return { id: u.id, user: u.sipUsername, password: u.sipPassword, extension: u.extension };
      },
      mediaDir,
      tls,
      async close() {
        notifier.attach(null);
        remover.attach(null);
        await vm?.stop();
        await k.stop();
        await rtpe?.stop();
        rmSync(mediaDir, { recursive: true, force: true });
        await server.close();
      },
    };
  } catch (err) {
    await voicemail?.stop();
    await kamailio?.stop();
    await rtpengine?.stop();
    rmSync(mediaDir, { recursive: true, force: true });
    await server.close();
    throw err;
  }
}
