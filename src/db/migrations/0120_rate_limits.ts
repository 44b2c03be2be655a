import { sql, type Kysely } from 'kysely';

/**
 * Rate-limit windows shared by every API node of one store (issue 17): login failures and attempts, password
 * reset requests, and phone-provisioning strikes per source address. One row per key: its count in the current
 * fixed window and when that window ends (ms since the epoch). Expired rows are swept as new ones are written.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table rate_limits (
    key text primary key,
    count integer not null,
    reset_at bigint not null
  )`.execute(db);
  await sql`create index rate_limits_reset_at on rate_limits (reset_at)`.execute(db);
}
