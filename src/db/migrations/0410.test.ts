import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { openTestStore, storeKinds } from '../../../test/support/stores.ts';
import { forDialect } from './0402_presence.ts';
import { LOCATION_TABLES } from './0410_sip_location.ts';

const SHIPPED = { sqlite: '/usr/share/kamailio/db_sqlite', postgres: '/usr/share/kamailio/postgres' } as const;

function tablesOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) out.set(m[1]!, m[2]!.replace(/\s+/g, ' ').trim());
  return out;
}

for (const { kind, skip } of await storeKinds()) {
  describe(`migration 0410: Kamailio usrloc tables (${kind})`, { skip }, () => {
    it('creates location and location_attrs with the version rows usrloc checks', async () => {
      const store = await openTestStore(kind);
      try {
        const db = store.database.db;
        const rows = await sql<{ table_name: string; table_version: number }>`select table_name, table_version from kamailio_version where table_name like 'location%' order by table_name`.execute(db);
        assert.deepEqual(
          rows.rows.map((r) => [r.table_name, Number(r.table_version)]),
          [
            ['location', 9],
            ['location_attrs', 1],
          ],
        );
        await sql`insert into location (ruid, username, domain, contact) values ('r1', 'u1', 'a.test', 'sip:u1@127.0.0.1:5101')`.execute(db);
        await assert.rejects(sql`insert into location (ruid, username, domain, contact) values ('r1', 'u2', 'a.test', 'sip:u2@127.0.0.1:5102')`.execute(db));
      } finally {
        await store.cleanup();
      }
    });

    it("matches Kamailio 5.6's own usrloc schema file for this store", { skip: existsSync(SHIPPED[kind]) ? false : `${SHIPPED[kind]} not installed` }, () => {
      const shipped = tablesOf(readFileSync(`${SHIPPED[kind]}/usrloc-create.sql`, 'utf8'));
      const ours = tablesOf(LOCATION_TABLES.map((t) => `${forDialect(t.ddl, kind)};`).join('\n'));
      for (const t of ['location', 'location_attrs']) assert.equal(ours.get(t), shipped.get(t), t);
    });
  });
}
