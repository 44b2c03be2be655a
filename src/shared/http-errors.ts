import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from './errors.ts';

interface AjvError {
  instancePath?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns JSON-schema errors into {field, reason} pairs: 'voicemail.pin', 'ringTime' ... */
export function fieldsFromAjv(errors: AjvError[], context?: string): FieldError[] {
  return errors.map((e) => {
    const path = (e.instancePath ?? '').split('/').filter(Boolean).join('.');
    if (e.keyword === 'required') return { field: [path, e.params.missingProperty].filter(Boolean).join('.'), reason: 'is required' };
    if (e.keyword === 'additionalProperties') return { field: [path, e.params.additionalProperty].filter(Boolean).join('.'), reason: 'is not a known field' };
    if (e.keyword === 'multipleOf') return { field: path, reason: `must be a multiple of ${e.params.multipleOf}` };
    return { field: path || context || 'body', reason: e.message ?? e.keyword };
  });
}

export function errorHandler(error: FastifyError & { validation?: AjvError[]; validationContext?: string }, request: FastifyRequest, reply: FastifyReply) {
  if (error.validation) {
    const fields = fieldsFromAjv(error.validation, error.validationContext);
    return reply.code(400).send({ error: 'bad_request', message: fields.map((f) => `${f.field}: ${f.reason}`).join('; '), fields });
  }
  if (error instanceof AppError) {
    const usage = (error as AppError & { usage?: unknown }).usage;
    return reply.code(error.status).send({ error: error.code, message: error.message, fields: error.fields, ...(usage !== undefined && { usage }) });
  }
  if (error.statusCode && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: error.code ?? 'bad_request', message: error.message, fields: [] });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ error: 'internal', message: 'internal server error', fields: [] });
}
