import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { pageQuerySchema, pageSchema } from '../../shared/pagination.ts';
import { numberCreateSchema, type NumberCreate } from './schema.ts';
import * as service from './service.ts';

const tags = ['Numbers'];
const ref = { $ref: 'PhoneNumber#' };

export function numberRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { account: string }; Querystring: { status?: 'spare' | 'assigned'; limit: number; offset: number } }>(
    '/api/v1/accounts/:account/numbers',
    {
      schema: {
        tags,
        summary: "List the account's phone numbers",
        querystring: { type: 'object', properties: { status: { type: 'string', enum: ['spare', 'assigned'] }, ...pageQuerySchema } },
        response: { 200: pageSchema(ref) },
      },
    },
    (req) => service.listNumbers(deps, req.actor, req.params.account, req.query),
  );
  app.post<{ Params: { account: string }; Body: NumberCreate }>(
    '/api/v1/accounts/:account/numbers',
    { schema: { tags, summary: 'Add a number to the pool', body: numberCreateSchema, response: { 201: ref } } },
    async (req, reply) => reply.code(201).send(await service.addNumber(deps, req.actor, req.params.account, req.body)),
  );
  app.delete<{ Params: { account: string; e164: string } }>(
    '/api/v1/accounts/:account/numbers/:e164',
    { schema: { tags, summary: 'Remove a number from the pool (refused while in use)' } },
    async (req, reply) => {
      await service.removeNumber(deps, req.actor, req.params.account, req.params.e164);
      return reply.code(204).send();
    },
  );
  app.get<{ Params: { account: string; e164: string } }>(
    '/api/v1/accounts/:account/numbers/:e164/usage',
    { schema: { tags, summary: 'Usage: where the number is configured (what blocks removing it)' } },
    (req) => service.getNumberUsage(deps, req.actor, req.params.account, req.params.e164),
  );
  app.post<{ Params: { account: string; e164: string }; Body: { userId?: string; ringGroupId?: string } }>(
    '/api/v1/accounts/:account/numbers/:e164/assign',
    {
      schema: {
        tags,
        summary: "'Add from Spare Numbers': assign a spare number to a user as a direct number (DDI), or to a ring group (calls to it ring the group)",
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
          properties: { userId: { type: 'string', minLength: 1, maxLength: 64 }, ringGroupId: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: { 200: ref },
      },
    },
    (req) => service.assignNumber(deps, req.actor, req.params.account, req.params.e164, req.body),
  );
  app.post<{ Params: { account: string; e164: string } }>(
    '/api/v1/accounts/:account/numbers/:e164/unassign',
    { schema: { tags, summary: "'Un-assign': the number returns to the spare pool", response: { 200: ref } } },
    (req) => service.unassignNumber(deps, req.actor, req.params.account, req.params.e164),
  );
}
