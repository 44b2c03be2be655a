#!/usr/bin/env node
// Entry point. Runs src/cli.ts from a single-file JavaScript bundle (dist/switchboard.mjs) that esbuild builds
// from the TypeScript sources on the first start and again whenever a source file is newer than the bundle:
// loading one file costs less than half the CPU of transpiling ~200 files through tsx on every start
// (docs/performance.md, "Cold start"). `npm start` still needs no build step. SWITCHBOARD_TSX=1 runs the sources
// through tsx instead (as the tests do); so does a machine where esbuild cannot run.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'switchboard.mjs');

/** Packages loaded from node_modules at run time instead of being bundled. */
const EXTERNAL = ['better-sqlite3', '@node-rs/argon2', 'pino', 'pino-pretty', 'thread-stream', '@fastify/swagger-ui', '@fastify/static', 'pg', 'pg-native', 'sip', 'esbuild', 'tsx'];

/** The newest modification time of the TypeScript sources the bundle is made of. */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

async function ensureBundle() {
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(join(root, 'src'))) return true;
  try {
    const { build } = await import('esbuild');
    mkdirSync(join(root, 'dist'), { recursive: true });
    // built beside the bundle and renamed over it: processes starting at the same time never read half a file
    const tmpDir = join(root, 'dist', `.build-${process.pid}`);
    const tmp = join(tmpDir, 'switchboard.mjs');
    await build({
      entryPoints: [join(root, 'src', 'cli.ts')],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // pure-JavaScript dependencies go into the bundle (kysely, ajv, libphonenumber-js ... are hundreds of small
      // files each); native addons and packages that find files or workers beside themselves stay outside
      external: EXTERNAL,
      // CommonJS dependencies inside an ES module bundle still call require()
      banner: { js: "import { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);" },
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'error',
    });
    renameSync(`${tmp}.map`, `${bundle}.map`);
    renameSync(tmp, bundle);
    rmSync(tmpDir, { recursive: true, force: true });
    return true;
  } catch (err) {
    process.stderr.write(`switchboard: running the TypeScript sources through tsx (the bundle could not be built: ${err instanceof Error ? err.message : err})\n`);
    return false;
  }
}

if (process.env.SWITCHBOARD_TSX !== '1' && (await ensureBundle())) {
  // Stack traces name the bundle's lines; NODE_OPTIONS=--enable-source-maps maps them to the TypeScript files
  // (dist/switchboard.mjs.map). Not on by default: Node then looks for a source map in every module it loads,
  // which cost a third of the start-up CPU.
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
