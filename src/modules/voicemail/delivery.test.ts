import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { parseAttachments, startSmtpSink, type SmtpSink } from '../../../test/support/smtp.ts';
import { createRecordingBus } from '../../shared/events.ts';
import { smtpMailer, unconfiguredMailer } from '../auth/mailer.ts';
import { fsAudioStore } from './audio-store.ts';
import { voicemailDelivery } from './delivery.ts';
import { voicemailBackend } from './service.ts';
import { seedMailboxes, testWav } from '../../../test/support/voicemail.ts';

const FROM = 'Switchboard <pbx@switchboard.test>';

for (const { kind, skip } of await storeKinds()) {
  describe(`voicemail email delivery (${kind})`, { skip }, () => {
    let s: TestServer;
    let sink: SmtpSink;
    let dir: string;
    let seed: Awaited<ReturnType<typeof seedMailboxes>>;
    const bus = createRecordingBus();
    const t0 = new Date('2026-12-02T10:30:00Z');

    const row = (id: string) => s.deps.database.db.selectFrom('voicemail_messages').selectAll().where('id', '=', id).executeTakeFirst();

    before(async () => {
      s = await startTestServer(kind, { events: bus });
      sink = await startSmtpSink();
      dir = join(mkdtempSync(join(tmpdir(), 'sb-vm-')), 'voicemail');
      seed = await seedMailboxes(s, 'vmmail', [
        { key: 'cara', voicemail: { emailDelivery: true, email: 'cara-vm@vmmail.test' } },
        { key: 'dan', voicemail: { emailDelivery: true, deleteAfterEmail: true } },
        { key: 'eve', voicemail: { emailDelivery: true }, altEmail: 'eve-alt@vmmail.test' },
        { key: 'fay', voicemail: { emailDelivery: false, keepOnServer: false } },
        { key: 'gus', voicemail: { emailDelivery: false } },
      ]);
    });
    after(async () => {
      await sink?.close();
      await s?.close();
      if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
    });

    it('mails the WAV, byte-identical, to the voicemail address; subject, body in the office timezone; the message is kept', async () => {
      const audio = fsAudioStore(dir);
      const vm = voicemailBackend(s.deps, audio, () => t0);
      const wav = testWav(21, 1000);
      const { id } = await vm.deposit({ accountId: seed.accountId, userId: seed.users.cara!.id, callerNumber: '101', callerName: 'Anna Lee', receivedAt: t0.toISOString(), durationMs: 23_000, wav });
      assert.equal((await row(id))!.email_status, 'pending');
      // The folder and the file are private to the server's user.
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.deepEqual(readdirSync(dir).length, 1);
      assert.equal(statSync(join(dir, readdirSync(dir)[0]!)).mode & 0o777, 0o600);

      const job = voicemailDelivery(s.deps, { mailer: smtpMailer({ host: '127.0.0.1', port: sink.port, from: FROM }), audioStore: audio, log: () => {} });
      assert.deepEqual(await job.runOnce(t0), { sent: 1, retry: 0, failed: 0, deferred: 0 });
      const mail = await sink.waitFor((m) => m.to.includes('cara-vm@vmmail.test'));
      assert.equal(mail.subject, 'New voicemail from Anna Lee (101) — 0:23');
      const [att, ...more] = parseAttachments(mail.raw);
      assert.equal(more.length, 0);
      assert.equal(att!.filename, `voicemail-${seed.users.cara!.extension}-2026-12-02T2130.wav`);
      assert.equal(att!.contentType, 'audio/wav');
      assert.ok(att!.content.equals(wav), 'the attachment is byte-identical to the stored WAV');
      assert.ok(att!.content.equals((await vm.audio(seed.accountId, seed.users.cara!.id, id))!));
      assert.match(mail.raw, /Wednesday 2 December 2026, 21:30 \(Australia\/Sydney\)/);
      assert.match(mail.raw, /Anna Lee/);
      const r = (await row(id))!;
      assert.deepEqual([r.email_status, r.email_attempts, r.email_next_at, r.email_last_error], ['sent', 1, null, null]);
      assert.equal((await vm.messages(seed.accountId, seed.users.cara!.id)).length, 1, 'kept on the server');
      const emailed = bus.events.find((e) => e.type === 'voicemail.message.emailed' && e.resourceId === id)!;
      assert.deepEqual(emailed.after, { userId: seed.users.cara!.id, id, to: 'cara-vm@vmmail.test', attempts: 1 });
      // Nothing is due any more.
      assert.deepEqual(await job.runOnce(new Date(t0.getTime() + 3600e3)), { sent: 0, retry: 0, failed: 0, deferred: 0 });
    });

    it('SMTP down: kept and retried with backoff, then delivered when SMTP is back', async () => {
      const probe = await startSmtpSink();
      const port = probe.port;
      await probe.close(); // nothing listens on `port` now
      const audio = fsAudioStore(dir);
      const vm = voicemailBackend(s.deps, audio, () => t0);
      const wav = testWav(22);
      const { id } = await vm.deposit({ accountId: seed.accountId, userId: seed.users.eve!.id, callerNumber: '0299990000', callerName: null, receivedAt: t0.toISOString(), durationMs: 5_000, wav });
      const job = voicemailDelivery(s.deps, { mailer: smtpMailer({ host: '127.0.0.1', port, from: FROM }), audioStore: audio, log: () => {} });
      const at = (sec: number) => new Date(t0.getTime() + sec * 1000);

      assert.deepEqual(await job.runOnce(at(0)), { sent: 0, retry: 1, failed: 0, deferred: 0 });
      let r = (await row(id))!;
      assert.equal(r.email_status, 'pending');
      assert.equal(r.email_attempts, 1);
      assert.equal(r.email_next_at, at(30).toISOString());
      assert.match(r.email_last_error!, /ECONNREFUSED|connect/i);
      assert.deepEqual(await job.runOnce(at(29)), { sent: 0, retry: 0, failed: 0, deferred: 0 }, 'not due before the backoff');
      assert.deepEqual(await job.runOnce(at(30)), { sent: 0, retry: 1, failed: 0, deferred: 0 });
      r = (await row(id))!;
      assert.equal(r.email_attempts, 2);
      assert.equal(r.email_next_at, at(90).toISOString(), 'then 1 minute');
      assert.equal((await vm.messages(seed.accountId, seed.users.eve!.id)).length, 1, 'the message is kept');

      const back = await startSmtpSink(port);
      try {
        // A restart in between: a new job (and backend) over the same store picks the state up from the row.
        const job2 = voicemailDelivery(s.deps, { mailer: smtpMailer({ host: '127.0.0.1', port, from: FROM }), audioStore: fsAudioStore(dir), log: () => {} });
        assert.deepEqual(await job2.runOnce(at(90)), { sent: 1, retry: 0, failed: 0, deferred: 0 });
        const mail = await back.waitFor((m) => m.to.includes('eve-alt@vmmail.test'));
        assert.equal(mail.subject, 'New voicemail from 0299990000 — 0:05');
        assert.ok(parseAttachments(mail.raw)[0]!.content.equals(wav));
        r = (await row(id))!;
        assert.deepEqual([r.email_status, r.email_attempts, r.email_last_error], ['sent', 3, null]);
      } finally {
        await back.close();
      }
    });

    it("'Delete messages after emailing them': row and file go, voicemail.message.deleted is emitted", async () => {
      const audio = fsAudioStore(dir);
      const vm = voicemailBackend(s.deps, audio, () => t0);
      const files = readdirSync(dir).length;
      const { id } = await vm.deposit({ accountId: seed.accountId, userId: seed.users.dan!.id, callerNumber: '102', callerName: 'Bo', receivedAt: t0.toISOString(), durationMs: 2_000, wav: testWav(23) });
      assert.equal(readdirSync(dir).length, files + 1);
      const job = voicemailDelivery(s.deps, { mailer: smtpMailer({ host: '127.0.0.1', port: sink.port, from: FROM }), audioStore: audio, log: () => {} });
      assert.equal((await job.runOnce(t0)).sent, 1);
      await sink.waitFor((m) => m.to.includes('dan@vmmail.test'));
      assert.equal(await row(id), undefined);
      assert.equal(readdirSync(dir).length, files, 'the file is removed');
      const del = bus.events.find((e) => e.type === 'voicemail.message.deleted' && e.resourceId === id)!;
      assert.equal((del.before as { userId: string }).userId, seed.users.dan!.id);
      assert.deepEqual(await vm.summary(seed.accountId, seed.users.dan!.id), { newCount: 0, savedCount: 0 });
    });

    it('without phone access a message is emailed even with email delivery off, then deleted; with both off it is only kept', async () => {
      const audio = fsAudioStore(dir);
      const vm = voicemailBackend(s.deps, audio, () => t0);
      const fay = await vm.deposit({ accountId: seed.accountId, userId: seed.users.fay!.id, callerNumber: '103', callerName: null, receivedAt: t0.toISOString(), durationMs: 1_000, wav: testWav(24) });
      const gus = await vm.deposit({ accountId: seed.accountId, userId: seed.users.gus!.id, callerNumber: '103', callerName: null, receivedAt: t0.toISOString(), durationMs: 1_000, wav: testWav(25) });
      assert.equal((await row(gus.id))!.email_status, 'none');
      const job = voicemailDelivery(s.deps, { mailer: smtpMailer({ host: '127.0.0.1', port: sink.port, from: FROM }), audioStore: audio, log: () => {} });
      assert.equal((await job.runOnce(t0)).sent, 1);
      await sink.waitFor((m) => m.to.includes('fay@vmmail.test'));
      assert.equal(await row(fay.id), undefined);
      assert.ok(await row(gus.id));
    });

    it('no SMTP configured: stays pending with "mail not configured", looked at again later, never throws', async () => {
      const audio = fsAudioStore(dir);
      const vm = voicemailBackend(s.deps, audio, () => t0);
      const { id } = await vm.deposit({ accountId: seed.accountId, userId: seed.users.cara!.id, callerNumber: '104', callerName: null, receivedAt: t0.toISOString(), durationMs: 1_000, wav: testWav(26) });
      const job = voicemailDelivery(s.deps, { mailer: unconfiguredMailer(() => {}), audioStore: audio, log: () => {} });
      assert.deepEqual(await job.runOnce(t0), { sent: 0, retry: 0, failed: 0, deferred: 1 });
      const r = (await row(id))!;
      assert.deepEqual([r.email_status, r.email_attempts, r.email_last_error], ['pending', 0, 'mail not configured']);
      assert.ok(r.email_next_at! > t0.toISOString());
      // Configured later: delivered.
      const job2 = voicemailDelivery(s.deps, { mailer: smtpMailer({ host: '127.0.0.1', port: sink.port, from: FROM }), audioStore: audio, log: () => {} });
      assert.equal((await job2.runOnce(new Date(t0.getTime() + 120e3))).sent, 1);
    });

    it('start() sends on its timer; stop() ends it', async () => {
      const audio = fsAudioStore(dir);
      const vm = voicemailBackend(s.deps, audio);
      const { id } = await vm.deposit({ accountId: seed.accountId, userId: seed.users.cara!.id, callerNumber: '105', callerName: 'Timer', receivedAt: new Date().toISOString(), durationMs: 1_000, wav: testWav(27) });
      const job = voicemailDelivery(s.deps, { mailer: smtpMailer({ host: '127.0.0.1', port: sink.port, from: FROM }), audioStore: audio, intervalMs: 50, log: () => {} });
      job.start();
      try {
        await sink.waitFor((m) => m.subject.startsWith('New voicemail from Timer (105)'));
      } finally {
        await job.stop();
      }
      assert.equal((await row(id))!.email_status, 'sent');
    });
  });
}
