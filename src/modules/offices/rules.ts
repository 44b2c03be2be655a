import type { FieldError } from '../../shared/errors.ts';
import { isSupportedCountryCode, toE164 } from '../../shared/phone.ts';
import type { OfficeCreate } from './schema.ts';

let zones: Set<string> | undefined;
export function isValidTimezone(tz: string): boolean {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return zones.has(tz);
}

/** Area codes per country where the plan is closed and short (AU: 02, 03, 07, 08). Elsewhere: 1-5 digits. */
const AREA_CODES: Record<string, readonly string[]> = { AU: ['02', '03', '07', '08'] };

export function normaliseAreaCode(raw: string, country: string): { value?: string; reason?: string } {
  const digits = raw.trim();
  if (!/^[0-9]{1,5}$/.test(digits)) return { reason: 'must be 1 to 5 digits' };
  const allowed = AREA_CODES[country];
  if (allowed) {
    const withZero = digits.startsWith('0') ? digits : `0${digits}`;
    if (!allowed.includes(withZero)) return { reason: `must be one of ${allowed.join(', ')} for ${country}` };
    return { value: withZero };
  }
  return { value: digits };
}

export interface NormalisedOffice {
  name: string;
  nameKey: string;
  country: string;
  timezone: string;
  areaCode: string | null;
  defaultOutboundNumber: string | null;
  onHoldMusic: string;
  dayDestination: string;
  nightDestination: string;
}

/** A parsed Day/Night destination of an office's main number. */
export type DayNightDestination = { kind: 'extension'; extension: string } | { kind: 'voicemail'; extension: string } | { kind: 'busy' } | { kind: 'none' };

/**
 * '101' (a user's or ring group's extension: which one is decided against the store) · 'voicemail:101' (straight
 * to that user's mailbox) · 'busy' · 'none'. null when malformed.
 */
export function parseDestination(raw: string | null | undefined): DayNightDestination | null {
  const v = (raw ?? 'none').trim().toLowerCase();
  if (v === 'none' || v === '') return { kind: 'none' };
  if (v === 'busy') return { kind: 'busy' };
  const vm = /^(?:voicemail|vm):([0-9]{2,6})$/.exec(v);
  if (vm) return { kind: 'voicemail', extension: vm[1]! };
  if (/^[0-9]{2,6}$/.test(v)) return { kind: 'extension', extension: v };
  return null;
}

/** The canonical spelling of a destination (what is stored and returned). */
export function formatDestination(d: DayNightDestination): string {
  return d.kind === 'extension' ? d.extension : d.kind === 'voicemail' ? `voicemail:${d.extension}` : d.kind;
}

export const DESTINATION_FORMAT = "must be an extension ('101'), 'voicemail:<extension>', 'busy' or 'none'";

/** Validates a complete office (create, or existing merged with a patch) and returns it normalised. */
export function validateOffice(input: Required<Pick<OfficeCreate, 'name' | 'country' | 'timezone'>> & OfficeCreate): { office: NormalisedOffice; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (!name) errors.push({ field: 'name', reason: 'must not be blank' });
  const country = input.country.toUpperCase();
  if (!isSupportedCountryCode(country)) errors.push({ field: 'country', reason: 'must be a supported ISO 3166-1 alpha-2 country code' });
  if (!isValidTimezone(input.timezone)) errors.push({ field: 'timezone', reason: 'must be an IANA timezone such as Australia/Sydney' });
  let areaCode: string | null = null;
  if (input.areaCode != null && input.areaCode !== '') {
    const r = normaliseAreaCode(input.areaCode, country);
    if (r.reason) errors.push({ field: 'areaCode', reason: r.reason });
    else areaCode = r.value!;
  }
  let defaultOutboundNumber: string | null = null;
  if (input.defaultOutboundNumber != null && input.defaultOutboundNumber !== '') {
    const p = toE164(input.defaultOutboundNumber, country);
    if (!p.ok) errors.push({ field: 'defaultOutboundNumber', reason: p.reason });
    else defaultOutboundNumber = p.e164;
  }
  const onHoldMusic = (input.onHoldMusic ?? 'default').trim() || 'default';
  const dest = (field: 'dayDestination' | 'nightDestination'): string => {
    const d = parseDestination(input[field]);
    if (!d) {
      errors.push({ field, reason: DESTINATION_FORMAT });
      return 'none';
    }
    return formatDestination(d);
  };
  const dayDestination = dest('dayDestination');
  const nightDestination = dest('nightDestination');
  return { office: { name, nameKey: name.toLowerCase(), country, timezone: input.timezone, areaCode, defaultOutboundNumber, onHoldMusic, dayDestination, nightDestination }, errors };
}
