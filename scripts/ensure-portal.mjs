#!/usr/bin/env node
// `npm start` serves the portal from web/dist: build it once on a fresh clone (Vite takes seconds).
// Set SWITCHBOARD_REBUILD_PORTAL=1 to force a rebuild.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (existsSync(`${root}web/dist/index.html`) && process.env.SWITCHBOARD_REBUILD_PORTAL !== '1') process.exit(0);
console.log('Building the web portal (web/dist) ...');
const r = spawnSync(process.execPath, [`${root}node_modules/vite/bin/vite.js`, 'build', 'web', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
