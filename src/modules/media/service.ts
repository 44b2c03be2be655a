import { uniqueViolation } from '../../db/database.ts';
import type { Deps } from '../../shared/deps.ts';
import { emit } from '../../shared/deps.ts';
import { ConflictError, InUseError, NotFoundError, ValidationError, type UsageItem } from '../../shared/errors.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { authorize, type Actor } from '../../shared/permissions.ts';
import { resolveAccount } from '../accounts/service.ts';
import { mediaUsage } from '../usage/repository.ts';
import { convertMedia } from './convert.ts';
import * as repo from './repository.ts';
import { DEFAULT_MEDIA_ID, DEFAULT_MEDIA_NAME, downloadName, mediaFileName, normaliseMediaName, storedDurationMs } from './rules.ts';
import type { MediaFile } from './schema.ts';
import { DEFAULT_FILE, type MediaStore } from './store.ts';

/** What an event says about a track (never the audio). */
function facts(m: MediaFile): Record<string, unknown> {
  return { id: m.id, name: m.name, kind: m.kind, durationMs: m.durationMs, sizeBytes: m.sizeBytes };
}

async function builtIn(store: MediaStore): Promise<MediaFile> {
  const size = (await store.size(DEFAULT_FILE)) ?? 0;
  return { id: DEFAULT_MEDIA_ID, name: DEFAULT_MEDIA_NAME, kind: 'hold_music', durationMs: storedDurationMs(size), sizeBytes: size, builtIn: true, createdAt: null, updatedAt: null };
}

async function account(deps: Deps, actor: Actor, accountKey: string, action: 'media.read' | 'media.write') {
  const a = await resolveAccount(deps, actor, accountKey);
  authorize(actor, action, { accountId: a.id }, 'media');
  return a;
}

/** The account's library: the built-in 'Default' first, then the uploaded tracks by name. */
export async function listMedia(deps: Deps, store: MediaStore, actor: Actor, accountKey: string): Promise<{ items: MediaFile[] }> {
  const a = await account(deps, actor, accountKey, 'media.read');
  const rows = await repo.list(deps.database.db, a.id, 'hold_music');
  return { items: [await builtIn(store), ...rows.map(repo.toMediaFile)] };
}

export async function getMedia(deps: Deps, store: MediaStore, actor: Actor, accountKey: string, id: string): Promise<MediaFile> {
  const a = await account(deps, actor, accountKey, 'media.read');
  if (id === DEFAULT_MEDIA_ID) return builtIn(store);
  const row = await repo.findById(deps.database.db, a.id, id);
  if (!row) throw new NotFoundError('media');
  return repo.toMediaFile(row);
}

/**
 * Upload: name checked first, then the audio converted to the stored format (WAV/MP3/OGG, ≤ 10 MB, ≤ 10 min);
 * a bad file is a 422 naming `file` and nothing is written. The file is written before the row and removed
 * again when the row cannot be inserted (duplicate name racing), so no row ever points at a missing file.
 */
export async function uploadMedia(deps: Deps, store: MediaStore, actor: Actor, accountKey: string, rawName: unknown, upload: Buffer): Promise<MediaFile> {
  const a = await account(deps, actor, accountKey, 'media.write');
  const db = deps.database.db;
  const n = normaliseMediaName(rawName);
  const errors = n.error ? [n.error] : [];
  const c = await convertMedia(upload);
  if (!c.ok) errors.push({ field: 'file', reason: c.reason });
  if (errors.length) throw new ValidationError(errors);
  if (!c.ok || !n.name || !n.key) throw new Error('unreachable');
  if (await repo.nameTaken(db, a.id, n.key)) throw new ConflictError('name', 'another track already has this name');
  const id = newId();
  const file = mediaFileName(id);
  await store.write(file, c.wav);
  const now = nowIso();
  try {
    await repo.insert(db, { id, account_id: a.id, name: n.name, name_key: n.key, kind: 'hold_music', file_name: file, duration_ms: c.durationMs, size_bytes: c.wav.length, created_at: now, updated_at: now });
  } catch (err) {
    await store.remove(file).catch(() => {});
    if (uniqueViolation(err)) throw new ConflictError('name', 'another track already has this name');
    throw err;
  }
  const created = repo.toMediaFile((await repo.findById(db, a.id, id))!);
  await emit(deps, actor, 'media.created', a.id, id, undefined, facts(created));
  return created;
}

export async function mediaAudio(deps: Deps, store: MediaStore, actor: Actor, accountKey: string, id: string): Promise<{ wav: Buffer; filename: string }> {
  const a = await account(deps, actor, accountKey, 'media.read');
  if (id === DEFAULT_MEDIA_ID) {
    const wav = await store.read(DEFAULT_FILE);
    if (!wav) throw new NotFoundError('media');
    return { wav, filename: 'default-hold-music.wav' };
  }
  const row = await repo.findById(deps.database.db, a.id, id);
  const wav = row && (await store.read(row.file_name));
  if (!row || !wav) throw new NotFoundError('media');
  return { wav, filename: downloadName(row.name) };
}

export async function renameMedia(deps: Deps, actor: Actor, accountKey: string, id: string, rawName: unknown): Promise<MediaFile> {
  const a = await account(deps, actor, accountKey, 'media.write');
  const db = deps.database.db;
  if (id === DEFAULT_MEDIA_ID) throw new ConflictError('id', 'the built-in track cannot be renamed');
  const row = await repo.findById(db, a.id, id);
  if (!row) throw new NotFoundError('media');
  const n = normaliseMediaName(rawName);
  if (n.error) throw new ValidationError([n.error]);
  if (await repo.nameTaken(db, a.id, n.key!, id)) throw new ConflictError('name', 'another track already has this name');
  const before = repo.toMediaFile(row);
  try {
    await repo.rename(db, a.id, id, n.name!, n.key!, nowIso());
  } catch (err) {
    if (uniqueViolation(err)) throw new ConflictError('name', 'another track already has this name');
    throw err;
  }
  const after = repo.toMediaFile((await repo.findById(db, a.id, id))!);
  await emit(deps, actor, 'media.updated', a.id, id, facts(before), facts(after));
  return after;
}

/** Usage: the offices that play this track on hold (a delete is refused while there are any). */
export async function getMediaUsage(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<{ items: UsageItem[] }> {
  const a = await account(deps, actor, accountKey, 'media.read');
  if (id !== DEFAULT_MEDIA_ID && !(await repo.findById(deps.database.db, a.id, id))) throw new NotFoundError('media');
  return { items: await mediaUsage(deps.database.db, a.id, id) };
}

/**
 * Delete: refused for the built-in (409) and while offices use the track (409 in_use listing them). The usage
 * check and the row delete run in one transaction, so an office cannot pick the track in between unnoticed
 * (the office save checks the row exists). The file goes after the row.
 */
export async function deleteMedia(deps: Deps, store: MediaStore, actor: Actor, accountKey: string, id: string): Promise<void> {
  const a = await account(deps, actor, accountKey, 'media.write');
  if (id === DEFAULT_MEDIA_ID) throw new ConflictError('id', 'the built-in track cannot be deleted');
  const row = await deps.database.db.transaction().execute(async (tx) => {
    const r = await repo.findById(tx, a.id, id);
    if (!r) throw new NotFoundError('media');
    const usage = await mediaUsage(tx, a.id, id);
    if (usage.length) throw new InUseError(`track '${r.name}'`, usage);
    await repo.remove(tx, a.id, id);
    return r;
  });
  await store.remove(row.file_name).catch(() => {});
  await emit(deps, actor, 'media.deleted', a.id, id, facts(repo.toMediaFile(row)), undefined);
}

/** For the offices service: whether `ref` is 'default' or a hold music track of this account. */
export async function isHoldMusicRef(deps: Deps, accountId: string, ref: string): Promise<boolean> {
  if (ref === DEFAULT_MEDIA_ID) return true;
  const row = await repo.findById(deps.database.db, accountId, ref);
  return !!row && row.kind === 'hold_music';
}
