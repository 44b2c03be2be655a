import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromWire, toWire } from './cluster-events.ts';
import { createEventBus, type DomainEvent } from './events.ts';

const event: DomainEvent = {
  type: 'user.updated',
  accountId: 'acc-1',
  resourceId: 'user-1',
  actor: 'provider:key-1',
  at: '2026-12-02T10:00:00.000Z',
  before: { userId: 'user-1', sipUsername: 'abc123', enabled: true, sipPassword: 'secret-pw', voicemailPin: '8642' },
  after: { userId: 'user-1', sipUsername: 'abc123', enabled: false, sipPassword: 'secret-pw' },
};

test('an event crosses to another node with its type, account, resource and the non-secret facts only', () => {
  const wire = toWire('node-a', event);
  assert.doesNotMatch(wire, /secret-pw|8642|provider:key-1/);
  const back = fromWire('node-b', wire);
  assert.deepEqual(back, {
    type: 'user.updated',
    accountId: 'acc-1',
    resourceId: 'user-1',
    actor: 'node:node-a',
    at: '2026-12-02T10:00:00.000Z',
    before: { userId: 'user-1', sipUsername: 'abc123', enabled: true },
    after: { userId: 'user-1', sipUsername: 'abc123', enabled: false },
    remote: true,
  });
});

test('a node ignores its own notifications and anything malformed', () => {
  assert.equal(fromWire('node-a', toWire('node-a', event)), null);
  for (const bad of ['', 'not json', 'null', '42', '{"n":"x"}', '{"n":"x","t":1,"a":"a","r":"r"}']) assert.equal(fromWire('node-b', bad), null, bad);
});

test('remote events reach only the subscribers that asked for them; local events reach all', async () => {
  const bus = createEventBus();
  const seen: string[] = [];
  bus.subscribe((e) => void seen.push(`local-only:${e.remote ? 'remote' : 'local'}`));
  bus.subscribe((e) => void seen.push(`cache:${e.remote ? 'remote' : 'local'}`), { remote: true });
  await bus.publish(event);
  await bus.publishRemote(event);
  assert.deepEqual(seen, ['local-only:local', 'cache:local', 'cache:remote']);
});
