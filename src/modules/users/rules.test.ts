import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkExtension,
  emergencyClash,
  checkPin,
  generatePin,
  isTrivialPin,
  checkRingTime,
  mergeDeep,
  nextAvailableExtension,
  normaliseDestination,
  normaliseFeatures,
  reservedCodes,
  systemTags,
  defaultsFor,
  DEFAULT_FEATURES,
  validateUserFields,
} from './rules.ts';

const AU = { length: null, countries: ['AU'] } as const;

test('checkExtension: length, digits, mixing, emergency and reserved numbers', () => {
  const cases: Array<[string, { length: 3 | 4 | null; countries: readonly string[] }, RegExp | null]> = [
    ['100', AU, null],
    ['4321', AU, null],
    ['12', AU, /3 or 4 digits/],
    ['12345', AU, /3 or 4 digits/],
    ['1a1', AU, /digits only/],
    ['', AU, /digits only/],
    ['1000', { length: 3, countries: ['AU'] }, /must be 3 digits.*cannot be mixed/],
    ['100', { length: 4, countries: ['AU'] }, /must be 4 digits/],
    ['000', AU, /start with 0/],
    ['012', AU, /start with 0/],
    ['112', AU, /is the emergency number 112/],
    ['106', AU, /is the emergency number 106/],
    ['1061', AU, /starts with the emergency number 106/],
    ['999', AU, null],
    ['911', AU, null],
    ['999', { length: null, countries: ['IE'] }, /emergency number 999/],
    ['112', { length: null, countries: ['IE'] }, /emergency number 112/],
    ['999', { length: null, countries: ['GB'] }, /emergency number 999/],
    ['911', { length: null, countries: ['US'] }, /emergency number 911/],
    ['933', { length: null, countries: ['US'] }, /emergency number 933/],
    ['9330', { length: null, countries: ['US'] }, /starts with the emergency number 933/],
    ['999', { length: null, countries: ['US'] }, null],
    ['999', { length: null, countries: ['AU', 'GB'] }, /emergency number 999/],
    ['777', AU, /voicemail access code 777/],
    ['7771', AU, /starts with the voicemail access code/],
    ['776', AU, null],
  ];
  for (const [ext, ctx, expected] of cases) {
    const r = checkExtension(ext, ctx);
    if (expected === null) assert.equal(r, null, `${ext} in ${ctx.countries} should pass, got ${r}`);
    else assert.match(r ?? '', expected, `${ext} in ${ctx.countries} (length ${ctx.length})`);
  }
});

test('reservedCodes unions every country with 777', () => {
  assert.deepEqual(reservedCodes(['AU', 'US']), ['000', '106', '112', '777', '911', '933']);
});

test('emergencyClash: a new country may not make existing extensions emergency numbers', () => {
  const cases: Array<[string[], string, string[], RegExp | null]> = [
    [['100', '911', '250'], 'US', ['AU'], /^extension 911 is or starts with an emergency number of US \(911, 933\)/],
    [['9110', '9330', '1000'], 'US', ['AU'], /^extensions 9110, 9330 are or start with an emergency number of US/],
    [['911'], 'US', ['AU', 'US'], null], // US is already in the PBX: nothing new is reserved
    [['999', '112'], 'GB', ['AU'], /extensions 112, 999 are/],
    [['100', '200'], 'US', ['AU'], null],
    [['777'], 'US', ['AU'], null], // 777 is refused everywhere already, and is not an emergency number
    [['000', '106'], 'IE', ['AU'], null],
  ];
  for (const [exts, country, known, want] of cases) {
    const got = emergencyClash(exts, country, known);
    if (want === null) assert.equal(got, null, `${exts.join(',')} → ${country}`);
    else assert.match(got ?? '', want, `${exts.join(',')} → ${country}`);
  }
  const many = emergencyClash([...Array.from({ length: 10 }, (_, i) => String(9110 + i)), '9330', '9331', '1000'], 'US', ['AU']);
  assert.match(many ?? '', /and 2 more/);
});

test('nextAvailableExtension skips used, reserved and emergency numbers', () => {
  assert.equal(nextAvailableExtension(new Set(), AU), '100');
  assert.equal(nextAvailableExtension(new Set(), AU, 4), '1000');
  assert.equal(nextAvailableExtension(new Set(['100', '101']), AU), '102');
  // 106 (AU emergency), 112 (emergency) are skipped.
  const used = new Set(['100', '101', '102', '103', '104', '105']);
  assert.equal(nextAvailableExtension(used, AU), '107');
  const upTo111 = new Set(Array.from({ length: 12 }, (_, i) => String(100 + i)));
  assert.equal(nextAvailableExtension(upTo111, AU), '113');
  assert.equal(nextAvailableExtension(new Set(), { length: 4, countries: ['AU'] }), '1000');
  // A full 3-digit plan has no next extension.
  const all = new Set(Array.from({ length: 900 }, (_, i) => String(100 + i)));
  assert.equal(nextAvailableExtension(all, { length: 3, countries: ['AU'] }), null);
});

test('checkRingTime: 5..60 in steps of 5', () => {
  for (const ok of [5, 10, 40, 55, 60]) assert.equal(checkRingTime(ok), null, String(ok));
  for (const bad of [0, 4, 7, 61, 65, 40.5, -5]) assert.match(checkRingTime(bad) ?? '', /5 to 60 seconds in steps of 5/, String(bad));
});

test('checkPin: at least 4 digits, numbers only, not the extension, not a trivial sequence', () => {
  const cases: Array<[string, string | undefined, RegExp | null]> = [
    ['4826', undefined, null],
    ['1235', undefined, null],
    ['1212', undefined, null],
    ['1234', undefined, /trivial sequence/],
    ['0000', undefined, /trivial sequence/],
    ['987654', undefined, /trivial sequence/],
    ['0123456789', undefined, /trivial sequence/],
    ['482193', '100', null],
    ['123', undefined, /at least 4 digits/],
    ['12a4', undefined, /numbers only/],
    ['12 34', undefined, /numbers only/],
    ['1234567890123', undefined, /at most 12/],
    ['1000', '1000', /same as the extension/],
  ];
  for (const [pin, ext, expected] of cases) {
    const r = checkPin(pin, ext);
    if (expected === null) assert.equal(r, null, pin);
    else assert.match(r ?? '', expected, pin);
  }
});

test('systemTags follow seed 004 exactly', () => {
  const cases: Array<[{ email: string | null; pinSet: boolean; portalPasswordSet: boolean }, string[]]> = [
    [{ email: 'a@b.co', pinSet: false, portalPasswordSet: false }, ['new', 'password_required']],
    [{ email: 'a@b.co', pinSet: true, portalPasswordSet: false }, ['password_required']],
    [{ email: 'a@b.co', pinSet: false, portalPasswordSet: true }, []],
    [{ email: 'a@b.co', pinSet: true, portalPasswordSet: true }, []],
    [{ email: null, pinSet: false, portalPasswordSet: false }, ['setup_required', 'password_required']],
    [{ email: null, pinSet: true, portalPasswordSet: true }, ['setup_required']],
  ];
  for (const [input, expected] of cases) assert.deepEqual(systemTags(input), expected, JSON.stringify(input));
});

test('systemTags: a No Portal user never needs a portal password; a Call Routing user needs neither email nor password', () => {
  const noPortal = { scope: 'no_portal' };
  assert.deepEqual(systemTags({ email: 'a@b.co', pinSet: false, portalPasswordSet: false, ...noPortal }), ['new']);
  assert.deepEqual(systemTags({ email: 'a@b.co', pinSet: true, portalPasswordSet: false, ...noPortal }), []);
  assert.deepEqual(systemTags({ email: null, pinSet: false, portalPasswordSet: false, ...noPortal }), ['setup_required']);
  assert.deepEqual(systemTags({ email: null, pinSet: false, portalPasswordSet: false, scope: 'no_portal', userType: 'call_routing' }), []);
  assert.deepEqual(systemTags({ email: 'a@b.co', pinSet: false, portalPasswordSet: false, scope: 'basic_user', userType: 'call_routing' }), []);
  assert.deepEqual(defaultsFor('call_routing'), { scope: 'no_portal', voicemail: false });
  assert.deepEqual(defaultsFor('native'), { scope: 'basic_user', voicemail: true });
});

test('normaliseDestination: internal extension or E.164, never emergency or self', () => {
  const ctx = { extensionLength: 3 as const, country: 'AU', ownExtension: '100' };
  assert.deepEqual(normaliseDestination('101', ctx), { value: '101' });
  assert.deepEqual(normaliseDestination('0412 345 678', ctx), { value: '+61412345678' });
  assert.deepEqual(normaliseDestination('+1 212 555 0100', ctx), { value: '+12125550100' });
  assert.match(normaliseDestination('100', ctx).reason ?? '', /own extension/);
  assert.match(normaliseDestination('000', ctx).reason ?? '', /emergency/);
  assert.match(normaliseDestination('112', ctx).reason ?? '', /emergency/);
  assert.match(normaliseDestination('12', ctx).reason ?? '', /not a valid phone number/);
  // An internal-looking number is not accepted for smart calling (a mobile is required).
  assert.match(normaliseDestination('101', ctx, false).reason ?? '', /not a valid phone number/);
});

test('normaliseFeatures reports every bad field with its full path', () => {
  const ctx = { extensionLength: 3 as const, country: 'AU', ownExtension: '100' };
  const bad = mergeDeep(DEFAULT_FEATURES, {
    smartCalling: { enabled: true, number: null, timeout: 7 },
    divertAll: { enabled: true },
    divertBusy: { enabled: false, destination: 'abc' },
  });
  const { errors } = normaliseFeatures(bad, ctx);
  assert.deepEqual(
    errors.map((e) => e.field),
    ['features.smartCalling.timeout', 'features.smartCalling.number', 'features.divertAll.destination', 'features.divertBusy.destination'],
  );
  const good = mergeDeep(DEFAULT_FEATURES, { smartCalling: { enabled: true, number: '0412345678', type: 'parallel_delayed' }, divertNoAnswer: { enabled: true, destination: '101' } });
  const ok = normaliseFeatures(good, ctx);
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.value.smartCalling.number, '+61412345678');
  assert.equal(ok.value.divertNoAnswer.destination, '101');
});

test('mergeDeep merges nested objects and leaves the base untouched', () => {
  const base = { a: { b: 1, c: 2 }, d: [1], e: 'x' };
  const merged = mergeDeep(base, { a: { c: 3 }, d: [2, 3] });
  assert.deepEqual(merged, { a: { b: 1, c: 3 }, d: [2, 3], e: 'x' });
  assert.deepEqual(base, { a: { b: 1, c: 2 }, d: [1], e: 'x' });
});

test('validateUserFields names each field', () => {
  const errors = validateUserFields({ firstName: ' ', email: 'nope', altEmail: 'x@', ringTime: 3, voicemail: { pin: '12', email: 'bad' }, pickupGroup: '!!' }, '100');
  assert.deepEqual(errors.map((e) => e.field).sort(), ['altEmail', 'email', 'firstName', 'pickupGroup', 'ringTime', 'voicemail.email', 'voicemail.pin']);
});

test('generatePin: always passes checkPin, for the extension it is for; digits spread evenly', () => {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 3000; i++) {
    const pin = generatePin('100');
    assert.equal(pin.length, 6);
    assert.equal(checkPin(pin, '100'), null, pin);
    for (const d of pin) counts[Number(d)]!++;
  }
  // 18,000 digits: each about 1,800
  for (const c of counts) assert.ok(c > 1500 && c < 2100, String(counts));
  assert.equal(generatePin('1000', 4).length, 4);
  for (let i = 0; i < 500; i++) assert.notEqual(generatePin('4821', 4), '4821');
  assert.ok(isTrivialPin('5555') && !isTrivialPin('5556'));
});
