/**
 * GET /metrics: Prometheus text format. Without SWITCHBOARD_METRICS_TOKEN it answers loopback peers only
 * (a Prometheus on the same host, or an SSH tunnel); with it, any peer that sends `Authorization: Bearer <token>`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { ForbiddenError, UnauthorizedError } from '../../shared/errors.ts';
import type { MetricsRegistry } from '../../shared/metrics.ts';
import { countActive } from '../calls/repository.ts';
import { isLoopback } from '../routing/routes.ts';
import type { KamailioStats } from './kamailio-stats.ts';

export const METRICS_PATH = '/metrics';
/** A call still 'ringing'/'answered' after this long lost its end event (Kamailio restarted): not active. */
const STALE_MS = 12 * 60 * 60 * 1000;

function same(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function metricsGuard(req: FastifyRequest, token: string | undefined): void {
  if (token) {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m || !same(m[1]!, token)) throw new UnauthorizedError('send the metrics token as "Authorization: Bearer <token>"');
    return;
  }
  if (!isLoopback(req.socket.remoteAddress)) throw new ForbiddenError('metrics answer only local peers unless SWITCHBOARD_METRICS_TOKEN is set');
}

export function metricsRoutes(app: FastifyInstance, deps: Deps, metrics: MetricsRegistry, o: { token?: string; kamailio?: KamailioStats }): void {
  metrics.addGauge({
    name: 'switchboard_active_calls',
    help: 'Calls in progress (ringing or answered) in the call history, by direction',
    read: async () => {
      const rows = await countActive(deps.database.db, new Date(Date.now() - STALE_MS).toISOString());
      return ['internal', 'inbound', 'outbound'].map((d) => ({ labels: { direction: d }, value: rows.find((r) => r.direction === d)?.n ?? 0 }));
    },
  });
  const k = o.kamailio;
  if (k) {
    metrics.addGauge({ name: 'switchboard_sip_registrations', help: 'Registered contacts in Kamailio (usrloc:location_contacts)', read: async () => {
      const s = await k.read();
      return s && [{ value: s.registrations }];
    } });
    metrics.addGauge({ name: 'switchboard_sip_active_dialogs', help: 'Dialogs Kamailio tracks (dialog:active_dialogs)', read: async () => {
      const s = await k.read();
      return s && [{ value: s.activeDialogs }];
    } });
  }
  app.get(METRICS_PATH, { schema: { hide: true }, onRequest: async (req) => metricsGuard(req, o.token), logLevel: 'warn' }, async (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(await metrics.render()),
  );
}
