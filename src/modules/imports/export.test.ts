import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { storeKinds } from '../../../test/support/stores.ts';
import { actorHeaders, makeTenant, testActorAuthenticator, type Tenant } from '../../../test/support/bulk-fixtures.ts';
import { COLUMN_NAMES, exportColumns } from './columns.ts';

for (const { kind, skip } of await storeKinds()) {
  describe(`users CSV export (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    before(async () => {
      s = await startTestServer(kind, { authenticators: [testActorAuthenticator] });
      t = await makeTenant(s.deps, 'exp1', 4, (i) => (i === 1 ? { pickupGroup: 'sales', department: 'Sales, "East"' } : {}));
      other = await makeTenant(s.deps, 'exp2', 1);
    });
    after(() => s.close());

    it('exports the PBX as CSV with the template columns, no secrets by default', async () => {
      const r = await s.api('GET', `/api/v1/accounts/exp1/users/export.csv`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /text\/csv/);
      assert.match(r.headers.get('content-disposition') ?? '', /attachment; filename="exp1-users.csv"/);
      const rows = parse(r.text, { columns: true }) as Array<Record<string, string>>;
      assert.equal(rows.length, 4);
      assert.deepEqual(Object.keys(rows[0]!), exportColumns(false));
      assert.ok(!r.text.includes('4821'), 'voicemail PIN must not be exported');
      assert.ok(!Object.keys(rows[0]!).includes('sip_password'));
      const sales = rows.find((x) => x.first_name === 'First1')!;
      assert.equal(sales.department, 'Sales, "East"');
      assert.equal(sales.office, 'Branch');
      assert.equal(sales.vm_enabled, 'yes');
      assert.deepEqual(rows.map((x) => x.extension), [...rows.map((x) => x.extension)].sort());
    });

    it('exports one office', async () => {
      const r = await s.api('GET', `/api/v1/accounts/exp1/users/export.csv?officeId=${t.officeB}`);
      assert.equal(r.status, 200);
      const rows = parse(r.text, { columns: true }) as Array<Record<string, string>>;
      assert.deepEqual(rows.map((x) => x.office), ['Branch', 'Branch']);
      assert.match(r.headers.get('content-disposition') ?? '', /exp1-branch-users\.csv/);
    });

    it('includes secrets only when asked, and only for an Office Manager or the provider', async () => {
      const r = await s.api('GET', `/api/v1/accounts/exp1/users/export.csv?includeSecrets=true`);
      assert.equal(r.status, 200);
      const rows = parse(r.text, { columns: true }) as Array<Record<string, string>>;
      assert.deepEqual(Object.keys(rows[0]!), COLUMN_NAMES);
      assert.equal(rows[0]!.vm_pin, '4821');
      assert.equal(rows[0]!.sip_password!.length, 20);
      assert.match(rows[0]!.sip_username!, /^u[a-z2-9]{11}$/, 'each password comes with its SIP username');
      const site = actorHeaders({ id: t.users[0]!.id, accountId: t.accountId, scope: 'site_manager', officeIds: [t.officeA] });
      assert.equal((await s.api('GET', `/api/v1/accounts/exp1/users/export.csv?includeSecrets=true`, undefined, site)).status, 403);
    });

    it('limits a Site Manager to their office and refuses lower roles and other tenants', async () => {
      const site = actorHeaders({ id: t.users[0]!.id, accountId: t.accountId, scope: 'site_manager', officeIds: [t.officeA] });
      const r = await s.api('GET', `/api/v1/accounts/exp1/users/export.csv`, undefined, site);
      assert.equal(r.status, 200);
      const rows = parse(r.text, { columns: true }) as Array<Record<string, string>>;
      assert.deepEqual([...new Set(rows.map((x) => x.office))], ['Head Office']);
      assert.equal((await s.api('GET', `/api/v1/accounts/exp1/users/export.csv?officeId=${t.officeB}`, undefined, site)).status, 403);
      const basic = actorHeaders({ id: t.users[1]!.id, accountId: t.accountId, scope: 'basic_user', officeIds: [] });
      assert.equal((await s.api('GET', `/api/v1/accounts/exp1/users/export.csv`, undefined, basic)).status, 403);
      const stranger = actorHeaders({ id: other.users[0]!.id, accountId: other.accountId, scope: 'office_manager', officeIds: [] });
      assert.equal((await s.api('GET', `/api/v1/accounts/exp1/users/export.csv`, undefined, stranger)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/exp1/users/export.csv?officeId=${other.officeA}`)).status, 404);
    });
  });
}
