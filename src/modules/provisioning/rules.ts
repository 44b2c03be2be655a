/** Pure rules of the provisioning server: settings validation, address allow-lists, user-agent checks. */
import { BlockList, isIP } from 'node:net';
import type { FieldError } from '../../shared/errors.ts';
import { checkOverrides } from '../devices/rules.ts';
import { VENDORS, type Params, type Vendor } from './catalog.ts';

export const AUTH_MODES = ['digest', 'basic', 'digest_or_basic', 'none'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface ProvisioningSettings {
  username: string;
  password: string;
  pathToken: string;
  authMode: AuthMode;
  requireToken: boolean;
  allowedCidrs: string[];
  macLock: boolean;
  overrides: Partial<Record<Vendor, Params>>;
}

/** "::ffff:10.0.0.1" → "10.0.0.1"; anything else unchanged. */
export function normaliseIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

export function parseCidr(raw: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [addr, p, extra] = raw.trim().split('/');
  if (!addr || extra !== undefined) return null;
  const v = isIP(addr);
  if (!v) return null;
  const max = v === 4 ? 32 : 128;
  const prefix = p === undefined ? max : /^\d{1,3}$/.test(p) ? Number(p) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  return { address: addr, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

export function checkCidrs(list: string[]): FieldError[] {
  const errors: FieldError[] = [];
  if (list.length > 100) errors.push({ field: 'allowedCidrs', reason: 'may hold at most 100 networks' });
  list.forEach((c, i) => {
    if (!parseCidr(c)) errors.push({ field: `allowedCidrs.${i}`, reason: 'must be an IPv4 or IPv6 address or network, e.g. 203.0.113.0/24' });
  });
  return errors;
}

/** Builds a matcher; an empty list allows everyone. */
export function cidrMatcher(list: string[]): (ip: string) => boolean {
  if (list.length === 0) return () => true;
  const bl = new BlockList();
  for (const c of list) {
    const p = parseCidr(c);
    if (p) bl.addSubnet(p.address, p.prefix, p.family);
  }
  return (ip) => {
    const a = normaliseIp(ip);
    const v = isIP(a);
    return v !== 0 && bl.check(a, v === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * MAC addresses a phone puts in its User-Agent (Yealink "... 80:5e:c0:12:34:56", Grandstream "DevId 000b82...",
 * Snom "...; 000413...", Cisco "(0023eb...)"). Returns 12-hex strings found.
 */
export function macsInUserAgent(ua: string | undefined): string[] {
  if (!ua) return [];
  const out = new Set<string>();
  for (const m of ua.matchAll(/(?<![0-9a-f])([0-9a-f]{2}[:-]){5}[0-9a-f]{2}(?![0-9a-f])/gi)) out.add(m[0].replace(/[:-]/g, '').toLowerCase());
  for (const m of ua.matchAll(/(?<![0-9a-z])[0-9a-f]{12}(?![0-9a-z])/gi)) out.add(m[0].toLowerCase());
  return [...out];
}

/** A phone that names its MAC in the User-Agent must be asking for its own file. */
export function userAgentMismatch(ua: string | undefined, mac: string): boolean {
  const macs = macsInUserAgent(ua);
  return macs.length > 0 && !macs.includes(mac);
}

export interface SettingsPatch {
  authMode?: AuthMode;
  requireToken?: boolean;
  allowedCidrs?: string[];
  macLock?: boolean;
  overrides?: Partial<Record<string, Params>>;
}

export function validateSettingsPatch(p: SettingsPatch, current: ProvisioningSettings): FieldError[] {
  const errors: FieldError[] = [];
  const authMode = p.authMode ?? current.authMode;
  const requireToken = p.requireToken ?? current.requireToken;
  if (authMode === 'none' && !requireToken) errors.push({ field: 'authMode', reason: "cannot be 'none' while requireToken is false: phones would get passwords with no secret at all" });
  if (p.allowedCidrs) errors.push(...checkCidrs(p.allowedCidrs));
  if (p.overrides) {
    for (const [vendor, params] of Object.entries(p.overrides)) {
      if (!VENDORS.includes(vendor as Vendor)) errors.push({ field: `overrides.${vendor}`, reason: `is not a vendor (one of ${VENDORS.join(', ')})` });
      else errors.push(...checkOverrides(vendor as Vendor, params, `overrides.${vendor}`));
    }
  }
  return errors;
}

/** Per source address: strikes (unknown MAC, bad token, bad credentials) within a window; blocked past the limit. */
export interface RateLimiter {
  blocked(ip: string, now?: number): boolean;
  /** Records a strike; returns true when this strike crossed the limit. */
  strike(ip: string, now?: number): boolean;
}

export function createRateLimiter(limit = 10, windowMs = 10 * 60_000, maxTracked = 100_000): RateLimiter {
  const hits = new Map<string, { start: number; n: number }>();
  const entry = (ip: string, now: number) => {
    let e = hits.get(ip);
    if (!e || now - e.start > windowMs) {
      if (!e && hits.size >= maxTracked) {
        // forget the oldest tracked address (Map keeps insertion order)
        const first = hits.keys().next().value;
        if (first !== undefined) hits.delete(first);
      }
      e = { start: now, n: 0 };
      hits.set(ip, e);
    }
    return e;
  };
  return {
    blocked(ip, now = Date.now()) {
      const e = hits.get(ip);
      return !!e && now - e.start <= windowMs && e.n >= limit;
    },
    strike(ip, now = Date.now()) {
      const e = entry(ip, now);
      e.n++;
      return e.n === limit;
    },
  };
}
