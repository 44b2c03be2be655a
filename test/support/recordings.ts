/** Test data for call recordings: a row and its stereo WAV, as the importer would have stored them. */
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/types.ts';
import { newId, nowIso } from '../../src/shared/ids.ts';
import { stereoWav } from '../../src/modules/recordings/decode.ts';
import { recordingFileName } from '../../src/modules/recordings/rules.ts';
import type { RecordingStore } from '../../src/modules/recordings/store.ts';
import { tone } from '../../src/modules/voicemail/audio.ts';

export interface SeedParty {
  number: string;
  userId?: string | null;
  officeId?: string | null;
  name?: string | null;
}

/** caller tone left (default 1000 Hz), callee tone right (1400 Hz), `ms` long. */
export async function seedRecording(
  db: Kysely<DB>,
  store: RecordingStore,
  o: { accountId: string; caller: SeedParty; callee: SeedParty; direction?: 'internal' | 'inbound' | 'outbound'; startedAt?: string; ms?: number; tones?: [number, number] },
): Promise<string> {
  const ms = o.ms ?? 1000;
  const [l, r] = [tone(o.tones?.[0] ?? 1000, ms), tone(o.tones?.[1] ?? 1400, ms)];
  const stereo = new Int16Array(l.length * 2);
  for (let i = 0; i < l.length; i++) {
    stereo[i * 2] = l[i]!;
    stereo[i * 2 + 1] = r[i]!;
  }
  const wav = stereoWav(stereo);
  const id = newId();
  const file = recordingFileName(id);
  await store.write(file, wav);
  await db
    .insertInto('recordings')
    .values({
      id,
      account_id: o.accountId,
      source: `seed-${id}.txt`,
      call_id: `seed-${id}`,
      direction: o.direction ?? 'internal',
      caller_user_id: o.caller.userId ?? null,
      caller_office_id: o.caller.officeId ?? null,
      caller: o.caller.number,
      caller_name: o.caller.name ?? null,
      callee_user_id: o.callee.userId ?? null,
      callee_office_id: o.callee.officeId ?? null,
      callee: o.callee.number,
      callee_name: o.callee.name ?? null,
      started_at: o.startedAt ?? nowIso(),
      duration_ms: ms,
      file_name: file,
      size_bytes: wav.length,
      created_at: nowIso(),
    })
    .execute();
  return id;
}
