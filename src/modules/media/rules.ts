import type { FieldError } from '../../shared/errors.ts';

/** Pure rules of the media library (no IO). */

/** The built-in hold music every account has: id and file `default`, name 'Default'. */
export const DEFAULT_MEDIA_ID = 'default';
export const DEFAULT_MEDIA_NAME = 'Default';
export const MEDIA_KINDS = ['hold_music'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether a string can be a media id at all (the built-in or a server-generated UUID). */
export function isMediaId(id: string): boolean {
  return id === DEFAULT_MEDIA_ID || UUID.test(id);
}

/** The stored file of a media id: `<id>.wav`. */
export function mediaFileName(id: string): string {
  if (!isMediaId(id)) throw new Error(`invalid media id: ${JSON.stringify(id)}`);
  return `${id}.wav`;
}

/** A track name: trimmed, inner whitespace collapsed, 1–80 characters, no control characters, not 'Default'. */
export function normaliseMediaName(raw: unknown): { name?: string; key?: string; error?: FieldError } {
  if (typeof raw !== 'string') return { error: { field: 'name', reason: 'is required' } };
  const name = raw.trim().replace(/\s+/g, ' ');
  if (!name) return { error: { field: 'name', reason: 'must not be blank' } };
  if (name.length > 80) return { error: { field: 'name', reason: 'must be at most 80 characters' } };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return { error: { field: 'name', reason: 'must not contain control characters' } };
  const key = name.toLowerCase();
  if (key === DEFAULT_MEDIA_NAME.toLowerCase()) return { error: { field: 'name', reason: "is the built-in track's name; choose another" } };
  return { name, key };
}

/** Duration of a stored-format WAV (8 kHz 16-bit mono, 44-byte header) from its size. */
export function storedDurationMs(sizeBytes: number): number {
  return Math.round((Math.max(0, sizeBytes - 44) / 2 / 8000) * 1000);
}

/** A download name for a track: its name reduced to safe characters. */
export function downloadName(name: string): string {
  const base = name.replace(/[^A-Za-z0-9._ -]+/g, '').trim().replace(/\s+/g, '-').slice(0, 60);
  return `${base || 'track'}.wav`;
}
