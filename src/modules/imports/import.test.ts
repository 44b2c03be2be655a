import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { storeKinds } from '../../../test/support/stores.ts';
import { actorHeaders, makeTenant, testActorAuthenticator, type Tenant } from '../../../test/support/bulk-fixtures.ts';
import { findOrphans } from '../../../test/support/orphans.ts';
import { drainImports } from './service.ts';

type Rec = Record<string, string>;
const csv = (rows: Rec[], columns?: string[]) => stringify(rows, { header: true, columns: columns ?? Object.keys(rows[0]!) });

for (const { kind, skip } of await storeKinds()) {
  describe(`bulk import (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    const post = (path: string, body: string, headers?: Record<string, string>) =>
      fetch(s.baseUrl + path, { method: 'POST', headers: { 'content-type': 'text/csv', ...(headers ?? { authorization: `Bearer ${s.providerKey}` }) }, body }).then(async (r) => {
        const text = await r.text();
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are checked field by field
        let parsed: any;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        return { status: r.status, body: parsed, text };
      });
    const count = async (table: 'users' | 'devices' | 'call_flows' | 'imports', accountId = t.accountId) =>
      Number((await s.store.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow()).n);

    before(async () => {
      s = await startTestServer(kind, { authenticators: [testActorAuthenticator] });
      t = await makeTenant(s.deps, 'imp1', 2);
      other = await makeTenant(s.deps, 'imp2', 1);
    });
    after(() => s.close());

    it('serves a template whose example row must be deleted before import', async () => {
      const r = await s.api('GET', '/api/v1/accounts/imp1/imports/template.csv');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /text\/csv/);
      const rows = parse(r.text, { columns: true }) as Rec[];
      assert.equal(rows.length, 1);
      assert.ok(rows[0]!.device_mac && rows[0]!.device_model && rows[0]!.vm_pin, 'example shows handset and voicemail');
      assert.ok(!('sip_password' in rows[0]!));
      const asIs = await post('/api/v1/accounts/imp1/imports', r.text);
      assert.equal(asIs.status, 422);
      assert.deepEqual(asIs.body.errors, [{ row: 2, column: '', reason: "is the template's example row: delete it before importing" }]);
    });

    it('returns ALL row errors with row, column and reason, and writes nothing', async () => {
      const users = await count('users');
      const rows: Rec[] = [
        { extension: '12', first_name: 'A', office: 'Head Office', email: 'not-an-email', device_mac: '', device_model: '', vm_pin: '' },
        { extension: '', first_name: '', office: 'Nowhere', email: 'ok@imp1.test', device_mac: 'zz:zz', device_model: 't54w', vm_pin: '12' },
        { extension: t.users[0]!.extension, first_name: 'Dup', office: 'Head Office', email: 'ok@imp1.test', device_mac: '', device_model: '', vm_pin: '' },
        { extension: '', first_name: 'Fine', office: 'Branch', email: 'fine@imp1.test', device_mac: '', device_model: '', vm_pin: '' },
      ];
      const r = await post('/api/v1/accounts/imp1/imports', csv(rows));
      assert.equal(r.status, 422, r.text);
      assert.equal(r.body.error, 'validation_failed');
      const got = r.body.errors.map((e: { row: number; column: string }) => `${e.row}:${e.column}`);
      for (const want of ['2:extension', '2:email', '3:first_name', '3:office', '3:device_mac', '3:vm_pin', '4:extension', '4:email']) assert.ok(got.includes(want), `${want} in ${got.join(', ')}`);
      assert.ok(!got.some((g: string) => g.startsWith('5:')), 'row 5 is fine');
      assert.ok(r.body.errors.every((e: { reason: string }) => e.reason.length > 3));
      assert.equal(await count('users'), users);
      assert.equal(await count('imports'), 0, 'not even a job is written');
      // Seed 004: a call-routing user has no hardware.
      const routing = await post('/api/v1/accounts/imp1/imports', csv([{ first_name: 'Router', office: 'Head Office', user_type: 'call_routing', device_mac: '80:5e:c0:00:00:77', device_model: 't54w' }]));
      assert.equal(routing.status, 422, routing.text);
      assert.deepEqual(routing.body.errors, [{ row: 2, column: 'device_mac', reason: 'a call-routing user has no handsets' }]);
      const header = await post('/api/v1/accounts/imp1/imports', 'first_name,colour\nA,red\n');
      assert.equal(header.status, 422);
      assert.deepEqual(header.body.errors.map((e: { row: number; column: string }) => `${e.row}:${e.column}`).sort(), ['1:colour', '1:office']);
    });

    it('loads users with handset, voicemail, call flow, pickup group and DDI in one go, with a per-row result CSV', async () => {
      const rows: Rec[] = [
        { extension: '150', first_name: 'Ann', last_name: 'Lee', email: 'ann@imp1.test', office: 'Head Office', pickup_group: 'Front Desk', vm_pin: '2468', device_mac: '80:5E:C0:00:00:01', device_model: 'yealink t54w', direct_numbers: t.numbers[1]!, ring_time: '25' },
        { extension: '', first_name: 'Bob', last_name: 'Ray', email: 'bob@imp1.test', office: 'branch', pickup_group: 'front desk', vm_pin: '', device_mac: '80-5e-c0-00-00-02', device_model: 'T46U', direct_numbers: '', ring_time: '' },
      ];
      const dry = await post('/api/v1/accounts/imp1/imports?dryRun=true', csv(rows));
      assert.equal(dry.status, 200, dry.text);
      assert.deepEqual(dry.body, { valid: true, total: 2, creates: 2, updates: 0 });
      assert.equal(await count('imports'), 0);
      const r = await post('/api/v1/accounts/imp1/imports?wait=true', csv(rows));
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.status, 'done');
      assert.equal(r.body.created, 2);
      const list = await s.api('GET', '/api/v1/accounts/imp1/users?limit=50');
      const ann = list.body.items.find((u: { email: string }) => u.email === 'ann@imp1.test');
      const bob = list.body.items.find((u: { email: string }) => u.email === 'bob@imp1.test');
      assert.equal(ann.extension, '150');
      assert.equal(ann.ringTime, 25);
      assert.equal(ann.voicemail.enabled, true);
      assert.equal(ann.voicemail.pinSet, true);
      assert.deepEqual(ann.directNumbers, [t.numbers[1]]);
      assert.equal(ann.pickupGroup, 'Front Desk');
      assert.equal(bob.pickupGroupId, ann.pickupGroupId);
      assert.ok(/^[0-9]{3}$/.test(bob.extension) && bob.extension !== '150');
      const devices = await s.store.database.db.selectFrom('devices').select(['mac', 'vendor', 'model', 'user_id']).where('account_id', '=', t.accountId).orderBy('mac').execute();
      assert.deepEqual(devices, [
        { mac: '805ec0000001', vendor: 'yealink', model: 't54w', user_id: ann.id },
        { mac: '805ec0000002', vendor: 'yealink', model: 't46u', user_id: bob.id },
      ]);
      const flow = await s.api('GET', `/api/v1/accounts/imp1/users/${ann.id}/call-flow`);
      assert.deepEqual(flow.body.document.steps.map((x: { action: string }) => x.action), ['ring_devices', 'voicemail']);
      assert.equal(flow.body.document.steps[0].timeout, 25);
      const res = await s.api('GET', `/api/v1/accounts/imp1/imports/${r.body.id}/result.csv`);
      assert.equal(res.status, 200);
      const result = parse(res.text, { columns: true }) as Rec[];
      assert.deepEqual(result.map((x) => [x.row, x.action, x.result]), [['2', 'created', 'ok'], ['3', 'created', 'ok']]);
      assert.equal(result[0]!.user_id, ann.id);
      assert.ok(!res.text.includes('2468'), 'no PIN in the result');
      // The same MAC again (any account) is refused.
      const again = await post('/api/v1/accounts/imp2/imports', csv([{ first_name: 'X', office: 'Head Office', device_mac: '80:5e:c0:00:00:01', device_model: 't54w' }]));
      assert.equal(again.status, 422);
      assert.deepEqual(again.body.errors, [{ row: 2, column: 'device_mac', reason: 'is already registered and cannot be added' }]);
      assert.deepEqual(await findOrphans(s.store.database), []);
    });

    it('updates an existing extension only with update: an empty cell clears, a missing column leaves alone', async () => {
      const ext = t.users[0]!.extension;
      await s.api('PATCH', `/api/v1/accounts/imp1/users/${t.users[0]!.id}`, { department: 'Sales', altEmail: 'alt@imp1.test' });
      const body = csv([{ extension: ext, first_name: 'Renamed', office: 'Head Office', department: '', ring_time: '30' }]);
      const refused = await post('/api/v1/accounts/imp1/imports', body);
      assert.equal(refused.status, 422);
      assert.equal(refused.body.errors[0].column, 'extension');
      assert.match(refused.body.errors[0].reason, /already exists/);
      const r = await post('/api/v1/accounts/imp1/imports?update=true&wait=true', body);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.updated, 1);
      const u = (await s.api('GET', `/api/v1/accounts/imp1/users/${t.users[0]!.id}`)).body;
      assert.equal(u.firstName, 'Renamed');
      assert.equal(u.lastName, 'Last0', 'last_name column missing: left alone');
      assert.equal(u.displayName, 'Renamed Last0', 'a derived display name follows the names');
      assert.equal(u.department, null, 'empty cell: cleared');
      assert.equal(u.altEmail, 'alt@imp1.test', 'alt_email column missing: left alone');
      assert.equal(u.email, 'user0@imp1.test');
      assert.equal(u.ringTime, 30);
      assert.equal((await s.api('GET', `/api/v1/accounts/imp1/users/${t.users[0]!.id}/call-flow`)).body.document.steps[0].timeout, 30, 'call flow follows');
      const cleared = await post('/api/v1/accounts/imp1/imports?update=true', csv([{ extension: ext, first_name: '', office: 'Head Office' }]));
      assert.equal(cleared.status, 422);
      assert.deepEqual(cleared.body.errors, [{ row: 2, column: 'first_name', reason: 'cannot be cleared' }]);
    });

    it('runs as a job with progress when not waiting', async () => {
      const rows: Rec[] = Array.from({ length: 120 }, (_, i) => ({ first_name: `Bulk${i}`, last_name: 'User', email: `bulk${i}@imp1.test`, office: 'Branch' }));
      const r = await post('/api/v1/accounts/imp1/imports', csv(rows));
      assert.equal(r.status, 202, r.text);
      assert.ok(['queued', 'validating', 'loading', 'done'].includes(r.body.status));
      assert.equal(r.body.total, 120);
      let job = r.body;
      for (let i = 0; i < 600 && job.status !== 'done' && job.status !== 'failed'; i++) {
        await new Promise((res) => setTimeout(res, 50));
        job = (await s.api('GET', `/api/v1/accounts/imp1/imports/${r.body.id}`)).body;
        assert.ok(job.processed <= job.total);
      }
      assert.equal(job.status, 'done');
      // The job's events (audit, routing cache) are published after it reports done: let them finish here.
      await drainImports(s.deps);
      assert.equal(job.processed, 120);
      assert.equal(job.created, 120);
      const jobs = await s.api('GET', '/api/v1/accounts/imp1/imports');
      assert.ok(jobs.body.items.some((j: { id: string }) => j.id === r.body.id));
    });

    it('is all-or-nothing: a failure while loading leaves nothing behind', async () => {
      const db = s.store.database.db;
      if (kind === 'sqlite') {
        await sql`create trigger boom before insert on devices when new.mac = '805ec00000ff' begin select raise(abort, 'boom'); end`.execute(db);
      } else {
        await sql`create function boom() returns trigger language plpgsql as $$ begin if new.mac = '805ec00000ff' then raise exception 'boom'; end if; return new; end $$`.execute(db);
        await sql`create trigger boom before insert on devices for each row execute function boom()`.execute(db);
      }
      const before = { users: await count('users'), devices: await count('devices'), flows: await count('call_flows') };
      const rows: Rec[] = [
        { first_name: 'Atomic1', office: 'Head Office', device_mac: '80:5e:c0:00:00:fe', device_model: 't54w', pickup_group: 'Atomic' },
        { first_name: 'Atomic2', office: 'Head Office', device_mac: '80:5e:c0:00:00:ff', device_model: 't54w', pickup_group: 'Atomic' },
      ];
      const r = await post('/api/v1/accounts/imp1/imports?wait=true', csv(rows));
      assert.equal(r.status, 201);
      assert.equal(r.body.status, 'failed');
      assert.equal(r.body.errors.length, 1);
      assert.deepEqual({ users: await count('users'), devices: await count('devices'), flows: await count('call_flows') }, before);
      assert.equal((await s.api('GET', '/api/v1/accounts/imp1/pickup-groups')).body.items.some((g: { name: string }) => g.name === 'Atomic'), false);
      assert.equal((await s.api('GET', `/api/v1/accounts/imp1/imports/${r.body.id}/result.csv`)).status, 409);
      await sql`drop trigger boom ${sql.raw(kind === 'postgres' ? 'on devices' : '')}`.execute(db);
    });

    it('round-trips: export → delete every user → import → the same export', async () => {
      const exp1 = await s.api('GET', '/api/v1/accounts/imp1/users/export.csv?includeSecrets=true');
      const before = parse(exp1.text, { columns: true }) as Rec[];
      assert.ok(before.length > 100);
      assert.ok(before.some((r) => r.device_mac && r.pickup_group && r.direct_numbers && r.vm_pin));
      // Unchanged re-import with update touches every row but changes nothing.
      const same = await post('/api/v1/accounts/imp1/imports?update=true&wait=true', exp1.text);
      assert.equal(same.status, 201, same.text);
      assert.equal(same.body.updated, before.length);
      const strip = (rows: Rec[]) => rows.map(({ sip_password: _p, sip_username: _u, ...r }) => r);
      assert.deepEqual(strip(parse((await s.api('GET', '/api/v1/accounts/imp1/users/export.csv?includeSecrets=true')).text, { columns: true })), strip(before));
      // Delete everyone (cascade: handsets go, numbers return to spare), then load the export back.
      const users = await s.store.database.db.selectFrom('users').select('id').where('account_id', '=', t.accountId).execute();
      for (const u of users) assert.equal((await s.api('DELETE', `/api/v1/accounts/imp1/users/${u.id}?cascade=true`)).status, 204);
      assert.equal(await count('devices'), 0);
      const back = await post('/api/v1/accounts/imp1/imports?wait=true', exp1.text);
      assert.equal(back.status, 201, back.text);
      assert.equal(back.body.created, before.length);
      const after = parse((await s.api('GET', '/api/v1/accounts/imp1/users/export.csv?includeSecrets=true')).text, { columns: true }) as Rec[];
      assert.deepEqual(strip(after), strip(before));
      assert.deepEqual(await findOrphans(s.store.database), []);
    });

    it('reports a job cut off by a restart as failed', async () => {
      const id = '00000000-0000-4000-8000-000000000001';
      await s.store.database.db.insertInto('imports').values({ id, account_id: t.accountId, status: 'loading', update_existing: 0, total: 10, processed: 3, created_count: 0, updated_count: 0, errors: '[]', result_csv: null, created_by: 'x', created_at: new Date(Date.now() - 3_600_000).toISOString(), finished_at: null }).execute();
      const r = await s.api('GET', `/api/v1/accounts/imp1/imports/${id}`);
      assert.equal(r.body.status, 'failed');
      assert.match(r.body.errors[0].reason, /interrupted/);
    });

    it('is for Office Managers and the provider only, within their own tenant', async () => {
      const body = csv([{ first_name: 'Nope', office: 'Head Office' }]);
      const site = actorHeaders({ id: t.users[0]!.id, accountId: t.accountId, scope: 'site_manager', officeIds: [t.officeA] });
      const basic = actorHeaders({ id: t.users[1]!.id, accountId: t.accountId, scope: 'basic_user', officeIds: [] });
      const stranger = actorHeaders({ id: other.users[0]!.id, accountId: other.accountId, scope: 'office_manager', officeIds: [] });
      const manager = actorHeaders({ id: t.users[0]!.id, accountId: t.accountId, scope: 'office_manager', officeIds: [] });
      assert.equal((await post('/api/v1/accounts/imp1/imports', body, site)).status, 403);
      assert.equal((await post('/api/v1/accounts/imp1/imports', body, basic)).status, 403);
      assert.equal((await post('/api/v1/accounts/imp1/imports', body, stranger)).status, 404);
      const jobs = (await s.api('GET', '/api/v1/accounts/imp1/imports')).body.items;
      assert.equal((await s.api('GET', `/api/v1/accounts/imp1/imports/${jobs[0].id}`, undefined, stranger)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/imp2/imports/${jobs[0].id}`)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/imp1/imports/${jobs[0].id}/result.csv`, undefined, basic)).status, 403);
      const ok = await post('/api/v1/accounts/imp1/imports?dryRun=true', body, manager);
      assert.equal(ok.status, 200);
      // A portal user cannot hand out a scope above their own through a file either.
      const sup = actorHeaders({ id: t.users[0]!.id, accountId: t.accountId, scope: 'office_manager', officeIds: [] });
      assert.equal((await post('/api/v1/accounts/imp1/imports?dryRun=true', csv([{ first_name: 'X', office: 'Head Office', scope: 'office_manager' }]), sup)).status, 200);
      assert.equal((await post('/api/v1/accounts/imp1/imports', 'x', { authorization: `Bearer ${s.providerKey}`, 'content-type': 'application/json' })).status, 400);
      // A browser form upload (multipart/form-data, file field) works too.
      const form = new FormData();
      form.append('file', new Blob([csv([{ first_name: 'Form', office: 'Head Office', email: 'form@imp1.test' }])], { type: 'text/csv' }), 'users.csv');
      const up = await fetch(`${s.baseUrl}/api/v1/accounts/imp1/imports?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${s.providerKey}` }, body: form });
      assert.equal(up.status, 201, await up.clone().text());
      assert.equal(((await up.json()) as { created: number }).created, 1);
    });
  });
}
