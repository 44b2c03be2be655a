import type { Deps } from '../../shared/deps.ts';
import { emit } from '../../shared/deps.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.ts';
import { authorize, officeLimit, type Actor } from '../../shared/permissions.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as repo from './repository.ts';
import { downloadName, parseRecordingFilter } from './rules.ts';
import type { Recording } from './schema.ts';
import type { RecordingStore } from './store.ts';

export const RECORDING_ACTOR: Actor = { kind: 'system', id: 'recording', label: 'call recording' };

/** What an event says about a recording (never the audio or its file name). */
export function recordingFacts(r: Recording): Record<string, unknown> {
  return { id: r.id, direction: r.direction, caller: r.caller.number, callee: r.callee.number, callerUserId: r.caller.userId, calleeUserId: r.callee.userId, startedAt: r.startedAt, durationMs: r.durationMs };
}

/**
 * The recording's offices decide for office reach (a Site Manager): either party's office will do.
 * Another tenant: 404; a lower role or an office not managed: 403.
 */
function authorizeRow(actor: Actor, action: 'recording.read' | 'recording.delete', row: repo.RecordingRow): void {
  const offices = [row.caller_office_id, row.callee_office_id].filter((o): o is string => !!o);
  let denied: unknown;
  for (const officeId of offices.length ? offices : [null]) {
    try {
      authorize(actor, action, { accountId: row.account_id, officeId }, 'recording');
      return;
    } catch (err) {
      if (!(err instanceof ForbiddenError)) throw err;
      denied = err;
    }
  }
  throw denied;
}

async function findRow(deps: Deps, actor: Actor, accountKey: string, id: string, action: 'recording.read' | 'recording.delete'): Promise<repo.RecordingRow> {
  const a = await resolveAccount(deps, actor, accountKey);
  // the action itself first: a role without it gets 403 whether or not the recording exists
  if (actor.kind === 'user') authorize(actor, action, { accountId: a.id, officeId: actor.officeIds[0] ?? null, userId: undefined }, 'recording');
  const row = await repo.findById(deps.database.db, a.id, id);
  if (!row) throw new NotFoundError('recording');
  authorizeRow(actor, action, row);
  return row;
}

export async function listRecordings(deps: Deps, actor: Actor, accountKey: string, query: Record<string, unknown>): Promise<{ items: Recording[]; total: number; limit: number; offset: number }> {
  const a = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'recording.read', { accountId: a.id, officeId: actor.kind === 'user' ? (actor.officeIds[0] ?? null) : null }, 'recording');
  const { filter, errors } = parseRecordingFilter(query);
  if (!filter) throw new ValidationError(errors);
  const { items, total } = await repo.list(deps.database.db, a.id, filter, officeLimit(actor, 'recording.read'));
  return { items: items.map(repo.toRecording), total, limit: filter.limit, offset: filter.offset };
}

export async function getRecording(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<Recording> {
  return repo.toRecording(await findRow(deps, actor, accountKey, id, 'recording.read'));
}

/** The audio file to stream: its name in the store, size, and a download name. Listening is audited. */
export async function recordingAudio(deps: Deps, store: RecordingStore, actor: Actor, accountKey: string, id: string): Promise<{ file: string; size: number; filename: string; recording: Recording; accountId: string }> {
  const row = await findRow(deps, actor, accountKey, id, 'recording.read');
  const size = await store.size(row.file_name);
  if (size === null) throw new NotFoundError('recording audio');
  const r = repo.toRecording(row);
  return { file: row.file_name, size, filename: downloadName({ startedAt: r.startedAt, caller: r.caller.number, callee: r.callee.number }), recording: r, accountId: row.account_id };
}

/**
 * A recording's content is personal data: who played or downloaded it is kept in the audit log (of the range
 * requests of one playback only the one that starts at byte 0 counts).
 */
export async function auditPlayback(deps: Deps, actor: Actor, accountId: string, r: Recording, download: boolean): Promise<void> {
  await emit(deps, actor, download ? 'recording.downloaded' : 'recording.played', accountId, r.id, undefined, recordingFacts(r));
}

export async function deleteRecording(deps: Deps, store: RecordingStore, actor: Actor, accountKey: string, id: string): Promise<void> {
  const row = await findRow(deps, actor, accountKey, id, 'recording.delete');
  await removeRecording(deps, store, actor, row, 'recording.deleted');
}

/** Row first (what people see), then the file; a file left by a failing disk is unreferenced and harmless. */
export async function removeRecording(deps: Deps, store: RecordingStore, actor: Actor, row: repo.RecordingRow, type: 'recording.deleted' | 'recording.expired'): Promise<boolean> {
  if (!(await repo.remove(deps.database.db, row.account_id, row.id))) return false;
  await store.remove(row.file_name).catch(() => {});
  await emit(deps, actor, type, row.account_id, row.id, recordingFacts(repo.toRecording(row)), undefined);
  return true;
}
