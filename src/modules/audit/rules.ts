/** Pure rules for the audit log: what is a secret, how an event becomes an entry, safe CSV cells. */
export const REDACTED = '[redacted]';

const SECRET_KEYS = new Set(['pin', 'vmpin', 'vm_pin', 'key', 'keyhash', 'key_hash', 'token', 'secret', 'sippassword', 'sip_password', 'password', 'passwordhash', 'password_hash', 'portal_password_hash', 'portalpasswordhash']);

/** Secret-bearing keys: passwords, PINs, tokens, keys, hashes. Flags saying a secret is set ('pinSet') are kept. */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  if (k.endsWith('set')) return false;
  return SECRET_KEYS.has(k) || /password|passwd|secret|token|_hash$/.test(k);
}

/**
 * A deep copy with every secret value replaced; non-JSON values become strings. A boolean is never a secret:
 * it says *whether* (includeSecrets, rotate {password: true}), so it is kept.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (depth > 12) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = isSecretKey(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? REDACTED : redact(v, depth + 1);
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** 'user.password_set' → resource 'user', action 'password_set'. */
export function splitEventType(type: string): { resource: string; action: string } {
  const i = type.indexOf('.');
  return i < 0 ? { resource: type, action: type } : { resource: type.slice(0, i), action: type.slice(i + 1) };
}

/** Only what changed, when both sides are objects (keeps entries small and readable); otherwise both sides as given. */
export function diff(before: unknown, after: unknown): { before: unknown; after: unknown } {
  if (!isObj(before) || !isObj(after)) return { before, after };
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (k === 'updatedAt') continue;
    const x = before[k];
    const y = after[k];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (isObj(x) && isObj(y)) {
      const d = diff(x, y);
      b[k] = d.before;
      a[k] = d.after;
    } else {
      b[k] = x;
      a[k] = y;
    }
  }
  return { before: b, after: a };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export { csvSafe } from '../../shared/csv.ts';
