import type { Conn } from '../../db/database.ts';
import type { UsageItem } from '../../shared/errors.ts';

/**
 * Modules that keep rows per user (devices, sessions, API keys ...) register here so that Usage lists
 * them and a user delete removes them in the same transaction. A participant that returns items with
 * removal 'cascade' makes a plain delete refuse; `remove` runs only when the delete goes ahead.
 */
export interface UserDeletionParticipant {
  name: string;
  usage(conn: Conn, accountId: string, userIds: string[]): Promise<Array<UsageItem & { userId: string }>>;
  remove(tx: Conn, accountId: string, userIds: string[]): Promise<void>;
}

const participants = new Map<string, UserDeletionParticipant>();

export function registerUserDeletionParticipant(p: UserDeletionParticipant): void {
  participants.set(p.name, p);
}

export function userDeletionParticipants(): UserDeletionParticipant[] {
  return [...participants.values()];
}
