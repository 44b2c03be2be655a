import { formatDoctor, runDoctor } from './doctor.ts';
import { startEventFanout } from './shared/cluster-events.ts';
import { Command, Option } from 'commander';
import { loadConfig } from './config.ts';
import { migrate, openDatabase } from './db/database.ts';
import { backup, restore } from './db/backup.ts';
import { createEventBus } from './shared/events.ts';
import type { Deps } from './shared/deps.ts';
import { AppError, ValidationError } from './shared/errors.ts';
import { SYSTEM_ACTOR, SCOPES, type Scope } from './shared/permissions.ts';
import * as accounts from './modules/accounts/service.ts';
import * as offices from './modules/offices/service.ts';
import * as users from './modules/users/service.ts';
import * as numbers from './modules/numbers/service.ts';
import { createProviderKey } from './modules/auth/provider-keys.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import * as imports from './modules/imports/service.ts';
import { exportUsersCsv } from './modules/imports/export.ts';
import { progressBar } from './modules/imports/progress-bar.ts';
import { startServer } from './server.ts';
import { USER_TYPES, type UserType } from './modules/users/schema.ts';
import { sipCommands } from './modules/sip/cli.ts';
import { authCommands, withCliContext } from './modules/auth/cli.ts';

/** The `switchboard` command. Management commands act directly on the store as the operator (system actor). */
const program = new Command('switchboard').description('Switchboard hosted PBX management').option('--database <url>', 'store URL (default: $DATABASE_URL or ./data/switchboard.sqlite)');

async function withDeps<T>(fn: (deps: Deps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = openDatabase(program.opts().database ?? config.databaseUrl);
  try {
    await migrate(database);
    const events = createEventBus((err) => console.error('event handler failed:', err));
    // PostgreSQL: the running servers hear what this command changed (their caches drop it at once)
    const fanout = startEventFanout({ database, events, listen: false, log: (msg, err) => console.error(msg, err instanceof Error ? err.message : '') });
    try {
      return await withCliContext({ database, events }, fn);
    } finally {
      await fanout?.close();
    }
  } finally {
    await database.close();
  }
}

function output(data: unknown, json: boolean, columns?: string[]): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const rows = (data as { items?: unknown[] }).items ?? [data];
  const cols = columns ?? Object.keys((rows[0] as object) ?? {});
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const table = [cols, ...rows.map((r) => cols.map((c) => cell((r as Record<string, unknown>)[c])))];
  const widths = cols.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) process.stdout.write(`${r.map((v, i) => v.padEnd(widths[i]!)).join('  ')}\n`);
  const total = (data as { total?: number }).total;
  if (total !== undefined) process.stdout.write(`(${rows.length} of ${total})\n`);
}

const json = new Option('--json', 'print JSON');

program
  .command('serve')
  .description('serve the API and portal (migrates and seeds the demo tenant on first start)')
  .option('-p, --port <port>', 'port (default $PORT or 8080)')
  .action(async (o: { port?: string }) => {
    const config = loadConfig();
    if (o.port) config.port = Number(o.port);
    if (program.opts().database) config.databaseUrl = program.opts().database;
    const { stop } = await startServer(config);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().then(() => process.exit(0)));
  });

program
  .command('backup <folder>')
  .description('back up the store (online: the server may keep running) and the voicemail and hold music folders into a new folder')
  .action(async (folder: string) => {
    const config = loadConfig();
    if (program.opts().database) config.databaseUrl = program.opts().database;
    const m = await backup({ databaseUrl: config.databaseUrl, voicemailDir: config.voicemailDir, mediaDir: config.mediaDir, recordingsDir: config.recordingsDir }, folder);
    console.log(`backup of the ${m.store} store (migration ${m.lastMigration ?? '-'}) and ${m.folders.join(', ') || 'no audio folders'} written to ${folder}`);
  });

program
  .command('restore <folder>')
  .description('restore a backup folder over the store and the audio folders (refused while the server, Kamailio or another client has the store open)')
  .option('--force', 'restore even though the store is in use')
  .action(async (folder: string, opts: { force?: boolean }) => {
    const config = loadConfig();
    if (program.opts().database) config.databaseUrl = program.opts().database;
    const m = await restore(folder, { databaseUrl: config.databaseUrl, voicemailDir: config.voicemailDir, mediaDir: config.mediaDir, recordingsDir: config.recordingsDir }, { force: opts.force });
    console.log(`restored the ${m.store} store from ${m.createdAt} (migration ${m.lastMigration ?? '-'}) and ${m.folders.join(', ') || 'no audio folders'}`);
  });

program
  .command('doctor')
  .description("check this deployment's pieces: store, migrations, cluster notifications, folders, portal, SMTP, Kamailio, voicemail server, rtpengine, API nodes")
  .option('--api <url...>', 'API nodes to check (their /healthz), e.g. http://10.0.0.11:8080')
  .option('--no-sip', 'skip Kamailio, the voicemail server and rtpengine (an API-only node)')
  .addOption(json)
  .action(async (o: { api?: string[]; sip: boolean; json?: boolean }) => {
    const config = loadConfig();
    if (program.opts().database) config.databaseUrl = program.opts().database;
    const results = await runDoctor(config, { apiNodes: o.api, sip: o.sip });
    process.stdout.write(o.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatDoctor(results)}\n`);
    process.exitCode = results.some((r) => r.status === 'fail') ? 1 : 0;
  });

program
  .command('migrate')
  .description('apply pending migrations')
  .action(async () => {
    const config = loadConfig();
    const database = openDatabase(program.opts().database ?? config.databaseUrl);
    const applied = await migrate(database);
    await database.close();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date');
  });

const account = program.command('account').description('PBX accounts (tenants)');
account
  .command('create')
  .requiredOption('--code <code>')
  .requiredOption('--name <name>')
  .requiredOption('--realm <sipRealm>')
  .requiredOption('--country <cc>')
  .addOption(json)
  .action((o) => withDeps(async (d) => output(await accounts.createAccount(d, SYSTEM_ACTOR, { code: o.code, name: o.name, sipRealm: o.realm, country: o.country }), !!o.json)));
account
  .command('list')
  .option('-q, --query <text>')
  .addOption(json)
  .action((o) => withDeps(async (d) => output(await accounts.listAccounts(d, SYSTEM_ACTOR, { q: o.query, limit: 500, offset: 0 }), !!o.json, ['code', 'name', 'sipRealm', 'country', 'extensionLength'])));
account
  .command('show <account>')
  .addOption(json)
  .action((key: string, o) => withDeps(async (d) => output(await accounts.resolveAccount(d, SYSTEM_ACTOR, key), !!o.json)));

const number = program.command('number').description("an account's phone numbers");
number
  .command('add <account> <number>')
  .addOption(json)
  .action((key: string, n: string, o) => withDeps(async (d) => output(await numbers.addNumber(d, SYSTEM_ACTOR, key, { number: n }), !!o.json)));
number
  .command('list <account>')
  .addOption(json)
  .action((key: string, o) => withDeps(async (d) => output(await numbers.listNumbers(d, SYSTEM_ACTOR, key, { limit: 500, offset: 0 }), !!o.json, ['e164', 'status', 'label'])));

const office = program.command('office').description('offices of an account');
office
  .command('create <account>')
  .requiredOption('--name <name>')
  .requiredOption('--timezone <tz>')
  .option('--country <cc>')
  .option('--area-code <code>')
  .option('--outbound <number>', 'default outbound number')
  .option('--hold-music <ref>', "On Hold Music: 'default' or a media library track id (GET .../media)")
  .option('--day <destination>', "Day/Night: the main number's day destination (extension, voicemail:<ext>, busy, none)")
  .option('--night <destination>', "Day/Night: the main number's night destination")
  .addOption(json)
  .action((key: string, o) =>
    withDeps(async (d) =>
      output(
        await offices.createOffice(d, SYSTEM_ACTOR, key, {
          name: o.name,
          timezone: o.timezone,
          country: o.country,
          areaCode: o.areaCode,
          defaultOutboundNumber: o.outbound,
          onHoldMusic: o.holdMusic,
          dayDestination: o.day,
          nightDestination: o.night,
        }),
        !!o.json,
      ),
    ),
  );
office
  .command('list <account>')
  .option('--name <filter>')
  .addOption(json)
  .action((key: string, o) =>
    withDeps(async (d) => output(await offices.listOffices(d, SYSTEM_ACTOR, key, { name: o.name, limit: 500, offset: 0 }), !!o.json, ['id', 'name', 'country', 'timezone', 'areaCode', 'defaultOutboundNumber', 'dayNightMode', 'userCount'])),
  );
office
  .command('day-night <account> <officeId> [mode]')
  .description("Day/Night: set the mode now (day|night: live at once, audited) and/or the main number's destinations (saved; reach calls with Apply Changes)")
  .option('--day <destination>', 'day destination: extension, voicemail:<ext>, busy or none')
  .option('--night <destination>', 'night destination')
  .addOption(json)
  .action((key: string, id: string, mode: string | undefined, o) =>
    withDeps(async (d) => {
      if (mode !== undefined && mode !== 'day' && mode !== 'night') throw new ValidationError([{ field: 'mode', reason: "must be 'day' or 'night'" }]);
      if (!mode && o.day === undefined && o.night === undefined) throw new ValidationError([{ field: 'mode', reason: 'give a mode, --day or --night' }]);
      let result = o.day !== undefined || o.night !== undefined ? await offices.updateOffice(d, SYSTEM_ACTOR, key, id, { ...(o.day !== undefined && { dayDestination: o.day }), ...(o.night !== undefined && { nightDestination: o.night }) }) : undefined;
      if (mode) result = await offices.setDayNight(d, SYSTEM_ACTOR, key, id, mode);
      output(result!, !!o.json);
    }),
  );
office
  .command('show <account> <officeId>')
  .addOption(json)
  .action((key: string, id: string, o) => withDeps(async (d) => output(await offices.getOffice(d, SYSTEM_ACTOR, key, id), !!o.json)));

const user = program.command('user').description('users (extensions) of an account');
user
  .command('create <account>')
  .requiredOption('--first-name <name>')
  .option('--last-name <name>')
  .option('--email <email>')
  .requiredOption('--office <officeId>')
  .option('--extension <ext>', 'default: next available')
  .addOption(new Option('--scope <scope>').choices([...SCOPES]))
  .addOption(new Option('--type <type>').choices([...USER_TYPES]))
  .option('--ring-time <seconds>')
  .option('--pin <pin>', 'voicemail PIN')
  .addOption(json)
  .action((key: string, o) =>
    withDeps(async (d) =>
      output(
        await users.createUser(d, SYSTEM_ACTOR, key, {
          firstName: o.firstName,
          lastName: o.lastName,
          email: o.email,
          officeId: o.office,
          extension: o.extension,
          scope: o.scope as Scope | undefined,
          userType: o.type as UserType | undefined,
          ringTime: o.ringTime ? Number(o.ringTime) : undefined,
          voicemail: o.pin ? { pin: o.pin } : undefined,
        }),
        !!o.json,
        ['id', 'extension', 'displayName', 'email', 'sipUsername', 'sipPassword'],
      ),
    ),
  );
user
  .command('list <account>')
  .option('-q, --query <text>', 'name, extension or email starts with')
  .option('--office <officeId>')
  .option('--limit <n>', 'page size', '100')
  .addOption(json)
  .action((key: string, o) =>
    withDeps(async (d) =>
      output(
        await users.listUsers(d, SYSTEM_ACTOR, key, { q: o.query, officeId: o.office, limit: Number(o.limit), includeTotal: true }),
        !!o.json,
        ['extension', 'displayName', 'email', 'scope', 'userType', 'tags'],
      ),
    ),
  );
user
  .command('show <account> <userId>')
  .addOption(json)
  .action((key: string, id: string, o) => withDeps(async (d) => output(await users.getUser(d, SYSTEM_ACTOR, key, id), !!o.json)));

program
  .command('import <account> <file>')
  .description("bulk-create users with handset, voicemail and call flow from a CSV (see 'import-template'); all rows are checked first, then loaded all-or-nothing")
  .option('--update', 'rows whose extension exists update that user (empty cell clears, missing column leaves alone)')
  .option('--dry-run', 'validate only; write nothing')
  .option('--result <file>', 'write the per-row result CSV here')
  .addOption(json)
  .action((key: string, file: string, o) =>
    withDeps(async (d) => {
      const bar = progressBar();
      try {
        const r = await imports.startImport(d, SYSTEM_ACTOR, key, readFileSync(file, 'utf8'), { update: !!o.update, dryRun: !!o.dryRun, wait: true, onProgress: (p) => bar.update(p) });
        bar.done();
        if ('valid' in r) return output({ valid: r.valid, rows: r.total, creates: r.creates, updates: r.updates }, !!o.json);
        if (r.status !== 'done') {
          for (const e of r.errors) console.error(`row ${e.row}${e.column ? ` ${e.column}` : ''}: ${e.reason}`);
          process.exitCode = 2;
        } else if (o.result) writeFileSync(o.result, await imports.getImportResultCsv(d, SYSTEM_ACTOR, key, r.id));
        output(o.json ? r : { id: r.id, status: r.status, rows: r.total, created: r.created, updated: r.updated }, !!o.json);
      } catch (err) {
        bar.done();
        if (err instanceof imports.ImportValidationError) {
          if (o.json) process.stdout.write(`${JSON.stringify({ error: err.code, total: err.total, errors: err.rowErrors }, null, 2)}\n`);
          for (const e of err.rowErrors.slice(0, 50)) console.error(`row ${e.row}${e.column ? ` ${e.column}` : ''}: ${e.reason}`);
          if (err.rowErrors.length > 50) console.error(`... and ${err.rowErrors.length - 50} more`);
          console.error(`${err.message}`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
    }),
  );
program
  .command('import-template')
  .description('print the import CSV template (header + an example row to delete)')
  .action(() => {
    process.stdout.write(imports.templateCsv());
  });
program
  .command('export <account>')
  .description("CSV of the PBX's (or one office's) users; re-imports cleanly")
  .option('--office <officeId>')
  .option('--include-secrets', 'add voicemail PINs and SIP passwords')
  .action((key: string, o) =>
    withDeps(async (d) => {
      process.stdout.write((await exportUsersCsv(d, SYSTEM_ACTOR, key, { officeId: o.office, includeSecrets: !!o.includeSecrets })).csv);
    }),
  );

program
  .command('provider-key')
  .description('create a provider API key (printed once)')
  .requiredOption('--name <name>')
  .action((o) => withDeps(async (d) => console.log(await createProviderKey(d.database.db, o.name))));

sipCommands(program);
authCommands(program, withDeps, output);

program.parseAsync().catch((err: unknown) => {
  if (err instanceof AppError) {
    console.error(`error: ${err.message}`);
    process.exit(err.status === 404 ? 4 : 2);
  }
  console.error(err);
  process.exit(1);
});
