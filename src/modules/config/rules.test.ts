import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffDocuments, type ConfigDocument } from './rules.ts';

test('pending changes are listed in extension order within each kind (99 before 100), numbers in order', () => {
  const user = (id: string, extension: string, name: string) => ({ id, extension, display_name: name }) as ConfigDocument['users'][number];
  const live = {
    format: 1,
    account: { id: 'a', code: 'acme', name: 'Acme', sip_realm: 'acme.test', country: 'AU', extension_length: null },
    offices: [],
    users: [user('z', '1000', 'Zed'), user('b', '99', 'Bea'), user('a', '100', 'Al'), user('c', '205', 'Cy')],
    numbers: [{ id: 'n2', e164: '+61291234599' }, { id: 'n1', e164: '+61291234500' }] as ConfigDocument['numbers'],
    pickupGroups: [],
    ringGroups: [],
    ringGroupMembers: [],
    callFlows: [],
    devices: [],
  } as unknown as ConfigDocument;
  const changes = diffDocuments(null, live);
  assert.deepEqual(changes.filter((c) => c.kind === 'user').map((c) => c.name), ['99 Bea', '100 Al', '205 Cy', '1000 Zed']);
  assert.deepEqual(changes.filter((c) => c.kind === 'number').map((c) => c.name), ['+61291234500', '+61291234599']);
});
