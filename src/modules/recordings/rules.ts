/** Call recording: pure rules (metadata from routing, list filters, retention, file names). */
import type { FieldError } from '../../shared/errors.ts';
import type { RecordingMeta } from '../routing/rules.ts';

export const DIRECTIONS = ['internal', 'inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PARTY = /^[0-9+*#]{0,32}$/;

/** The metadata routing gave Kamailio (routing/rules.ts recordingOf), checked field by field; null if not ours. */
export function decodeRecordingMeta(s: string | null): RecordingMeta | null {
  if (!s || !/^[A-Za-z0-9_-]{1,1000}$/.test(s)) return null;
  let m: unknown;
  try {
    m = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object') return null;
  const r = m as Record<string, unknown>;
  if (r.v !== 1 || typeof r.a !== 'string' || !UUID.test(r.a)) return null;
  if (typeof r.d !== 'string' || !(DIRECTIONS as readonly string[]).includes(r.d)) return null;
  if (r.cu !== undefined && (typeof r.cu !== 'string' || !UUID.test(r.cu))) return null;
  if (r.eu !== undefined && (typeof r.eu !== 'string' || !UUID.test(r.eu))) return null;
  if (typeof r.cn !== 'string' || !PARTY.test(r.cn) || typeof r.en !== 'string' || !PARTY.test(r.en)) return null;
  return { v: 1, a: r.a, d: r.d as Direction, ...(r.cu !== undefined && { cu: r.cu as string }), ...(r.eu !== undefined && { eu: r.eu as string }), cn: r.cn, en: r.en };
}

export interface RecordingFilter {
  userId?: string;
  from?: string;
  to?: string;
  direction?: Direction;
  limit: number;
  offset: number;
}

/** List query → filter, or the field errors (400/422 naming each). Dates: ISO date or date-time; `to` inclusive of that day when a date. */
export function parseRecordingFilter(q: Record<string, unknown>): { filter?: RecordingFilter; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const f: RecordingFilter = { limit: 50, offset: 0 };
  if (q.userId !== undefined) {
    if (typeof q.userId !== 'string' || !UUID.test(q.userId)) errors.push({ field: 'userId', reason: 'must be a user id' });
    else f.userId = q.userId;
  }
  const date = (field: 'from' | 'to') => {
    const v = q[field];
    if (v === undefined) return;
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(v) || Number.isNaN(Date.parse(v))) {
      errors.push({ field, reason: 'must be a date (YYYY-MM-DD) or an ISO date-time' });
      return;
    }
    const isDay = v.length === 10;
    const t = new Date(isDay ? `${v}T00:00:00Z` : v);
    if (field === 'to' && isDay) t.setUTCDate(t.getUTCDate() + 1);
    f[field] = t.toISOString();
  };
  date('from');
  date('to');
  if (f.from && f.to && f.from >= f.to) errors.push({ field: 'to', reason: 'must be after from' });
  if (q.direction !== undefined) {
    if (typeof q.direction !== 'string' || !(DIRECTIONS as readonly string[]).includes(q.direction)) errors.push({ field: 'direction', reason: 'must be internal, inbound or outbound' });
    else f.direction = q.direction as Direction;
  }
  if (q.limit !== undefined) {
    const n = Number(q.limit);
    if (!Number.isInteger(n) || n < 1 || n > 500) errors.push({ field: 'limit', reason: 'must be a whole number from 1 to 500' });
    else f.limit = n;
  }
  if (q.offset !== undefined) {
    const n = Number(q.offset);
    if (!Number.isInteger(n) || n < 0 || n > 1_000_000) errors.push({ field: 'offset', reason: 'must be a whole number from 0 to 1000000' });
    else f.offset = n;
  }
  return errors.length ? { errors } : { filter: f, errors };
}

/** ISO time before which an account's recordings are expired. */
export function recordingCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString();
}

/** Stored file name of a recording (server-generated id). */
export function recordingFileName(id: string): string {
  if (!UUID.test(id)) throw new Error(`invalid recording id: ${id}`);
  return `${id}.wav`;
}

/** Download name: recording-<start>-<caller>-<callee>.wav with only safe characters. */
export function downloadName(r: { startedAt: string; caller: string; callee: string }): string {
  const t = r.startedAt.slice(0, 19).replace(/[:]/g, '-');
  const safe = (s: string) => s.replace(/[^0-9A-Za-z+]/g, '') || 'unknown';
  return `recording-${t}-${safe(r.caller)}-${safe(r.callee)}.wav`;
}

/** Duration of a stereo 8 kHz 16-bit WAV body of `frames` samples per channel. */
export function durationMsOf(frames: number): number {
  return Math.round((frames / 8000) * 1000);
}
