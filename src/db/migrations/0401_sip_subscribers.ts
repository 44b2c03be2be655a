import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * The credential view Kamailio's auth_db reads (table name `sip_subscribers`): one row per ENABLED user,
 * username = the SIP username Switchboard issued, domain = the account's SIP realm, password = the current
 * SIP password (auth_db calculate_ha1=1). Being a view over the live tables, a disabled or deleted user or a
 * regenerated password takes effect on the very next REGISTER/INVITE: there is no copy to keep in sync.
 * The lookup (username, domain) is served by accounts.sip_realm (unique) and users(account_id, sip_username).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await sql`
    create view sip_subscribers as
    select u.sip_username as username, a.sip_realm as domain, u.sip_password as password, u.id as user_id, a.id as account_id
    from users u join accounts a on a.id = u.account_id
    where u.enabled = 1`.execute(db);
}
