import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downloadName, isMediaId, mediaFileName, normaliseMediaName, storedDurationMs } from './rules.ts';

test('track names: trimmed and collapsed, 1–80 characters, no control characters, not the built-in name', () => {
  const cases: Array<[unknown, string | null, string | null]> = [
    ['  Cool   Jazz ', 'Cool Jazz', null],
    ['Åsa Mix', 'Åsa Mix', null],
    ['', null, 'must not be blank'],
    ['   ', null, 'must not be blank'],
    ['x'.repeat(81), null, 'must be at most 80 characters'],
    ['bad\u0007name', null, 'must not contain control characters'],
    ['default', null, "is the built-in track's name; choose another"],
    [' DEFAULT ', null, "is the built-in track's name; choose another"],
    [undefined, null, 'is required'],
    [42, null, 'is required'],
  ];
  for (const [raw, name, reason] of cases) {
    const r = normaliseMediaName(raw);
    assert.equal(r.name ?? null, name, String(raw));
    assert.equal(r.error?.reason ?? null, reason, String(raw));
    if (r.error) assert.equal(r.error.field, 'name');
    if (name) assert.equal(r.key, name.toLowerCase());
  }
});

test('media ids and file names: the built-in or a UUID, never anything a person typed', () => {
  assert.equal(isMediaId('default'), true);
  assert.equal(isMediaId('0b6f0c55-1c7e-4c1e-9b2a-5a4d2f1e3c00'), true);
  for (const bad of ['jazz', '../default', 'default.wav', '0B6F0C55-1C7E-4C1E-9B2A-5A4D2F1E3C00', '']) assert.equal(isMediaId(bad), false, bad);
  assert.equal(mediaFileName('default'), 'default.wav');
  assert.throws(() => mediaFileName('../../etc/passwd'), /invalid media id/);
});

test('duration from a stored WAV size, and safe download names', () => {
  assert.equal(storedDurationMs(44 + 16000), 1000);
  assert.equal(storedDurationMs(10), 0);
  assert.equal(downloadName('Cool Jazz / "live"'), 'Cool-Jazz-live.wav');
  assert.equal(downloadName('日本'), 'track.wav');
});
