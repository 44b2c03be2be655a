import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Each account's media library (issue 13): hold music tracks, stored as 8 kHz 16-bit mono WAV in the media
 * folder under a server-generated name (`<id>.wav`). Names are unique per account, case-insensitive (name_key).
 * Offices' On Hold Music becomes a reference: 'default' (the built-in track) or a media file id of the same
 * account; every earlier free-text value ('jazz') is mapped to 'default'.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('media_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    // hold_music (the only kind so far)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('media_files_account_name').on('media_files').columns(['account_id', 'name_key']).unique().execute();
  await sql`update offices set on_hold_music = 'default'
    where on_hold_music <> 'default'
      and on_hold_music not in (select m.id from media_files m where m.account_id = offices.account_id and m.kind = 'hold_music')`.execute(db);
}
