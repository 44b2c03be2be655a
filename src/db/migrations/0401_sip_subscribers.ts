import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * The credential table Kamailio's auth_db reads (`sip_subscribers`): one row per ENABLED user, username = the
 * SIP username Switchboard issued, domain = the account's SIP realm, password = the current SIP password
 * (auth_db calculate_ha1=1). Primary key (username, domain) = exactly auth_db's lookup.
 *
 * Triggers on `users` (and `accounts.sip_realm`) maintain it inside the same transaction as every write, so a
 * disabled or deleted user or a regenerated password takes effect on the very next REGISTER/INVITE, whatever
 * code path wrote the user (service, bulk import, SQL). A table rather than a view over users ⋈ accounts:
 * Kamailio's lookup is then a single primary-key probe, the same cost as a static credential table
 * (bench/sip.bench.ts measured the view at ~0.85 of that).
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('sip_subscribers')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('password', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sip_subscribers_pk', ['username', 'domain'])
    .execute();
  await db.schema.createIndex('sip_subscribers_account').on('sip_subscribers').column('account_id').execute();

  const fromNew = sql`select new.sip_username, a.sip_realm, new.sip_password, new.id, new.account_id from accounts a where a.id = new.account_id`;

  if (ctx.dialect === 'sqlite') {
    await sql`create trigger sip_subscribers_user_ins after insert on users when new.enabled = 1 begin
      insert into sip_subscribers (username, domain, password, user_id, account_id) ${fromNew};
    end`.execute(db);
    await sql`create trigger sip_subscribers_user_upd after update of sip_username, sip_password, enabled, account_id on users begin
      delete from sip_subscribers where user_id = old.id;
      insert into sip_subscribers (username, domain, password, user_id, account_id) ${fromNew} and new.enabled = 1;
    end`.execute(db);
    await sql`create trigger sip_subscribers_user_del after delete on users begin
      delete from sip_subscribers where user_id = old.id;
    end`.execute(db);
    await sql`create trigger sip_subscribers_realm after update of sip_realm on accounts begin
      update sip_subscribers set domain = new.sip_realm where account_id = new.id;
    end`.execute(db);
  } else {
    await sql`create function sip_subscribers_sync() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then
          delete from sip_subscribers where user_id = old.id;
        end if;
        if tg_op in ('INSERT', 'UPDATE') and new.enabled = 1 then
          insert into sip_subscribers (username, domain, password, user_id, account_id)
          select new.sip_username, a.sip_realm, new.sip_password, new.id, new.account_id from accounts a where a.id = new.account_id;
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger sip_subscribers_users after insert or update of sip_username, sip_password, enabled, account_id or delete on users
      for each row execute function sip_subscribers_sync()`.execute(db);
    await sql`create function sip_subscribers_realm() returns trigger language plpgsql as $$
      begin
        update sip_subscribers set domain = new.sip_realm where account_id = new.id;
        return null;
      end $$`.execute(db);
    await sql`create trigger sip_subscribers_realm after update of sip_realm on accounts
      for each row execute function sip_subscribers_realm()`.execute(db);
  }
  // users created before this migration
  await sql`insert into sip_subscribers (username, domain, password, user_id, account_id)
    select u.sip_username, a.sip_realm, u.sip_password, u.id, u.account_id from users u join accounts a on a.id = u.account_id where u.enabled = 1`.execute(db);
}
