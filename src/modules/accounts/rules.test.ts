import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAccountCode, checkCountry, checkSipRealm, validateAccountCreate } from './rules.ts';

test('account codes', () => {
  for (const ok of ['acme', 'ab', 'acme-corp', 'a1']) assert.equal(checkAccountCode(ok), null, ok);
  for (const bad of ['A', 'Acme', '1acme', 'acme-', 'ac me', 'a'.repeat(33), 'acme_corp']) assert.ok(checkAccountCode(bad), bad);
});

test('SIP realms are lowercase DNS names with a dot', () => {
  for (const ok of ['acme.pbx.example', 'a.b', 'x-1.hostedpbx.ie']) assert.equal(checkSipRealm(ok), null, ok);
  for (const bad of ['localhost', 'Acme.pbx.example', 'acme..example', '-a.example', 'a_b.example']) assert.ok(checkSipRealm(bad), bad);
});

test('countries', () => {
  assert.equal(checkCountry('AU'), null);
  assert.ok(checkCountry('XX'));
  assert.ok(checkCountry('au'));
  assert.deepEqual(validateAccountCreate({ code: 'Bad', name: ' ', sipRealm: 'nope', country: 'XX' }).map((e) => e.field), ['code', 'sipRealm', 'country', 'name']);
});

test('SIP transport: udp or tls only', async () => {
  const { validateAccountUpdate } = await import('./rules.ts');
  for (const ok of ['udp', 'tls'] as const) assert.deepEqual(validateAccountUpdate({ sipTransport: ok }), [], ok);
  for (const bad of ['tcp', 'TLS', '', 'ws']) assert.deepEqual(validateAccountUpdate({ sipTransport: bad as 'udp' }).map((e) => e.field), ['sipTransport'], bad);
});
