import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyDialled, emergencyNumbersFor, toE164 } from './phone.ts';

test('toE164 parses national and international forms per country', () => {
  const cases: Array<[string, string, string | RegExp]> = [
    ['02 9123 4567', 'AU', '+61291234567'],
    ['(02) 9123-4567', 'AU', '+61291234567'],
    ['+61 2 9123 4567', 'AU', '+61291234567'],
    ['0412 345 678', 'AU', '+61412345678'],
    ['01 234 5678', 'IE', '+35312345678'],
    ['020 7946 0018', 'GB', '+442079460018'],
    ['(212) 555-0100', 'US', '+12125550100'],
    ['000', 'AU', /emergency/],
    ['911', 'US', /emergency/],
    ['999', 'IE', /emergency/],
    ['12', 'AU', /not a valid phone number for AU/],
    ['02 9123 456a', 'AU', /may only contain digits/],
    ['', 'AU', /is empty/],
  ];
  for (const [input, country, expected] of cases) {
    const r = toE164(input, country);
    if (typeof expected === 'string') assert.deepEqual(r, { ok: true, e164: expected }, `${input} ${country}`);
    else assert.match(r.ok ? '' : r.reason, expected, `${input} ${country}`);
  }
});

test('emergency numbers per country, with a safe default', () => {
  assert.deepEqual(emergencyNumbersFor('AU'), ['000', '112', '106']);
  assert.deepEqual(emergencyNumbersFor('ie'), ['999', '112']);
  assert.deepEqual(emergencyNumbersFor('US'), ['911', '933']);
  assert.deepEqual(emergencyNumbersFor('ZZ'), ['112', '911']);
});

test('classifyDialled: emergency, local, national, mobile, international', () => {
  const cases: Array<[string, string, string | null, string]> = [
    ['000', 'AU', '02', 'emergency'],
    ['0291234567', 'AU', '02', 'local'],
    ['0391234567', 'AU', '02', 'national'],
    ['0412345678', 'AU', '02', 'mobile'],
    ['+12125550100', 'AU', '02', 'international'],
    ['0011 1 212 555 0100', 'AU', '02', 'international'],
    ['12', 'AU', '02', 'invalid'],
  ];
  for (const [dialled, country, area, expected] of cases) assert.equal(classifyDialled(dialled, country, area), expected, dialled);
});
