import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnLogged, stopChild, waitUntilReady } from './child-process.ts';

function runDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-child-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a child: output to the log file and the callback, ready once it says so, stopped with SIGTERM', async (t) => {
  const dir = runDir(t);
  let seen = '';
  const p = spawnLogged('sh', ['-c', 'echo out; echo err >&2; exec sleep 30'], { cwd: dir, logFile: join(dir, 'x.log'), onOutput: (c) => (seen += c.toString()) });
  const ready = await waitUntilReady(p.exited, 5000, async () => seen.includes('out') && seen.includes('err'), (code) => new Error(`exited ${code}`));
  assert.equal(ready, true);
  const t0 = Date.now();
  await stopChild(p);
  assert.ok(Date.now() - t0 < 4000, 'SIGTERM was enough');
  assert.notEqual(p.child.signalCode ?? p.child.exitCode, null);
  // The log file is closed on exit; its last writes may land a moment later.
  let log = '';
  for (let i = 0; i < 50 && !(log.includes('out') && log.includes('err')); i++) {
    await new Promise((r) => setTimeout(r, 20));
    log = readFileSync(join(dir, 'x.log'), 'utf8');
  }
  assert.match(log, /out/);
  assert.match(log, /err/);
});

test('a child that exits during start-up: the exit error; one that never answers: false', async (t) => {
  const dir = runDir(t);
  const dead = spawnLogged('sh', ['-c', 'exit 3'], { cwd: dir, logFile: join(dir, 'a.log'), onOutput: () => {} });
  await assert.rejects(waitUntilReady(dead.exited, 5000, async () => false, (code) => new Error(`exited with ${code}`)), /exited with 3/);
  const mute = spawnLogged('sleep', ['30'], { cwd: dir, logFile: join(dir, 'b.log'), onOutput: () => {} });
  assert.equal(await waitUntilReady(mute.exited, 300, async () => false, () => new Error('exited')), false);
  await stopChild(mute);
  assert.equal(mute.child.signalCode, 'SIGTERM');
});

test('a child that ignores SIGTERM is killed after 5 s; stopping nothing or a finished child does nothing', async (t) => {
  const dir = runDir(t);
  const p = spawnLogged('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 1; done'], { cwd: dir, logFile: join(dir, 'c.log'), onOutput: () => {} });
  let out = '';
  p.child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  assert.equal(await waitUntilReady(p.exited, 5000, async () => out.includes('ready'), () => new Error('exited')), true);
  const t0 = Date.now();
  await stopChild(p);
  const took = Date.now() - t0;
  assert.ok(took >= 4900 && took < 8000, `took ${took} ms`);
  assert.equal(p.child.signalCode, 'SIGKILL');
  await stopChild(p);
  await stopChild(undefined);
});
