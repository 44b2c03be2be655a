/**
 * Backup and restore of a Switchboard installation: the store plus the audio folders (voicemail messages and
 * greetings, the hold music library). A backup is a folder:
 *   store.sqlite   — SQLite's online backup API (a consistent copy of the live database *with* its WAL, taken
 *                    while the server keeps writing; a plain `cp` of the .sqlite file loses what is in the WAL)
 *   store.pgdump   — or, for PostgreSQL, `pg_dump --format=custom`
 *   voicemail/, media/, recordings/ — copies of the audio folders
 *   manifest.json  — what it is, when, from where, the last migration
 * Every backup is checked before it is reported done: SQLite `integrity_check` and the migrations table.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { registerSqliteFunctions } from './database.ts';

const run = promisify(execFile);

export interface BackupSources {
  databaseUrl: string;
  voicemailDir: string;
  mediaDir: string;
  /** Call recordings (absent: not part of this backup). */
  recordingsDir?: string;
}

export interface Manifest {
  kind: 'switchboard-backup';
  version: 1;
  store: 'sqlite' | 'postgres';
  createdAt: string;
  lastMigration: string | null;
  folders: string[];
}

/** The audio folders a backup holds, by name. */
function folderList(s: BackupSources): Array<[string, string]> {
  const out: Array<[string, string]> = [['voicemail', s.voicemailDir], ['media', s.mediaDir]];
  if (s.recordingsDir) out.push(['recordings', s.recordingsDir]);
  return out;
}

const isPostgres = (url: string) => /^postgres(ql)?:\/\//.test(url);
const sqliteFile = (url: string) => resolve(url.replace(/^sqlite:(\/\/)?/, ''));

function checkSqlite(file: string): string | null {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  // the name indexes are built with Switchboard's Unicode lower(): the check must use the same function
  registerSqliteFunctions(db);
  try {
    const ok = db.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') throw new Error(`integrity check of ${file} failed: ${String(ok)}`);
    const t = db.prepare("select name from sqlite_master where type = 'table' and name = 'kysely_migration'").get();
    if (!t) throw new Error(`${file} is not a Switchboard store (no migrations table)`);
    const last = db.prepare('select name from kysely_migration order by name desc limit 1').get() as { name: string } | undefined;
    return last?.name ?? null;
  } finally {
    db.close();
  }
}

/** Writes a backup into `dir` (created; must be empty or absent). */
export async function backup(src: BackupSources, dir: string): Promise<Manifest> {
  if (existsSync(dir) && readdirSync(dir).length) throw new Error(`${dir} is not empty: choose a new folder for the backup`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let lastMigration: string | null;
  let store: Manifest['store'];
  if (isPostgres(src.databaseUrl)) {
    store = 'postgres';
    await run('pg_dump', ['--format=custom', '--no-owner', `--file=${join(dir, 'store.pgdump')}`, src.databaseUrl], { maxBuffer: 1 << 26 });
    const { stdout } = await run('psql', ['-At', '-c', 'select name from kysely_migration order by name desc limit 1', src.databaseUrl]);
    lastMigration = stdout.trim() || null;
  } else {
    store = 'sqlite';
    const from = sqliteFile(src.databaseUrl);
    if (!existsSync(from)) throw new Error(`no store at ${from}`);
    const live = new SQLite(from, { fileMustExist: true });
    try {
      await live.backup(join(dir, 'store.sqlite'));
    } finally {
      live.close();
    }
    lastMigration = checkSqlite(join(dir, 'store.sqlite'));
  }
  const folders: string[] = [];
  for (const [name, path] of folderList(src)) {
    if (!existsSync(path)) continue;
    cpSync(path, join(dir, name), { recursive: true, preserveTimestamps: true });
    folders.push(name);
  }
  const manifest: Manifest = { kind: 'switchboard-backup', version: 1, store, createdAt: new Date().toISOString(), lastMigration, folders };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/**
 * Restores a backup folder over the installation: the store (SQLite: replaced file, -wal/-shm removed;
 * PostgreSQL: `pg_restore --clean --if-exists`) and the audio folders. The server must be stopped.
 */
/**
 * Who has the store open right now: for SQLite the processes holding the file (or its WAL) open, read from
 * /proc (Linux; processes of other users are not visible without the rights to see them); for PostgreSQL the
 * other sessions on the database. A restore under a running server (or Kamailio, which reads the same store)
 * would be overwritten by it or leave it reading a deleted file.
 */
export async function storeUsers(databaseUrl: string): Promise<string[]> {
  if (isPostgres(databaseUrl)) {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const r = await client.query<{ who: string }>(
        `select coalesce(nullif(application_name, ''), 'a client') || ' (pid ' || pid || coalesce(', ' || host(client_addr), '') || ')' as who
           from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      );
      return r.rows.map((x) => x.who);
    } finally {
      await client.end().catch(() => {});
    }
  }
  const file = sqliteFile(databaseUrl);
  const names = new Set([file, `${file}-wal`, `${file}-shm`]);
  const out: string[] = [];
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return out;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (names.has(target)) {
        let cmd = '';
        try {
          cmd = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          /* gone */
        }
        out.push(`${cmd || 'a process'} (pid ${pid})`);
        break;
      }
    }
  }
  return out;
}

export async function restore(dir: string, to: BackupSources, opts: { force?: boolean } = {}): Promise<Manifest> {
  const mfile = join(dir, 'manifest.json');
  if (!existsSync(mfile)) throw new Error(`${dir} is not a Switchboard backup (no manifest.json)`);
  const manifest = JSON.parse(readFileSync(mfile, 'utf8')) as Manifest;
  if (manifest.kind !== 'switchboard-backup') throw new Error(`${dir} is not a Switchboard backup`);
  const wantPg = isPostgres(to.databaseUrl);
  if ((manifest.store === 'postgres') !== wantPg) throw new Error(`the backup holds a ${manifest.store} store; the target is ${wantPg ? 'PostgreSQL' : 'SQLite'}`);
  if (!opts.force && (wantPg || existsSync(sqliteFile(to.databaseUrl)))) {
    const users = await storeUsers(to.databaseUrl);
    if (users.length) throw new Error(`the store is in use by ${users.join(', ')}: stop the Switchboard server, 'switchboard sip' (Kamailio and the voicemail service read the store too) and any other client first, or restore with --force`);
  }
  if (wantPg) {
    await run('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', `--dbname=${to.databaseUrl}`, join(dir, 'store.pgdump')], { maxBuffer: 1 << 26 });
  } else {
    checkSqlite(join(dir, 'store.sqlite'));
    const target = sqliteFile(to.databaseUrl);
    mkdirSync(resolve(target, '..'), { recursive: true, mode: 0o700 });
    for (const f of [`${target}-wal`, `${target}-shm`]) rmSync(f, { force: true });
    cpSync(join(dir, 'store.sqlite'), target);
  }
  for (const [name, path] of folderList(to)) {
    if (!manifest.folders.includes(name)) continue;
    rmSync(path, { recursive: true, force: true });
    cpSync(join(dir, name), path, { recursive: true, preserveTimestamps: true });
  }
  return manifest;
}
