import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate, openDatabase, type Database } from '../../src/db/database.ts';
import { randomSecret } from '../../src/shared/ids.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface TestStore {
  kind: StoreKind;
  database: Database;
  cleanup(): Promise<void>;
  /** The store's URL (a SQLite file path or postgres://…), for tools that open it themselves. */
  url: string;
}

/** The PostgreSQL server tests use: $PG_TEST_URL, else CI's 127.0.0.1:5432 trust database `test`. */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgReachable: Promise<string | null> | undefined;
/** null when reachable, else the reason. In CI an unreachable PostgreSQL is an error, never a skip. */
export function postgresUnavailable(): Promise<string | null> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return null;
    } catch (err) {
      const reason = `PostgreSQL not reachable at ${PG_ADMIN_URL}: ${(err as Error).message}`;
      if (process.env.CI) throw new Error(`${reason} (required in CI)`);
      console.log(`# skipping PostgreSQL tests: ${reason}`);
      return reason;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgReachable;
}

/** The stores to run repository/integration tests on, with the reason a store is skipped. */
export async function storeKinds(): Promise<Array<{ kind: StoreKind; skip: string | false }>> {
  const pgReason = await postgresUnavailable();
  return [
    { kind: 'sqlite', skip: false },
    { kind: 'postgres', skip: pgReason ?? false },
  ];
}

/** A fresh, migrated store: a temp SQLite file, or a new PostgreSQL database dropped at cleanup. */
export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sb-test-'));
    const database = openDatabase(join(dir, 'test.sqlite'));
    await migrate(database);
    return {
      kind,
      database,
      url: join(dir, 'test.sqlite'),
      async cleanup() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `sb_test_${randomSecret(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const database = openDatabase(url.toString());
  await migrate(database);
  return {
    kind,
    database,
    url: url.toString(),
    async cleanup() {
      await database.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
