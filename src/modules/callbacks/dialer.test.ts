import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProfileSize, startCallbackDialer, type LineState, type Originator } from './dialer.ts';
import type { DueCallback } from './repository.ts';
import type { CallbackBackend } from './service.ts';

function due(id: string, o: Partial<DueCallback> = {}): DueCallback {
  return {
    id,
    account_id: 'acc',
    caller_user_id: `caller-${id}`,
    callee_user_id: 'callee',
    state: 'pending',
    attempts: 0,
    last_attempt_at: null,
    created_at: '2026-12-02T10:00:00.000Z',
    expires_at: '2026-12-02T10:30:00.000Z',
    updated_at: '2026-12-02T10:00:00.000Z',
    caller_extension: '101',
    callee_extension: '102',
    caller_office_id: 'o',
    account_code: 'acme',
    sip_realm: 'acme.test',
    caller_sip_username: 'u101',
    callee_display_name: 'Ben',
    ...o,
  };
}

function fakes(rows: DueCallback[], busy: Set<string>, result: Awaited<ReturnType<Originator['originate']>> = 'connected') {
  const events: string[] = [];
  const backend: CallbackBackend = {
    register: async () => ({ outcome: 'refused', reason: 'unknown' }),
    pending: async () => rows.filter((r) => r.state === 'pending'),
    attempted: async (c) => {
      events.push(`attempted ${c.id}`);
      c.last_attempt_at = '2026-12-02T10:01:00.000Z';
    },
    completed: async (c) => {
      events.push(`completed ${c.id}`);
      c.state = 'completed';
    },
  };
  const lines: LineState = { inCall: async (p) => busy.has(p) };
  const calls: Array<Parameters<Originator['originate']>[0]> = [];
  const originator: Originator = {
    originate: async (x) => {
      calls.push(x);
      return result;
    },
  };
  return { backend, lines, originator, events, calls };
}

describe('callback dialer', () => {
  it('rings the caller only once the callee (and the caller) are free, as "Callback <callee>", and refers to the callee', async () => {
    const busy = new Set(['sip:102@acme.test']);
    const f = fakes([due('a')], busy);
    const d = startCallbackDialer({ backend: f.backend, lines: f.lines, originator: f.originator, intervalMs: 60_000, clock: () => new Date('2026-12-02T10:02:00.000Z') });
    await d.tick();
    assert.equal(f.calls.length, 0, 'callee busy: nothing');
    busy.clear();
    busy.add('sip:101@acme.test');
    await d.tick();
    assert.equal(f.calls.length, 0, 'caller busy: nothing');
    busy.clear();
    await d.tick();
    await d.idle();
    assert.deepEqual(f.calls, [{ target: 'sip:u101@acme.test', fromUser: '102', fromName: 'Callback 102', realm: 'acme.test', referTo: 'sip:102@acme.test', ringMs: undefined }]);
    assert.deepEqual(f.events, ['attempted a', 'completed a']);
    await d.tick();
    await d.idle();
    assert.equal(f.calls.length, 1, 'a completed request is not tried again');
    await d.stop();
  });

  it('not answered: stays pending and is tried again only after the retry time', async () => {
    let now = new Date('2026-12-02T10:02:00.000Z');
    const f = fakes([due('b')], new Set(), 'no-answer');
    const d = startCallbackDialer({ backend: f.backend, lines: f.lines, originator: f.originator, intervalMs: 60_000, retrySeconds: 60, clock: () => now });
    await d.tick();
    await d.idle();
    assert.deepEqual(f.events, ['attempted b']);
    now = new Date('2026-12-02T10:01:30.000Z');
    await d.tick();
    await d.idle();
    assert.equal(f.calls.length, 1, '30 s after the attempt: not yet');
    now = new Date('2026-12-02T10:02:01.000Z');
    await d.tick();
    await d.idle();
    assert.equal(f.calls.length, 2, 'after the retry time: again');
    await d.stop();
  });

  it('unknown line state (Kamailio not attached) never rings', async () => {
    const f = fakes([due('c')], new Set());
    const d = startCallbackDialer({ backend: f.backend, originator: f.originator, lines: { inCall: async () => null }, intervalMs: 60_000 });
    await d.tick();
    assert.equal(f.calls.length, 0);
    await d.stop();
  });

  it("parses kamcmd's profile size", () => {
    assert.equal(parseProfileSize('{\n\tprofile: sb_incall\n\tvalue: sip:102@x\n\tcount: 2\n}\n'), 2);
    assert.equal(parseProfileSize('0\n'), 0);
    assert.equal(parseProfileSize('error: 500 - bad profile'), null);
  });
});
