/**
 * The importer: turns rtpengine's finished pcap recordings (its spool folder: metadata/ and pcaps/) into
 * recordings — a stereo WAV in the recordings folder and a row with the parties — then removes the spool
 * files. Runs every few seconds next to rtpengine (`switchboard sip start`). Idempotent: a file imported
 * twice (a crash between the row and the clean-up) is recognised by its metadata file name.
 */
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Deps } from '../../shared/deps.ts';
import { emit } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { decodeCall, parsePcap, parseSpoolMetadata, stereoWav } from './decode.ts';
import * as repo from './repository.ts';
import { decodeRecordingMeta, durationMsOf, recordingFileName } from './rules.ts';
import { RECORDING_ACTOR, recordingFacts } from './service.ts';
import type { RecordingStore } from './store.ts';
import { periodic } from '../../shared/periodic.ts';

export interface ImporterOptions {
  store: RecordingStore;
  /** rtpengine's --recording-dir */
  spoolDir: string;
  intervalMs?: number;
  /** A metadata file rtpengine never finished (it was killed) is imported anyway after this long (default 6 h). */
  abandonAfterMs?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface ImportResult {
  imported: string[];
  discarded: Array<{ file: string; why: string }>;
}

export interface RecordingImporter {
  runOnce(): Promise<ImportResult>;
  start(): void;
  stop(): Promise<void>;
}

/** rtpengine-meta-<call id>-<random>.txt → the call id. */
function callIdOf(file: string): string {
  const m = /^rtpengine-meta-(.*)-[0-9a-f]{16}\.txt$/.exec(file);
  return (m ? m[1]! : file).slice(0, 200);
}

export function recordingImporter(deps: Deps, opts: ImporterOptions): RecordingImporter {
  const log = opts.log ?? ((m: string, err?: unknown) => console.error(`call recording: ${m}`, err ?? ''));
  const metaDir = join(opts.spoolDir, 'metadata');
  const pcapDir = join(opts.spoolDir, 'pcaps');

  async function cleanup(metaFile: string, pcapFile: string | null): Promise<void> {
    await unlink(join(metaDir, metaFile)).catch(() => {});
    if (pcapFile) await unlink(join(pcapDir, pcapFile)).catch(() => {});
  }

  async function importOne(file: string, out: ImportResult): Promise<void> {
    const path = join(metaDir, file);
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const meta = parseSpoolMetadata(text);
    if (!meta.finished && Date.now() - st.mtimeMs < (opts.abandonAfterMs ?? 6 * 3600_000)) return; // call still up
    // only ever a file in our own pcaps folder, whatever the metadata says
    const pcapFile = meta.pcapPath ? basename(meta.pcapPath) : null;
    const discard = async (why: string) => {
      out.discarded.push({ file, why });
      log(`discarded ${file}: ${why}`);
      await cleanup(file, pcapFile);
    };
    const m = decodeRecordingMeta(meta.metadata);
    if (!m) return discard('no Switchboard metadata');
    if (!(await repo.accountExists(deps.database.db, m.a))) return discard('account no longer exists');
    if (await repo.sourceSeen(deps.database.db, m.a, file)) return cleanup(file, pcapFile);
    if (!pcapFile || !pcapFile.endsWith('.pcap')) return discard('no pcap file');
    let pcap: Buffer;
    try {
      pcap = await readFile(join(pcapDir, pcapFile));
    } catch {
      return discard('pcap file missing');
    }
    const call = decodeCall(parsePcap(pcap), meta);
    if (!call) return discard('no audio (call not answered, or no G.711 audio)');
    const [caller, callee] = await Promise.all([repo.partyUser(deps.database.db, m.a, m.cu), repo.partyUser(deps.database.db, m.a, m.eu)]);
    const id = newId();
    const name = recordingFileName(id);
    const wav = stereoWav(call.stereo);
    await opts.store.write(name, wav);
    const row = {
      id,
      account_id: m.a,
      source: file,
      call_id: callIdOf(file),
      direction: m.d,
      caller_user_id: caller?.id ?? null,
      caller_office_id: caller?.officeId ?? null,
      caller: m.cn,
      caller_name: caller?.name ?? null,
      callee_user_id: callee?.id ?? null,
      callee_office_id: callee?.officeId ?? null,
      callee: m.en,
      callee_name: callee?.name ?? null,
      started_at: new Date(call.startMs).toISOString(),
      duration_ms: durationMsOf(call.frames),
      file_name: name,
      size_bytes: wav.length,
      created_at: nowIso(),
    };
    try {
      await repo.insert(deps.database.db, row);
    } catch (err) {
      await opts.store.remove(name).catch(() => {});
      throw err;
    }
    await emit(deps, RECORDING_ACTOR, 'recording.created', m.a, id, undefined, recordingFacts(repo.toRecording(row)));
    out.imported.push(id);
    await cleanup(file, pcapFile);
  }

  async function runOnce(): Promise<ImportResult> {
    const out: ImportResult = { imported: [], discarded: [] };
    let files: string[];
    try {
      files = (await readdir(metaDir)).filter((f) => f.endsWith('.txt')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw err;
    }
    for (const f of files) {
      try {
        await importOne(f, out);
      } catch (err) {
        log(`import of ${f} failed (retried next run)`, err);
      }
    }
    return out;
  }

  const job = periodic(runOnce, { intervalMs: opts.intervalMs ?? 2000, log });
  return { runOnce, start: job.start, stop: job.stop };
}
