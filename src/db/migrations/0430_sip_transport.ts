import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * SIP over TLS (issue 15): the account chooses how its phones reach Kamailio. `udp` (the default, what every
 * account had) or `tls`: provisioning then points the phones at Kamailio's TLS port, with SRTP on when the media
 * relay (rtpengine) is configured (docs/sip.md "SIP over TLS and SRTP").
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('sip_transport', 'text', (c) => c.notNull().defaultTo('udp')).execute();
}
