import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Pickup groups (users.pickup_group text becomes a reference), ring (hunt) groups with user members,
 * per-user call flows stored as data, and an index for 'numbers of a user'.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('pickup_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pickup_groups_account_name').on('pickup_groups').columns(['account_id', 'name_key']).unique().execute();

  // users.pickup_group (free text) → users.pickup_group_id: one group per distinct name (case-insensitive) per account.
  await db.schema.alterTable('users').addColumn('pickup_group_id', 'text', (c) => c.references('pickup_groups.id')).execute();
  const rows = (await sql<{ account_id: string; pickup_group: string }>`select account_id, pickup_group from users where pickup_group is not null and pickup_group <> ''`.execute(db)).rows;
  const groups = new Map<string, { id: string; account_id: string; name: string; name_key: string }>();
  for (const r of rows) {
    const name = r.pickup_group.trim();
    const key = `${r.account_id}\u0000${name.toLowerCase()}`;
    if (!groups.has(key)) groups.set(key, { id: randomUUID(), account_id: r.account_id, name, name_key: name.toLowerCase() });
  }
  const now = new Date().toISOString();
  for (const g of groups.values()) {
    await sql`insert into pickup_groups (id, account_id, name, name_key, created_at, updated_at) values (${g.id}, ${g.account_id}, ${g.name}, ${g.name_key}, ${now}, ${now})`.execute(db);
    await sql`update users set pickup_group_id = ${g.id} where account_id = ${g.account_id} and lower(trim(pickup_group)) = ${g.name_key}`.execute(db);
  }
  await db.schema.alterTable('users').dropColumn('pickup_group').execute();
  await db.schema.createIndex('users_pickup_group').on('users').columns(['pickup_group_id']).execute();

  await db.schema
    .createTable('ring_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('extension', 'text', (c) => c.notNull())
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('ring_time', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ring_groups_account_ext').on('ring_groups').columns(['account_id', 'extension']).unique().execute();
  await db.schema.createIndex('ring_groups_account_name').on('ring_groups').columns(['account_id', 'name_key']).unique().execute();

  await db.schema
    .createTable('ring_group_members')
    .addColumn('ring_group_id', 'text', (c) => c.notNull().references('ring_groups.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('ring_group_members_pk', ['ring_group_id', 'user_id'])
    .execute();
  await db.schema.createIndex('ring_group_members_user').on('ring_group_members').columns(['user_id']).execute();

  await db.schema
    .createTable('call_flows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().unique().references('users.id'))
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('call_flows_account').on('call_flows').columns(['account_id']).execute();

  await db.schema.createIndex('numbers_user').on('numbers').columns(['account_id', 'user_id']).execute();
}
