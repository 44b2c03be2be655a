import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Voicemail store: messages (audio in the voicemail folder, named by a server-generated UUID), recorded
 * greetings, the 777 PIN lock-out per user, and the account's retention period. Email delivery state lives in
 * the message row so the delivery job survives a restart.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('voicemail_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('folder', 'text', (c) => c.notNull())
    .addColumn('caller_number', 'text')
    .addColumn('caller_name', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('audio_file', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    // none | pending | sent | failed
    .addColumn('email_status', 'text', (c) => c.notNull())
    .addColumn('email_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('email_next_at', 'text')
    .addColumn('email_last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('voicemail_messages_mailbox').on('voicemail_messages').columns(['account_id', 'user_id', 'folder', 'received_at']).execute();
  // The delivery job's scan: pending messages due now.
  await db.schema.createIndex('voicemail_messages_email_due').on('voicemail_messages').columns(['email_status', 'email_next_at']).execute();
  // The retention job's scan per account.
  await db.schema.createIndex('voicemail_messages_received').on('voicemail_messages').columns(['account_id', 'received_at']).execute();

  await db.schema
    .createTable('voicemail_greetings')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // unavailable | busy | name
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('audio_file', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('voicemail_greetings_pk', ['user_id', 'kind'])
    .execute();

  await db.schema
    .createTable('voicemail_pin_failures')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    // wrong PINs in a row since the last correct one (or the last lock)
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // Recordings whose rows went with a deleted user (in that delete's transaction): the retention job removes
  // the files. A rolled-back delete rolls this back too, so a file is never removed while its row lives.
  await db.schema
    .createTable('voicemail_trash')
    .addColumn('audio_file', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('accounts').addColumn('voicemail_retention_days', 'integer', (c) => c.notNull().defaultTo(90)).execute();
}
