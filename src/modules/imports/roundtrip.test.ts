import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { storeKinds } from '../../../test/support/stores.ts';
import { makeTenant, testActorAuthenticator, type Tenant } from '../../../test/support/bulk-fixtures.ts';
import { findOrphans } from '../../../test/support/orphans.ts';
import { DEFAULT_APPS, DEFAULT_FEATURES, DEFAULT_SECURITY } from '../users/rules.ts';
import { exportColumns } from './columns.ts';

type Rec = Record<string, string>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API bodies are compared field by field
type Json = any;

/**
 * Issue 11: export → import carries every user setting. Users are created through the API with every setting
 * away from its default, exported, reset (update mode) or deleted (create mode), imported back, and compared
 * with their full API representation before.
 */
for (const { kind, skip } of await storeKinds()) {
  describe(`users CSV round trip of every setting (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    const code = 'rt1';
    const post = async (path: string, body: string) => {
      const r = await fetch(s.baseUrl + path, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${s.providerKey}` }, body });
      const text = await r.text();
      let json: Json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: r.status, body: json, text };
    };
    const users = async (): Promise<Json[]> => (await s.api('GET', `/api/v1/accounts/${code}/users?limit=500`)).body.items;
    const exportCsv = async () => {
      const r = await s.api('GET', `/api/v1/accounts/${code}/users/export.csv?includeSecrets=true`);
      assert.equal(r.status, 200);
      return r.text;
    };
    /** The API representation less what a re-created user cannot keep (ids, timestamps, generated SIP username). */
    const comparable = (u: Json, withIds: boolean) => {
      const { id, accountId, createdAt: _c, updatedAt: _u, sipUsername, pickupGroupId, ...rest } = u;
      return withIds ? { id, accountId, sipUsername, pickupGroupId, ...rest } : rest;
    };
    const byExt = (list: Json[]) => Object.fromEntries(list.map((u) => [u.extension, u]));

    let a: Json;
    let b: Json;
    let plain: Json;
    let ringGroupExt: string;
    before(async () => {
      s = await startTestServer(kind, { authenticators: [testActorAuthenticator] });
      t = await makeTenant(s.deps, code, 0);
      // B first (A diverts to it), then A with every setting away from its default, then a plain user.
      b = (
        await s.api('POST', `/api/v1/accounts/${code}/users`, {
          firstName: '=Formula',
          lastName: 'Bee',
          email: 'b@rt1.test',
          officeId: t.officeA,
          security: { enabledCalls: { local: true, national: false, mobile: false, international: false } },
          features: { smartCalling: { enabled: false, number: '02 9555 0101', timeout: 60, type: 'parallel' } },
        })
      ).body;
      assert.ok(b.id, JSON.stringify(b));
      const rg = await s.api('POST', `/api/v1/accounts/${code}/ring-groups`, { name: 'Front desk', extension: '150', strategy: 'simultaneous', members: [b.id] });
      assert.equal(rg.status, 201, rg.text);
      ringGroupExt = rg.body.extension;
      const created = await s.api('POST', `/api/v1/accounts/${code}/users`, {
        firstName: 'Charlotte',
        lastName: "O'Brien",
        displayName: 'Charlie OB',
        email: 'charlotte@rt1.test',
        altEmail: 'alt.charlotte@rt1.test',
        department: '+Sales, "East"',
        officeId: t.officeB,
        userType: 'teams',
        scope: 'site_manager',
        includeInDirectory: false,
        ringTime: 25,
        pickupGroup: 'Night crew',
        outboundNumber: t.numbers[1],
        hideCallerId: true,
        behindFirewall: false,
        enabled: false,
        voicemail: { enabled: false, pin: '97531', emailDelivery: true, email: 'vm.charlotte@rt1.test', deleteAfterEmail: true, keepOnServer: false },
        features: {
          callbackOnBusy: true,
          smartCalling: { enabled: true, number: '07 3333 1234', timeout: 35, type: 'parallel_delayed' },
          divertAll: { enabled: true, destination: b.extension },
          divertBusy: { enabled: true, destination: '+44 20 7946 0000' },
          divertNoAnswer: { enabled: true, destination: ringGroupExt },
        },
        security: {
          enabledCalls: { local: false, national: true, mobile: false, international: true },
          handsetManagement: { updateSettings: true, toggleDayNight: true, updateRecordings: true, inCallShortcuts: false },
          overrideAccountCodeDialling: true,
          recordCalls: true,
          trainingMode: true,
          extensionPrivacy: true,
          maxExternalCalls: 3,
        },
        apps: { softphone: true, crmConnect: true },
      });
      assert.equal(created.status, 201, created.text);
      a = created.body;
      assert.equal((await s.api('POST', `/api/v1/accounts/${code}/numbers/${encodeURIComponent(t.numbers[2]!)}/assign`, { userId: a.id })).status, 200);
      // B diverts back to A (a cycle inside one file) once A exists.
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${code}/users/${b.id}`, { features: { divertNoAnswer: { enabled: false, destination: a.extension } } })).status, 200);
      plain = (await s.api('POST', `/api/v1/accounts/${code}/users`, { firstName: 'Plain', officeId: t.officeA })).body;
    });
    after(() => s.close());

    it('exports every setting: each settings column differs from a default user on some row', async () => {
      const rows = parse(await exportCsv(), { columns: true }) as Rec[];
      assert.deepEqual(Object.keys(rows[0]!), exportColumns(true));
      const dflt = rows.find((r) => r.extension === plain.extension)!;
      const others = rows.filter((r) => r !== dflt);
      const skipCols = new Set(['extension', 'sip_username', 'sip_password', 'device_mac', 'device_model']);
      for (const col of exportColumns(true)) if (!skipCols.has(col)) assert.ok(others.some((r) => r[col] !== dflt[col]), `${col} is set away from its default on some user`);
      const ra = rows.find((r) => r.extension === a.extension)!;
      assert.equal(ra.divert_all_destination, b.extension);
      assert.equal(ra.divert_busy_destination, "'+442079460000", 'formula-escaped cell');
      assert.equal(ra.divert_no_answer_destination, ringGroupExt);
      assert.equal(ra.smart_call_number, "'+61733331234");
      assert.equal(ra.record_calls, 'yes');
      assert.equal(ra.behind_firewall, 'no');
      assert.equal(ra.vm_delete_after_email, 'yes');
      assert.equal(ra.app_softphone, 'yes');
      assert.equal(ra.max_external_calls, '3');
      // formula escaping is kept: the raw CSV holds the quoted cells
      const raw = await exportCsv();
      assert.match(raw, /'=Formula/);
      assert.match(raw, /"'\+Sales, ""East"""/);
      assert.match(raw, /'\+442079460000/);
    });

    it('update mode: reset every user to defaults, import the export, every user is as before', async () => {
      const before = await users();
      const csvText = await exportCsv();
      for (const u of before) {
        const r = await s.api('PATCH', `/api/v1/accounts/${code}/users/${u.id}`, {
          firstName: 'Reset',
          lastName: '',
          displayName: '',
          email: null,
          altEmail: null,
          department: null,
          officeId: t.officeA,
          userType: 'native',
          scope: 'basic_user',
          includeInDirectory: true,
          ringTime: 40,
          pickupGroup: null,
          outboundNumber: null,
          hideCallerId: false,
          behindFirewall: true,
          enabled: true,
          voicemail: { enabled: true, pin: null, emailDelivery: false, email: null, deleteAfterEmail: false, keepOnServer: true },
          features: DEFAULT_FEATURES,
          security: DEFAULT_SECURITY,
          apps: DEFAULT_APPS,
        });
        assert.equal(r.status, 200, r.text);
      }
      const reset = byExt(await users());
      assert.equal(reset[a.extension].security.recordCalls, false);
      assert.equal(reset[a.extension].features.divertAll.enabled, false);
      const r = await post(`/api/v1/accounts/${code}/imports?update=true&wait=true`, csvText);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.status, 'done', r.text);
      assert.equal(r.body.updated, before.length);
      const got = byExt(await users());
      for (const u of before) assert.deepEqual(comparable(got[u.extension], true), comparable(u, true), `user ${u.extension}`);
    });

    it('create mode: delete every user, import the export, every user is as before (ids aside)', async () => {
      const before = await users();
      const csvText = await exportCsv();
      // Diversions between users and ring group membership block a delete: clear them first.
      for (const u of before) assert.equal((await s.api('PATCH', `/api/v1/accounts/${code}/users/${u.id}`, { features: DEFAULT_FEATURES })).status, 200);
      const rgs = (await s.api('GET', `/api/v1/accounts/${code}/ring-groups`)).body.items;
      for (const g of rgs) assert.equal((await s.api('PATCH', `/api/v1/accounts/${code}/ring-groups/${g.id}`, { members: [] })).status, 200);
      for (const u of before) assert.equal((await s.api('DELETE', `/api/v1/accounts/${code}/users/${u.id}?cascade=true`)).status, 204);
      assert.equal((await users()).length, 0);
      const r = await post(`/api/v1/accounts/${code}/imports?wait=true`, csvText);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.status, 'done', r.text);
      assert.equal(r.body.created, before.length);
      const got = byExt(await users());
      for (const u of before) assert.deepEqual(comparable(got[u.extension], false), comparable(u, false), `user ${u.extension}`);
      assert.deepEqual(await findOrphans(s.store.database), []);
    });

    it('refuses at import, with row and column, what the API refuses: unknown extensions, numbers the user may not call, bad values', async () => {
      const ext = a.extension;
      const base = { first_name: 'New', office: 'Head Office' };
      const cases: Array<{ row: Rec; column: string; reason: RegExp; update?: boolean }> = [
        { row: { ...base, divert_all: 'yes', divert_all_destination: '999' }, column: 'divert_all_destination', reason: /no user or ring group has extension 999/ },
        { row: { ...base, divert_busy: 'yes', divert_busy_destination: '+44 20 7946 0001' }, column: 'divert_busy_destination', reason: /may not make international calls/ },
        { row: { ...base, divert_no_answer: 'yes', divert_no_answer_destination: '' }, column: 'divert_no_answer_destination', reason: /is required when the diversion is enabled/ },
        { row: { ...base, smart_calling: 'yes', smart_call_number: '0412 345 678', calls_mobile: 'no' }, column: 'smart_call_number', reason: /may not make mobile calls/ },
        { row: { ...base, smart_call_timeout: '7' }, column: 'smart_call_timeout', reason: /steps of 5/ },
        { row: { ...base, smart_call_type: 'random' }, column: 'smart_call_type', reason: /must be one of/ },
        { row: { ...base, record_calls: 'maybe' }, column: 'record_calls', reason: /yes or no/ },
        { row: { ...base, max_external_calls: '5000' }, column: 'max_external_calls', reason: /0 to 1000/ },
        { row: { ...base, divert_all: 'yes', divert_all_destination: '000' }, column: 'divert_all_destination', reason: /./ },
        // update mode: the user's own extension, and a permission change that makes a saved diversion illegal
        { row: { extension: ext, first_name: 'Charlotte', office: 'Branch', divert_all: 'yes', divert_all_destination: ext }, column: 'divert_all_destination', reason: /own extension/, update: true },
        { row: { extension: ext, first_name: 'Charlotte', office: 'Branch', calls_international: 'no' }, column: 'divert_busy_destination', reason: /may not make international calls/, update: true },
      ];
      for (const c of cases) {
        const body = stringify([c.row], { header: true, columns: Object.keys(c.row) });
        const r = await post(`/api/v1/accounts/${code}/imports${c.update ? '?update=true' : ''}`, body);
        assert.equal(r.status, 422, `${JSON.stringify(c.row)}: ${r.text}`);
        const hit = r.body.errors.find((e: Json) => e.row === 2 && e.column === c.column);
        assert.ok(hit && c.reason.test(hit.reason), `${JSON.stringify(c.row)} → ${c.column} ${c.reason}: got ${JSON.stringify(r.body.errors)}`);
      }
      // A diversion to an extension a later row of the same file creates is fine.
      const taken = new Set((await users()).map((u: Json) => u.extension));
      const [e1, e2] = ['381', '382', '383', '384'].filter((e) => !taken.has(e) && e !== ringGroupExt);
      const fwd = stringify(
        [
          { extension: e1, first_name: 'Fwd', office: 'Head Office', divert_all: 'yes', divert_all_destination: e2 },
          { extension: e2, first_name: 'Target', office: 'Head Office', divert_all: 'no', divert_all_destination: '' },
        ],
        { header: true },
      );
      const ok = await post(`/api/v1/accounts/${code}/imports?dryRun=true`, fwd);
      assert.equal(ok.status, 200, ok.text);
    });
  });
}
