import type { Conn } from '../../db/database.ts';
import { formatMac } from '../devices/rules.ts';
import { registerUserDeletionParticipant } from './registry.ts';

/**
 * Handsets (devices table, provisioning module) in Usage and delete: a user's handsets block a plain
 * delete; ?cascade=true deletes them in the same transaction (seed 002 'remove devices').
 */
export function registerDevicesParticipant(): void {
  registerUserDeletionParticipant({
    name: 'devices',
    async usage(conn: Conn, accountId: string, userIds: string[]) {
      const rows = await conn.selectFrom('devices').select(['id', 'user_id', 'mac', 'vendor', 'model', 'label']).where('account_id', '=', accountId).where('user_id', 'in', userIds).orderBy('mac').execute();
      return rows.map((d) => ({
        userId: d.user_id!,
        kind: 'device',
        id: d.id,
        name: `${d.model.toUpperCase()} ${formatMac(d.mac)}`,
        description: `handset ${d.vendor} ${d.model} ${formatMac(d.mac)}${d.label ? ` '${d.label}'` : ''} (removed with cascade)`,
        removal: 'cascade' as const,
      }));
    },
    async remove(tx: Conn, accountId: string, userIds: string[]) {
      await tx.deleteFrom('devices').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute();
    },
  });
}

registerDevicesParticipant();
