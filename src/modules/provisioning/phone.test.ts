import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, storeKinds, type TestStore } from '../../../test/support/stores.ts';
import { createEventBus } from '../../shared/events.ts';
import { SYSTEM_ACTOR } from '../../shared/permissions.ts';
import type { Deps } from '../../shared/deps.ts';
import { createAccount } from '../accounts/service.ts';
import { createOffice } from '../offices/service.ts';
import { createUser } from '../users/service.ts';
import { createDevice, unlockDevice } from '../devices/service.ts';
import { basicAuthorization, createNonceIssuer, digestAuthorization, digestChallenge } from './auth.ts';
import { createPhoneServer, type PhoneServer } from './phone.ts';
import { getSettings } from './service.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`phone server with a controlled clock (${kind})`, { skip }, () => {
    let store: TestStore;
    let deps: Deps;
    let server: PhoneServer;
    let now = new Date('2026-06-01T00:00:00.000Z');
    let auth: string;
    let token: string;
    let deviceId: string;
    const nonces = createNonceIssuer(Buffer.alloc(32, 7), 60_000);
    const file = '805ec0abcdef.cfg';
    const req = (ip: string, authorization = auth) => ({ method: 'GET', url: `/prov/${token}/${file}`, token, file, ip, authorization });

    before(async () => {
      store = await openTestStore(kind);
      deps = { database: store.database, events: createEventBus() };
      const a = await createAccount(deps, SYSTEM_ACTOR, { code: 'clock', name: 'Clock', sipRealm: 'clock.pbx.example', country: 'AU' });
      const o = await createOffice(deps, SYSTEM_ACTOR, a.code, { name: 'HQ', timezone: 'Australia/Perth' });
      const u = await createUser(deps, SYSTEM_ACTOR, a.code, { firstName: 'Tick', officeId: o.id });
      const d = await createDevice(deps, SYSTEM_ACTOR, a.code, { mac: '805ec0abcdef', model: 't46u', userId: u.id });
      deviceId = d.id;
      const s = await getSettings(deps, SYSTEM_ACTOR, a.code);
      token = s.pathToken;
      auth = basicAuthorization(s.username, s.password);
      await deps.database.db.updateTable('provisioning_settings').set({ auth_mode: 'digest_or_basic' }).execute();
      server = createPhoneServer(store.database.db, { sipPort: 5060, sipTransport: 'udp', strikeLimit: 100, strikeWindowMs: 60_000 }, { nonces, now: () => now });
    });
    after(() => store?.cleanup());

    it('the 24 h unlock window expires: after it, another address is refused again', async () => {
      const first = await server.handle(req('10.0.0.1'));
      assert.equal(first.status, 200);
      assert.match(first.body, /local_time\.time_zone = \+8/);
      assert.equal((await server.handle(req('10.0.0.2'))).refusal, 'mac_locked');
      await unlockDevice(deps, SYSTEM_ACTOR, 'clock', deviceId, now);
      now = new Date(now.getTime() + 25 * 3600_000);
      assert.equal((await server.handle(req('10.0.0.2'))).refusal, 'mac_locked', 'window over');
      assert.equal((await server.handle(req('10.0.0.1'))).status, 200, 'the bound address still works');
      await unlockDevice(deps, SYSTEM_ACTOR, 'clock', deviceId, now);
      now = new Date(now.getTime() + 23 * 3600_000);
      assert.equal((await server.handle(req('10.0.0.2'))).status, 200, 'inside the window the new address claims the MAC');
    });

    it('a stale Digest nonce gets a fresh challenge (stale=true), not a refusal', async () => {
      const s = await getSettings(deps, SYSTEM_ACTOR, 'clock');
      const old = digestChallenge({ issue: () => nonces.issue(Date.now() - 120_000), check: nonces.check });
      const r = await server.handle(req('10.0.0.2', digestAuthorization(old, s.username, s.password, 'GET', `/prov/${token}/${file}`)));
      assert.equal(r.status, 401);
      assert.equal(r.refusal, undefined);
      assert.match(String(r.headers['www-authenticate']), /stale=true/);
      const fresh = digestChallenge(nonces);
      const ok = await server.handle(req('10.0.0.2', digestAuthorization(fresh, s.username, s.password, 'GET', `/prov/${token}/${file}`)));
      assert.equal(ok.status, 200);
      // a response signed for another file is refused
      const other = await server.handle({ ...req('10.0.0.2', digestAuthorization(fresh, s.username, s.password, 'GET', `/prov/${token}/y000000000108.cfg`)) });
      assert.equal(other.refusal, 'bad_credentials');
    });

    it('only guesses (bad token, bad credentials, unknown MAC) are strikes; other refusals never block and their stored rows are capped', async () => {
      const strict = createPhoneServer(store.database.db, { sipPort: 5060, sipTransport: 'udp', strikeLimit: 3, strikeWindowMs: 60_000 }, { nonces, now: () => now });
      const rows = async (ip: string) => (await deps.database.db.selectFrom('provisioning_refusals').select('reason').where('ip', '=', ip).execute()).map((r) => r.reason).sort();
      const at = (ip: string, f: string, authorization = auth) => ({ method: 'GET', url: `/prov/${token}/${f}`, token, file: f, ip, authorization });
      // the handset is bound to another address: a phone moved behind a new address keeps being refused
      for (let i = 0; i < 6; i++) assert.equal((await strict.handle(req('10.0.9.1'))).refusal, 'mac_locked');
      for (const f of ['sip.ld', '0004f2000001-license.cfg', 'y000000000000.boot', 'favicon.ico', '../x']) {
        const r = await strict.handle(at('10.0.9.1', f));
        assert.equal(r.status, 404);
        assert.equal(r.refusal, undefined, 'a file we do not serve is not a refusal');
      }
      assert.equal((await strict.handle(at('10.0.9.1', 'y000000000108.cfg'))).status, 200, 'the address is not blocked');
      assert.deepEqual(await rows('10.0.9.1'), ['mac_locked', 'mac_locked', 'mac_locked'], 'at most strikeLimit stored per window, no unknown-file rows');
      // guesses: each a strike; the third blocks the address
      assert.equal((await strict.handle(at('10.0.9.2', '805ec0000001.cfg'))).refusal, 'unknown_mac');
      assert.equal((await strict.handle(at('10.0.9.2', file, basicAuthorization('x', 'y')))).refusal, 'bad_credentials');
      assert.equal((await strict.handle({ ...at('10.0.9.2', file), token: 'Z'.repeat(32) })).refusal, 'bad_token');
      assert.equal((await strict.handle(at('10.0.9.2', 'y000000000108.cfg'))).status, 429);
      assert.deepEqual(await rows('10.0.9.2'), ['bad_credentials', 'bad_token', 'rate_limit_reached', 'unknown_mac']);
    });

    it('a disabled user’s handset gets a file without the SIP account', async () => {
      const u = await deps.database.db.selectFrom('devices').select('user_id').where('id', '=', deviceId).executeTakeFirstOrThrow();
      await deps.database.db.updateTable('users').set({ enabled: 0 }).where('id', '=', u.user_id!).execute();
      const r = await server.handle(req('10.0.0.2'));
      assert.equal(r.status, 200);
      assert.match(r.body, /^account\.1\.enable = 0$/m);
      assert.doesNotMatch(r.body, /account\.1\.password/);
    });
  });
}
