import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/** Accounts (tenants), provider API keys, the number pool, offices and users. */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sip_realm', 'text', (c) => c.notNull().unique())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('extension_length', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('provider_api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('e164', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text')
    .addColumn('user_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('numbers_account').on('numbers').columns(['account_id', 'e164']).execute();

  await db.schema
    .createTable('offices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('area_code', 'text')
    .addColumn('default_outbound_number', 'text')
    .addColumn('on_hold_music', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('offices_account_name').on('offices').columns(['account_id', 'name_key']).unique().execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('office_id', 'text', (c) => c.notNull().references('offices.id'))
    .addColumn('extension', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('alt_email', 'text')
    .addColumn('department', 'text')
    .addColumn('user_type', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('include_in_directory', 'integer', (c) => c.notNull())
    .addColumn('ring_time', 'integer', (c) => c.notNull())
    .addColumn('pickup_group', 'text')
    .addColumn('outbound_number', 'text')
    .addColumn('hide_caller_id', 'integer', (c) => c.notNull())
    .addColumn('sip_username', 'text', (c) => c.notNull())
    .addColumn('sip_password', 'text', (c) => c.notNull())
    .addColumn('behind_firewall', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('vm_enabled', 'integer', (c) => c.notNull())
    .addColumn('vm_pin', 'text')
    .addColumn('vm_email_delivery', 'integer', (c) => c.notNull())
    .addColumn('vm_email', 'text')
    .addColumn('vm_delete_after_email', 'integer', (c) => c.notNull())
    .addColumn('vm_keep_on_server', 'integer', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('security', 'text', (c) => c.notNull())
    .addColumn('apps', 'text', (c) => c.notNull())
    .addColumn('portal_password_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_account_ext').on('users').columns(['account_id', 'extension']).unique().execute();
  await db.schema.createIndex('users_account_email').on('users').columns(['account_id', 'email']).unique().execute();
  await db.schema.createIndex('users_account_sip').on('users').columns(['account_id', 'sip_username']).unique().execute();
  await db.schema.createIndex('users_office_ext').on('users').columns(['account_id', 'office_id', 'extension']).execute();
  // Prefix filters on names: expression indexes on lower(); PostgreSQL needs text_pattern_ops for LIKE 'x%'.
  const ops = ctx.dialect === 'postgres' ? sql.raw(' text_pattern_ops') : sql.raw('');
  for (const col of ['first_name', 'last_name', 'display_name']) {
    await sql`create index ${sql.id(`users_${col}_lc`)} on users (account_id, lower(${sql.ref(col)})${ops})`.execute(db);
  }
  if (ctx.dialect === 'postgres') {
    await sql`create index users_email_prefix on users (account_id, email text_pattern_ops)`.execute(db);
    await sql`create index users_ext_prefix on users (account_id, extension text_pattern_ops)`.execute(db);
  }
}
