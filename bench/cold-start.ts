/**
 * Cold start (issue 16): time from spawning `switchboard serve` (fresh SQLite store, built portal) to its first
 * answer on /healthz and on / (the portal), next to a trivial Fastify server spawned and polled the same way in
 * the same run, and the same start through tsx (SWITCHBOARD_TSX=1: every TypeScript file transpiled at start)
 * instead of the esbuild bundle bin/switchboard.js runs. Rounds alternate so machine load hits all alike.
 *   node --import tsx bench/cold-start.ts [rounds]       (needs web/dist: npm run build:web)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROUNDS = Number(process.argv[2] ?? 5);
const root = new URL('..', import.meta.url).pathname;
if (!existsSync(join(root, 'web/dist/index.html'))) throw new Error('build the portal first: npm run build:web');
const dir = mkdtempSync(join(tmpdir(), 'sb-cold-'));
const trivial = join(dir, 'trivial.mjs');
writeFileSync(trivial, `import Fastify from '${join(root, 'node_modules/fastify/fastify.js')}';\nconst app = Fastify();\napp.get('/healthz', async () => ({ ok: true }));\nawait app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });\n`);

let port = 20000 + Math.floor(Math.random() * 20000);
async function firstAnswer(args: string[], env: Record<string, string>, paths: string[]): Promise<number[]> {
  const p = ++port;
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env, PORT: String(p), HOST: '127.0.0.1' }, stdio: 'ignore' });
  const out: number[] = [];
  try {
    for (const path of paths) {
      for (;;) {
        try {
          const r = await fetch(`http://127.0.0.1:${p}${path}`);
          await r.arrayBuffer();
          if (r.ok) break;
        } catch {
          /* not listening yet */
        }
        if (performance.now() - t0 > 60_000) throw new Error(`no answer on ${path}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      out.push(performance.now() - t0);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  return out;
}

const db = join(dir, 'store.sqlite');
const env = { DATABASE_URL: db, SWITCHBOARD_DATA_DIR: dir, LOG_LEVEL: 'warn' };
const serve = [join(root, 'bin/switchboard.js'), 'serve'];
// the very first start also migrates a new store and seeds the demo tenant; later starts are restarts
const [firstH, firstP] = await firstAnswer(serve, env, ['/healthz', '/']);
const base: number[] = [];
const health: number[] = [];
const portal: number[] = [];
const tsxPortal: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  base.push((await firstAnswer([trivial], {}, ['/healthz']))[0]!);
  const [h, pg] = await firstAnswer(serve, env, ['/healthz', '/']);
  health.push(h!);
  portal.push(pg!);
  // the same start through tsx (TypeScript transpiled at start, as before the bundle)
  tsxPortal.push((await firstAnswer(serve, { ...env, SWITCHBOARD_TSX: '1' }, ['/healthz', '/']))[1]!);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`cold start, ${ROUNDS} rounds (median / best), node ${process.version}`);
console.log(`  first start of a new store (migrate + demo seed): /healthz ${firstH!.toFixed(0)} ms, portal ${firstP!.toFixed(0)} ms`);
console.log(`  trivial Fastify server (baseline)      ${med(base).toFixed(0)} / ${Math.min(...base).toFixed(0)} ms`);
console.log(`  restart: first /healthz                 ${med(health).toFixed(0)} / ${Math.min(...health).toFixed(0)} ms`);
console.log(`  restart: first portal page /        ${med(portal).toFixed(0)} / ${Math.min(...portal).toFixed(0)} ms   (target < 1500 ms)`);
console.log(`  restart through tsx: portal page /  ${med(tsxPortal).toFixed(0)} / ${Math.min(...tsxPortal).toFixed(0)} ms`);
console.log(`  ratio to the trivial server (medians): bundle ${(med(portal) / med(base)).toFixed(2)}×, tsx ${(med(tsxPortal) / med(base)).toFixed(2)}×`);
rmSync(dir, { recursive: true, force: true });
