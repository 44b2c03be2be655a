import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import './deletion.ts';
import type { CallbackState } from './rules.ts';
import { accountParams, callbackListSchema, callbackParams, callbackSchema, stateQuery, userParams } from './schema.ts';
import * as service from './service.ts';

const tags = ['Callbacks'];

/** Callback on busy requests: a user's own under /users/:userId/callbacks, the account's for managers. */
export function callbackRoutes(app: FastifyInstance, deps: Deps): void {
  app.addSchema(callbackSchema);
  app.get<{ Params: { account: string }; Querystring: { state?: CallbackState } }>(
    '/api/v1/accounts/:account/callbacks',
    { schema: { tags, summary: "Callback-on-busy requests of the account (a manager: callers in their offices; a user: their own)", params: accountParams, querystring: stateQuery, response: { 200: callbackListSchema } } },
    (req) => service.listForAccount(deps, req.actor, req.params.account, req.query.state),
  );
  app.get<{ Params: { account: string; userId: string }; Querystring: { state?: CallbackState } }>(
    '/api/v1/accounts/:account/users/:userId/callbacks',
    { schema: { tags, summary: 'Callbacks this user asked for (as the caller), newest first', params: userParams, querystring: stateQuery, response: { 200: callbackListSchema } } },
    (req) => service.listForUser(deps, req.actor, req.params.account, req.params.userId, req.query.state),
  );
  app.delete<{ Params: { account: string; userId: string; id: string } }>(
    '/api/v1/accounts/:account/users/:userId/callbacks/:id',
    { schema: { tags, summary: 'Cancel a pending callback (nothing happens to one already finished)', params: callbackParams } },
    async (req, reply) => {
      await service.cancel(deps, req.actor, req.params.account, req.params.userId, req.params.id);
      return reply.code(204).send();
    },
  );
}
