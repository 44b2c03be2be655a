import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One flat folder of server-named files holding private audio (voicemail, hold music, call recordings): the
 * folder is created on first write with mode 0700, each file is written atomically (temp + rename) with mode
 * 0600, and a missing file reads as null and removes quietly. Callers check names before they get here
 * (nothing a request sends becomes a path).
 */
export interface PrivateFolder {
  readonly dir: string;
  write(name: string, buf: Buffer): Promise<void>;
  read(name: string): Promise<Buffer | null>;
  size(name: string): Promise<number | null>;
  remove(name: string): Promise<void>;
}

export const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

/** Creates `dir` (and its parents) and makes it 0700 even when it already existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

export function privateFolder(dir: string): PrivateFolder {
  let ready: Promise<void> | undefined;
  const ensureDir = () =>
    (ready ??= ensurePrivateDir(dir).catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));
  const orNull = async <T>(f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  };
  return {
    dir,
    async write(name, buf) {
      await ensureDir();
      const tmp = join(dir, `.${name}.tmp`);
      await writeFile(tmp, buf, { mode: 0o600 });
      await rename(tmp, join(dir, name));
    },
    read: (name) => orNull(() => readFile(join(dir, name))),
    size: (name) => orNull(async () => (await stat(join(dir, name))).size),
    async remove(name) {
      await orNull(() => unlink(join(dir, name)));
    },
  };
}
