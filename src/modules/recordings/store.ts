import { createReadStream, type ReadStream } from 'node:fs';
import { privateFolder } from '../../shared/private-folder.ts';
import { join } from 'node:path';

/**
 * Where recordings' audio lives: one flat folder (SWITCHBOARD_RECORDINGS_DIR), files `<recording id>.wav`
 * (server-generated UUIDs; nothing a request sends becomes a path), folder 0700, files 0600, written
 * atomically. Read back as a stream (a long call is tens of MB), with a byte range.
 */
export interface RecordingStore {
  readonly dir: string;
  write(name: string, buf: Buffer): Promise<void>;
  /** Size in bytes, or null when the file is not there. */
  size(name: string): Promise<number | null>;
  /** Bytes [start, end] inclusive. */
  stream(name: string, start?: number, end?: number): ReadStream;
  /** Removes the file; a missing file is not an error. */
  remove(name: string): Promise<void>;
}

const NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.wav$/;

function check(name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid recording file name: ${JSON.stringify(name)}`);
  return name;
}

export function fsRecordingStore(dir: string): RecordingStore {
  const folder = privateFolder(dir);
  return {
    dir,
    write: async (name, buf) => folder.write(check(name), buf),
    size: async (name) => folder.size(check(name)),
    stream: (name, start, end) => createReadStream(join(dir, check(name)), { start, end }),
    remove: async (name) => folder.remove(check(name)),
  };
}
