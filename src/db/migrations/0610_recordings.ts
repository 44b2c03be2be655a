import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Call recording (issue 13): one row per recorded call, its audio a stereo 8 kHz WAV (left: the caller, right:
 * the called party) in the recordings folder under a server-generated name. The parties are kept as they were
 * (user ids, offices, extension/number) so a recording outlives a deleted user; `source` (rtpengine's metadata
 * file name) makes the import idempotent. Accounts get a recording retention (days, default 90).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('recordings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    // internal | inbound | outbound
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('caller_user_id', 'text')
    .addColumn('caller_office_id', 'text')
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('caller_name', 'text')
    .addColumn('callee_user_id', 'text')
    .addColumn('callee_office_id', 'text')
    .addColumn('callee', 'text', (c) => c.notNull())
    .addColumn('callee_name', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recordings_account_started').on('recordings').columns(['account_id', 'started_at']).execute();
  await db.schema.createIndex('recordings_account_source').on('recordings').columns(['account_id', 'source']).unique().execute();
  await db.schema.alterTable('accounts').addColumn('recording_retention_days', 'integer', (c) => c.notNull().defaultTo(90)).execute();
}
