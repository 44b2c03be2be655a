import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

it('request logs of /prov/ never carry the path token or the provisioning password', () => {
  const fixture = fileURLToPath(new URL('../../../test/support/prov-log-fixture.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout + r.stderr;
  assert.match(out, /"url":"\/prov\/\[token\]\/805ec0123456\.cfg"/);
  assert.match(out, /"reason":"bad_token"/, 'the refusal is logged');
  assert.match(out, /"reason":"bad_credentials"/);
  assert.match(out, /"url":"\/prov\/\[token\]\/805ec0123456\.cfg"[^\n]*\n[^\n]*"statusCode":404/, 'a path matching no route is logged, token hidden');
  assert.match(out, /"url":"\/prov\/\[token\]\/%ZZ\.cfg"/, 'a badly encoded path is logged, token hidden');
  assert.doesNotMatch(out, /SECRET/);
});
