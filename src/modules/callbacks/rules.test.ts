import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attemptDue, callbackHeader, decideRequest, MAX_PENDING_PER_CALLER, parseCallbackHeader } from './rules.ts';

const now = new Date('2026-12-02T10:00:00.000Z');
const later = (min: number) => new Date(now.getTime() + min * 60_000).toISOString();

describe('callback rules', () => {
  it('a new request: created, expiring after the configured minutes', () => {
    assert.deepEqual(decideRequest('a', 'b', [], now, 30), { kind: 'create', expiresAt: later(30) });
  });
  it('the same caller → callee again: the pending one is refreshed, never a second', () => {
    assert.deepEqual(decideRequest('a', 'b', [{ calleeUserId: 'b', expiresAt: later(5) }], now, 30), { kind: 'refresh', expiresAt: later(30) });
  });
  it('a caller cannot camp on themselves', () => {
    assert.deepEqual(decideRequest('a', 'a', [], now, 30), { kind: 'refuse', reason: 'self' });
  });
  it(`at most ${MAX_PENDING_PER_CALLER} pending per caller; expired ones do not count`, () => {
    const full = Array.from({ length: MAX_PENDING_PER_CALLER }, (_, i) => ({ calleeUserId: `u${i}`, expiresAt: later(10) }));
    assert.deepEqual(decideRequest('a', 'b', full, now, 30), { kind: 'refuse', reason: 'limit' });
    const stale = full.map((p) => ({ ...p, expiresAt: later(-1) }));
    assert.equal(decideRequest('a', 'b', stale, now, 30).kind, 'create');
  });
  it('retry spacing', () => {
    assert.equal(attemptDue(null, now), true);
    assert.equal(attemptDue(later(-0.5), now, 60), false);
    assert.equal(attemptDue(later(-1), now, 60), true);
  });
  it('the routing header round-trips; malformed ones are null', () => {
    const h = callbackHeader({ caller: '101', callee: '102', account: 'acme', voicemail: true });
    assert.equal(h, 'offer;caller=101;callee=102;account=acme;vm=1');
    assert.deepEqual(parseCallbackHeader(h), { caller: '101', callee: '102', account: 'acme', voicemail: true });
    assert.equal(parseCallbackHeader('offer;caller=101;callee=102;account=acme')?.voicemail, false);
    for (const bad of [undefined, '', 'deposit;caller=1;callee=2;account=a', 'offer;caller=x;callee=102;account=a', 'offer;caller=101;callee=102;account=a b', 'offer;caller=101;account=a']) {
      assert.equal(parseCallbackHeader(bad), null, String(bad));
    }
  });
});
