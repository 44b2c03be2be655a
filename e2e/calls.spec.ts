import { execFileSync } from 'node:child_process';
import { test } from '@playwright/test';
import { apiGet, expect, login, shot, makeTenant, type Tenant } from './support.ts';

/**
 * Call History in the portal: the Office Manager sees the account's calls with direction, parties, result and
 * the rule that routed each, filters them and downloads CSV; a Basic User sees only their own calls. Call rows
 * come only from calls (Kamailio's reports), so they are left in the server's store as those reports leave them
 * (e2e/seed-calls.ts).
 */
test.describe.configure({ mode: 'serial' });

let t: Tenant;

test.beforeAll(async () => {
  t = await makeTenant('calls');
  const account = await apiGet<{ id: string }>(t.api, t.base);
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error('E2E_DATABASE_URL is not set: run the suite through scripts/e2e.sh');
  const ago = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const [m, b, o] = [t.manager, t.basic, t.others[0]!];
  const rows = [
    { accountId: account.id, direction: 'internal', from: b.extension, to: m.extension, callerUserId: b.id, calleeUserId: m.id, callerOfficeId: b.officeId, calleeOfficeId: m.officeId, result: 'answered', startedAt: ago(30), seconds: 42, routedBy: 'devices' },
    { accountId: account.id, direction: 'inbound', from: '+61355551234', to: o.extension, calleeUserId: o.id, calleeOfficeId: o.officeId, result: 'failed', sipCode: 486, sipReason: 'Busy Here', startedAt: ago(20), routedBy: 'devices → voicemail' },
    { accountId: account.id, direction: 'outbound', from: o.extension, to: '+61412345678', callerUserId: o.id, callerOfficeId: o.officeId, result: 'answered', startedAt: ago(10), seconds: 7, routedBy: 'outbound mobile' },
  ];
  execFileSync(process.execPath, ['--import', 'tsx', 'e2e/seed-calls.ts', url, JSON.stringify(rows)], { encoding: 'utf8' });
});
test.afterAll(async () => {
  await t?.api.dispose();
});

test('an Office Manager sees the account’s calls, filters them and exports CSV', async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call History' }).click();
  await expect(page.getByRole('heading', { name: 'Call History', level: 1 })).toBeVisible();
  const rows = page.locator('table tbody tr');
  await expect(rows).toHaveCount(3);
  // newest first
  await expect(rows.nth(0)).toContainText('outbound');
  await expect(rows.nth(0)).toContainText('+61 412 345 678');
  await expect(rows.nth(1)).toContainText('failed (486 Busy Here)');
  await expect(rows.nth(2)).toContainText('42 s');
  await shot(page, 'calls-01-manager');
  await page.getByLabel('Direction').selectOption('inbound');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('+61 3 5555 1234');
  await page.getByLabel('Direction').selectOption('');
  await page.getByLabel('Result').selectOption('answered');
  await expect(rows).toHaveCount(2);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const csv = await (await download).path().then((p) => import('node:fs').then((fs) => fs.readFileSync(p!, 'utf8')));
  expect(csv.split('\n')[0]).toContain('direction');
  expect(csv).toContain('+61412345678');
  expect(csv).not.toContain('+61355551234');
});

test('a Basic User sees only their own calls', async ({ page }) => {
  await login(page, t.code, t.basic.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call History' }).click();
  const rows = page.locator('table tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(t.manager.extension);
  await shot(page, 'calls-02-basic-user');
});
