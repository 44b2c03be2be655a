import { rateCounterFor } from '../../shared/rate-counter.ts';
import { AppError, ForbiddenError, NotFoundError, ValidationError, assertValid, type FieldError } from '../../shared/errors.ts';
import { ACTIONS, actorLabel, assertMayManage, authorize, canLogIn, isScope, PERMISSION_MATRIX, scopeRank, type Actor, type Scope } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso, randomToken } from '../../shared/ids.ts';
import { currentSource } from '../../shared/request-context.ts';
import type { Conn } from '../../db/database.ts';
import type { SessionsTable } from '../../db/types.ts';
import type { Account } from '../accounts/schema.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as accounts from '../accounts/repository.ts';
import * as offices from '../offices/repository.ts';
import * as users from '../users/repository.ts';
import { normaliseEmail } from '../users/rules.ts';
import { bearerToken, hashKey, type Authenticator } from './provider-keys.ts';
import type { Mailer } from './mailer.ts';
import { burnVerify, hashPassword, primeDummyHash, verifyPassword } from './passwords.ts';
import * as repo from './repository.ts';
import './deletion.ts';
import { API_KEY_PREFIX, RateLimiter, SESSION_COOKIE, checkKeyGrant, minScope, passwordErrors, portalUrlProblem, readCookie, type PasswordContext } from './rules.ts';
import type { ApiKey, ApiKeyCreate, MeActor, MeResponse } from './schema.ts';

export const PROVIDER_ACCOUNT = 'provider';

export interface LimitSetting {
  max: number;
  windowMs: number;
}

export interface AuthOptions {
  mailer?: Mailer;
  /** Where the portal lives, for links in emails. Never derived from the request's Host header. */
  portalUrl?: string;
  sessionIdleMinutes?: number;
  sessionMaxHours?: number;
  /** Failed logins per (account, address) before 429. Default 10 per 15 minutes. */
  failuresPerAccountAddress?: LimitSetting;
  /** Login attempts per address, any account (bounds the argon2 work one client can cause). Default 60 per minute. */
  attemptsPerAddress?: LimitSetting;
  /** Password-reset requests per (account, address). Default 5 per 15 minutes. */
  resetsPerAccountAddress?: LimitSetting;
  resetTokenMinutes?: number;
  inviteTokenHours?: number;
  /** 'auto' (default): Secure when the request came over https; 'always' behind a TLS-terminating proxy (SESSION_COOKIE_SECURE=1). */
  secureCookies?: 'auto' | 'always';
}

/** What the auth service keeps between requests: limiters, mailer, settings. */
export interface AuthRuntime {
  deps: Deps;
  mailer: Mailer;
  portalUrl: string;
  sessionIdleMs: number;
  sessionMaxMs: number;
  resetTokenMs: number;
  inviteTokenMs: number;
  failures: RateLimiter;
  attempts: RateLimiter;
  resets: RateLimiter;
  secureCookies: 'auto' | 'always';
}

export function createAuthRuntime(deps: Deps, mailer: Mailer, opts: AuthOptions = {}): AuthRuntime {
  // shared by every node of a PostgreSQL store, in memory on SQLite
  const counter = rateCounterFor(deps.database);
  const lim = (name: string, s: LimitSetting | undefined, max: number, windowMs: number) => new RateLimiter(s?.max ?? max, s?.windowMs ?? windowMs, counter, `auth.${name}:`);
  primeDummyHash();
  return {
    deps,
    mailer,
    portalUrl: (opts.portalUrl ?? process.env.PORTAL_URL ?? 'http://localhost:8080').replace(/\/+$/, ''),
    sessionIdleMs: (opts.sessionIdleMinutes ?? 8 * 60) * 60_000,
    sessionMaxMs: (opts.sessionMaxHours ?? 7 * 24) * 3_600_000,
    resetTokenMs: (opts.resetTokenMinutes ?? 60) * 60_000,
    inviteTokenMs: (opts.inviteTokenHours ?? 72) * 3_600_000,
    failures: lim('failures', opts.failuresPerAccountAddress, 10, 15 * 60_000),
    attempts: lim('attempts', opts.attemptsPerAddress, 60, 60_000),
    resets: lim('resets', opts.resetsPerAccountAddress, 5, 15 * 60_000),
    secureCookies: opts.secureCookies ?? (process.env.SESSION_COOKIE_SECURE === '1' ? 'always' : 'auto'),
  };
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfter: number) {
    super(429, 'rate_limited', `too many attempts; try again in ${retryAfter} seconds`);
  }
}

// ---------- actors ----------

/** Actors made by the API-key authenticator: keys may not mint further keys. */
const apiKeyActors = new WeakSet<Actor>();
export function isApiKeyActor(actor: Actor): boolean {
  return apiKeyActors.has(actor);
}

/** The offices a person's 'office' reach covers: a Site Manager's managed offices (default: their own office). */
export async function officeIdsFor(conn: Conn, row: users.UserRow): Promise<string[]> {
  if (row.scope === 'site_manager') {
    const managed = await repo.managedOffices(conn, row.account_id, row.id);
    if (managed.length) return managed;
  }
  return [row.office_id];
}

function userLabel(row: users.UserRow): string {
  return row.email ? `${row.display_name} <${row.email}>` : `${row.display_name} (ext ${row.extension})`;
}

export async function actorForUser(conn: Conn, row: users.UserRow): Promise<Extract<Actor, { kind: 'user' }>> {
  return { kind: 'user', id: row.id, accountId: row.account_id, scope: row.scope as Scope, officeIds: await officeIdsFor(conn, row), label: userLabel(row) };
}

function mayUse(row: users.UserRow | undefined): row is users.UserRow {
  return !!row && row.enabled === 1 && isScope(row.scope) && canLogIn(row.scope);
}

/** Portal sessions: the `sb_session` cookie's SHA-256 names a row in `sessions`; idle and absolute expiry. */
export function sessionAuthenticator(rt: AuthRuntime): Authenticator {
  const db = rt.deps.database.db;
  return {
    async authenticate(headers) {
      const token = readCookie(headers.cookie, SESSION_COOKIE);
      if (!token) return null;
      const now = Date.now();
      const s = await repo.findSession(db, hashKey(token), new Date(now).toISOString());
      if (!s) return null;
      let actor: Actor;
      if (s.kind === 'provider') {
        const admin = s.provider_admin_id ? await repo.findProviderAdminById(db, s.provider_admin_id) : undefined;
        if (!admin) return null;
        actor = { kind: 'provider', id: admin.id, label: `provider admin ${admin.email}` };
      } else {
        const row = s.account_id && s.user_id ? await users.findRow(db, s.account_id, s.user_id) : undefined;
        if (!mayUse(row)) return null;
        actor = await actorForUser(db, row);
      }
      // Sliding idle expiry, written at most once a minute, never past the absolute limit.
      if (now - Date.parse(s.last_seen_at) > 60_000) {
        const expires = Math.min(now + rt.sessionIdleMs, Date.parse(s.created_at) + rt.sessionMaxMs);
        await repo.touchSession(db, s.id, new Date(now).toISOString(), new Date(expires).toISOString());
      }
      return actor;
    },
  };
}

/** User API keys (`sbk_...`): hashed at rest, scoped, revocable; a key tied to a user never exceeds that user's current scope. */
export function apiKeyAuthenticator(rt: AuthRuntime): Authenticator {
  const db = rt.deps.database.db;
  return {
    async authenticate(headers) {
      const token = bearerToken(headers);
      if (!token || !token.startsWith(API_KEY_PREFIX)) return null;
      const key = await repo.findApiKeyByHash(db, hashKey(token));
      if (!key || !isScope(key.scope)) return null;
      let scope: Scope = key.scope;
      let officeIds = JSON.parse(key.office_ids) as string[];
      let id = `apikey:${key.id}`;
      if (key.user_id) {
        const row = await users.findRow(db, key.account_id, key.user_id);
        if (!mayUse(row)) return null;
        scope = minScope(scope, row.scope as Scope);
        const reach = await officeIdsFor(db, row);
        officeIds = officeIds.length ? (row.scope === 'office_manager' ? officeIds : officeIds.filter((o) => reach.includes(o))) : reach;
        id = row.id;
      }
      if (!canLogIn(scope)) return null;
      const now = Date.now();
      if (!key.last_used_at || now - Date.parse(key.last_used_at) > 60_000) await repo.touchApiKey(db, key.id, new Date(now).toISOString());
      const actor: Actor = { kind: 'user', id, accountId: key.account_id, scope, officeIds, label: `API key '${key.name}' (${key.key_prefix}…)` };
      apiKeyActors.add(actor);
      return actor;
    },
  };
}

// ---------- login / logout / me ----------

export interface LoginInput {
  account: string;
  email: string;
  password: string;
}

export interface LoginResult {
  token: string;
  maxAgeSeconds: number;
  me: MeResponse;
}

function publishAuthEvent(rt: AuthRuntime, type: string, accountId: string, resourceId: string, who: { kind: string; id: string; role: string; label: string }, after?: unknown) {
  return rt.deps.events.publish({ type, accountId, resourceId, actor: who.label, actorRef: { kind: who.kind, id: who.id, role: who.role }, source: currentSource(), after, at: nowIso() });
}

async function startSession(rt: AuthRuntime, row: Omit<SessionsTable, 'id' | 'created_at' | 'last_seen_at' | 'expires_at'>): Promise<{ token: string; maxAgeSeconds: number }> {
  const token = randomToken(32);
  const now = Date.now();
  const expires = now + Math.min(rt.sessionIdleMs, rt.sessionMaxMs);
  await repo.insertSession(rt.deps.database.db, { ...row, id: hashKey(token), created_at: new Date(now).toISOString(), last_seen_at: new Date(now).toISOString(), expires_at: new Date(expires).toISOString() });
  if (Math.random() < 0.02) await repo.purgeExpiredSessions(rt.deps.database.db, new Date(now).toISOString());
  return { token, maxAgeSeconds: Math.floor(rt.sessionMaxMs / 1000) };
}

/**
 * Account code + email + password. Every wrong answer (unknown account, unknown email, no password set,
 * wrong password) is the same 401 after the same argon2 work. Rate limited per (account, address) on
 * failures and per address on attempts.
 */
export async function login(rt: AuthRuntime, input: LoginInput, address: string): Promise<LoginResult> {
  const db = rt.deps.database.db;
  const accountCode = input.account.trim().toLowerCase();
  const email = normaliseEmail(input.email) ?? '';
  const failKey = `${accountCode}\u0000${address}`;
  const wait = Math.max(await rt.attempts.blockedFor(address), await rt.failures.blockedFor(failKey));
  if (wait) throw new RateLimitedError(wait);
  await rt.attempts.hit(address);
  const invalid = () => new AppError(401, 'invalid_credentials', 'the account, email or password is wrong');

  if (accountCode === PROVIDER_ACCOUNT) {
    const admin = await repo.findProviderAdmin(db, email);
    const ok = admin ? await verifyPassword(admin.password_hash, input.password) : await burnVerify(input.password);
    if (!admin || !ok) {
      await rt.failures.hit(failKey);
      throw invalid();
    }
    await rt.failures.reset(failKey);
    const s = await startSession(rt, { kind: 'provider', user_id: null, account_id: null, provider_admin_id: admin.id, source: address });
    const actor: Actor = { kind: 'provider', id: admin.id, label: `provider admin ${admin.email}` };
    await publishAuthEvent(rt, 'session.login', '', admin.id, { kind: 'provider', id: admin.id, role: 'provider', label: actor.label });
    return { ...s, me: await describe(rt.deps, actor) };
  }

  const account = await db.selectFrom('accounts').select('id').where('code', '=', accountCode).executeTakeFirst();
  const row = account && email ? await db.selectFrom('users').selectAll().where('account_id', '=', account.id).where('email', '=', email).executeTakeFirst() : undefined;
  const ok = row?.portal_password_hash ? await verifyPassword(row.portal_password_hash, input.password) : await burnVerify(input.password);
  if (!row || !ok) {
    await rt.failures.hit(failKey);
    if (account) await publishAuthEvent(rt, 'session.login_failed', account.id, row?.id ?? '-', { kind: 'anonymous', id: email || '-', role: 'none', label: `login attempt as ${email || '(no email)'}` });
    throw invalid();
  }
  await rt.failures.reset(failKey);
  if (!isScope(row.scope) || !canLogIn(row.scope)) throw new ForbiddenError('No Portal users cannot log in');
  if (row.enabled !== 1) throw new ForbiddenError('this user is disabled');
  const s = await startSession(rt, { kind: 'user', user_id: row.id, account_id: row.account_id, provider_admin_id: null, source: address });
  const actor = await actorForUser(db, row);
  await publishAuthEvent(rt, 'session.login', row.account_id, row.id, { kind: 'user', id: row.id, role: row.scope, label: actorLabel(actor) });
  return { ...s, me: await describe(rt.deps, actor) };
}

export async function logout(rt: AuthRuntime, cookieHeader: string | string[] | undefined): Promise<void> {
  const token = readCookie(cookieHeader, SESSION_COOKIE);
  if (token) await repo.deleteSession(rt.deps.database.db, hashKey(token));
}

/** The session id (hash) behind a request's cookie, if any. */
export function sessionIdFrom(cookieHeader: string | string[] | undefined): string | undefined {
  const token = readCookie(cookieHeader, SESSION_COOKIE);
  return token ? hashKey(token) : undefined;
}

/** What the portal needs to know about whoever is signed in. */
export async function describe(deps: Deps, actor: Actor): Promise<MeResponse> {
  if (actor.kind !== 'user') return { actor: { kind: actor.kind, label: actor.label }, permissions: Object.fromEntries(ACTIONS.map((a) => [a, 'account'])) };
  const permissions: Record<string, string> = { ...PERMISSION_MATRIX[actor.scope] };
  if (isApiKeyActor(actor)) delete permissions['apikey.write'];
  const db = deps.database.db;
  const account = await accounts.findByCodeOrId(db, actor.accountId);
  const row = actor.id.startsWith('apikey:') ? undefined : await users.findRow(db, actor.accountId, actor.id);
  const me: MeActor = { kind: 'user', scope: actor.scope, ...(row && { userId: row.id }), accountCode: account?.code, officeIds: actor.officeIds, label: actor.label };
  return { actor: me, permissions, ...(row && { user: users.toUser(row) }), ...(account && { account }) };
}

// ---------- passwords ----------

function contextFor(row: users.UserRow, account: Pick<Account, 'code'>): PasswordContext {
  return { email: row.email, accountCode: account.code, extension: row.extension, firstName: row.first_name, lastName: row.last_name };
}

/** A person may not take over someone of a higher scope (set their password, send them a login link). */
const assertOutranks = assertMayManage;

async function loadUser(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<{ account: Account; row: users.UserRow }> {
  const account = await resolveAccount(deps, actor, accountKey);
  const row = await users.findRow(deps.database.db, account.id, userId);
  if (!row) throw new NotFoundError('user');
  return { account, row };
}

async function storePassword(deps: Deps, row: users.UserRow, password: string, keepSessionId?: string): Promise<void> {
  const hash = await hashPassword(password);
  const at = nowIso();
  await deps.database.db.transaction().execute(async (tx) => {
    await users.update(tx, row.account_id, row.id, { portal_password_hash: hash, updated_at: at });
    await repo.voidPasswordTokens(tx, row.id, at);
    await repo.deleteUserSessions(tx, row.id, keepSessionId);
  });
}

/**
 * Sets a portal password (write-only: it is never returned). An administrator within reach sets anyone's
 * at or below their own scope; everyone may set their own. Other sessions of that user end.
 */
export async function setPassword(deps: Deps, actor: Actor, accountKey: string, userId: string, password: string, keepSessionId?: string): Promise<void> {
  const { account, row } = await loadUser(deps, actor, accountKey, userId);
  authorize(actor, 'user.password', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  assertOutranks(actor, row);
  assertValid(passwordErrors(password, contextFor(row, account)));
  await storePassword(deps, row, password, actor.kind === 'user' && actor.id === row.id ? keepSessionId : undefined);
  const before = users.toUser(row);
  await emit(deps, actor, 'user.password_set', account.id, row.id, { portalPasswordSet: before.portalPasswordSet }, { portalPasswordSet: true });
}

/** 'reset': the forgot-password email; 'invite': the 'send credentials' email; 'link': a link the manager copied and hands over. */
type TokenPurpose = 'reset' | 'invite' | 'link';

async function issueToken(rt: AuthRuntime, row: users.UserRow, purpose: TokenPurpose): Promise<string> {
  return (await issueTokenWithExpiry(rt, row, purpose)).token;
}

async function issueTokenWithExpiry(rt: AuthRuntime, row: users.UserRow, purpose: TokenPurpose): Promise<{ token: string; expiresAt: string }> {
  const token = randomToken(32);
  const now = Date.now();
  const ttl = purpose === 'reset' ? rt.resetTokenMs : rt.inviteTokenMs;
  const expiresAt = new Date(now + ttl).toISOString();
  const db = rt.deps.database.db;
  await db.transaction().execute(async (tx) => {
    await repo.voidPasswordTokens(tx, row.id, new Date(now).toISOString());
    await repo.insertPasswordToken(tx, {
      id: newId(),
      token_hash: hashKey(token),
      account_id: row.account_id,
      user_id: row.id,
      purpose,
      created_at: new Date(now).toISOString(),
      expires_at: expiresAt,
      used_at: null,
    });
  });
  return { token, expiresAt };
}

/** Refuses to mail links to an address nobody can open (see portalUrlProblem): a 503 naming PORTAL_URL. */
function assertPortalUrlUsable(rt: AuthRuntime): void {
  const problem = portalUrlProblem(rt.portalUrl);
  if (problem) throw new AppError(503, 'portal_url_unusable', problem, [{ field: 'PORTAL_URL', reason: problem }]);
}

function setPasswordLink(rt: AuthRuntime, token: string): string {
  // In the fragment, not the query: fragments never reach a server, so the token stays out of access logs and Referer headers.
  return `${rt.portalUrl}/set-password#token=${encodeURIComponent(token)}`;
}

/** Always 202 (the answer never tells whether the account or email exists); mails a single-use link when they do. */
export async function requestPasswordReset(rt: AuthRuntime, input: { account: string; email: string }, address: string, onMailError: (err: unknown) => void): Promise<void> {
  const accountCode = input.account.trim().toLowerCase();
  const key = `${accountCode}\u0000${address}`;
  const wait = await rt.resets.blockedFor(key);
  if (wait) throw new RateLimitedError(wait);
  await rt.resets.hit(key);
  const db = rt.deps.database.db;
  const email = normaliseEmail(input.email);
  const account = await db.selectFrom('accounts').selectAll().where('code', '=', accountCode).executeTakeFirst();
  if (!account || !email) return;
  const row = await db.selectFrom('users').selectAll().where('account_id', '=', account.id).where('email', '=', email).executeTakeFirst();
  if (!mayUse(row)) return;
  // still 202 (the answer never tells whether the user exists); the operator sees why no mail went out
  const problem = portalUrlProblem(rt.portalUrl);
  if (problem) return onMailError(new Error(`password-reset email not sent: ${problem}`));
  const token = await issueToken(rt, row, 'reset');
  await publishAuthEvent(rt, 'user.password_reset_requested', account.id, row.id, { kind: 'anonymous', id: email, role: 'none', label: `password reset request for ${email}` });
  const minutes = Math.round(rt.resetTokenMs / 60_000);
  // Not awaited: the time to answer does not depend on whether a message goes out.
  rt.mailer
    .send({
      to: row.alt_email ?? email,
      subject: `Reset your ${account.name} portal password`,
      text: [
        `Hello ${row.display_name},`,
        '',
        `Someone asked to reset the portal password for ${email} on account "${account.code}".`,
        `To choose a new password, open this link (it works once and expires in ${minutes} minutes):`,
        '',
        `  ${setPasswordLink(rt, token)}`,
        '',
        'If it was not you, ignore this email: your password has not changed.',
      ].join('\n'),
    })
    .catch(onMailError);
}

const VIA: Record<string, string> = { invite: 'emailed link', link: 'set-password link', reset: 'password reset' };

/** Spends a reset/invite token on a new password; every session of that user ends. */
export async function confirmPasswordReset(rt: AuthRuntime, input: { token: string; password: string }): Promise<void> {
  const db = rt.deps.database.db;
  const bad = () => new ValidationError([{ field: 'token', reason: 'is invalid, already used or expired' }]);
  const t = await repo.findPasswordToken(db, hashKey(input.token), nowIso());
  if (!t) throw bad();
  const row = await users.findRow(db, t.account_id, t.user_id);
  const account = await accounts.findByCodeOrId(db, t.account_id);
  if (!row || !account) throw bad();
  assertValid(passwordErrors(input.password, contextFor(row, account)));
  if (!(await repo.consumePasswordToken(db, t.id, nowIso()))) throw bad();
  await storePassword(rt.deps, row, input.password);
  const actor = await actorForUser(db, row);
  await emit(rt.deps, actor, 'user.password_set', account.id, row.id, { portalPasswordSet: !!row.portal_password_hash }, { portalPasswordSet: true, via: VIA[t.purpose] ?? 'password reset' });
}

/** Who may be sent (or handed) a set-password link: a manager within reach, for someone at or below them who can log in. */
async function loadInvitee(rt: AuthRuntime, actor: Actor, accountKey: string, userId: string): Promise<{ account: Account; row: users.UserRow }> {
  const { account, row } = await loadUser(rt.deps, actor, accountKey, userId);
  authorize(actor, 'user.send_credentials', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  assertOutranks(actor, row);
  const errors: FieldError[] = [];
  if (!row.email) errors.push({ field: 'email', reason: 'the user has no email address to log in with' });
  if (!isScope(row.scope) || !canLogIn(row.scope)) errors.push({ field: 'scope', reason: 'No Portal users cannot log in' });
  assertValid(errors);
  return { account, row };
}

/**
 * A copyable single-use set-password link, for a manager to hand over when no email can go out (no SMTP)
 * or by choice. The token is stored only as a hash; earlier unused links of the user stop working; the
 * link is returned once and never logged or audited (the audit entry records that one was made and when
 * it expires). The host comes from PORTAL_URL, never the request.
 */
export async function createSetPasswordLink(rt: AuthRuntime, actor: Actor, accountKey: string, userId: string): Promise<{ link: string; expiresAt: string; email: string }> {
  const { account, row } = await loadInvitee(rt, actor, accountKey, userId);
  assertPortalUrlUsable(rt);
  const { token, expiresAt } = await issueTokenWithExpiry(rt, row, 'link');
  await emit(rt.deps, actor, 'user.set_password_link_created', account.id, row.id, undefined, { expiresAt });
  return { link: setPasswordLink(rt, token), expiresAt, email: row.email! };
}

/** 503 when no credentials email can go out at all (no SMTP server, or no usable portal address for the link). */
export function assertCanSendCredentials(rt: AuthRuntime): void {
  if (!rt.mailer.configured) throw new AppError(503, 'mail_unavailable', 'no SMTP server is configured (set SMTP_URL or SMTP_HOST): copy a set-password link for the user instead');
  assertPortalUrlUsable(rt);
}

/**
 * 'Send credentials to this user': emails the account code, login email, portal address and a single-use
 * set-password link. Never a SIP password, PIN or portal password.
 */
export async function sendCredentials(rt: AuthRuntime, actor: Actor, accountKey: string, userId: string): Promise<{ to: string }> {
  const deps = rt.deps;
  const { account, row } = await loadInvitee(rt, actor, accountKey, userId);
  assertCanSendCredentials(rt);
  const token = await issueToken(rt, row, 'invite');
  const to = row.alt_email ?? row.email!;
  const hours = Math.round(rt.inviteTokenMs / 3_600_000);
  try {
    await rt.mailer.send({
      to,
      subject: `Your ${account.name} phone system login`,
      text: [
        `Hello ${row.display_name},`,
        '',
        `You can sign in to the ${account.name} phone system portal:`,
        '',
        `  Portal:        ${rt.portalUrl}/`,
        `  Account name:  ${account.code}`,
        `  Login email:   ${row.email}`,
        `  Extension:     ${row.extension}`,
        '',
        `Choose your password here (the link works once and expires in ${hours} hours):`,
        '',
        `  ${setPasswordLink(rt, token)}`,
        '',
        row.portal_password_hash ? 'You already have a password: it keeps working until you choose a new one.' : '',
      ]
        .join('\n')
        .trimEnd(),
    });
  } catch {
    throw new AppError(502, 'mail_failed', 'the email could not be sent; try again later');
  }
  await emit(deps, actor, 'user.credentials_sent', account.id, row.id, undefined, { to });
  return { to };
}

// ---------- Site Manager offices ----------

export async function getManagedOffices(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<{ officeIds: string[]; explicit: boolean }> {
  const { account, row } = await loadUser(deps, actor, accountKey, userId);
  authorize(actor, 'user.read', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  const managed = await repo.managedOffices(deps.database.db, account.id, row.id);
  return { officeIds: managed.length ? managed : [row.office_id], explicit: managed.length > 0 };
}

export async function setManagedOffices(deps: Deps, actor: Actor, accountKey: string, userId: string, officeIds: string[]): Promise<{ officeIds: string[]; explicit: boolean }> {
  const { account, row } = await loadUser(deps, actor, accountKey, userId);
  authorize(actor, 'user.offices', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  const db = deps.database.db;
  const unique = [...new Set(officeIds)];
  const errors: FieldError[] = [];
  if (row.scope !== 'site_manager') errors.push({ field: 'scope', reason: 'only a Site Manager manages offices' });
  for (const id of unique) if (!(await offices.findById(db, account.id, id))) errors.push({ field: 'officeIds', reason: `${id}: no such office in this account` });
  assertValid(errors);
  const before = await repo.managedOffices(db, account.id, row.id);
  await db.transaction().execute((tx) => repo.replaceManagedOffices(tx, account.id, row.id, unique));
  await emit(deps, actor, 'user.offices_updated', account.id, row.id, { officeIds: before }, { officeIds: unique.sort() });
  return { officeIds: unique.length ? unique : [row.office_id], explicit: unique.length > 0 };
}

// ---------- API keys ----------

function toApiKey(r: repo.ApiKeyRow): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.key_prefix,
    scope: r.scope as Scope,
    userId: r.user_id,
    officeIds: JSON.parse(r.office_ids) as string[],
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

function selfOnly(actor: Actor, action: 'apikey.read' | 'apikey.write'): boolean {
  return actor.kind === 'user' && PERMISSION_MATRIX[actor.scope][action] === 'self';
}

export async function listApiKeys(deps: Deps, actor: Actor, accountKey: string, opts: { includeRevoked?: boolean; limit: number; offset: number }): Promise<{ items: ApiKey[] }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'apikey.read', { accountId: account.id, userId: actor.id }, 'api key');
  const rows = await repo.listApiKeys(deps.database.db, account.id, { ...opts, userId: selfOnly(actor, 'apikey.read') ? actor.id : undefined });
  return { items: rows.map(toApiKey) };
}

export async function createApiKey(deps: Deps, actor: Actor, accountKey: string, input: ApiKeyCreate): Promise<ApiKey & { key: string }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'apikey.write', { accountId: account.id, userId: actor.id }, 'api key');
  if (isApiKeyActor(actor)) throw new ForbiddenError('an API key cannot create API keys; sign in to the portal');
  const db = deps.database.db;
  const errors: FieldError[] = [];
  let userRow: users.UserRow | undefined;
  if (actor.kind === 'user') {
    if (input.userId && input.userId !== actor.id) errors.push({ field: 'userId', reason: 'you may only create keys that act as yourself' });
    userRow = await users.findRow(db, account.id, actor.id);
  } else if (input.userId) {
    userRow = await users.findRow(db, account.id, input.userId);
    if (!userRow) errors.push({ field: 'userId', reason: 'no such user in this account' });
  }
  const scope = (input.scope ?? (actor.kind === 'user' ? actor.scope : userRow?.scope ?? 'office_manager')) as Scope;
  const officeLimited = ['site_manager', 'call_center_supervisor'].includes(scope);
  let officeIds = input.officeIds ? [...new Set(input.officeIds)] : [];
  if (!input.officeIds && officeLimited && actor.kind === 'user') officeIds = actor.officeIds;
  const grant = checkKeyGrant(actor, scope, officeIds);
  if (grant) errors.push({ field: grant.includes('offices') ? 'officeIds' : 'scope', reason: grant });
  if (userRow && isScope(userRow.scope) && scopeRank(scope) > scopeRank(userRow.scope)) errors.push({ field: 'scope', reason: "may not be above the user's own scope" });
  if (officeLimited && !userRow && officeIds.length === 0) errors.push({ field: 'officeIds', reason: `a ${scope} key that acts as no user needs the offices it covers` });
  if (!userRow && PERMISSION_MATRIX[scope]['user.read'] === 'self') errors.push({ field: 'userId', reason: `a ${scope} key acts on its own user's settings: give the user it acts as` });
  for (const id of officeIds) if (!(await offices.findById(db, account.id, id))) errors.push({ field: 'officeIds', reason: `${id}: no such office in this account` });
  assertValid(errors);
  const key = `${API_KEY_PREFIX}${randomToken(24)}`;
  const row = {
    id: newId(),
    account_id: account.id,
    name: input.name.trim(),
    key_hash: hashKey(key),
    key_prefix: key.slice(0, 10),
    scope,
    user_id: userRow?.id ?? null,
    office_ids: JSON.stringify(officeIds),
    created_by: actor.label,
    created_at: nowIso(),
    last_used_at: null,
    revoked_at: null,
  };
  await repo.insertApiKey(db, row);
  const out = toApiKey(row);
  await emit(deps, actor, 'apikey.created', account.id, row.id, undefined, out);
  return { ...out, key };
}

export async function revokeApiKey(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<void> {
  const account = await resolveAccount(deps, actor, accountKey);
  const db = deps.database.db;
  const row = await repo.findApiKey(db, account.id, id);
  if (!row || row.revoked_at) throw new NotFoundError('api key');
  authorize(actor, 'apikey.write', { accountId: account.id, userId: row.user_id ?? `apikey:${row.id}` }, 'api key');
  await repo.revokeApiKey(db, account.id, row.id, nowIso());
  const after = (await repo.findApiKey(db, account.id, row.id))!;
  await emit(deps, actor, 'apikey.revoked', account.id, row.id, toApiKey(row), toApiKey(after));
}

// ---------- provider administrators ----------

export async function createProviderAdmin(deps: Deps, actor: Actor, email: string, password: string): Promise<{ id: string; email: string }> {
  if (actor.kind === 'user') throw new ForbiddenError('only the provider may add provider administrators');
  const e = normaliseEmail(email);
  const errors: FieldError[] = [];
  if (!e || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) errors.push({ field: 'email', reason: 'must be an email address' });
  errors.push(...passwordErrors(password, { email: e }));
  assertValid(errors);
  const db = deps.database.db;
  const existing = await repo.findProviderAdmin(db, e!);
  const hash = await hashPassword(password);
  const at = nowIso();
  let id: string;
  if (existing) {
    id = existing.id;
    await repo.setProviderAdminPassword(db, id, hash, at);
    await repo.deleteProviderSessions(db, id);
  } else {
    id = newId();
    await repo.insertProviderAdmin(db, { id, email: e!, password_hash: hash, created_at: at, updated_at: at });
  }
  await emit(deps, actor, existing ? 'provider_admin.password_set' : 'provider_admin.created', '', id, undefined, { email: e });
  return { id, email: e! };
}

// ---------- cleanup when users or offices go ----------

/** Sessions, keys, tokens and office grants of a deleted user or office must not outlive it. */
export function subscribeCleanup(deps: Deps): () => void {
  return deps.events.subscribe(async (e) => {
    const db = deps.database.db;
    // User deletion is handled in the delete's transaction (deletion.ts); this is a second line.
    if (e.type === 'user.deleted') {
      await repo.deleteUserSessions(db, e.resourceId);
      await repo.deleteUserApiKeys(db, e.accountId, e.resourceId);
      await repo.forgetUser(db, e.accountId, e.resourceId);
    } else if (e.type === 'office.deleted') {
      await repo.forgetOffice(db, e.accountId, e.resourceId);
    } else if (e.type === 'config.discarded') {
      await repo.pruneOfficeGrants(db, e.accountId);
    }
  });
}
