/**
 * The production systemd units (deploy/systemd/, docs/sip.md "Running in production"): each parses as a unit
 * file, runs a command the CLI really has, reads the environment file, is hardened; and `systemd-analyze verify`
 * accepts them where that tool exists (skipped, saying so, where it does not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DIR = join(ROOT, 'deploy/systemd');
const UNITS = readdirSync(DIR).filter((f) => f.endsWith('.service')).sort();

type Unit = Record<string, Record<string, string[]>>;

/** A unit file as sections of keys (a key may repeat); throws on a line that is neither. */
function parseUnit(text: string, name: string): Unit {
  const unit: Unit = {};
  let section: string | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const s = /^\[([A-Za-z]+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      unit[section] ??= {};
      return;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!kv || !section) throw new Error(`${name}:${i + 1}: not a section or Key=value: ${raw}`);
    (unit[section]![kv[1]!] ??= []).push(kv[2]!);
  });
  return unit;
}

test('the units exist: API, SIP server and voicemail', () => {
  assert.deepEqual(UNITS, ['switchboard-api.service', 'switchboard-sip.service', 'switchboard-voicemail.service']);
});

test('each unit parses, reads the environment file, runs a real CLI command, and is hardened', () => {
  const cli = readFileSync(join(ROOT, 'src/cli.ts'), 'utf8') + readFileSync(join(ROOT, 'src/modules/sip/cli.ts'), 'utf8');
  for (const name of UNITS) {
    const u = parseUnit(readFileSync(join(DIR, name), 'utf8'), name);
    assert.deepEqual(Object.keys(u).sort(), ['Install', 'Service', 'Unit'], name);
    const svc = u.Service!;
    assert.deepEqual(svc.EnvironmentFile, ['/etc/switchboard/switchboard.env'], name);
    assert.deepEqual(svc.User, ['switchboard'], `${name} runs as its own user`);
    for (const [k, v] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['StateDirectory', 'switchboard'], ['UMask', '0077']] as const) {
      assert.deepEqual(svc[k], [v], `${name}: ${k}=${v}`);
    }
    const exec = svc.ExecStart![0]!.split(/\s+/);
    assert.equal(exec[0], '/usr/bin/node', name);
    assert.equal(exec[1], '/opt/switchboard/bin/switchboard.js', name);
    // the subcommand and every option the unit passes are defined by the CLI
    const [cmd, sub] = exec.slice(2);
    assert.match(cli, new RegExp(`\\.command\\('${cmd}'\\)`), `${name}: command ${cmd}`);
    if (sub && !sub.startsWith('-')) assert.match(cli, new RegExp(`\\.command\\('${sub}'\\)`), `${name}: command ${cmd} ${sub}`);
    for (const opt of exec.filter((a) => a.startsWith('--'))) assert.ok(cli.includes(`'${opt}`), `${name}: option ${opt}`);
    assert.deepEqual(u.Install!.WantedBy, ['multi-user.target'], name);
  }
  const sip = parseUnit(readFileSync(join(DIR, 'switchboard-sip.service'), 'utf8'), 'sip');
  assert.deepEqual(sip.Service!.AmbientCapabilities, ['CAP_NET_BIND_SERVICE'], 'port 5060 without root');
  assert.deepEqual(sip.Unit!.Requires, ['switchboard-api.service'], 'Kamailio asks the API service for routes');
  assert.throws(() => parseUnit('[Service]\nnot a key\n', 'bad'), /not a section or Key=value/);
});

test('systemd-analyze verify accepts the units', (t) => {
  const tool = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
  if (!tool) return t.skip('systemd-analyze is not installed here: only the parse checks above ran');
  // exits non-zero on a broken unit (missing binary, bad value); an unknown key is only a warning on stderr
  const r = spawnSync(tool, ['verify', ...UNITS.map((f) => join(DIR, f))], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unknown|ignoring|not executable|Failed/i, r.stderr);
});
