/**
 * Message-waiting indicator: whenever a mailbox changes (deposit, heard, deleted, emailed-and-deleted,
 * expired — the voicemail.message.* events), the mailbox owner's phones get a NOTIFY (Event:
 * message-summary, RFC 3842) with `Messages-Waiting: yes/no` and `Voice-Message: new/old`: in their
 * subscription dialog when they subscribed (Kamailio routes message-summary SUBSCRIBEs to the voicemail
 * server), else unsolicited to every registered contact, sent by Kamailio so it reaches phones behind NAT.
 * Nothing crosses tenants: the target is looked up by the event's account and user.
 */
import type { Conn } from '../../db/database.ts';
import type { DomainEvent, EventBus } from '../../shared/events.ts';
import type { SipTarget } from '../sip/notifier.ts';
import { VOICEMAIL_EVENTS } from './backend.ts';

export interface MwiTarget extends SipTarget {
  extension: string;
}

export type MwiSend = (target: MwiTarget, body: string) => Promise<'sent' | 'recorded'>;

/** RFC 3842 body. */
export function messageSummary(target: MwiTarget, s: { newCount: number; savedCount: number }): string {
  return [`Messages-Waiting: ${s.newCount > 0 ? 'yes' : 'no'}`, `Message-Account: sip:${target.extension}@${target.realm}`, `Voice-Message: ${s.newCount}/${s.savedCount} (0/0)`, ''].join('\r\n');
}

export async function mwiTarget(conn: Conn, accountId: string, userId: string): Promise<MwiTarget | null> {
  const row = await conn
    .selectFrom('users')
    .innerJoin('accounts', 'accounts.id', 'users.account_id')
    .select(['users.sip_username', 'users.extension', 'accounts.sip_realm'])
    .where('users.account_id', '=', accountId)
    .where('users.id', '=', userId)
    .executeTakeFirst();
  return row ? { sipUsername: row.sip_username, realm: row.sip_realm, extension: row.extension } : null;
}

function mailboxOwner(e: DomainEvent): string | null {
  for (const side of [e.after, e.before]) {
    const id = (side as { userId?: unknown } | undefined)?.userId;
    if (typeof id === 'string') return id;
  }
  return null;
}

/**
 * Subscribes to voicemail events and refreshes the owner's lamp. `summary` counts the mailbox (the store);
 * `send` delivers the NOTIFY (Kamailio in production, a recorder in tests). Returns the unsubscribe function.
 */
export function startMwi(o: {
  events: EventBus;
  conn: Conn;
  summary(accountId: string, userId: string): Promise<{ newCount: number; savedCount: number }>;
  send: MwiSend;
  /** NOTIFY in the phones' own subscription dialogs (the voicemail server); returns how many were notified. */
  subscribed?: (accountId: string, userId: string, summary: { newCount: number; savedCount: number }) => number;
  onError?: (err: unknown) => void;
}): () => void {
  const types = new Set<string>(VOICEMAIL_EVENTS);
  return o.events.subscribe(async (e) => {
    if (!types.has(e.type)) return;
    const userId = mailboxOwner(e);
    if (!userId) return;
    try {
      const target = await mwiTarget(o.conn, e.accountId, userId);
      if (!target) return;
      const summary = await o.summary(e.accountId, userId);
      // phones that subscribed get it in their subscription; otherwise every registered phone, unsolicited
      if ((o.subscribed?.(e.accountId, userId, summary) ?? 0) > 0) return;
      await o.send(target, messageSummary(target, summary));
    } catch (err) {
      o.onError?.(err);
    }
  }, { remote: true });
}
