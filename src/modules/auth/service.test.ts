import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, storeKinds, type TestStore } from '../../../test/support/stores.ts';
import { createEventBus } from '../../shared/events.ts';
import type { Deps } from '../../shared/deps.ts';
import { SYSTEM_ACTOR } from '../../shared/permissions.ts';
import type { AppError } from '../../shared/errors.ts';
import { createAccount } from '../accounts/service.ts';
import { createOffice } from '../offices/service.ts';
import { createUser } from '../users/service.ts';
import { fakeMailer, unconfiguredMailer } from './mailer.ts';
import { createAuthRuntime, login, sendCredentials, sessionAuthenticator, setPassword, subscribeCleanup, type AuthRuntime } from './service.ts';
import { hashKey } from './provider-keys.ts';

const PW = 'Sturdy-Walrus-63';

for (const { kind, skip } of await storeKinds()) {
  describe(`auth service with a fake mailer (${kind})`, { skip }, () => {
    let store: TestStore;
    let deps: Deps;
    let rt: AuthRuntime;
    const mailer = fakeMailer();
    let userId: string;

    before(async () => {
      store = await openTestStore(kind);
      deps = { database: store.database, events: createEventBus() };
      subscribeCleanup(deps);
      rt = createAuthRuntime(deps, mailer, { portalUrl: 'https://pbx.example', sessionIdleMinutes: 30, sessionMaxHours: 1 });
      await createAccount(deps, SYSTEM_ACTOR, { code: 'acme', name: 'Acme', sipRealm: 'acme.pbx.test', country: 'AU' });
      const office = await createOffice(deps, SYSTEM_ACTOR, 'acme', { name: 'HQ', timezone: 'UTC' });
      const u = await createUser(deps, SYSTEM_ACTOR, 'acme', { firstName: 'Zoe', email: 'zoe@acme.test', officeId: office.id, voicemail: { pin: '24680' }, altEmail: 'zoe.home@elsewhere.test' });
      userId = u.id;
      await setPassword(deps, SYSTEM_ACTOR, 'acme', userId, PW);
    });
    after(() => store?.cleanup());

    test('send credentials goes to the alternate address, with login details and a link, without secrets', async () => {
      const r = await sendCredentials(rt, SYSTEM_ACTOR, 'acme', userId);
      assert.equal(r.to, 'zoe.home@elsewhere.test');
      const m = mailer.sent.at(-1)!;
      assert.equal(m.to, 'zoe.home@elsewhere.test');
      assert.match(m.text, /Account name: {2}acme/);
      assert.match(m.text, /Login email: {3}zoe@acme\.test/);
      assert.match(m.text, /https:\/\/pbx\.example\/set-password#token=/);
      const row = await store.database.db.selectFrom('users').select(['sip_password', 'vm_pin']).where('id', '=', userId).executeTakeFirstOrThrow();
      assert.ok(!m.text.includes(row.sip_password) && !m.text.includes(row.vm_pin!) && !m.text.includes(PW));
      assert.match(m.text, /You already have a password/);
    });

    test('without SMTP, send credentials is a clear 503 and no token is left behind', async () => {
      const before = await store.database.db.selectFrom('password_tokens').select('id').execute();
      const noSmtp = createAuthRuntime(deps, unconfiguredMailer(() => {}));
      await assert.rejects(sendCredentials(noSmtp, SYSTEM_ACTOR, 'acme', userId), (e: AppError) => e.status === 503 && e.code === 'mail_unavailable');
      assert.equal((await store.database.db.selectFrom('password_tokens').select('id').execute()).length, before.length);
    });

    test('a failing SMTP server is a 502, not a crash', async () => {
      const broken = createAuthRuntime(deps, {
        configured: true,
        send: () => Promise.reject(new Error('connection refused')),
      });
      await assert.rejects(sendCredentials(broken, SYSTEM_ACTOR, 'acme', userId), (e: AppError) => e.status === 502);
    });

    test('sessions: idle expiry slides, never past the absolute limit, and expired sessions do not authenticate', async () => {
      const { token } = await login(rt, { account: 'acme', email: 'zoe@acme.test', password: PW }, '10.0.0.1');
      const auth = sessionAuthenticator(rt);
      const headers = { cookie: `sb_session=${token}` };
      assert.equal((await auth.authenticate(headers))?.id, userId);
      const id = hashKey(token);
      const db = store.database.db;
      // Last seen 10 minutes ago: the next request pushes the idle expiry to now + 30 min (capped at created + 1 h).
      const created = new Date(Date.now() - 50 * 60_000).toISOString();
      await db.updateTable('sessions').set({ created_at: created, last_seen_at: new Date(Date.now() - 10 * 60_000).toISOString() }).where('id', '=', id).execute();
      await auth.authenticate(headers);
      const s = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(Math.abs(Date.parse(s.expires_at) - (Date.parse(created) + 3_600_000)) < 2000, 'capped by the absolute limit');
      await db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
      assert.equal(await auth.authenticate(headers), null);
      assert.equal(await auth.authenticate({ cookie: 'sb_session=not-a-session' }), null);
      assert.equal(await auth.authenticate({}), null);
    });

    test("deleting a user ends their sessions (cleanup subscriber)", async () => {
      const { token } = await login(rt, { account: 'acme', email: 'zoe@acme.test', password: PW }, '10.0.0.2');
      const db = store.database.db;
      assert.ok(await db.selectFrom('sessions').select('id').where('id', '=', hashKey(token)).executeTakeFirst());
      await deps.events.publish({ type: 'user.deleted', accountId: 'x', resourceId: userId, actor: 'test', at: new Date().toISOString() });
      assert.equal(await db.selectFrom('sessions').select('id').where('user_id', '=', userId).executeTakeFirst(), undefined);
    });
  });
}
