import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Office Day/Night: the mode (an operational switch: 'day' | 'night', live, never a pending change) and where
 * calls to the office's main number (its default outbound number) go in each mode: a user's or a ring group's
 * extension, 'voicemail:<ext>', 'busy' or 'none'.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('offices').addColumn('day_night_mode', 'text', (c) => c.notNull().defaultTo('day')).execute();
  await db.schema.alterTable('offices').addColumn('day_destination', 'text', (c) => c.notNull().defaultTo('none')).execute();
  await db.schema.alterTable('offices').addColumn('night_destination', 'text', (c) => c.notNull().defaultTo('none')).execute();
}
