import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { aorsToRemove, bindingCleanup, type BindingRemover } from './bindings.ts';
import type { SipTarget } from './notifier.ts';
import { startTestServer } from '../../../test/support/http.ts';
import { SYSTEM_ACTOR } from '../../shared/permissions.ts';
import { createAccount } from '../accounts/service.ts';
import { createOffice } from '../offices/service.ts';
import { createUser, deleteUser, regenerateSipPassword, updateUser } from '../users/service.ts';

describe('aorsToRemove (pure)', () => {
  const ev = (type: string, before?: unknown, after?: unknown) => ({ type, before, after });
  it('deleted → the old SIP username', () => assert.deepEqual(aorsToRemove(ev('user.deleted', { sipUsername: 'u1', enabled: true }), null), ['u1']));
  it('disabled → the old SIP username; enabled again or other edits → nothing', () => {
    assert.deepEqual(aorsToRemove(ev('user.updated', { sipUsername: 'u1', enabled: true }, { sipUsername: 'u1', enabled: false }), null), ['u1']);
    assert.deepEqual(aorsToRemove(ev('user.updated', { sipUsername: 'u1', enabled: false }, { sipUsername: 'u1', enabled: true }), null), []);
    assert.deepEqual(aorsToRemove(ev('user.updated', { sipUsername: 'u1', enabled: true }, { sipUsername: 'u1', enabled: true }), null), []);
  });
  it('renamed → the old SIP username', () => assert.deepEqual(aorsToRemove(ev('user.updated', { sipUsername: 'u1', enabled: true }, { sipUsername: 'u2', enabled: true }), null), ['u1']));
  it('new SIP password → the current SIP username', () => assert.deepEqual(aorsToRemove(ev('user.sip_password_regenerated'), 'u1'), ['u1']));
  it('anything else → nothing', () => assert.deepEqual(aorsToRemove(ev('user.created', undefined, { sipUsername: 'u1' }), 'u1'), []));
});

for (const { kind, skip } of await storeKinds()) {
  describe(`binding cleanup on user events (${kind})`, { skip }, () => {
    it('removes the right AoR for delete, disable and a new SIP password, and nothing for other edits', async () => {
      const server = await startTestServer(kind);
      try {
        const removed: SipTarget[] = [];
        const fake: BindingRemover = {
          async remove(t) {
            removed.push(t);
            return 'removed';
          },
        };
        const d = server.deps;
        d.events.subscribe(bindingCleanup(server.store.database.db, fake));
        await createAccount(d, SYSTEM_ACTOR, { code: 'bc', name: 'BC', sipRealm: 'bc.pbx.test', country: 'AU' });
        const office = await createOffice(d, SYSTEM_ACTOR, 'bc', { name: 'HQ', timezone: 'Australia/Sydney', areaCode: '02' });
        const u = await createUser(d, SYSTEM_ACTOR, 'bc', { firstName: 'A', extension: '201', officeId: office.id });
        await updateUser(d, SYSTEM_ACTOR, 'bc', u.id, { department: 'Sales' });
        assert.deepEqual(removed, []);
        await regenerateSipPassword(d, SYSTEM_ACTOR, 'bc', u.id);
        assert.deepEqual(removed, [{ sipUsername: u.sipUsername, realm: 'bc.pbx.test' }]);
        await updateUser(d, SYSTEM_ACTOR, 'bc', u.id, { enabled: false });
        assert.equal(removed.length, 2);
        await deleteUser(d, SYSTEM_ACTOR, 'bc', u.id, { cascade: true });
        assert.deepEqual(removed[2], { sipUsername: u.sipUsername, realm: 'bc.pbx.test' });
      } finally {
        await server.close();
      }
    });
  });
}
