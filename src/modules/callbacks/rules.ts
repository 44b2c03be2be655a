/**
 * Callback on busy (seed 001 'Enable Callback', issue 14): pure rules. No IO.
 *
 * A caller who reached a busy extension whose user has Enable Callback on may ask the feature server to call
 * them back when that extension is free (camp-on, like Asterisk CCBS / FreePBX camp-on). Internal calls only.
 */

/** Minutes a request stays pending when the account says nothing (accounts.callback_expiry_minutes, default 30). */
export const DEFAULT_EXPIRY_MINUTES = 30;
export const MIN_EXPIRY_MINUTES = 1;
export const MAX_EXPIRY_MINUTES = 24 * 60;
/** Pending requests one caller may hold at once (a further one is refused; the feature server says so). */
export const MAX_PENDING_PER_CALLER = 5;
/** Least time between two attempts of one request (the caller did not answer, or the callee was busy again). */
export const RETRY_SECONDS = 60;

/** Keys the feature server's offer menu takes (documented in docs/voicemail.md). */
export const OFFER_KEYS = { voicemail: '1', callback: '5' } as const;

export type CallbackState = 'pending' | 'completed' | 'cancelled' | 'expired';
export const CALLBACK_STATES: readonly CallbackState[] = ['pending', 'completed', 'cancelled', 'expired'];

export interface PendingRef {
  calleeUserId: string;
  expiresAt: string;
}

export type RequestOutcome =
  | { kind: 'create'; expiresAt: string }
  /** the pair already has a pending request: its expiry is pushed out (one pending per caller → callee) */
  | { kind: 'refresh'; expiresAt: string }
  | { kind: 'refuse'; reason: 'self' | 'limit' };

/** What a new request from `callerUserId` to `calleeUserId` does, given the caller's pending requests. */
export function decideRequest(callerUserId: string, calleeUserId: string, pending: readonly PendingRef[], now: Date, expiryMinutes: number): RequestOutcome {
  if (callerUserId === calleeUserId) return { kind: 'refuse', reason: 'self' };
  const expiresAt = new Date(now.getTime() + expiryMinutes * 60_000).toISOString();
  const live = pending.filter((p) => p.expiresAt > now.toISOString());
  if (live.some((p) => p.calleeUserId === calleeUserId)) return { kind: 'refresh', expiresAt };
  if (live.length >= MAX_PENDING_PER_CALLER) return { kind: 'refuse', reason: 'limit' };
  return { kind: 'create', expiresAt };
}

/** Whether a pending request may be tried now: never tried, or the last attempt is RETRY_SECONDS old. */
export function attemptDue(lastAttemptAt: string | null, now: Date, retrySeconds = RETRY_SECONDS): boolean {
  return lastAttemptAt === null || now.getTime() - Date.parse(lastAttemptAt) >= retrySeconds * 1000;
}

/**
 * `offer;caller=101;callee=102;account=acme[;vm=1]` (X-Switchboard-Callback, set by routing on an internal
 * call's busy branch) → its parts; null when malformed.
 */
export function parseCallbackHeader(v: unknown): { caller: string; callee: string; account: string; voicemail: boolean } | null {
  if (typeof v !== 'string') return null;
  const [name, ...params] = v.split(';').map((s) => s.trim());
  if (name !== 'offer') return null;
  const p = Object.fromEntries(params.map((x) => x.split('=') as [string, string]));
  if (!p.caller || !/^\d{1,12}$/.test(p.caller) || !p.callee || !/^\d{1,12}$/.test(p.callee) || !p.account || !/^[A-Za-z0-9_-]{1,64}$/.test(p.account)) return null;
  return { caller: p.caller, callee: p.callee, account: p.account, voicemail: p.vm === '1' };
}

/** The header value routing sets (the inverse of parseCallbackHeader). */
export function callbackHeader(o: { caller: string; callee: string; account: string; voicemail: boolean }): string {
  return `offer;caller=${o.caller};callee=${o.callee};account=${o.account}${o.voicemail ? ';vm=1' : ''}`;
}
