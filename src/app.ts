import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { logRequestSerializer, REDACT_PATHS } from './config.ts';
import { startEventFanout } from './shared/cluster-events.ts';
import type { Database } from './db/database.ts';
import { createEventBus, type EventBus } from './shared/events.ts';
import { clientErrorHandler, errorHandler } from './shared/http-errors.ts';
import { refuseControlChars } from './shared/input-guard.ts';
import { lazySerializer, partAwareValidator } from './shared/validation.ts';
import { UnauthorizedError } from './shared/errors.ts';
import type { Actor } from './shared/permissions.ts';
import type { Deps } from './shared/deps.ts';
import { providerKeyAuthenticator, type Authenticator } from './modules/auth/provider-keys.ts';
import { accountSchema } from './modules/accounts/schema.ts';
import { accountRoutes } from './modules/accounts/routes.ts';
import { numberSchema } from './modules/numbers/schema.ts';
import { numberRoutes } from './modules/numbers/routes.ts';
import { officeSchema } from './modules/offices/schema.ts';
import { officeRoutes } from './modules/offices/routes.ts';
import { userSchema, userWithSecretSchema } from './modules/users/schema.ts';
import { userRoutes } from './modules/users/routes.ts';
import { portal } from './portal.ts';
import { authRoutes, type AuthOptions } from './modules/auth/routes.ts';
import { auditRoutes } from './modules/audit/routes.ts';
import { importRoutes } from './modules/imports/routes.ts';
import { pickupGroupSchema } from './modules/pickup-groups/schema.ts';
import { pickupGroupRoutes } from './modules/pickup-groups/routes.ts';
import { ringGroupSchema } from './modules/ring-groups/schema.ts';
import { ringGroupRoutes } from './modules/ring-groups/routes.ts';
import { extensionChangeRoutes } from './modules/extension-change/routes.ts';
import { callFlowRoutes } from './modules/call-flows/routes.ts';
import { usageRoutes } from './modules/usage/routes.ts';
import { configRoutes } from './modules/config/routes.ts';
import { deviceRoutes } from './modules/devices/routes.ts';
import type { DeviceNotifier } from './modules/devices/notifier.ts';
import { provisioningRoutes, type ProvisioningModuleOptions } from './modules/provisioning/routes.ts';
import { routingRoutes } from './modules/routing/routes.ts';
import { sipSettingsFromEnv, type SipSettings } from './modules/sip/settings.ts';
import { voicemailRoutes, type VoicemailModuleOptions } from './modules/voicemail/routes.ts';
import { callbackRoutes } from './modules/callbacks/routes.ts';
import { mediaRoutes, type MediaModuleOptions } from './modules/media/routes.ts';
import { MetricsRegistry } from './shared/metrics.ts';
import { callRecorder, type CallRecorder } from './modules/calls/service.ts';
import { callRoutes } from './modules/calls/routes.ts';
import { metricsRoutes } from './modules/metrics/routes.ts';
import { kamailioStats, type KamailioStats } from './modules/metrics/kamailio-stats.ts';
import { recordingRoutes, type RecordingsModuleOptions } from './modules/recordings/routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

export interface AppOptions {
  database: Database;
  events?: EventBus;
  providerApiKey?: string;
  logLevel?: string;
  /** Where log lines go (default stdout); tests read them to prove what was and was not logged. */
  logStream?: { write(line: string): void };
  /** Where the built portal lives (default web/dist). */
  portalDist?: string;
  /** Extra authenticators tried after the provider key (portal sessions, user API keys ...). */
  authenticators?: Authenticator[];
  /** Portal logins, API keys, mail (default: SMTP from the environment). */
  auth?: AuthOptions;
  /** Handset resync (SIP NOTIFY check-sync); default records the request only. */
  deviceNotifier?: DeviceNotifier;
  /** Phone-facing provisioning server (/prov/) options; default from the environment. */
  provisioning?: ProvisioningModuleOptions;
  /** SIP routing endpoint settings (default: from the environment, see src/modules/sip/settings.ts). */
  sip?: Partial<SipSettings>;
  /** Voicemail: the audio store (default: the folder from SWITCHBOARD_VOICEMAIL_DIR / beside the SQLite store). */
  voicemail?: VoicemailModuleOptions;
  /** Media library (hold music): the store (default: the folder from SWITCHBOARD_MEDIA_DIR / beside the SQLite store). */
  media?: MediaModuleOptions;
  recordings?: RecordingsModuleOptions;
  /** GET /metrics: bearer token (default SWITCHBOARD_METRICS_TOKEN; without one, loopback peers only). */
  metricsToken?: string;
}

/** What buildApp adds besides the app: the metrics registry, Kamailio's statistics source (attach its control socket), the call recorder. */
export interface AppExtras {
  metrics: MetricsRegistry;
  kamailioStats: KamailioStats;
  calls: CallRecorder;
}

/** Builds the HTTP app: API under /api/v1 (every route authenticated), OpenAPI, and the portal at /. */
export async function buildApp(opts: AppOptions): Promise<{ app: FastifyInstance; deps: Deps } & AppExtras> {
  const app = Fastify({
    logger: opts.logLevel === 'silent' ? false : { level: opts.logLevel ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { req: logRequestSerializer }, ...(opts.logStream && { stream: opts.logStream }) },
    // bodies are validated as sent (no type coercion); path, query and headers are coerced from text
    // validators and response serializers compile on a route's first use, not all at start-up (cold start)
    schemaController: { compilersFactory: { buildValidator: partAwareValidator(), buildSerializer: lazySerializer() as never } },
    // router errors (bad percent-encoding, over-long path segment) answer in the same {error, message, fields} shape
    frameworkErrors: (error, req, reply) => errorHandler(error, req, reply),
    clientErrorHandler,
  });
  const deps: Deps = { database: opts.database, events: opts.events ?? createEventBus((err, e) => app.log.error({ err, event: e.type }, 'event handler failed')) };
  // PostgreSQL: other nodes' changes reach this node's caches and lamps (src/shared/cluster-events.ts)
  const fanout = startEventFanout({ database: opts.database, events: deps.events, log: (msg, err) => app.log.warn({ err }, msg) });
  if (fanout) app.addHook('onClose', () => fanout.close());

  app.setErrorHandler(errorHandler);
  app.addHook('preValidation', refuseControlChars);
  for (const schema of [accountSchema, officeSchema, userSchema, userWithSecretSchema, numberSchema, pickupGroupSchema, ringGroupSchema]) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Switchboard API', version: '1', description: 'Hosted PBX management: accounts, offices, users (extensions), numbers.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/api/docs')) void reply.headers({ 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' });
  });
  // Swagger UI: the plugin's CSP (hashes of its own inline code), never framed, no MIME sniffing. No
  // upgrade-insecure-requests: a plain-http install (the default) must still load the page's own assets.
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // (style-src as the portal's: swagger-ui sets style attributes from its script, which hashes cannot allow)
    transformStaticCSP: (csp) =>
      csp
        .replace(/frame-ancestors [^;]*/, "frame-ancestors 'none'")
        .replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'")
        .replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => {
    await opts.database.db.selectFrom('accounts').select('id').limit(1).execute();
    return { ok: true, store: opts.database.dialect };
  });

  const authenticators = [providerKeyAuthenticator(opts.database.db, opts.providerApiKey), ...(opts.authenticators ?? [])];
  authenticators.push(...authRoutes(app, deps, opts.auth));
  auditRoutes(app, deps);
  app.decorateRequest('actor', null as never);
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/v1/')) return;
    if (req.routeOptions.config?.public) return; // login, logout, password reset
    for (const a of authenticators) {
      const actor = await a.authenticate(req.headers);
      if (actor) {
        req.actor = actor;
        return;
      }
    }
    throw new UnauthorizedError('send a valid API key as "Authorization: Bearer <key>"');
  });

  accountRoutes(app, deps);
  numberRoutes(app, deps);
  officeRoutes(app, deps);
  importRoutes(app, deps);
  pickupGroupRoutes(app, deps);
  ringGroupRoutes(app, deps);
  extensionChangeRoutes(app, deps);
  callFlowRoutes(app, deps);
  usageRoutes(app, deps);
  configRoutes(app, deps);
  userRoutes(app, deps);
  deviceRoutes(app, deps, { notifier: opts.deviceNotifier });
  provisioningRoutes(app, deps, opts.provisioning);
  voicemailRoutes(app, deps, opts.voicemail);
  callbackRoutes(app, deps);
  mediaRoutes(app, deps, opts.media);
  // call history, limits and metrics (issue 15)
  const sip = { ...sipSettingsFromEnv(), ...opts.sip };
  const metrics = new MetricsRegistry();
  const calls = callRecorder(deps, metrics, { log: (m, err) => app.log.error({ err }, m) });
  const stats = kamailioStats();
  routingRoutes(app, deps, sip, { recorder: calls, metrics });
  callRoutes(app, deps, calls, sip);
  metricsRoutes(app, deps, metrics, { token: opts.metricsToken ?? process.env.SWITCHBOARD_METRICS_TOKEN, kamailio: stats });
  recordingRoutes(app, deps, opts.recordings);
  await portal(app, { dist: opts.portalDist });
  return { app, deps, metrics, kamailioStats: stats, calls };
}
