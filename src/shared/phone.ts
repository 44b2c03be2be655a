import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';

/** Emergency short codes per country; an extension may be none of these nor start with one. */
export const EMERGENCY_NUMBERS: Record<string, readonly string[]> = {
  AU: ['000', '112', '106'],
  NZ: ['111', '112'],
  GB: ['999', '112'],
  IE: ['999', '112'],
  US: ['911', '933'],
  CA: ['911', '933'],
  FR: ['112', '15', '17', '18'],
  DE: ['112', '110'],
  NL: ['112'],
  ES: ['112', '091', '061', '080'],
  IT: ['112', '113', '115', '118'],
  ZA: ['10111', '112'],
  IN: ['112', '100', '101', '102'],
};
/** Countries not in the table still refuse the two numbers that work on GSM phones worldwide. */
const DEFAULT_EMERGENCY = ['112', '911'];

export function emergencyNumbersFor(country: string): readonly string[] {
  return EMERGENCY_NUMBERS[country.toUpperCase()] ?? DEFAULT_EMERGENCY;
}

export function isSupportedCountryCode(country: string): boolean {
  return /^[A-Z]{2}$/.test(country) && isSupportedCountry(country as CountryCode);
}

export type ParsedNumber = { ok: true; e164: string } | { ok: false; reason: string };

/**
 * Validates a phone number typed the way a person in `country` would type it (national or international
 * form) and returns its E.164 form. Emergency short codes are never accepted as a destination.
 */
export function toE164(input: string, country: string): ParsedNumber {
  const raw = input.trim();
  if (raw === '') return { ok: false, reason: 'is empty' };
  if (!/^[+0-9 ()\-.]+$/.test(raw)) return { ok: false, reason: 'may only contain digits, spaces, ( ) - . and a leading +' };
  const digits = raw.replace(/[^0-9]/g, '');
  if (emergencyNumbersFor(country).includes(digits)) return { ok: false, reason: 'emergency numbers are not allowed here' };
  const parsed = parsePhoneNumberFromString(raw, country as CountryCode);
  if (!parsed || !parsed.isValid()) return { ok: false, reason: `is not a valid phone number for ${country}` };
  return { ok: true, e164: parsed.number };
}

export type CallClass = 'emergency' | 'local' | 'national' | 'mobile' | 'international' | 'invalid';

/** Classifies a dialled number against the caller's country (used by routing and the security rules). */
export function classifyDialled(dialled: string, country: string, areaCode?: string | null): CallClass {
  const digits = dialled.replace(/[^0-9+]/g, '');
  if (emergencyNumbersFor(country).includes(digits)) return 'emergency';
  const parsed = parsePhoneNumberFromString(digits, country as CountryCode);
  if (!parsed || !parsed.isValid()) return 'invalid';
  if (parsed.country !== country.toUpperCase()) return 'international';
  const type = parsed.getType();
  if (type === 'MOBILE') return 'mobile';
  if (areaCode) {
    const national = parsed.nationalNumber.toString();
    const ac = areaCode.replace(/^0+/, '');
    if (national.startsWith(ac)) return 'local';
  }
  return 'national';
}
