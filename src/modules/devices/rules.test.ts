import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { catalog } from '../provisioning/catalog.ts';
import { checkLabel, checkLineKeys, checkMac, checkOverrides, checkOwnerType, effectiveLabel, formatMac, liveUserFieldsChanged, normaliseMac, resolveModel, resyncPending, resyncScopeOfConfigEvent, unlockUntil, vendorFromMac, type ResyncScope } from './rules.ts';

describe('MAC addresses', () => {
  it('normalises the ways people write them', () => {
    for (const v of ['80:5E:C0:12:34:56', '80-5e-c0-12-34-56', '805e.c012.3456', '805EC0123456', ' 805ec0123456 ']) assert.equal(normaliseMac(v), '805ec0123456', v);
    for (const v of ['80:5e:c0:12:34', '80:5e-c0:12:34:56', 'gg5ec0123456', '805ec01234567']) assert.equal(normaliseMac(v), null, v);
    assert.equal(formatMac('805ec0123456'), '80:5e:c0:12:34:56');
  });
  it('refuses non-handset addresses', () => {
    assert.ok(checkMac('000000000000').reason);
    assert.ok(checkMac('ffffffffffff').reason);
    assert.match(checkMac('01005e000001').reason!, /multicast/);
    assert.equal(checkMac('001565000001').mac, '001565000001');
  });
  it('guesses the vendor from the OUI', () => {
    const cat = catalog();
    assert.equal(vendorFromMac('805ec0123456', cat), 'yealink');
    assert.equal(vendorFromMac('0004f2123456', cat), 'polycom');
    assert.equal(vendorFromMac('000b82123456', cat), 'grandstream');
    assert.equal(vendorFromMac('000413123456', cat), 'snom');
    assert.equal(vendorFromMac('000e08123456', cat), 'cisco');
    assert.equal(vendorFromMac('aa0000123456', cat), null);
    assert.deepEqual(resolveModel(cat, '805ec0123456', undefined, 't46u'), { vendor: 'yealink', errors: [] });
    assert.equal(resolveModel(cat, '805ec0123456', 'yealink', 'vvx411').errors[0]?.field, 'model');
  });
});

describe('line keys, overrides, labels', () => {
  it('checks keys against the model', () => {
    assert.deepEqual(checkLineKeys([{ type: 'line' }, { type: 'blf', value: '201' }, { type: 'speed_dial', value: '*28' }], 10, 'T46U'), []);
    assert.equal(checkLineKeys([{ type: 'line' }, { type: 'line' }, { type: 'line' }], 2, 'T31G')[0]?.field, 'lineKeys');
    assert.equal(checkLineKeys([{ type: 'blf', value: '0412345678' }], 10, 'x')[0]?.field, 'lineKeys.0.value');
    assert.equal(checkLineKeys([{ type: 'line', value: '1' }], 10, 'x')[0]?.field, 'lineKeys.0.value');
  });
  it('checks overrides: vendor setting names, strings, no control characters', () => {
    assert.deepEqual(checkOverrides('yealink', { 'account.1.sip_server.1.port': '5080' }, 'settings'), []);
    assert.equal(checkOverrides('grandstream', { 'account.1.x': '1' }, 'settings')[0]?.field, 'settings.account.1.x');
    assert.equal(checkOverrides('yealink', { a: 1 }, 'settings')[0]?.reason, 'must be a string');
    assert.match(checkOverrides('yealink', { a: 'x\ny = 1' }, 'settings')[0]!.reason, /control/);
    assert.equal(checkOverrides('yealink', [], 'settings')[0]?.field, 'settings');
  });
  it('label follows the user unless set (seed 002)', () => {
    assert.equal(effectiveLabel(null, 'Jane Doe', '201'), 'Jane Doe (201)');
    assert.equal(effectiveLabel('Reception', 'Jane Doe', '201'), 'Reception');
    assert.equal(effectiveLabel(null, null), 'Spare handset');
    assert.deepEqual(checkLabel(null), []);
    assert.equal(checkLabel('  ')[0]?.field, 'label');
  });
  it('resync pending until the next fetch; unlock lasts 24 h', () => {
    assert.equal(resyncPending(null, null), false);
    assert.equal(resyncPending('2026-01-01T10:00:00.000Z', null), true);
    assert.equal(resyncPending('2026-01-01T10:00:00.000Z', '2026-01-01T09:00:00.000Z'), true);
    assert.equal(resyncPending('2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z'), false);
    assert.equal(unlockUntil(new Date('2026-01-01T00:00:00.000Z')), '2026-01-02T00:00:00.000Z');
  });
});

describe('which handsets to resync', () => {
  const none: ResyncScope = { all: false, userIds: [], officeIds: [], deviceIds: [] };
  const ch = (kind: string, id: string, change: string, fields: string[] = []) => ({ kind, id, name: id, change, fields });
  it('config.applied: added / changed users (fields in the file), offices whose time zone changed, added / changed handsets', () => {
    const cases: Array<[object[], Partial<ResyncScope>]> = [
      [[ch('user', 'u1', 'modified', ['displayName'])], { userIds: ['u1'] }],
      [[ch('user', 'u1', 'modified', ['callFlow', 'ringTime'])], {}],
      [[ch('user', 'u1', 'modified', ['officeId'])], { userIds: ['u1'] }],
      [[ch('user', 'u1', 'modified', ['security'])], { userIds: ['u1'] }],
      [[ch('user', 'u1', 'added')], { userIds: ['u1'] }],
      [[ch('user', 'u1', 'removed')], {}],
      [[ch('office', 'o1', 'modified', ['timezone'])], { officeIds: ['o1'] }],
      [[ch('office', 'o1', 'modified', ['name'])], {}],
      [[ch('device', 'd1', 'modified', ['label']), ch('device', 'd2', 'added'), ch('device', 'd3', 'removed')], { deviceIds: ['d1', 'd2'] }],
      [[ch('ring_group', 'g1', 'modified', ['members']), ch('number', 'n1', 'added')], {}],
      [[{ kind: 'user', id: 'u1', name: 'x', change: 'modified' }], { userIds: ['u1'] }],
    ];
    for (const [changes, want] of cases) assert.deepEqual(resyncScopeOfConfigEvent('config.applied', { version: 2, changes }), { ...none, ...want }, JSON.stringify(changes));
  });
  it('config.discarded: only what the file reads live (credentials, enabled, MAC, vendor) and what comes back', () => {
    const cases: Array<[object[], Partial<ResyncScope>]> = [
      [[ch('user', 'u1', 'modified', ['displayName'])], {}],
      [[ch('user', 'u1', 'modified', ['sipUsername'])], { userIds: ['u1'] }],
      [[ch('user', 'u1', 'modified', ['enabled', 'ringTime'])], { userIds: ['u1'] }],
      [[ch('user', 'u1', 'removed'), ch('user', 'u2', 'added')], { userIds: ['u1'] }],
      [[ch('office', 'o1', 'modified', ['timezone'])], {}],
      [[ch('device', 'd1', 'modified', ['label']), ch('device', 'd2', 'modified', ['mac']), ch('device', 'd3', 'removed'), ch('device', 'd4', 'added')], { deviceIds: ['d2', 'd3'] }],
    ];
    for (const [changes, want] of cases) assert.deepEqual(resyncScopeOfConfigEvent('config.discarded', { version: 2, changes }), { ...none, ...want }, JSON.stringify(changes));
  });
  it('a change set it cannot read means every handset; other events are not config events', () => {
    for (const payload of [undefined, null, {}, { changes: 'x' }, { changes: [{ kind: 'user' }] }]) assert.deepEqual(resyncScopeOfConfigEvent('config.applied', payload), { ...none, all: true }, JSON.stringify(payload));
    assert.equal(resyncScopeOfConfigEvent('user.updated', { changes: [] }), null);
    assert.deepEqual(resyncScopeOfConfigEvent('config.applied', { changes: [] }), none);
  });
  it('user.updated on an applied account: only the enabled flag / SIP user name matter', () => {
    assert.equal(liveUserFieldsChanged({ enabled: true, displayName: 'a' }, { enabled: true, displayName: 'b' }), false);
    assert.equal(liveUserFieldsChanged({ enabled: true }, { enabled: false }), true);
    assert.equal(liveUserFieldsChanged({ sipUsername: 'a' }, { sipUsername: 'b' }), true);
  });
  it('call-routing users own no handsets', () => {
    assert.deepEqual(checkOwnerType('call_routing'), [{ field: 'userId', reason: 'a call-routing user has no handsets' }]);
    for (const t of ['native', 'teams', 'ip_pbx']) assert.deepEqual(checkOwnerType(t), []);
  });
});
