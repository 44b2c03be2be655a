import type { Deps } from '../../src/shared/deps.ts';
import { SYSTEM_ACTOR, type Actor, type Scope } from '../../src/shared/permissions.ts';
import type { Authenticator } from '../../src/modules/auth/provider-keys.ts';
import { createAccount } from '../../src/modules/accounts/service.ts';
import { addNumber } from '../../src/modules/numbers/service.ts';
import { createOffice } from '../../src/modules/offices/service.ts';
import { createUser } from '../../src/modules/users/service.ts';
import type { UserCreate } from '../../src/modules/users/schema.ts';

/**
 * Test-only authenticator: `x-test-actor: <json Actor>` acts as that portal user. Portal login belongs to
 * the auth module; these suites only need to act as a given scope in a given tenant.
 */
export const testActorAuthenticator: Authenticator = {
  async authenticate(headers) {
    const raw = headers['x-test-actor'];
    return typeof raw === 'string' ? (JSON.parse(raw) as Actor) : null;
  },
};

export function actorHeaders(actor: { id: string; accountId: string; scope: Scope; officeIds: string[] }): Record<string, string> {
  return { 'x-test-actor': JSON.stringify({ kind: 'user', label: `test ${actor.scope}`, ...actor }) };
}

export interface Tenant {
  accountId: string;
  code: string;
  officeA: string;
  officeB: string;
  numbers: string[];
  users: Array<{ id: string; extension: string }>;
}

/** An account with two offices (AU), three numbers and `userCount` users (first in office A, then alternating). */
export async function makeTenant(deps: Deps, code: string, userCount = 3, extra: (i: number) => Partial<UserCreate> = () => ({})): Promise<Tenant> {
  const actor: Actor = SYSTEM_ACTOR;
  const account = await createAccount(deps, actor, { code, name: `${code} Pty`, sipRealm: `${code}.pbx.test`, country: 'AU' });
  const base = 100 + Math.floor(Math.random() * 800);
  const numbers: string[] = [];
  for (let i = 0; i < 3; i++) numbers.push((await addNumber(deps, actor, code, { number: `+61 2 9${String(base).padStart(3, '0')} ${String(1000 + i)}` })).e164);
  const a = await createOffice(deps, actor, code, { name: 'Head Office', timezone: 'Australia/Sydney', areaCode: '02', defaultOutboundNumber: numbers[0], onHoldMusic: 'default' });
  const b = await createOffice(deps, actor, code, { name: 'Branch', timezone: 'Australia/Melbourne', areaCode: '03', onHoldMusic: 'default' });
  const users: Array<{ id: string; extension: string }> = [];
  for (let i = 0; i < userCount; i++) {
    const u = await createUser(deps, actor, code, {
      firstName: `First${i}`,
      lastName: `Last${i}`,
      email: `user${i}@${code}.test`,
      officeId: i % 2 === 0 ? a.id : b.id,
      voicemail: { pin: '4821' },
      ...extra(i),
    });
    users.push({ id: u.id, extension: u.extension });
  }
  return { accountId: account.id, code, officeA: a.id, officeB: b.id, numbers, users };
}
