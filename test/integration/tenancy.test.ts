import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, storeKinds, type TestStore } from '../support/stores.ts';
import { createEventBus } from '../../src/shared/events.ts';
import type { Deps } from '../../src/shared/deps.ts';
import { SYSTEM_ACTOR, type Actor, type Scope } from '../../src/shared/permissions.ts';
import { AppError } from '../../src/shared/errors.ts';
import * as accounts from '../../src/modules/accounts/service.ts';
import * as offices from '../../src/modules/offices/service.ts';
import * as users from '../../src/modules/users/service.ts';
import * as numbers from '../../src/modules/numbers/service.ts';

/** Services with portal actors: another tenant gets 404, a lower role 403, and nothing changes in the store. */
for (const { kind, skip } of await storeKinds()) {
  describe(`tenancy and roles on ${kind}`, { skip }, () => {
    let store: TestStore;
    let deps: Deps;
    const ids: Record<string, string> = {};
    const actorFor = (account: string, userKey: string, scope: Scope, officeIds: string[]): Actor => ({ kind: 'user', id: ids[userKey]!, accountId: ids[account]!, scope, officeIds, label: userKey });
    const status = async (p: () => Promise<unknown>) => {
      try {
        await p();
        return 'ok';
      } catch (e) {
        if (e instanceof AppError) return e.status;
        throw e;
      }
    };
    const snapshot = async () => JSON.stringify(await Promise.all(['accounts', 'offices', 'users', 'numbers'].map((t) => store.database.db.selectFrom(t as 'users').selectAll().orderBy('id').execute())));

    before(async () => {
      store = await openTestStore(kind);
      deps = { database: store.database, events: createEventBus() };
      for (const code of ['acme', 'globex']) {
        const a = await accounts.createAccount(deps, SYSTEM_ACTOR, { code, name: code, sipRealm: `${code}.pbx.example`, country: 'IE' });
        ids[code] = a.id;
        await numbers.addNumber(deps, SYSTEM_ACTOR, code, { number: code === 'acme' ? '01 234 5678' : '01 234 5679' });
        const o1 = await offices.createOffice(deps, SYSTEM_ACTOR, code, { name: 'Dublin', timezone: 'Europe/Dublin' });
        const o2 = await offices.createOffice(deps, SYSTEM_ACTOR, code, { name: 'Cork', timezone: 'Europe/Dublin' });
        ids[`${code}.dublin`] = o1.id;
        ids[`${code}.cork`] = o2.id;
        for (const [key, office, scope] of [
          ['manager', o1.id, 'office_manager'],
          ['site', o1.id, 'site_manager'],
          ['basic', o1.id, 'basic_user'],
          ['corkuser', o2.id, 'basic_user'],
        ] as const) {
          const u = await users.createUser(deps, SYSTEM_ACTOR, code, { firstName: key, officeId: office, scope, email: `${key}@${code}.example` });
          ids[`${code}.${key}`] = u.id;
        }
      }
    });
    after(() => store?.cleanup());

    test('an Office Manager of acme can neither read nor change globex', async () => {
      const me = actorFor('acme', 'acme.manager', 'office_manager', [ids['acme.dublin']!]);
      const before = await snapshot();
      const attempts = [
        () => accounts.resolveAccount(deps, me, 'globex'),
        () => accounts.updateAccount(deps, me, 'globex', { name: 'pwned' }),
        () => offices.listOffices(deps, me, 'globex', { limit: 10, offset: 0 }),
        () => offices.getOffice(deps, me, 'globex', ids['globex.dublin']!),
        () => offices.updateOffice(deps, me, 'globex', ids['globex.dublin']!, { name: 'pwned' }),
        () => offices.deleteOffice(deps, me, 'globex', ids['globex.cork']!),
        () => offices.createOffice(deps, me, 'globex', { name: 'x', timezone: 'UTC' }),
        () => users.listUsers(deps, me, 'globex', { limit: 10 }),
        () => users.getUser(deps, me, 'globex', ids['globex.basic']!),
        () => users.updateUser(deps, me, 'globex', ids['globex.basic']!, { ringTime: 5 }),
        () => users.deleteUser(deps, me, 'globex', ids['globex.basic']!),
        () => users.regenerateSipPassword(deps, me, 'globex', ids['globex.basic']!),
        () => users.createUser(deps, me, 'globex', { firstName: 'x', officeId: ids['globex.dublin']! }),
        () => numbers.listNumbers(deps, me, 'globex', { limit: 10, offset: 0 }),
        () => numbers.addNumber(deps, me, 'globex', { number: '01 234 5670' }),
        () => numbers.removeNumber(deps, me, 'globex', '+35312345679'),
        // acme's path with globex's ids: the repository is scoped by account, so not found either.
        () => users.getUser(deps, me, 'acme', ids['globex.basic']!),
        () => users.updateUser(deps, me, 'acme', ids['globex.basic']!, { ringTime: 5 }),
        () => offices.getOffice(deps, me, 'acme', ids['globex.dublin']!),
        () => offices.setDayNight(deps, me, 'globex', ids['globex.dublin']!, 'night'),
        () => offices.setDayNight(deps, me, 'acme', ids['globex.dublin']!, 'night'),
        () => offices.updateOffice(deps, me, 'acme', ids['globex.dublin']!, { dayNightMode: 'night' }),
      ];
      for (const [i, p] of attempts.entries()) assert.equal(await status(p), 404, `attempt ${i}: ${p.toString()}`);
      const list = await accounts.listAccounts(deps, me, { limit: 50, offset: 0 });
      assert.deepEqual(list.items.map((a) => a.code), ['acme']);
      assert.equal(await snapshot(), before);
    });

    test('a Site Manager sees and changes only their office', async () => {
      const me = actorFor('acme', 'acme.site', 'site_manager', [ids['acme.dublin']!]);
      const before = await snapshot();
      const listed = await users.listUsers(deps, me, 'acme', { limit: 50 });
      assert.deepEqual(listed.items.map((u) => u.firstName).sort(), ['basic', 'manager', 'site']);
      assert.equal(await status(() => users.listUsers(deps, me, 'acme', { limit: 50, officeId: ids['acme.cork']! })), 403);
      const officesSeen = await offices.listOffices(deps, me, 'acme', { limit: 10, offset: 0 });
      assert.deepEqual(officesSeen.items.map((o) => o.name), ['Dublin']);
      for (const p of [
        () => users.getUser(deps, me, 'acme', ids['acme.corkuser']!),
        () => users.updateUser(deps, me, 'acme', ids['acme.corkuser']!, { ringTime: 5 }),
        () => users.deleteUser(deps, me, 'acme', ids['acme.corkuser']!),
        () => users.createUser(deps, me, 'acme', { firstName: 'x', officeId: ids['acme.cork']! }),
        () => users.updateUser(deps, me, 'acme', ids['acme.basic']!, { officeId: ids['acme.cork']! }),
        () => users.updateUser(deps, me, 'acme', ids['acme.basic']!, { scope: 'office_manager' }),
        () => offices.updateOffice(deps, me, 'acme', ids['acme.cork']!, { name: 'x' }),
        () => offices.setDayNight(deps, me, 'acme', ids['acme.cork']!, 'night'),
        () => offices.createOffice(deps, me, 'acme', { name: 'x', timezone: 'UTC' }),
        () => accounts.updateAccount(deps, me, 'acme', { name: 'x' }),
        () => numbers.addNumber(deps, me, 'acme', { number: '01 234 5670' }),
      ]) {
        assert.equal(await status(p), 403);
      }
      assert.equal(await snapshot(), before);
      const changed = await users.updateUser(deps, me, 'acme', ids['acme.basic']!, { ringTime: 30 });
      assert.equal(changed.ringTime, 30);
      // Pickup groups span offices: naming a new one on a user (which would create it) is an Office Manager's call.
      const groups = async () => (await store.database.db.selectFrom('pickup_groups').select('name').where('account_id', '=', ids['acme']!).execute()).map((g) => g.name);
      const groupsBefore = await groups();
      const refused = await users.updateUser(deps, me, 'acme', ids['acme.basic']!, { pickupGroup: 'Rogue Group' }).catch((e: AppError) => e);
      assert.ok(refused instanceof AppError && refused.status === 422, 'a field error, not a silent create');
      assert.equal((refused as AppError & { fields?: Array<{ field: string }> }).fields?.[0]?.field, 'pickupGroup');
      assert.deepEqual(await groups(), groupsBefore, 'no group was created');
      const manager = actorFor('acme', 'acme.manager', 'office_manager', []);
      const made = await users.updateUser(deps, manager, 'acme', ids['acme.basic']!, { pickupGroup: 'Front Desk' });
      assert.equal(made.pickupGroup, 'Front Desk');
      assert.ok((await groups()).includes('Front Desk'));
      const joined = await users.updateUser(deps, me, 'acme', ids['acme.site']!, { pickupGroup: 'front desk' });
      assert.equal(joined.pickupGroup, 'Front Desk', 'an existing group may be joined');
    });

    test('a Basic User reads and changes only their own voicemail and features', async () => {
      const me = actorFor('acme', 'acme.basic', 'basic_user', [ids['acme.dublin']!]);
      const before = await snapshot();
      for (const p of [
        () => users.getUser(deps, me, 'acme', ids['acme.manager']!),
        () => users.updateUser(deps, me, 'acme', ids['acme.manager']!, { features: { callbackOnBusy: true } }),
        () => users.updateUser(deps, me, 'acme', ids['acme.basic']!, { ringTime: 60 }),
        () => users.updateUser(deps, me, 'acme', ids['acme.basic']!, { scope: 'office_manager' }),
        () => users.createUser(deps, me, 'acme', { firstName: 'x', officeId: ids['acme.dublin']! }),
        () => users.deleteUser(deps, me, 'acme', ids['acme.corkuser']!),
        () => users.regenerateSipPassword(deps, me, 'acme', ids['acme.manager']!),
        () => offices.updateOffice(deps, me, 'acme', ids['acme.dublin']!, { name: 'x' }),
        () => numbers.listNumbers(deps, me, 'acme', { limit: 10, offset: 0 }),
      ]) {
        assert.equal(await status(p), 403);
      }
      assert.equal(await snapshot(), before);
      const list = await users.listUsers(deps, me, 'acme', { limit: 50 });
      assert.deepEqual(list.items.map((u) => u.id), [ids['acme.basic']]);
      const mine = await users.updateUser(deps, me, 'acme', ids['acme.basic']!, { voicemail: { pin: '9137' }, features: { divertAll: { enabled: true, destination: '087 123 4567' } } });
      assert.equal(mine.voicemail.pinSet, true);
      assert.equal(mine.features.divertAll.destination, '+353871234567');
    });

    test('No Portal and Simple User are refused', async () => {
      const np = actorFor('acme', 'acme.basic', 'no_portal', [ids['acme.dublin']!]);
      assert.equal(await status(() => users.getUser(deps, np, 'acme', ids['acme.basic']!)), 403);
      assert.equal(await status(() => offices.listOffices(deps, np, 'acme', { limit: 5, offset: 0 })), 403);
      const simple = actorFor('acme', 'acme.basic', 'simple_user', [ids['acme.dublin']!]);
      assert.equal(await status(() => users.getUser(deps, simple, 'acme', ids['acme.basic']!)), 'ok');
      assert.equal(await status(() => users.updateUser(deps, simple, 'acme', ids['acme.basic']!, { features: { callbackOnBusy: true } })), 403);
    });
  });
}
