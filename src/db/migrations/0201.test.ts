import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '../database.ts';
import { migrationProvider } from './index.ts';

describe('migration 0201: users.pickup_group text becomes a pickup_groups reference', () => {
  it('creates one group per distinct name per account (case-insensitive) and links the users', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-mig-'));
    const database = openDatabase(join(dir, 'm.sqlite'));
    try {
      const migrator = new Migrator({ db: database.db, provider: migrationProvider({ dialect: 'sqlite' }) });
      const r = await migrator.migrateTo('0001_core');
      assert.equal(r.error, undefined);
      const now = new Date().toISOString();
      const db = database.db;
      await sql`insert into accounts (id, code, name, sip_realm, country, extension_length, created_at, updated_at) values ('a1','a1','A','a1.test','AU',3,${now},${now}), ('a2','a2','B','a2.test','AU',3,${now},${now})`.execute(db);
      await sql`insert into offices (id, account_id, name, name_key, country, timezone, on_hold_music, created_at, updated_at) values ('o1','a1','O','o','AU','UTC','default',${now},${now}), ('o2','a2','O','o','AU','UTC','default',${now},${now})`.execute(db);
      const user = (id: string, acc: string, office: string, ext: string, pg: string | null) =>
        sql`insert into users (id, account_id, office_id, extension, first_name, last_name, display_name, user_type, scope, include_in_directory, ring_time, pickup_group, hide_caller_id, sip_username, sip_password, behind_firewall, enabled, vm_enabled, vm_email_delivery, vm_delete_after_email, vm_keep_on_server, features, security, apps, created_at, updated_at)
            values (${id}, ${acc}, ${office}, ${ext}, 'F', 'L', 'F L', 'native', 'basic_user', 1, 40, ${pg}, 0, ${'s' + id}, 'pw', 1, 1, 1, 0, 0, 1, '{}', '{}', '{}', ${now}, ${now})`.execute(db);
      await user('u1', 'a1', 'o1', '101', 'Sales');
      await user('u2', 'a1', 'o1', '102', ' sales ');
      await user('u3', 'a1', 'o1', '103', 'Support');
      await user('u4', 'a1', 'o1', '104', null);
      await user('u5', 'a2', 'o2', '101', 'Sales');
      await migrate(database);
      const groups = await db.selectFrom('pickup_groups').select(['id', 'account_id', 'name']).orderBy('account_id').orderBy('name').execute();
      assert.deepEqual(groups.map((g) => [g.account_id, g.name]), [['a1', 'Sales'], ['a1', 'Support'], ['a2', 'Sales']]);
      const users = await db.selectFrom('users').select(['id', 'pickup_group_id']).orderBy('id').execute();
      const g = (acc: string, name: string) => groups.find((x) => x.account_id === acc && x.name === name)!.id;
      assert.deepEqual(users.map((u) => u.pickup_group_id), [g('a1', 'Sales'), g('a1', 'Sales'), g('a1', 'Support'), null, g('a2', 'Sales')]);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
