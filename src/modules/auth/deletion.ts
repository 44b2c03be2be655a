import type { Conn } from '../../db/database.ts';
import { registerUserDeletionParticipant } from '../usage/registry.ts';

/**
 * A user's logins go with the user, in the delete's own transaction (also for bulk paths such as
 * discarding unapplied changes): sessions, API keys, password tokens and Site Manager office grants.
 * Usage lists their API keys ("removed with the user"); nothing here blocks a delete.
 */
registerUserDeletionParticipant({
  name: 'auth',
  async usage(conn: Conn, accountId: string, userIds: string[]) {
    const keys = await conn.selectFrom('api_keys').select(['id', 'user_id', 'name', 'key_prefix']).where('account_id', '=', accountId).where('user_id', 'in', userIds).where('revoked_at', 'is', null).orderBy('name').execute();
    return keys.map((k) => ({ userId: k.user_id!, kind: 'api_key', id: k.id, name: k.name, description: `API key '${k.name}' (${k.key_prefix}…) acts as this user (removed with the user)`, removal: 'with_resource' as const }));
  },
  async remove(tx: Conn, accountId: string, userIds: string[]) {
    await tx.deleteFrom('sessions').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute();
    await tx.deleteFrom('api_keys').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute();
    await tx.deleteFrom('password_tokens').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute();
    await tx.deleteFrom('user_offices').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute();
  },
});
