/**
 * HTTP authentication as desk phones do it: Basic (RFC 7617) and Digest (RFC 7616 / 2617, MD5, qop=auth,
 * also the old no-qop form). Nonces are stateless: timestamp + HMAC with a per-process key, valid for a
 * few minutes, so any number of phones can authenticate without server-side nonce storage.
 * The client half (digestAuthorization) is what tests and the benchmark use to act as a phone.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hasControlChar } from '../../shared/input-guard.ts';

export const PROVISIONING_REALM = 'Switchboard Provisioning';
export const NONCE_TTL_MS = 5 * 60_000;

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface NonceIssuer {
  issue(now?: number): string;
  /** 'ok', 'stale' (well-formed, ours, expired) or 'bad'. */
  check(nonce: string, now?: number): 'ok' | 'stale' | 'bad';
}

export function createNonceIssuer(key: Buffer = randomBytes(32), ttlMs = NONCE_TTL_MS): NonceIssuer {
  const mac = (ts: string) => createHmac('sha256', key).update(ts).digest('base64url').slice(0, 22);
  return {
    issue(now = Date.now()) {
      const ts = now.toString(36);
      return `${ts}.${mac(ts)}`;
    },
    check(nonce, now = Date.now()) {
      const [ts, sig] = nonce.split('.');
      if (!ts || !sig || !safeEqual(sig, mac(ts))) return 'bad';
      const t = parseInt(ts, 36);
      return now - t > ttlMs || t - now > 60_000 ? 'stale' : 'ok';
    },
  };
}

/** Parses `Digest a="b", c=d` (quoted or token values). */
export function parseAuthParams(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  return out;
}

export type Credentials =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'digest'; username: string; params: Record<string, string> }
  | null;

export function parseAuthorization(header: string | undefined): Credentials {
  if (!header) return null;
  const sp = header.indexOf(' ');
  const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
  const rest = sp < 0 ? '' : header.slice(sp + 1).trim();
  if (scheme === 'basic') {
    const text = Buffer.from(rest, 'base64').toString('utf8');
    const i = text.indexOf(':');
    // no credential has a control character; NUL would not even reach the store (PostgreSQL refuses it)
    if (i < 0 || hasControlChar(text)) return null;
    return { scheme: 'basic', username: text.slice(0, i), password: text.slice(i + 1) };
  }
  if (scheme === 'digest') {
    const params = parseAuthParams(rest);
    if (!params.username || hasControlChar(params.username)) return null;
    return { scheme: 'digest', username: params.username, params };
  }
  return null;
}

/** Checks a Digest response against the known password. `method` is the request method. */
export function verifyDigest(params: Record<string, string>, password: string, method: string, nonces: NonceIssuer, now = Date.now()): 'ok' | 'stale' | 'bad' {
  const { username, realm, nonce, uri, response, qop, nc, cnonce } = params;
  if (!username || !nonce || !uri || !response || realm !== PROVISIONING_REALM) return 'bad';
  if (params.algorithm && params.algorithm.toUpperCase() !== 'MD5') return 'bad';
  const ha1 = md5(`${username}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  let expected: string;
  if (qop) {
    if (qop !== 'auth' || !nc || !cnonce) return 'bad';
    expected = md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  } else expected = md5(`${ha1}:${nonce}:${ha2}`);
  if (!safeEqual(expected, response.toLowerCase())) return 'bad';
  return nonces.check(nonce, now);
}

export function digestChallenge(nonces: NonceIssuer, stale = false): string {
  return `Digest realm="${PROVISIONING_REALM}", qop="auth", algorithm=MD5, nonce="${nonces.issue()}"${stale ? ', stale=true' : ''}`;
}

export function basicChallenge(): string {
  return `Basic realm="${PROVISIONING_REALM}", charset="UTF-8"`;
}

// ---------- client side (what a phone sends) ----------

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Answers a `WWW-Authenticate: Digest ...` challenge like a phone would. */
export function digestAuthorization(challenge: string, username: string, password: string, method: string, uri: string, nc = 1, cnonce = randomBytes(8).toString('hex')): string {
  const c = parseAuthParams(challenge.replace(/^Digest\s+/i, ''));
  const realm = c.realm ?? '';
  const nonce = c.nonce ?? '';
  const ha1 = md5(`${username}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const ncs = nc.toString(16).padStart(8, '0');
  const qop = c.qop?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
  const response = qop ? md5(`${ha1}:${nonce}:${ncs}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  return (
    `Digest username="${username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5` +
    (qop ? `, qop=${qop}, nc=${ncs}, cnonce="${cnonce}"` : '')
  );
}
