import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { storeKinds } from './support/stores.ts';
import { startTestServer, type TestServer } from './support/http.ts';
import { fakeMailer } from '../src/modules/auth/mailer.ts';

const BIN = fileURLToPath(new URL('../bin/switchboard.js', import.meta.url));

function cli(database: string, args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--database', database, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SWITCHBOARD_PASSWORD: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

for (const { kind, skip } of await storeKinds()) {
  describe(`CLI: provider admins, API keys, passwords, audit (${kind})`, { skip }, () => {
    let s: TestServer;
    let db: string;
    let userId: string;

    before(async () => {
      s = await startTestServer(kind, { auth: { mailer: fakeMailer() } });
      db = s.store.database.description;
      await s.api('POST', '/api/v1/accounts', { code: 'acme', name: 'Acme', sipRealm: 'acme.pbx.test', country: 'AU' });
      const office = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'HQ', timezone: 'UTC' });
      const u = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Mia', email: 'mia@acme.test', officeId: office.body.id, scope: 'site_manager' });
      userId = u.body.id;
    });
    after(() => s?.close());

    test('provider-admin create (password on stdin), then log in as provider', async () => {
      const weak = await cli(db, ['provider-admin', 'create', '--email', 'ops@provider.test', '--password', 'weak']);
      assert.equal(weak.code, 2);
      assert.match(weak.stderr, /password: must be at least 10 characters/);
      const r = await cli(db, ['provider-admin', 'create', '--email', 'ops@provider.test', '--password-stdin'], 'Cli-Provider-Pass-5\n');
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes('Cli-Provider-Pass-5'));
      const login = await s.api('POST', '/api/v1/auth/login', { account: 'provider', email: 'ops@provider.test', password: 'Cli-Provider-Pass-5' }, {});
      assert.equal(login.status, 200);
      assert.equal(login.body.actor.kind, 'provider');
    });

    test('apikey create/list/revoke: printed once, works over HTTP, revocation is immediate', async () => {
      const r = await cli(db, ['apikey', 'create', '--account', 'acme', '--scope', 'basic_user', '--user', 'mia@acme.test', '--name', 'deploy']);
      assert.equal(r.code, 0, r.stderr);
      const key = r.stdout.split('\n')[0]!;
      assert.match(key, /^sbk_/);
      const me = await s.api('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${key}` });
      assert.equal(me.status, 200);
      assert.deepEqual([me.body.actor.scope, me.body.actor.userId], ['basic_user', userId]);
      const list = await cli(db, ['apikey', 'list', '--account', 'acme', '--json']);
      const items = JSON.parse(list.stdout).items as Array<{ id: string; name: string }>;
      assert.deepEqual(
        items.map((k) => k.name),
        ['deploy'],
      );
      assert.ok(!list.stdout.includes(key));
      const above = await cli(db, ['apikey', 'create', '--account', 'acme', '--scope', 'office_manager', '--user', 'mia@acme.test']);
      assert.equal(above.code, 2);
      assert.match(above.stderr, /scope: may not be above the user's own scope/);
      const rev = await cli(db, ['apikey', 'revoke', '--account', 'acme', items[0]!.id]);
      assert.equal(rev.code, 0, rev.stderr);
      assert.equal((await s.api('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${key}` })).status, 401);
    });

    test('login set-password, and the CLI changes are in the audit log with source "cli"', async () => {
      const r = await cli(db, ['login', 'set-password', 'acme', 'mia@acme.test', '--password-stdin'], 'Mia-From-Cli-77\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await s.api('POST', '/api/v1/auth/login', { account: 'acme', email: 'mia@acme.test', password: 'Mia-From-Cli-77' }, {})).status, 200);
      const audit = await cli(db, ['audit', 'acme', '--json', '--limit', '50']);
      const entries = JSON.parse(audit.stdout).items as Array<{ resource: string; action: string; source: string; actor: { kind: string } }>;
      const fromCli = entries.filter((e) => e.source === 'cli').map((e) => `${e.resource}.${e.action}`);
      for (const t of ['user.password_set', 'apikey.created', 'apikey.revoked']) assert.ok(fromCli.includes(t), `${t} in ${fromCli.join(', ')}`);
      const csv = await cli(db, ['audit', 'acme', '--csv']);
      assert.ok(csv.stdout.startsWith('at,accountId,actorKind'));
      assert.ok(!csv.stdout.includes('Mia-From-Cli-77'));
    });
  });
}
