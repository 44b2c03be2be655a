import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** +61291234500 → +61 2 9123 4500 (falls back to the input). */
export function formatNumber(e164: string | null | undefined): string {
  if (!e164) return '';
  const p = parsePhoneNumberFromString(e164);
  return p ? p.formatInternational() : e164;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '')).toUpperCase() || '#';
}

export const COUNTRIES: Array<[string, string]> = [
  ['AU', 'Australia'],
  ['NZ', 'New Zealand'],
  ['GB', 'United Kingdom'],
  ['IE', 'Ireland'],
  ['US', 'United States'],
  ['CA', 'Canada'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['ES', 'Spain'],
  ['IT', 'Italy'],
  ['SG', 'Singapore'],
  ['ZA', 'South Africa'],
  ['IN', 'India'],
];
export const countryName = (code: string) => COUNTRIES.find(([c]) => c === code)?.[1] ?? code;

/** The zones of the countries the portal offers, most used first (the IANA zone.tab entries for each). */
export const COUNTRY_ZONES: Record<string, string[]> = {
  AU: ['Australia/Sydney', 'Australia/Melbourne', 'Australia/Brisbane', 'Australia/Adelaide', 'Australia/Perth', 'Australia/Hobart', 'Australia/Darwin', 'Australia/Lindeman', 'Australia/Broken_Hill', 'Australia/Eucla', 'Australia/Lord_Howe', 'Antarctica/Macquarie'],
  NZ: ['Pacific/Auckland', 'Pacific/Chatham'],
  GB: ['Europe/London'],
  IE: ['Europe/Dublin'],
  US: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu', 'America/Detroit', 'America/Indiana/Indianapolis', 'America/Kentucky/Louisville', 'America/Boise', 'America/Juneau', 'America/Adak'],
  CA: ['America/Toronto', 'America/Vancouver', 'America/Edmonton', 'America/Winnipeg', 'America/Halifax', 'America/St_Johns', 'America/Regina', 'America/Whitehorse', 'America/Moncton', 'America/Iqaluit'],
  DE: ['Europe/Berlin'],
  FR: ['Europe/Paris'],
  NL: ['Europe/Amsterdam'],
  ES: ['Europe/Madrid', 'Atlantic/Canary', 'Africa/Ceuta'],
  IT: ['Europe/Rome'],
  SG: ['Asia/Singapore'],
  ZA: ['Africa/Johannesburg'],
  IN: ['Asia/Kolkata'],
};

/** Old names that browsers (CLDR) still list, and their current IANA names: the portal offers only the latter. */
const RENAMED_ZONES: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Europe/Kiev': 'Europe/Kyiv',
  'America/Godthab': 'America/Nuuk',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Pacific/Truk': 'Pacific/Chuuk',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Louisville': 'America/Kentucky/Louisville',
  'Asia/Ulan_Bator': 'Asia/Ulaanbaatar',
  'Australia/Currie': 'Australia/Hobart',
  'Australia/Canberra': 'Australia/Sydney',
  'Australia/ACT': 'Australia/Sydney',
  'Australia/NSW': 'Australia/Sydney',
  'Australia/Victoria': 'Australia/Melbourne',
  'Asia/Chongqing': 'Asia/Shanghai',
  'Asia/Harbin': 'Asia/Shanghai',
  'Europe/Uzhgorod': 'Europe/Kyiv',
  'Europe/Zaporozhye': 'Europe/Kyiv',
  'America/Nipigon': 'America/Toronto',
  'America/Thunder_Bay': 'America/Toronto',
  'America/Rainy_River': 'America/Winnipeg',
  'America/Yellowknife': 'America/Edmonton',
  'America/Pangnirtung': 'America/Iqaluit',
};

/** Every current IANA zone name the browser knows, deprecated aliases replaced by their current names. */
export function timezones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  let all: string[] = [];
  try {
    all = intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    all = [];
  }
  return [...new Set([...all.map((z) => RENAMED_ZONES[z] ?? z), ...Object.values(COUNTRY_ZONES).flat()])].sort();
}

/** The timezone choices for an office: the country's zones first, then every other zone. */
export function timezonesFor(country: string): { country: string[]; others: string[] } {
  const own = COUNTRY_ZONES[country] ?? [];
  const mine = new Set(own);
  return { country: own, others: timezones().filter((z) => !mine.has(z)) };
}

export const holdMusicLabel = (m: string) => (m === 'default' ? 'Default' : m.charAt(0).toUpperCase() + m.slice(1));

/** 805ec0415fb1 → 80:5E:C0:41:5F:B1 */
export function formatMac(mac: string): string {
  const hex = mac.replace(/[^0-9a-f]/gi, '');
  return hex.length === 12 ? hex.toUpperCase().match(/../g)!.join(':') : mac;
}

/** "1 user", "2 users", "1,204 users". */
/** "1 user", "2 users", "0 users"; an irregular plural is given (plural(n, 'entry', 'entries')). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? word : many}`;
}

/** Sentence case for a message that may start lower-case (server reasons: "user is in use" → "User is in use"). */
export function sentence(text: string): string {
  return text.replace(/^(\s*)(\p{Ll})/u, (_, space: string, c: string) => space + c.toUpperCase());
}

/** 23,400 ms → "0:23"; 754,000 → "12:34". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * Who left a message: an extension reads "Ext. 101"; a phone number is shown as elsewhere in the portal
 * (+61 2 9999 0000), read in the account's country when it is written nationally; null = withheld.
 */
export function formatCaller(number: string | null | undefined, country?: string): string {
  if (!number) return '';
  if (/^\d{2,6}$/.test(number)) return `Ext. ${number}`;
  const p = parsePhoneNumberFromString(number, (country || undefined) as Parameters<typeof parsePhoneNumberFromString>[1]);
  return p?.isValid() ? p.formatInternational() : number;
}

/** "Wed 2 Dec 2026, 9:30 am" in `timeZone` (the office's; the browser's when unknown). */
export function formatDateTime(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  const opts: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone }).format(d);
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(d);
  }
}
