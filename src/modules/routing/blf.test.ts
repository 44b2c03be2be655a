import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURES, DEFAULT_SECURITY } from '../users/rules.ts';
import { decideRoute, makeConfig } from './rules.ts';
import { presenceEntities } from './blf.ts';
import type { Platform, RouteRequest, RoutingUser } from './schema.ts';

const platform: Platform = { trunk: 'gw.test:5090', voicemail: 'vm.test:5095' };
const REALM = 'acme.pbx.test';

function user(ext: string, o: Partial<RoutingUser> = {}): RoutingUser {
  return {
    id: `id-${ext}`,
    extension: ext,
    displayName: `User ${ext}`,
    sipUsername: `u${ext}`,
    enabled: true,
    officeId: 'syd',
    ringTime: 20,
    pickupGroup: null,
    outboundNumber: null,
    hideCallerId: false,
    vmEnabled: true,
    features: DEFAULT_FEATURES,
    security: DEFAULT_SECURITY,
    ...o,
  };
}

const cfg = makeConfig({
  accountId: 'acc',
  code: 'acme',
  realm: REALM,
  country: 'AU',
  offices: [{ id: 'syd', country: 'AU', areaCode: '02', defaultOutboundNumber: '+61291234500' }],
  users: [user('101'), user('102'), user('111'), user('103', { enabled: false })],
  numbers: [
    ['+61291234502', 'id-102'],
    ['+61291234509', null],
  ],
  ringGroups: [{ id: 'g', name: 'Sales', extension: '600', strategy: 'simultaneous', ringTime: 15, memberIds: ['id-101', 'id-102'] }],
});

const entities = (req: RouteRequest) => presenceEntities(cfg, req, decideRoute(cfg, platform, req));

test('BLF entities: which extensions a routed call publishes dialog state for', () => {
  const cases: Array<[string, RouteRequest, ReturnType<typeof entities>]> = [
    ['extension to extension: both', { source: 'internal', from: 'u101', to: '102' }, { realm: REALM, caller: '101', callee: '102' }],
    ['dialled with punctuation', { source: 'internal', from: 'u101', to: '1-02' }, { realm: REALM, caller: '101', callee: '102' }],
    ['a ring group: the group extension', { source: 'internal', from: 'u101', to: '600' }, { realm: REALM, caller: '101', callee: '600' }],
    ['an external number: the caller only', { source: 'internal', from: 'u101', to: '0298765432' }, { realm: REALM, caller: '101' }],
    ['777: the caller only', { source: 'internal', from: 'u101', to: '777' }, { realm: REALM, caller: '101' }],
    ['an emergency number: the caller only', { source: 'internal', from: 'u101', to: '000' }, { realm: REALM, caller: '101' }],
    ['inbound DDI: its user', { source: 'trunk', from: '0412345678', to: '+61291234502' }, { realm: REALM, callee: '102' }],
    ['refused (disabled callee): nothing', { source: 'internal', from: 'u101', to: '103' }, null],
    ['refused (unknown extension): nothing', { source: 'internal', from: 'u101', to: '199' }, null],
    ['refused (spare DDI): nothing', { source: 'trunk', from: '0412345678', to: '+61291234509' }, null],
  ];
  for (const [name, req, want] of cases) assert.deepEqual(entities(req), want, name);
});
