import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project folder (where package.json is), found by walking up from this module. Files the server reads at
 * run time (the Kamailio template, phone templates, the built portal) are named from here, so the same code
 * works from src/ through tsx and from the single-file bundle bin/switchboard.js runs (dist/).
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'deploy'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`the Switchboard project folder (package.json + deploy/) was not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const ROOT = findRoot();
