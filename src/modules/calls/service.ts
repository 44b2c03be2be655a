/**
 * Call history use cases: reading (tenancy: managers see their offices' calls, users their own) and recording
 * (the routing endpoint's decision opens a row, Kamailio's events answer / end / fail it), plus the toll-fraud
 * alarm on repeated limit refusals.
 */
import { emit, type Deps } from '../../shared/deps.ts';
import { assertValid, ForbiddenError, NotFoundError } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import type { MetricsRegistry } from '../../shared/metrics.ts';
import { authorize, PERMISSION_MATRIX, type Actor } from '../../shared/permissions.ts';
import { resolveAccount } from '../accounts/service.ts';
import type { AccountRoutingConfig, Decision, RouteRequest } from '../routing/schema.ts';
import * as repo from './repository.ts';
import { attemptFacts, checkQuery, decodeCursor, durationSeconds, FRAUD_REFUSALS, FRAUD_WINDOW_MS, normaliseTime, refusalWindow } from './rules.ts';
import type { Call, CallEventQuery, CallQuery } from './schema.ts';

/** Who writes call history and raises the toll-fraud alarm in the audit log. */
export const SIP_ACTOR: Actor = { kind: 'system', id: 'sip', label: 'SIP server' };

/** One page of the account's call history, as far as the actor may see. */
export async function listCalls(deps: Deps, actor: Actor, accountKey: string, q: CallQuery): Promise<{ items: Call[]; next?: string }> {
  const account = await resolveAccount(deps, actor, accountKey);
  // may they read call history at all (their own calls at least)? The rows they see are narrowed below.
  authorize(actor, 'call.read', { accountId: account.id, ...(actor.kind === 'user' && { userId: actor.id }) }, 'call history');
  assertValid(checkQuery(q));
  const db = deps.database.db;
  let userId: string | undefined;
  let officeIds: string[] | undefined;
  if (actor.kind === 'user') {
    const reach = PERMISSION_MATRIX[actor.scope]['call.read'];
    if (reach === 'self') userId = actor.id;
    if (reach === 'office') officeIds = actor.officeIds;
  }
  if (q.user !== undefined) {
    const u = await db.selectFrom('users').select(['id', 'office_id']).where('account_id', '=', account.id).where('id', '=', q.user).executeTakeFirst();
    if (!u) {
      // a user deleted since still has history: only account-wide readers may ask for it by id
      if (actor.kind === 'user' && PERMISSION_MATRIX[actor.scope]['call.read'] !== 'account') throw new NotFoundError('user');
    } else {
      authorize(actor, 'call.read', { accountId: account.id, userId: u.id, officeId: u.office_id }, 'user');
    }
    if (userId && userId !== q.user) throw new ForbiddenError('you can only view your own calls');
    userId = q.user;
    // a manager asking for one user of their office sees all of that user's calls
    if (u && officeIds?.includes(u.office_id)) officeIds = undefined;
  }
  return repo.list(db, account.id, {
    userId,
    officeIds,
    since: q.since ? normaliseTime(q.since)! : undefined,
    until: q.until ? normaliseTime(q.until)! : undefined,
    direction: q.direction,
    result: q.result,
    after: q.after ? decodeCursor(q.after)! : undefined,
    limit: q.limit ?? 50,
  });
}

export interface CallRecorder {
  /** Opens the history row of a call Kamailio asked about (callid = its SIP Call-ID); never throws. */
  attempt(cfg: AccountRoutingConfig, req: RouteRequest, decision: Decision, callid: string): void;
  /** A call event from Kamailio. */
  event(e: CallEventQuery): Promise<void>;
  /** Waits for every write in flight (tests, shutdown). */
  idle(): Promise<void>;
}

export function callRecorder(deps: Deps, metrics: MetricsRegistry, o: { clock?: () => Date; log?: (msg: string, err?: unknown) => void } = {}): CallRecorder {
  const clock = o.clock ?? (() => new Date());
  const log = o.log ?? ((m: string, err?: unknown) => console.error(`call history: ${m}`, err ?? ''));
  const db = deps.database.db;
  // the row's insert, per Call-ID: an event arriving right after routing waits for it
  const pending = new Map<string, Promise<void>>();
  const refusals = new Map<string, { times: number[]; lastAlarm?: number }>();

  async function finish(row: repo.CallRow, code: number, reason: string | null): Promise<void> {
    const now = clock().toISOString();
    await repo.update(db, row.account_id, row.id, { result: 'failed', sip_code: code, sip_reason: reason?.slice(0, 200) ?? null, ended_at: now, duration_s: 0 });
    metrics.callFailures.inc({ code: String(code) });
  }

  async function tollFraud(row: repo.CallRow, scope: string): Promise<void> {
    const now = clock().getTime();
    const state = refusals.get(row.account_id) ?? { times: [] };
    const r = refusalWindow(state.times, now, state.lastAlarm);
    refusals.set(row.account_id, { times: r.times, lastAlarm: r.alarm ? now : state.lastAlarm });
    if (!r.alarm) return;
    await emit(deps, SIP_ACTOR, 'call.toll_fraud_alarm', row.account_id, row.account_id, undefined, {
      refusals: r.times.filter((t) => now - t < FRAUD_WINDOW_MS).length,
      threshold: FRAUD_REFUSALS,
      windowMinutes: FRAUD_WINDOW_MS / 60_000,
      lastRefusal: { scope, userId: row.caller_user_id, from: row.from_number, dialled: row.dialled, at: clock().toISOString() },
    });
  }

  return {
    attempt(cfg, req, decision, callid) {
      const facts = attemptFacts(cfg, req, decision);
      const now = clock().toISOString();
      metrics.callAttempts.inc({ direction: facts.direction });
      if (decision.action === 'reject') metrics.callFailures.inc({ code: String(decision.code) });
      const write = repo
        .insert(db, {
          id: newId(),
          account_id: cfg.accountId,
          sip_call_id: callid,
          ...facts,
          result: decision.action === 'reject' ? 'failed' : 'ringing',
          started_at: now,
          answered_at: null,
          ended_at: decision.action === 'reject' ? now : null,
          duration_s: decision.action === 'reject' ? 0 : null,
        })
        .catch((err: unknown) => log('could not record a call', err))
        .finally(() => {
          if (pending.get(callid) === write) pending.delete(callid);
        });
      pending.set(callid, write);
    },
    async event(e) {
      await pending.get(e.callid);
      const row = await repo.latestByCallId(db, e.callid);
      if (!row) return;
      const now = clock().toISOString();
      if (e.event === 'answered') {
        if (row.result !== 'ringing') return;
        await repo.update(db, row.account_id, row.id, { result: 'answered', sip_code: e.code ?? 200, sip_reason: null, answered_at: now });
      } else if (e.event === 'ended') {
        if (row.ended_at) return;
        await repo.update(db, row.account_id, row.id, { ended_at: now, duration_s: durationSeconds(row.answered_at, now), ...(row.result === 'ringing' && { result: 'failed' }) });
      } else if (e.event === 'failed') {
        if (row.result !== 'ringing') return;
        await finish(row, e.code ?? 500, e.reason ?? null);
      } else {
        if (row.result !== 'ringing') return;
        const scope = e.scope ?? 'account';
        metrics.callLimitRefusals.inc({ scope });
        await finish(row, 403, `Forbidden - concurrent external call limit of the ${scope} reached`);
        await tollFraud(row, scope);
      }
    },
    async idle() {
      await Promise.all([...pending.values()]);
    },
  };
}
