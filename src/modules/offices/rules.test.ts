import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidTimezone, normaliseAreaCode, parseDestination, validateOffice } from './rules.ts';

test('timezones are IANA names', () => {
  for (const tz of ['Australia/Sydney', 'Europe/Dublin', 'America/New_York', 'UTC']) assert.ok(isValidTimezone(tz), tz);
  for (const tz of ['Sydney', 'GMT+10', 'Australia/Atlantis', '']) assert.ok(!isValidTimezone(tz), tz);
});

test('area codes: AU closed plan with trunk zero, elsewhere 1-5 digits', () => {
  assert.deepEqual(normaliseAreaCode('02', 'AU'), { value: '02' });
  assert.deepEqual(normaliseAreaCode('3', 'AU'), { value: '03' });
  assert.match(normaliseAreaCode('05', 'AU').reason ?? '', /one of 02, 03, 07, 08/);
  assert.deepEqual(normaliseAreaCode('212', 'US'), { value: '212' });
  assert.match(normaliseAreaCode('12a', 'US').reason ?? '', /1 to 5 digits/);
  assert.match(normaliseAreaCode('123456', 'IE').reason ?? '', /1 to 5 digits/);
});

test('validateOffice normalises and reports every field', () => {
  const ok = validateOffice({ name: '  Sydney   HQ ', country: 'au', timezone: 'Australia/Sydney', areaCode: '2', defaultOutboundNumber: '02 9123 4567' });
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.office, {
    name: 'Sydney HQ',
    nameKey: 'sydney hq',
    country: 'AU',
    timezone: 'Australia/Sydney',
    areaCode: '02',
    defaultOutboundNumber: '+61291234567',
    onHoldMusic: 'default',
    dayDestination: 'none',
    nightDestination: 'none',
  });
  const bad = validateOffice({ name: ' ', country: 'XX', timezone: 'Nowhere', areaCode: 'ab', defaultOutboundNumber: '000' });
  assert.deepEqual(bad.errors.map((e) => e.field), ['name', 'country', 'timezone', 'areaCode', 'defaultOutboundNumber']);
});

test('Day/Night destinations: extension, voicemail:<ext>, busy, none; anything else names the field', () => {
  const base = { name: 'HQ', country: 'AU', timezone: 'Australia/Sydney' };
  const ok = validateOffice({ ...base, dayDestination: ' 101 ', nightDestination: 'VoiceMail:101' });
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.office.dayDestination, '101');
  assert.equal(ok.office.nightDestination, 'voicemail:101');
  assert.equal(validateOffice({ ...base, dayDestination: 'BUSY', nightDestination: '' }).office.nightDestination, 'none');
  const bad = validateOffice({ ...base, dayDestination: '+61291234567', nightDestination: 'voicemail:' });
  assert.deepEqual(bad.errors.map((e) => e.field), ['dayDestination', 'nightDestination']);
  assert.match(bad.errors[0]!.reason, /extension/);
  assert.deepEqual(parseDestination('vm:7001'), { kind: 'voicemail', extension: '7001' });
  assert.equal(parseDestination('ext 101'), null);
});
