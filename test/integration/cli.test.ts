import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'switchboard.js');

function cli(db: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--database', db, ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('CLI: account, number, office and user create/list/show with --json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
  const db = join(dir, 'cli.sqlite');
  try {
    const acc = cli(db, 'account', 'create', '--code', 'acme', '--name', 'Acme', '--realm', 'acme.pbx.example', '--country', 'IE', '--json');
    assert.equal(acc.code, 0, acc.err);
    assert.equal(JSON.parse(acc.out).sipRealm, 'acme.pbx.example');
    assert.equal(cli(db, 'number', 'add', 'acme', '01 234 5678').code, 0);
    const office = cli(db, 'office', 'create', 'acme', '--name', 'Dublin', '--timezone', 'Europe/Dublin', '--outbound', '01 234 5678', '--json');
    assert.equal(office.code, 0, office.err);
    const officeId = JSON.parse(office.out).id;
    const user = cli(db, 'user', 'create', 'acme', '--first-name', 'Aoife', '--last-name', 'Byrne', '--email', 'aoife@acme.ie', '--office', officeId, '--json');
    assert.equal(user.code, 0, user.err);
    const created = JSON.parse(user.out);
    assert.equal(created.extension, '100');
    assert.equal(created.sipPassword.length, 20, 'create shows the SIP password once');
    const emergency = cli(db, 'user', 'create', 'acme', '--first-name', 'X', '--office', officeId, '--extension', '999');
    assert.equal(emergency.code, 2);
    assert.match(emergency.err, /extension: is the emergency number 999/);
    const list = cli(db, 'user', 'list', 'acme', '--json');
    assert.equal(list.code, 0, list.err);
    const listed = JSON.parse(list.out);
    assert.equal(listed.total, 1);
    assert.ok(!list.out.includes(created.sipPassword), 'lists never show the SIP password');
    const table = cli(db, 'user', 'list', 'acme');
    assert.match(table.out, /100\s+Aoife Byrne\s+aoife@acme.ie/);
    assert.equal(JSON.parse(cli(db, 'user', 'show', 'acme', created.id, '--json').out).displayName, 'Aoife Byrne');
    assert.equal(JSON.parse(cli(db, 'office', 'list', 'acme', '--json').out).items[0].userCount, 1);
    // Day/Night: destinations and the mode in one go; a bad destination names the field
    const dn = cli(db, 'office', 'day-night', 'acme', officeId, 'night', '--day', '100', '--night', 'voicemail:100', '--json');
    assert.equal(dn.code, 0, dn.err);
    assert.deepEqual(
      (({ dayNightMode, dayDestination, nightDestination }) => ({ dayNightMode, dayDestination, nightDestination }))(JSON.parse(dn.out)),
      { dayNightMode: 'night', dayDestination: '100', nightDestination: 'voicemail:100' },
    );
    const badDn = cli(db, 'office', 'day-night', 'acme', officeId, '--day', '555');
    assert.equal(badDn.code, 2);
    assert.match(badDn.err, /dayDestination: no user or ring group has extension 555/);
    assert.equal(cli(db, 'office', 'day-night', 'acme', officeId, 'evening').code, 2);
    const missing = cli(db, 'account', 'show', 'nope');
    assert.equal(missing.code, 4);
    assert.match(missing.err, /account not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve: a fresh data dir gets a demo tenant and a provider key; the API answers with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-serve-'));
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, PORT: String(port), SWITCHBOARD_DATA_DIR: dir, DATABASE_URL: '', SWITCHBOARD_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Switchboard on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
    });
    const key = readFileSync(join(dir, 'provider-api-key'), 'utf8').trim();
    assert.ok(out.includes(key), 'the key is printed once at first start');
    const headers = { authorization: `Bearer ${key}` };
    const users = (await (await fetch(`http://127.0.0.1:${port}/api/v1/accounts/demo/users?includeTotal=true&limit=100`, { headers })).json()) as { total: number; items: Array<Record<string, unknown>> };
    const offices = (await (await fetch(`http://127.0.0.1:${port}/api/v1/accounts/demo/offices`, { headers })).json()) as { items: Array<{ name: string; onHoldMusic: string }> };
    assert.equal(users.total, 12);
    assert.deepEqual(offices.items.map((o) => o.name), ['Melbourne', 'Sydney HQ']);
    // hold music: both demo offices play the built-in track, written into the media folder at start
    assert.deepEqual(offices.items.map((o) => o.onHoldMusic), ['default', 'default']);
    assert.equal(readFileSync(join(dir, 'media', 'default.wav')).subarray(0, 4).toString('latin1'), 'RIFF');
    const media = (await (await fetch(`http://127.0.0.1:${port}/api/v1/accounts/demo/media`, { headers })).json()) as { items: Array<{ id: string; durationMs: number }> };
    assert.equal(media.items[0]!.id, 'default');
    assert.ok(media.items[0]!.durationMs >= 20_000, `default track ${media.items[0]!.durationMs} ms`);
    assert.ok(!out.includes('sipPassword') && !users.items.some((u) => 'sipPassword' in u));
    // The demo PBX starts applied: no banner of changes nobody made.
    const pending = (await (await fetch(`http://127.0.0.1:${port}/api/v1/accounts/demo/config/pending`, { headers })).json()) as { pending: boolean; version: number; changes: unknown[] };
    assert.equal(pending.pending, false);
    assert.equal(pending.version, 1);
    assert.deepEqual(pending.changes, []);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
