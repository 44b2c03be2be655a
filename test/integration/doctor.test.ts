/**
 * `switchboard doctor` against real pieces: a migrated store of each kind (and a store not migrated), a real
 * SMTP sink, a SIP responder on UDP standing in for Kamailio and the voicemail server (and the same ports
 * silent), a real API node's /healthz.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDoctor, formatDoctor, type CheckResult } from '../../src/doctor.ts';
import { loadConfig } from '../../src/config.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { startTestServer, type TestServer } from '../support/http.ts';
import { storeKinds } from '../support/stores.ts';

/** Answers every SIP request with 200 OK (enough for an OPTIONS ping). */
async function sipResponder(): Promise<{ port: number; close(): void }> {
  const sock: Socket = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const text = msg.toString();
    const header = (name: string) => new RegExp(`^${name}:.*$`, 'im').exec(text)?.[0] ?? '';
    const reply = ['SIP/2.0 200 OK', header('Via'), header('From'), `${header('To')};tag=doc`, header('Call-ID'), header('CSeq'), 'Content-Length: 0', '', ''].join('\r\n');
    sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  let open = true;
  return {
    port: sock.address().port,
    close: () => {
      if (open) sock.close();
      open = false;
    },
  };
}

const byName = (rs: CheckResult[]) => Object.fromEntries(rs.map((r) => [r.name, r]));

for (const { kind, skip } of await storeKinds()) {
  describe(`switchboard doctor (${kind})`, { skip }, () => {
    let api: TestServer;
    let smtp: SmtpSink;
    let sip: { port: number; close(): void };
    let dir = '';

    before(async () => {
      api = await startTestServer(kind);
      smtp = await startSmtpSink();
      sip = await sipResponder();
      dir = mkdtempSync(join(tmpdir(), 'sb-doctor-'));
      mkdirSync(join(dir, 'voicemail'), { mode: 0o700 });
      mkdirSync(join(dir, 'media'), { mode: 0o755 });
    });
    after(async () => {
      sip?.close();
      await smtp?.close();
      await api?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('everything up: store, migrations, SMTP, Kamailio, voicemail server and the API node pass; loose folders and unset settings warn', async () => {
      const env = {
        DATABASE_URL: api.store.url,
        SWITCHBOARD_VOICEMAIL_DIR: join(dir, 'voicemail'),
        SWITCHBOARD_MEDIA_DIR: join(dir, 'media'),
        SWITCHBOARD_RECORDINGS_DIR: join(dir, 'recordings'),
        SMTP_URL: smtp.url,
        SWITCHBOARD_SIP_PORT: String(sip.port),
        SWITCHBOARD_SIP_VOICEMAIL: `127.0.0.1:${sip.port}`,
        SWITCHBOARD_RTPENGINE: 'off',
      };
      const rs = byName(await runDoctor(loadConfig(env), { env, apiNodes: [api.baseUrl] }));
      for (const name of ['store', 'migrations', 'smtp', 'kamailio', 'voicemail server', 'voicemail folder', `api ${api.baseUrl}`]) assert.equal(rs[name]?.status, 'ok', `${name}: ${rs[name]?.detail}`);
      if (kind === 'postgres') assert.equal(rs['cluster notifications']?.status, 'ok', rs['cluster notifications']?.detail);
      assert.equal(rs['media folder']?.status, 'warn', 'a folder others can read is a warning');
      assert.equal(rs['recordings folder']?.status, 'warn');
      assert.equal(rs.rtpengine?.status, 'warn');
      assert.equal(rs['routing secret']?.status, 'warn');
      assert.equal(smtp.messages.length, 0, 'checking SMTP sends nothing');
    });

    test('pieces down or a store not migrated: each says so, and the report has a FAIL line for it', async () => {
      sip.close();
      const fresh = kind === 'sqlite' ? join(dir, 'fresh.sqlite') : api.store.url.replace(/\/[^/]+$/, '/test');
      const env = { DATABASE_URL: fresh, SWITCHBOARD_SIP_PORT: String(sip.port), SWITCHBOARD_SIP_VOICEMAIL: `127.0.0.1:${sip.port}`, SMTP_URL: 'smtp://127.0.0.1:1', SWITCHBOARD_RTPENGINE: 'udp:127.0.0.1:1' };
      const results = await runDoctor(loadConfig(env), { env, apiNodes: ['http://127.0.0.1:1'] });
      const rs = byName(results);
      if (kind === 'sqlite') assert.equal(rs.migrations?.status, 'fail', rs.migrations?.detail);
      for (const name of ['kamailio', 'voicemail server', 'smtp', 'rtpengine', 'api http://127.0.0.1:1']) assert.equal(rs[name]?.status, 'fail', `${name}: ${rs[name]?.detail}`);
      assert.match(formatDoctor(results), /^FAIL {2}kamailio +no SIP answer from 127\.0\.0\.1:\d+/m);
    });
  });
}
