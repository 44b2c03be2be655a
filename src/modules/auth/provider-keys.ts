import { createHash, timingSafeEqual } from 'node:crypto';
import type { Conn } from '../../db/database.ts';
import { newId, nowIso, randomToken } from '../../shared/ids.ts';
import type { Actor } from '../../shared/permissions.ts';

/** Provider (operator) API keys: stored as SHA-256 of a 192-bit random token; the token is shown once. */
export const PROVIDER_KEY_PREFIX = 'sbp_';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function createProviderKey(conn: Conn, name: string, key = `${PROVIDER_KEY_PREFIX}${randomToken(24)}`): Promise<string> {
  await conn.insertInto('provider_api_keys').values({ id: newId(), name, key_hash: hashKey(key), created_at: nowIso() }).execute();
  return key;
}

export async function countProviderKeys(conn: Conn): Promise<number> {
  const r = await conn.selectFrom('provider_api_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface Authenticator {
  /** Returns the actor for the request's credentials, or null when these credentials are not its kind. */
  authenticate(headers: Record<string, string | string[] | undefined>): Promise<Actor | null>;
}

export function bearerToken(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const x = headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : null;
}

/** Accepts a key from the environment (compared in constant time) or one stored in provider_api_keys. */
export function providerKeyAuthenticator(conn: Conn, envKey?: string): Authenticator {
  const envHash = envKey ? Buffer.from(hashKey(envKey), 'hex') : undefined;
  const cache = new Map<string, { id: string; name: string; until: number }>();
  return {
    async authenticate(headers) {
      const token = bearerToken(headers);
      if (!token || !token.startsWith(PROVIDER_KEY_PREFIX) && !envHash) return null;
      const h = hashKey(token);
      if (envHash && timingSafeEqual(envHash, Buffer.from(h, 'hex'))) return { kind: 'provider', id: 'env', label: 'provider (env key)' };
      const hit = cache.get(h);
      if (hit && hit.until > Date.now()) return { kind: 'provider', id: hit.id, label: `provider key '${hit.name}'` };
      const row = await conn.selectFrom('provider_api_keys').select(['id', 'name']).where('key_hash', '=', h).executeTakeFirst();
      if (!row) return null;
      cache.set(h, { ...row, until: Date.now() + 30_000 });
      return { kind: 'provider', id: row.id, label: `provider key '${row.name}'` };
    },
  };
}
