import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase } from './database.ts';
import { PG_ADMIN_URL, postgresUnavailable } from '../../test/support/stores.ts';
import { randomSecret } from '../shared/ids.ts';

const skip = (await postgresUnavailable()) ?? false;

/** A throwaway PostgreSQL database; returns its URL and a function that runs SQL as the admin. */
async function scratchDatabase(): Promise<{ name: string; url: string; admin: (q: string, v?: unknown[]) => Promise<pg.QueryResult> }> {
  const name = `sb_dbtest_${randomSecret(10, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
  const admin = async (q: string, v?: unknown[]) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      return await c.query(q, v);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), admin };
}

const sessions = async (admin: (q: string, v?: unknown[]) => Promise<pg.QueryResult>, name: string) =>
  Number((await admin('select count(*)::int as n from pg_stat_activity where datname = $1', [name])).rows[0].n);

describe('PostgreSQL pool lifecycle', { skip }, () => {
  it('close() leaves no session of the pool on the server, so a forced drop right after kills nothing', async () => {
    const { name, url, admin } = await scratchDatabase();
    const database = openDatabase(url);
    // Several connections at once, all idle afterwards.
    await Promise.all(Array.from({ length: 6 }, () => sql`select pg_sleep(0.05)`.execute(database.db)));
    assert.ok((await sessions(admin, name)) >= 2, 'the pool holds several idle connections');
    // Asked on an already open connection, right as close() resolves: nothing may still be disconnecting.
    const watcher = new pg.Client({ connectionString: PG_ADMIN_URL });
    await watcher.connect();
    try {
      await database.close();
      const left = await watcher.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
      assert.equal(left.rows[0].n, 0, 'no session of the pool is left on the server');
    } finally {
      await watcher.end();
    }
    await admin(`drop database ${name} with (force)`);
  });

  it('an idle connection the server terminates is replaced, not an uncaught error', async () => {
    const { name, url, admin } = await scratchDatabase();
    const database = openDatabase(url);
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      await sql`select 1`.execute(database.db);
      const killed = await admin('select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1) t', [name]);
      assert.ok(killed.rows[0].n >= 1);
      await new Promise((r) => setTimeout(r, 100));
      const r = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      assert.equal(r.rows[0]!.one, 1, 'the next query runs on a new connection');
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
      await database.close();
      await admin(`drop database if exists ${name} with (force)`);
    }
  });
});

describe('SQLite store file permissions', () => {
  it('creates the data folder 0700 and the store, -wal and -shm 0600; tightens an existing store file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-perm-'));
    const old = process.umask(0o022);
    try {
      const file = join(root, 'data', 'store.sqlite');
      const database = openDatabase(file);
      await sql`create table t (x text)`.execute(database.db);
      await sql`insert into t values ('secret')`.execute(database.db);
      const mode = (p: string) => statSync(p).mode & 0o777;
      assert.equal(mode(join(root, 'data')), 0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f), 0o600, f);
      await database.close();

      const loose = join(root, 'loose.sqlite');
      writeFileSync(loose, '', { mode: 0o644 });
      assert.equal(mode(loose), 0o644);
      const again = openDatabase(loose);
      await sql`create table t (x text)`.execute(again.db);
      assert.equal(mode(loose), 0o600);
      assert.equal(mode(`${loose}-wal`), 0o600);
      await again.close();
    } finally {
      process.umask(old);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
