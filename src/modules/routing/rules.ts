/**
 * Pure routing decision: (account configuration, platform, request) → where the INVITE goes.
 * No IO. Kamailio asks routes.ts, which loads the configuration (repository.ts) and calls decideRoute();
 * toRtjson() turns the decision into the document Kamailio's rtjson module consumes.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { emergencyNumbersFor } from '../../shared/phone.ts';
import { VOICEMAIL_ACCESS_CODE } from '../users/rules.ts';
import { parseDestination } from '../offices/rules.ts';
import type { AccountRoutingConfig, CallerId, Decision, Pickable, PickupRequest, Platform, RingStep, RouteRequest, RoutingOffice, RoutingRingGroup, RoutingUser, Target } from './schema.ts';

/** Group call pickup: dial *8 to answer the oldest call ringing on a phone of your pickup group (Kamailio takes it over). */
export const PICKUP_CODE = '*8';
/** Directed call pickup: dial **<extension> to answer the call ringing at that extension. */
export const DIRECTED_PICKUP_PREFIX = '**';
/** What a pickup code's caller hears when no call it may take is ringing (Kamailio answers this). */
export const NOTHING_TO_PICK_UP = { code: 404, reason: 'Not Found - nothing to pick up' } as const;
/** Day/Night: toggles the caller's office mode (handset permission 'Toggle Day/Night mode'). */
export const DAY_NIGHT_CODE = '*28';
/** Update recordings: the caller's mailbox options menu (handset permission 'Update recordings'). */
export const RECORDINGS_CODE = '*29';
/** Header naming a feature the feature server confirms to the caller (*28: `daynight;mode=night;…`). */
export const FEATURE_HEADER = 'X-Switchboard-Feature';
/** Ring time of an external diversion / smart-call destination when nothing else says (seconds). */
export const EXTERNAL_RING_TIME = 60;
/** Marks an AoR in the routing document: Kamailio looks these up in usrloc and rings every registered device. */
export const AOR_PARAM = 'sb=aor';

/** Header naming the ring group a call rings (its extension), on every branch of the group's steps. */
export const RING_GROUP_HEADER = 'X-Switchboard-Ring-Group';
/** What the caller hears when no member of a ring group answered and the group has no fallback (or it failed). */
export const GROUP_NO_ANSWER = { code: 480, reason: 'Temporarily Unavailable - no answer' } as const;
/** What the caller hears when no member answered and the group's fallback is 'busy'. */
export const GROUP_BUSY = { code: 486, reason: 'Busy Here' } as const;

const reject = (code: number, reason: string): Decision => ({ action: 'reject', code, reason });

export function aorUri(cfg: Pick<AccountRoutingConfig, 'realm'>, user: Pick<RoutingUser, 'sipUsername'>): string {
  return `sip:${user.sipUsername}@${cfg.realm};${AOR_PARAM}`;
}

function userTarget(cfg: AccountRoutingConfig, user: RoutingUser): Target {
  return { kind: 'user', uri: aorUri(cfg, user), label: user.extension };
}

function externalTarget(platform: Platform, number: string): Target {
  return { kind: 'external', uri: `sip:${number}@${platform.trunk}`, label: number };
}

/** The office a user calls from (its country and area code classify what the user dials). */
function officeOf(cfg: AccountRoutingConfig, user: RoutingUser): RoutingOffice {
  const office: RoutingOffice = cfg.offices.get(user.officeId) ?? { id: '', country: cfg.country, areaCode: null, defaultOutboundNumber: null };
  return office.country ? office : { ...office, country: cfg.country };
}

/** The caller ID a user presents on the public network: their outbound number, else the office default. */
function outboundCallerId(cfg: AccountRoutingConfig, user: RoutingUser, office: RoutingOffice): { number: string | null; pai: string | null } {
  const number = user.outboundNumber ?? office.defaultOutboundNumber;
  return { number, pai: number ? `<sip:${number}@${cfg.realm}>` : null };
}

/**
 * The caller ID of an emergency call (issue 15): the office's outbound number (the number the carrier has the
 * office's address for), else the account's main number, else the user's own outbound number; null only when
 * the account has no number at all. Never withheld, and an emergency call is never refused for want of one.
 */
export function emergencyCallerId(cfg: AccountRoutingConfig, user: RoutingUser, office: RoutingOffice): { number: string | null; pai: string | null } {
  const number = office.defaultOutboundNumber ?? cfg.mainNumber ?? user.outboundNumber ?? null;
  return { number, pai: number ? `<sip:${number}@${cfg.realm}>` : null };
}

/**
 * An external leg placed on behalf of `user` (a diversion to a number, the smart-call mobile). It is the user's
 * call to the public network, so it gets the same treatment as a number the user dials: classified against the
 * user's office country (classifyOutbound) and allowed only when the user's enabled call types allow that class
 * (toll fraud: otherwise divert-all to an international number would bypass the restriction). Emergency and
 * invalid numbers are never a leg. The leg presents the user's outbound caller ID (withheld with Hide Caller ID),
 * never the internal identity of the original caller, and none of Switchboard's internal headers.
 * null = the leg is not allowed; the ring plan skips it.
 */
export function externalLeg(cfg: AccountRoutingConfig, platform: Platform, user: RoutingUser, number: string): Target | null {
  const office = officeOf(cfg, user);
  const digits = cleanDialled(number);
  if (emergencyNumbersFor(office.country).includes(digits)) return null;
  const parsed = classifyOutbound(digits, office.country, office.areaCode);
  if (parsed.kind === 'invalid' || !user.security.enabledCalls[parsed.kind]) return null;
  const id = outboundCallerId(cfg, user, office);
  return {
    ...externalTarget(platform, parsed.e164),
    headers: { 'P-Asserted-Identity': id.pai, Privacy: user.hideCallerId ? 'id' : null, 'X-Switchboard-Pickup-Group': null },
  };
}

function voicemailStep(cfg: AccountRoutingConfig, platform: Platform, user: RoutingUser, reason: 'unavailable' | 'busy' = 'unavailable'): RingStep {
  return {
    targets: [{ kind: 'voicemail', uri: `sip:${user.extension}@${platform.voicemail}`, label: `voicemail ${user.extension}` }],
    timeout: 0,
    why: 'voicemail',
    // reason=busy: the mailbox plays the busy greeting ("… is on the phone") instead of the unavailable one
    headers: { 'X-Switchboard-Voicemail': `deposit;mailbox=${user.extension};account=${cfg.code}${reason === 'busy' ? ';reason=busy' : ''}` },
  };
}

/**
 * The members a group call rings: enabled users, in member order, without `exclude` (the caller, the diverting
 * user). A member's own call features are NOT followed: a group call rings the member's devices only (no
 * divert all, no smart calling, no voicemail), for the group's ring time — a user's own ring time only counts
 * when their extension is dialled directly (seed 001).
 */
export function groupMembers(cfg: AccountRoutingConfig, group: RoutingRingGroup, exclude: ReadonlySet<string> = new Set()): RoutingUser[] {
  const out: RoutingUser[] = [];
  for (const id of group.memberIds) {
    const u = cfg.usersById.get(id);
    if (u && u.enabled && !exclude.has(u.id)) out.push(u);
  }
  return out;
}

function memberTarget(cfg: AccountRoutingConfig, user: RoutingUser): Target {
  // the original callee's pickup group is not the member's: a group call carries none
  return { ...userTarget(cfg, user), headers: { 'X-Switchboard-Pickup-Group': null } };
}

/**
 * How a ring group rings. simultaneous: one step, every member's devices in parallel for the group's ring time
 * (the first to answer wins, the others get CANCEL). sequential: one step per member in member order, each for
 * the group's ring time (a hunt group: the group's ring time is per member, like FreePBX's 'hunt'; members' own
 * ring times are not used). An offline member's step is skipped by the SIP server; a busy member moves on to
 * the next step. `asOneStep` rings a sequential group's members together (the busy branch is a single step).
 * Empty when no member can ring.
 */
export function groupSteps(cfg: AccountRoutingConfig, group: RoutingRingGroup, o: { exclude?: ReadonlySet<string>; headers?: Record<string, string>; asOneStep?: boolean } = {}): RingStep[] {
  const members = groupMembers(cfg, group, o.exclude);
  if (!members.length) return [];
  const headers = { ...o.headers, [RING_GROUP_HEADER]: group.extension };
  if (group.strategy === 'simultaneous' || o.asOneStep) {
    return [{ targets: members.map((m) => memberTarget(cfg, m)), timeout: group.ringTime, why: `ring group ${group.extension} (${group.strategy}${o.asOneStep && group.strategy !== 'simultaneous' ? ', all at once' : ''}): ${members.map((m) => m.extension).join(', ')}`, headers }];
  }
  return members.map((m, i) => ({ targets: [memberTarget(cfg, m)], timeout: group.ringTime, why: `ring group ${group.extension} (sequential ${i + 1}/${members.length}): ${m.extension}`, headers }));
}

/** The final answer of a group call nobody answered: 486 when the group's fallback is 'busy', else 480. */
export function groupNoAnswer(group: RoutingRingGroup): { code: number; reason: string } {
  return group.fallback?.kind === 'busy' ? { ...GROUP_BUSY } : { ...GROUP_NO_ANSWER };
}

/**
 * The group's fallback as steps after its members' (after the ring time when simultaneous, after the last member
 * when sequential): 'user' rings that user's devices (an enabled user other than `exclude`) for their ring time —
 * not their own diversions or voicemail; 'voicemail' the user's mailbox (voicemail enabled). 'busy' and 'none'
 * add no step (the call ends with groupNoAnswer). A fallback that cannot work (user gone or disabled, mailbox
 * off) adds none either: the caller gets 480 as without one.
 */
export function fallbackSteps(cfg: AccountRoutingConfig, platform: Platform, group: RoutingRingGroup, exclude: ReadonlySet<string> = new Set()): RingStep[] {
  const f = group.fallback;
  if (!f || !f.userId || (f.kind !== 'user' && f.kind !== 'voicemail')) return [];
  const u = cfg.usersById.get(f.userId);
  if (!u) return [];
  if (f.kind === 'voicemail') {
    if (!u.vmEnabled) return [];
    return [{ ...voicemailStep(cfg, platform, u), why: `ring group ${group.extension} fallback: voicemail ${u.extension}` }];
  }
  if (!u.enabled || exclude.has(u.id)) return [];
  return [{ targets: [memberTarget(cfg, u)], timeout: u.ringTime, why: `ring group ${group.extension} fallback: ${u.extension}` }];
}

/**
 * A diversion destination as steps: an enabled internal user's devices, a ring group (its steps, without the
 * diverting user), or an external number the diverting user may call (externalLeg). Empty = no such step
 * (disabled/unknown extension, a group with no member that can ring, forbidden or invalid number): the ring
 * plan goes on without it.
 */
function divertSteps(
  cfg: AccountRoutingConfig,
  platform: Platform,
  from: RoutingUser,
  destination: string,
  why: string,
  reason: string,
  o: { exclude?: ReadonlySet<string>; asOneStep?: boolean } = {},
): { steps: RingStep[]; group?: RoutingRingGroup } {
  const diversion = { Diversion: `<sip:${from.extension}@${cfg.realm}>;reason=${reason}` };
  if (/^[0-9]{3,4}$/.test(destination)) {
    const group = cfg.ringGroups.get(destination);
    if (group) {
      const exclude = new Set([...(o.exclude ?? []), from.id]);
      const steps = groupSteps(cfg, group, { exclude, headers: diversion, asOneStep: o.asOneStep }).map((st) => ({ ...st, why: `${why} to ${st.why}` }));
      // the busy branch is one step: there the group's members ring together, without its fallback
      if (!o.asOneStep) steps.push(...fallbackSteps(cfg, platform, group, exclude).map((st) => ({ ...st, headers: { ...diversion, ...st.headers } })));
      return steps.length ? { steps, group } : { steps };
    }
    const to = cfg.users.get(destination);
    if (!to || !to.enabled || to.id === from.id) return { steps: [] };
    return { steps: [{ targets: [userTarget(cfg, to)], timeout: to.ringTime, why: `${why} to ${to.extension}`, headers: diversion }] };
  }
  if (/^\+[0-9]{6,15}$/.test(destination)) {
    const leg = externalLeg(cfg, platform, from, destination);
    return { steps: leg ? [{ targets: [leg], timeout: EXTERNAL_RING_TIME, why: `${why} to ${leg.label}`, headers: diversion }] : [] };
  }
  return { steps: [] };
}

/**
 * How a call to a user rings: divert all; else the user's devices for their ring time with smart calling
 * folded in; then divert on no answer, else voicemail. Busy has its own branch: divert on busy, else voicemail.
 *
 * Smart calling (the mobile is an external number):
 *  - sequential: devices for the smart-call timeout, then the mobile alone for the ring time;
 *  - parallel: devices and mobile together for the ring time;
 *  - parallel delayed: devices for the smart-call timeout, then devices and mobile together for the ring time.
 * External legs (diversion to a number, the mobile) are calls of this user: a number their enabled call types
 * forbid is skipped (no smart calling: devices for the ring time; a diversion: the next step, e.g. voicemail).
 * A diversion to a ring group's extension rings the group (groupSteps) without the diverting user and without
 * `callerId` (the caller's own phones); `ringGroup` is then set (the call ends 480 when nobody answers).
 */
export function ringPlan(
  cfg: AccountRoutingConfig,
  platform: Platform,
  user: RoutingUser,
  o: { callerId?: string } = {},
): { steps: RingStep[]; onBusy: RingStep | null; ringGroup?: RoutingRingGroup; diverted?: 'all' | 'busy' } {
  const f = user.features;
  // a group this user diverts to never rings the caller's own phones
  const exclude = new Set(o.callerId ? [o.callerId] : []);
  if (f.divertAll.enabled && f.divertAll.destination) {
    const all = divertSteps(cfg, platform, user, f.divertAll.destination, 'divert all', 'unconditional', { exclude });
    if (all.steps.length) return { steps: all.steps, onBusy: null, diverted: 'all', ...(all.group && { ringGroup: all.group }) };
  }
  const devices = userTarget(cfg, user);
  const sc = f.smartCalling;
  const steps: RingStep[] = [];
  // The mobile leg is an external call of the user: not allowed by their enabled calls → no smart calling.
  const mobile = sc.enabled && sc.number ? externalLeg(cfg, platform, user, sc.number) : null;
  if (mobile) {
    if (sc.type === 'sequential') {
      steps.push({ targets: [devices], timeout: sc.timeout, why: 'devices (smart calling: sequential)' });
      steps.push({ targets: [mobile], timeout: user.ringTime, why: 'smart calling: mobile' });
    } else if (sc.type === 'parallel') {
      steps.push({ targets: [devices, mobile], timeout: user.ringTime, why: 'devices and mobile (smart calling: parallel)' });
    } else {
      steps.push({ targets: [devices], timeout: sc.timeout, why: 'devices (smart calling: parallel delayed)' });
      steps.push({ targets: [devices, mobile], timeout: user.ringTime, why: 'devices and mobile (smart calling: parallel delayed)' });
    }
  } else {
    steps.push({ targets: [devices], timeout: user.ringTime, why: 'devices' });
  }
  const vm = user.vmEnabled ? voicemailStep(cfg, platform, user) : null;
  const noAnswer = f.divertNoAnswer.enabled && f.divertNoAnswer.destination ? divertSteps(cfg, platform, user, f.divertNoAnswer.destination, 'divert on no answer', 'no-answer', { exclude }) : { steps: [] };
  if (noAnswer.steps.length) steps.push(...noAnswer.steps);
  else if (vm) steps.push(vm);
  // the busy branch is one step: a sequential group there rings its members together
  const busy = f.divertBusy.enabled && f.divertBusy.destination ? divertSteps(cfg, platform, user, f.divertBusy.destination, 'divert on busy', 'user-busy', { exclude, asOneStep: true }) : { steps: [] };
  const ringGroup = noAnswer.group ?? busy.group;
  return { steps, onBusy: busy.steps[0] ?? (user.vmEnabled ? voicemailStep(cfg, platform, user, 'busy') : null), ...(ringGroup && { ringGroup }), ...(busy.steps[0] && { diverted: 'busy' as const }) };
}

/** Dialled digits as typed: digits, a leading +, * and #; spaces and separators dropped. */
export function cleanDialled(raw: string): string {
  return raw.replace(/[\s\-().]/g, '');
}

/**
 * Local dialling: in Australia an 8-digit number (no leading 0) is local to the office's area code,
 * so it gets that area code in front ('9123 4567' in an 02 office → 02 9123 4567).
 */
export function applyAreaCode(dialled: string, office: Pick<RoutingOffice, 'country' | 'areaCode'>): string {
  if (office.country === 'AU' && office.areaCode && /^[1-9][0-9]{7}$/.test(dialled)) {
    return `0${office.areaCode.replace(/^0+/, '')}${dialled}`;
  }
  return dialled;
}

export type OutboundClass = { kind: 'local' | 'national' | 'mobile' | 'international'; e164: string } | { kind: 'invalid' };

const outboundMemo = new Map<string, OutboundClass>();
const OUTBOUND_MEMO_MAX = 50_000;

/**
 * Classifies a dialled (non-emergency) number against the office country and area code with ONE parse
 * (the same classes as shared/phone.ts classifyDialled, which it is tested against), and gives its E.164.
 * Parsing with full metadata costs ~0.1 ms, so results are memoised (bounded; pure, so always safe).
 */
export function classifyOutbound(dialled: string, country: string, areaCode: string | null): OutboundClass {
  const key = `${country}|${areaCode ?? ''}|${dialled}`;
  const hit = outboundMemo.get(key);
  if (hit) return hit;
  const result = classifyUncached(dialled, country, areaCode);
  if (outboundMemo.size >= OUTBOUND_MEMO_MAX) outboundMemo.clear();
  outboundMemo.set(key, result);
  return result;
}

function classifyUncached(dialled: string, country: string, areaCode: string | null): OutboundClass {
  const parsed = parsePhoneNumberFromString(dialled, country as CountryCode);
  if (!parsed || !parsed.isValid()) return { kind: 'invalid' };
  const e164 = parsed.number as string;
  if (parsed.country !== country.toUpperCase()) return { kind: 'international', e164 };
  if (parsed.getType() === 'MOBILE') return { kind: 'mobile', e164 };
  if (areaCode && parsed.nationalNumber.toString().startsWith(areaCode.replace(/^0+/, ''))) return { kind: 'local', e164 };
  return { kind: 'national', e164 };
}

function internalCallerId(cfg: AccountRoutingConfig, caller: RoutingUser): { callerId: CallerId; headers: Record<string, string> } {
  return {
    callerId: { number: caller.extension, display: caller.displayName, withheld: false },
    headers: { 'P-Asserted-Identity': `"${caller.displayName.replace(/["\\\r\n]/g, '')}" <sip:${caller.extension}@${cfg.realm}>` },
  };
}

function callUser(
  cfg: AccountRoutingConfig,
  platform: Platform,
  callee: RoutingUser,
  kind: 'internal' | 'inbound',
  callerId: CallerId | null,
  headers: Record<string, string>,
  caller?: RoutingUser,
): Decision {
  if (!callee.enabled) return reject(480, 'Temporarily Unavailable - user disabled');
  const { steps, onBusy, ringGroup, diverted } = ringPlan(cfg, platform, callee, { callerId: caller?.id });
  const h = { ...headers };
  if (callee.pickupGroup) h['X-Switchboard-Pickup-Group'] = `${callee.pickupGroup};account=${cfg.code}`;
  const pickable = pickableCall(cfg, callee, steps, caller);
  const offer = kind === 'internal' && caller && !diverted ? callbackOffer(cfg, platform, caller, callee) : null;
  return {
    action: 'route',
    kind,
    steps,
    onBusy: offer ?? onBusy,
    callerId,
    headers: h,
    ...(ringGroup && { ringGroup: { extension: ringGroup.extension, noAnswer: groupNoAnswer(ringGroup) } }),
    ...(pickable && { pickable }),
    ...(offer && { campOn: `sip:${callee.extension}@${cfg.realm}` }),
  };
}

/** Header naming caller, callee and account of a callback offer (the feature server's menu; callbacks/rules.ts). */
export const CALLBACK_HEADER = 'X-Switchboard-Callback';

/**
 * Callback on busy (seed 001 'Enable Callback', issue 14): an *internal* call to a user with Enable Callback
 * who is busy — their phone answers 486/600, or they are already in a call (Kamailio's dialog state, `camp_on`
 * in the routing document) — goes to the feature server, which offers "1: leave a voicemail" (when the
 * callee's mailbox is on) and "5: call me back when the line is free". Not for calls from the trunk, not to
 * oneself; a divert on busy or divert all of the callee takes precedence (the user chose where busy calls go).
 */
function callbackOffer(cfg: AccountRoutingConfig, platform: Platform, caller: RoutingUser, callee: RoutingUser): RingStep | null {
  if (!callee.features.callbackOnBusy || caller.id === callee.id) return null;
  return {
    targets: [{ kind: 'feature', uri: `sip:callback@${platform.voicemail}`, label: `callback offer ${callee.extension}` }],
    timeout: 0,
    why: `busy: callback offer (caller ${caller.extension} may camp on ${callee.extension})`,
    headers: { [CALLBACK_HEADER]: `offer;caller=${caller.extension};callee=${callee.extension};account=${cfg.code}${callee.vmEnabled ? ';vm=1' : ''}` },
  };
}

/**
 * A call to `callee` can be picked up while it rings when its first step rings the callee's own devices (not
 * when divert all sends it elsewhere: the phones ringing then are someone else's). It is remembered under the
 * callee's extension and pickup group (none: only directed pickup can take it).
 */
function pickableCall(cfg: AccountRoutingConfig, callee: RoutingUser, steps: RingStep[], caller?: RoutingUser): Pickable | null {
  const own = aorUri(cfg, callee);
  if (!steps[0]?.targets.some((t) => t.kind === 'user' && t.uri === own)) return null;
  return { account: cfg.code, group: callee.pickupGroup, extension: callee.extension, caller: caller?.extension ?? null };
}

/**
 * Directed pickup (**<ext>) by `caller`: allowed for an enabled user of the same account (the configuration is
 * the caller's account, so another tenant's extension is simply unknown here). When the target is in a pickup
 * group the caller must be in that same group; a target in no group may be picked up by any user of the
 * account (like an unguarded desk). Never one's own extension, never a ring group's extension.
 */
export function directedPickup(cfg: AccountRoutingConfig, caller: RoutingUser, extension: string): Decision {
  const target = cfg.users.get(extension);
  if (!target || !target.enabled) return reject(404, `Not Found - no extension ${extension} to pick up from`);
  if (target.id === caller.id) return reject(403, 'Forbidden - cannot pick up a call to your own extension');
  if (target.pickupGroup && target.pickupGroup !== caller.pickupGroup) {
    return reject(403, `Forbidden - extension ${extension} is in another pickup group`);
  }
  return { action: 'pickup', pickup: { account: cfg.code, picker: caller.extension, group: null, extension } };
}

/**
 * A call to a ring group's extension (dialled, a DDI assigned to the group, an office main number): the group's
 * steps (groupSteps) without the caller's own phones, no busy branch (a busy member does not end the call: the
 * next member or the others still ring), then the group's fallback (fallbackSteps: a user's devices or mailbox).
 * When nothing answers the caller gets groupNoAnswer (486 for a 'busy' fallback, else 480). Offline members'
 * steps are skipped by the SIP server, so a group with nobody registered goes straight to its fallback. With no
 * member that can ring (none, all disabled, or only the caller) and no fallback step: refused at once.
 */
function callGroup(cfg: AccountRoutingConfig, platform: Platform, group: RoutingRingGroup, kind: 'internal' | 'inbound', callerId: CallerId | null, headers: Record<string, string>, caller?: RoutingUser): Decision {
  const exclude = new Set(caller ? [caller.id] : []);
  const steps = [...groupSteps(cfg, group, { exclude }), ...fallbackSteps(cfg, platform, group, exclude)];
  const noAnswer = groupNoAnswer(group);
  if (!steps.length) {
    return noAnswer.code === 486 ? reject(486, `Busy Here - no member of ring group ${group.extension} can take calls`) : reject(480, `Temporarily Unavailable - no member of ring group ${group.extension} can take calls`);
  }
  return { action: 'route', kind, steps, onBusy: null, callerId, headers: { ...headers }, ringGroup: { extension: group.extension, noAnswer } };
}

/** The office whose main number (Default Outbound Number) is `e164`; the first by id when several share it. */
export function officeByMainNumber(cfg: AccountRoutingConfig, e164: string): RoutingOffice | undefined {
  let found: RoutingOffice | undefined;
  for (const o of cfg.offices.values()) if (o.defaultOutboundNumber === e164 && (!found || o.id < found.id)) found = o;
  return found;
}

/**
 * A call to an office's main number: its current mode's destination. An extension rings that user's ring plan
 * (or the ring group), 'voicemail:<ext>' goes straight to the mailbox, 'busy' answers 486, 'none' 480. A
 * destination that no longer works (user gone or disabled, group with nobody to ring, mailbox off) answers 480.
 */
function callOffice(cfg: AccountRoutingConfig, platform: Platform, office: RoutingOffice, callerId: CallerId): Decision {
  const mode = office.dayNightMode === 'night' ? 'night' : 'day';
  const raw = mode === 'night' ? office.nightDestination : office.dayDestination;
  const d = parseDestination(raw);
  if (!d || d.kind === 'none') return reject(480, `Temporarily Unavailable - no ${mode} destination for this number`);
  if (d.kind === 'busy') return reject(486, `Busy Here - ${mode} mode`);
  const user = cfg.users.get(d.extension);
  if (d.kind === 'voicemail') {
    if (!user || !user.vmEnabled) return reject(480, `Temporarily Unavailable - no mailbox ${d.extension}`);
    const step = voicemailStep(cfg, platform, user);
    return {
      action: 'voicemail',
      mode: 'deposit',
      mailbox: user.extension,
      steps: [{ ...step, headers: undefined, why: `office main number (${mode}): voicemail ${user.extension}` }],
      headers: step.headers ?? {},
    };
  }
  if (user) return callUser(cfg, platform, user, 'inbound', callerId, {});
  const group = cfg.ringGroups.get(d.extension);
  if (group) return callGroup(cfg, platform, group, 'inbound', callerId, {});
  return reject(480, `Temporarily Unavailable - ${mode} destination ${d.extension} does not exist`);
}

/** E.164 candidates for a number delivered by the trunk (with or without the +). */
export function inboundCandidates(to: string): string[] {
  const d = cleanDialled(to);
  if (/^\+[0-9]{6,15}$/.test(d)) return [d];
  if (/^[0-9]{6,15}$/.test(d)) return [`+${d}`];
  return [];
}

export function decideRoute(cfg: AccountRoutingConfig, platform: Platform, req: RouteRequest): Decision {
  const to = cleanDialled(req.to);
  if (req.source === 'trunk') {
    const e164 = inboundCandidates(to).find((n) => cfg.numbers.has(n));
    if (!e164) return reject(404, 'Not Found - no such number');
    const userId = cfg.numbers.get(e164);
    const callee = userId ? cfg.usersById.get(userId) : undefined;
    const caller = cleanDialled(req.from);
    const callerId = { number: caller || null, display: null, withheld: caller === '' || /anonymous/i.test(caller) };
    // a DDI assigned to a user rings the user, one assigned to a ring group the group, even when it is also an
    // office's main number
    if (callee) return callUser(cfg, platform, callee, 'inbound', callerId, {});
    const groupId = cfg.numberGroups.get(e164);
    const group = groupId ? cfg.ringGroupsById.get(groupId) : undefined;
    if (group) return callGroup(cfg, platform, group, 'inbound', callerId, {});
    const office = officeByMainNumber(cfg, e164);
    if (office) return callOffice(cfg, platform, office, callerId);
    return reject(404, 'Not Found - number not assigned');
  }

  const caller = cfg.usersBySip.get(req.from);
  if (!caller || !caller.enabled) return reject(403, 'Forbidden - caller is not an enabled user of this account');
  const office = officeOf(cfg, caller);
  const country = office.country;
  const outbound = outboundCallerId(cfg, caller, office);

  // Emergency first, before any extension or service code: an extension may equal an emergency number of a
  // country whose office was added after the extension existed, and dialling it must still reach emergency
  // services. Always allowed, whatever the user's enabled calls; the caller ID is never withheld.
  if (emergencyNumbersFor(country).includes(to)) {
    const emergency = emergencyCallerId(cfg, caller, office);
    return {
      action: 'route',
      kind: 'emergency',
      steps: [{ targets: [externalTarget(platform, to)], timeout: 0, why: 'emergency' }],
      onBusy: null,
      callerId: { number: emergency.number, display: null, withheld: false },
      headers: emergency.pai ? { 'P-Asserted-Identity': emergency.pai } : {},
    };
  }

  if (to === VOICEMAIL_ACCESS_CODE) {
    if (!caller.vmEnabled) return reject(403, 'Forbidden - voicemail is not enabled for this user');
    const headers = { 'X-Switchboard-Voicemail': `access;mailbox=${caller.extension};account=${cfg.code}` };
    return {
      action: 'voicemail',
      mode: 'access',
      mailbox: caller.extension,
      steps: [{ targets: [{ kind: 'voicemail', uri: `sip:${VOICEMAIL_ACCESS_CODE}@${platform.voicemail}`, label: 'voicemail access' }], timeout: 0, why: 'voicemail access (777)' }],
      headers,
    };
  }
  if (to === DAY_NIGHT_CODE) {
    if (!caller.security.handsetManagement.toggleDayNight) return reject(403, `Forbidden - Day/Night is not allowed for extension ${caller.extension}`);
    const own = cfg.offices.get(caller.officeId);
    if (!own) return reject(404, 'Not Found - no office');
    const mode = own.dayNightMode === 'night' ? 'day' : 'night';
    return {
      action: 'route',
      kind: 'internal',
      steps: [{ targets: [{ kind: 'feature', uri: `sip:${DAY_NIGHT_CODE}@${platform.voicemail}`, label: `day/night ${mode}` }], timeout: 0, why: `day/night: office now in ${mode} mode` }],
      onBusy: null,
      callerId: null,
      headers: { [FEATURE_HEADER]: `daynight;mode=${mode};account=${cfg.code};office=${own.id}`, ...internalCallerId(cfg, caller).headers },
      effect: { kind: 'dayNight', officeId: own.id, userId: caller.id, mode },
    };
  }
  if (to === RECORDINGS_CODE) {
    if (!caller.security.handsetManagement.updateRecordings) return reject(403, `Forbidden - updating recordings is not allowed for extension ${caller.extension}`);
    if (!caller.vmEnabled) return reject(403, 'Forbidden - voicemail is not enabled for this user');
    return {
      action: 'voicemail',
      mode: 'access',
      mailbox: caller.extension,
      steps: [{ targets: [{ kind: 'voicemail', uri: `sip:${VOICEMAIL_ACCESS_CODE}@${platform.voicemail}`, label: 'voicemail options' }], timeout: 0, why: 'update recordings (*29): mailbox options' }],
      headers: { 'X-Switchboard-Voicemail': `access;mailbox=${caller.extension};account=${cfg.code};menu=options` },
    };
  }
  if (to === PICKUP_CODE) {
    if (!caller.pickupGroup) return reject(403, 'Forbidden - no pickup group');
    return { action: 'pickup', pickup: { account: cfg.code, picker: caller.extension, group: caller.pickupGroup, extension: null } };
  }
  if (to.startsWith(DIRECTED_PICKUP_PREFIX)) {
    const ext = to.slice(DIRECTED_PICKUP_PREFIX.length);
    if (!/^[0-9]{3,4}$/.test(ext)) return reject(404, 'Not Found - directed pickup is ** and an extension');
    return directedPickup(cfg, caller, ext);
  }

  const callee = cfg.users.get(to);
  if (callee) {
    const id = internalCallerId(cfg, caller);
    return callUser(cfg, platform, callee, 'internal', id.callerId, id.headers, caller);
  }
  const group = cfg.ringGroups.get(to);
  if (group) {
    const id = internalCallerId(cfg, caller);
    return callGroup(cfg, platform, group, 'internal', id.callerId, id.headers, caller);
  }
  if (!/^\+?[0-9]+$/.test(to)) return reject(404, 'Not Found - no such extension or service');
  if (/^[1-9][0-9]{2,3}$/.test(to)) return reject(404, 'Not Found - no such extension');

  const dialled = applyAreaCode(to, office);
  const parsed = classifyOutbound(dialled, country, office.areaCode);
  if (parsed.kind === 'invalid') return reject(484, 'Address Incomplete - not a valid number');
  const kind = parsed.kind;
  // One of the account's own direct numbers: stays on the PBX.
  const ownerId = cfg.numbers.get(parsed.e164);
  if (ownerId) {
    const owner = cfg.usersById.get(ownerId);
    if (owner) {
      const id = internalCallerId(cfg, caller);
      return callUser(cfg, platform, owner, 'internal', id.callerId, id.headers, caller);
    }
  }
  if (!caller.security.enabledCalls[kind]) return reject(403, `Forbidden - ${kind} calls are not enabled for extension ${caller.extension}`);
  const withheld = caller.hideCallerId;
  const headers: Record<string, string> = {};
  if (outbound.pai) headers['P-Asserted-Identity'] = outbound.pai;
  if (withheld) headers.Privacy = 'id';
  return {
    action: 'route',
    kind,
    steps: [{ targets: [externalTarget(platform, parsed.e164)], timeout: 0, why: `${kind} call` }],
    onBusy: null,
    callerId: { number: outbound.number, display: null, withheld },
    headers,
  };
}

// ---------- rtjson ----------

export interface RtjsonRoute {
  uri: string;
  fr_inv_timer?: number;
  headers?: { extra: string };
  /** Switchboard extension: a second target rung in parallel with `uri` in this step (the smart-call mobile). */
  also?: string;
  /** Switchboard extension: the headers of the `also` branch (instead of `headers`; it is an external leg). */
  also_headers?: { extra: string };
  /**
   * Switchboard extension: the From user of a branch to the carrier (the asserted number, or `anonymous` when the
   * caller ID is withheld or there is none): a phone's own From names its internal SIP username, which the carrier
   * must never see (Kamailio replaces From and the Contact user on branches a phone's call sends to the trunk).
   */
  from_user?: string;
  /** Switchboard extension: the same for the `also` branch. */
  also_from_user?: string;
  /**
   * Switchboard extension: more AoRs rung in parallel with `uri` in this step (the other members of a
   * simultaneous ring group), each looked up in usrloc like `uri`, with the step's timer and `headers`.
   */
  parallel?: string[];
  why: string;
}

export interface RtjsonDoc {
  version: '1.0';
  action: Decision['action'];
  routing?: 'serial';
  routes?: RtjsonRoute[];
  /** Switchboard extension: taken when a step answers busy. */
  busy?: RtjsonRoute;
  kind?: string;
  code?: number;
  reason?: string;
  /** Switchboard extension: the call rings this ring group (a member's 6xx does not end it). */
  ring_group?: string;
  /** Switchboard extension: the final answer when every step failed (a ring group nobody answered: 480). */
  no_answer?: { code: number; reason: string };
  /** Switchboard extension: On Hold Music track of the caller's and the callee's office (holdMusicOf). */
  moh?: { caller?: string; callee?: string };
  /** Switchboard extension: Kamailio remembers this call while it rings, for call pickup. */
  pickable?: Pickable;
  /** Switchboard extension (action 'pickup'): the call Kamailio is to take over for the caller. */
  pickup?: PickupRequest;
  /** Switchboard extension: the call is recorded; rtpengine's metadata for it (recordingOf, base64url JSON). */
  record?: string;
  /**
   * Switchboard extension: the callee's presentity (sip:<ext>@<realm>) when a busy callee gets the callback
   * offer: Kamailio takes the `busy` branch at once while that extension is already in a call (dialog profile).
   */
  camp_on?: string;
}

/** Header sets merged left to right; a null value removes that header. One `Name: value\r\n` line each. */
function extraHeaders(...sets: Array<Record<string, string | null> | undefined>): string {
  const all: Record<string, string | null> = Object.assign({}, ...sets.filter(Boolean));
  return Object.entries(all)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}\r\n`)
    .join('');
}

/** The From user a branch to the carrier presents: the asserted number (PAI), `anonymous` when withheld or unknown. */
export function trunkFromUser(headers: Record<string, string | null>): string {
  if (headers.Privacy === 'id') return 'anonymous';
  const m = /<sip:(\+?[0-9]{3,20})@/.exec(headers['P-Asserted-Identity'] ?? '');
  return m ? m[1]! : 'anonymous';
}

function mergedHeaders(...sets: Array<Record<string, string | null> | undefined>): Record<string, string | null> {
  return Object.assign({}, ...sets.filter(Boolean));
}

function stepToRoute(step: RingStep, headers: Record<string, string>): RtjsonRoute {
  const [first, ...rest] = step.targets;
  if (!first) throw new Error('a ring step needs a target');
  const external = rest.filter((t) => t.kind !== 'user');
  const parallel = rest.filter((t) => t.kind === 'user');
  if (external.length > 1) throw new Error('a ring step has at most one parallel external target');
  if (parallel.length && first.kind !== 'user') throw new Error('parallel user targets need a user target first');
  const extra = extraHeaders(headers, step.headers, first.headers);
  // parallel AoRs get the step's headers (Kamailio's rtjson_update_branch): they must not need their own
  for (const t of parallel) {
    if (extraHeaders(headers, step.headers, t.headers) !== extra) throw new Error('parallel user targets must share the first target\'s headers');
  }
  const also = external[0];
  const alsoExtra = also ? extraHeaders(headers, step.headers, also.headers) : '';
  return {
    uri: first.uri,
    ...(step.timeout > 0 && { fr_inv_timer: step.timeout * 1000 }),
    ...(extra && { headers: { extra } }),
    ...(also && { also: also.uri }),
    ...(alsoExtra && { also_headers: { extra: alsoExtra } }),
    ...(first.kind === 'external' && { from_user: trunkFromUser(mergedHeaders(headers, step.headers, first.headers)) }),
    ...(also && { also_from_user: trunkFromUser(mergedHeaders(headers, step.headers, also.headers)) }),
    ...(parallel.length > 0 && { parallel: parallel.map((t) => t.uri) }),
    why: step.why,
  };
}

/**
 * The decision as Kamailio's rtjson document: serial routing over the steps (fr_inv_timer = the step's
 * ring time, headers.extra = caller ID / diversion headers), plus Switchboard's `also` (a parallel target
 * within a step) with its own `also_headers`, `parallel` (more AoRs rung with `uri`: a simultaneous ring group),
 * `busy` (the busy branch), `ring_group` / `no_answer` (a ring group call's final 480) and
 * `action`/`code`/`reason` for refusals.
 */
export function toRtjson(d: Decision): RtjsonDoc {
  if (d.action === 'reject') return { version: '1.0', action: 'reject', code: d.code, reason: d.reason };
  if (d.action === 'pickup') return { version: '1.0', action: 'pickup', pickup: { ...d.pickup }, code: NOTHING_TO_PICK_UP.code, reason: NOTHING_TO_PICK_UP.reason };
  return {
    version: '1.0',
    action: d.action,
    routing: 'serial',
    kind: d.action === 'route' ? d.kind : `voicemail-${d.mode}`,
    routes: d.steps.map((s) => stepToRoute(s, d.headers)),
    ...(d.action === 'route' && d.onBusy && { busy: stepToRoute(d.onBusy, d.headers) }),
    ...(d.action === 'route' && d.ringGroup && { ring_group: d.ringGroup.extension, no_answer: d.ringGroup.noAnswer }),
    ...(d.action === 'route' && d.pickable && { pickable: { ...d.pickable } }),
    ...(d.action === 'route' && d.campOn && d.onBusy && { camp_on: d.campOn }),
  };
}

/** Builds the indexed configuration from plain lists (the repository and the tests both use it). */
export function makeConfig(parts: {
  accountId: string;
  code: string;
  realm: string;
  country: string;
  offices: RoutingOffice[];
  users: RoutingUser[];
  numbers: Array<[string, string | null]>;
  ringGroups?: RoutingRingGroup[];
  /** E.164 → ring group id, for direct numbers assigned to a group. */
  numberGroups?: Array<[string, string]>;
  /** The account's main number; default: the first office's (in list order) default outbound number, else the lowest number. */
  mainNumber?: string | null;
}): AccountRoutingConfig {
  const mainNumber = parts.mainNumber !== undefined ? parts.mainNumber : (parts.offices.find((o) => o.defaultOutboundNumber)?.defaultOutboundNumber ?? ([...parts.numbers.map(([n]) => n)].sort()[0] ?? null));
  return {
    mainNumber,
    accountId: parts.accountId,
    code: parts.code,
    realm: parts.realm,
    country: parts.country,
    offices: new Map(parts.offices.map((o) => [o.id, o])),
    users: new Map(parts.users.map((u) => [u.extension, u])),
    usersById: new Map(parts.users.map((u) => [u.id, u])),
    usersBySip: new Map(parts.users.map((u) => [u.sipUsername, u])),
    numbers: new Map(parts.numbers),
    ringGroups: new Map((parts.ringGroups ?? []).map((g) => [g.extension, g])),
    ringGroupsById: new Map((parts.ringGroups ?? []).map((g) => [g.id, g])),
    numberGroups: new Map(parts.numberGroups ?? []),
  };
}

const TRACK_ID = /^(default|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * On Hold Music of a call (seeds 000/001: the office setting; what the other party hears when a user puts
 * them on hold): the caller's office track (internal calls) and the called user's office track (a call to an
 * extension, or a DDI assigned to a user). Kamailio keeps them in the dialog's Record-Route and has rtpengine
 * play the holder's track to the held party. Only well-formed track ids ('default' or a media UUID) pass.
 */
export function holdMusicOf(cfg: AccountRoutingConfig, req: RouteRequest): { caller?: string; callee?: string } {
  const track = (u: RoutingUser | undefined) => {
    const id = u ? cfg.offices.get(u.officeId)?.holdMusic : undefined;
    return id && TRACK_ID.test(id) ? id : u ? 'default' : undefined;
  };
  const to = cleanDialled(req.to);
  const caller = req.source === 'internal' ? cfg.usersBySip.get(req.from) : undefined;
  let callee = cfg.users.get(to);
  if (req.source === 'trunk') {
    const e164 = inboundCandidates(to).find((n) => cfg.numbers.has(n));
    const userId = e164 ? cfg.numbers.get(e164) : null;
    callee = userId ? cfg.usersById.get(userId) : undefined;
  }
  const out: { caller?: string; callee?: string } = {};
  const c = track(caller);
  const d = track(callee);
  if (c) out.caller = c;
  if (d) out.callee = d;
  return out;
}

/** What a recorded call's metadata says (Switchboard → Kamailio → rtpengine's metadata file → the importer). */
export interface RecordingMeta {
  /** format version */
  v: 1;
  /** account id */
  a: string;
  /** direction: internal (extension to extension), inbound (a DDI call from the carrier), outbound (to a number) */
  d: 'internal' | 'inbound' | 'outbound';
  /** the calling user (internal and outbound calls) */
  cu?: string;
  /** the called user (internal calls, and inbound calls to a user's direct number) */
  eu?: string;
  /** the calling party as presented: an extension or a number ('' when withheld) */
  cn: string;
  /** the called party as dialled: an extension or a number */
  en: string;
}

/** base64url of the JSON: no spaces or quotes, so it passes through Kamailio's rtpengine flags as one word. */
export function encodeRecordingMeta(m: RecordingMeta): string {
  return Buffer.from(JSON.stringify(m)).toString('base64url');
}

/**
 * Call recording (seed 000 Security 'Record calls from this extension'): a routed call is recorded when the
 * calling user or the called user has recordCalls. Returns the metadata Kamailio hands rtpengine
 * (`record-call=yes metadata=…`), or undefined. Voicemail, feature codes and calls to ring groups by their
 * own callee (only a recorded caller records those) are never recorded by the callee's setting.
 */
export function recordingOf(cfg: AccountRoutingConfig, req: RouteRequest, d: Decision): string | undefined {
  if (d.action !== 'route' || d.effect) return undefined;
  if (d.steps.some((s) => s.targets.some((t) => t.kind === 'feature'))) return undefined;
  const to = cleanDialled(req.to);
  const caller = req.source === 'internal' ? cfg.usersBySip.get(req.from) : undefined;
  let callee: RoutingUser | undefined;
  if (req.source === 'trunk') {
    const e164 = inboundCandidates(to).find((n) => cfg.numbers.has(n));
    const userId = e164 ? cfg.numbers.get(e164) : null;
    callee = userId ? cfg.usersById.get(userId) : undefined;
  } else if (d.kind === 'internal') {
    callee = cfg.users.get(to);
  }
  if (!caller?.security.recordCalls && !callee?.security.recordCalls) return undefined;
  const direction = req.source === 'trunk' ? 'inbound' : d.kind === 'internal' ? 'internal' : 'outbound';
  const meta: RecordingMeta = {
    v: 1,
    a: cfg.accountId,
    d: direction,
    ...(caller && { cu: caller.id }),
    ...(callee && { eu: callee.id }),
    cn: caller ? caller.extension : cleanDialled(req.from).replace(/[^0-9+*#]/g, '').slice(0, 32),
    en: to.replace(/[^0-9+*#]/g, '').slice(0, 32),
  };
  return encodeRecordingMeta(meta);
}
