import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { createRecordingBus } from '../../shared/events.ts';
import { memoryAudioStore } from './audio-store.ts';
import type { VoicemailBackend } from './backend.ts';
import { voicemailBackend } from './service.ts';
import { voicemailRetention } from './retention.ts';
import { findOrphans } from '../../../test/support/orphans.ts';
import { seedMailboxes, testWav } from '../../../test/support/voicemail.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`voicemail backend (${kind})`, { skip }, () => {
    let s: TestServer;
    let vm: VoicemailBackend;
    let seed: Awaited<ReturnType<typeof seedMailboxes>>;
    const audio = memoryAudioStore();
    const bus = createRecordingBus();
    let now = new Date('2026-12-02T10:00:00Z');

    before(async () => {
      s = await startTestServer(kind, { events: bus });
      seed = await seedMailboxes(s, 'vmback', [{ key: 'anna' }, { key: 'bo', voicemail: { enabled: false } }, { key: 'cy' }]);
      vm = voicemailBackend(s.deps, audio, () => now);
    });
    after(() => s?.close());

    it('finds a mailbox by account code and extension, with settings and the office timezone', async () => {
      const anna = seed.users.anna!;
      const mb = await vm.mailbox('vmback', anna.extension);
      assert.deepEqual(mb, {
        accountId: seed.accountId,
        accountCode: 'vmback',
        realm: 'vmback.pbx.test',
        userId: anna.id,
        extension: anna.extension,
        displayName: 'anna Test',
        enabled: true,
        keepOnServer: true,
        hasPin: true,
        timezone: 'Australia/Sydney',
      });
      assert.equal((await vm.mailbox('vmback', seed.users.bo!.extension))?.enabled, false);
      assert.equal(await vm.mailbox('vmback', '999'), null);
      assert.equal(await vm.mailbox('nosuch', anna.extension), null);
    });

    it('deposits, lists (new first, oldest first), counts, moves between folders and removes', async () => {
      const { id: userId } = seed.users.anna!;
      const acc = seed.accountId;
      bus.events.length = 0;
      const m1 = await vm.deposit({ accountId: acc, userId, callerNumber: '0299990000', callerName: 'Zed', receivedAt: '2026-12-02T09:00:00.000Z', durationMs: 4000, wav: testWav(1) });
      const m2 = await vm.deposit({ accountId: acc, userId, callerNumber: '101', callerName: 'Anna Lee', receivedAt: '2026-12-02T09:30:00.000Z', durationMs: 23000, wav: testWav(2) });
      const m3 = await vm.deposit({ accountId: acc, userId, callerNumber: null, callerName: null, receivedAt: '2026-12-02T08:00:00.000Z', durationMs: 1000, wav: testWav(3) });
      assert.equal(audio.files.size, 3);
      assert.deepEqual(await vm.summary(acc, userId), { newCount: 3, savedCount: 0 });
      assert.deepEqual((await vm.audio(acc, userId, m2.id))!, testWav(2));
      const dep = bus.events.filter((e) => e.type === 'voicemail.message.deposited');
      assert.equal(dep.length, 3);
      assert.equal((dep[1]!.after as { userId: string }).userId, userId);

      await vm.setFolder(acc, userId, m3.id, 'saved');
      const list = await vm.messages(acc, userId);
      assert.deepEqual(
        list.map((m) => [m.id, m.folder]),
        [
          [m1.id, 'new'],
          [m2.id, 'new'],
          [m3.id, 'saved'],
        ],
      );
      assert.deepEqual(list[1], { id: m2.id, folder: 'new', callerNumber: '101', callerName: 'Anna Lee', receivedAt: '2026-12-02T09:30:00.000Z', durationMs: 23000 });
      assert.deepEqual(await vm.summary(acc, userId), { newCount: 2, savedCount: 1 });
      const upd = bus.events.find((e) => e.type === 'voicemail.message.updated')!;
      assert.deepEqual(upd.after, { userId, id: m3.id, folder: 'saved' });

      await assert.rejects(vm.deposit({ accountId: acc, userId, callerNumber: null, callerName: null, receivedAt: '2026-12-02T09:00:00.000Z', durationMs: 1, wav: Buffer.from('not a wav') }), /wav: is not a WAV file/);
      assert.equal(audio.files.size, 3, 'a refused deposit stores nothing');

      await vm.remove(acc, userId, m1.id);
      assert.equal(await vm.audio(acc, userId, m1.id), null);
      assert.equal(audio.files.size, 2);
      const del = bus.events.find((e) => e.type === 'voicemail.message.deleted')!;
      assert.equal((del.before as { userId: string }).userId, userId);
      assert.deepEqual(await vm.summary(acc, userId), { newCount: 1, savedCount: 1 });
      // Another user's id with this message: nothing there.
      assert.equal(await vm.audio(acc, seed.users.bo!.id, m2.id), null);
      await assert.rejects(vm.setFolder(acc, seed.users.bo!.id, m2.id, 'saved'), /message not found/);

      // The audit log records the writes.
      const audit = await s.deps.database.db.selectFrom('audit_log').select(['resource', 'action']).where('account_id', '=', acc).where('resource', '=', 'voicemail').execute();
      const actions = audit.map((r) => r.action);
      for (const a of ['message.deposited', 'message.updated', 'message.deleted']) assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
    });

    it('greetings: stored in the 8 kHz format, replaced, read back', async () => {
      const { id: userId } = seed.users.anna!;
      assert.equal(await vm.greeting(seed.accountId, userId, 'busy'), null);
      await vm.setGreeting(seed.accountId, userId, 'busy', testWav(7));
      assert.deepEqual(await vm.greeting(seed.accountId, userId, 'busy'), testWav(7));
      const files = audio.files.size;
      await vm.setGreeting(seed.accountId, userId, 'busy', testWav(8));
      assert.deepEqual(await vm.greeting(seed.accountId, userId, 'busy'), testWav(8));
      assert.equal(audio.files.size, files, 'the old recording is removed');
      await assert.rejects(vm.setGreeting(seed.accountId, userId, 'name', Buffer.from('nope')), /not a WAV/);
    });

    it('PIN: constant-time check; three wrong in a row lock for 5 minutes, audited with the source', async () => {
      const { id: userId } = seed.users.anna!;
      const acc = seed.accountId;
      bus.events.length = 0;
      assert.equal(await vm.checkPin(acc, userId, '2468', '192.0.2.7'), 'ok');
      assert.equal(await vm.checkPin(acc, userId, '1111', '192.0.2.7'), 'wrong');
      assert.equal(await vm.checkPin(acc, userId, '24680', '192.0.2.7'), 'wrong');
      assert.equal(await vm.checkPin(acc, userId, '0000', '192.0.2.7'), 'locked');
      assert.equal(await vm.checkPin(acc, userId, '2468', '192.0.2.7'), 'locked', 'even the right PIN while locked');
      const failed = bus.events.filter((e) => e.type === 'voicemail.pin.failed');
      const locked = bus.events.filter((e) => e.type === 'voicemail.pin.locked');
      assert.equal(failed.length, 4);
      assert.equal(locked.length, 1);
      assert.equal(locked[0]!.source, '192.0.2.7');
      assert.equal((locked[0]!.after as { lockedUntil: string }).lockedUntil, '2026-12-02T10:05:00.000Z');
      assert.ok(!JSON.stringify(bus.events).includes('1111'), 'the tried PIN is never in an event');
      const audit = await s.deps.database.db.selectFrom('audit_log').select(['action', 'source']).where('account_id', '=', acc).where('action', '=', 'pin.locked').execute();
      assert.deepEqual(audit, [{ action: 'pin.locked', source: '192.0.2.7' }]);
      now = new Date('2026-12-02T10:05:01Z');
      assert.equal(await vm.checkPin(acc, userId, '2468', '192.0.2.7'), 'ok');
    });

    it('PIN: attempts in parallel (several calls at once) are counted one by one', async () => {
      const { id: userId } = seed.users.cy!;
      const results = await Promise.all(['1', '2', '3', '4', '5', '6'].map((d) => vm.checkPin(seed.accountId, userId, d.repeat(4), '192.0.2.9')));
      assert.deepEqual(results, ['wrong', 'wrong', 'locked', 'locked', 'locked', 'locked']);
      assert.equal(await vm.checkPin(seed.accountId, userId, '2468', '192.0.2.9'), 'locked');
    });

    it('changePin follows the users rule and the new PIN works', async () => {
      const { id: userId } = seed.users.anna!;
      const acc = seed.accountId;
      assert.deepEqual(await vm.changePin(acc, userId, '12'), { ok: false, reason: 'The PIN must be at least 4 digits.' });
      assert.deepEqual(await vm.changePin(acc, userId, '12a4'), { ok: false, reason: 'The PIN must be numbers only.' });
      assert.deepEqual(await vm.changePin(acc, userId, '97531'), { ok: true });
      assert.equal(await vm.checkPin(acc, userId, '2468', 'x'), 'wrong');
      assert.equal(await vm.checkPin(acc, userId, '97531', 'x'), 'ok');
      const user = await s.api('GET', `/api/v1/accounts/vmback/users/${userId}`);
      assert.equal(user.body.voicemail.pinSet, true);
    });

    it('a deleted user takes their messages and greetings with them: rows at once, files at the next retention run', async () => {
      const { id: userId } = seed.users.bo!;
      const files = audio.files.size;
      await vm.deposit({ accountId: seed.accountId, userId, callerNumber: '1', callerName: null, receivedAt: now.toISOString(), durationMs: 1, wav: testWav(9) });
      await vm.setGreeting(seed.accountId, userId, 'name', testWav(10));
      assert.equal(audio.files.size, files + 2);
      const r = await s.api('DELETE', `/api/v1/accounts/vmback/users/${userId}`);
      assert.equal(r.status, 204, r.text);
      const db = s.deps.database.db;
      assert.deepEqual(await db.selectFrom('voicemail_messages').select('id').where('user_id', '=', userId).execute(), []);
      assert.deepEqual(await db.selectFrom('voicemail_greetings').select('kind').where('user_id', '=', userId).execute(), []);
      assert.equal((await db.selectFrom('voicemail_trash').select('audio_file').execute()).length, 2);
      assert.equal(await voicemailRetention(s.deps, { audioStore: audio, clock: () => now }).runOnce(), 0);
      assert.equal(audio.files.size, files, 'the recordings are removed');
      assert.deepEqual(await db.selectFrom('voicemail_trash').select('audio_file').execute(), []);
      assert.deepEqual(await findOrphans(s.store.database), []);
    });
  });
}
