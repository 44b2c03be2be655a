import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Kamailio's presence and pua tables (busy lamps, docs/sip.md "Busy lamps (BLF) and presence"), with
 * Kamailio 5.6's own schema: /usr/share/kamailio/{db_sqlite,postgres}/presence-create.sql (presentity,
 * active_watchers, watchers, pua; not xcap) and standard-create.sql (the version table).
 *
 * Kamailio runs presence from memory (presence publ_cache=2 and subs_db_mode=0, pua db_mode=0), but its
 * presence and pua modules refuse to start unless these tables exist with the version rows they check. The
 * version table is named `kamailio_version` (core `version_table` in kamailio.cfg) so Switchboard's store has
 * no table called just `version`.
 *
 * The SQLite and PostgreSQL files differ only in `INTEGER PRIMARY KEY` → `SERIAL PRIMARY KEY` and `BLOB` →
 * `BYTEA`, which is what `forDialect` does.
 */
export const KAMAILIO_TABLES: Array<{ ddl: string; indexes: string[]; version: [string, number] }> = [
  {
    ddl: `CREATE TABLE kamailio_version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
)`,
    indexes: [],
    version: ['version', 1],
  },
  {
    ddl: `CREATE TABLE presentity (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(64) NOT NULL,
    event VARCHAR(64) NOT NULL,
    etag VARCHAR(128) NOT NULL,
    expires INTEGER NOT NULL,
    received_time INTEGER NOT NULL,
    body BLOB NOT NULL,
    sender VARCHAR(255) NOT NULL,
    priority INTEGER DEFAULT 0 NOT NULL,
    ruid VARCHAR(64),
    CONSTRAINT presentity_presentity_idx UNIQUE (username, domain, event, etag),
    CONSTRAINT presentity_ruid_idx UNIQUE (ruid)
)`,
    indexes: ['CREATE INDEX presentity_presentity_expires ON presentity (expires)', 'CREATE INDEX presentity_account_idx ON presentity (username, domain, event)'],
    version: ['presentity', 5],
  },
  {
    ddl: `CREATE TABLE active_watchers (
    id INTEGER PRIMARY KEY NOT NULL,
    presentity_uri VARCHAR(255) NOT NULL,
    watcher_username VARCHAR(64) NOT NULL,
    watcher_domain VARCHAR(64) NOT NULL,
    to_user VARCHAR(64) NOT NULL,
    to_domain VARCHAR(64) NOT NULL,
    event VARCHAR(64) DEFAULT 'presence' NOT NULL,
    event_id VARCHAR(64),
    to_tag VARCHAR(128) NOT NULL,
    from_tag VARCHAR(128) NOT NULL,
    callid VARCHAR(255) NOT NULL,
    local_cseq INTEGER NOT NULL,
    remote_cseq INTEGER NOT NULL,
    contact VARCHAR(255) NOT NULL,
    record_route TEXT,
    expires INTEGER NOT NULL,
    status INTEGER DEFAULT 2 NOT NULL,
    reason VARCHAR(64),
    version INTEGER DEFAULT 0 NOT NULL,
    socket_info VARCHAR(64) NOT NULL,
    local_contact VARCHAR(255) NOT NULL,
    from_user VARCHAR(64) NOT NULL,
    from_domain VARCHAR(64) NOT NULL,
    updated INTEGER NOT NULL,
    updated_winfo INTEGER NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    user_agent VARCHAR(255) DEFAULT '',
    CONSTRAINT active_watchers_active_watchers_idx UNIQUE (callid, to_tag, from_tag)
)`,
    indexes: [
      'CREATE INDEX active_watchers_active_watchers_expires ON active_watchers (expires)',
      'CREATE INDEX active_watchers_active_watchers_pres ON active_watchers (presentity_uri, event)',
      'CREATE INDEX active_watchers_updated_idx ON active_watchers (updated)',
      'CREATE INDEX active_watchers_updated_winfo_idx ON active_watchers (updated_winfo, presentity_uri)',
    ],
    version: ['active_watchers', 12],
  },
  {
    ddl: `CREATE TABLE watchers (
    id INTEGER PRIMARY KEY NOT NULL,
    presentity_uri VARCHAR(255) NOT NULL,
    watcher_username VARCHAR(64) NOT NULL,
    watcher_domain VARCHAR(64) NOT NULL,
    event VARCHAR(64) DEFAULT 'presence' NOT NULL,
    status INTEGER NOT NULL,
    reason VARCHAR(64),
    inserted_time INTEGER NOT NULL,
    CONSTRAINT watchers_watcher_idx UNIQUE (presentity_uri, watcher_username, watcher_domain, event)
)`,
    indexes: [],
    version: ['watchers', 3],
  },
  {
    ddl: `CREATE TABLE pua (
    id INTEGER PRIMARY KEY NOT NULL,
    pres_uri VARCHAR(255) NOT NULL,
    pres_id VARCHAR(255) NOT NULL,
    event INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    desired_expires INTEGER NOT NULL,
    flag INTEGER NOT NULL,
    etag VARCHAR(128) NOT NULL,
    tuple_id VARCHAR(64),
    watcher_uri VARCHAR(255) NOT NULL,
    call_id VARCHAR(255) NOT NULL,
    to_tag VARCHAR(128) NOT NULL,
    from_tag VARCHAR(128) NOT NULL,
    cseq INTEGER NOT NULL,
    record_route TEXT,
    contact VARCHAR(255) NOT NULL,
    remote_contact VARCHAR(255) NOT NULL,
    version INTEGER NOT NULL,
    extra_headers TEXT NOT NULL,
    CONSTRAINT pua_pua_idx UNIQUE (etag, tuple_id, call_id, from_tag)
)`,
    indexes: [
      'CREATE INDEX pua_expires_idx ON pua (expires)',
      'CREATE INDEX pua_dialog1_idx ON pua (pres_id, pres_uri)',
      'CREATE INDEX pua_dialog2_idx ON pua (call_id, from_tag)',
      'CREATE INDEX pua_record_idx ON pua (pres_id)',
    ],
    version: ['pua', 7],
  },
];

/** Kamailio's SQLite DDL → its PostgreSQL DDL (the two shipped files differ only in these two types). */
export function forDialect(ddl: string, dialect: MigrationContext['dialect']): string {
  return dialect === 'sqlite' ? ddl : ddl.replace('INTEGER PRIMARY KEY NOT NULL', 'SERIAL PRIMARY KEY NOT NULL').replace(/\bBLOB\b/g, 'BYTEA');
}

/** Kamailio table name → the version its modules check at start-up. */
export const KAMAILIO_TABLE_VERSIONS: ReadonlyArray<readonly [string, number]> = KAMAILIO_TABLES.map((t) => t.version);

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  for (const t of KAMAILIO_TABLES) {
    await sql.raw(forDialect(t.ddl, ctx.dialect)).execute(db);
    for (const ix of t.indexes) await sql.raw(ix).execute(db);
  }
  for (const [name, version] of KAMAILIO_TABLE_VERSIONS) {
    await sql`insert into kamailio_version (table_name, table_version) values (${name}, ${version})`.execute(db);
  }
}
