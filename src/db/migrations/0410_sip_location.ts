import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';
import { forDialect } from './0402_presence.ts';

/**
 * Persistent registrations (docs/sip.md "Registrations survive a restart"): Kamailio's usrloc `location` and
 * `location_attrs` tables with Kamailio 5.6's own schema (/usr/share/kamailio/{db_sqlite,postgres}/usrloc-create.sql),
 * and their version rows in `kamailio_version`. usrloc runs write-back (db_mode 2): memory is the working copy,
 * flushed to this table on a timer and at shutdown, loaded again at start.
 */
export const LOCATION_TABLES: Array<{ ddl: string; indexes: string[]; version: [string, number] }> = [
  {
    ddl: `CREATE TABLE location (
    id INTEGER PRIMARY KEY NOT NULL,
    ruid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT NULL,
    contact VARCHAR(512) DEFAULT '' NOT NULL,
    received VARCHAR(128) DEFAULT NULL,
    path VARCHAR(512) DEFAULT NULL,
    expires TIMESTAMP WITHOUT TIME ZONE DEFAULT '2030-05-28 21:32:15' NOT NULL,
    q REAL DEFAULT 1.0 NOT NULL,
    callid VARCHAR(255) DEFAULT 'Default-Call-ID' NOT NULL,
    cseq INTEGER DEFAULT 1 NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    cflags INTEGER DEFAULT 0 NOT NULL,
    user_agent VARCHAR(255) DEFAULT '' NOT NULL,
    socket VARCHAR(64) DEFAULT NULL,
    methods INTEGER DEFAULT NULL,
    instance VARCHAR(255) DEFAULT NULL,
    reg_id INTEGER DEFAULT 0 NOT NULL,
    server_id INTEGER DEFAULT 0 NOT NULL,
    connection_id INTEGER DEFAULT 0 NOT NULL,
    keepalive INTEGER DEFAULT 0 NOT NULL,
    partition INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT location_ruid_idx UNIQUE (ruid)
)`,
    indexes: [
      'CREATE INDEX location_account_contact_idx ON location (username, domain, contact)',
      'CREATE INDEX location_expires_idx ON location (expires)',
      'CREATE INDEX location_tcpcon_idx ON location (connection_id)',
      'CREATE INDEX location_connection_idx ON location (server_id, connection_id)',
    ],
    version: ['location', 9],
  },
  {
    ddl: `CREATE TABLE location_attrs (
    id INTEGER PRIMARY KEY NOT NULL,
    ruid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT NULL,
    aname VARCHAR(64) DEFAULT '' NOT NULL,
    atype INTEGER DEFAULT 0 NOT NULL,
    avalue VARCHAR(512) DEFAULT '' NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL
)`,
    indexes: ['CREATE INDEX location_attrs_account_record_idx ON location_attrs (username, domain, ruid)', 'CREATE INDEX location_attrs_last_modified_idx ON location_attrs (last_modified)'],
    version: ['location_attrs', 1],
  },
];

export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  for (const t of LOCATION_TABLES) {
    await sql.raw(forDialect(t.ddl, ctx.dialect)).execute(db);
    for (const ix of t.indexes) await sql.raw(ix).execute(db);
    await sql`insert into kamailio_version (table_name, table_version) values (${t.version[0]}, ${t.version[1]})`.execute(db);
  }
}
