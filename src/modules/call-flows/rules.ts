/**
 * The basic per-user call flow (seeds 000/003), stored as data: ring the user's devices for the ring time,
 * then the call features (smart calling, diversions, callback), then voicemail. Generated from the user's
 * settings on every create/update/import so it never drifts. Pure: no IO.
 */
import { DEFAULT_FEATURES, mergeDeep } from '../users/rules.ts';
import type { Features } from '../users/schema.ts';

export type CallFlowStep =
  | { action: 'forward'; when: 'always' | 'busy' | 'no_answer'; destination: string; internal: boolean }
  | { action: 'ring_devices'; extension: string; timeout: number; alsoRing?: { number: string; delay: number } }
  | { action: 'ring_external'; number: string; timeout: number }
  | { action: 'offer_callback'; when: 'busy' }
  | { action: 'voicemail'; box: string }
  | { action: 'hangup'; reason: 'no_answer' | 'disabled' };

export interface CallFlowDocument {
  version: 1;
  owner: { kind: 'user'; id: string; extension: string };
  steps: CallFlowStep[];
}

export interface CallFlowSource {
  id: string;
  extension: string;
  ring_time: number;
  enabled: number;
  vm_enabled: number;
  features: string;
}

const isInternal = (d: string) => /^[0-9]{3,4}$/.test(d);

/** Parsed features by their JSON text: bulk paths build thousands of flows from a handful of distinct settings. */
const parsedFeatures = new Map<string, Features>();
function featuresOf(text: string): Features {
  let f = parsedFeatures.get(text);
  if (!f) {
    try {
      f = mergeDeep(DEFAULT_FEATURES, JSON.parse(text)) as Features;
    } catch {
      f = DEFAULT_FEATURES;
    }
    if (parsedFeatures.size > 1000) parsedFeatures.clear();
    parsedFeatures.set(text, f);
  }
  return f;
}

export function buildUserCallFlow(u: CallFlowSource): CallFlowDocument {
  const f = featuresOf(u.features);
  const steps: CallFlowStep[] = [];
  const last: CallFlowStep = u.vm_enabled ? { action: 'voicemail', box: u.extension } : { action: 'hangup', reason: 'no_answer' };
  const doc = (s: CallFlowStep[]): CallFlowDocument => ({ version: 1, owner: { kind: 'user', id: u.id, extension: u.extension }, steps: s });
  if (!u.enabled) return doc([u.vm_enabled ? last : { action: 'hangup', reason: 'disabled' }]);
  if (f.divertAll.enabled && f.divertAll.destination) {
    return doc([{ action: 'forward', when: 'always', destination: f.divertAll.destination, internal: isInternal(f.divertAll.destination) }]);
  }
  const sc = f.smartCalling;
  const smart = sc.enabled && sc.number ? sc.number : null;
  // The same timings as routing's ring plan (routing/rules.ts ringPlan; rules.test.ts checks them against it):
  // sequential rings the devices for the smart-calling timeout, then the mobile for the ring time; parallel
  // rings both for the ring time; parallel delayed rings the devices for the timeout, then devices and mobile
  // together for the ring time.
  const ring: CallFlowStep = { action: 'ring_devices', extension: u.extension, timeout: u.ring_time };
  if (smart && sc.type === 'sequential') ring.timeout = sc.timeout;
  if (smart && sc.type === 'parallel') ring.alsoRing = { number: smart, delay: 0 };
  if (smart && sc.type === 'parallel_delayed') {
    ring.timeout = sc.timeout + u.ring_time;
    ring.alsoRing = { number: smart, delay: sc.timeout };
  }
  steps.push(ring);
  if (f.callbackOnBusy) steps.push({ action: 'offer_callback', when: 'busy' });
  if (f.divertBusy.enabled && f.divertBusy.destination) {
    steps.push({ action: 'forward', when: 'busy', destination: f.divertBusy.destination, internal: isInternal(f.divertBusy.destination) });
  }
  if (smart && sc.type === 'sequential') steps.push({ action: 'ring_external', number: smart, timeout: u.ring_time });
  if (f.divertNoAnswer.enabled && f.divertNoAnswer.destination) {
    steps.push({ action: 'forward', when: 'no_answer', destination: f.divertNoAnswer.destination, internal: isInternal(f.divertNoAnswer.destination) });
  } else steps.push(last);
  return doc(steps);
}

/** Internal extensions a flow sends calls to (for Usage: 'divert'). */
export function internalTargets(d: CallFlowDocument): string[] {
  return d.steps.filter((s): s is Extract<CallFlowStep, { action: 'forward' }> => s.action === 'forward' && s.internal).map((s) => s.destination);
}
