import type { Conn } from '../../db/database.ts';
import { registerUserDeletionParticipant } from '../usage/registry.ts';
import { removeForUsers } from './repository.ts';

/** Callback requests go with either of their users (nothing to change first: they are short-lived). */
registerUserDeletionParticipant({
  name: 'callbacks',
  async usage() {
    return [];
  },
  async remove(tx: Conn, accountId: string, userIds: string[]) {
    await removeForUsers(tx, accountId, userIds);
  },
});
