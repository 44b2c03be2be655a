/** Pure rules for users: no IO. The service feeds them what the store knows. */
import type { FieldError } from '../../shared/errors.ts';
import { classifyDialled, emergencyNumbersFor, toE164 } from '../../shared/phone.ts';
import { checkPin } from './pin.ts';
import type { Apps, Features, Security, SystemTag, UserCreate, VoicemailIn } from './schema.ts';

export { checkPin, generatePin, isTrivialPin } from './pin.ts';

/** The voicemail access code (seed 000: 'dial 777'). */
export const VOICEMAIL_ACCESS_CODE = '777';
export const DEFAULT_RING_TIME = 40;
export const DEFAULT_SMART_CALL_TIMEOUT = 20;

/** Codes an extension may neither equal nor start with: the countries' emergency numbers and 777. */
const reservedCache = new Map<string, string[]>();
export function reservedCodes(countries: readonly string[]): string[] {
  const key = countries.join(',');
  const hit = reservedCache.get(key);
  if (hit) return hit;
  const set = new Set<string>([VOICEMAIL_ACCESS_CODE]);
  for (const c of countries) for (const n of emergencyNumbersFor(c)) set.add(n);
  const codes = [...set].sort();
  if (reservedCache.size < 100) reservedCache.set(key, codes);
  return codes;
}

export interface ExtensionContext {
  /** The account's length, fixed by its first user; null while the account has none. */
  length: 3 | 4 | null;
  /** Countries of the account and its offices: every one's emergency numbers are refused. */
  countries: readonly string[];
}

export function checkExtension(ext: string, ctx: ExtensionContext): string | null {
  if (!/^[0-9]+$/.test(ext)) return 'must contain digits only';
  if (ext.length !== 3 && ext.length !== 4) return 'must be 3 or 4 digits';
  if (ctx.length && ext.length !== ctx.length) return `must be ${ctx.length} digits: this PBX uses ${ctx.length}-digit extensions and lengths cannot be mixed`;
  if (ext.startsWith('0')) return 'must not start with 0 (the prefix for outside numbers)';
  for (const code of reservedCodes(ctx.countries)) {
    if (ext === code || ext.startsWith(code)) {
      return code === VOICEMAIL_ACCESS_CODE
        ? `${ext === code ? 'is' : 'starts with'} the voicemail access code ${code}`
        : `${ext === code ? 'is' : 'starts with'} the emergency number ${code}`;
    }
  }
  return null;
}

/**
 * Adding a country to a PBX (a new office abroad, an office or the account moving country) adds that
 * country's emergency numbers to the codes no extension may equal or start with. Existing extensions that
 * would break the rule are named, so the change can be refused until they are renumbered: an extension
 * '911' in a PBX with a US office would sit where US callers dial emergency services.
 */
export function emergencyClash(extensions: Iterable<string>, country: string, knownCountries: readonly string[]): string | null {
  if (knownCountries.includes(country)) return null;
  const codes = reservedCodes([country]).filter((c) => c !== VOICEMAIL_ACCESS_CODE);
  const hits = [...extensions].filter((e) => codes.some((c) => e === c || e.startsWith(c))).sort();
  if (!hits.length) return null;
  const shown = hits.length > 10 ? `${hits.slice(0, 10).join(', ')} and ${hits.length - 10} more` : hits.join(', ');
  return `extension${hits.length > 1 ? 's' : ''} ${shown} ${hits.length > 1 ? 'are or start with' : 'is or starts with'} an emergency number of ${country} (${codes.join(', ')}): renumber ${hits.length > 1 ? 'them' : 'it'} first`;
}

/** Lowest free extension of the length that passes every rule, or null when the plan is full. */
export function nextAvailableExtension(used: ReadonlySet<string>, ctx: ExtensionContext, preferredLength: 3 | 4 = 3): string | null {
  const length = ctx.length ?? preferredLength;
  const start = length === 3 ? 100 : 1000;
  const end = length === 3 ? 999 : 9999;
  for (let n = start; n <= end; n++) {
    const ext = String(n);
    if (!used.has(ext) && checkExtension(ext, { ...ctx, length }) === null) return ext;
  }
  return null;
}

export function checkRingTime(n: number): string | null {
  return Number.isInteger(n) && n >= 5 && n <= 60 && n % 5 === 0 ? null : 'must be 5 to 60 seconds in steps of 5';
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function normaliseEmail(raw: string | null | undefined): string | null {
  const v = raw?.trim().toLowerCase();
  return v ? v : null;
}
export function checkEmail(email: string): string | null {
  return email.length <= 254 && EMAIL.test(email) ? null : 'must be a valid email address';
}

export function deriveDisplayName(first: string, last: string, given?: string): string {
  const explicit = given?.trim();
  return explicit ? explicit : `${first.trim()} ${last.trim()}`.trim();
}

/**
 * Seed 004's system tags. New: email but neither PIN nor portal password; Setup Required: no email; Password
 * Required: no portal password. A user who cannot log in to the portal (scope No Portal: a general extension)
 * never needs a portal password, so it is never Password Required and New only asks for the PIN; a Call
 * Routing user (no person, no hardware: it only routes calls) needs neither an email nor a password.
 */
export function systemTags(u: { email: string | null; pinSet: boolean; portalPasswordSet: boolean; scope?: string; userType?: string }): SystemTag[] {
  const tags: SystemTag[] = [];
  const callRouting = u.userType === 'call_routing';
  const portal = u.scope !== 'no_portal' && !callRouting;
  if (u.email && !u.pinSet && (!portal || !u.portalPasswordSet) && !callRouting) tags.push('new');
  if (!u.email && !callRouting) tags.push('setup_required');
  if (portal && !u.portalPasswordSet) tags.push('password_required');
  return tags;
}

/**
 * Defaults that follow what a user is for (seed 004): a Call Routing user exists only to route calls — no
 * portal (No Portal) and no voicemail ("leave unchecked for resource extensions") unless asked for; a person
 * is a Basic User with voicemail.
 */
export function defaultsFor(userType: string | undefined): { scope: 'no_portal' | 'basic_user'; voicemail: boolean } {
  return userType === 'call_routing' ? { scope: 'no_portal', voicemail: false } : { scope: 'basic_user', voicemail: true };
}

export const DEFAULT_FEATURES: Features = {
  callbackOnBusy: false,
  smartCalling: { enabled: false, number: null, timeout: DEFAULT_SMART_CALL_TIMEOUT, type: 'sequential' },
  divertAll: { enabled: false, destination: null },
  divertNoAnswer: { enabled: false, destination: null },
  divertBusy: { enabled: false, destination: null },
};
export const DEFAULT_SECURITY: Security = {
  enabledCalls: { local: true, national: true, mobile: true, international: false },
  handsetManagement: { updateSettings: false, toggleDayNight: false, updateRecordings: false, inCallShortcuts: true },
  overrideAccountCodeDialling: false,
  recordCalls: false,
  trainingMode: false,
  extensionPrivacy: false,
  maxExternalCalls: null,
};
export const DEFAULT_APPS: Apps = { softphone: false, crmConnect: false };

/** Deep merge of a partial settings object over a complete one (objects merge, everything else replaces). */
export function mergeDeep<T>(base: T, patch: unknown): T {
  if (patch === undefined) return base;
  if (typeof base !== 'object' || base === null || typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = mergeDeep(out[k], v);
  return out as T;
}

export interface DestinationContext {
  extensionLength: 3 | 4 | null;
  country: string;
  ownExtension: string;
  /** The office's area code (a local number is classed against it). */
  areaCode?: string | null;
  /** The user's Security › Enabled calls: a diversion or mobile leg to a kind of number the user may not call is refused at save (routing would skip it). */
  enabledCalls?: Security['enabledCalls'];
  /** Extensions that exist in the account (users and ring groups): a diversion to any other is refused. Unchecked when absent (bulk paths). */
  existingExtensions?: ReadonlySet<string>;
}

const CALL_KIND_NAMES = { local: 'a local', national: 'a national', mobile: 'a mobile', international: 'an international' } as const;

/** A diversion or smart-call destination: an internal extension, or an external number stored in E.164. */
export function normaliseDestination(raw: string, ctx: DestinationContext, allowInternal = true): { value?: string; reason?: string } {
  const v = raw.trim();
  if (allowInternal && /^[0-9]{3,4}$/.test(v) && (ctx.extensionLength === null || v.length === ctx.extensionLength) && !emergencyNumbersFor(ctx.country).includes(v)) {
    if (v === ctx.ownExtension) return { reason: "must not be the user's own extension" };
    if (ctx.existingExtensions && !ctx.existingExtensions.has(v)) return { reason: `no user or ring group has extension ${v}` };
    return { value: v };
  }
  const p = toE164(v, ctx.country);
  if (!p.ok) return { reason: p.reason };
  if (ctx.enabledCalls) {
    const kind = classifyDialled(p.e164, ctx.country, ctx.areaCode);
    if (kind === 'emergency') return { reason: 'must not be an emergency number' };
    if (kind !== 'invalid' && !ctx.enabledCalls[kind]) return { reason: `is ${CALL_KIND_NAMES[kind]} number and this user may not make ${kind} calls (Security: Enabled Calls)` };
  }
  return { value: p.e164 };
}

/** Validates and normalises features; returns field errors with full paths (features.divertAll.destination ...). */
export function normaliseFeatures(f: Features, ctx: DestinationContext): { value: Features; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const out: Features = structuredClone(f);
  const sc = out.smartCalling;
  const t = checkRingTime(sc.timeout);
  if (t) errors.push({ field: 'features.smartCalling.timeout', reason: t });
  if (sc.number) {
    const d = normaliseDestination(sc.number, ctx, false);
    if (d.reason) errors.push({ field: 'features.smartCalling.number', reason: d.reason });
    else sc.number = d.value!;
  } else if (sc.enabled) errors.push({ field: 'features.smartCalling.number', reason: 'is required when Smart Calling is enabled' });
  for (const key of ['divertAll', 'divertNoAnswer', 'divertBusy'] as const) {
    const div = out[key];
    if (div.destination) {
      const d = normaliseDestination(div.destination, ctx);
      if (d.reason) errors.push({ field: `features.${key}.destination`, reason: d.reason });
      else div.destination = d.value!;
    } else if (div.enabled) errors.push({ field: `features.${key}.destination`, reason: 'is required when the diversion is enabled' });
  }
  return { value: out, errors };
}

export interface UserFieldsContext {
  extension: ExtensionContext;
  officeCountry: string;
}

/** Field-level checks shared by create and update (the store-dependent ones live in the service). */
export function validateUserFields(input: Partial<UserCreate> & { voicemail?: VoicemailIn }, extension: string | undefined): FieldError[] {
  const errors: FieldError[] = [];
  if (input.firstName !== undefined && input.firstName.trim() === '') errors.push({ field: 'firstName', reason: 'must not be blank' });
  const email = normaliseEmail(input.email);
  if (email) {
    const r = checkEmail(email);
    if (r) errors.push({ field: 'email', reason: r });
  }
  const alt = normaliseEmail(input.altEmail);
  if (alt) {
    const r = checkEmail(alt);
    if (r) errors.push({ field: 'altEmail', reason: r });
  }
  const vmEmail = normaliseEmail(input.voicemail?.email);
  if (vmEmail) {
    const r = checkEmail(vmEmail);
    if (r) errors.push({ field: 'voicemail.email', reason: r });
  }
  if (input.ringTime !== undefined) {
    const r = checkRingTime(input.ringTime);
    if (r) errors.push({ field: 'ringTime', reason: r });
  }
  if (input.voicemail?.pin) {
    const r = checkPin(input.voicemail.pin, extension);
    if (r) errors.push({ field: 'voicemail.pin', reason: r });
  }
  if (input.pickupGroup && !/^[A-Za-z0-9 _.-]{1,40}$/.test(input.pickupGroup.trim())) {
    errors.push({ field: 'pickupGroup', reason: 'may use letters, digits, space, _ . - (1-40)' });
  }
  return errors;
}
