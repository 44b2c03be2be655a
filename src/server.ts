import { chmodSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import { migrate, openDatabase } from './db/database.ts';
import { buildApp, type AppOptions } from './app.ts';
import { countProviderKeys, createProviderKey } from './modules/auth/provider-keys.ts';
import { seedDemo } from './demo/seed.ts';
import { announceDemoLogin } from './modules/auth/demo.ts';
import { fsAudioStore } from './modules/voicemail/audio-store.ts';
import { portalUrlProblem } from './modules/auth/rules.ts';
import { failInterruptedImports } from './modules/imports/service.ts';
import { ensureDefaultHoldMusic, fsMediaStore } from './modules/media/store.ts';
import { callRetention } from './modules/calls/retention.ts';
import { fsRecordingStore } from './modules/recordings/store.ts';

/** Opens the store, migrates, seeds the demo tenant into an empty store, and listens. */
export async function startServer(config: Config, extra: Partial<AppOptions> = {}) {
  const database = openDatabase(config.databaseUrl);
  await migrate(database);
  const portalUrl = process.env.PORTAL_URL ?? `http://${config.host}:${config.port}`;
  // one voicemail audio store for the API and, under `sip start`, the voicemail service in this process
  const audioStore = extra.voicemail?.audioStore ?? fsAudioStore(config.voicemailDir);
  // the built-in hold music ('default.wav') is always in the media folder, where rtpengine plays it from
  await ensureDefaultHoldMusic(config.mediaDir);
  const media = extra.media ?? { store: fsMediaStore(config.mediaDir) };
  // call recordings: the API serves them, and under `sip start` the importer writes them (docs/media.md)
  const recordingStore = extra.recordings?.store ?? fsRecordingStore(config.recordingsDir);
  const { app, deps, kamailioStats, calls } = await buildApp({ database, providerApiKey: config.providerApiKey, logLevel: config.logLevel, auth: { portalUrl }, ...extra, voicemail: { audioStore }, media, recordings: { store: recordingStore } });
  if (!config.providerApiKey && (await countProviderKeys(database.db)) === 0) {
    const key = await createProviderKey(database.db, 'first-start');
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const file = join(config.dataDir, 'provider-api-key');
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    // Printed once on purpose: this is the operator's only way in until they create their own keys.
    process.stdout.write(`\nProvider API key (shown once, also saved to ${file}):\n  ${key}\n\n`);
  }
  if (config.seedDemo && (await seedDemo(deps))) {
    app.log.info('created the demo tenant "demo" (2 offices, 12 users)');
    await announceDemoLogin(deps, config.dataDir);
  }
  const interrupted = await failInterruptedImports(deps);
  if (interrupted) app.log.warn(`${interrupted} import job(s) left unfinished by the previous process marked failed`);
  const portalProblem = portalUrlProblem(portalUrl);
  if (portalProblem) app.log.warn(`emails with set-password links are refused until this is fixed: ${portalProblem}`);
  // call history older than each account's retention is deleted hourly
  const retention = callRetention(deps, { log: (m, err) => app.log.error({ err }, `call retention: ${m}`) });
  retention.start();
  await app.listen({ port: config.port, host: config.host });
  app.log.info(`Switchboard on http://${config.host}:${config.port} (store: ${database.description})`);
  const stop = async () => {
    await retention.stop();
    await app.close();
    await calls.idle();
    await database.close();
  };
  return { app, deps, database, audioStore, recordingStore, stop, kamailioStats };
}
