/**
 * `switchboard sip start`: Switchboard's HTTP server (routing endpoint) + Kamailio against the same store,
 * for development. `switchboard sip config`: print the rendered Kamailio configuration.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { startServer } from '../../server.ts';
import { ROUTE_PATH } from '../routing/routes.ts';
import { prepareLocationStore, renderConfig, startKamailio, TEMPLATE } from './kamailio.ts';
import { checkSipLimits, rtpengineSettingsFromEnv, sipLimitsFromEnv, sipSettingsFromEnv, sipTlsFromEnv, type SipLimits } from './settings.ts';
import { ensureSelfSignedCert, SELF_SIGNED_CERT, SELF_SIGNED_KEY, TLS_MODULE } from './tls.ts';
import { RTPENGINE_BIN, startRtpengine, type RtpengineProcess } from './rtpengine.ts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKamailioNotifier, lateBoundNotifier, sipTargetResolver } from './notifier.ts';
import { bindingCleanup, kamailioBindingRemover } from './bindings.ts';
import { mailerFromEnv } from '../auth/mailer.ts';
import { migrate, openDatabase } from '../../db/database.ts';
import { buildApp } from '../../app.ts';
import { fsAudioStore } from '../voicemail/audio-store.ts';
import { startVoicemailService, type VoicemailService } from '../voicemail/server/start.ts';
import { voicemailSettingsFromEnv } from '../voicemail/server/settings.ts';
import { recordingImporter, type RecordingImporter } from '../recordings/spool.ts';
import { recordingRetention, type RecordingRetention } from '../recordings/retention.ts';

export function sipCommands(program: Command): void {
  const sip = program.command('sip').description('the SIP server (Kamailio) that registers phones and routes calls');
  sip
    .command('start')
    .description('start Switchboard (API + routing endpoint), the voicemail service and Kamailio on the same store; Ctrl-C stops them')
    .option('-p, --port <port>', 'HTTP port of Switchboard (default $PORT or 8080)')
    .option('--router-url <url>', 'use an already running Switchboard at this routing URL instead of starting one')
    .option('--no-voicemail', 'do not start the voicemail service here (it runs elsewhere: `switchboard voicemail start`)')
    .option('--verbose', "echo Kamailio's log")
    .option('--route-timeout <s>', 'seconds one routing lookup may take before the call gets 503 (SWITCHBOARD_SIP_ROUTE_TIMEOUT, default 2)')
    .option('--route-breaker <s>', 'seconds new calls get 503 at once after a failed lookup (SWITCHBOARD_SIP_ROUTE_BREAKER, default 3)')
    .option('--route-queue <n>', 'lookups that may wait for a free async worker, 0-9 (SWITCHBOARD_SIP_ROUTE_QUEUE, default 8)')
    .option('--async-workers <n>', 'Kamailio async workers for routing lookups (SWITCHBOARD_SIP_ASYNC_WORKERS, default 4)')
    .option('--pike <n>', 'requests per 2 s one address may send, 0 = no flood limit (SWITCHBOARD_SIP_PIKE, default 200)')
    .option('--reg-flush <s>', 'seconds between flushes of registrations to the store (SWITCHBOARD_SIP_REG_FLUSH, default 10)')
    .option('--bf-limit <n>', 'failed authentications from one address that block it (SWITCHBOARD_SIP_BF_LIMIT, default 5)')
    .option('--bf-window <s>', 'seconds over which failures are counted (SWITCHBOARD_SIP_BF_WINDOW, default 300)')
    .option('--bf-block <s>', 'seconds an address stays blocked (SWITCHBOARD_SIP_BF_BLOCK, default 900)')
    .action(async (o: { port?: string; routerUrl?: string; verbose?: boolean; voicemail: boolean; routeTimeout?: string; routeBreaker?: string; routeQueue?: string; asyncWorkers?: string; pike?: string; regFlush?: string; bfLimit?: string; bfWindow?: string; bfBlock?: string }) => {
      // limits: environment, then flags (a bad value names the setting and stops here, before anything starts)
      const limits: SipLimits = checkSipLimits({
        ...sipLimitsFromEnv(),
        ...(o.routeTimeout !== undefined && { routeTimeout: o.routeTimeout }),
        ...(o.routeBreaker !== undefined && { routeBreaker: o.routeBreaker }),
        ...(o.routeQueue !== undefined && { routeQueue: o.routeQueue }),
        ...(o.asyncWorkers !== undefined && { asyncWorkers: o.asyncWorkers }),
        ...(o.pike !== undefined && { pikeDensity: o.pike }),
        ...(o.regFlush !== undefined && { registrationFlush: o.regFlush }),
        ...(o.bfLimit !== undefined && { bfLimit: o.bfLimit }),
        ...(o.bfWindow !== undefined && { bfWindow: o.bfWindow }),
        ...(o.bfBlock !== undefined && { bfBlock: o.bfBlock }),
      });
      const config = loadConfig();
      if (o.port) config.port = Number(o.port);
      if (program.opts().database) config.databaseUrl = program.opts().database;
      // Kamailio and the routing endpoint share a secret; a fresh one per run unless the operator set one.
      if (!o.routerUrl && !process.env.SWITCHBOARD_SIP_SECRET) process.env.SWITCHBOARD_SIP_SECRET = randomBytes(18).toString('base64url');
      const settings = sipSettingsFromEnv();
      // SIP over TLS: the configured certificate, else a self-signed pair made once in the data folder
      let tlsEnv = sipTlsFromEnv();
      if (tlsEnv && !existsSync(TLS_MODULE)) {
        // asked for explicitly: an error; the default port: said and skipped
        if (process.env.SWITCHBOARD_SIP_TLS_PORT) throw new Error(`SWITCHBOARD_SIP_TLS_PORT is set but Kamailio's tls module is missing (${TLS_MODULE}: apt-get install kamailio-tls-modules)`);
        console.warn(`SIP over TLS: off (${TLS_MODULE} missing: apt-get install kamailio-tls-modules)`);
        tlsEnv = null;
      }
      if (tlsEnv?.certFile && tlsEnv.keyFile) settings.tls = { port: tlsEnv.port, certFile: tlsEnv.certFile, keyFile: tlsEnv.keyFile };
      else if (tlsEnv) {
        const pair = await ensureSelfSignedCert(config.sipTlsDir, settings.listen);
        if (pair.created) console.log(`SIP TLS: made a self-signed certificate for ${settings.listen} in ${config.sipTlsDir} (set SWITCHBOARD_SIP_TLS_CERT/_KEY for a real one)`);
        settings.tls = { port: tlsEnv.port, certFile: pair.certFile, keyFile: pair.keyFile };
      }
      // Handset resync requests (devices module) become SIP NOTIFY check-sync once Kamailio is up.
      const notifier = lateBoundNotifier();
      const server = o.routerUrl ? null : await startServer(config, { deviceNotifier: notifier });
      const routerUrl = o.routerUrl ?? `http://127.0.0.1:${config.port}${ROUTE_PATH}`;
      let kamailio;
      let voicemail: VoicemailService | null = null;
      let rtpengine: RtpengineProcess | null = null;
      const rtpSettings = rtpengineSettingsFromEnv(process.env, existsSync(RTPENGINE_BIN));
      const rtpDir = mkdtempSync(join(tmpdir(), 'sb-rtpengine-'));
      // call recording: rtpengine's pcap spool inside the recordings folder (or where an external one writes it)
      const spoolDir = rtpSettings.mode === 'start' ? join(config.recordingsDir, 'spool') : process.env.SWITCHBOARD_RECORDING_SPOOL;
      if (rtpSettings.mode === 'start') rtpSettings.recordingDir = spoolDir;
      let importer: RecordingImporter | null = null;
      let retention: RecordingRetention | null = null;
      try {
        // media relay for phones behind NAT and for carrier calls (docs/media.md)
        if (rtpSettings.mode === 'start') rtpengine = await startRtpengine(rtpSettings, rtpDir);
        if (rtpSettings.mode !== 'off') settings.rtpengine = rtpSettings.socket;
        // voicemail (deposit, 777, MWI, email, retention) on the store this process serves
        if (server && o.voicemail) {
          voicemail = await startVoicemailService({
            deps: server.deps,
            audioStore: server.audioStore,
            mailer: mailerFromEnv(),
            settings: voicemailSettingsFromEnv(),
            log: (msg, extra) => server.app.log.info(extra ?? {}, msg),
          });
        }
        if (server && spoolDir) {
          const log = (msg: string, err?: unknown) => server.app.log.warn({ err }, `call recording: ${msg}`);
          importer = recordingImporter(server.deps, { store: server.recordingStore, spoolDir, log });
          retention = recordingRetention(server.deps, { store: server.recordingStore, log });
          importer.start();
          retention.start();
        }
        kamailio = await startKamailio({ databaseUrl: config.databaseUrl, routerUrl, settings, limits, mediaDir: config.mediaDir, echo: !!o.verbose });
      } catch (err) {
        await voicemail?.stop();
        await importer?.stop();
        await retention?.stop();
        await rtpengine?.stop();
        await server?.stop();
        throw err;
      }
      voicemail?.attachKamailio(kamailio.ctlSocket);
      if (server) notifier.attach(createKamailioNotifier({ ctlSocket: kamailio.ctlSocket, resolve: sipTargetResolver(server.database.db) }));
      // GET /metrics: registrations and dialogs from this Kamailio
      server?.kamailioStats.attach(kamailio.ctlSocket);
      // a deleted or disabled user, a new SIP username or password: the old registrations go at once
      if (server) server.deps.events.subscribe(bindingCleanup(server.database.db, kamailioBindingRemover(kamailio.ctlSocket)), { remote: true });
      console.log(`Kamailio (pid ${kamailio.pid}) on udp/tcp ${settings.listen}:${settings.port}${settings.tls ? `, tls ${settings.listen}:${settings.tls.port}` : ''}; routing via ${routerUrl}`);
      console.log(`  config + log: ${kamailio.runDir}  trunk: ${settings.trunk}  voicemail: ${settings.voicemail}${voicemail ? ' (this process)' : ''}`);
      console.log(
        rtpSettings.mode === 'off'
          ? '  media relay: off (SWITCHBOARD_RTPENGINE=off or rtpengine not installed): phones behind NAT get no audio'
          : `  media relay: rtpengine ${rtpengine ? `(pid ${rtpengine.pid}) ` : ''}at ${rtpSettings.socket}, interface ${rtpSettings.interface}, ports ${rtpSettings.ports.join('-')}`,
      );
      const stop = async () => {
        notifier.attach(null);
        voicemail?.attachKamailio(null);
        await kamailio.stop();
        await voicemail?.stop();
        await rtpengine?.stop();
        // the last calls' recordings (rtpengine finishes them when it stops)
        await importer?.runOnce().catch(() => {});
        await importer?.stop();
        await retention?.stop();
        rmSync(rtpDir, { recursive: true, force: true });
        await server?.stop();
        process.exit(0);
      };
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop());
    });
  program
    .command('voicemail')
    .description('the voicemail service (SIP + RTP media server, email delivery, retention, message-waiting)')
    .command('start')
    .description('run the voicemail service alone (e.g. on its own host) against the store; Kamailio sends it calls at SWITCHBOARD_SIP_VOICEMAIL')
    .option('--kamailio-ctl <socket>', "Kamailio's control socket (unix:/run/kamailio/kamailio_ctl) for unsolicited MWI NOTIFYs")
    .action(async (o: { kamailioCtl?: string }) => {
      const config = loadConfig();
      if (program.opts().database) config.databaseUrl = program.opts().database;
      const database = openDatabase(config.databaseUrl);
      await migrate(database);
      // the app is built (not listened on) for its event subscribers: the audit log records PIN failures
      const { app, deps } = await buildApp({ database, logLevel: config.logLevel });
      const settings = voicemailSettingsFromEnv();
      const vm = await startVoicemailService({ deps, audioStore: fsAudioStore(config.voicemailDir), mailer: mailerFromEnv(), settings, log: (msg, extra) => app.log.info(extra ?? {}, msg) });
      if (o.kamailioCtl) vm.attachKamailio(o.kamailioCtl);
      console.log(`voicemail on udp ${settings.address}:${settings.port}, RTP ${settings.rtpAddress}:${settings.rtpPorts.join('-')}, accepting SIP from ${settings.allow.join(', ')}`);
      const stop = async () => {
        await vm.stop();
        await app.close();
        await database.close();
        process.exit(0);
      };
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop());
    });
  sip
    .command('config')
    .description('print the Kamailio configuration rendered for this store and the SIP settings')
    .option('--router-url <url>', 'routing URL', `http://127.0.0.1:8080${ROUTE_PATH}`)
    .option('--run-dir <dir>', 'directory for control sockets', '/run/kamailio')
    .action((o: { routerUrl: string; runDir: string }) => {
      const config = loadConfig();
      const databaseUrl = program.opts().database ?? config.databaseUrl;
      const settings = sipSettingsFromEnv();
      const tlsEnv = sipTlsFromEnv();
      if (tlsEnv) settings.tls = { port: tlsEnv.port, certFile: tlsEnv.certFile ?? join(config.sipTlsDir, SELF_SIGNED_CERT), keyFile: tlsEnv.keyFile ?? join(config.sipTlsDir, SELF_SIGNED_KEY) };
      // SQLite: the registrations file the printed configuration names must exist for Kamailio to start
      prepareLocationStore(databaseUrl);
      process.stdout.write(
        renderConfig(readFileSync(TEMPLATE, 'utf8'), { databaseUrl, routerUrl: o.routerUrl, settings, limits: sipLimitsFromEnv(), runDir: o.runDir, authSecret: randomBytes(16).toString('hex') }),
      );
    });
}
