import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Call history (issue 15): one row per call attempt the SIP server routed (or refused), written by Switchboard
 * from the routing question (/sip/route with the Call-ID) and Kamailio's call events (/sip/call-event:
 * answered, ended, failed). No foreign keys to users/offices: history keeps the names of users deleted since.
 * Per-account retention (call_retention_days) and the account's concurrent external call limit (null = no
 * limit; a user's own limit is users.security.maxExternalCalls), which Kamailio enforces with dialog profiles.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    // SIP Call-ID of the caller's INVITE (how Kamailio's events find the row)
    .addColumn('sip_call_id', 'text', (c) => c.notNull())
    // internal | inbound | outbound
    .addColumn('direction', 'text', (c) => c.notNull())
    // the routing decision's kind (internal, inbound, local, national, mobile, international, emergency, voicemail-deposit ...)
    .addColumn('kind', 'text', (c) => c.notNull())
    // which rule routed it: the routing steps' `why`, in order (devices, divert ..., smart calling ..., voicemail, ring group ...)
    .addColumn('routed_by', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('dialled', 'text', (c) => c.notNull())
    .addColumn('caller_user_id', 'text')
    .addColumn('callee_user_id', 'text')
    .addColumn('caller_office_id', 'text')
    .addColumn('callee_office_id', 'text')
    // ringing (in progress) | answered | failed
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('sip_code', 'integer')
    .addColumn('sip_reason', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text')
    .addColumn('ended_at', 'text')
    // talk time in seconds (answered → ended); null until the call ends
    .addColumn('duration_s', 'integer')
    .execute();
  await db.schema.createIndex('calls_account_started').on('calls').columns(['account_id', 'started_at', 'id']).execute();
  await db.schema.createIndex('calls_caller_started').on('calls').columns(['account_id', 'caller_user_id', 'started_at']).execute();
  await db.schema.createIndex('calls_callee_started').on('calls').columns(['account_id', 'callee_user_id', 'started_at']).execute();
  await db.schema.createIndex('calls_sip_call_id').on('calls').column('sip_call_id').execute();
  await db.schema.alterTable('accounts').addColumn('call_retention_days', 'integer', (c) => c.notNull().defaultTo(365)).execute();
  await db.schema.alterTable('accounts').addColumn('max_external_calls', 'integer').execute();
}
