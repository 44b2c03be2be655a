/**
 * Handset resync through Kamailio: SIP NOTIFY (Event: check-sync) to every registered contact of the device's
 * SIP user, so the phone fetches its configuration again. Implements the devices module's DeviceNotifier
 * (sendCheckSync(device) → 'sent' | 'recorded'): 'recorded' when the device is spare (no user) or the user
 * has no registered contact (nothing to send; the next fetch syncs it).
 * Talks to the running Kamailio over its control socket with kamcmd: ul.lookup for the contacts, then
 * tm.t_uac_start for each NOTIFY (sent from Kamailio's own socket, so NAT bindings are reused).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Conn } from '../../db/database.ts';
import type { CheckSyncResult, DeviceNotifier, DeviceRef } from '../devices/notifier.ts';

const run = promisify(execFile);

export interface SipTarget {
  realm: string;
  sipUsername: string;
}

export interface KamailioNotifierOptions {
  /** Kamailio's binrpc control socket, e.g. unix:/run/kamailio/kamailio_ctl (KamailioProcess.ctlSocket). */
  ctlSocket: string;
  /** The SIP user (and realm) a device registers as; null for a spare device. */
  resolve(device: DeviceRef): Promise<SipTarget | null>;
  kamcmd?: string;
}

/** Contact addresses in `kamcmd ul.lookup` output (none when the AoR is not registered). */
export function parseContacts(output: string): string[] {
  return parseBindings(output).map((b) => b.address);
}

/**
 * Each contact of `kamcmd ul.lookup` output with the address its REGISTER came from (`Received`, a sip: URI with
 * the transport), when Kamailio stored one: a phone behind NAT or on TLS is reached there — through its pinhole, or
 * over the TLS connection it opened (phones do not accept incoming TLS connections).
 */
export function parseBindings(output: string): Array<{ address: string; received?: string }> {
  return output
    .split(/^\s*Contact:\s*\{\s*$/m)
    .slice(1)
    .flatMap((block) => {
      const address = /^\s*Address:\s*(\S+)\s*$/m.exec(block)?.[1];
      if (!address) return [];
      const received = /^\s*Received:\s*(sips?:\S+)\s*$/m.exec(block)?.[1];
      return [{ address, ...(received && { received }) }];
    });
}

/** Device → SIP user: the given sipUsername, else the user the device is assigned to (devices.user_id). */
export function sipTargetResolver(conn: Conn): (device: DeviceRef) => Promise<SipTarget | null> {
  return async (device) => {
    if (device.sipUsername) {
      const a = await conn.selectFrom('accounts').select('sip_realm').where('id', '=', device.accountId).executeTakeFirst();
      return a ? { realm: a.sip_realm, sipUsername: device.sipUsername } : null;
    }
    const row = await conn
      .selectFrom('devices')
      .innerJoin('users', 'users.id', 'devices.user_id')
      .innerJoin('accounts', 'accounts.id', 'devices.account_id')
      .select(['users.sip_username', 'accounts.sip_realm'])
      .where('devices.account_id', '=', device.accountId)
      .where('devices.id', '=', device.id)
      .executeTakeFirst();
    return row ? { realm: row.sip_realm, sipUsername: row.sip_username } : null;
  };
}

/** A notifier whose Kamailio is attached later (the app is built before Kamailio starts); 'recorded' until then. */
export function lateBoundNotifier(): DeviceNotifier & { attach(n: DeviceNotifier | null): void } {
  let target: DeviceNotifier | null = null;
  return {
    attach(n) {
      target = n;
    },
    async sendCheckSync(device) {
      return target ? target.sendCheckSync(device) : 'recorded';
    },
  };
}

/**
 * Out-of-dialog NOTIFY to every registered contact of a SIP user, sent by Kamailio (kamcmd tm.t_uac_start), so
 * NAT bindings and the phone's trust in its registrar are reused. Shared by check-sync (handset resync) and
 * voicemail's message-waiting indicator. 'recorded' when the user has no registered contact.
 */
export function kamailioNotify(ctlSocket: string, kamcmd = '/usr/sbin/kamcmd') {
  const rpc = async (...args: string[]) => (await run(kamcmd, ['-s', ctlSocket, ...args], { timeout: 5000 })).stdout;
  return async (target: SipTarget, o: { fromUser: string; event: string; contentType: string; body?: string }): Promise<CheckSyncResult> => {
    const { realm, sipUsername } = target;
    if (!/^[A-Za-z0-9._-]+$/.test(sipUsername) || !/^[A-Za-z0-9.-]+$/.test(realm)) throw new Error('unexpected characters in SIP user or realm');
    const aor = `${sipUsername}@${realm}`;
    let contacts: Array<{ address: string; received?: string }>;
    try {
      contacts = parseBindings(await rpc('ul.lookup', 'location', aor));
    } catch (err) {
      // kamcmd exits non-zero with "404 - AOR not found" for an unregistered user
      if (/AOR not found|404/.test(String((err as { stdout?: string; stderr?: string }).stdout ?? '') + String((err as Error).message))) return 'recorded';
      throw err;
    }
    if (contacts.length === 0) return 'recorded';
    for (const { address: contact, received } of contacts) {
      const headers = [
        `From: <sip:${o.fromUser}@${realm}>;tag=${randomBytes(6).toString('hex')}`,
        `To: <sip:${aor}>`,
        `Event: ${o.event}`,
        'Subscription-State: terminated',
        `Content-Type: ${o.contentType}`,
        '',
      ].join('\r\n');
      // next hop: the received address when there is one (NAT pinhole, the phone's TLS connection), else the Contact
      await rpc('tm.t_uac_start', 'NOTIFY', contact, received ?? '.', '.', headers, ...(o.body ? [o.body] : []));
    }
    return 'sent';
  };
}

export function createKamailioNotifier(o: KamailioNotifierOptions): DeviceNotifier {
  const notify = kamailioNotify(o.ctlSocket, o.kamcmd);
  return {
    async sendCheckSync(device: DeviceRef): Promise<CheckSyncResult> {
      const target = await o.resolve(device);
      if (!target) return 'recorded';
      return notify(target, { fromUser: 'provisioning', event: 'check-sync', contentType: 'text/plain' });
    },
  };
}
