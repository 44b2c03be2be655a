import { chmod, readFile } from 'node:fs/promises';
import { ensurePrivateDir, isMissing, privateFolder } from '../../shared/private-folder.ts';
import { join } from 'node:path';
import { concatPcm, pcmToWav, silence, tone } from '../voicemail/audio.ts';
import { parseWav, wavToStoreFormat } from '../voicemail/wav.ts';

/**
 * Where the media library's audio lives: ONE flat folder (SWITCHBOARD_MEDIA_DIR) that rtpengine reads too.
 * Names are `<media id>.wav` with a server-generated UUID, or `default.wav` (the built-in hold music); nothing
 * a request sends ever becomes a path. Folder 0700, files 0600 (rtpengine runs as the same user).
 */
export interface MediaStore {
  /** The folder, for the SIP side (rtpengine play media file=<dir>/<name>). */
  readonly dir: string | null;
  write(name: string, buf: Buffer): Promise<void>;
  /** The file, or null when it is not there. */
  read(name: string): Promise<Buffer | null>;
  /** Size in bytes, or null when it is not there. */
  size(name: string): Promise<number | null>;
  /** Removes the file; a missing file is not an error. */
  remove(name: string): Promise<void>;
}

export const DEFAULT_FILE = 'default.wav';
const NAME = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|default)\.wav$/;

export function checkMediaName(name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid media file name: ${JSON.stringify(name)}`);
  return name;
}

/** Files in `dir` (created on first write, mode 0700), each mode 0600, written atomically (temp + rename). */
export function fsMediaStore(dir: string): MediaStore {
  const folder = privateFolder(dir);
  return {
    dir,
    write: async (name, buf) => folder.write(checkMediaName(name), buf),
    read: async (name) => folder.read(checkMediaName(name)),
    size: async (name) => folder.size(checkMediaName(name)),
    remove: async (name) => folder.remove(checkMediaName(name)),
  };
}

/** In-memory store for unit tests (the same name rule as the real one). */
export function memoryMediaStore(): MediaStore & { files: Map<string, Buffer> } {
  const files = new Map<string, Buffer>();
  return {
    dir: null,
    files,
    async write(name, buf) {
      files.set(checkMediaName(name), Buffer.from(buf));
    },
    async read(name) {
      const b = files.get(checkMediaName(name));
      return b ? Buffer.from(b) : null;
    },
    async size(name) {
      return files.get(checkMediaName(name))?.length ?? null;
    },
    async remove(name) {
      files.delete(checkMediaName(name));
    },
  };
}

/** Debian's asterisk-moh-opsound-wav: already 8 kHz mono 16-bit WAV. */
export const DEBIAN_HOLD_MUSIC = '/usr/share/asterisk/moh/macroform-cold_day.wav';

/** A gentle 20 s chime sequence (soft C–E–G–E arpeggios with rests), when the Debian track is not installed. */
export function chimeHoldMusic(): Buffer {
  const notes = [523.25, 659.25, 783.99, 659.25];
  const parts: Int16Array[] = [];
  let ms = 0;
  for (let bar = 0; ms < 20_000; bar++) {
    for (const f of notes) {
      parts.push(tone(bar % 2 ? f / 2 : f, 350, 3000), silence(150));
      ms += 500;
    }
    parts.push(silence(1000));
    ms += 1000;
  }
  const pcm = concatPcm(parts).subarray(0, 20 * 8000);
  return pcmToWav(pcm);
}

/**
 * Writes the built-in hold music (`default.wav`) into the media folder at start: Debian's track converted to
 * the stored format when the package is there, else the generated chime. An existing file is replaced only
 * when its content differs, so a running rtpengine never reads a half-written file (temp + rename anyway).
 * Returns where it came from.
 */
export async function ensureDefaultHoldMusic(dir: string, source = DEBIAN_HOLD_MUSIC): Promise<'debian' | 'chime'> {
  let wav: Buffer | null = null;
  let from: 'debian' | 'chime' = 'chime';
  try {
    const raw = await readFile(source);
    const p = parseWav(raw);
    if (p.ok) {
      wav = wavToStoreFormat(raw, p.info);
      from = 'debian';
    }
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  wav ??= chimeHoldMusic();
  const store = fsMediaStore(dir);
  await ensurePrivateDir(dir);
  const existing = await store.read(DEFAULT_FILE);
  if (!existing || !existing.equals(wav)) await store.write(DEFAULT_FILE, wav);
  else await chmod(join(dir, DEFAULT_FILE), 0o600);
  return from;
}
