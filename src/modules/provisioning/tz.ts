/**
 * Time zone facts phones want, derived from an IANA zone with Intl (no tz database of our own).
 * Vendors take a UTC offset plus a daylight-saving rule ("first Sunday of October at 02:00"), each in
 * its own syntax; this module finds the offsets and the two transitions of a year and describes them
 * as month / nth weekday / local time, which every vendor format can express. Pure and memoised.
 */
export interface DstTransition {
  /** 1-12 */
  month: number;
  /** 1-4 = nth occurrence of the weekday in the month, 5 = last occurrence. */
  week: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
  /** Day of month in the given year (for vendors that want a fixed date). */
  day: number;
  /** Local wall-clock minutes after midnight at which the change happens (time before the change). */
  minutes: number;
}

export interface ZoneRule {
  zone: string;
  /** Standard (winter) offset east of UTC, minutes. */
  stdOffset: number;
  dst: null | { offset: number; savings: number; start: DstTransition; end: DstTransition };
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset east of UTC in minutes of `zone` at instant `t` (ms). */
export function offsetAt(zone: string, t: number): number {
  let f = offsetFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset', year: 'numeric' });
    offsetFormatters.set(zone, f);
  }
  const name = f.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{1,2})(?::?(\d{2}))?/.exec(name);
  if (!m) return 0;
  const v = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -v : v;
}

export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function transitionAt(t: number, offsetBefore: number): DstTransition {
  const local = new Date(t + offsetBefore * 60_000);
  const day = local.getUTCDate();
  const month = local.getUTCMonth() + 1;
  const daysInMonth = new Date(Date.UTC(local.getUTCFullYear(), month, 0)).getUTCDate();
  const week = day + 7 > daysInMonth ? 5 : Math.ceil(day / 7);
  return { month, week, weekday: local.getUTCDay(), day, minutes: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

const cache = new Map<string, ZoneRule>();

/** The zone's standard offset and DST rule in `year` (default: the current year). Unknown zones → UTC. */
export function zoneRule(zone: string, year = new Date().getUTCFullYear()): ZoneRule {
  const key = `${zone}|${year}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (!isValidZone(zone)) return zoneRule('UTC', year);
  const changes: Array<{ t: number; before: number; after: number }> = [];
  const start = Date.UTC(year, 0, 1, 12);
  let prev = offsetAt(zone, start);
  for (let d = 1; d <= 366; d++) {
    const t = start + d * 86_400_000;
    const cur = offsetAt(zone, t);
    if (cur !== prev) {
      // binary search the minute of the change between t - 1 day and t
      let lo = t - 86_400_000;
      let hi = t;
      while (hi - lo > 60_000) {
        const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
        if (mid <= lo || mid >= hi) break;
        if (offsetAt(zone, mid) === prev) lo = mid;
        else hi = mid;
      }
      changes.push({ t: hi, before: prev, after: cur });
      prev = cur;
    }
  }
  let rule: ZoneRule;
  const toDst = changes.find((c) => c.after > c.before);
  const toStd = changes.find((c) => c.after < c.before);
  if (changes.length === 2 && toDst && toStd) {
    rule = {
      zone,
      stdOffset: toDst.before,
      dst: { offset: toDst.after, savings: toDst.after - toDst.before, start: transitionAt(toDst.t, toDst.before), end: transitionAt(toStd.t, toStd.before) },
    };
  } else {
    // no DST (or a one-off change this year): the offset in force at the end of the year
    rule = { zone, stdOffset: offsetAt(zone, Date.UTC(year, 11, 31, 12)), dst: null };
  }
  cache.set(key, rule);
  return rule;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "+10:00" / "-03:30" / "+05:45" */
export function formatOffset(minutes: number, sep = ':'): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60))}${sep}${pad(a % 60)}`;
}

/** POSIX TZ string, e.g. "<+10>-10<+11>,M10.1.0,M4.1.0/3" (for vendors that accept one). */
export function posixTz(rule: ZoneRule): string {
  const name = (m: number) => `<${formatOffset(m, '').replace(/00$/, '')}>`;
  const off = (m: number) => {
    const p = -m; // POSIX offsets are west-positive
    const a = Math.abs(p);
    return `${p < 0 ? '-' : ''}${Math.floor(a / 60)}${a % 60 ? `:${pad(a % 60)}` : ''}`;
  };
  if (!rule.dst) return `${name(rule.stdOffset)}${off(rule.stdOffset)}`;
  const tr = (x: DstTransition) => `M${x.month}.${x.week}.${x.weekday}${x.minutes === 120 ? '' : `/${Math.floor(x.minutes / 60)}${x.minutes % 60 ? `:${pad(x.minutes % 60)}` : ''}`}`;
  const dstPart = rule.dst.savings === 60 ? '' : off(rule.dst.offset);
  return `${name(rule.stdOffset)}${off(rule.stdOffset)}${name(rule.dst.offset)}${dstPart},${tr(rule.dst.start)},${tr(rule.dst.end)}`;
}
