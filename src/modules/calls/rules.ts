/**
 * Call history rules (pure): what a routing decision says about a call attempt, durations, the keyset cursor,
 * query checks, CSV, the concurrent external call limits a routing document carries, and the toll-fraud alarm.
 */
import { stringify } from 'csv-stringify/sync';
import { csvSafe } from '../../shared/csv.ts';
import type { FieldError } from '../../shared/errors.ts';
import type { CallsTable } from '../../db/types.ts';
import type { AccountRoutingConfig, Decision, RouteRequest, RoutingUser } from '../routing/schema.ts';
import type { Call, CallQuery, Direction } from './schema.ts';

/** Kinds of call that leave through the carrier and count against the concurrent external call limits. */
export const EXTERNAL_KINDS: ReadonlySet<string> = new Set(['local', 'national', 'mobile', 'international']);

/** The toll-fraud alarm: this many limit refusals of one account within the window raise an audit entry. */
export const FRAUD_REFUSALS = 5;
export const FRAUD_WINDOW_MS = 10 * 60 * 1000;

export const DEFAULT_CALL_RETENTION_DAYS = 365;

/** trunk → inbound; a phone dialling out (local … international, emergency) → outbound; everything else internal. */
export function directionOf(source: RouteRequest['source'], decision: Decision): Direction {
  if (source === 'trunk') return 'inbound';
  if (decision.action === 'route' && (EXTERNAL_KINDS.has(decision.kind) || decision.kind === 'emergency')) return 'outbound';
  return 'internal';
}

/** What routing knows of a call attempt: the `calls` columns it fills (a refusal also sets sip_code/sip_reason). */
export type AttemptFacts = Pick<CallsTable, 'kind' | 'routed_by' | 'from_number' | 'to_number' | 'dialled' | 'caller_user_id' | 'callee_user_id' | 'caller_office_id' | 'callee_office_id' | 'sip_code' | 'sip_reason'> & {
  direction: Direction;
};

function userOfUri(cfg: AccountRoutingConfig, uri: string): RoutingUser | undefined {
  const m = /^sips?:([^@;]+)@/.exec(uri);
  return m ? cfg.usersBySip.get(m[1]!) : undefined;
}

/**
 * What one routing decision says about a call: who called (the authenticated phone's user, or the number the
 * carrier presented), who it is for (the first user the plan rings, or the voicemail mailbox), which rules
 * routed it (the steps' `why`, in order) — never a header value, PIN or password.
 */
export function attemptFacts(cfg: AccountRoutingConfig, req: RouteRequest, decision: Decision): AttemptFacts {
  const caller = req.source === 'internal' ? cfg.usersBySip.get(req.from) : undefined;
  let callee: RoutingUser | undefined;
  let to = req.to;
  let routedBy: string;
  let kind: string;
  if (decision.action === 'reject') {
    kind = 'refused';
    routedBy = `refused: ${decision.reason}`;
  } else if (decision.action === 'pickup') {
    // *8 / **<ext>: the pickup request itself (Kamailio answers it; the picked-up call keeps its own record)
    kind = 'pickup';
    const p = decision.pickup;
    routedBy = p.group !== null ? `call pickup, group ${p.group}` : `directed pickup of ${p.extension}`;
    if (p.extension !== null) to = p.extension;
  } else {
    kind = decision.action === 'route' ? decision.kind : `voicemail-${decision.mode}`;
    const steps = [...decision.steps, ...(decision.action === 'route' && decision.onBusy ? [{ ...decision.onBusy, why: `busy: ${decision.onBusy.why}` }] : [])];
    routedBy = steps.map((s) => s.why).join(' → ');
    if (decision.action === 'voicemail') callee = cfg.users.get(decision.mailbox);
    for (const s of decision.steps) {
      for (const t of s.targets) {
        if (t.kind === 'user') callee ??= userOfUri(cfg, t.uri);
        if (t.kind === 'voicemail') callee ??= cfg.users.get(/mailbox=([^;]+)/.exec(s.headers?.['X-Switchboard-Voicemail'] ?? '')?.[1] ?? '');
      }
    }
    const first = decision.steps[0]?.targets[0];
    to = callee?.extension ?? first?.label ?? req.to;
    if (decision.action === 'route' && decision.ringGroup) to = decision.ringGroup.extension;
  }
  return {
    direction: directionOf(req.source, decision),
    kind,
    routed_by: routedBy.slice(0, 1000),
    from_number: (caller?.extension ?? req.from).slice(0, 128),
    to_number: to.slice(0, 128),
    dialled: req.to.slice(0, 64),
    caller_user_id: caller?.id ?? null,
    callee_user_id: callee?.id ?? null,
    caller_office_id: caller?.officeId ?? null,
    callee_office_id: callee?.officeId ?? null,
    sip_code: decision.action === 'reject' ? decision.code : null,
    sip_reason: decision.action === 'reject' ? decision.reason.slice(0, 200) : null,
  };
}

/** Talk time in whole seconds (rounded); 0 when never answered. */
export function durationSeconds(answeredAt: string | null, endedAt: string): number {
  if (!answeredAt) return 0;
  return Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(answeredAt)) / 1000));
}

export interface CallLimits {
  account?: { key: string; max: number };
  user?: { key: string; max: number };
}

/**
 * The concurrent external call limits an outbound call is counted against (Kamailio keeps the counts in dialog
 * profiles keyed by account id and user id). Emergency calls are never limited. Undefined = no limit applies.
 */
export function limitsFor(cfg: AccountRoutingConfig & { maxExternalCalls?: number | null }, req: RouteRequest, decision: Decision): CallLimits | undefined {
  if (req.source !== 'internal' || decision.action !== 'route' || !EXTERNAL_KINDS.has(decision.kind)) return undefined;
  const out: CallLimits = {};
  if (cfg.maxExternalCalls !== undefined && cfg.maxExternalCalls !== null) out.account = { key: cfg.accountId, max: cfg.maxExternalCalls };
  const caller = cfg.usersBySip.get(req.from);
  const userMax = caller?.security.maxExternalCalls;
  if (caller && userMax !== undefined && userMax !== null) out.user = { key: caller.id, max: userMax };
  return out.account || out.user ? out : undefined;
}

/**
 * Sliding window of limit refusals (times in ms). Returns the new window and whether to raise the alarm: at
 * FRAUD_REFUSALS refusals within FRAUD_WINDOW_MS, at most once per window (lastAlarm).
 */
export function refusalWindow(times: readonly number[], now: number, lastAlarm: number | undefined): { times: number[]; alarm: boolean } {
  const kept = [...times.filter((t) => now - t < FRAUD_WINDOW_MS), now];
  const alarm = kept.length >= FRAUD_REFUSALS && (lastAlarm === undefined || now - lastAlarm >= FRAUD_WINDOW_MS);
  return { times: kept.slice(-FRAUD_REFUSALS * 4), alarm };
}

export function retentionCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString();
}

/** Keyset cursor: the last row's (startedAt, id), opaque to clients. */
export function encodeCursor(startedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([startedAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { startedAt: string; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) return { startedAt: v[0], id: v[1] };
  } catch {
    // fall through
  }
  return null;
}

/** A date or time for since/until, as the stored ISO text (UTC); null = not a date. */
export function normaliseTime(v: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function checkQuery(q: CallQuery): FieldError[] {
  const errors: FieldError[] = [];
  for (const f of ['since', 'until'] as const) if (q[f] !== undefined && normaliseTime(q[f]!) === null) errors.push({ field: f, reason: 'must be an ISO 8601 date or time (2026-12-01 or 2026-12-01T09:00:00Z)' });
  if (q.after !== undefined && !decodeCursor(q.after)) errors.push({ field: 'after', reason: 'is not a cursor this list returned' });
  if (!errors.length && q.since && q.until && normaliseTime(q.since)! >= normaliseTime(q.until)!) errors.push({ field: 'until', reason: 'must be after since' });
  return errors;
}

export const CSV_COLUMNS = ['startedAt', 'direction', 'from', 'to', 'dialled', 'result', 'sipCode', 'sipReason', 'answeredAt', 'endedAt', 'durationSeconds', 'kind', 'routedBy', 'callerUserId', 'calleeUserId', 'sipCallId'] as const;

export function toCsv(calls: readonly Call[]): string {
  const rows = calls.map((c) => CSV_COLUMNS.map((k) => csvSafe(c[k] === null ? '' : String(c[k]))));
  return stringify([[...CSV_COLUMNS], ...rows]);
}
