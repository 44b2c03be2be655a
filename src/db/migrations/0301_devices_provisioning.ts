import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Handsets (devices) and the phone-facing provisioning server: per-account provisioning credentials and
 * path token, and the log of refused provisioning requests.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    // 12 lowercase hex digits; unique across ALL accounts (a phone can only fetch one configuration).
    .addColumn('mac', 'text', (c) => c.notNull().unique())
    .addColumn('vendor', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    // null = follows the owner's display name (seed 002)
    .addColumn('label', 'text')
    // null = unassigned (spare); deleting the user makes the handset a spare
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('line_keys', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('locked_ip', 'text')
    .addColumn('locked_at', 'text')
    .addColumn('unlocked_until', 'text')
    .addColumn('last_provisioned_at', 'text')
    .addColumn('last_provisioned_ip', 'text')
    .addColumn('last_user_agent', 'text')
    .addColumn('resync_requested_at', 'text')
    .addColumn('resync_status', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('devices_account_user').on('devices').columns(['account_id', 'user_id']).execute();
  await db.schema.createIndex('devices_user').on('devices').columns(['user_id']).execute();

  await db.schema
    .createTable('provisioning_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password', 'text', (c) => c.notNull())
    .addColumn('path_token', 'text', (c) => c.notNull().unique())
    .addColumn('auth_mode', 'text', (c) => c.notNull())
    .addColumn('require_token', 'integer', (c) => c.notNull())
    .addColumn('allowed_cidrs', 'text', (c) => c.notNull())
    .addColumn('mac_lock', 'integer', (c) => c.notNull())
    .addColumn('overrides', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('provisioning_refusals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('mac', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('provisioning_refusals_account_at').on('provisioning_refusals').columns(['account_id', 'at']).execute();
}
