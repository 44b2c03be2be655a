import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuthorization, createNonceIssuer, digestAuthorization, digestChallenge, parseAuthorization, verifyDigest } from './auth.ts';
import { checkCidrs, cidrMatcher, createRateLimiter, macsInUserAgent, normaliseIp, userAgentMismatch, validateSettingsPatch, type ProvisioningSettings } from './rules.ts';

describe('address allow-list', () => {
  it('matches IPv4, IPv6 and IPv4-mapped addresses; empty list allows all', () => {
    const m = cidrMatcher(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    assert.equal(m('10.1.2.3'), true);
    assert.equal(m('::ffff:10.1.2.3'), true);
    assert.equal(m('192.0.2.7'), true);
    assert.equal(m('192.0.2.8'), false);
    assert.equal(m('2001:db8::1'), true);
    assert.equal(m('2001:db9::1'), false);
    assert.equal(m('garbage'), false);
    assert.equal(cidrMatcher([])('203.0.113.1'), true);
    assert.equal(normaliseIp('::ffff:127.0.0.1'), '127.0.0.1');
  });
  it('validates networks naming the entry', () => {
    assert.deepEqual(checkCidrs(['10.0.0.0/8', '::1/128']), []);
    assert.deepEqual(checkCidrs(['10.0.0.0/33', 'x', '1.2.3.4/8/1']).map((e) => e.field), ['allowedCidrs.0', 'allowedCidrs.1', 'allowedCidrs.2']);
  });
});

describe('User-Agent MAC check', () => {
  it('finds the MAC phones put in their User-Agent', () => {
    assert.deepEqual(macsInUserAgent('Yealink SIP-T46U 108.86.0.20 80:5e:c0:11:22:33'), ['805ec0112233']);
    assert.deepEqual(macsInUserAgent('Grandstream Model HW GXP2170 SW 1.0.11.23 DevId 000b82112233'), ['000b82112233']);
    assert.deepEqual(macsInUserAgent('FileTransport PolycomVVX-VVX_411-UA/6.4.3.5018'), []);
    assert.equal(userAgentMismatch('Yealink SIP-T46U 108.86.0.20 80:5e:c0:11:22:33', '805ec0112233'), false);
    assert.equal(userAgentMismatch('Yealink SIP-T46U 108.86.0.20 80:5e:c0:11:22:33', '805ec0999999'), true);
    assert.equal(userAgentMismatch(undefined, '805ec0999999'), false);
  });
});

describe('rate limiter', () => {
  it('blocks an address after the limit within the window, then forgets', () => {
    const rl = createRateLimiter(3, 1000);
    assert.equal(rl.strike('a', 0), false);
    assert.equal(rl.strike('a', 10), false);
    assert.equal(rl.blocked('a', 20), false);
    assert.equal(rl.strike('a', 30), true, 'the third strike crosses the limit');
    assert.equal(rl.blocked('a', 40), true);
    assert.equal(rl.blocked('b', 40), false);
    assert.equal(rl.blocked('a', 2000), false, 'window over');
  });
  it('tracks a bounded number of addresses', () => {
    const rl = createRateLimiter(1, 60_000, 2);
    rl.strike('a', 0);
    rl.strike('b', 0);
    rl.strike('c', 0);
    assert.equal(rl.blocked('a', 1), false, 'oldest forgotten');
    assert.equal(rl.blocked('c', 1), true);
  });
});

describe('HTTP auth', () => {
  it('Digest round trip as a phone does it; wrong password, tampered uri and foreign nonces fail', () => {
    const nonces = createNonceIssuer();
    const ch = digestChallenge(nonces);
    const auth = digestAuthorization(ch, 'prov_x', 'pw', 'GET', '/prov/t/a.cfg');
    const creds = parseAuthorization(auth);
    assert.equal(creds?.scheme, 'digest');
    if (creds?.scheme !== 'digest') return;
    assert.equal(verifyDigest(creds.params, 'pw', 'GET', nonces), 'ok');
    assert.equal(verifyDigest(creds.params, 'wrong', 'GET', nonces), 'bad');
    assert.equal(verifyDigest({ ...creds.params, uri: '/prov/t/b.cfg' }, 'pw', 'GET', nonces), 'bad');
    assert.equal(verifyDigest(creds.params, 'pw', 'GET', createNonceIssuer()), 'bad', 'nonce from another key');
  });
  it('expired nonces are stale (the phone retries with a fresh one)', () => {
    const nonces = createNonceIssuer(Buffer.alloc(32, 1), 1000);
    const nonce = nonces.issue(0);
    assert.equal(nonces.check(nonce, 500), 'ok');
    assert.equal(nonces.check(nonce, 5000), 'stale');
    assert.equal(nonces.check(`${nonce}x`, 500), 'bad');
  });
  it('accepts RFC 2069 digest (no qop) and Basic', () => {
    const nonces = createNonceIssuer();
    const ch = digestChallenge(nonces).replace(/, qop="auth"/, '');
    const creds = parseAuthorization(digestAuthorization(ch, 'u', 'p', 'GET', '/x'));
    assert.ok(creds?.scheme === 'digest' && !creds.params.qop);
    assert.equal(creds?.scheme === 'digest' && verifyDigest(creds.params, 'p', 'GET', nonces), 'ok');
    assert.deepEqual(parseAuthorization(basicAuthorization('u', 'p:with:colons')), { scheme: 'basic', username: 'u', password: 'p:with:colons' });
    assert.equal(parseAuthorization('Bearer abc'), null);
    assert.equal(parseAuthorization(undefined), null);
  });
});

describe('settings rules', () => {
  const current: ProvisioningSettings = { username: 'u', password: 'p', pathToken: 't', authMode: 'digest', requireToken: true, allowedCidrs: [], macLock: true, overrides: {} };
  it('refuses configurations that hand out passwords with no secret at all', () => {
    assert.deepEqual(validateSettingsPatch({ authMode: 'none' }, current), []);
    assert.equal(validateSettingsPatch({ authMode: 'none', requireToken: false }, current)[0]?.field, 'authMode');
    assert.equal(validateSettingsPatch({ requireToken: false }, { ...current, authMode: 'none' })[0]?.field, 'authMode');
  });
  it('checks override names per vendor', () => {
    assert.deepEqual(validateSettingsPatch({ overrides: { yealink: { 'local_time.ntp_server1': 'x' }, grandstream: { P30: 'x' }, snom: { 'user_idle_text[1]': 'x' } } }, current), []);
    const errs = validateSettingsPatch({ overrides: { grandstream: { ntp: 'x' }, nokia: {} } as never }, current).map((e) => e.field);
    assert.deepEqual(errs, ['overrides.grandstream.ntp', 'overrides.nokia']);
  });
});
