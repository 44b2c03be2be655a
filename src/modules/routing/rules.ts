/**
 * Pure routing decision: (account configuration, platform, request) → where the INVITE goes.
 * No IO. Kamailio asks routes.ts, which loads the configuration (repository.ts) and calls decideRoute();
 * toRtjson() turns the decision into the document Kamailio's rtjson module consumes.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { emergencyNumbersFor } from '../../shared/phone.ts';
import { VOICEMAIL_ACCESS_CODE } from '../users/rules.ts';
import type { AccountRoutingConfig, CallerId, Decision, Platform, RingStep, RouteRequest, RoutingOffice, RoutingUser, Target } from './schema.ts';

/** Group call pickup: dial *8 to answer a call ringing in your pickup group (handled by the feature server). */
export const PICKUP_CODE = '*8';
/** Ring time of an external diversion / smart-call destination when nothing else says (seconds). */
export const EXTERNAL_RING_TIME = 60;
/** Marks an AoR in the routing document: Kamailio looks these up in usrloc and rings every registered device. */
export const AOR_PARAM = 'sb=aor';

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
  const office = cfg.offices.get(user.officeId) ?? { id: '', country: cfg.country, areaCode: null, defaultOutboundNumber: null };
  return office.country ? office : { ...office, country: cfg.country };
}

/** The caller ID a user presents on the public network: their outbound number, else the office default. */
function outboundCallerId(cfg: AccountRoutingConfig, user: RoutingUser, office: RoutingOffice): { number: string | null; pai: string | null } {
  const number = user.outboundNumber ?? office.defaultOutboundNumber;
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
 * A diversion destination as a step: an enabled internal user's devices, or an external number the diverting
 * user may call (externalLeg). null = no such step (disabled/unknown extension, forbidden or invalid number):
 * the ring plan goes on without it.
 */
function divertStep(cfg: AccountRoutingConfig, platform: Platform, from: RoutingUser, destination: string, why: string, reason: string): RingStep | null {
  const diversion = { Diversion: `<sip:${from.extension}@${cfg.realm}>;reason=${reason}` };
  if (/^[0-9]{3,4}$/.test(destination)) {
    const to = cfg.users.get(destination);
    if (!to || !to.enabled || to.id === from.id) return null;
    return { targets: [userTarget(cfg, to)], timeout: to.ringTime, why: `${why} to ${to.extension}`, headers: diversion };
  }
  if (/^\+[0-9]{6,15}$/.test(destination)) {
    const leg = externalLeg(cfg, platform, from, destination);
    return leg ? { targets: [leg], timeout: EXTERNAL_RING_TIME, why: `${why} to ${leg.label}`, headers: diversion } : null;
  }
  return null;
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
 */
export function ringPlan(cfg: AccountRoutingConfig, platform: Platform, user: RoutingUser): { steps: RingStep[]; onBusy: RingStep | null } {
  const f = user.features;
  if (f.divertAll.enabled && f.divertAll.destination) {
    const step = divertStep(cfg, platform, user, f.divertAll.destination, 'divert all', 'unconditional');
    if (step) return { steps: [step], onBusy: null };
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
  const noAnswer = f.divertNoAnswer.enabled && f.divertNoAnswer.destination ? divertStep(cfg, platform, user, f.divertNoAnswer.destination, 'divert on no answer', 'no-answer') : null;
  if (noAnswer) steps.push(noAnswer);
  else if (vm) steps.push(vm);
  const busy = f.divertBusy.enabled && f.divertBusy.destination ? divertStep(cfg, platform, user, f.divertBusy.destination, 'divert on busy', 'user-busy') : null;
  return { steps, onBusy: busy ?? (user.vmEnabled ? voicemailStep(cfg, platform, user, 'busy') : null) };
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

function callUser(cfg: AccountRoutingConfig, platform: Platform, callee: RoutingUser, kind: 'internal' | 'inbound', callerId: CallerId | null, headers: Record<string, string>): Decision {
  if (!callee.enabled) return reject(480, 'Temporarily Unavailable - user disabled');
  const { steps, onBusy } = ringPlan(cfg, platform, callee);
  const h = { ...headers };
  if (callee.pickupGroup) h['X-Switchboard-Pickup-Group'] = `${callee.pickupGroup};account=${cfg.code}`;
  return { action: 'route', kind, steps, onBusy, callerId, headers: h };
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
    if (!callee) return reject(404, 'Not Found - number not assigned');
    const caller = cleanDialled(req.from);
    return callUser(cfg, platform, callee, 'inbound', { number: caller || null, display: null, withheld: caller === '' || /anonymous/i.test(caller) }, {});
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
    return {
      action: 'route',
      kind: 'emergency',
      steps: [{ targets: [externalTarget(platform, to)], timeout: 0, why: 'emergency' }],
      onBusy: null,
      callerId: { number: outbound.number, display: null, withheld: false },
      headers: outbound.pai ? { 'P-Asserted-Identity': outbound.pai } : {},
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
  if (to === PICKUP_CODE) {
    if (!caller.pickupGroup) return reject(403, 'Forbidden - no pickup group');
    return {
      action: 'route',
      kind: 'internal',
      steps: [{ targets: [{ kind: 'feature', uri: `sip:${PICKUP_CODE}@${platform.voicemail}`, label: `pickup ${caller.pickupGroup}` }], timeout: 0, why: `call pickup, group ${caller.pickupGroup}` }],
      onBusy: null,
      callerId: null,
      headers: { 'X-Switchboard-Pickup-Group': `${caller.pickupGroup};account=${cfg.code}`, ...internalCallerId(cfg, caller).headers },
    };
  }

  const callee = cfg.users.get(to);
  if (callee) {
    const id = internalCallerId(cfg, caller);
    return callUser(cfg, platform, callee, 'internal', id.callerId, id.headers);
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
      return callUser(cfg, platform, owner, 'internal', id.callerId, id.headers);
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
}

/** Header sets merged left to right; a null value removes that header. One `Name: value\r\n` line each. */
function extraHeaders(...sets: Array<Record<string, string | null> | undefined>): string {
  const all: Record<string, string | null> = Object.assign({}, ...sets.filter(Boolean));
  return Object.entries(all)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}\r\n`)
    .join('');
}

function stepToRoute(step: RingStep, headers: Record<string, string>): RtjsonRoute {
  const [first, ...rest] = step.targets;
  if (!first) throw new Error('a ring step needs a target');
  if (rest.length > 1) throw new Error('a ring step has at most two targets');
  const extra = extraHeaders(headers, step.headers, first.headers);
  const also = rest[0];
  const alsoExtra = also ? extraHeaders(headers, step.headers, also.headers) : '';
  return {
    uri: first.uri,
    ...(step.timeout > 0 && { fr_inv_timer: step.timeout * 1000 }),
    ...(extra && { headers: { extra } }),
    ...(also && { also: also.uri }),
    ...(alsoExtra && { also_headers: { extra: alsoExtra } }),
    why: step.why,
  };
}

/**
 * The decision as Kamailio's rtjson document: serial routing over the steps (fr_inv_timer = the step's
 * ring time, headers.extra = caller ID / diversion headers), plus Switchboard's `also` (a parallel target
 * within a step) with its own `also_headers`, `busy` (the busy branch) and `action`/`code`/`reason` for refusals.
 */
export function toRtjson(d: Decision): RtjsonDoc {
  if (d.action === 'reject') return { version: '1.0', action: 'reject', code: d.code, reason: d.reason };
  return {
    version: '1.0',
    action: d.action,
    routing: 'serial',
    kind: d.action === 'route' ? d.kind : `voicemail-${d.mode}`,
    routes: d.steps.map((s) => stepToRoute(s, d.headers)),
    ...(d.action === 'route' && d.onBusy && { busy: stepToRoute(d.onBusy, d.headers) }),
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
}): AccountRoutingConfig {
  return {
    accountId: parts.accountId,
    code: parts.code,
    realm: parts.realm,
    country: parts.country,
    offices: new Map(parts.offices.map((o) => [o.id, o])),
    users: new Map(parts.users.map((u) => [u.extension, u])),
    usersById: new Map(parts.users.map((u) => [u.id, u])),
    usersBySip: new Map(parts.users.map((u) => [u.sipUsername, u])),
    numbers: new Map(parts.numbers),
  };
}
