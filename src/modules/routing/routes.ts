/**
 * GET /sip/route: Kamailio asks where an INVITE goes and gets an rtjson document back.
 * Not under /api/v1 (no API key): it answers only loopback peers and, when a secret is configured,
 * only requests carrying it in X-Switchboard-Sip-Secret. Refusals are 200 + {action: 'reject'} so
 * Kamailio can tell "Switchboard says no" from "Switchboard is down" (any non-200 → 503 to the phone).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { ForbiddenError } from '../../shared/errors.ts';
import type { SipSettings } from '../sip/settings.ts';
import type { MetricsRegistry } from '../../shared/metrics.ts';
import type { CallRecorder } from '../calls/service.ts';
import { limitsFor } from '../calls/rules.ts';
import { presenceEntities } from './blf.ts';
import { setDayNightFromHandset } from '../offices/service.ts';
import { RoutingConfigCache } from './repository.ts';
import { decideRoute, holdMusicOf, inboundCandidates, recordingOf, toRtjson, type RtjsonDoc } from './rules.ts';
import { routeQuerySchema, type AccountRoutingConfig, type CallSource, type Decision, type Platform } from './schema.ts';

export const ROUTE_PATH = '/sip/route';
export const SECRET_HEADER = 'x-switchboard-sip-secret';

interface RouteQuery {
  source: CallSource;
  realm?: string;
  from: string;
  to: string;
  /** The INVITE's SIP Call-ID: when given, the call is written to the call history (calls module). */
  callid?: string;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function secretMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const MEMO_MAX = 20_000;

/**
 * The routing service: resolve the account, load its (cached) configuration, decide. The decision is a pure
 * function of (configuration, request), so its serialised document is memoised per configuration object:
 * a configuration change replaces the object (domain event → cache entry dropped) and with it the memo.
 */
export function createRouter(deps: Deps, platform: Platform, recorder?: CallRecorder) {
  const cache = new RoutingConfigCache(deps.database.db).attach(deps.events);
  const memos = new WeakMap<AccountRoutingConfig, Map<string, string>>();
  // the last decision per configuration and request, for the call history (memoised documents skip decideRoute)
  const decisions = new WeakMap<AccountRoutingConfig, Map<string, Decision>>();
  async function routeJson(q: RouteQuery): Promise<string> {
    const accountId = q.source === 'trunk' ? await cache.byNumber(inboundCandidates(q.to)) : q.realm ? await cache.byRealm(q.realm) : null;
    if (!accountId) return JSON.stringify(toRtjson({ action: 'reject', code: 404, reason: q.source === 'trunk' ? 'Not Found - no such number' : 'Not Found - unknown domain' }));
    const cfg = await cache.config(accountId);
    if (!cfg) return JSON.stringify(toRtjson({ action: 'reject', code: 404, reason: 'Not Found - unknown domain' }));
    let memo = memos.get(cfg);
    if (!memo) memos.set(cfg, (memo = new Map()));
    const key = `${q.source}\u0000${q.from}\u0000${q.to}`;
    const req = { source: q.source, from: q.from, to: q.to };
    const hit = memo.get(key);
    if (hit !== undefined) {
      // ---- call history (issue 15) ----
      const known = decisions.get(cfg)?.get(key);
      if (recorder && q.callid && known) recorder.attempt(cfg, req, known, q.callid);
      return hit;
    }
    const decision = decideRoute(cfg, platform, req);
    // ---- call history (issue 15) ----
    if (recorder && q.callid) recorder.attempt(cfg, req, decision, q.callid);
    if (decision.action === 'route' && decision.effect) {
      // a decision with a write (*28): done now, before the call reaches the feature server; never memoised.
      // A failed write is a refusal the phone sees, not a confirmation of something that did not happen.
      const effect = decision.effect;
      try {
        await setDayNightFromHandset(deps, cfg.accountId, effect.userId, effect.officeId, effect.mode);
      } catch {
        return JSON.stringify(toRtjson({ action: 'reject', code: 500, reason: 'Server Internal Error - day/night not changed' }));
      }
      return JSON.stringify(toRtjson(decision));
    }
    const doc = toRtjson(decision);
    if (doc.action === 'route') {
      doc.moh = holdMusicOf(cfg, req);
      const record = recordingOf(cfg, req, decision);
      if (record) doc.record = record;
    }
    // busy lamps: the extensions whose dialog state Kamailio publishes for this call (blf.ts)
    const blf = presenceEntities(cfg, req, decision);
    // concurrent external call limits Kamailio enforces with dialog profiles (calls/rules.ts limitsFor)
    const limits = limitsFor(cfg, req, decision);
    const json = JSON.stringify({ ...doc, ...(blf && { blf }), ...(limits && { limits }) });
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(key, json);
    let known = decisions.get(cfg);
    if (!known) decisions.set(cfg, (known = new Map()));
    if (known.size >= MEMO_MAX) known.clear();
    known.set(key, decision);
    return json;
  }
  const route = async (q: RouteQuery): Promise<RtjsonDoc> => JSON.parse(await routeJson(q)) as RtjsonDoc;
  return { route, routeJson, cache };
}

/** The SIP server's endpoints (/sip/...): loopback peers only, and the shared secret when one is configured. */
export async function sipGuard(req: FastifyRequest, settings: Pick<SipSettings, 'secret'>): Promise<void> {
  if (!isLoopback(req.socket.remoteAddress)) throw new ForbiddenError('the routing endpoint answers only the local SIP server');
  if (settings.secret && !secretMatches(settings.secret, req.headers[SECRET_HEADER])) throw new ForbiddenError('missing or wrong routing secret');
}

export function routingRoutes(
  app: FastifyInstance,
  deps: Deps,
  settings: Pick<SipSettings, 'trunk' | 'voicemail' | 'secret'>,
  o: { recorder?: CallRecorder; metrics?: MetricsRegistry } = {},
): ReturnType<typeof createRouter> {
  const router = createRouter(deps, { trunk: settings.trunk, voicemail: settings.voicemail }, o.recorder);
  const guard = (req: FastifyRequest) => sipGuard(req, settings);
  const latency = o.metrics?.routeLatency;
  app.get<{ Querystring: RouteQuery }>(
    ROUTE_PATH,
    { schema: { hide: true, querystring: routeQuerySchema }, onRequest: guard, logLevel: 'warn' },
    async (req, reply) => {
      const t0 = process.hrtime.bigint();
      const json = await router.routeJson(req.query);
      latency?.observe(Number(process.hrtime.bigint() - t0) / 1e9);
      return reply.type('application/json; charset=utf-8').send(json);
    },
  );
  app.addHook('onClose', async () => router.cache.detach());
  return router;
}
