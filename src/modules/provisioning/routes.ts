import { sharedStrikes } from './strikes.ts';
import { createRateLimiter } from './rules.ts';
import { storeRateCounter } from '../../shared/rate-counter.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { offsetQuerySchema } from '../../shared/pagination.ts';
import { createPhoneServer, phoneServerOptions, type PhoneServer, type PhoneServerOptions } from './phone.ts';
import { refusalSchema, rotateSchema, settingsSchema, settingsUpdateSchema, type SettingsUpdate } from './schema.ts';
import * as service from './service.ts';

const tags = ['Provisioning'];

export interface ProvisioningModuleOptions extends Partial<PhoneServerOptions> {
  server?: PhoneServer;
}


/**
 * Admin API (under /api/v1, API-key authenticated) and the phone-facing server under /prov/ (NOT behind
 * the API key: phones authenticate with the account's provisioning credentials and/or path token).
 */
export function provisioningRoutes(app: FastifyInstance, deps: Deps, opts: ProvisioningModuleOptions = {}): PhoneServer {
  app.addSchema(settingsSchema);
  app.addSchema(refusalSchema);
  const base = '/api/v1/accounts/:account/provisioning';
  const ref = { $ref: 'ProvisioningSettings#' };
  app.get<{ Params: { account: string } }>(base, { schema: { tags, summary: 'Provisioning credentials, path token and security settings (created on first read)', response: { 200: ref } } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return service.getSettings(deps, req.actor, req.params.account);
  });
  app.patch<{ Params: { account: string }; Body: SettingsUpdate }>(
    base,
    { schema: { tags, summary: 'Change provisioning security (auth mode, token, allow-list, MAC lock) and account overrides', body: settingsUpdateSchema, response: { 200: ref } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return service.updateSettings(deps, req.actor, req.params.account, req.body);
    },
  );
  app.post<{ Params: { account: string }; Body: { password?: boolean; token?: boolean } }>(
    `${base}/rotate`,
    { schema: { tags, summary: 'Rotate the provisioning password and/or path token', body: rotateSchema, response: { 200: ref } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return service.rotateSecrets(deps, req.actor, req.params.account, req.body ?? {});
    },
  );
  app.get<{ Params: { account: string }; Querystring: { limit: number; offset: number } }>(
    `${base}/refusals`,
    {
      schema: {
        tags,
        summary: 'Refused provisioning requests (newest first)',
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, offset: offsetQuerySchema } },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'ProvisioningRefusal#' } } } } },
      },
    },
    (req) => service.listRefusals(deps, req.actor, req.params.account, req.query.limit, req.query.offset),
  );

  // ----- phone-facing -----
  const phoneOpts = { ...phoneServerOptions(), ...stripUndefined(opts) };
  // several nodes on one PostgreSQL store count a guesser's strikes together (strikes.ts)
  const shared =
    opts.server || deps.database.dialect !== 'postgres'
      ? null
      : sharedStrikes(createRateLimiter(phoneOpts.strikeLimit, phoneOpts.strikeWindowMs), storeRateCounter(deps.database.db), {
          limit: phoneOpts.strikeLimit,
          windowMs: phoneOpts.strikeWindowMs,
          onError: (err) => app.log.warn({ err }, 'provisioning: shared strike count failed'),
        });
  if (shared) app.addHook('onClose', async () => shared.close());
  const server = opts.server ?? createPhoneServer(deps.database.db, phoneOpts, shared ? { limiter: shared } : {});
  // the provisioning log is written in batches: what is pending is written before the store closes
  app.addHook('onClose', () => server.flush());
  // request log lines never carry the path token: the app's request serializer (config.ts redactProvUrl)
  const phoneRoute = { schema: { hide: true } } as const;
  const serve = async (req: FastifyRequest<{ Params: { token?: string; file: string } }>, reply: FastifyReply) => {
    const res = await server.handle(
      {
        method: req.method,
        url: req.url,
        token: req.params.token,
        file: req.params.file,
        ip: req.ip,
        userAgent: req.headers['user-agent'],
        authorization: req.headers.authorization,
      },
      req.log,
    );
    reply.code(res.status).headers(res.headers);
    return reply.send(res.body);
  };
  app.get<{ Params: { token: string; file: string } }>('/prov/:token/:file', phoneRoute, serve);
  app.get<{ Params: { file: string } }>('/prov/:file', phoneRoute, serve);
  return server;
}

function stripUndefined<T extends object>(o: T): Partial<PhoneServerOptions> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'server') out[k] = v;
  return out as Partial<PhoneServerOptions>;
}
