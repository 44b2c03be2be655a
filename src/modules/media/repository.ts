import type { Insertable, Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import type { MediaFilesTable } from '../../db/types.ts';
import type { MediaFile } from './schema.ts';

export type MediaRow = Selectable<MediaFilesTable>;

export function toMediaFile(row: MediaRow): MediaFile {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as MediaFile['kind'],
    durationMs: Number(row.duration_ms),
    sizeBytes: Number(row.size_bytes),
    builtIn: false,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function list(conn: Conn, accountId: string, kind?: string): Promise<MediaRow[]> {
  let q = conn.selectFrom('media_files').selectAll().where('account_id', '=', accountId);
  if (kind) q = q.where('kind', '=', kind);
  return q.orderBy('name_key').execute();
}

export async function findById(conn: Conn, accountId: string, id: string): Promise<MediaRow | undefined> {
  return conn.selectFrom('media_files').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function nameTaken(conn: Conn, accountId: string, nameKey: string, exceptId?: string): Promise<boolean> {
  let q = conn.selectFrom('media_files').select('id').where('account_id', '=', accountId).where('name_key', '=', nameKey);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return !!(await q.executeTakeFirst());
}

export async function insert(conn: Conn, row: Insertable<MediaFilesTable>): Promise<void> {
  await conn.insertInto('media_files').values(row).execute();
}

export async function rename(conn: Conn, accountId: string, id: string, name: string, nameKey: string, updatedAt: string): Promise<void> {
  await conn.updateTable('media_files').set({ name, name_key: nameKey, updated_at: updatedAt }).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function remove(conn: Conn, accountId: string, id: string): Promise<boolean> {
  const r = await conn.deleteFrom('media_files').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
