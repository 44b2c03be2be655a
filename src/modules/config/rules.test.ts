import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countChanges, diffDocuments, fieldChanges, versionDiff, type ConfigDocument } from './rules.ts';

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

test('field changes: values for configuration, JSON columns key by key, secrets only as changed, bookkeeping ignored', () => {
  const cases: Array<[string, object, object, ReturnType<typeof fieldChanges>]> = [
    ['plain column', { ring_time: 40 }, { ring_time: 25 }, [{ field: 'ringTime', before: 40, after: 25 }]],
    ['null and absent are equal', { department: null }, {}, []],
    ['PIN: changed, no values', { vm_pin: '1234' }, { vm_pin: '9876' }, [{ field: 'vmPin', changed: 'secret' }]],
    ['SIP password and password hash are not configuration', { sip_password: 'a', portal_password_hash: 'x', updated_at: '1' }, { sip_password: 'b', portal_password_hash: 'y', updated_at: '2' }, []],
    [
      'JSON column by key',
      { features: JSON.stringify({ divertAll: { enabled: false, destination: null }, callbackOnBusy: false }) },
      { features: JSON.stringify({ divertAll: { enabled: true, destination: '+61412000111' }, callbackOnBusy: false }) },
      [
        { field: 'features.divertAll.destination', before: null, after: '+61412000111' },
        { field: 'features.divertAll.enabled', before: false, after: true },
      ],
    ],
    ['ids are not fields', { id: 'a', account_id: 'x' }, { id: 'b', account_id: 'y' }, []],
  ];
  for (const [name, before, after, want] of cases) assert.deepEqual(fieldChanges(before, after), want, name);
});

test('version diff: ring group members by extension and name; call flows only as changed', () => {
  const doc = (members: string[], flow: string) =>
    ({
      format: 1,
      account: { id: 'a', code: 'acme', name: 'Acme', sip_realm: 'acme.test', country: 'AU', extension_length: null },
      offices: [],
      users: [
        { id: 'u1', extension: '101', display_name: 'Al', vm_pin: '1111' },
        { id: 'u2', extension: '102', display_name: 'Bea', vm_pin: '2222' },
      ],
      numbers: [],
      pickupGroups: [],
      ringGroups: [{ id: 'g', extension: '150', name: 'Sales', strategy: 'simultaneous' }],
      ringGroupMembers: members.map((user_id, position) => ({ ring_group_id: 'g', user_id, position })),
      callFlows: [{ user_id: 'u1', document: flow }],
      devices: [],
    }) as unknown as ConfigDocument;
  const changes = versionDiff(doc(['u1'], '{"a":1}'), doc(['u2', 'u1'], '{"a":2}'));
  assert.deepEqual(
    changes.map((c) => [c.kind, c.change, c.fields]),
    [
      ['user', 'modified', [{ field: 'callFlow', changed: 'document' }]],
      ['ring_group', 'modified', [{ field: 'members', before: ['101 Al'], after: ['102 Bea', '101 Al'] }]],
    ],
  );
  assert.deepEqual(countChanges(changes), { added: 0, removed: 0, modified: 2 });
  const first = versionDiff(null, doc([], '{}'));
  assert.deepEqual(countChanges(first), { added: 3, removed: 0, modified: 0 });
  assert.ok(first.every((c) => c.fields.length === 0));
  assert.ok(!JSON.stringify(first).includes('1111'));
});
