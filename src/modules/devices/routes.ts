import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { offsetQuerySchema, pageSchema } from '../../shared/pagination.ts';
import { VENDORS } from '../provisioning/catalog.ts';
import { deviceCreateSchema, deviceSchema, deviceUpdateSchema, type DeviceCreate, type DeviceUpdate } from './schema.ts';
import { recordOnlyNotifier, type DeviceNotifier } from './notifier.ts';
import * as service from './service.ts';

const tags = ['Handsets'];
const ref = { $ref: 'Device#' };
type P = { account: string; deviceId: string };

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    userId: { type: 'string', maxLength: 64, description: "Only this user's handsets" },
    unassigned: { type: 'boolean', description: 'true = only spares; false = only assigned' },
    vendor: { type: 'string', enum: VENDORS },
    mac: { type: 'string', maxLength: 17 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: offsetQuerySchema,
  },
} as const;

export interface DeviceModuleOptions {
  notifier?: DeviceNotifier;
}

/** Handset CRUD under /api/v1/accounts/:account/devices, plus unlock and resync actions. */
export function deviceRoutes(app: FastifyInstance, deps: Deps, opts: DeviceModuleOptions = {}): void {
  app.addSchema(deviceSchema);
  const notifier = opts.notifier ?? recordOnlyNotifier;
  service.resyncOnChanges(deps, notifier);
  const base = '/api/v1/accounts/:account/devices';
  app.get<{ Params: { account: string }; Querystring: service.DeviceQuery }>(
    base,
    { schema: { tags, summary: 'List handsets (by user, spare ...)', querystring: listQuery, response: { 200: pageSchema(ref) } } },
    (req) => service.listDevices(deps, req.actor, req.params.account, req.query),
  );
  app.post<{ Params: { account: string }; Body: DeviceCreate }>(
    base,
    { schema: { tags, summary: 'Add a handset (MAC + model), to a user or as a spare', body: deviceCreateSchema, response: { 201: ref } } },
    async (req, reply) => reply.code(201).send(await service.createDevice(deps, req.actor, req.params.account, req.body)),
  );
  app.get<{ Params: P }>(`${base}/:deviceId`, { schema: { tags, summary: 'Show a handset', response: { 200: ref } } }, (req) =>
    service.getDevice(deps, req.actor, req.params.account, req.params.deviceId),
  );
  app.patch<{ Params: P; Body: DeviceUpdate }>(
    `${base}/:deviceId`,
    { schema: { tags, summary: 'Change a handset (owner, label, keys, settings)', body: deviceUpdateSchema, response: { 200: ref } } },
    (req) => service.updateDevice(deps, req.actor, req.params.account, req.params.deviceId, req.body, notifier),
  );
  app.delete<{ Params: P }>(`${base}/:deviceId`, { schema: { tags, summary: 'Remove a handset' } }, async (req, reply) => {
    await service.deleteDevice(deps, req.actor, req.params.account, req.params.deviceId);
    return reply.code(204).send();
  });
  app.post<{ Params: P }>(
    `${base}/:deviceId/unlock`,
    { schema: { tags, summary: 'Unlock the MAC lock for 24 h (the next phone to fetch re-binds it)', response: { 200: ref } } },
    (req) => service.unlockDevice(deps, req.actor, req.params.account, req.params.deviceId),
  );
  app.post<{ Params: P }>(
    `${base}/:deviceId/resync`,
    { schema: { tags, summary: 'Mark for re-provisioning and ask the phone to check-sync', response: { 200: ref } } },
    (req) => service.resyncDevice(deps, req.actor, req.params.account, req.params.deviceId, notifier),
  );
}
