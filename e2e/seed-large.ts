// Seeds the large account for the e2e suite's "lists stay fast" test, straight into the store before the
// server starts (thousands of API calls would take minutes): every user still goes through the same
// validation as the API (prepareNewUser). Usage: node --import tsx e2e/seed-large.ts <database url> <password>
import { migrate, openDatabase } from '../src/db/database.ts';
import { createEventBus } from '../src/shared/events.ts';
import { SYSTEM_ACTOR } from '../src/shared/permissions.ts';
import type { Deps } from '../src/shared/deps.ts';
import { createAccount } from '../src/modules/accounts/service.ts';
import { createOffice } from '../src/modules/offices/service.ts';
import { createUser, prepareNewUser } from '../src/modules/users/service.ts';
import { nextAvailableExtension } from '../src/modules/users/rules.ts';
import * as users from '../src/modules/users/repository.ts';
import type { UsersTable } from '../src/db/types.ts';
import { hashPassword } from '../src/modules/auth/passwords.ts';

export const LARGE_ACCOUNT = 'e2e-large';
export const LARGE_MANAGER = 'manager@e2e-large.test';

const [url, password] = process.argv.slice(2);
if (!url || !password) throw new Error('usage: seed-large.ts <database url> <password>');
const database = openDatabase(url);
await migrate(database);
const deps: Deps = { database, events: createEventBus(() => {}) };
const t0 = Date.now();
const account = await createAccount(deps, SYSTEM_ACTOR, { code: LARGE_ACCOUNT, name: 'Large Test Pty Ltd', sipRealm: 'large.pbx.test', country: 'AU' });
const offices = [];
for (const [name, tz] of [['Sydney', 'Australia/Sydney'], ['Melbourne', 'Australia/Melbourne'], ['Brisbane', 'Australia/Brisbane'], ['Perth', 'Australia/Perth']] as const) {
  offices.push(await createOffice(deps, SYSTEM_ACTOR, LARGE_ACCOUNT, { name, timezone: tz }));
}
const manager = await createUser(deps, SYSTEM_ACTOR, LARGE_ACCOUNT, { extension: '1000', firstName: 'Manager', lastName: 'Large', email: LARGE_MANAGER, officeId: offices[0]!.id, scope: 'office_manager' });
await database.db.updateTable('users').set({ portal_password_hash: await hashPassword(password) }).where('id', '=', manager.id).execute();

const FIRST = ['Olivia', 'Jack', 'Charlotte', 'William', 'Amelia', 'Noah', 'Isla', 'Leo', 'Mia', 'Lucas', 'Ava', 'Henry', 'Grace', 'Oscar', 'Chloe', 'Thomas'];
const LAST = ['Nguyen', 'Smith', 'Brown', 'Wilson', 'Taylor', 'Anderson', 'Martin', 'Harris', 'Thomas', 'White', 'Lee', 'King', 'Wright', 'Walker', 'Hall', 'Young'];
const refreshed = (await database.db.selectFrom('accounts').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow());
const acc = { ...account, extensionLength: refreshed.extension_length as 4 };
const used = await users.usedExtensions(database.db, account.id);
const ext = { length: 4 as const, countries: ['AU'] };
const rows: UsersTable[] = [];
for (let i = 0; ; i++) {
  const extension = nextAvailableExtension(used, ext, 4);
  if (!extension) break;
  used.add(extension);
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  rows.push(
    await prepareNewUser(database.db, acc, { extension, firstName: first, lastName: `${last}`, email: `${first}.${last}.${extension}@large.test`.toLowerCase(), officeId: offices[i % offices.length]!.id }, { ext, used }),
  );
}
await database.db.transaction().execute((tx) => users.insertMany(tx, rows));
console.log(`seeded ${LARGE_ACCOUNT}: ${rows.length + 1} users in ${offices.length} offices (${Date.now() - t0} ms); the 4-digit plan is full`);
await database.close();
