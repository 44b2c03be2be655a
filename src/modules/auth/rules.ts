import { memoryRateCounter, type RateCounter } from '../../shared/rate-counter.ts';
/** Pure rules for authentication: password policy, cookies, rate limiting, grants. No IO. */
import type { FieldError } from '../../shared/errors.ts';
import { SCOPES, scopeRank, type Actor, type Scope } from '../../shared/permissions.ts';

export const SESSION_COOKIE = 'sb_session';
export const API_KEY_PREFIX = 'sbk_';
export const PASSWORD_MIN = 10;
/** argon2 cost grows with input; a cap keeps a login request from being a CPU lever. */
export const PASSWORD_MAX = 256;

/** A short list of the passwords attackers try first; the length rule already refuses most others. */
const COMMON = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'password1234',
  'passw0rd',
  'qwertyuiop',
  'qwerty1234',
  'qwerty12345',
  '1234567890',
  '12345678910',
  'iloveyou123',
  'letmein123',
  'welcome123',
  'welcome1234',
  'administrator',
  'changeme123',
  'abc1234567',
  'switchboard',
  'switchboard1',
]);

export interface PasswordContext {
  email?: string | null;
  accountCode?: string;
  extension?: string;
  firstName?: string;
  lastName?: string;
}

/**
 * Strong-password policy (seed 003: 'always use strong passwords'): at least 10 characters and three of
 * the four character classes, or a passphrase of 16+ characters; not a common password; not built from
 * the person's own email, name, extension or the account name. Returns the reason, or null when fine.
 */
export function checkPasswordStrength(password: string, ctx: PasswordContext = {}): string | null {
  if (typeof password !== 'string' || password.length === 0) return 'is required';
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (/^\s|\s$/.test(password)) return 'must not start or end with a space';
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || COMMON.has(lower.replace(/[^a-z0-9]/g, ''))) return 'is too common';
  if (new Set(password).size < 5) return 'must use at least 5 different characters';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (password.length < 16 && classes < 3) return 'must mix at least three of: lower case, upper case, digits, symbols (or be a passphrase of 16+ characters)';
  const personal = [ctx.email?.split('@')[0], ctx.accountCode, ctx.firstName, ctx.lastName].filter((v): v is string => !!v && v.length >= 4).map((v) => v.toLowerCase());
  for (const p of personal) if (lower.includes(p)) return 'must not contain your name, email or the account name';
  if (ctx.extension && lower.replace(/[^0-9]/g, '') === ctx.extension) return 'must not be your extension';
  return null;
}

export function passwordErrors(password: string, ctx: PasswordContext = {}, field = 'password'): FieldError[] {
  const reason = checkPasswordStrength(password, ctx);
  return reason ? [{ field, reason }] : [];
}

/** Reads one cookie from a raw Cookie header. */
export function readCookie(header: string | string[] | undefined, name: string): string | null {
  const raw = Array.isArray(header) ? header.join('; ') : header;
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      try {
        return decodeURIComponent(v);
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Session cookie: httpOnly, SameSite=Strict, Path=/; Secure only over https (so plain-http dev works). */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** Requests that change state; these need CSRF protection when authenticated by cookie. */
export function isStateChanging(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/**
 * CSRF rule for cookie-authenticated writes: a cross-site form can send neither a JSON content type nor a
 * custom header without a CORS preflight (which this API never grants), so either proves same origin.
 */
export function csrfSafe(headers: Record<string, string | string[] | undefined>): boolean {
  const ct = headers['content-type'];
  if (typeof ct === 'string' && /^application\/json\s*(;|$)/i.test(ct)) return true;
  return headers['x-requested-with'] === 'switchboard';
}

/**
 * Fixed-window limits: per (account, address) failures and per address attempts. The counts live in a
 * RateCounter (src/shared/rate-counter.ts): in memory on SQLite, in the store on PostgreSQL so that every API
 * node counts the same failures.
 */
export class RateLimiter {
  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly counter: RateCounter = memoryRateCounter(),
    /** Keeps this limiter's keys apart from other limiters' in a shared counter. */
    private readonly prefix = '',
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the key may try again, or 0 when it is under its limit. */
  async blockedFor(key: string): Promise<number> {
    const t = this.now();
    const w = await this.counter.peek(this.stored(key), t);
    if (!w) return 0;
    return w.count >= this.max ? Math.max(1, Math.ceil((w.resetAt - t) / 1000)) : 0;
  }

  async hit(key: string): Promise<void> {
    await this.counter.hit(this.stored(key), this.windowMs, this.now());
  }

  async reset(key: string): Promise<void> {
    await this.counter.reset(this.stored(key));
  }

  /** The key as stored: PostgreSQL text cannot hold NUL, which separates a key's parts. */
  private stored(key: string): string {
    return this.prefix + key.replaceAll('\u0000', '|');
  }
}

/**
 * Checks an API-key grant: the scope may not exceed the creator's, and an office-limited key may only
 * cover offices the creator reaches. Returns the reason or null.
 */
export function checkKeyGrant(creator: Actor, scope: Scope, officeIds: string[]): string | null {
  if (!SCOPES.includes(scope)) return 'is not a known scope';
  if (scope === 'no_portal') return 'No Portal cannot act through the API';
  if (creator.kind !== 'user') return null;
  if (scopeRank(scope) > scopeRank(creator.scope)) return 'may not be above your own scope';
  if (creator.scope !== 'office_manager') {
    const outside = officeIds.filter((o) => !creator.officeIds.includes(o));
    if (outside.length) return 'may only cover offices you manage';
  }
  return null;
}

/** The lower of two scopes (a key acts with at most its user's current scope). */
export function minScope(a: Scope, b: Scope): Scope {
  return scopeRank(a) <= scopeRank(b) ? a : b;
}

/**
 * Why links in emails cannot use this portal address, or null when they can. A server listening on every
 * interface (HOST=0.0.0.0 or ::) without PORTAL_URL would otherwise mail links to http://0.0.0.0:8080/, which
 * no recipient can open.
 */
export function portalUrlProblem(portalUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(portalUrl);
  } catch {
    return `PORTAL_URL "${portalUrl}" is not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `PORTAL_URL "${portalUrl}" must be an http(s) address`;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0' || host === '') {
    return `set PORTAL_URL to the address users open the portal at: links would point at ${u.origin}, which is only where the server listens`;
  }
  return null;
}
