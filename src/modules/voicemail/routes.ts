import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { loadConfig } from '../../config.ts';
import { sendWav } from '../../shared/audio-http.ts';
import type { Deps } from '../../shared/deps.ts';
import { fsAudioStore, type VoicemailAudioStore } from './audio-store.ts';
import type { Folder, GreetingKind } from './backend.ts';
import { MAX_GREETING_BYTES } from './convert.ts';
import { greetingListSchema, greetingParams, greetingSchema, mailboxParams, messageListSchema, messageParams, messagePatchSchema, voicemailMessageSchema } from './schema.ts';
import * as service from './service.ts';

const tags = ['Voicemail'];
type MailboxP = { account: string; userId: string };
type MessageP = MailboxP & { id: string };
type GreetingP = MailboxP & { kind: GreetingKind };

/** Raw-body content types accepted for a greeting upload (besides multipart/form-data). */
export const GREETING_CONTENT_TYPES = ['audio/wav', 'audio/wave', 'audio/x-wav', 'audio/vnd.wave', 'audio/mpeg', 'audio/mp3', 'application/octet-stream'];
// A little above the cap, so a file just over it gets the 422 that names the limit rather than a bare 413.
const BODY_LIMIT = MAX_GREETING_BYTES + 1024 * 1024;

export interface VoicemailModuleOptions {
  /** Where recordings live (default: the folder from SWITCHBOARD_VOICEMAIL_DIR / the data directory). */
  audioStore?: VoicemailAudioStore;
}

/** A user's mailbox under /api/v1/accounts/:account/users/:userId/voicemail: messages and greetings. */
export function voicemailRoutes(app: FastifyInstance, deps: Deps, opts: VoicemailModuleOptions = {}): VoicemailAudioStore {
  const audio = opts.audioStore ?? fsAudioStore(loadConfig().voicemailDir);
  app.addSchema(voicemailMessageSchema);
  const base = '/api/v1/accounts/:account/users/:userId/voicemail';

  app.get<{ Params: MailboxP }>(
    `${base}/messages`,
    { schema: { tags, summary: "A user's voicemail messages (new first) and the new/saved counts", params: mailboxParams, response: { 200: messageListSchema } } },
    (req) => service.listMessages(deps, req.actor, req.params.account, req.params.userId),
  );
  app.get<{ Params: MessageP }>(
    `${base}/messages/:id/audio`,
    {
      schema: {
        tags,
        summary: 'The recording (WAV, PCM 16-bit mono 8 kHz); works with the portal session cookie, e.g. as an <audio> source',
        params: messageParams,
        produces: ['audio/wav'],
      },
    },
    async (req, reply) => {
      const { wav, filename } = await service.messageAudio(deps, audio, req.actor, req.params.account, req.params.userId, req.params.id);
      return sendWav(reply, req.headers.range, wav, filename, 'attachment');
    },
  );
  app.patch<{ Params: MessageP; Body: { folder: Folder } }>(
    `${base}/messages/:id`,
    { schema: { tags, summary: "Move a message between folders ('saved' = heard)", params: messageParams, body: messagePatchSchema, response: { 200: { $ref: 'VoicemailMessage#' } } } },
    (req) => service.setMessageFolder(deps, req.actor, req.params.account, req.params.userId, req.params.id, req.body.folder),
  );
  app.delete<{ Params: MessageP }>(`${base}/messages/:id`, { schema: { tags, summary: 'Delete a message (and its recording)', params: messageParams } }, async (req, reply) => {
    await service.deleteMessage(deps, audio, req.actor, req.params.account, req.params.userId, req.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: MailboxP }>(
    `${base}/greetings`,
    { schema: { tags, summary: 'Which greetings are recorded (unavailable, busy, name)', params: mailboxParams, response: { 200: greetingListSchema } } },
    (req) => service.listGreetings(deps, req.actor, req.params.account, req.params.userId),
  );
  app.get<{ Params: GreetingP }>(
    `${base}/greetings/:kind/audio`,
    { schema: { tags, summary: 'A recorded greeting (WAV, PCM 16-bit mono 8 kHz)', params: greetingParams, produces: ['audio/wav'] } },
    async (req, reply) => {
      const { wav, filename } = await service.greetingAudio(deps, audio, req.actor, req.params.account, req.params.userId, req.params.kind);
      return sendWav(reply, req.headers.range, wav, filename, 'attachment');
    },
  );
  app.delete<{ Params: GreetingP }>(`${base}/greetings/:kind`, { schema: { tags, summary: 'Remove a greeting (the default prompt plays again)', params: greetingParams } }, async (req, reply) => {
    await service.deleteGreeting(deps, audio, req.actor, req.params.account, req.params.userId, req.params.kind);
    return reply.code(204).send();
  });

  // Uploads: raw body or multipart, in an encapsulated scope so the audio parsers and multipart apply here only.
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: BODY_LIMIT, files: 1, fields: 5 } });
    scope.addContentTypeParser(GREETING_CONTENT_TYPES, { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.put<{ Params: GreetingP; Body: Buffer }>(
      `${base}/greetings/:kind`,
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags,
          summary: 'Upload a greeting: WAV (any rate, bit depth, channels) or MP3, up to 5 MB and 5 minutes; stored as 8 kHz 16-bit mono WAV',
          description:
            'Send the file as the request body with content-type audio/wav (or audio/x-wav, audio/mpeg, application/octet-stream), or as the `file` field of a multipart/form-data upload. ' +
            "A file that is empty, not WAV/MP3, or longer than 5 minutes is refused with 422 and fields [{field: 'file', reason}]; nothing is stored. " +
            'From the portal (session cookie) send the header x-requested-with: switchboard.',
          params: greetingParams,
          consumes: [...GREETING_CONTENT_TYPES, 'multipart/form-data'],
          response: { 200: greetingSchema },
        },
      },
      async (req, reply) => {
        let body: Buffer | undefined = Buffer.isBuffer(req.body) ? req.body : undefined;
        if (req.isMultipart()) {
          const file = await req.file();
          body = file ? await file.toBuffer() : Buffer.alloc(0);
        }
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!body && !req.isMultipart() && GREETING_CONTENT_TYPES.includes(ct)) body = Buffer.alloc(0); // empty upload → 422 'is empty'
        if (!body) {
          return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the audio file as the body (audio/wav or audio/mpeg) or as a multipart file field', fields: [{ field: 'file', reason: 'must be a WAV or MP3 file' }] });
        }
        return service.putGreeting(deps, audio, req.actor, req.params.account, req.params.userId, req.params.kind, body);
      },
    );
  });
  return audio;
}
