import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { pageQuerySchema, pageSchema } from '../../shared/pagination.ts';
import { pickupGroupCreateSchema, pickupGroupUpdateSchema, type PickupGroupCreate, type PickupGroupUpdate } from './schema.ts';
import * as service from './service.ts';

const tags = ['Pickup groups'];
const ref = { $ref: 'PickupGroup#' };
type P = { account: string; id: string };

export function pickupGroupRoutes(app: FastifyInstance, deps: Deps): void {
  const base = '/api/v1/accounts/:account/pickup-groups';
  app.get<{ Params: { account: string }; Querystring: { limit: number; offset: number } }>(
    base,
    { schema: { tags, summary: 'List pickup groups with their members', querystring: { type: 'object', properties: pageQuerySchema }, response: { 200: pageSchema(ref) } } },
    (req) => service.listPickupGroups(deps, req.actor, req.params.account, req.query),
  );
  app.post<{ Params: { account: string }; Body: PickupGroupCreate }>(
    base,
    { schema: { tags, summary: 'Create a pickup group', body: pickupGroupCreateSchema, response: { 201: ref } } },
    async (req, reply) => reply.code(201).send(await service.createPickupGroup(deps, req.actor, req.params.account, req.body)),
  );
  app.get<{ Params: P }>(`${base}/:id`, { schema: { tags, summary: 'Show a pickup group', response: { 200: ref } } }, (req) =>
    service.getPickupGroup(deps, req.actor, req.params.account, req.params.id),
  );
  app.patch<{ Params: P; Body: PickupGroupUpdate }>(
    `${base}/:id`,
    { schema: { tags, summary: 'Rename a pickup group or replace its members', body: pickupGroupUpdateSchema, response: { 200: ref } } },
    (req) => service.updatePickupGroup(deps, req.actor, req.params.account, req.params.id, req.body),
  );
  app.delete<{ Params: P }>(`${base}/:id`, { schema: { tags, summary: 'Delete a pickup group (refused while it has members)' } }, async (req, reply) => {
    await service.deletePickupGroup(deps, req.actor, req.params.account, req.params.id);
    return reply.code(204).send();
  });
}
