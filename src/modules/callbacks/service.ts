/**
 * Callback on busy: the API's use cases (list, cancel) and the feature server's backend (register a request
 * from the offer menu, the dialer's pending list, attempts, completion, expiry). Every change is an event
 * (callback.requested / .refreshed / .cancelled / .completed / .expired), so the audit log has it.
 */
import type { Deps } from '../../shared/deps.ts';
import { emit } from '../../shared/deps.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import { assertMayManage, authorize, officeLimit, PERMISSION_MATRIX, type Actor } from '../../shared/permissions.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as repo from './repository.ts';
import { decideRequest, DEFAULT_EXPIRY_MINUTES, type CallbackState } from './rules.ts';
import type { Callback } from './schema.ts';

/** Who writes when the feature server registers, rings or expires a callback. */
export const CALLBACK_ACTOR: Actor = { kind: 'system', id: 'callback', label: 'callback on busy' };

type Clock = () => Date;
const systemClock: Clock = () => new Date();

const facts = (r: Pick<repo.CallbackRow, 'id' | 'caller_user_id' | 'callee_user_id' | 'caller_extension' | 'callee_extension' | 'expires_at'>, state: CallbackState) => ({
  id: r.id,
  userId: r.caller_user_id,
  callerExtension: r.caller_extension,
  calleeUserId: r.callee_user_id,
  calleeExtension: r.callee_extension,
  state,
  expiresAt: r.expires_at,
});

async function loadCaller(deps: Deps, actor: Actor, accountKey: string, userId: string, action: 'user.read' | 'user.update') {
  const account = await resolveAccount(deps, actor, accountKey);
  const u = await deps.database.db.selectFrom('users').select(['id', 'office_id', 'scope']).where('account_id', '=', account.id).where('id', '=', userId).executeTakeFirst();
  if (!u) throw new NotFoundError('user');
  authorize(actor, action, { accountId: account.id, officeId: u.office_id, userId: u.id }, 'user');
  if (action === 'user.update') assertMayManage(actor, { id: u.id, scope: u.scope });
  return { account, user: u };
}

/** The callbacks a user asked for (as the caller), newest first. */
export async function listForUser(deps: Deps, actor: Actor, accountKey: string, userId: string, state?: CallbackState): Promise<{ items: Callback[] }> {
  const { account, user } = await loadCaller(deps, actor, accountKey, userId, 'user.read');
  const rows = await repo.list(deps.database.db, account.id, { callerUserId: user.id, state });
  return { items: rows.map(repo.toCallback) };
}

/** The account's callbacks: a manager sees those of callers in the offices they manage. */
export async function listForAccount(deps: Deps, actor: Actor, accountKey: string, state?: CallbackState): Promise<{ items: Callback[] }> {
  const account = await resolveAccount(deps, actor, accountKey);
  // a 'self' reach (Basic User ...) lists only their own; an 'office' reach the callers in their offices
  const self = actor.kind === 'user' && PERMISSION_MATRIX[actor.scope]['user.read'] === 'self';
  authorize(actor, 'user.read', { accountId: account.id, ...(self && { userId: actor.id }), ...(actor.kind === 'user' && !self && { officeId: actor.officeIds[0] ?? null }) }, 'account');
  const rows = await repo.list(deps.database.db, account.id, { state, offices: officeLimit(actor, 'user.read'), ...(self && { callerUserId: actor.id }) });
  return { items: rows.map(repo.toCallback) };
}

/** Cancels a pending callback of the user (the caller's own, or a manager for their offices). */
export async function cancel(deps: Deps, actor: Actor, accountKey: string, userId: string, id: string, clock: Clock = systemClock): Promise<void> {
  const { account, user } = await loadCaller(deps, actor, accountKey, userId, 'user.update');
  const row = await repo.find(deps.database.db, account.id, id);
  if (!row || row.caller_user_id !== user.id) throw new NotFoundError('callback');
  if (row.state !== 'pending') return;
  if (await repo.finish(deps.database.db, account.id, id, 'cancelled', clock().toISOString())) {
    await emit(deps, actor, 'callback.cancelled', account.id, id, facts(row, 'pending'), facts(row, 'cancelled'));
  }
}

// ---------------------------------------------------------------- the feature server's side

export type RegisterResult = { outcome: 'created' | 'refreshed'; id: string; expiresAt: string } | { outcome: 'refused'; reason: 'self' | 'limit' | 'unknown' };

export interface CallbackBackend {
  /** The offer menu's "call me back": caller and callee by extension in the account (by code). */
  register(accountCode: string, callerExt: string, calleeExt: string): Promise<RegisterResult>;
  /** Pending requests of every account; expired ones are closed (and reported) on the way. */
  pending(): Promise<repo.DueCallback[]>;
  attempted(c: repo.DueCallback): Promise<void>;
  /** The caller answered and was handed over to the callee. */
  completed(c: repo.DueCallback): Promise<void>;
}

export function callbackBackend(deps: Deps, o: { expiryMinutes?: number | ((accountId: string) => Promise<number> | number); clock?: Clock } = {}): CallbackBackend {
  const clock = o.clock ?? systemClock;
  const db = deps.database.db;
  // the account's setting (accounts.callback_expiry_minutes), unless the caller fixes it (tests)
  const minutes = async (accountId: string) => {
    if (typeof o.expiryMinutes === 'function') return o.expiryMinutes(accountId);
    if (o.expiryMinutes !== undefined) return o.expiryMinutes;
    const a = await db.selectFrom('accounts').select('callback_expiry_minutes').where('id', '=', accountId).executeTakeFirst();
    return Number(a?.callback_expiry_minutes ?? DEFAULT_EXPIRY_MINUTES);
  };
  return {
    async register(accountCode, callerExt, calleeExt) {
      const account = await db.selectFrom('accounts').select('id').where('code', '=', accountCode).executeTakeFirst();
      if (!account) return { outcome: 'refused', reason: 'unknown' };
      const caller = await repo.userByExtension(db, account.id, callerExt);
      const callee = await repo.userByExtension(db, account.id, calleeExt);
      if (!caller || !callee || !caller.enabled || !callee.enabled) return { outcome: 'refused', reason: 'unknown' };
      const now = clock();
      const nowIso = now.toISOString();
      const pend = await repo.pendingOfCaller(db, account.id, caller.id);
      const d = decideRequest(caller.id, callee.id, pend.map((p) => ({ calleeUserId: p.callee_user_id, expiresAt: p.expires_at })), now, await minutes(account.id));
      if (d.kind === 'refuse') return { outcome: 'refused', reason: d.reason };
      // expired-but-not-yet-swept requests of the pair must not block the unique pending index
      for (const p of pend) if (p.expires_at <= nowIso && (await repo.finish(db, account.id, p.id, 'expired', nowIso))) await emit(deps, CALLBACK_ACTOR, 'callback.expired', account.id, p.id, facts(p, 'pending'), facts(p, 'expired'));
      const names = { caller_extension: caller.extension, callee_extension: callee.extension, caller_user_id: caller.id, callee_user_id: callee.id };
      if (d.kind === 'refresh') {
        const existing = pend.find((p) => p.callee_user_id === callee.id && p.expires_at > nowIso)!;
        await repo.setExpiry(db, account.id, existing.id, d.expiresAt, nowIso);
        await emit(deps, CALLBACK_ACTOR, 'callback.refreshed', account.id, existing.id, facts(existing, 'pending'), facts({ ...existing, expires_at: d.expiresAt }, 'pending'));
        return { outcome: 'refreshed', id: existing.id, expiresAt: d.expiresAt };
      }
      const id = newId();
      await repo.insert(db, account.id, { id, callerUserId: caller.id, calleeUserId: callee.id, now: nowIso, expiresAt: d.expiresAt });
      await emit(deps, CALLBACK_ACTOR, 'callback.requested', account.id, id, undefined, facts({ id, ...names, expires_at: d.expiresAt }, 'pending'));
      return { outcome: 'created', id, expiresAt: d.expiresAt };
    },
    async pending() {
      const now = clock().toISOString();
      const out: repo.DueCallback[] = [];
      for (const accountId of await repo.accountsWithPending(db)) {
        for (const c of await repo.pending(db, accountId)) {
          if (c.expires_at > now) out.push(c);
          else if (await repo.finish(db, accountId, c.id, 'expired', now)) await emit(deps, CALLBACK_ACTOR, 'callback.expired', accountId, c.id, facts(c, 'pending'), facts(c, 'expired'));
        }
      }
      return out;
    },
    async attempted(c) {
      await repo.attempted(db, c.account_id, c.id, clock().toISOString());
    },
    async completed(c) {
      if (await repo.finish(db, c.account_id, c.id, 'completed', clock().toISOString())) await emit(deps, CALLBACK_ACTOR, 'callback.completed', c.account_id, c.id, facts(c, 'pending'), facts(c, 'completed'));
    },
  };
}
