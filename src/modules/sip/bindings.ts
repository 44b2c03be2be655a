/**
 * Registrations end with the credentials: when a user is deleted or disabled, renamed (SIP username) or gets a
 * new SIP password, the registered devices (usrloc bindings) of the old identity are removed from Kamailio at
 * once (`kamcmd ul.rm location <user>@<realm>`), instead of staying reachable until they expire. Authentication
 * already refuses the next REGISTER/INVITE (sip_subscribers, migration 0401); this closes the other direction,
 * calls *to* a device that still holds a binding. With persistent registrations (usrloc write-back, migration
 * 0410) ul.rm also removes them from the store.
 *
 * Side effect behind one interface (BindingRemover), with an RPC implementation and a fake for unit tests;
 * `bindingCleanup` maps domain events to removals (pure decision in `aorsToRemove`).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Conn } from '../../db/database.ts';
import type { DomainEvent, EventHandler } from '../../shared/events.ts';
import type { SipTarget } from './notifier.ts';

const run = promisify(execFile);

export interface BindingRemover {
  /** Removes every registered contact of the AoR; 'removed' or 'none' (it had none). */
  remove(target: SipTarget): Promise<'removed' | 'none'>;
}

/** Kamailio RPC over its binrpc control socket (KamailioProcess.ctlSocket). */
export function kamailioBindingRemover(ctlSocket: string, kamcmd = '/usr/sbin/kamcmd'): BindingRemover {
  return {
    async remove({ sipUsername, realm }) {
      if (!/^[A-Za-z0-9._-]+$/.test(sipUsername) || !/^[A-Za-z0-9.-]+$/.test(realm)) throw new Error('unexpected characters in SIP user or realm');
      try {
        await run(kamcmd, ['-s', ctlSocket, 'ul.rm', 'location', `${sipUsername}@${realm}`], { timeout: 5000 });
        return 'removed';
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        // "404 - AOR not found" (never registered, or already gone)
        if (/AOR not found|404/.test(`${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`)) return 'none';
        throw err;
      }
    },
  };
}

/** A remover attached once Kamailio runs (the app is built first); removals before that have nothing to remove. */
export function lateBoundRemover(): BindingRemover & { attach(r: BindingRemover | null): void } {
  let target: BindingRemover | null = null;
  return {
    attach(r) {
      target = r;
    },
    async remove(t) {
      return target ? target.remove(t) : 'none';
    },
  };
}

interface UserSnapshot {
  sipUsername?: string;
  enabled?: boolean;
}

/**
 * Which SIP usernames of the event's user lose their bindings: deleted → the old one; disabled → the old one;
 * renamed → the old one; new SIP password → the current one (`current`, read from the store by the caller).
 */
export function aorsToRemove(e: Pick<DomainEvent, 'type' | 'before' | 'after'>, current: string | null): string[] {
  const before = (e.before ?? {}) as UserSnapshot;
  const after = (e.after ?? {}) as UserSnapshot;
  switch (e.type) {
    case 'user.deleted':
      return before.sipUsername ? [before.sipUsername] : [];
    case 'user.updated': {
      const out = new Set<string>();
      if (before.sipUsername && before.enabled !== false && after.enabled === false) out.add(before.sipUsername);
      if (before.sipUsername && after.sipUsername && before.sipUsername !== after.sipUsername) out.add(before.sipUsername);
      return [...out];
    }
    case 'user.sip_password_regenerated':
      return current ? [current] : [];
    default:
      return [];
  }
}

/** Event handler: removes the bindings `aorsToRemove` names (realm and current SIP username from the store). */
export function bindingCleanup(conn: Conn, remover: BindingRemover): EventHandler {
  return async (e) => {
    if (!['user.deleted', 'user.updated', 'user.sip_password_regenerated'].includes(e.type)) return;
    let current: string | null = null;
    if (e.type === 'user.sip_password_regenerated') {
      const row = await conn.selectFrom('users').select('sip_username').where('account_id', '=', e.accountId).where('id', '=', e.resourceId).executeTakeFirst();
      current = row?.sip_username ?? null;
    }
    const names = aorsToRemove(e, current);
    if (names.length === 0) return;
    const account = await conn.selectFrom('accounts').select('sip_realm').where('id', '=', e.accountId).executeTakeFirst();
    if (!account) return;
    for (const sipUsername of names) await remover.remove({ sipUsername, realm: account.sip_realm });
  };
}
