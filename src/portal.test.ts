import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeKinds } from '../test/support/stores.ts';
import { startTestServer, type TestServer } from '../test/support/http.ts';

/** The portal is served at / with a single-page-app fallback that never swallows the API. */
function fakeDist(withIndex: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-portal-'));
  mkdirSync(join(dir, 'assets'));
  if (withIndex) writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Switchboard</title><div id="root"></div><script type="module" src="/assets/app-1a2b.js"></script>');
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'console.log("portal")');
  return dir;
}

for (const { kind, skip } of await storeKinds()) {
  describe(`portal serving (${kind})`, { skip }, () => {
    let srv: TestServer;
    let dist: string;
    before(async () => {
      dist = fakeDist(true);
      srv = await startTestServer(kind, { portalDist: dist });
    });
    after(async () => {
      await srv?.close();
      rmSync(dist, { recursive: true, force: true });
    });
    const get = (path: string, init: RequestInit = {}) => fetch(srv.baseUrl + path, init);

    test('serves the portal at / with a strict CSP and no caching of the page', async () => {
      const res = await get('/');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await res.text(), /<div id="root">/);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('cache-control'), 'no-cache');
    });

    test('deep links and reloads get index.html (SPA fallback)', async () => {
      for (const path of ['/users/5c2e', '/users/new?office=abc', '/me', '/login']) {
        const res = await get(path);
        assert.equal(res.status, 200, path);
        assert.match(await res.text(), /<div id="root">/, path);
      }
    });

    test('hashed assets are cached for good; a missing asset is a 404, not the page', async () => {
      const js = await get('/assets/app-1a2b.js');
      assert.equal(js.status, 200);
      assert.match(js.headers.get('cache-control') ?? '', /immutable/);
      assert.equal(await js.text(), 'console.log("portal")');
      const missing = await get('/assets/nope-123.js');
      assert.equal(missing.status, 404);
      assert.doesNotMatch(await missing.text(), /<div id="root">/);
    });

    test('the API, provisioning and non-GET requests never fall back to the page', async () => {
      const unknownApi = await srv.api('GET', '/api/v1/no-such-thing');
      assert.equal(unknownApi.status, 404);
      assert.equal(unknownApi.body.error, 'not_found');
      const anonymous = await get('/api/v1/accounts');
      assert.equal(anonymous.status, 401);
      const prov = await get('/prov/nothing-here.cfg');
      assert.notEqual(prov.status, 200);
      assert.doesNotMatch(await prov.text(), /<div id="root">/);
      const post = await get('/users/5c2e', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(post.status, 404);
      assert.doesNotMatch(await post.text(), /<div id="root">/);
      const health = await get('/healthz');
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    });
  });
}

describe('portal not built', () => {
  let srv: TestServer;
  let dist: string;
  before(async () => {
    dist = fakeDist(false);
    srv = await startTestServer('sqlite', { portalDist: dist });
  });
  after(async () => {
    await srv?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  test('/ says how to build it, and other paths are plain 404s', async () => {
    const res = await fetch(`${srv.baseUrl}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /npm run build:web/);
    const deep = await fetch(`${srv.baseUrl}/users/abc`);
    assert.equal(deep.status, 404);
  });
});
