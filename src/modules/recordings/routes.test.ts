import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeKinds } from '../../../test/support/stores.ts';
import { rawRequest, startTestServer, type TestServer } from '../../../test/support/http.ts';
import { as, seedTenant, type Tenant } from '../../../test/support/tenants.ts';
import { seedRecording } from '../../../test/support/recordings.ts';
import { toneRatio } from '../voicemail/audio.ts';
import { channel, readStereoWav } from './decode.ts';
import { recordingRetention } from './retention.ts';
import { fsRecordingStore, type RecordingStore } from './store.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`call recordings API (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    let dir: string;
    let store: RecordingStore;
    const ids: Record<string, string> = {};
    const base = (code = t.code) => `/api/v1/accounts/${code}/recordings`;
    const raw = (method: string, path: string, headers: Record<string, string>, body?: string) => rawRequest(s.baseUrl, method, path, headers, body);
    const provider = () => ({ authorization: `Bearer ${s.providerKey}` });
    const audit = async (type: string) => s.deps.database.db.selectFrom('audit_log').selectAll().where('resource', '=', 'recording').where('action', '=', type.replace(/^recording\./, '')).execute();

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sb-rec-api-'));
      store = fsRecordingStore(join(dir, 'recordings'));
      s = await startTestServer(kind, { recordings: { store } });
      t = await seedTenant(s, 'recacme');
      other = await seedTenant(s, 'recglobex', { login: false });
      const db = s.deps.database.db;
      const p = t.people;
      // A (sm's office) internal call om → basic; one in office C only (basicC → outside number); an old one
      ids.ab = await seedRecording(db, store, { accountId: t.accountId, caller: { number: '100', userId: p.om!.id, officeId: t.offices.A, name: 'OM' }, callee: { number: '104', userId: p.basic!.id, officeId: t.offices.A }, startedAt: '2026-11-20T10:00:00.000Z' });
      ids.c = await seedRecording(db, store, { accountId: t.accountId, direction: 'outbound', caller: { number: '108', userId: p.basicC!.id, officeId: t.offices.C }, callee: { number: '+61299998888' }, startedAt: '2026-11-25T10:00:00.000Z', ms: 2000 });
      ids.inbound = await seedRecording(db, store, { accountId: t.accountId, direction: 'inbound', caller: { number: '+61355551234' }, callee: { number: '+61291234567', userId: p.basicB!.id, officeId: t.offices.B }, startedAt: '2026-11-26T09:00:00.000Z' });
      ids.other = await seedRecording(db, store, { accountId: other.accountId, caller: { number: '100' }, callee: { number: '101' }, startedAt: '2026-11-26T09:00:00.000Z' });
    });
    after(async () => {
      await s?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('lists the account\'s recordings newest first (Office Manager), never another tenant\'s', async () => {
      const l = await raw('GET', base(), as(t.people.om!));
      assert.equal(l.status, 200, l.text);
      assert.deepEqual(
        l.body.items.map((r: { id: string }) => r.id),
        [ids.inbound, ids.c, ids.ab],
      );
      assert.equal(l.body.total, 3);
      const r = l.body.items[2];
      assert.deepEqual(r.caller, { number: '100', name: 'OM', userId: t.people.om!.id, officeId: t.offices.A });
      assert.equal(r.durationMs, 1000);
      assert.equal(r.direction, 'internal');
      assert.equal(r.file_name, undefined);
    });

    it('filters by user (either party), date range and direction; bad filters are 400 naming the field', async () => {
      const q = async (qs: string) => (await raw('GET', `${base()}?${qs}`, provider())).body.items.map((r: { id: string }) => r.id);
      assert.deepEqual(await q(`userId=${t.people.basic!.id}`), [ids.ab]);
      assert.deepEqual(await q(`userId=${t.people.om!.id}`), [ids.ab]);
      assert.deepEqual(await q('from=2026-11-25&to=2026-11-25'), [ids.c]);
      assert.deepEqual(await q('from=2026-11-21'), [ids.inbound, ids.c]);
      assert.deepEqual(await q('direction=inbound'), [ids.inbound]);
      assert.deepEqual(await q('limit=1&offset=1'), [ids.c]);
      for (const [qs, field] of [['userId=x', 'userId'], ['from=yesterday', 'from'], ['direction=sideways', 'direction'], ['limit=0', 'limit'], ['from=2026-11-26&to=2026-11-20', 'to']] as const) {
        const r = await raw('GET', `${base()}?${qs}`, provider());
        assert.ok(r.status === 400 || r.status === 422, `${qs}: ${r.status}`);
        assert.equal(r.body.fields[0].field, field, qs);
      }
    });

    it('a Site Manager sees the calls with a party in the offices they manage, and nothing else', async () => {
      const l = await raw('GET', base(), as(t.people.sm!));
      assert.equal(l.status, 200, l.text);
      assert.deepEqual(l.body.items.map((r: { id: string }) => r.id).sort(), [ids.ab, ids.inbound].sort());
      assert.equal((await raw('GET', `${base()}/${ids.ab}`, as(t.people.sm!))).status, 200);
      const c = await raw('GET', `${base()}/${ids.c}`, as(t.people.sm!));
      assert.equal(c.status, 403);
      assert.equal((await raw('GET', `${base()}/${ids.c}/audio`, as(t.people.sm!))).status, 403);
      assert.equal((await raw('DELETE', `${base()}/${ids.c}`, as(t.people.sm!))).status, 403);
    });

    it('lower roles get 403; another tenant gets 404', async () => {
      for (const who of ['basic', 'agent', 'sup', 'simple'] as const) {
        assert.equal((await raw('GET', base(), as(t.people[who]!))).status, 403, who);
        assert.equal((await raw('GET', `${base()}/${ids.ab}/audio`, as(t.people[who]!))).status, 403, who);
        assert.equal((await raw('DELETE', `${base()}/${ids.ab}`, as(t.people[who]!))).status, 403, who);
      }
      // other tenant's recording through our account, and their account with our session
      assert.equal((await raw('GET', `${base()}/${ids.other}`, as(t.people.om!))).status, 404);
      assert.equal((await raw('GET', `${base()}/${ids.other}/audio`, as(t.people.om!))).status, 404);
      assert.equal((await raw('DELETE', `${base()}/${ids.other}`, as(t.people.om!))).status, 404);
      assert.equal((await raw('GET', base(other.code), as(t.people.om!))).status, 404);
      assert.equal((await raw('GET', `${base(other.code)}/${ids.other}`, as(t.people.om!))).status, 404);
      assert.equal((await raw('GET', `${base()}/00000000-0000-4000-8000-000000000000`, as(t.people.om!))).status, 404);
      assert.equal((await raw('GET', `${base()}/not-an-id`, as(t.people.om!))).status, 400);
    });

    it('plays (inline, Range) and downloads (attachment) the stereo WAV; each playback is audited', async () => {
      const before = (await audit('recording.played')).length;
      const a = await raw('GET', `${base()}/${ids.ab}/audio`, as(t.people.om!));
      assert.equal(a.status, 200);
      assert.equal(a.headers.get('content-type'), 'audio/wav');
      assert.match(a.headers.get('content-disposition')!, /^inline; filename="recording-2026-11-20T10-00-00-100-104\.wav"$/);
      const stereo = readStereoWav(a.buf);
      assert.ok(toneRatio(channel(stereo, 0), 1000) > 0.3 && toneRatio(channel(stereo, 1), 1400) > 0.3);
      const part = await raw('GET', `${base()}/${ids.ab}/audio`, { ...as(t.people.om!), range: 'bytes=44-143' });
      assert.equal(part.status, 206);
      assert.equal(part.buf.length, 100);
      assert.equal(part.headers.get('content-range'), `bytes 44-143/${a.buf.length}`);
      assert.equal((await raw('GET', `${base()}/${ids.ab}/audio`, { ...as(t.people.om!), range: 'bytes=99999999-' })).status, 416);
      const d = await raw('GET', `${base()}/${ids.ab}/audio?download=1`, as(t.people.om!));
      assert.equal(d.status, 200);
      assert.match(d.headers.get('content-disposition')!, /^attachment; /);
      assert.equal((await audit('recording.played')).length, before + 1, 'the ranged request is part of one playback');
      const dl = await audit('recording.downloaded');
      assert.equal(dl.length, 1);
      assert.equal(dl[0]!.actor_id, t.people.om!.id);
    });

    it('deletes a recording (row and file), audited; then it is 404', async () => {
      const id = await seedRecording(s.deps.database.db, store, { accountId: t.accountId, caller: { number: '100', userId: t.people.om!.id, officeId: t.offices.A }, callee: { number: '104' } });
      assert.ok(existsSync(join(store.dir, `${id}.wav`)));
      const d = await raw('DELETE', `${base()}/${id}`, as(t.people.sm!));
      assert.equal(d.status, 204, d.text);
      assert.ok(!existsSync(join(store.dir, `${id}.wav`)));
      assert.equal((await raw('GET', `${base()}/${id}`, as(t.people.om!))).status, 404);
      const a = (await audit('recording.deleted')).find((e) => e.resource_id === id);
      assert.ok(a, 'audited');
      assert.equal(a.actor_id, t.people.sm!.id);
      assert.ok(!String(a.before).includes('.wav'), 'no file name in the audit log');
    });

    it('retention: recordings older than the account\'s recordingRetentionDays (default 90) are expired', async () => {
      const acct = await raw('GET', `/api/v1/accounts/${t.code}`, provider());
      assert.equal(acct.body.recordingRetentionDays, 90);
      const bad = await raw('PATCH', `/api/v1/accounts/${t.code}`, { ...provider(), 'content-type': 'application/json' }, JSON.stringify({ recordingRetentionDays: 0 }));
      assert.equal(bad.status, 422);
      assert.equal(bad.body.fields[0].field, 'recordingRetentionDays');
      const ok = await raw('PATCH', `/api/v1/accounts/${t.code}`, { ...provider(), 'content-type': 'application/json' }, JSON.stringify({ recordingRetentionDays: 3 }));
      assert.equal(ok.status, 200, ok.text);
      const job = recordingRetention(s.deps, { store });
      // now = 2026-11-27T12:00Z: with 3 days ab (11-20) goes; c (11-25), inbound (11-26) stay; the other tenant (90 days) keeps its own
      assert.equal(await job.runOnce(new Date('2026-11-27T12:00:00Z')), 1);
      assert.equal((await raw('GET', `${base()}/${ids.ab}`, provider())).status, 404);
      assert.ok(!existsSync(join(store.dir, `${ids.ab}.wav`)));
      assert.equal((await raw('GET', `${base(other.code)}/${ids.other}`, provider())).status, 200);
      assert.equal((await audit('recording.expired')).length, 1);
    });
  });
}
