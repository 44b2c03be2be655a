import type { Conn } from '../../db/database.ts';
import { nowIso } from '../../shared/ids.ts';
import { registerUserDeletionParticipant } from '../usage/registry.ts';

/**
 * A user's voicemail in Usage and delete: messages and greetings go with the user (removal 'with_resource').
 * Their rows are deleted in the delete's transaction; the file names go to voicemail_trash in the same
 * transaction and the retention job removes the files (retention.ts emptyTrash).
 */
registerUserDeletionParticipant({
  name: 'voicemail',
  async usage(conn: Conn, accountId: string, userIds: string[]) {
    const rows = await conn
      .selectFrom('voicemail_messages')
      .select(['user_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', accountId)
      .where('user_id', 'in', userIds)
      .groupBy('user_id')
      .execute();
    return rows.map((r) => {
      const n = Number(r.n);
      return { userId: r.user_id, kind: 'voicemail', id: r.user_id, name: 'voicemail', description: `${n} voicemail message${n === 1 ? '' : 's'} (deleted with the user)`, removal: 'with_resource' as const };
    });
  },
  async remove(tx: Conn, accountId: string, userIds: string[]) {
    const files = [
      ...(await tx.selectFrom('voicemail_messages').select('audio_file').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute()),
      ...(await tx.selectFrom('voicemail_greetings').select('audio_file').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute()),
    ];
    const now = nowIso();
    for (let i = 0; i < files.length; i += 200) {
      await tx
        .insertInto('voicemail_trash')
        .values(files.slice(i, i + 200).map((f) => ({ audio_file: f.audio_file, account_id: accountId, created_at: now })))
        .onConflict((oc) => oc.column('audio_file').doNothing())
        .execute();
    }
    await tx.deleteFrom('voicemail_messages').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute();
    await tx.deleteFrom('voicemail_greetings').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute();
    await tx.deleteFrom('voicemail_pin_failures').where('account_id', '=', accountId).where('user_id', 'in', userIds).execute();
  },
});
