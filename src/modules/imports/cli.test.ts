import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../../bin/switchboard.js');

async function cli(db: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, '--database', db, ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('switchboard import / export CLI (sqlite)', () => {
  it('imports with a progress bar on stderr, reports every row error, and exports what it loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    const db = join(dir, 'db.sqlite');
    try {
      assert.equal((await cli(db, 'account', 'create', '--code', 'acme', '--name', 'Acme', '--realm', 'acme.test', '--country', 'AU')).code, 0);
      assert.equal((await cli(db, 'office', 'create', 'acme', '--name', 'Head Office', '--timezone', 'Australia/Sydney')).code, 0);
      const template = await cli(db, 'import-template');
      assert.match(template.stdout, /^extension,first_name,/);
      const lines = ['first_name,last_name,email,office,device_mac,device_model,vm_pin'];
      for (let i = 0; i < 250; i++) lines.push(`U${i},Test,u${i}@acme.test,Head Office,80:5e:c0:02:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')},yealink t54w,${20000 + i * 7}`);
      const file = join(dir, 'users.csv');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const bad = join(dir, 'bad.csv');
      writeFileSync(bad, 'first_name,office,email\n,Head Office,x\nOk,Nowhere,ok@acme.test\n');
      const b = await cli(db, 'import', 'acme', bad);
      assert.equal(b.code, 2);
      assert.match(b.stderr, /row 2 first_name: is required/);
      assert.match(b.stderr, /row 2 email: must be a valid email address/);
      assert.match(b.stderr, /row 3 office: is not an office of this PBX/);
      const dry = await cli(db, 'import', 'acme', file, '--dry-run', '--json');
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(JSON.parse(dry.stdout).creates, 250);
      const result = join(dir, 'result.csv');
      const ok = await cli(db, 'import', 'acme', file, '--result', result);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stderr, /loading +\[#{30}\] 250\/250 100%/);
      assert.match(ok.stdout, /done/);
      const res = parse(readFileSync(result, 'utf8'), { columns: true }) as Array<Record<string, string>>;
      assert.equal(res.length, 250);
      assert.ok(res.every((r) => r.action === 'created' && r.result === 'ok'));
      const exp = await cli(db, 'export', 'acme');
      const rows = parse(exp.stdout, { columns: true }) as Array<Record<string, string>>;
      assert.equal(rows.length, 250);
      assert.equal(rows[0]!.device_model, 'yealink t54w');
      assert.ok(!exp.stdout.includes('1000'), 'no PIN without --include-secrets');
      const again = await cli(db, 'import', 'acme', file);
      assert.equal(again.code, 2, 'same MACs/emails again: refused');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
