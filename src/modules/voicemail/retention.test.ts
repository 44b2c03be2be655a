import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { createRecordingBus } from '../../shared/events.ts';
import { memoryAudioStore } from './audio-store.ts';
import { voicemailRetention } from './retention.ts';
import { voicemailBackend } from './service.ts';
import { seedMailboxes, testWav } from '../../../test/support/voicemail.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`voicemail retention (${kind})`, { skip }, () => {
    let s: TestServer;
    const bus = createRecordingBus();
    before(async () => {
      s = await startTestServer(kind, { events: bus });
    });
    after(() => s?.close());

    it("deletes messages older than each account's retention days (injected clock), emitting voicemail.message.expired", async () => {
      const a = await seedMailboxes(s, 'keep90', [{ key: 'ann' }]);
      const b = await seedMailboxes(s, 'keep7', [{ key: 'ben' }]);
      const patch = await s.api('PATCH', '/api/v1/accounts/keep7', { voicemailRetentionDays: 7 });
      assert.equal(patch.status, 200, patch.text);
      assert.equal(patch.body.voicemailRetentionDays, 7);
      assert.equal((await s.api('GET', '/api/v1/accounts/keep90')).body.voicemailRetentionDays, 90, 'default 90');

      const audio = memoryAudioStore();
      const vm = voicemailBackend(s.deps, audio);
      const now = new Date('2026-12-02T12:00:00Z');
      const daysAgo = (d: number) => new Date(now.getTime() - d * 86400e3).toISOString();
      const dep = (acc: string, userId: string, receivedAt: string, n: number) => vm.deposit({ accountId: acc, userId, callerNumber: '1', callerName: null, receivedAt, durationMs: 1000, wav: testWav(n) });
      const a89 = await dep(a.accountId, a.users.ann!.id, daysAgo(89), 1);
      const a91 = await dep(a.accountId, a.users.ann!.id, daysAgo(91), 2);
      const b6 = await dep(b.accountId, b.users.ben!.id, daysAgo(6), 3);
      const b8 = await dep(b.accountId, b.users.ben!.id, daysAgo(8), 4);
      const b30 = await dep(b.accountId, b.users.ben!.id, daysAgo(30), 5);
      assert.equal(audio.files.size, 5);

      bus.events.length = 0;
      const job = voicemailRetention(s.deps, { audioStore: audio, clock: () => now });
      assert.equal(await job.runOnce(), 3);
      assert.deepEqual((await vm.messages(a.accountId, a.users.ann!.id)).map((m) => m.id), [a89.id]);
      assert.deepEqual((await vm.messages(b.accountId, b.users.ben!.id)).map((m) => m.id), [b6.id]);
      assert.equal(audio.files.size, 2, 'the recordings go too');
      const expired = bus.events.filter((e) => e.type === 'voicemail.message.expired');
      assert.deepEqual(expired.map((e) => e.resourceId).sort(), [a91.id, b8.id, b30.id].sort());
      for (const e of expired) assert.ok((e.before as { userId: string }).userId, 'before.userId');
      assert.equal((expired.find((e) => e.resourceId === b8.id)!.before as { userId: string }).userId, b.users.ben!.id);
      // A second run finds nothing; a day later the 89-day-old one is still inside 90 days … until it is not.
      assert.equal(await job.runOnce(), 0);
      assert.equal(await job.runOnce(new Date(now.getTime() + 1.5 * 86400e3)), 2);
    });

    it('retention days are validated 1–3650 (422 naming the field)', async () => {
      for (const v of [0, 3651, -1]) {
        const r = await s.api('PATCH', '/api/v1/accounts/keep90', { voicemailRetentionDays: v });
        assert.equal(r.status, 422, r.text);
        assert.deepEqual(r.body.fields, [{ field: 'voicemailRetentionDays', reason: 'must be a whole number of days from 1 to 3650' }]);
      }
      const r = await s.api('PATCH', '/api/v1/accounts/keep90', { voicemailRetentionDays: 'x' });
      assert.equal(r.status, 400);
      assert.equal((await s.api('PATCH', '/api/v1/accounts/keep90', { voicemailRetentionDays: 3650 })).body.voicemailRetentionDays, 3650);
    });
  });
}
