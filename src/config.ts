/** Configuration from the environment, with defaults that make `npm start` work on a fresh machine. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  providerApiKey?: string;
  logLevel: string;
  dataDir: string;
  seedDemo: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = env.SWITCHBOARD_DATA_DIR ?? 'data';
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL ?? `${dataDir}/switchboard.sqlite`,
    providerApiKey: env.SWITCHBOARD_API_KEY || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    dataDir,
    seedDemo: env.SWITCHBOARD_DEMO !== '0',
  };
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
