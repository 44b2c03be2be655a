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
}

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
  return { office: { name, nameKey: name.toLowerCase(), country, timezone: input.timezone, areaCode, defaultOutboundNumber, onHoldMusic }, errors };
}
