/**
 * What the Kamailio and rtpengine process managers share: a foreground child held by its PID with stdout and
 * stderr copied to a log file, a wait until it answers, and a stop by that PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface LoggedChild {
  child: ChildProcess;
  /** Resolves with the exit code once the child has exited (and its log file is closed). */
  exited: Promise<number | null>;
}

/** Starts `bin args` in `cwd`; every chunk it writes goes to `logFile` and to `onOutput`. */
export function spawnLogged(bin: string, args: string[], o: { cwd: string; logFile: string; onOutput: (chunk: Buffer) => void }): LoggedChild {
  const child = spawn(bin, args, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const file = createWriteStream(o.logFile);
  const onData = (chunk: Buffer) => {
    o.onOutput(chunk);
    file.write(chunk);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      file.end();
      r(code);
    }),
  );
  return { child, exited };
}

/**
 * Asks `ready` every 100 ms until it says yes (true) or `timeoutMs` have passed (false); throws
 * `exitError(code)` as soon as the child exits.
 */
export async function waitUntilReady(exited: Promise<number | null>, timeoutMs: number, ready: () => Promise<boolean>, exitError: (code: number | null) => Error): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw exitError(exitCode);
    if (await ready()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** SIGTERM to the PID we started, SIGKILL after `graceMs` (5 s); nothing when it is not running. */
export async function stopChild(started: LoggedChild | undefined, graceMs = 5000): Promise<void> {
  const child = started?.child;
  if (started && child?.pid && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const done = await Promise.race([started.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs))]);
    if (!done) {
      child.kill('SIGKILL');
      await started.exited;
    }
  }
}
