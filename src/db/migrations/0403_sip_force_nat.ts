import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * The per-user NAT setting ('Behind firewall', users.behind_firewall) reaches Kamailio: `sip_subscribers`
 * gets `force_nat`, kept by the same triggers, and auth_db loads it with the credentials
 * (`load_credentials`), so a REGISTER or INVITE of such a user is treated as behind NAT (contact fixed to the
 * received address, keep-alives, media relayed by rtpengine) even when Kamailio's own NAT tests see nothing.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await sql`alter table sip_subscribers add column force_nat integer not null default 0`.execute(db);
  const fromNew = sql`select new.sip_username, a.sip_realm, new.sip_password, new.id, new.account_id, new.behind_firewall from accounts a where a.id = new.account_id`;
  if (ctx.dialect === 'sqlite') {
    await sql`drop trigger sip_subscribers_user_ins`.execute(db);
    await sql`drop trigger sip_subscribers_user_upd`.execute(db);
    await sql`create trigger sip_subscribers_user_ins after insert on users when new.enabled = 1 begin
      insert into sip_subscribers (username, domain, password, user_id, account_id, force_nat) ${fromNew};
    end`.execute(db);
    await sql`create trigger sip_subscribers_user_upd after update of sip_username, sip_password, enabled, account_id, behind_firewall on users begin
      delete from sip_subscribers where user_id = old.id;
      insert into sip_subscribers (username, domain, password, user_id, account_id, force_nat) ${fromNew} and new.enabled = 1;
    end`.execute(db);
  } else {
    await sql`drop trigger sip_subscribers_users on users`.execute(db);
    await sql`create or replace function sip_subscribers_sync() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then
          delete from sip_subscribers where user_id = old.id;
        end if;
        if tg_op in ('INSERT', 'UPDATE') and new.enabled = 1 then
          insert into sip_subscribers (username, domain, password, user_id, account_id, force_nat)
          select new.sip_username, a.sip_realm, new.sip_password, new.id, new.account_id, new.behind_firewall from accounts a where a.id = new.account_id;
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger sip_subscribers_users after insert or update of sip_username, sip_password, enabled, account_id, behind_firewall or delete on users
      for each row execute function sip_subscribers_sync()`.execute(db);
  }
  await sql`update sip_subscribers set force_nat = (select u.behind_firewall from users u where u.id = sip_subscribers.user_id)`.execute(db);
}
