import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Migration } from 'kysely';
import { migrate, openDatabase } from './database.ts';
import { migrationProvider } from './migrations/index.ts';

test('a store migrated by an earlier build (without 01xx) accepts the auth migration landing later', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-mig-'));
  const database = openDatabase(join(dir, 'm.sqlite'));
  try {
    const all = await migrationProvider({ dialect: 'sqlite' }).getMigrations();
    const withoutAuth: Record<string, Migration> = Object.fromEntries(Object.entries(all).filter(([name]) => !name.startsWith('01')));
    assert.ok(Object.keys(withoutAuth).some((n) => n > '0101'), 'a later-numbered area is present');
    const old = new Migrator({ db: database.db, provider: { getMigrations: async () => withoutAuth } });
    const first = await old.migrateToLatest();
    assert.equal(first.error, undefined);
    const applied = await migrate(database);
    assert.ok(applied.includes('0101_auth'), `applied: ${applied.join(', ')}`);
    await database.db.selectFrom('audit_log').select('id').execute();
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
