import { dirname, join } from 'node:path';

/** Configuration from the environment, with defaults that make `npm start` work on a fresh machine. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  providerApiKey?: string;
  logLevel: string;
  dataDir: string;
  /** Voicemail audio folder: SWITCHBOARD_VOICEMAIL_DIR, else voicemail/ beside the SQLite file (or in the data dir). */
  voicemailDir: string;
  /** Media library folder (hold music): SWITCHBOARD_MEDIA_DIR, else media/ beside the SQLite file (or in the data dir). */
  mediaDir: string;
  /** Call recordings folder: SWITCHBOARD_RECORDINGS_DIR, else recordings/ beside the SQLite file (or in the data dir). */
  recordingsDir: string;
  /** The self-signed SIP TLS pair `sip start` makes when SWITCHBOARD_SIP_TLS_CERT/_KEY are unset: tls/ beside the SQLite file (or in the data dir). */
  sipTlsDir: string;
  seedDemo: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = env.SWITCHBOARD_DATA_DIR ?? 'data';
  // an empty DATABASE_URL means unset (the default store file)
  const databaseUrl = env.DATABASE_URL || `${dataDir}/switchboard.sqlite`;
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl,
    voicemailDir: voicemailDirFor(env, dataDir, databaseUrl),
    mediaDir: mediaDirFor(env, dataDir, databaseUrl),
    recordingsDir: recordingsDirFor(env, dataDir, databaseUrl),
    sipTlsDir: join(storeDir(dataDir, databaseUrl), 'tls'),
    providerApiKey: env.SWITCHBOARD_API_KEY || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    dataDir,
    seedDemo: env.SWITCHBOARD_DEMO !== '0',
  };
}

/** The voicemail audio folder: $SWITCHBOARD_VOICEMAIL_DIR, else `voicemail` in the directory the SQLite store lives in. */
export function voicemailDirFor(env: NodeJS.ProcessEnv, dataDir: string, databaseUrl: string): string {
  if (env.SWITCHBOARD_VOICEMAIL_DIR) return env.SWITCHBOARD_VOICEMAIL_DIR;
  const sqliteFile = /^postgres(ql)?:\/\//.test(databaseUrl) ? null : databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  return join(sqliteFile && sqliteFile !== ':memory:' ? dirname(sqliteFile) : dataDir, 'voicemail');
}

/**
 * A request URL as logged: `/prov/<token>/<file>` carries the account's secret path token, so every /prov path
 * keeps only its file name (the last segment) — also when it matches no route (404s, odd depths, bad
 * encodings). A lone segment without a dot that is as long as a token is hidden too.
 */
export function redactProvUrl(url: string): string {
  const m = /^\/+prov\/+([^?#]*)(.*)$/is.exec(url);
  if (!m) return url;
  const segs = m[1]!.split('/');
  const last = segs[segs.length - 1]!;
  const file = segs.length === 1 && !last.includes('.') && last.length >= 16 ? '[token]' : last;
  return `/prov/${segs.length > 1 ? '[token]/' : ''}${file}${m[2]}`;
}

/** Every request log line (Fastify's default fields) with the URL passed through redactProvUrl. */
export function logRequestSerializer(req: { method: string; url: string; ip: string; host?: string; socket?: { remotePort?: number } }) {
  return { method: req.method, url: redactProvUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/** The media library folder: $SWITCHBOARD_MEDIA_DIR, else `media` in the directory the SQLite store lives in. */
export function mediaDirFor(env: NodeJS.ProcessEnv, dataDir: string, databaseUrl: string): string {
  if (env.SWITCHBOARD_MEDIA_DIR) return env.SWITCHBOARD_MEDIA_DIR;
  const sqliteFile = /^postgres(ql)?:\/\//.test(databaseUrl) ? null : databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  return join(sqliteFile && sqliteFile !== ':memory:' ? dirname(sqliteFile) : dataDir, 'media');
}

/**
 * The call recordings folder: $SWITCHBOARD_RECORDINGS_DIR, else `recordings` in the directory the SQLite store
 * lives in. rtpengine's spool (pcap + metadata, until imported) is its `spool` subfolder.
 */
export function recordingsDirFor(env: NodeJS.ProcessEnv, dataDir: string, databaseUrl: string): string {
  if (env.SWITCHBOARD_RECORDINGS_DIR) return env.SWITCHBOARD_RECORDINGS_DIR;
  const sqliteFile = /^postgres(ql)?:\/\//.test(databaseUrl) ? null : databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  return join(sqliteFile && sqliteFile !== ':memory:' ? dirname(sqliteFile) : dataDir, 'recordings');
}

/** Log redaction: secrets never reach the log, whatever route or module logs them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.password',
  '*.sipPassword',
  '*.pin',
  '*.sip_password',
  '*.vm_pin',
  '*.portal_password_hash',
];

/** The directory the SQLite store lives in (the data dir for PostgreSQL or an in-memory store). */
function storeDir(dataDir: string, databaseUrl: string): string {
  const sqliteFile = /^postgres(ql)?:\/\//.test(databaseUrl) ? null : databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  return sqliteFile && sqliteFile !== ':memory:' ? dirname(sqliteFile) : dataDir;
}
