import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeKinds } from '../../../test/support/stores.ts';
import { rawRequest, startTestServer, type TestServer } from '../../../test/support/http.ts';
import { as, seedTenant, snapshot, type Tenant } from '../../../test/support/tenants.ts';
import { cdWav } from '../../../test/support/voicemail.ts';
import { encodeWav, isStoreFormat, parseWav } from '../voicemail/wav.ts';
import { ensureDefaultHoldMusic, fsMediaStore } from './store.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`media library API (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    let dir: string;
    const lib = (code = t.code) => `/api/v1/accounts/${code}/media`;

    const raw = (method: string, path: string, headers: Record<string, string>, body?: Buffer | FormData | string) => rawRequest(s.baseUrl, method, path, headers, body);
    const provider = () => ({ authorization: `Bearer ${s.providerKey}` });
    const form = (name: string | undefined, file: Buffer, filename = 'track.wav') => {
      const f = new FormData();
      if (name !== undefined) f.append('name', name);
      f.append('file', new Blob([new Uint8Array(file)], { type: 'audio/wav' }), filename);
      return f;
    };
    const files = () => readdirSync(dir).sort();
    const rows = async () => (await s.deps.database.db.selectFrom('media_files').select(['id', 'name']).orderBy('id').execute()).length;

    before(async () => {
      dir = join(mkdtempSync(join(tmpdir(), 'sb-media-api-')), 'media');
      await ensureDefaultHoldMusic(dir);
      s = await startTestServer(kind, { media: { store: fsMediaStore(dir) } });
      t = await seedTenant(s, 'mdacme');
      other = await seedTenant(s, 'mdglobex', { login: false });
    });
    after(async () => {
      await s?.close();
      rmSync(join(dir, '..'), { recursive: true, force: true });
    });

    it('lists the built-in Default, which plays and cannot be renamed or deleted', async () => {
      const l = await raw('GET', lib(), as(t.people.om!));
      assert.equal(l.status, 200, l.text);
      assert.deepEqual(l.body.items.map((m: { id: string; name: string; builtIn: boolean }) => [m.id, m.name, m.builtIn]), [['default', 'Default', true]]);
      assert.ok(l.body.items[0].durationMs > 1000);
      const a = await raw('GET', `${lib()}/default/audio`, as(t.people.sm!));
      assert.equal(a.status, 200);
      assert.equal(a.headers.get('content-type'), 'audio/wav');
      const p = parseWav(a.buf);
      assert.ok(p.ok && isStoreFormat(p.info));
      const del = await raw('DELETE', `${lib()}/default`, as(t.people.om!));
      assert.equal(del.status, 409);
      assert.match(del.body.message, /built-in track cannot be deleted/);
      const ren = await raw('PATCH', `${lib()}/default`, { ...as(t.people.om!), 'content-type': 'application/json' }, JSON.stringify({ name: 'Mine' }));
      assert.equal(ren.status, 409);
    });

    it('uploads WAV (multipart with the portal cookie, and raw body with ?name=), stored as 8 kHz mono in <id>.wav 0600', async () => {
      const up = await raw('POST', lib(), as(t.people.om!), form('Cool Jazz', cdWav(2)));
      assert.equal(up.status, 201, up.text);
      assert.equal(up.body.name, 'Cool Jazz');
      assert.equal(up.body.kind, 'hold_music');
      assert.equal(up.body.builtIn, false);
      assert.equal(up.body.durationMs, 2000);
      assert.match(up.body.id, /^[0-9a-f-]{36}$/);
      assert.ok(files().includes(`${up.body.id}.wav`));
      assert.equal(statSync(join(dir, `${up.body.id}.wav`)).mode & 0o777, 0o600);
      const r = await raw('POST', `${lib()}?name=${encodeURIComponent('Piano Loop')}`, { ...provider(), 'content-type': 'audio/wav' }, cdWav(1));
      assert.equal(r.status, 201, r.text);
      const l = await raw('GET', lib(), as(t.people.sm!));
      assert.deepEqual(l.body.items.map((m: { name: string }) => m.name), ['Default', 'Cool Jazz', 'Piano Loop']);
      // the audio as stored, with Range like the voicemail routes
      const audio = await raw('GET', `${lib()}/${up.body.id}/audio`, as(t.people.om!));
      assert.equal(audio.status, 200);
      assert.equal(audio.buf.length, 44 + 2 * 8000 * 2);
      const part = await raw('GET', `${lib()}/${up.body.id}/audio`, { ...as(t.people.om!), range: 'bytes=0-99' });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 0-99/${audio.buf.length}`);
      assert.deepEqual(part.buf, audio.buf.subarray(0, 100));
      const bad = await raw('GET', `${lib()}/${up.body.id}/audio`, { ...as(t.people.om!), range: `bytes=${audio.buf.length}-` });
      assert.equal(bad.status, 416);
      // a name another track has, case-insensitively: 409, nothing written
      const before = files();
      const dup = await raw('POST', lib(), as(t.people.om!), form('cool JAZZ', cdWav(1)));
      assert.equal(dup.status, 409, dup.text);
      assert.deepEqual(dup.body.fields, [{ field: 'name', reason: 'another track already has this name' }]);
      assert.deepEqual(files(), before);
    });

    it('refuses bad, empty, unknown and too long files with 422 on file, writing nothing', async () => {
      const before = { files: files(), rows: await rows() };
      const cases: Array<[FormData | Buffer, string, Record<string, string>]> = [
        [form('Empty', Buffer.alloc(0)), 'is empty', {}],
        [form('Text', Buffer.from('just some text, no audio'), 'x.txt'), 'is not a WAV, MP3 or OGG file', {}],
        [form('Long', encodeWav(Buffer.alloc(601 * 8000 * 2))), 'is too long (10:01; at most 10:00)', {}],
        [form('Broken', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')])), 'is a damaged WAV file (no format chunk)', {}],
        [Buffer.alloc(0), 'is empty', { 'content-type': 'audio/wav' }],
        [Buffer.alloc(10 * 1024 * 1024 + 10, 1), 'is larger than 10 MB', { 'content-type': 'application/octet-stream' }],
        [Buffer.alloc(12 * 1024 * 1024, 1), 'is larger than 10 MB', { 'content-type': 'application/octet-stream' }],
      ];
      for (const [body, reason, extra] of cases) {
        const path = Buffer.isBuffer(body) ? `${lib()}?name=Raw` : lib();
        const r = await raw('POST', path, { ...as(t.people.om!), ...extra }, body);
        assert.equal(r.status, 422, `${reason}: ${r.text}`);
        assert.equal(r.body.error, 'validation_failed');
        assert.deepEqual(r.body.fields, [{ field: 'file', reason }]);
      }
      const noName = await raw('POST', lib(), as(t.people.om!), form(undefined, cdWav(1)));
      assert.equal(noName.status, 422);
      assert.deepEqual(noName.body.fields, [{ field: 'name', reason: 'is required' }]);
      const builtInName = await raw('POST', lib(), as(t.people.om!), form('Default', cdWav(1)));
      assert.deepEqual(builtInName.body.fields, [{ field: 'name', reason: "is the built-in track's name; choose another" }]);
      const json = await raw('POST', lib(), { ...as(t.people.om!), 'content-type': 'application/json' }, JSON.stringify({ name: 'x' }));
      assert.equal(json.status, 415);
      assert.deepEqual(files(), before.files);
      assert.equal(await rows(), before.rows);
    });

    it('renames (unique per account, case-insensitive), audited', async () => {
      const up = await raw('POST', lib(), as(t.people.om!), form('Rename Me', cdWav(1)));
      const j = { ...as(t.people.om!), 'content-type': 'application/json' };
      const r = await raw('PATCH', `${lib()}/${up.body.id}`, j, JSON.stringify({ name: '  Lounge   Mix ' }));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.name, 'Lounge Mix');
      const clash = await raw('PATCH', `${lib()}/${up.body.id}`, j, JSON.stringify({ name: 'PIANO loop' }));
      assert.equal(clash.status, 409);
      const blank = await raw('PATCH', `${lib()}/${up.body.id}`, j, JSON.stringify({ name: ' ' }));
      assert.equal(blank.status, 422);
      assert.deepEqual(blank.body.fields, [{ field: 'name', reason: 'must not be blank' }]);
      const audit = await s.deps.database.db.selectFrom('audit_log').select(['action', 'resource', 'actor_role', 'after']).where('resource', '=', 'media').where('resource_id', '=', up.body.id).orderBy('seq').execute();
      assert.deepEqual(audit.map((a) => [a.resource, a.action, a.actor_role]), [['media', 'created', 'office_manager'], ['media', 'updated', 'office_manager']]);
      assert.match(audit[1]!.after!, /Lounge Mix/);
    });

    it('offices pick a track by id; an unknown or foreign id is 422 on onHoldMusic; a used track cannot be deleted (409 naming the office)', async () => {
      const up = await raw('POST', lib(), as(t.people.om!), form('Office Tune', cdWav(1)));
      const officeA = t.offices.A!;
      const j = { ...as(t.people.om!), 'content-type': 'application/json' };
      const set = await raw('PATCH', `/api/v1/accounts/${t.code}/offices/${officeA}`, j, JSON.stringify({ onHoldMusic: up.body.id }));
      assert.equal(set.status, 200, set.text);
      assert.equal(set.body.onHoldMusic, up.body.id);
      for (const bad of ['jazz', '0b6f0c55-1c7e-4c1e-9b2a-5a4d2f1e3c00']) {
        const r = await raw('PATCH', `/api/v1/accounts/${t.code}/offices/${officeA}`, j, JSON.stringify({ onHoldMusic: bad }));
        assert.equal(r.status, 422, r.text);
        assert.deepEqual(r.body.fields, [{ field: 'onHoldMusic', reason: "must be 'default' or the id of a hold music track in this account's media library" }]);
      }
      // another tenant's track is not a track of this account
      const theirs = await raw('POST', `${lib(other.code)}?name=Theirs`, { ...provider(), 'content-type': 'audio/wav' }, cdWav(1));
      assert.equal(theirs.status, 201);
      const foreign = await raw('POST', `/api/v1/accounts/${t.code}/offices`, j, JSON.stringify({ name: 'Foreign', timezone: 'Australia/Sydney', onHoldMusic: theirs.body.id }));
      assert.equal(foreign.status, 422);
      assert.equal(foreign.body.fields[0].field, 'onHoldMusic');
      const usage = await raw('GET', `${lib()}/${up.body.id}/usage`, as(t.people.sm!));
      assert.equal(usage.status, 200);
      assert.deepEqual(usage.body.items.map((i: { kind: string; id: string }) => [i.kind, i.id]), [['office', officeA]]);
      const del = await raw('DELETE', `${lib()}/${up.body.id}`, as(t.people.om!));
      assert.equal(del.status, 409, del.text);
      assert.equal(del.body.error, 'in_use');
      const officeName = (await s.api('GET', `/api/v1/accounts/${t.code}/offices/${officeA}`)).body.name;
      assert.deepEqual(del.body.usage.map((u: { name: string }) => u.name), [officeName]);
      assert.match(del.body.message, new RegExp(`office '${officeName}'`));
      assert.ok(files().includes(`${up.body.id}.wav`));
      // back to Default: the delete goes ahead, row and file gone, audited
      const back = await raw('PATCH', `/api/v1/accounts/${t.code}/offices/${officeA}`, j, JSON.stringify({ onHoldMusic: 'default' }));
      assert.equal(back.status, 200);
      const ok = await raw('DELETE', `${lib()}/${up.body.id}`, as(t.people.om!));
      assert.equal(ok.status, 204, ok.text);
      assert.ok(!files().includes(`${up.body.id}.wav`));
      assert.equal((await raw('GET', `${lib()}/${up.body.id}/audio`, as(t.people.om!))).status, 404);
      const gone = await s.deps.database.db.selectFrom('audit_log').select('action').where('resource', '=', 'media').where('resource_id', '=', up.body.id).where('action', '=', 'deleted').execute();
      assert.equal(gone.length, 1);
    });

    it('a track the applied configuration still plays on hold cannot be deleted until changes are applied', async () => {
      const up = await raw('POST', lib(), as(t.people.om!), form('Applied Tune', cdWav(1)));
      assert.equal(up.status, 201);
      const officeB = t.offices.B!;
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${t.code}/offices/${officeB}`, { onHoldMusic: up.body.id })).status, 200);
      assert.equal((await s.api('POST', `/api/v1/accounts/${t.code}/config/apply`, {})).status, 201);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${t.code}/offices/${officeB}`, { onHoldMusic: 'default' })).status, 200);
      const officeName = (await s.api('GET', `/api/v1/accounts/${t.code}/offices/${officeB}`)).body.name;
      const del = await raw('DELETE', `${lib()}/${up.body.id}`, as(t.people.om!));
      assert.equal(del.status, 409, del.text);
      assert.equal(del.body.usage.length, 1);
      assert.match(del.body.usage[0].description, new RegExp(`office '${officeName}' in the applied configuration \\(version \\d+\\); apply changes first`));
      assert.equal((await s.api('POST', `/api/v1/accounts/${t.code}/config/apply`, {})).status, 201);
      assert.equal((await raw('DELETE', `${lib()}/${up.body.id}`, as(t.people.om!))).status, 204);
    });

    it("tenancy: another tenant's track is 404 everywhere; roles: Site Manager reads only, lower roles 403", async () => {
      const theirs = (await raw('GET', lib(other.code), provider())).body.items.find((m: { name: string }) => m.name === 'Theirs');
      assert.ok(theirs);
      const before = { rows: await snapshot(s.deps.database), files: files() };
      const om = as(t.people.om!);
      for (const [m, p] of [
        ['GET', `${lib()}/${theirs.id}`],
        ['GET', `${lib()}/${theirs.id}/audio`],
        ['GET', `${lib()}/${theirs.id}/usage`],
        ['DELETE', `${lib()}/${theirs.id}`],
      ] as const) {
        assert.equal((await raw(m, p, om)).status, 404, `${m} ${p}`);
      }
      assert.equal((await raw('PATCH', `${lib()}/${theirs.id}`, { ...om, 'content-type': 'application/json' }, JSON.stringify({ name: 'Stolen' }))).status, 404);
      // the other tenant's library itself, by its code: 404 (not revealed)
      assert.equal((await raw('GET', lib(other.code), om)).status, 404);
      assert.equal((await raw('GET', `${lib(other.code)}/${theirs.id}/audio`, om)).status, 404);
      const mine = (await raw('GET', lib(), om)).body.items.find((m: { name: string }) => m.name === 'Piano Loop');
      const sm = as(t.people.sm!);
      assert.equal((await raw('GET', `${lib()}/${mine.id}/audio`, sm)).status, 200);
      assert.equal((await raw('POST', lib(), sm, form('SM Track', cdWav(1)))).status, 403);
      assert.equal((await raw('PATCH', `${lib()}/${mine.id}`, { ...sm, 'content-type': 'application/json' }, JSON.stringify({ name: 'x' }))).status, 403);
      assert.equal((await raw('DELETE', `${lib()}/${mine.id}`, sm)).status, 403);
      for (const k of ['basic', 'agent', 'sup', 'simple']) {
        const r = await raw('GET', lib(), as(t.people[k]!));
        assert.equal(r.status, 403, `${k}: ${r.text}`);
        assert.equal((await raw('GET', `${lib()}/${mine.id}/audio`, as(t.people[k]!))).status, 403);
      }
      assert.equal((await raw('GET', lib(), {})).status, 401);
      // every refusal left the store and the folder as they were
      assert.equal(await snapshot(s.deps.database), before.rows);
      assert.deepEqual(files(), before.files);
    });
  });
}
