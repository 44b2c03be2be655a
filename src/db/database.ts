import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import type { DB } from './types.ts';
import { migrationProvider } from './migrations/index.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Where it lives, with any password removed, for logs. */
  description: string;
  close(): Promise<void>;
  /** PostgreSQL only: the URL, for the dedicated LISTEN connection of the cluster event fan-out (never logged). */
  connectionString?: string;
}

export type Tx = Transaction<DB>;
/** Repository functions accept the database or a transaction, so services can group writes. */
export type Conn = Kysely<DB> | Tx;

/** Opens the store named by the URL: postgres://... for PostgreSQL, anything else is a SQLite file path. */
export function openDatabase(url: string): Database {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: Number(process.env.PG_POOL_SIZE ?? 10) });
    // An idle client that loses its connection (server restart, admin termination) emits 'error' on the pool;
    // unhandled, that would crash the process. The pool drops that client and the next query reconnects.
    pool.on('error', (err) => {
      console.error(`postgres: idle connection lost (${err.message}); it will be replaced`);
    });
    // pool.end() resolves once it has *asked* its clients to end, not when they have: close() waits for every
    // connection to be gone, so whoever drops or restarts the database next never kills a live one.
    const open = new Set<pg.PoolClient>();
    pool.on('connect', (c) => open.add(c));
    pool.on('remove', (c) => open.delete(c));
    // COUNT(*) and BIGINT come back as strings by default; our counts fit in a JS number.
    pg.types.setTypeParser(20, (v) => Number(v));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const safe = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    const close = async () => {
      await db.destroy();
      const deadline = Date.now() + 5000;
      while (open.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    };
    return { db, dialect: 'postgres', description: safe, close, connectionString: url };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  const onDisk = file !== ':memory:' && file !== '';
  if (onDisk) {
    // The store holds SIP passwords in clear: a folder we create is the owner's alone (0700), and the file is
    // 0600 before SQLite opens it (SQLite gives the -wal and -shm files the database file's mode).
    mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  }
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  if (onDisk) for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = memory');
  // SQLite's own lower() folds ASCII only; the name indexes and filters need 'Åsa' = 'åsa' as PostgreSQL does.
  // Only Switchboard writes users, so every index entry is computed by this same function.
  registerSqliteFunctions(sqlite);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachedStatements(sqlite) }) });
  return { db, dialect: 'sqlite', description: `sqlite:${resolve(file)}`, close: () => db.destroy() };
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrate(database: Database): Promise<string[]> {
  // Areas own number ranges (00xx core, 01xx auth, 03xx devices ...) and land in any order, so a store that
  // already ran 0301 must still accept a later-merged 0101.
  const migrator = new Migrator({ db: database.db, provider: migrationProvider({ dialect: database.dialect }), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String(error)}`, { cause: error });
  if (database.dialect === 'sqlite') await sqlAnalyze(database);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function sqlAnalyze(database: Database): Promise<void> {
  const { sql } = await import('kysely');
  await sql`pragma optimize`.execute(database.db);
}

/** Postgres unique violation or SQLite constraint failure, with the constraint/index text when known. */
export function uniqueViolation(err: unknown): string | null {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code === '23505') return e.constraint ?? e.message ?? 'unique';
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return e.message ?? 'unique';
  return null;
}

/** How many distinct SQL texts keep a prepared statement (hot paths use a few dozen; IN-lists of many lengths add more). */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The better-sqlite3 handle as Kysely's SQLite driver sees it, with prepared statements reused: the driver
 * calls prepare(sql) for every query, and compiling the SQL text costs more than running a keyed lookup.
 * Statements are kept by SQL text, least recently used dropped first. A statement still iterating (a
 * streamed query) is never handed out twice: a fresh one is prepared instead. SQLite re-prepares a cached
 * statement by itself after a schema change (migrations), so the cache never serves a stale plan.
 */
export function cachedStatements(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(text: string) {
      const hit = cache.get(text);
      if (hit && !hit.busy) {
        // re-insert: Map iteration order is the LRU order
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const stmt = sqlite.prepare(text);
      if (!hit) {
        cache.set(text, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}

/** Switchboard's SQL functions on a SQLite connection (every connection that reads or checks the indexes needs them). */
export function registerSqliteFunctions(sqlite: SQLite.Database): void {
  sqlite.function('lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
}
