import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { auditEntrySchema, auditQuerySchema, type AuditEntry, type AuditQuery } from './schema.ts';
import * as service from './service.ts';
import { sendPagedCsv } from '../../shared/csv.ts';

const tags = ['Audit'];
const CSV_PAGE = 1000;
const CSV_MAX_ROWS = 100_000;

const pageResponse = { type: 'object', properties: { items: { type: 'array', items: { $ref: 'AuditEntry#' } }, next: { type: 'string' } }, required: ['items'] } as const;

/** Writes every page to CSV (bounded); JSON answers one page with a `next` cursor. */
async function respond(reply: FastifyReply, q: AuditQuery, name: string, page: (q: AuditQuery) => Promise<{ items: AuditEntry[]; next?: string }>) {
  if (q.format !== 'csv') return page(q);
  return sendPagedCsv(reply, q, { fileName: name, pageSize: CSV_PAGE, maxRows: CSV_MAX_ROWS, page, toCsv: service.toCsv });
}

export function auditRoutes(app: FastifyInstance, deps: Deps): void {
  service.subscribeAudit(deps);
  if (!app.getSchema('AuditEntry')) app.addSchema(auditEntrySchema);
  app.get<{ Params: { account: string }; Querystring: AuditQuery }>(
    '/api/v1/accounts/:account/audit',
    {
      schema: {
        tags,
        summary: "The account's audit log (Office Managers and the provider); ?format=csv exports every match",
        querystring: auditQuerySchema,
        response: { 200: pageResponse },
      },
    },
    (req, reply) => respond(reply, req.query, `audit-${req.params.account}.csv`, (q) => service.listAccountAudit(deps, req.actor, req.params.account, q)),
  );
  app.get<{ Querystring: AuditQuery }>(
    '/api/v1/audit',
    {
      schema: {
        tags,
        summary: 'The audit log across accounts (provider only); filter one with ?account=',
        querystring: { ...auditQuerySchema, properties: { ...auditQuerySchema.properties, account: { type: 'string', maxLength: 64 } } },
        response: { 200: pageResponse },
      },
    },
    (req, reply) => respond(reply, req.query, 'audit.csv', (q) => service.listAllAudit(deps, req.actor, q)),
  );
}
