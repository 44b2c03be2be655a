import type { FastifyInstance } from 'fastify';
import { pageQuerySchema, pageSchema } from '../../shared/pagination.ts';
import { accountCreateSchema, accountUpdateSchema, type AccountCreate, type AccountUpdate } from './schema.ts';
import * as service from './service.ts';
import type { Deps } from '../../shared/deps.ts';

const tags = ['Accounts'];
const accountRef = { $ref: 'Account#' };
const params = { type: 'object', properties: { account: { type: 'string' } }, required: ['account'] } as const;

export function accountRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Querystring: { q?: string; limit: number; offset: number } }>(
    '/api/v1/accounts',
    {
      schema: {
        tags,
        summary: 'List PBX accounts (provider: all, with search; portal users: their own)',
        querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 100 }, ...pageQuerySchema } },
        response: { 200: pageSchema(accountRef) },
      },
    },
    (req) => service.listAccounts(deps, req.actor, req.query),
  );
  app.post<{ Body: AccountCreate }>(
    '/api/v1/accounts',
    { schema: { tags, summary: 'Create a PBX account', body: accountCreateSchema, response: { 201: accountRef } } },
    async (req, reply) => reply.code(201).send(await service.createAccount(deps, req.actor, req.body)),
  );
  app.get<{ Params: { account: string } }>(
    '/api/v1/accounts/:account',
    { schema: { tags, summary: 'Show an account by code or id', params, response: { 200: accountRef } } },
    (req) => service.resolveAccount(deps, req.actor, req.params.account),
  );
  app.patch<{ Params: { account: string }; Body: AccountUpdate }>(
    '/api/v1/accounts/:account',
    { schema: { tags, summary: 'Update an account', params, body: accountUpdateSchema, response: { 200: accountRef } } },
    (req) => service.updateAccount(deps, req.actor, req.params.account, req.body),
  );
}
