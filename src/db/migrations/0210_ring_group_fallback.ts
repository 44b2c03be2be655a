import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Ring group fallback and numbers that ring a ring group.
 *  - ring_groups.fallback_kind: where a call goes when nobody in the group answered — 'none' (480, as before),
 *    'user' (that user's devices), 'voicemail' (that user's mailbox) or 'busy' (486);
 *    ring_groups.fallback_user_id: the user of 'user' / 'voicemail' (by id, so an extension change keeps it).
 *  - numbers.ring_group_id: a DDI assigned to a ring group (a number rings a user or a group, never both).
 * No foreign keys: 'Apply Changes' restores rows wholesale; the services check the targets and Usage guards deletes.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('ring_groups').addColumn('fallback_kind', 'text', (c) => c.notNull().defaultTo('none')).execute();
  await db.schema.alterTable('ring_groups').addColumn('fallback_user_id', 'text').execute();
  await db.schema.createIndex('ring_groups_fallback_user').on('ring_groups').columns(['account_id', 'fallback_user_id']).execute();
  await db.schema.alterTable('numbers').addColumn('ring_group_id', 'text').execute();
  await db.schema.createIndex('numbers_ring_group').on('numbers').columns(['account_id', 'ring_group_id']).execute();
}
