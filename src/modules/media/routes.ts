import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { loadConfig } from '../../config.ts';
import { sendWav } from '../../shared/audio-http.ts';
import type { Deps } from '../../shared/deps.ts';
import { ValidationError } from '../../shared/errors.ts';
import { errorHandler } from '../../shared/http-errors.ts';
import { MAX_MEDIA_BYTES } from './convert.ts';
import { mediaFileSchema, mediaListSchema, mediaParams, mediaPatchSchema, mediaUploadQuery } from './schema.ts';
import * as service from './service.ts';
import { fsMediaStore, type MediaStore } from './store.ts';

const tags = ['Media'];
type AccountP = { account: string };
type MediaP = AccountP & { id: string };

/** Raw-body content types accepted for an upload (besides multipart/form-data). */
export const MEDIA_CONTENT_TYPES = ['audio/wav', 'audio/wave', 'audio/x-wav', 'audio/vnd.wave', 'audio/mpeg', 'audio/mp3', 'audio/ogg', 'application/ogg', 'application/octet-stream'];
// A little above the cap, so a file just over it gets the 422 that names the limit rather than a bare 413.
const BODY_LIMIT = MAX_MEDIA_BYTES + 1024 * 1024;

export interface MediaModuleOptions {
  /** Where tracks live (default: the folder from SWITCHBOARD_MEDIA_DIR / beside the SQLite store). */
  store?: MediaStore;
}

/** The account's media library under /api/v1/accounts/:account/media (hold music). */
export function mediaRoutes(app: FastifyInstance, deps: Deps, opts: MediaModuleOptions = {}): MediaStore {
  const store = opts.store ?? fsMediaStore(loadConfig().mediaDir);
  app.addSchema(mediaFileSchema);
  const base = '/api/v1/accounts/:account/media';
  const ref = { $ref: 'MediaFile#' };

  app.get<{ Params: AccountP }>(
    base,
    { schema: { tags, summary: "The account's media library: the built-in 'Default' hold music (builtIn) and the uploaded tracks", response: { 200: mediaListSchema } } },
    (req) => service.listMedia(deps, store, req.actor, req.params.account),
  );
  app.get<{ Params: MediaP }>(`${base}/:id`, { schema: { tags, summary: 'One track', params: mediaParams, response: { 200: ref } } }, (req) =>
    service.getMedia(deps, store, req.actor, req.params.account, req.params.id),
  );
  app.get<{ Params: MediaP }>(
    `${base}/:id/audio`,
    {
      schema: {
        tags,
        summary: 'The track as stored (WAV, PCM 16-bit mono 8 kHz); works with the portal session cookie, e.g. as an <audio> source; honours Range',
        params: mediaParams,
        produces: ['audio/wav'],
      },
    },
    async (req, reply) => {
      const { wav, filename } = await service.mediaAudio(deps, store, req.actor, req.params.account, req.params.id);
      return sendWav(reply, req.headers.range, wav, filename, 'inline');
    },
  );
  app.get<{ Params: MediaP }>(`${base}/:id/usage`, { schema: { tags, summary: 'Usage: the offices that play this track on hold (a delete is refused while there are any)', params: mediaParams } }, (req) =>
    service.getMediaUsage(deps, req.actor, req.params.account, req.params.id),
  );
  app.patch<{ Params: MediaP; Body: { name: string } }>(
    `${base}/:id`,
    { schema: { tags, summary: 'Rename a track (names are unique per account, case-insensitive)', params: mediaParams, body: mediaPatchSchema, response: { 200: ref } } },
    (req) => service.renameMedia(deps, req.actor, req.params.account, req.params.id, req.body.name),
  );
  app.delete<{ Params: MediaP }>(
    `${base}/:id`,
    { schema: { tags, summary: "Delete a track: 409 in_use (listing the offices) while offices play it on hold; the built-in 'default' cannot be deleted", params: mediaParams } },
    async (req, reply) => {
      await service.deleteMedia(deps, store, req.actor, req.params.account, req.params.id);
      return reply.code(204).send();
    },
  );

  // Uploads: raw body or multipart, in an encapsulated scope so the audio parsers and multipart apply here only.
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: BODY_LIMIT, files: 1, fields: 5, fieldSize: 1024 } });
    // Over the body limit (raw body or multipart file): the same 422 on `file` as a file just over 10 MB.
    scope.setErrorHandler((err, req, reply) => {
      const code = (err as { code?: string }).code;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || code === 'FST_REQ_FILE_TOO_LARGE') {
        return errorHandler(new ValidationError([{ field: 'file', reason: `is larger than ${MAX_MEDIA_BYTES / 1024 / 1024} MB` }]) as never, req, reply);
      }
      return errorHandler(err as never, req, reply);
    });
    scope.addContentTypeParser(MEDIA_CONTENT_TYPES, { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post<{ Params: AccountP; Querystring: { name?: string }; Body: Buffer }>(
      base,
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags,
          summary: 'Upload a hold music track: WAV (any rate, bit depth, channels), MP3 or OGG, up to 10 MB and 10 minutes; stored as 8 kHz 16-bit mono WAV',
          description:
            'Send a multipart/form-data upload with the fields `name` and `file`, or the file as the request body (content-type audio/wav, audio/mpeg, audio/ogg, application/octet-stream) with ?name=. ' +
            "A file that is empty, not WAV/MP3/OGG, larger than 10 MB or longer than 10 minutes is refused with 422 and fields [{field: 'file', reason}]; nothing is stored. " +
            'A name another track of the account has (case-insensitive) is 409. From the portal (session cookie) send the header x-requested-with: switchboard.',
          querystring: mediaUploadQuery,
          consumes: [...MEDIA_CONTENT_TYPES, 'multipart/form-data'],
          response: { 201: ref },
        },
      },
      async (req, reply) => {
        let body: Buffer | undefined = Buffer.isBuffer(req.body) ? req.body : undefined;
        let name: unknown = req.query.name;
        if (req.isMultipart()) {
          body = Buffer.alloc(0);
          for await (const part of req.parts()) {
            if (part.type === 'file') {
              if (part.fieldname === 'file') body = await part.toBuffer();
              else await part.toBuffer();
            } else if (part.fieldname === 'name') name = part.value;
          }
        }
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!body && !req.isMultipart() && MEDIA_CONTENT_TYPES.includes(ct)) body = Buffer.alloc(0); // empty upload → 422 'is empty'
        if (!body) {
          return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the audio file as a multipart `file` field, or as the body (audio/wav, audio/mpeg or audio/ogg)', fields: [{ field: 'file', reason: 'must be a WAV, MP3 or OGG file' }] });
        }
        return reply.code(201).send(await service.uploadMedia(deps, store, req.actor, req.params.account, name, body));
      },
    );
  });
  return store;
}
