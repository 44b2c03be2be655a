import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { catalog } from '../provisioning/catalog.ts';
import { checkLabel, checkLineKeys, checkMac, checkOverrides, effectiveLabel, formatMac, normaliseMac, resolveModel, resyncPending, unlockUntil, vendorFromMac } from './rules.ts';

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
