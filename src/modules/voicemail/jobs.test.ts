import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { fakeMailer } from '../auth/mailer.ts';
import { memoryAudioStore } from './audio-store.ts';
import { startVoicemailJobs } from './jobs.ts';
import { voicemailBackend } from './service.ts';
import { seedMailboxes, testWav } from '../../../test/support/voicemail.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`startVoicemailJobs (${kind})`, { skip }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(kind);
    });
    after(() => s?.close());

    it('delivers on its timer with the given mailer, and stops', async () => {
      const seed = await seedMailboxes(s, 'vmjobs', [{ key: 'ida', voicemail: { emailDelivery: true } }]);
      const audioStore = memoryAudioStore();
      const mailer = fakeMailer();
      const { id } = await voicemailBackend(s.deps, audioStore).deposit({ accountId: seed.accountId, userId: seed.users.ida!.id, callerNumber: '200', callerName: 'Jo', receivedAt: new Date().toISOString(), durationMs: 7000, wav: testWav(4) });
      const stop = startVoicemailJobs(s.deps, { mailer, audioStore, deliveryIntervalMs: 20, log: () => {} });
      try {
        for (let i = 0; i < 200 && mailer.sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      } finally {
        await stop();
      }
      assert.equal(mailer.sent.length, 1);
      assert.equal(mailer.sent[0]!.to, 'ida@vmjobs.test');
      assert.equal(mailer.sent[0]!.subject, 'New voicemail from Jo (200) — 0:07');
      assert.deepEqual(mailer.sent[0]!.attachments?.[0]?.content, testWav(4));
      const row = await s.deps.database.db.selectFrom('voicemail_messages').select('email_status').where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.email_status, 'sent');
    });
  });
}
