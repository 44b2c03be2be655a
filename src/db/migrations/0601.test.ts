import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '../database.ts';
import { migrationProvider } from './index.ts';

describe('migration 0601: offices.on_hold_music becomes a media library reference', () => {
  it("maps every free-text value ('jazz', 'Classical') to 'default' and keeps 'default'", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-mig-'));
    const database = openDatabase(join(dir, 'm.sqlite'));
    try {
      const migrator = new Migrator({ db: database.db, provider: migrationProvider({ dialect: 'sqlite' }) });
      const r = await migrator.migrateTo('0501_voicemail');
      assert.equal(r.error, undefined);
      const now = new Date().toISOString();
      const db = database.db;
      await sql`insert into accounts (id, code, name, sip_realm, country, extension_length, created_at, updated_at) values ('a1','a1','A','a1.test','AU',3,${now},${now})`.execute(db);
      await sql`insert into offices (id, account_id, name, name_key, country, timezone, on_hold_music, created_at, updated_at) values
        ('o1','a1','O1','o1','AU','UTC','default',${now},${now}), ('o2','a1','O2','o2','AU','UTC','jazz',${now},${now}), ('o3','a1','O3','o3','AU','UTC','Classical',${now},${now})`.execute(db);
      await migrate(database);
      const rows = await db.selectFrom('offices').select(['id', 'on_hold_music']).orderBy('id').execute();
      assert.deepEqual(rows.map((o) => o.on_hold_music), ['default', 'default', 'default']);
      // the table is there, with the case-insensitive unique name per account
      await sql`insert into media_files (id, account_id, name, name_key, kind, file_name, duration_ms, size_bytes, created_at, updated_at) values ('m1','a1','Jazz','jazz','hold_music','m1.wav',1000,16044,${now},${now})`.execute(db);
      await assert.rejects(sql`insert into media_files (id, account_id, name, name_key, kind, file_name, duration_ms, size_bytes, created_at, updated_at) values ('m2','a1','JAZZ','jazz','hold_music','m2.wav',1000,16044,${now},${now})`.execute(db));
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
