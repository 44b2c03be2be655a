/** Test fixtures for handsets/provisioning: tenants with offices and users of each scope, and a user-actor authenticator. */
import type { Conn } from '../../src/db/database.ts';
import type { Authenticator } from '../../src/modules/auth/provider-keys.ts';
import type { Actor, Scope } from '../../src/shared/permissions.ts';
import type { TestServer } from './http.ts';

/**
 * Authenticates `Authorization: Bearer testuser:<userId>` as that user (scope and office from the store).
 * Only for tests: stands in for the portal-session / user-API-key authenticators other modules provide.
 */
export function testUserAuthenticator(store: Conn | (() => Conn)): Authenticator {
  return {
    async authenticate(headers) {
      const conn = typeof store === 'function' ? store() : store;
      const auth = headers.authorization;
      if (typeof auth !== 'string' || !auth.startsWith('Bearer testuser:')) return null;
      const id = auth.slice('Bearer testuser:'.length);
      const u = await conn.selectFrom('users').select(['id', 'account_id', 'office_id', 'scope', 'display_name']).where('id', '=', id).executeTakeFirst();
      if (!u) return null;
      const actor: Actor = { kind: 'user', id: u.id, accountId: u.account_id, scope: u.scope as Scope, officeIds: [u.office_id], label: u.display_name };
      return actor;
    },
  };
}

export const asUser = (userId: string) => ({ authorization: `Bearer testuser:${userId}` });

export interface Tenant {
  code: string;
  accountId: string;
  realm: string;
  offices: { main: string; branch: string };
  users: { manager: string; site: string; basic: string; basic2: string; branchUser: string };
  extensions: Record<string, string>;
}

/** An account with two offices: an Office Manager, a Site Manager (main office), basic users in each office. */
export async function makeTenant(s: TestServer, code: string, timezone = 'Australia/Sydney'): Promise<Tenant> {
  const realm = `${code}.pbx.example`;
  const a = await s.api('POST', '/api/v1/accounts', { code, name: `${code} Pty Ltd`, sipRealm: realm, country: 'AU' });
  if (a.status !== 201) throw new Error(`account: ${a.text}`);
  const main = await s.api('POST', `/api/v1/accounts/${code}/offices`, { name: 'Main', timezone });
  const branch = await s.api('POST', `/api/v1/accounts/${code}/offices`, { name: 'Branch', timezone: 'Europe/London' });
  const mk = async (firstName: string, officeId: string, scope: string) => {
    const r = await s.api('POST', `/api/v1/accounts/${code}/users`, { firstName, lastName: code, officeId, scope, email: `${firstName.toLowerCase()}@${code}.example` });
    if (r.status !== 201) throw new Error(`user: ${r.text}`);
    return r.body as { id: string; extension: string };
  };
  const manager = await mk('Olivia', main.body.id, 'office_manager');
  const site = await mk('Sam', main.body.id, 'site_manager');
  const basic = await mk('Bea', main.body.id, 'basic_user');
  const basic2 = await mk('Ben', main.body.id, 'basic_user');
  const branchUser = await mk('Bran', branch.body.id, 'basic_user');
  return {
    code,
    accountId: a.body.id,
    realm,
    offices: { main: main.body.id, branch: branch.body.id },
    users: { manager: manager.id, site: site.id, basic: basic.id, basic2: basic2.id, branchUser: branchUser.id },
    extensions: { manager: manager.extension, site: site.extension, basic: basic.extension, basic2: basic2.extension, branchUser: branchUser.extension },
  };
}
