import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeKinds } from '../../../test/support/stores.ts';
import { rawRequest, startTestServer, type TestServer } from '../../../test/support/http.ts';
import { as, seedTenant, type Person, type Tenant } from '../../../test/support/tenants.ts';
import { fsAudioStore } from './audio-store.ts';
import type { VoicemailBackend } from './backend.ts';
import { voicemailBackend } from './service.ts';
import { cdWav, testWav } from '../../../test/support/voicemail.ts';
import { isStoreFormat, parseWav } from './wav.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`voicemail API (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    let vm: VoicemailBackend;
    let dir: string;
    const msgs: Record<string, string[]> = {};
    const mailbox = (p: Person, code = t.code) => `/api/v1/accounts/${code}/users/${p.id}/voicemail`;
    const P = (k: string) => t.people[k]!;

    /** A request with the given headers (no provider key unless given), raw body allowed. */
    const raw = (method: string, path: string, headers: Record<string, string>, body?: Buffer | FormData | string) => rawRequest(s.baseUrl, method, path, headers, body);
    const provider = () => ({ authorization: `Bearer ${s.providerKey}` });
    const counts = async () => ({
      messages: (await s.deps.database.db.selectFrom('voicemail_messages').select('id').execute()).length,
      greetings: (await s.deps.database.db.selectFrom('voicemail_greetings').select(['user_id', 'kind', 'audio_file', 'updated_at']).orderBy('user_id').orderBy('kind').execute()),
      files: readdirSync(dir).sort(),
    });

    before(async () => {
      dir = join(mkdtempSync(join(tmpdir(), 'sb-vmapi-')), 'voicemail');
      const audioStore = fsAudioStore(dir);
      s = await startTestServer(kind, { voicemail: { audioStore } });
      t = await seedTenant(s, 'vmacme');
      other = await seedTenant(s, 'vmglobex', { login: false });
      vm = voicemailBackend(s.deps, audioStore);
      for (const k of ['basic', 'basicB', 'basicC', 'om']) {
        msgs[k] = [];
        for (let i = 0; i < 2; i++) {
          const r = await vm.deposit({ accountId: t.accountId, userId: P(k).id, callerNumber: `10${i}`, callerName: `Caller ${i}`, receivedAt: `2026-12-02T0${i}:30:00.000Z`, durationMs: 3000 + i, wav: testWav(i + k.length) });
          msgs[k]!.push(r.id);
        }
      }
    });
    after(async () => {
      await s?.close();
      if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
    });

    it('lists a mailbox: new first, counts; the owner with the portal cookie, and the provider', async () => {
      const mine = await raw('GET', `${mailbox(P('basic'))}/messages`, as(P('basic')));
      assert.equal(mine.status, 200, mine.text);
      assert.equal(mine.body.newCount, 2);
      assert.equal(mine.body.savedCount, 0);
      assert.deepEqual(Object.keys(mine.body.items[0]).sort(), ['callerName', 'callerNumber', 'durationMs', 'folder', 'id', 'receivedAt', 'sizeBytes']);
      assert.deepEqual(
        mine.body.items.map((m: { id: string }) => m.id),
        msgs.basic,
      );
      assert.equal(mine.body.items[0].sizeBytes, testWav(5).length);
      const prov = await s.api('GET', `${mailbox(P('basic'))}/messages`);
      assert.deepEqual(prov.body, mine.body);
    });

    it('serves the recording as audio/wav with a download name, to the session cookie alone (an <audio> element)', async () => {
      const id = msgs.basic![1]!;
      const r = await raw('GET', `${mailbox(P('basic'))}/messages/${id}/audio`, { cookie: P('basic').cookie! });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('content-type'), 'audio/wav');
      assert.match(r.headers.get('content-disposition')!, /^attachment; filename="voicemail-\d{3,4}-2026-12-02T1230\.wav"$/); // 01:30Z in Sydney (UTC+11)
      assert.ok(r.buf.equals(testWav(1 + 'basic'.length)));
      assert.equal(r.headers.get('accept-ranges'), 'bytes');
      // Safari's <audio> probes with a range first.
      const part = await raw('GET', `${mailbox(P('basic'))}/messages/${id}/audio`, { cookie: P('basic').cookie!, range: 'bytes=0-1' });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 0-1/${r.buf.length}`);
      assert.deepEqual(part.buf, Buffer.from('RI'));
      const tail = await raw('GET', `${mailbox(P('basic'))}/messages/${id}/audio`, { cookie: P('basic').cookie!, range: 'bytes=44-' });
      assert.ok(tail.buf.equals(r.buf.subarray(44)));
      const beyond = await raw('GET', `${mailbox(P('basic'))}/messages/${id}/audio`, { cookie: P('basic').cookie!, range: `bytes=${r.buf.length}-` });
      assert.equal(beyond.status, 416);
      assert.equal((await raw('GET', `${mailbox(P('basic'))}/messages/${msgs.basicB![0]}/audio`, as(P('basic')))).status, 404, "another mailbox's message id under mine");
    });

    it('PATCH moves a message to saved (heard) and back; DELETE removes it and its file', async () => {
      const [id] = msgs.basic!;
      const h = { ...as(P('basic')), 'content-type': 'application/json' };
      const r = await raw('PATCH', `${mailbox(P('basic'))}/messages/${id}`, h, Buffer.from(JSON.stringify({ folder: 'saved' })));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.folder, 'saved');
      const list = await s.api('GET', `${mailbox(P('basic'))}/messages`);
      assert.deepEqual([list.body.newCount, list.body.savedCount], [1, 1]);
      const bad = await s.api('PATCH', `${mailbox(P('basic'))}/messages/${id}`, { folder: 'trash' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.fields[0].field, 'folder');
      const files = readdirSync(dir).length;
      const del = await raw('DELETE', `${mailbox(P('basic'))}/messages/${id}`, as(P('basic')));
      assert.equal(del.status, 204, del.text);
      assert.equal(readdirSync(dir).length, files - 1);
      assert.equal((await s.api('GET', `${mailbox(P('basic'))}/messages/${id}/audio`)).status, 404);
      assert.equal((await s.api('DELETE', `${mailbox(P('basic'))}/messages/${id}`)).status, 404);
      const audit = await s.api('GET', `/api/v1/accounts/${t.code}/audit?resource=voicemail`);
      assert.equal(audit.status, 200, audit.text);
      const actions = audit.body.items.map((e: { action: string }) => e.action);
      assert.ok(actions.includes('message.deleted') && actions.includes('message.updated'), actions.join(','));
    });

    it('greetings: upload WAV (raw, any format) and MP3 (multipart), stored as 8 kHz mono; play; delete', async () => {
      const base = `${mailbox(P('basic'))}/greetings`;
      const up = await raw('PUT', `${base}/unavailable`, { ...as(P('basic')), 'content-type': 'audio/wav' }, cdWav(2));
      assert.equal(up.status, 200, up.text);
      assert.equal(up.body.kind, 'unavailable');
      assert.equal(up.body.durationMs, 2000);
      const play = await raw('GET', `${base}/unavailable/audio`, { cookie: P('basic').cookie! });
      assert.equal(play.status, 200);
      const p = parseWav(play.buf);
      assert.ok(p.ok && isStoreFormat(p.info));
      assert.equal(play.buf.length, 44 + 2 * 8000 * 2);

      const mp3 = (await import('node:child_process')).spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=1', '-f', 'mp3', 'pipe:1']).stdout;
      const form = new FormData();
      form.append('file', new Blob([mp3], { type: 'audio/mpeg' }), 'hello.mp3');
      const mup = await raw('PUT', `${base}/busy`, provider(), form);
      assert.equal(mup.status, 200, mup.text);
      assert.ok(Math.abs(mup.body.durationMs - 1000) < 100);
      const list = await s.api('GET', base);
      assert.deepEqual(list.body.items.map((g: { kind: string }) => g.kind), ['busy', 'unavailable']);

      const files = readdirSync(dir).length;
      assert.equal((await raw('PUT', `${base}/unavailable`, { ...provider(), 'content-type': 'audio/x-wav' }, cdWav(1))).status, 200);
      assert.equal(readdirSync(dir).length, files, 'replacing a greeting removes the old recording');
      assert.equal((await raw('DELETE', `${base}/busy`, as(P('basic')))).status, 204);
      assert.equal((await s.api('GET', `${base}/busy/audio`)).status, 404);
      assert.equal((await s.api('DELETE', `${base}/busy`)).status, 404);
      assert.equal((await s.api('GET', `${base}/welcome/audio`)).status, 400, 'unknown kind');
    });

    it('a bad greeting file is a 422 on "file" naming the problem, and nothing is written', async () => {
      const url = `${mailbox(P('basic'))}/greetings/name`;
      const before = await counts();
      const long = Buffer.alloc(44 + 8000 * 301);
      cdWav(0).copy(long);
      long.writeUInt16LE(1, 22); // mono
      long.writeUInt32LE(8000, 24);
      long.writeUInt32LE(8000, 28);
      long.writeUInt16LE(1, 32);
      long.writeUInt16LE(8, 34); // 8-bit: 301 s in 2.4 MB
      long.writeUInt32LE(8000 * 301, 40);
      const cases: Array<[string, Buffer, RegExp]> = [
        ['audio/wav', Buffer.from('this is a text file, not audio'), /^is not a WAV or MP3 file$/],
        ['application/octet-stream', Buffer.from('%PDF-1.7'), /^is not a WAV or MP3 file$/],
        ['audio/wav', Buffer.alloc(0), /^is empty$/],
        ['audio/wav', long, /^is too long \(5:01; at most 5:00\)$/],
        ['audio/mpeg', Buffer.concat([Buffer.from('ID3'), Buffer.alloc(500, 1)]), /^is not a readable MP3 file$/],
        ['audio/wav', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')]), /WAV/],
      ];
      for (const [ct, body, reason] of cases) {
        const r = await raw('PUT', url, { ...as(P('basic')), 'content-type': ct }, body);
        assert.equal(r.status, 422, `${ct} ${body.length} B → ${r.status} ${r.text}`);
        assert.equal(r.body.error, 'validation_failed');
        assert.equal(r.body.fields.length, 1);
        assert.equal(r.body.fields[0].field, 'file');
        assert.match(r.body.fields[0].reason, reason);
        assert.ok(r.body.message);
      }
      const big = await raw('PUT', url, { ...provider(), 'content-type': 'audio/wav' }, Buffer.alloc(5 * 1024 * 1024 + 10, 1));
      assert.equal(big.status, 422, big.text);
      assert.match(big.body.fields[0].reason, /larger than 5 MB/);
      const huge = await raw('PUT', url, { ...provider(), 'content-type': 'audio/wav' }, Buffer.alloc(7 * 1024 * 1024, 1));
      assert.equal(huge.status, 413);
      const text = await raw('PUT', url, { ...provider(), 'content-type': 'text/plain' }, Buffer.from('hi'));
      assert.ok(text.status === 415, `${text.status} ${text.text}`);
      assert.deepEqual(await counts(), before);
    });

    it('roles: self, Site Manager (their offices, not a higher scope), Office Manager; lower role → 403 on every route, nothing changed', async () => {
      const routes = (p: Person, msg: string): Array<[string, string, Record<string, string>?, Buffer?]> => [
        ['GET', `${mailbox(p)}/messages`],
        ['GET', `${mailbox(p)}/messages/${msg}/audio`],
        ['PATCH', `${mailbox(p)}/messages/${msg}`, { 'content-type': 'application/json' }, Buffer.from('{"folder":"saved"}')],
        ['DELETE', `${mailbox(p)}/messages/${msg}`],
        ['GET', `${mailbox(p)}/greetings`],
        ['PUT', `${mailbox(p)}/greetings/busy`, { 'content-type': 'audio/wav' }, cdWav(0.5)],
        ['GET', `${mailbox(p)}/greetings/busy/audio`],
        ['DELETE', `${mailbox(p)}/greetings/busy`],
      ];
      const refused: Array<[string, string, number]> = [
        ['basic', 'basicB', 403], // a Basic User on someone else's mailbox
        ['agent', 'basic', 403],
        ['sup', 'basic', 403], // a supervisor reads users of the office, not their voicemail
        ['simple', 'simple', 403], // fax only
        ['sm', 'basicC', 403], // office C is not theirs
        ['sm', 'om', 403], // a higher scope in their office
      ];
      const before = await counts();
      for (const [who, whose, status] of refused) {
        for (const [method, path, extra, body] of routes(P(whose), msgs[whose]?.[1] ?? msgs.basic![1]!)) {
          const r = await raw(method, path, { ...as(P(who)), ...extra }, body);
          assert.equal(r.status, status, `${who} ${method} ${path} → ${r.status} ${r.text}`);
        }
      }
      assert.deepEqual(await counts(), before, 'refused requests change nothing');

      const allowed: Array<[string, string]> = [
        ['sm', 'basicB'],
        ['sm', 'sm'],
        ['om', 'basicC'],
        ['agent', 'agent'],
      ];
      for (const [who, whose] of allowed) {
        const r = await raw('GET', `${mailbox(P(whose))}/messages`, as(P(who)));
        assert.equal(r.status, 200, `${who} on ${whose}: ${r.text}`);
      }
      const sm = await raw('GET', `${mailbox(P('basicB'))}/messages/${msgs.basicB![0]}/audio`, as(P('sm')));
      assert.equal(sm.status, 200);
    });

    it("another tenant's mailbox is 404 on every route, both ways", async () => {
      const theirs = other.people.basic!;
      const before = await counts();
      const cases: Array<[string, string]> = [
        // another tenant's person (provider-made key would pass; use their Office Manager's cookie)
        ['GET', `/api/v1/accounts/${t.code}/users/${theirs.id}/voicemail/messages`],
        ['GET', `/api/v1/accounts/${t.code}/users/${theirs.id}/voicemail/greetings`],
        ['GET', `/api/v1/accounts/${t.code}/users/${theirs.id}/voicemail/messages/${msgs.basic![1]}/audio`],
        ['PATCH', `/api/v1/accounts/${t.code}/users/${theirs.id}/voicemail/messages/${msgs.basic![1]}`],
        ['DELETE', `/api/v1/accounts/${t.code}/users/${theirs.id}/voicemail/messages/${msgs.basic![1]}`],
        ['PUT', `/api/v1/accounts/${t.code}/users/${theirs.id}/voicemail/greetings/name`],
        ['GET', `/api/v1/accounts/${t.code}/users/${theirs.id}/voicemail/greetings/name/audio`],
        ['DELETE', `/api/v1/accounts/${t.code}/users/${theirs.id}/voicemail/greetings/name`],
        ['GET', `/api/v1/accounts/${other.code}/users/${P('basic').id}/voicemail/messages`],
        ['GET', `/api/v1/accounts/${other.code}/users/${theirs.id}/voicemail/messages`],
        ['DELETE', `/api/v1/accounts/${other.code}/users/${theirs.id}/voicemail/greetings/name`],
      ];
      for (const [method, path] of cases) {
        const body = method === 'PATCH' ? Buffer.from('{"folder":"saved"}') : method === 'PUT' ? cdWav(0.2) : undefined;
        const ct = method === 'PATCH' ? 'application/json' : 'audio/wav';
        const r = await raw(method, path, { ...as(P('om')), ...(body && { 'content-type': ct }) }, body);
        assert.equal(r.status, 404, `${method} ${path} → ${r.status} ${r.text}`);
      }
      assert.deepEqual(await counts(), before);
    });

    it('retention days: an Office Manager sets them, a Basic User cannot', async () => {
      const h = (p: Person) => ({ ...as(p), 'content-type': 'application/json' });
      const om = await raw('PATCH', `/api/v1/accounts/${t.code}`, h(P('om')), Buffer.from('{"voicemailRetentionDays":30}'));
      assert.equal(om.status, 200, om.text);
      assert.equal(om.body.voicemailRetentionDays, 30);
      const basic = await raw('PATCH', `/api/v1/accounts/${t.code}`, h(P('basic')), Buffer.from('{"voicemailRetentionDays":3650}'));
      assert.equal(basic.status, 403);
      assert.equal((await s.api('GET', `/api/v1/accounts/${t.code}`)).body.voicemailRetentionDays, 30);
    });

    it('is in the OpenAPI document', async () => {
      const doc = await s.api('GET', '/api/openapi.json');
      const paths = Object.keys(doc.body.paths);
      for (const p of ['/api/v1/accounts/{account}/users/{userId}/voicemail/messages', '/api/v1/accounts/{account}/users/{userId}/voicemail/messages/{id}/audio', '/api/v1/accounts/{account}/users/{userId}/voicemail/greetings/{kind}']) {
        assert.ok(paths.includes(p), p);
      }
    });
  });
}
