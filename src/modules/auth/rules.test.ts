import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryRateCounter } from '../../shared/rate-counter.ts';
import { RateLimiter, checkKeyGrant, checkPasswordStrength, clearedSessionCookie, csrfSafe, isStateChanging, minScope, passwordErrors, portalUrlProblem, readCookie, sessionCookie } from './rules.ts';
import type { Actor } from '../../shared/permissions.ts';

test('password policy: accepts strong passwords and passphrases', () => {
  for (const p of ['Blue-Kettle-42x', 'correct horse battery staple', 'Zq8!mW2#rT', 'ünïcode-Pässwörd-9']) assert.equal(checkPasswordStrength(p), null, p);
});

test('password policy: refuses weak ones with a reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /required/],
    ['Ab1!', /at least 10/],
    ['password123', /too common/],
    ['Password123', /too common/],
    ['aaaaaaaaaaaa', /different characters/],
    ['abcdefghijk', /three of/],
    ['abcdefgh12', /three of/],
    [' Blue-Kettle-42x', /space/],
    ['x'.repeat(300), /at most 256/],
  ];
  for (const [p, reason] of cases) assert.match(checkPasswordStrength(p) ?? 'ACCEPTED', reason, JSON.stringify(p));
});

test('password policy: refuses personal data (email, name, account code, extension)', () => {
  const ctx = { email: 'olivia.nguyen@acme.test', accountCode: 'acme-corp', firstName: 'Olivia', lastName: 'Nguyen', extension: '1234' };
  assert.match(checkPasswordStrength('Olivia.Nguyen-2025!', ctx) ?? '', /name, email or the account/);
  assert.match(checkPasswordStrength('Acme-Corp-2025!x', ctx) ?? '', /name, email or the account/);
  assert.match(checkPasswordStrength('Olivia#Rocks99', ctx) ?? '', /name, email/);
  assert.equal(checkPasswordStrength('Blue-Kettle-42x', ctx), null);
  assert.deepEqual(passwordErrors('short', ctx), [{ field: 'password', reason: 'must be at least 10 characters' }]);
});

test('cookies: read one cookie among many; set and clear with the right attributes', () => {
  assert.equal(readCookie('a=1; sb_session=abc%2Fdef; b=2', 'sb_session'), 'abc/def');
  assert.equal(readCookie(['x=1', 'sb_session=tok'], 'sb_session'), 'tok');
  assert.equal(readCookie('sb_sessionx=1', 'sb_session'), null);
  assert.equal(readCookie(undefined, 'sb_session'), null);
  assert.equal(readCookie('sb_session=%E0%A4%A', 'sb_session'), null);
  const c = sessionCookie('tok', 3600, false);
  assert.match(c, /^sb_session=tok; /);
  for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=3600']) assert.ok(c.includes(attr), attr);
  assert.ok(!c.includes('Secure'));
  assert.ok(sessionCookie('tok', 1, true).endsWith('; Secure'));
  assert.match(clearedSessionCookie(false), /Max-Age=0/);
});

test('CSRF: cookie-authenticated writes need JSON or the x-requested-with header', () => {
  assert.equal(csrfSafe({ 'content-type': 'application/json' }), true);
  assert.equal(csrfSafe({ 'content-type': 'application/json; charset=utf-8' }), true);
  assert.equal(csrfSafe({ 'x-requested-with': 'switchboard' }), true);
  assert.equal(csrfSafe({ 'content-type': 'text/plain' }), false);
  assert.equal(csrfSafe({ 'content-type': 'application/x-www-form-urlencoded' }), false);
  assert.equal(csrfSafe({ 'content-type': 'application/jsonx' }), false);
  assert.equal(csrfSafe({}), false);
  assert.deepEqual(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'].map(isStateChanging), [false, false, false, true, true, true, true]);
});

test('rate limiter: blocks after max hits in the window, tells how long, and resets', async () => {
  let now = 1_000_000;
  const rl = new RateLimiter(3, 60_000, memoryRateCounter(), '', () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(await rl.blockedFor('k'), 0);
    await rl.hit('k');
  }
  assert.equal(await rl.blockedFor('k'), 60);
  assert.equal(await rl.blockedFor('other'), 0, 'keys are independent');
  now += 30_500;
  assert.equal(await rl.blockedFor('k'), 30);
  now += 30_000;
  assert.equal(await rl.blockedFor('k'), 0, 'window over');
  await rl.hit('k');
  await rl.hit('k');
  await rl.hit('k');
  await rl.reset('k');
  assert.equal(await rl.blockedFor('k'), 0);
});

test('API-key grants: never above the creator, only their offices', () => {
  const sm: Actor = { kind: 'user', id: 'u', accountId: 'a', scope: 'site_manager', officeIds: ['o1', 'o2'], label: 'sm' };
  const om: Actor = { kind: 'user', id: 'u', accountId: 'a', scope: 'office_manager', officeIds: ['o1'], label: 'om' };
  assert.equal(checkKeyGrant(sm, 'site_manager', ['o1']), null);
  assert.equal(checkKeyGrant(sm, 'basic_user', []), null);
  assert.match(checkKeyGrant(sm, 'office_manager', []) ?? '', /above your own/);
  assert.match(checkKeyGrant(sm, 'site_manager', ['o3']) ?? '', /offices you manage/);
  assert.equal(checkKeyGrant(om, 'site_manager', ['o9']), null, 'an Office Manager reaches every office');
  assert.match(checkKeyGrant(om, 'no_portal', []) ?? '', /No Portal/);
  assert.equal(checkKeyGrant({ kind: 'provider', id: 'p', label: 'p' }, 'office_manager', []), null);
  assert.equal(minScope('office_manager', 'basic_user'), 'basic_user');
  assert.equal(minScope('simple_user', 'site_manager'), 'simple_user');
});

test('portal address for emailed links: a listen-everywhere host or a non-URL is refused, naming PORTAL_URL', () => {
  for (const u of ['http://0.0.0.0:8080', 'http://[::]:8080', 'https://0.0.0.0', 'not a url', 'ftp://pbx.example']) assert.match(portalUrlProblem(u) ?? '', /PORTAL_URL/, u);
  for (const u of ['https://pbx.example', 'http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080', 'https://pbx.example/portal']) assert.equal(portalUrlProblem(u), null, u);
});
