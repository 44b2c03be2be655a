// The large account the e2e suite and bench/portal.bench.ts use: every extension the 4-digit plan allows,
// created through the same validation as the API (prepareNewUser), written in one transaction.
import type { Database } from '../src/db/database.ts';
import type { UsersTable } from '../src/db/types.ts';
import { createEventBus } from '../src/shared/events.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import type { Deps } from '../src/shared/deps.ts';
import { createAccount } from '../src/modules/accounts/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { createUser, prepareNewUser } from '../src/modules/users/service.ts';
import { nextAvailableExtension } from '../src/modules/users/rules.ts';
import * as users from '../src/modules/users/repository.ts';
import { hashPassword } from '../src/modules/auth/passwords.ts';

const FIRST = ['Olivia', 'Jack', 'Charlotte', 'William', 'Amelia', 'Noah', 'Isla', 'Leo', 'Mia', 'Lucas', 'Ava', 'Henry', 'Grace', 'Oscar', 'Chloe', 'Thomas'];
const LAST = ['Nguyen', 'Smith', 'Brown', 'Wilson', 'Taylor', 'Anderson', 'Martin', 'Harris', 'Thomas', 'White', 'Lee', 'King', 'Wright', 'Walker', 'Hall', 'Young'];

/**
 * Creates account `code` with four offices, an Office Manager `manager@<code>.test` whose portal password
 * is `password`, and `count` more users (default: until the 4-digit plan is full). Returns the user count.
 */
export async function seedAccount(database: Database, code: string, password: string, count = Infinity): Promise<number> {
  const deps: Deps = { database, events: createEventBus(() => {}) };
  const account = await createAccount(deps, SYSTEM_ACTOR, { code, name: `${code} Pty Ltd`, sipRealm: `${code}.pbx.test`, country: 'AU' });
  const offices = [];
  for (const [name, tz] of [['Sydney', 'Australia/Sydney'], ['Melbourne', 'Australia/Melbourne'], ['Brisbane', 'Australia/Brisbane'], ['Perth', 'Australia/Perth']] as const) {
    offices.push(await createOffice(deps, SYSTEM_ACTOR, code, { name, timezone: tz }));
  }
  const manager = await createUser(deps, SYSTEM_ACTOR, code, { extension: '1000', firstName: 'Manager', lastName: 'Large', email: `manager@${code}.test`, officeId: offices[0]!.id, scope: 'office_manager' });
  await database.db.updateTable('users').set({ portal_password_hash: await hashPassword(password) }).where('id', '=', manager.id).execute();
  const acc = { ...account, extensionLength: 4 as const };
  const used = await users.usedExtensions(database.db, account.id);
  const ext = { length: 4 as const, countries: ['AU'] };
  const rows: UsersTable[] = [];
  for (let i = 0; i < count; i++) {
    const extension = nextAvailableExtension(used, ext, 4);
    if (!extension) break;
    used.add(extension);
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const input = { extension, firstName: first, lastName: last, email: `${first}.${last}.${extension}@${code}.test`.toLowerCase(), officeId: offices[i % offices.length]!.id };
    rows.push(await prepareNewUser(database.db, acc, input, { ext, used }));
  }
  await database.db.transaction().execute((tx) => users.insertMany(tx, rows));
  return rows.length + 1;
}
