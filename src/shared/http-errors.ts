import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
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

/** Framework (router, body parser, multipart) errors: which part of the request was wrong, in the project's words. */
const FRAMEWORK_ERRORS: Record<string, { error: string; field: string; reason: string }> = {
  FST_ERR_BAD_URL: { error: 'bad_request', field: 'path', reason: 'is not a valid URL (bad percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { error: 'uri_too_long', field: 'path', reason: 'has a segment longer than 100 characters' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { error: 'unsupported_media_type', field: 'content-type', reason: 'is not a supported content type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { error: 'bad_request', field: 'content-length', reason: 'does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { error: 'payload_too_large', field: 'body', reason: 'is too large' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { error: 'bad_request', field: 'body', reason: 'must not be empty when the content type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { error: 'bad_request', field: 'body', reason: 'is not valid JSON' },
  FST_ERR_CTP_INVALID_TYPE: { error: 'bad_request', field: 'content-type', reason: 'is not valid' },
  FST_ERR_CTP_EMPTY_TYPE: { error: 'bad_request', field: 'content-type', reason: 'is empty' },
  FST_PROTO_VIOLATION: { error: 'bad_request', field: 'body', reason: 'must not contain __proto__ or constructor.prototype' },
  FST_REQ_FILE_TOO_LARGE: { error: 'payload_too_large', field: 'file', reason: 'is too large' },
  FST_FILES_LIMIT: { error: 'payload_too_large', field: 'file', reason: 'send one file' },
  FST_PARTS_LIMIT: { error: 'payload_too_large', field: 'body', reason: 'has too many parts' },
  FST_FIELDS_LIMIT: { error: 'payload_too_large', field: 'body', reason: 'has too many fields' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { error: 'unsupported_media_type', field: 'content-type', reason: 'must be multipart/form-data' },
};

/**
 * PostgreSQL data exceptions a request can provoke with a value the schemas let through (NUL in text,
 * a number out of range, text that is not a number ...): the client's fault, so a 400, never a 500.
 */
const PG_DATA_ERRORS: Record<string, string> = {
  '22021': 'contains a character the store cannot hold (such as NUL)',
  '22P02': 'is not in a valid format',
  '22003': 'is out of range',
  '22001': 'is too long',
  '22007': 'is not a valid date or time',
  '22008': 'is not a valid date or time',
};

function isPgDataError(error: unknown): error is { code: string; severity: string } {
  if (!error || typeof error !== 'object' || !('severity' in error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code in PG_DATA_ERRORS;
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
  const known = FRAMEWORK_ERRORS[error.code];
  if (known && error.statusCode && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: known.error, message: `${known.field}: ${known.reason}`, fields: [{ field: known.field, reason: known.reason }] });
  }
  if (error.statusCode && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: error.code ?? 'bad_request', message: error.message, fields: [] });
  }
  if (isPgDataError(error)) {
    const reason = PG_DATA_ERRORS[error.code]!;
    request.log.warn({ code: error.code }, 'store refused a value from the request');
    return reply.code(400).send({ error: 'bad_request', message: `a value ${reason}`, fields: [{ field: 'request', reason: `a value ${reason}` }] });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ error: 'internal', message: 'internal server error', fields: [] });
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a control character in a header, a broken
 * request line, headers too large, too slow): the same {error, message, fields} shape, then the socket closes.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, error, field, reason] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'request', 'did not arrive in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'headers', 'are larger than the server accepts']
        : [400, 'bad_request', 'request', 'is not valid HTTP (a control character in a header, a broken request line ...)'];
  const body = JSON.stringify({ error, message: `${field}: ${reason}`, fields: [{ field, reason }] });
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  socket.destroy(err);
}
