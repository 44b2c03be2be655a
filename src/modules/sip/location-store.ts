/**
 * Where Kamailio keeps registrations (usrloc write-back, docs/sip.md "Registrations survive a restart").
 *
 * PostgreSQL: the `location` table of Switchboard's own store (migration 0410_sip_location).
 * SQLite: a file of its own beside the store, `<store without .sqlite/.db>.sip-location.sqlite`, which only Kamailio
 * writes. Kamailio writing into Switchboard's file makes two writers of one SQLite file, and db_sqlite 5.6 has no
 * busy timeout: a usrloc flush that meets Switchboard's write lock fails at once (a removed binding then stays in
 * the table and is loaded again at the next start), and Switchboard's read-then-write transactions fail with
 * SQLITE_BUSY when Kamailio commits between the two. With its own file Kamailio is the only writer (usrloc's timer
 * while it runs, the main process at shutdown), and Switchboard's file keeps a single writer as before.
 *
 * The file gets Kamailio 5.6's own schema (the same DDL as the migration) and the version rows usrloc checks
 * (`version_table` is kamailio_version), is the owner's alone (0600, like the store: it names every phone's
 * address), and uses WAL. Created or completed on every start, so an existing file is never emptied.
 */
import SQLite from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { KAMAILIO_TABLES } from '../../db/migrations/0402_presence.ts';
import { LOCATION_TABLES } from '../../db/migrations/0410_sip_location.ts';

/** The registrations file beside a SQLite store: /var/lib/sb/store.sqlite → /var/lib/sb/store.sip-location.sqlite. */
export function locationStoreFile(storeFile: string): string {
  const abs = resolve(storeFile);
  return join(dirname(abs), `${basename(abs).replace(/\.(sqlite3?|db)$/i, '')}.sip-location.sqlite`);
}

const ifNotExists = (ddl: string) => ddl.replace(/^CREATE TABLE /, 'CREATE TABLE IF NOT EXISTS ').replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS ');

/** Creates the registrations file (or adds what is missing) with usrloc's tables and their version rows. */
export function ensureLocationStore(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = WAL');
    for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    const version = KAMAILIO_TABLES.find((t) => t.ddl.includes('CREATE TABLE kamailio_version'))!;
    db.transaction(() => {
      for (const t of [version, ...LOCATION_TABLES]) {
        db.exec(ifNotExists(t.ddl));
        for (const ix of t.indexes) db.exec(ifNotExists(ix));
      }
      const insert = db.prepare('insert or ignore into kamailio_version (table_name, table_version) values (?, ?)');
      for (const t of LOCATION_TABLES) insert.run(t.version[0], t.version[1]);
    })();
  } finally {
    db.close();
  }
}
