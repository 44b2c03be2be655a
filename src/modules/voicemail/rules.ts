/** Pure voicemail rules: PIN lock-out, email backoff, recipients, subjects, file names. No IO. */
import type { Folder, GreetingKind } from './backend.ts';

export const FOLDERS: readonly Folder[] = ['new', 'saved'];
export const GREETING_KINDS: readonly GreetingKind[] = ['unavailable', 'busy', 'name'];

export function isGreetingKind(s: string): s is GreetingKind {
  return (GREETING_KINDS as readonly string[]).includes(s);
}

// ---------- 777 PIN lock-out ----------
export const PIN_MAX_FAILURES = 3;
export const PIN_LOCK_MS = 5 * 60 * 1000;

export interface PinState {
  failures: number;
  lockedUntil: string | null;
}

export function isLocked(state: PinState | null, now: Date): boolean {
  return !!state?.lockedUntil && Date.parse(state.lockedUntil) > now.getTime();
}

/**
 * The outcome of one PIN attempt and the state to store: while locked every attempt is 'locked' (not counted);
 * a right PIN clears the count; the third wrong one in a row locks the mailbox for PIN_LOCK_MS.
 */
export function pinAttempt(state: PinState | null, correct: boolean, now: Date): { result: 'ok' | 'wrong' | 'locked'; state: PinState; lockedNow: boolean } {
  if (isLocked(state, now)) return { result: 'locked', state: state!, lockedNow: false };
  if (correct) return { result: 'ok', state: { failures: 0, lockedUntil: null }, lockedNow: false };
  // A lock that has run out starts a fresh count.
  const failures = (state && !state.lockedUntil ? state.failures : 0) + 1;
  if (failures >= PIN_MAX_FAILURES) return { result: 'locked', state: { failures: 0, lockedUntil: new Date(now.getTime() + PIN_LOCK_MS).toISOString() }, lockedNow: true };
  return { result: 'wrong', state: { failures, lockedUntil: null }, lockedNow: false };
}

// ---------- email delivery ----------
export const EMAIL_BACKOFF_BASE_MS = 30_000;
export const EMAIL_BACKOFF_CAP_MS = 60 * 60 * 1000;
/** After this many failed sends the message is marked 'failed' (still kept; the portal shows it). */
export const EMAIL_MAX_ATTEMPTS = 48;
/** No SMTP configured: look again this much later. */
export const EMAIL_UNCONFIGURED_RETRY_MS = 60_000;

/** Delay before the next try after `attempts` failures: 30 s, 1 min, 2 min, 4 min … capped at 1 h. */
export function emailBackoffMs(attempts: number): number {
  const n = Math.max(1, attempts);
  return Math.min(EMAIL_BACKOFF_CAP_MS, EMAIL_BACKOFF_BASE_MS * 2 ** Math.min(n - 1, 20));
}

/** The voicemail email address, else the alternative email, else the login email; null when none is set. */
export function emailRecipient(u: { vm_email: string | null; alt_email: string | null; email: string | null }): string | null {
  for (const a of [u.vm_email, u.alt_email, u.email]) if (a && a.trim()) return a.trim();
  return null;
}

/**
 * Delivery policy from the user's settings: 'Send voicemails by email' queues the email; with 'Enable phone &
 * App Voicemail Access' off the message is kept only until it has been emailed, so it is emailed (and then
 * deleted) whatever the other switches say.
 */
export function deliveryPolicy(u: { vm_email_delivery: number; vm_delete_after_email: number; vm_keep_on_server: number }): { email: boolean; deleteAfterEmail: boolean } {
  const keep = u.vm_keep_on_server === 1;
  return { email: u.vm_email_delivery === 1 || !keep, deleteAfterEmail: u.vm_delete_after_email === 1 || !keep };
}

/** m:ss */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.max(0, ms) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function callerLabel(name: string | null, number: string | null): string {
  const n = name?.trim();
  const num = number?.trim();
  if (n && num && n !== num) return `${n} (${num})`;
  return n || num || 'an unknown caller';
}

/** "New voicemail from Anna Lee (101) — 0:23" */
export function emailSubject(m: { callerName: string | null; callerNumber: string | null; durationMs: number }): string {
  return `New voicemail from ${callerLabel(m.callerName, m.callerNumber)} — ${formatDuration(m.durationMs)}`;
}

/** "Wednesday 2 December 2026, 21:30 (Australia/Sydney)"; an unknown zone falls back to UTC. Built from parts, so ICU versions agree. */
export function formatLocalTime(iso: string, timezone: string): string {
  const d = new Date(iso);
  const parts = (tz: string) =>
    Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        .formatToParts(d)
        .map((p) => [p.type, p.value]),
    );
  let p: Record<string, string>;
  let zone = timezone;
  try {
    p = parts(timezone);
  } catch {
    zone = 'UTC';
    p = parts(zone);
  }
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} (${zone})`;
}

export function emailBody(m: { callerName: string | null; callerNumber: string | null; durationMs: number; receivedAt: string; timezone: string; mailbox: string; mailboxName: string }): string {
  return [
    `You have a new voicemail in mailbox ${m.mailbox} (${m.mailboxName}).`,
    '',
    `From:     ${m.callerName?.trim() || 'unknown'}`,
    `Number:   ${m.callerNumber?.trim() || 'withheld'}`,
    `Received: ${formatLocalTime(m.receivedAt, m.timezone)}`,
    `Length:   ${formatDuration(m.durationMs)}`,
    '',
    'The recording is attached as a WAV file. Dial 777 from your phone to listen to your messages.',
    '',
  ].join('\n');
}

/** The local wall-clock parts of an instant in a zone (UTC when the zone is unknown). */
function localParts(iso: string, timezone: string): Record<string, string> {
  const d = new Date(iso);
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  } catch {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  }
  return Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
}

/** "voicemail-101-2026-12-02T1030.wav" (local time of the mailbox's office); only safe characters. */
export function audioFilename(extension: string, receivedAt: string, timezone: string): string {
  const p = localParts(receivedAt, timezone);
  const hour = p.hour === '24' ? '00' : p.hour;
  const ext = extension.replace(/[^0-9A-Za-z]/g, '');
  return `voicemail-${ext}-${p.year}-${p.month}-${p.day}T${hour}${p.minute}.wav`;
}

/** "greeting-101-unavailable.wav" */
export function greetingFilename(extension: string, kind: GreetingKind): string {
  return `greeting-${extension.replace(/[^0-9A-Za-z]/g, '')}-${kind}.wav`;
}

/** Messages older than `days` before `now` expire. */
export function retentionCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
}
