import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { pageQuerySchema, pageSchema } from '../../shared/pagination.ts';
import { dayNightSchema, officeCreateSchema, officeUpdateSchema, type DayNightMode, type OfficeCreate, type OfficeUpdate } from './schema.ts';
import * as service from './service.ts';

const tags = ['Offices'];
const ref = { $ref: 'Office#' };
type P = { account: string; officeId: string };

export function officeRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { account: string }; Querystring: { name?: string; limit: number; offset: number } }>(
    '/api/v1/accounts/:account/offices',
    {
      schema: {
        tags,
        summary: "List offices ('Filter Office' by name)",
        querystring: { type: 'object', properties: { name: { type: 'string', maxLength: 80 }, ...pageQuerySchema } },
        response: { 200: pageSchema(ref) },
      },
    },
    (req) => service.listOffices(deps, req.actor, req.params.account, req.query),
  );
  app.post<{ Params: { account: string }; Body: OfficeCreate }>(
    '/api/v1/accounts/:account/offices',
    { schema: { tags, summary: 'Add Office', body: officeCreateSchema, response: { 201: ref } } },
    async (req, reply) => reply.code(201).send(await service.createOffice(deps, req.actor, req.params.account, req.body)),
  );
  app.get<{ Params: P }>('/api/v1/accounts/:account/offices/:officeId', { schema: { tags, summary: 'Show an office', response: { 200: ref } } }, (req) =>
    service.getOffice(deps, req.actor, req.params.account, req.params.officeId),
  );
  app.patch<{ Params: P; Body: OfficeUpdate }>(
    '/api/v1/accounts/:account/offices/:officeId',
    { schema: { tags, summary: 'Manage Office (update)', body: officeUpdateSchema, response: { 200: ref } } },
    (req) => service.updateOffice(deps, req.actor, req.params.account, req.params.officeId, req.body),
  );
  app.post<{ Params: P; Body: { mode: DayNightMode } }>(
    '/api/v1/accounts/:account/offices/:officeId/day-night',
    {
      schema: {
        tags,
        summary: 'Day/Night: set the mode of the office now (live at once, no Apply Changes; audited)',
        body: dayNightSchema,
        response: { 200: ref },
      },
    },
    (req) => service.setDayNight(deps, req.actor, req.params.account, req.params.officeId, req.body.mode),
  );
  app.delete<{ Params: P }>('/api/v1/accounts/:account/offices/:officeId', { schema: { tags, summary: 'Delete an office (refused while it has users)' } }, async (req, reply) => {
    await service.deleteOffice(deps, req.actor, req.params.account, req.params.officeId);
    return reply.code(204).send();
  });
}
