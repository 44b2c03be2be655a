import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Callback on busy (issue 14, seed 001 'Enable Callback'): a caller who found an internal extension busy
 * asked to be called back when it is free. One row per request; `state` pending → completed | cancelled |
 * expired. At most one *pending* request per (account, caller, callee) — a partial unique index, the same on
 * SQLite and PostgreSQL. The feature server's dialer reads the pending ones (callbacks_pending).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('callbacks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    // the caller who asked (gets called first) and the busy extension's user
    .addColumn('caller_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('callee_user_id', 'text', (c) => c.notNull().references('users.id'))
    // pending | completed | cancelled | expired
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_attempt_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // how long a request stays pending: an account setting (accounts API callbackExpiryMinutes, 1–1440)
  await db.schema.alterTable('accounts').addColumn('callback_expiry_minutes', 'integer', (c) => c.notNull().defaultTo(30)).execute();
  await db.schema.createIndex('callbacks_one_pending').on('callbacks').columns(['account_id', 'caller_user_id', 'callee_user_id']).unique().where(sql.ref('state'), '=', 'pending').execute();
  await db.schema.createIndex('callbacks_pending').on('callbacks').columns(['state', 'expires_at']).execute();
  await db.schema.createIndex('callbacks_caller').on('callbacks').columns(['account_id', 'caller_user_id', 'created_at']).execute();
}
