import { createReadStream, type ReadStream } from 'node:fs';
import { chmod, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
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
  let ready: Promise<void> | undefined;
  const ensureDir = () =>
    (ready ??= (async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));
  return {
    dir,
    async write(name, buf) {
      check(name);
      await ensureDir();
      const tmp = join(dir, `.${name}.tmp`);
      await writeFile(tmp, buf, { mode: 0o600 });
      await rename(tmp, join(dir, name));
    },
    async size(name) {
      try {
        return (await stat(join(dir, check(name)))).size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    stream(name, start, end) {
      return createReadStream(join(dir, check(name)), { start, end });
    },
    async remove(name) {
      try {
        await unlink(join(dir, check(name)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
  };
}
