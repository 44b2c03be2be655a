import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { MAX_INT32, pageQuerySchema } from '../../shared/pagination.ts';
import * as service from './service.ts';

const tags = ['Apply Changes'];
const change = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['office', 'user', 'number', 'pickup_group', 'ring_group', 'device'] },
    id: { type: 'string' },
    name: { type: 'string' },
    change: { type: 'string', enum: ['added', 'removed', 'modified'] },
    fields: { type: 'array', items: { type: 'string' } },
  },
} as const;
const pending = {
  type: 'object',
  properties: { pending: { type: 'boolean' }, version: { type: 'integer' }, summary: { type: 'string' }, changes: { type: 'array', items: change } },
} as const;
const counts = { type: 'object', properties: { added: { type: 'integer' }, removed: { type: 'integer' }, modified: { type: 'integer' } } } as const;
const versionParams = { type: 'object', properties: { account: { type: 'string' }, n: { type: 'integer', minimum: 1, maximum: MAX_INT32 } } } as const;
const fieldChange = {
  type: 'object',
  properties: {
    field: { type: 'string' },
    before: { description: 'The value before (absent for secrets and documents)' },
    after: { description: 'The value after (absent for secrets and documents)' },
    changed: { type: 'string', enum: ['secret', 'document'], description: 'Set instead of before/after: the value is a secret (voicemail PIN) or a whole document (call flow)' },
  },
} as const;
const versionMeta = { version: { type: 'integer' }, appliedBy: { type: 'string' }, appliedAt: { type: 'string' }, summary: { type: 'string' } } as const;

export function configRoutes(app: FastifyInstance, deps: Deps): void {
  const base = '/api/v1/accounts/:account/config';
  app.get<{ Params: { account: string } }>(`${base}/pending`, { schema: { tags, summary: 'Saved but not applied: the diff of what Apply Changes will publish', response: { 200: pending } } }, (req) =>
    service.getPending(deps, req.actor, req.params.account),
  );
  app.post<{ Params: { account: string }; Body: { expectedVersion?: number } | undefined }>(
    `${base}/apply`,
    {
      schema: {
        tags,
        summary: "'Apply Changes': publish the saved configuration as the next numbered version (atomic; audited)",
        body: { type: ['object', 'null'], additionalProperties: false, properties: { expectedVersion: { type: 'integer', minimum: 0, description: 'The version the diff was reviewed against' } } },
        response: { 201: { type: 'object', properties: { ...versionMeta, changes: { type: 'array', items: change } } } },
      },
    },
    async (req, reply) => reply.code(201).send(await service.applyChanges(deps, req.actor, req.params.account, req.body ?? {})),
  );
  app.post<{ Params: { account: string } }>(`${base}/discard`, { schema: { tags, summary: 'Discard saved changes: back to the last applied configuration', response: { 200: pending } } }, (req) =>
    service.discardChanges(deps, req.actor, req.params.account),
  );
  app.get<{ Params: { account: string }; Querystring: { limit: number; offset: number } }>(
    `${base}/versions`,
    {
      schema: {
        tags,
        summary: "'Applied versions' (Office Manager): newest first, who applied each and when, and how many rows it added, removed and changed",
        querystring: { type: 'object', properties: pageQuerySchema },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { ...versionMeta, counts } } }, total: { type: 'integer' } } } },
      },
    },
    (req) => service.listVersions(deps, req.actor, req.params.account, req.query),
  );
  app.get<{ Params: { account: string; n: number } }>(
    `${base}/versions/:n/diff`,
    {
      schema: {
        tags,
        summary: 'What applied version n changed against n − 1 (Office Manager): rows added and removed, and the fields of changed rows before and after; secrets only as changed',
        params: versionParams,
        response: {
          200: {
            type: 'object',
            properties: {
              ...versionMeta,
              previous: { type: ['integer', 'null'] },
              counts,
              changes: { type: 'array', items: { type: 'object', properties: { ...change.properties, fields: { type: 'array', items: fieldChange } } } },
            },
          },
        },
      },
    },
    (req) => service.getVersionDiff(deps, req.actor, req.params.account, req.params.n),
  );
  app.get<{ Params: { account: string; n: number } }>(
    `${base}/versions/:n`,
    { schema: { tags, summary: 'One applied version: what changed and the published document (secrets removed)', params: versionParams } },
    (req) => service.getVersion(deps, req.actor, req.params.account, req.params.n),
  );
}
