import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, csvSafe, diff, isSecretKey, redact, splitEventType } from './rules.ts';

test('secret keys are recognised; "is set" flags are not secrets', () => {
  for (const k of ['password', 'sipPassword', 'sip_password', 'pin', 'vm_pin', 'portal_password_hash', 'token', 'key', 'keyHash', 'secret', 'newPassword'])
    assert.equal(isSecretKey(k), true, k);
  for (const k of ['pinSet', 'portalPasswordSet', 'email', 'sipUsername', 'prefix', 'pickupGroup', 'scope']) assert.equal(isSecretKey(k), false, k);
});

test('redact() replaces secrets at any depth and leaves the rest', () => {
  const input = { email: 'a@b.c', sipPassword: 'S3cret', voicemail: { pin: '1234', pinSet: true }, list: [{ token: 't' }], pin: null };
  assert.deepEqual(redact(input), { email: 'a@b.c', sipPassword: REDACTED, voicemail: { pin: REDACTED, pinSet: true }, list: [{ token: REDACTED }], pin: null });
  assert.equal(JSON.stringify(redact(input)).includes('S3cret'), false);
  assert.equal(redact(undefined), null);
  // flags about secrets are not secrets
  assert.deepEqual(redact({ includeSecrets: true, password: true, token: false, secret: 'x' }), { includeSecrets: true, password: true, token: false, secret: REDACTED });
});

test('diff() keeps only what changed, recursing into objects', () => {
  const d = diff({ a: 1, b: { x: 1, y: 2 }, c: [1], updatedAt: 't1' }, { a: 1, b: { x: 1, y: 3 }, c: [1, 2], updatedAt: 't2' });
  assert.deepEqual(d, { before: { b: { y: 2 }, c: [1] }, after: { b: { y: 3 }, c: [1, 2] } });
  assert.deepEqual(diff(undefined, { a: 1 }), { before: undefined, after: { a: 1 } });
});

test('event types split into resource and action', () => {
  assert.deepEqual(splitEventType('user.password_set'), { resource: 'user', action: 'password_set' });
  assert.deepEqual(splitEventType('session.login'), { resource: 'session', action: 'login' });
});

test('CSV cells that a spreadsheet would run as formulas are neutralised', () => {
  for (const v of ['=1+1', '+SUM(A1)', '-2', '@cmd', '\tx']) assert.equal(csvSafe(v), `'${v}`);
  for (const v of ['plain', '{"a":1}', '2026-01-01']) assert.equal(csvSafe(v), v);
});
