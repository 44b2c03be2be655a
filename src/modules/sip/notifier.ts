/**
 * Handset resync through Kamailio: SIP NOTIFY (Event: check-sync) to every registered contact of the device's
 * SIP user, so the phone fetches its configuration again. Implements the provisioning module's
 * DeviceNotifier interface structurally (sendCheckSync(device) → 'sent' | 'recorded'): 'recorded' when the
 * device has no SIP user or the user has no registered contact (nothing to send; the next fetch syncs it).
 * Talks to the running Kamailio over its control socket with kamcmd: ul.lookup for the contacts, then
 * tm.t_uac_start for each NOTIFY (sent from Kamailio's own socket, so NAT bindings are reused).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Conn } from '../../db/database.ts';

const run = promisify(execFile);

export interface CheckSyncDevice {
  id: string;
  accountId: string;
  mac: string;
  vendor: string;
  sipUsername?: string | null;
}
export type CheckSyncResult = 'sent' | 'recorded';

export interface KamailioNotifierOptions {
  /** Kamailio's binrpc control socket, e.g. unix:/run/kamailio/kamailio_ctl (KamailioProcess.ctlSocket). */
  ctlSocket: string;
  realmOf(accountId: string): Promise<string | null>;
  kamcmd?: string;
}

/** Contact addresses in `kamcmd ul.lookup` output (none when the AoR is not registered). */
export function parseContacts(output: string): string[] {
  return [...output.matchAll(/^\s*Address:\s*(\S+)\s*$/gm)].map((m) => m[1]!);
}

export function realmResolver(conn: Conn): (accountId: string) => Promise<string | null> {
  return async (accountId) => (await conn.selectFrom('accounts').select('sip_realm').where('id', '=', accountId).executeTakeFirst())?.sip_realm ?? null;
}

export function createKamailioNotifier(o: KamailioNotifierOptions) {
  const kamcmd = o.kamcmd ?? '/usr/sbin/kamcmd';
  const rpc = async (...args: string[]) => (await run(kamcmd, ['-s', o.ctlSocket, ...args], { timeout: 5000 })).stdout;
  return {
    async sendCheckSync(device: CheckSyncDevice): Promise<CheckSyncResult> {
      if (!device.sipUsername) return 'recorded';
      const realm = await o.realmOf(device.accountId);
      if (!realm) return 'recorded';
      if (!/^[A-Za-z0-9._-]+$/.test(device.sipUsername) || !/^[A-Za-z0-9.-]+$/.test(realm)) throw new Error('unexpected characters in SIP user or realm');
      const aor = `${device.sipUsername}@${realm}`;
      let contacts: string[];
      try {
        contacts = parseContacts(await rpc('ul.lookup', 'location', aor));
      } catch (err) {
        // kamcmd exits non-zero with "404 - AOR not found" for an unregistered user
        if (/AOR not found|404/.test(String((err as { stdout?: string; stderr?: string }).stdout ?? '') + String((err as Error).message))) return 'recorded';
        throw err;
      }
      if (contacts.length === 0) return 'recorded';
      for (const contact of contacts) {
        const headers = [
          `From: <sip:provisioning@${realm}>;tag=${randomBytes(6).toString('hex')}`,
          `To: <sip:${aor}>`,
          'Event: check-sync',
          'Subscription-State: terminated',
          'Content-Type: text/plain',
          '',
        ].join('\r\n');
        await rpc('tm.t_uac_start', 'NOTIFY', contact, '.', '.', headers);
      }
      return 'sent';
    },
  };
}
