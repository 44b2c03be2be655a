import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { offsetQuerySchema } from '../../shared/pagination.ts';
import { ForbiddenError } from '../../shared/errors.ts';
import { requestContext } from '../../shared/request-context.ts';
import type { Authenticator } from './provider-keys.ts';
import { mailerFromEnv } from './mailer.ts';
import { clearedSessionCookie, csrfSafe, isStateChanging, readCookie, sessionCookie, SESSION_COOKIE } from './rules.ts';
import {
  apiKeyCreateSchema,
  apiKeySchema,
  apiKeyWithSecretSchema,
  loginSchema,
  meSchema,
  officesBodySchema,
  officesResponseSchema,
  passwordSchema,
  resetConfirmSchema,
  resetRequestSchema,
  type ApiKeyCreate,
} from './schema.ts';
import * as service from './service.ts';
import { userBulkRoute } from '../users/routes.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without credentials (login, logout, password reset). */
    public?: boolean;
  }
}

const tags = ['Auth'];
const PUBLIC = { public: true };
type UP = { account: string; userId: string };

async function withRetryAfter<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof service.RateLimitedError) void reply.header('retry-after', String(err.retryAfter));
    throw err;
  }
}

/** Schemas the auth routes reference; buildApp adds them with the others. */
export const authSchemas = [meSchema, apiKeySchema, apiKeyWithSecretSchema];

/**
 * Auth routes and hooks. Returns the authenticators (session cookie, user API key) buildApp adds after the
 * provider key. Also: a CSRF rule for cookie-authenticated writes, and the request's source address for
 * the audit log.
 */
export function authRoutes(app: FastifyInstance, deps: Deps, opts: service.AuthOptions = {}): Authenticator[] {
  const mailer = opts.mailer ?? mailerFromEnv();
  const rt = service.createAuthRuntime(deps, mailer, opts);
  service.subscribeCleanup(deps);
  for (const s of authSchemas) if (!app.getSchema(s.$id)) app.addSchema(s);

  // The CSRF rule below asks the portal to send content-type: application/json even on body-less writes
  // (logout, DELETE, send-credentials): an empty JSON body therefore means "no body", not a 400. Anything
  // else goes through Fastify's own JSON parser (with its prototype-poisoning protection).
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    return jsonParser(req, body as string, done);
  });

  // Cookie-authenticated writes must prove they come from our own pages (see rules.csrfSafe).
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/v1/') || !isStateChanging(req.method)) return;
    if (readCookie(req.headers.cookie, SESSION_COOKIE) === null) return;
    if (!csrfSafe(req.headers)) throw new ForbiddenError('cross-site request refused: send content-type application/json or x-requested-with: switchboard');
  });
  // After the body is parsed, so the context survives into the handler: where changes come from.
  app.addHook('preValidation', (req, _reply, done) => {
    requestContext.run({ source: req.ip }, done);
  });

  app.post<{ Body: service.LoginInput }>(
    '/api/v1/auth/login',
    {
      config: PUBLIC,
      schema: {
        tags,
        summary: 'Log in with account code, email and password; sets the sb_session cookie',
        security: [],
        body: loginSchema,
        response: { 200: { $ref: 'Me#' } },
      },
    },
    async (req, reply) => {
      const r = await withRetryAfter(reply, () => service.login(rt, req.body, req.ip));
      void reply.header('set-cookie', sessionCookie(r.token, r.maxAgeSeconds, rt.secureCookies === 'always' || req.protocol === 'https'));
      void reply.header('cache-control', 'no-store');
      return r.me;
    },
  );

  app.post('/api/v1/auth/logout', { config: PUBLIC, schema: { tags, summary: 'Log out: the session is deleted server-side', security: [] } }, async (req, reply) => {
    await service.logout(rt, req.headers.cookie);
    return reply.code(204).header('set-cookie', clearedSessionCookie(rt.secureCookies === 'always' || req.protocol === 'https')).send();
  });

  app.get('/api/v1/auth/me', { schema: { tags, summary: 'Who is signed in', response: { 200: { $ref: 'Me#' } } } }, (req) => service.describe(deps, req.actor));

  app.post<{ Body: { account: string; email: string } }>(
    '/api/v1/auth/password-reset',
    { config: PUBLIC, schema: { tags, summary: 'Ask for a password-reset email (always 202)', security: [], body: resetRequestSchema } },
    async (req, reply) => {
      await withRetryAfter(reply, () => service.requestPasswordReset(rt, req.body, req.ip, (err) => req.log.error({ err }, 'password-reset email failed')));
      return reply.code(202).send({ accepted: true });
    },
  );

  app.post<{ Body: { token: string; password: string } }>(
    '/api/v1/auth/password-reset/confirm',
    { config: PUBLIC, schema: { tags, summary: 'Set a new password with an emailed single-use token', security: [], body: resetConfirmSchema } },
    async (req, reply) => {
      await service.confirmPasswordReset(rt, req.body);
      return reply.code(204).send();
    },
  );

  const userBase = '/api/v1/accounts/:account/users/:userId';
  app.put<{ Params: UP; Body: { password: string } }>(
    `${userBase}/password`,
    { schema: { tags: [...tags, 'Users'], summary: "Set a user's portal password (write-only)", body: passwordSchema } },
    async (req, reply) => {
      await service.setPassword(deps, req.actor, req.params.account, req.params.userId, req.body.password, service.sessionIdFrom(req.headers.cookie));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: UP }>(
    `${userBase}/send-credentials`,
    {
      schema: {
        tags: [...tags, 'Users'],
        summary: "Send credentials to this user: emails the account code, login email, portal address and a set-password link",
        response: { 202: { type: 'object', properties: { to: { type: 'string' } } } },
      },
    },
    async (req, reply) => reply.code(202).send(await service.sendCredentials(rt, req.actor, req.params.account, req.params.userId)),
  );

  app.post<{ Params: UP }>(
    `${userBase}/set-password-link`,
    {
      schema: {
        tags: [...tags, 'Users'],
        summary: 'A copyable single-use set-password link for this user (expires like the emailed one; earlier unused links stop working)',
        response: { 201: { type: 'object', properties: { link: { type: 'string' }, expiresAt: { type: 'string' }, email: { type: 'string' } } } },
      },
    },
    async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await service.createSetPasswordLink(rt, req.actor, req.params.account, req.params.userId)),
  );
  // Bulk actions on users live in the users module; send_credentials needs this module's mailer.
  userBulkRoute(app, deps, { preflight: () => service.assertCanSendCredentials(rt), send: (actor, account, userId) => service.sendCredentials(rt, actor, account, userId) });

  app.get<{ Params: UP }>(
    `${userBase}/offices`,
    { schema: { tags: [...tags, 'Users'], summary: 'Offices a Site Manager manages', response: { 200: officesResponseSchema } } },
    (req) => service.getManagedOffices(deps, req.actor, req.params.account, req.params.userId),
  );
  app.put<{ Params: UP; Body: { officeIds: string[] } }>(
    `${userBase}/offices`,
    { schema: { tags: [...tags, 'Users'], summary: 'Set the offices a Site Manager manages (empty: their own office)', body: officesBodySchema, response: { 200: officesResponseSchema } } },
    (req) => service.setManagedOffices(deps, req.actor, req.params.account, req.params.userId, req.body.officeIds),
  );

  const keys = '/api/v1/accounts/:account/api-keys';
  app.get<{ Params: { account: string }; Querystring: { includeRevoked?: boolean; limit: number; offset: number } }>(
    keys,
    {
      schema: {
        tags: ['API keys'],
        summary: 'List API keys (never the keys themselves)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { includeRevoked: { type: 'boolean', default: false }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, offset: offsetQuerySchema },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'ApiKey#' } } } } },
      },
    },
    (req) => service.listApiKeys(deps, req.actor, req.params.account, req.query),
  );
  app.post<{ Params: { account: string }; Body: ApiKeyCreate }>(
    keys,
    { schema: { tags: ['API keys'], summary: 'Create an API key (shown once; scope never above yours)', body: apiKeyCreateSchema, response: { 201: { $ref: 'ApiKeyWithSecret#' } } } },
    async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await service.createApiKey(deps, req.actor, req.params.account, req.body)),
  );
  app.delete<{ Params: { account: string; id: string } }>(`${keys}/:id`, { schema: { tags: ['API keys'], summary: 'Revoke an API key' } }, async (req, reply) => {
    await service.revokeApiKey(deps, req.actor, req.params.account, req.params.id);
    return reply.code(204).send();
  });

  app.post<{ Body: { email: string; password: string } }>(
    '/api/v1/provider-admins',
    {
      schema: {
        tags,
        summary: 'Add a provider administrator (provider only; sets the password when the email exists)',
        body: { type: 'object', additionalProperties: false, required: ['email', 'password'], properties: { email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1024 } } },
        response: { 201: { type: 'object', properties: { id: { type: 'string' }, email: { type: 'string' } } } },
      },
    },
    async (req, reply) => {
      if (req.actor.kind !== 'provider') throw new ForbiddenError('only the provider may add provider administrators');
      return reply.code(201).send(await service.createProviderAdmin(deps, req.actor, req.body.email, req.body.password));
    },
  );

  return [service.apiKeyAuthenticator(rt), service.sessionAuthenticator(rt)];
}
export type { AuthOptions } from './service.ts';
