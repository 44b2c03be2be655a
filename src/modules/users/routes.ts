import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { SCOPES } from '../../shared/permissions.ts';
import { offsetQuerySchema, pageSchema } from '../../shared/pagination.ts';
import { USER_TYPES, userCreateSchema, userUpdateSchema, type UserCreate, type UserUpdate } from './schema.ts';
import * as service from './service.ts';
import { USER_SORTS } from './repository.ts';
import { bulkBodySchema, bulkResponseSchema, bulkUsers, type BulkInput, type CredentialsSender } from './bulk.ts';

const tags = ['Users'];
const ref = { $ref: 'User#' };
const secretRef = { $ref: 'UserWithSecret#' };
type P = { account: string; userId: string };
interface ListQuery {
  officeId?: string;
  q?: string;
  extension?: string;
  email?: string;
  name?: string;
  scope?: string;
  userType?: string;
  after?: string;
  sort?: string;
  order?: string;
  limit: number;
  offset: number;
  includeTotal?: boolean;
}

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    officeId: { type: 'string', description: 'Only users of this office' },
    q: { type: 'string', maxLength: 80, description: "'Filter User': from 3 characters on, found inside first/last/display name, email, extension or a direct number (case-insensitive, taken literally); 1-2 characters: a name, extension or email starting with it" },
    extension: { type: 'string', maxLength: 8, pattern: '^[0-9]*$' },
    email: { type: 'string', maxLength: 254 },
    name: { type: 'string', maxLength: 80 },
    scope: { type: 'string', enum: SCOPES },
    userType: { type: 'string', enum: USER_TYPES },
    after: { type: 'string', maxLength: 200, description: 'Keyset cursor: the `next` of the previous page (with the same sort and order)' },
    // sort and order are checked by the service (422 naming the field), not by this schema (400)
    sort: { type: 'string', maxLength: 40, description: `Column to sort by: ${USER_SORTS.join(', ')} (default extension); ties are ordered by extension` },
    order: { type: 'string', maxLength: 40, description: 'asc (default) or desc' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: offsetQuerySchema,
    includeTotal: { type: 'boolean', default: false },
  },
} as const;

export function userRoutes(app: FastifyInstance, deps: Deps): void {
  const base = '/api/v1/accounts/:account/users';
  app.get<{ Params: { account: string }; Querystring: ListQuery }>(
    base,
    { schema: { tags, summary: "List users ('Filter User'), by office, name, extension or email", querystring: listQuery, response: { 200: pageSchema(ref) } } },
    (req) => service.listUsers(deps, req.actor, req.params.account, req.query),
  );
  app.get<{ Params: { account: string; officeId: string }; Querystring: ListQuery }>(
    '/api/v1/accounts/:account/offices/:officeId/users',
    { schema: { tags: ['Offices', ...tags], summary: 'List the users of an office', querystring: listQuery, response: { 200: pageSchema(ref) } } },
    (req) => service.listUsers(deps, req.actor, req.params.account, { ...req.query, officeId: req.params.officeId }),
  );
  app.get<{ Params: { account: string }; Querystring: { length?: 3 | 4 } }>(
    `${base}/next-extension`,
    {
      schema: {
        tags,
        summary: 'Next available extension',
        querystring: { type: 'object', properties: { length: { type: 'integer', enum: [3, 4] } } },
        response: { 200: { type: 'object', properties: { extension: { type: ['string', 'null'] }, length: { type: 'integer' } } } },
      },
    },
    (req) => service.nextExtension(deps, req.actor, req.params.account, req.query.length),
  );
  app.post<{ Params: { account: string }; Body: UserCreate }>(
    base,
    { schema: { tags, summary: 'Create User (the SIP password is returned once)', body: userCreateSchema, response: { 201: secretRef } } },
    async (req, reply) => reply.code(201).send(await service.createUser(deps, req.actor, req.params.account, req.body)),
  );
  app.get<{ Params: P }>(`${base}/:userId`, { schema: { tags, summary: 'Show a user', response: { 200: ref } } }, (req) =>
    service.getUser(deps, req.actor, req.params.account, req.params.userId),
  );
  app.patch<{ Params: P; Body: UserUpdate }>(
    `${base}/:userId`,
    { schema: { tags, summary: 'Manage User (partial update; nested settings merge)', body: userUpdateSchema, response: { 200: ref } } },
    (req) => service.updateUser(deps, req.actor, req.params.account, req.params.userId, req.body),
  );
  app.post<{ Params: P }>(
    `${base}/:userId/sip-password`,
    { schema: { tags, summary: 'Regenerate the SIP password (returned once)', response: { 200: secretRef } } },
    (req) => service.regenerateSipPassword(deps, req.actor, req.params.account, req.params.userId),
  );
  app.get<{ Params: P }>(
    `${base}/:userId/usage`,
    {
      schema: {
        tags,
        summary: "Usage: where the user is configured (what blocks 'Delete')",
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    kind: { type: 'string', enum: ['ring_group', 'pickup_group', 'number', 'divert', 'device', 'call_flow'] },
                    id: { type: 'string' },
                    name: { type: 'string' },
                    description: { type: 'string' },
                    removal: { type: 'string', enum: ['with_resource', 'cascade', 'manual'], description: 'with_resource: goes with the user; cascade: only with ?cascade=true; manual: change it first' },
                  },
                },
              },
            },
          },
        },
      },
    },
    (req) => service.getUserUsage(deps, req.actor, req.params.account, req.params.userId),
  );
  app.delete<{ Params: P; Querystring: { cascade: boolean } }>(
    `${base}/:userId`,
    {
      schema: {
        tags,
        summary: 'Delete User (409 in_use with the Usage list while referenced; cascade=true also removes devices and frees direct numbers)',
        querystring: { type: 'object', additionalProperties: false, properties: { cascade: { type: 'boolean', default: false } } },
      },
    },
    async (req, reply) => {
      await service.deleteUser(deps, req.actor, req.params.account, req.params.userId, { cascade: req.query.cascade });
      return reply.code(204).send();
    },
  );
}

/**
 * POST …/users/bulk: one action on many users (the portal's multi-select). Registered by the auth routes,
 * which own the mailer that 'send_credentials' needs.
 */
export function userBulkRoute(app: FastifyInstance, deps: Deps, credentials: CredentialsSender): void {
  app.post<{ Params: { account: string }; Body: BulkInput }>(
    '/api/v1/accounts/:account/users/bulk',
    {
      schema: {
        tags,
        summary: 'Bulk action on users: change_office, enable, disable, send_credentials or delete (one result per user)',
        description:
          'Each user is authorized as the single operation would be before anything is written: an id not in the account is a 404 and a user out of reach a 403 for the whole request. Writes share one transaction; a delete refuses (in_use, with the Usage) the users still referenced and removes the others. dryRun reports without writing.',
        body: bulkBodySchema,
        response: { 200: bulkResponseSchema },
      },
    },
    (req) => bulkUsers(deps, req.actor, req.params.account, req.body, credentials),
  );
}
