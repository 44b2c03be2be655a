import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { Deps } from '../../shared/deps.ts';
import { AppError } from '../../shared/errors.ts';
import { hasControlChar } from '../../shared/input-guard.ts';
import { exportUsersCsv } from './export.ts';
import * as service from './service.ts';

const tags = ['Import / Export'];
const MAX_CSV_BYTES = 50 * 1024 * 1024;

const rowError = { type: 'object', properties: { row: { type: 'integer' }, column: { type: 'string' }, reason: { type: 'string' } } } as const;
const jobSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    status: { type: 'string', enum: service.IMPORT_STATUSES },
    update: { type: 'boolean' },
    total: { type: 'integer' },
    processed: { type: 'integer' },
    created: { type: 'integer' },
    updated: { type: 'integer' },
    errors: { type: 'array', items: rowError },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
  },
} as const;

/**
 * The CSV of a multipart upload. A body cut short (no closing boundary) or a file with control characters
 * is the client's mistake: a 400 naming `file`, never a 500.
 */
async function readUploadedFile(req: FastifyRequest): Promise<string> {
  let text: string;
  try {
    const file = await req.file();
    if (!file) return '';
    text = (await file.toBuffer()).toString('utf8');
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode && (err as { statusCode: number }).statusCode < 500) throw err;
    throw new AppError(400, 'bad_request', 'file: the upload is incomplete or not valid multipart/form-data', [{ field: 'file', reason: 'the upload is incomplete or not valid multipart/form-data' }]);
  }
  if (hasControlChar(text, true)) throw new AppError(400, 'bad_request', 'file: must not contain control characters (such as NUL)', [{ field: 'file', reason: 'must not contain control characters (such as NUL)' }]);
  return text;
}

export function importRoutes(app: FastifyInstance, deps: Deps): void {
  for (const type of ['text/csv', 'application/csv', 'text/plain']) {
    if (!app.hasContentTypeParser(type)) app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) => done(null, body));
  }
  const base = '/api/v1/accounts/:account';
  // Graceful shutdown: a background import finishes (or fails and says so) before the store closes.
  app.addHook('onClose', () => service.drainImports(deps));

  app.get<{ Params: { account: string }; Querystring: { officeId?: string; includeSecrets?: boolean } }>(
    `${base}/users/export.csv`,
    {
      schema: {
        tags,
        summary: "'Export': CSV listing of users for the PBX or one office (re-imports cleanly)",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            officeId: { type: 'string', description: 'Only this office' },
            includeSecrets: { type: 'boolean', default: false, description: 'Add vm_pin, sip_username and sip_password (Office Manager / provider only; audited)' },
          },
        },
        produces: ['text/csv'],
      },
    },
    async (req, reply) => {
      const { filename, csv } = await exportUsersCsv(deps, req.actor, req.params.account, req.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .header('cache-control', 'no-store')
        .send(csv);
    },
  );

  app.get<{ Params: { account: string } }>(
    `${base}/imports/template.csv`,
    { schema: { tags, summary: "'Download the empty template': the import columns and one example row (delete it before importing)", produces: ['text/csv'] } },
    async (_req, reply) => reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="users-import-template.csv"').send(service.templateCsv()),
  );
  app.get(`${base}/imports/columns`, { schema: { tags, summary: 'What each import column means' } }, async () => ({ items: service.TEMPLATE_HELP }));

  // multipart/form-data (a browser form's file field) only for this route: an encapsulated scope, so no
  // other module's multipart registration can clash with it.
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 10 } });
    scope.post<{ Params: { account: string }; Querystring: { update: boolean; dryRun: boolean; wait: boolean }; Body: string }>(
      `${base}/imports`,
      {
        bodyLimit: MAX_CSV_BYTES,
        schema: {
          tags,
          summary: 'Upload a users CSV: validates every row first (422 with every {row, column, reason}, nothing written), then loads all-or-nothing as an import job',
          description:
            'Send the file as the request body with content-type text/csv, or as the file field of a multipart/form-data upload. update=true: rows whose extension exists update that user (an empty cell clears, a missing column leaves alone). dryRun=true: validate only. wait=true: answer when the job is done.',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { update: { type: 'boolean', default: false }, dryRun: { type: 'boolean', default: false }, wait: { type: 'boolean', default: false } },
          },
          response: { 202: jobSchema, 201: jobSchema },
        },
      },
      async (req, reply) => {
        let body: unknown = req.body;
        if (req.isMultipart()) {
          body = await readUploadedFile(req);
        }
        if (typeof body !== 'string') {
          return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the CSV file as the body (text/csv) or as a multipart file field', fields: [{ field: 'body', reason: 'must be a CSV file' }] });
        }
        try {
          const r = await service.startImport(deps, req.actor, req.params.account, body, { update: req.query.update, dryRun: req.query.dryRun, wait: req.query.wait });
          if ('valid' in r) return reply.code(200).send(r);
          return reply.code(req.query.wait ? 201 : 202).header('location', `/api/v1/accounts/${req.params.account}/imports/${r.id}`).send(r);
        } catch (err) {
          if (err instanceof service.ImportValidationError) {
            return reply.code(422).send({ error: err.code, message: err.message, fields: err.fields, total: err.total, errors: err.rowErrors });
          }
          throw err;
        }
      },
    );
  });
  app.get<{ Params: { account: string } }>(`${base}/imports`, { schema: { tags, summary: 'Recent import jobs' } }, (req) => service.listImports(deps, req.actor, req.params.account));
  app.get<{ Params: { account: string; id: string } }>(`${base}/imports/:id`, { schema: { tags, summary: 'Import job progress and outcome', response: { 200: jobSchema } } }, (req) =>
    service.getImport(deps, req.actor, req.params.account, req.params.id),
  );
  app.get<{ Params: { account: string; id: string } }>(
    `${base}/imports/:id/result.csv`,
    { schema: { tags, summary: 'Per-row result of a finished import (no secrets)', produces: ['text/csv'] } },
    async (req, reply) =>
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${req.params.id}-result.csv"`)
        .send(await service.getImportResultCsv(deps, req.actor, req.params.account, req.params.id)),
  );
}
