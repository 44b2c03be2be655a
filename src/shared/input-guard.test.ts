import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlCharFields, hasControlChar } from './input-guard.ts';

test('hasControlChar: NUL and C0 controls; tab and line breaks only in multi-line text', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['plain', false, false],
    ['Åsa Öberg ☎', false, false],
    ['a\u0000b', true, true],
    ['a\u0007b', true, true],
    ['a\u007fb', true, true],
    ['a\tb', true, false],
    ['a\nb\r\n', true, false],
  ];
  for (const [s, single, multi] of cases) {
    assert.equal(hasControlChar(s), single, JSON.stringify(s));
    assert.equal(hasControlChar(s, true), multi, JSON.stringify(s));
  }
});

test('controlCharFields names each offending field by its dotted path', () => {
  assert.deepEqual(controlCharFields({ a: 'ok', b: { c: 'x\u0000' }, d: ['ok', 'y\u0001'] }).map((f) => f.field), ['b.c', 'd.1']);
  assert.deepEqual(controlCharFields('x\u0000', { root: 'body' }).map((f) => f.field), ['body']);
  assert.deepEqual(controlCharFields({ 'k\u0000': 1 }).map((f) => f.field), ['k?']);
  assert.deepEqual(controlCharFields({ n: 1, b: true, z: null }), []);
  // deep nesting does not exhaust the stack
  let deep: unknown = 'x\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(controlCharFields(deep).length, 1);
});
