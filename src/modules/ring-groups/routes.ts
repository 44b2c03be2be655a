import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { pageQuerySchema, pageSchema } from '../../shared/pagination.ts';
import { ringGroupCreateSchema, ringGroupUpdateSchema, type RingGroupCreate, type RingGroupUpdate } from './schema.ts';
import * as service from './service.ts';

const tags = ['Ring groups'];
const ref = { $ref: 'RingGroup#' };
type P = { account: string; id: string };

export function ringGroupRoutes(app: FastifyInstance, deps: Deps): void {
  const base = '/api/v1/accounts/:account/ring-groups';
  app.get<{ Params: { account: string }; Querystring: { limit: number; offset: number } }>(
    base,
    { schema: { tags, summary: 'List ring (hunt) groups', querystring: { type: 'object', properties: pageQuerySchema }, response: { 200: pageSchema(ref) } } },
    (req) => service.listRingGroups(deps, req.actor, req.params.account, req.query),
  );
  app.post<{ Params: { account: string }; Body: RingGroupCreate }>(
    base,
    { schema: { tags, summary: 'Create a ring group (its extension shares the users’ extension space)', body: ringGroupCreateSchema, response: { 201: ref } } },
    async (req, reply) => reply.code(201).send(await service.createRingGroup(deps, req.actor, req.params.account, req.body)),
  );
  app.get<{ Params: P }>(`${base}/:id`, { schema: { tags, summary: 'Show a ring group', response: { 200: ref } } }, (req) =>
    service.getRingGroup(deps, req.actor, req.params.account, req.params.id),
  );
  app.patch<{ Params: P; Body: RingGroupUpdate }>(
    `${base}/:id`,
    { schema: { tags, summary: 'Change a ring group (members replace the list, in ringing order)', body: ringGroupUpdateSchema, response: { 200: ref } } },
    (req) => service.updateRingGroup(deps, req.actor, req.params.account, req.params.id, req.body),
  );
  app.delete<{ Params: P }>(`${base}/:id`, { schema: { tags, summary: 'Delete a ring group (refused while a diversion points at it)' } }, async (req, reply) => {
    await service.deleteRingGroup(deps, req.actor, req.params.account, req.params.id);
    return reply.code(204).send();
  });
}
