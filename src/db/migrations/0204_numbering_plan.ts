import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * One numbering plan per account, enforced by the database: users and ring groups share an account's extension
 * space, and a check across the two tables inside READ COMMITTED (PostgreSQL) let a racing user create and ring
 * group create both take one extension. `numbering_plan` holds one row per owned extension with a unique key
 * (account, extension); triggers on `users` and `ring_groups` keep it in step on every write path (API, import,
 * discard, demo seed), so the second owner's INSERT/UPDATE fails with a unique violation whose constraint names
 * the extension. Existing duplicates (from before this migration) keep their first owner's entry.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await sql`create table numbering_plan (
    account_id text not null references accounts(id),
    extension text not null,
    owner_kind text not null,
    owner_id text not null,
    constraint numbering_plan_ext_unique unique (account_id, extension)
  )`.execute(db);
  await sql`create unique index numbering_plan_owner on numbering_plan (owner_kind, owner_id)`.execute(db);
  if (ctx.dialect === 'sqlite') {
    for (const [table, kind] of [['users', 'user'], ['ring_groups', 'ring_group']] as const) {
      const t = sql.raw(table);
      const k = sql.lit(kind);
      await sql.raw(`create trigger numbering_plan_${table}_ins after insert on ${table} begin
        insert into numbering_plan (account_id, extension, owner_kind, owner_id) values (new.account_id, new.extension, '${kind}', new.id);
      end`).execute(db);
      await sql.raw(`create trigger numbering_plan_${table}_upd after update of extension, account_id on ${table}
        when new.extension is not old.extension or new.account_id is not old.account_id begin
        update numbering_plan set extension = new.extension, account_id = new.account_id where owner_kind = '${kind}' and owner_id = old.id;
      end`).execute(db);
      await sql.raw(`create trigger numbering_plan_${table}_del after delete on ${table} begin
        delete from numbering_plan where owner_kind = '${kind}' and owner_id = old.id;
      end`).execute(db);
      await sql`insert into numbering_plan (account_id, extension, owner_kind, owner_id)
        select account_id, extension, ${k}, id from ${t} where true on conflict do nothing`.execute(db);
    }
  } else {
    await sql`create or replace function numbering_plan_sync() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          insert into numbering_plan (account_id, extension, owner_kind, owner_id) values (new.account_id, new.extension, tg_argv[0], new.id);
        elsif tg_op = 'UPDATE' then
          if new.extension is distinct from old.extension or new.account_id is distinct from old.account_id then
            update numbering_plan set extension = new.extension, account_id = new.account_id where owner_kind = tg_argv[0] and owner_id = old.id;
          end if;
        else
          delete from numbering_plan where owner_kind = tg_argv[0] and owner_id = old.id;
        end if;
        return null;
      end $$`.execute(db);
    for (const [table, kind] of [['users', 'user'], ['ring_groups', 'ring_group']] as const) {
      const t = sql.raw(table);
      await sql`create trigger ${sql.raw(`numbering_plan_${table}`)} after insert or update of extension, account_id or delete on ${t}
        for each row execute function numbering_plan_sync(${sql.lit(kind)})`.execute(db);
      await sql`insert into numbering_plan (account_id, extension, owner_kind, owner_id)
        select account_id, extension, ${sql.lit(kind)}, id from ${t} on conflict do nothing`.execute(db);
    }
  }
}
