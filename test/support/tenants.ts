import type { TestServer } from './http.ts';
import type { Scope } from '../../src/shared/permissions.ts';
import { SYSTEM_ACTOR } from '../../src/shared/permissions.ts';
import { setPassword } from '../../src/modules/auth/service.ts';
import type { Database } from '../../src/db/database.ts';

/** A strong password every seeded person uses (the policy accepts it). */
export const PASSWORD = 'Blue-Kettle-42x';

export interface Person {
  key: string;
  id: string;
  email: string;
  scope: Scope;
  officeId: string;
  cookie?: string;
}

export interface Tenant {
  code: string;
  accountId: string;
  /** sm manages A and B; C is outside their reach. */
  offices: { A: string; B: string; C: string };
  people: Record<string, Person>;
}

const PEOPLE: Array<[key: string, scope: Scope, office: 'A' | 'B' | 'C']> = [
  ['om', 'office_manager', 'A'],
  ['sm', 'site_manager', 'A'],
  ['sup', 'call_center_supervisor', 'A'],
  ['agent', 'call_center_agent', 'A'],
  ['basic', 'basic_user', 'A'],
  ['simple', 'simple_user', 'A'],
  ['noportal', 'no_portal', 'A'],
  ['basicB', 'basic_user', 'B'],
  ['basicC', 'basic_user', 'C'],
];

/** Account + three offices + one person of every scope, each with a portal password; sm manages offices A and B. */
export async function seedTenant(s: TestServer, code: string, opts: { login?: boolean } = {}): Promise<Tenant> {
  const acct = await s.api('POST', '/api/v1/accounts', { code, name: `${code} Pty`, sipRealm: `${code}.pbx.test`, country: 'AU' });
  if (acct.status !== 201) throw new Error(`account: ${acct.status} ${acct.text}`);
  const offices = {} as Tenant['offices'];
  for (const [k, tz] of [['A', 'Australia/Sydney'], ['B', 'Australia/Melbourne'], ['C', 'Australia/Perth']] as const) {
    const r = await s.api('POST', `/api/v1/accounts/${code}/offices`, { name: `Office ${k}`, timezone: tz });
    if (r.status !== 201) throw new Error(`office: ${r.status} ${r.text}`);
    offices[k] = r.body.id;
  }
  const people: Record<string, Person> = {};
  for (const [key, scope, office] of PEOPLE) {
    const email = `${key.toLowerCase()}@${code}.test`;
    const r = await s.api('POST', `/api/v1/accounts/${code}/users`, { firstName: key, lastName: 'Person', email, officeId: offices[office], scope, voicemail: { pin: '8642' } });
    if (r.status !== 201) throw new Error(`user ${key}: ${r.status} ${r.text}`);
    await setPassword(s.deps, SYSTEM_ACTOR, code, r.body.id, PASSWORD);
    people[key] = { key, id: r.body.id, email, scope, officeId: offices[office] };
  }
  const so = await s.api('PUT', `/api/v1/accounts/${code}/users/${people.sm!.id}/offices`, { officeIds: [offices.A, offices.B] });
  if (so.status !== 200) throw new Error(`offices: ${so.status} ${so.text}`);
  const t: Tenant = { code, accountId: acct.body.id, offices, people };
  if (opts.login !== false) for (const p of Object.values(people)) if (p.scope !== 'no_portal') p.cookie = await login(s, code, p.email);
  return t;
}

export async function login(s: TestServer, account: string, email: string, password = PASSWORD): Promise<string> {
  const r = await s.api('POST', '/api/v1/auth/login', { account, email, password }, {});
  if (r.status !== 200) throw new Error(`login ${account}/${email}: ${r.status} ${r.text}`);
  return r.headers.get('set-cookie')!.split(';')[0]!;
}

/** Headers for a cookie-authenticated request from the portal. */
export function as(p: Person | { cookie?: string }): Record<string, string> {
  if (!p.cookie) throw new Error('not logged in');
  return { cookie: p.cookie, 'x-requested-with': 'switchboard' };
}

const SNAPSHOT_TABLES = ['accounts', 'offices', 'users', 'numbers', 'api_keys', 'user_offices', 'password_tokens', 'provider_admins', 'pickup_groups', 'ring_groups', 'ring_group_members', 'devices', 'call_flows', 'config_versions', 'imports', 'sip_subscribers', 'media_files'] as const;

/** Every row of the tenant-data tables, to prove a refused request changed nothing. */
export async function snapshot(database: Database): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const t of SNAPSHOT_TABLES) {
    const rows = (await database.db.selectFrom(t).selectAll().execute()) as Array<Record<string, unknown>>;
    out[t] = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  }
  return JSON.stringify(out);
}
