import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURES, mergeDeep } from '../users/rules.ts';
import type { Features } from '../users/schema.ts';
import { rewriteDestination, rewriteFeatures, rewriteLineKeys } from './rules.ts';

test('rewriteFeatures: every diversion naming the old extension, enabled or not; others untouched', () => {
  const f = mergeDeep<Features>(DEFAULT_FEATURES, {
    divertAll: { enabled: false, destination: '204' },
    divertNoAnswer: { enabled: true, destination: '204' },
    divertBusy: { enabled: true, destination: '2045' },
  });
  const r = rewriteFeatures(f, '204', '214');
  assert.deepEqual(r.changed, ['divertAll', 'divertNoAnswer']);
  assert.equal(r.features.divertAll.destination, '214');
  assert.equal(r.features.divertAll.enabled, false);
  assert.equal(r.features.divertNoAnswer.destination, '214');
  assert.equal(r.features.divertBusy.destination, '2045', 'a longer number that starts with it is another destination');
  assert.equal(f.divertAll.destination, '204', 'the input is not mutated');
  const none = rewriteFeatures(f, '999', '214');
  assert.equal(none.features, f);
  assert.deepEqual(none.changed, []);
});

test('rewriteDestination: the extension, and the mailbox form only for a user (a group has no mailbox)', () => {
  const cases: Array<[string, boolean, string | null]> = [
    ['204', true, '214'],
    ['voicemail:204', true, 'voicemail:214'],
    ['voicemail:204', false, null],
    ['204', false, '214'],
    ['busy', true, null],
    ['none', true, null],
    ['2045', true, null],
    ['voicemail:2045', true, null],
  ];
  for (const [dest, mailbox, want] of cases) assert.equal(rewriteDestination(dest, '204', '214', mailbox), want, `${dest} (${mailbox})`);
});

test('rewriteLineKeys: BLF and speed dial holding exactly the old extension; a label equal to it follows; line keys stay', () => {
  const keys = [
    { type: 'line' as const },
    { type: 'blf' as const, value: '204', label: 'Anna' },
    { type: 'speed_dial' as const, value: '204', label: '204' },
    { type: 'speed_dial' as const, value: '0291234204' },
    { type: 'blf' as const, value: '205' },
  ];
  const r = rewriteLineKeys(keys, '204', '214');
  assert.deepEqual(r.changed, [{ index: 1, type: 'blf' }, { index: 2, type: 'speed_dial' }]);
  assert.deepEqual(r.keys, [
    { type: 'line' },
    { type: 'blf', value: '214', label: 'Anna' },
    { type: 'speed_dial', value: '214', label: '214' },
    { type: 'speed_dial', value: '0291234204' },
    { type: 'blf', value: '205' },
  ]);
  assert.equal(rewriteLineKeys(keys, '999', '214').keys, keys);
});
