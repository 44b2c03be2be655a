import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURES, DEFAULT_SECURITY, mergeDeep } from '../users/rules.ts';
import type { Features, Security } from '../users/schema.ts';
import { makeConfig, ringPlan } from '../routing/rules.ts';
import type { RoutingUser } from '../routing/schema.ts';
import { buildUserCallFlow } from './rules.ts';

const platform = { trunk: 'gw.test:5090', voicemail: 'vm.test:5095' };

/** Seconds each party rings, as [devices, mobile], read from routing's ring plan. */
function routed(features: unknown, ringTime: number): { devices: number; mobileFrom: number | null; mobileFor: number } {
  const u: RoutingUser = {
    id: 'u1', extension: '101', displayName: 'A', sipUsername: 'a', enabled: true, officeId: 'o', ringTime, pickupGroup: null, outboundNumber: null, hideCallerId: false, vmEnabled: true,
    features: mergeDeep<Features>(DEFAULT_FEATURES, features),
    security: mergeDeep<Security>(DEFAULT_SECURITY, { enabledCalls: { national: true, mobile: true, local: true, international: true } }),
  };
  const cfg = makeConfig({ accountId: 'a', code: 'acme', realm: 'acme.test', country: 'AU', offices: [{ id: 'o', country: 'AU', areaCode: '02', defaultOutboundNumber: null }], users: [u], numbers: [] });
  const { steps } = ringPlan(cfg, platform, cfg.users.get('101')!);
  let t = 0;
  let devices = 0;
  let mobileFrom: number | null = null;
  let mobileFor = 0;
  for (const s of steps) {
    const kinds = s.targets.map((x) => x.kind);
    if (kinds.includes('voicemail')) break;
    if (s.targets.some((x) => x.uri.includes('gw.test'))) {
      mobileFrom ??= t;
      mobileFor += s.timeout;
    }
    if (s.targets.some((x) => !x.uri.includes('gw.test'))) devices += s.timeout;
    t += s.timeout;
  }
  return { devices, mobileFrom, mobileFor };
}

/** What the call-flow document says, in the same terms. */
function documented(features: unknown, ringTime: number): { devices: number; mobileFrom: number | null; mobileFor: number } {
  const doc = buildUserCallFlow({ id: 'u1', extension: '101', ring_time: ringTime, enabled: 1, vm_enabled: 1, features: JSON.stringify(features) });
  const ring = doc.steps.find((s) => s.action === 'ring_devices') as Extract<(typeof doc.steps)[number], { action: 'ring_devices' }>;
  const ext = doc.steps.find((s) => s.action === 'ring_external') as Extract<(typeof doc.steps)[number], { action: 'ring_external' }> | undefined;
  if (ring.alsoRing) return { devices: ring.timeout, mobileFrom: ring.alsoRing.delay, mobileFor: ring.timeout - ring.alsoRing.delay };
  if (ext) return { devices: ring.timeout, mobileFrom: ring.timeout, mobileFor: ext.timeout };
  return { devices: ring.timeout, mobileFrom: null, mobileFor: 0 };
}

test('the call-flow document rings devices and mobile for exactly as long as routing does', () => {
  for (const type of ['sequential', 'parallel', 'parallel_delayed'] as const) {
    for (const [timeout, ringTime] of [[15, 25], [25, 15], [10, 10]] as const) {
      const features = { smartCalling: { enabled: true, number: '0412 345 678', timeout, type } };
      assert.deepEqual(documented(features, ringTime), routed(features, ringTime), `${type} timeout ${timeout} ring time ${ringTime}`);
    }
  }
  assert.deepEqual(documented({}, 20), routed({}, 20));
});
