import { test } from 'node:test';
import assert from 'node:assert/strict';
import { audioFilename, deliveryPolicy, emailBackoffMs, emailBody, emailRecipient, emailSubject, formatDuration, pinAttempt, retentionCutoff, type PinState } from './rules.ts';

test('PIN: three wrong in a row lock for 5 minutes; a right PIN clears the count; a lock runs out', () => {
  const t0 = new Date('2026-12-02T10:00:00Z');
  let s: PinState | null = null;
  const step = (correct: boolean, at: Date) => {
    const r = pinAttempt(s, correct, at);
    s = r.state;
    return [r.result, r.lockedNow];
  };
  assert.deepEqual(step(false, t0), ['wrong', false]);
  assert.deepEqual(step(true, t0), ['ok', false]);
  assert.deepEqual(step(false, t0), ['wrong', false]);
  assert.deepEqual(step(false, t0), ['wrong', false]);
  assert.deepEqual(step(false, t0), ['locked', true]);
  assert.equal(s!.lockedUntil, '2026-12-02T10:05:00.000Z');
  // While locked even the right PIN is refused, and nothing is counted.
  assert.deepEqual(step(true, new Date('2026-12-02T10:04:59Z')), ['locked', false]);
  // After the lock: a fresh count.
  assert.deepEqual(step(false, new Date('2026-12-02T10:05:00Z')), ['wrong', false]);
  assert.equal(s!.failures, 1);
  assert.deepEqual(step(true, new Date('2026-12-02T10:05:01Z')), ['ok', false]);
});

test('email backoff: 30 s, 1 min, 2 min … capped at 1 h', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 50].map(emailBackoffMs), [30e3, 60e3, 120e3, 240e3, 480e3, 960e3, 1920e3, 3600e3, 3600e3]);
});

test('recipient: voicemail email, else alternative, else login email', () => {
  assert.equal(emailRecipient({ vm_email: 'vm@x.test', alt_email: 'alt@x.test', email: 'me@x.test' }), 'vm@x.test');
  assert.equal(emailRecipient({ vm_email: ' ', alt_email: 'alt@x.test', email: 'me@x.test' }), 'alt@x.test');
  assert.equal(emailRecipient({ vm_email: null, alt_email: null, email: 'me@x.test' }), 'me@x.test');
  assert.equal(emailRecipient({ vm_email: null, alt_email: null, email: null }), null);
});

test('delivery policy: without phone access a message is always emailed, then deleted', () => {
  assert.deepEqual(deliveryPolicy({ vm_email_delivery: 0, vm_delete_after_email: 0, vm_keep_on_server: 1 }), { email: false, deleteAfterEmail: false });
  assert.deepEqual(deliveryPolicy({ vm_email_delivery: 1, vm_delete_after_email: 0, vm_keep_on_server: 1 }), { email: true, deleteAfterEmail: false });
  assert.deepEqual(deliveryPolicy({ vm_email_delivery: 1, vm_delete_after_email: 1, vm_keep_on_server: 1 }), { email: true, deleteAfterEmail: true });
  assert.deepEqual(deliveryPolicy({ vm_email_delivery: 0, vm_delete_after_email: 0, vm_keep_on_server: 0 }), { email: true, deleteAfterEmail: true });
});

test('subject, body and file name', () => {
  assert.equal(formatDuration(23_400), '0:23');
  assert.equal(formatDuration(125_000), '2:05');
  assert.equal(emailSubject({ callerName: 'Anna Lee', callerNumber: '101', durationMs: 23_000 }), 'New voicemail from Anna Lee (101) — 0:23');
  assert.equal(emailSubject({ callerName: null, callerNumber: '+61299990000', durationMs: 5_000 }), 'New voicemail from +61299990000 — 0:05');
  assert.equal(emailSubject({ callerName: null, callerNumber: null, durationMs: 61_000 }), 'New voicemail from an unknown caller — 1:01');
  const body = emailBody({ callerName: 'Anna Lee', callerNumber: '101', durationMs: 23_000, receivedAt: '2026-12-02T10:30:00Z', timezone: 'Australia/Sydney', mailbox: '102', mailboxName: 'Bo Chen' });
  assert.match(body, /From: +Anna Lee/);
  assert.match(body, /Number: +101/);
  assert.match(body, /Received: Wednesday 2 December 2026, 21:30 \(Australia\/Sydney\)/);
  assert.match(body, /Length: +0:23/);
  assert.equal(audioFilename('101', '2026-12-02T10:30:00Z', 'UTC'), 'voicemail-101-2026-12-02T1030.wav');
  assert.equal(audioFilename('101', '2026-12-02T10:30:00Z', 'Australia/Sydney'), 'voicemail-101-2026-12-02T2130.wav');
  assert.equal(audioFilename('10"1', '2026-12-02T00:05:00Z', 'Not/AZone'), 'voicemail-101-2026-12-02T0005.wav');
});

test('retention cutoff', () => {
  assert.equal(retentionCutoff(new Date('2026-12-02T00:00:00Z'), 90), '2026-09-03T00:00:00.000Z');
});
