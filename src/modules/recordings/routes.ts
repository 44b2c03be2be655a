import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../config.ts';
import { byteRange } from '../../shared/audio-http.ts';
import type { Deps } from '../../shared/deps.ts';
import { recordingListQuery, recordingListSchema, recordingParams, recordingSchema } from './schema.ts';
import * as service from './service.ts';
import { fsRecordingStore, type RecordingStore } from './store.ts';

const tags = ['Recordings'];
type AccountP = { account: string };
type RecP = AccountP & { id: string };

export interface RecordingsModuleOptions {
  /** Where recordings' audio lives (default: SWITCHBOARD_RECORDINGS_DIR / recordings beside the SQLite store). */
  store?: RecordingStore;
}

/** Call recordings under /api/v1/accounts/:account/recordings (Office Manager: the account; Site Manager: their offices). */
export function recordingRoutes(app: FastifyInstance, deps: Deps, opts: RecordingsModuleOptions = {}): RecordingStore {
  const store = opts.store ?? fsRecordingStore(loadConfig().recordingsDir);
  app.addSchema(recordingSchema);
  const base = '/api/v1/accounts/:account/recordings';

  app.get<{ Params: AccountP; Querystring: Record<string, string> }>(
    base,
    { schema: { tags, summary: 'Recorded calls, newest first; filters: userId (either party), from/to (dates), direction', querystring: recordingListQuery, response: { 200: recordingListSchema } } },
    (req) => service.listRecordings(deps, req.actor, req.params.account, req.query),
  );
  app.get<{ Params: RecP }>(`${base}/:id`, { schema: { tags, summary: 'One recording', params: recordingParams, response: { 200: { $ref: 'Recording#' } } } }, (req) =>
    service.getRecording(deps, req.actor, req.params.account, req.params.id),
  );
  app.get<{ Params: RecP; Querystring: { download?: string } }>(
    `${base}/:id/audio`,
    {
      schema: {
        tags,
        summary: 'The recording (WAV, 8 kHz 16-bit stereo: left the caller, right the called party), streamed; ?download=1 as an attachment; honours Range; works with the portal cookie as an <audio> source',
        params: recordingParams,
        querystring: { type: 'object', additionalProperties: false, properties: { download: { type: 'string', enum: ['0', '1', 'true', 'false'] } } },
        produces: ['audio/wav'],
      },
    },
    async (req, reply) => {
      const download = req.query.download === '1' || req.query.download === 'true';
      const a = await service.recordingAudio(deps, store, req.actor, req.params.account, req.params.id);
      reply
        .header('content-type', 'audio/wav')
        .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${a.filename}"`)
        .header('cache-control', 'private, no-store')
        .header('x-content-type-options', 'nosniff')
        .header('accept-ranges', 'bytes');
      const r = byteRange(req.headers.range, a.size);
      if (r === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${a.size}`).send();
      if (!r || r.start === 0) await service.auditPlayback(deps, req.actor, a.accountId, a.recording, download);
      if (r) return reply.code(206).header('content-range', `bytes ${r.start}-${r.end}/${a.size}`).header('content-length', r.end - r.start + 1).send(store.stream(a.file, r.start, r.end));
      return reply.header('content-length', a.size).send(store.stream(a.file));
    },
  );
  app.delete<{ Params: RecP }>(`${base}/:id`, { schema: { tags, summary: 'Delete a recording (row and audio); audited', params: recordingParams } }, async (req, reply) => {
    await service.deleteRecording(deps, store, req.actor, req.params.account, req.params.id);
    return reply.code(204).send();
  });
  return store;
}
