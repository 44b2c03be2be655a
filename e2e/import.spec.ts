import { test, type Page } from '@playwright/test';
import { apiGet, expect, hasEndpoint, login, makeTenant, shot, type Tenant } from './support.ts';

/**
 * 'Import Data' (seed 003): download the empty template, select a CSV file — every row error shown in red,
 * nothing written — then load the data, and update existing users. Office Manager, 1280x800.
 */
test.describe.configure({ mode: 'serial' });

let t: Tenant;
test.beforeAll(async () => {
  t = await makeTenant('import');
});
test.afterAll(async () => {
  await t?.api.dispose();
});
test.beforeEach(async () => {
  test.skip(!(await hasEndpoint('/api/v1/accounts/{account}/imports', 'post')), 'import endpoint not on this server');
});

const usersList = (page: Page) => page.getByRole('listbox', { name: 'Users' });
const csv = (header: string[], rows: string[][]) => `${[header, ...rows].map((r) => r.join(',')).join('\n')}\n`;
const HEADER = ['extension', 'first_name', 'last_name', 'email', 'office', 'vm_pin'];
const email = (who: string) => `${who}@${t.code}.test`;
const NEW = [
  ['Ava', 'Lee', 'Sydney HQ'],
  ['Noah', 'Kim', 'Sydney HQ'],
  ['Zoe', 'Park', 'Melbourne'],
  ['Leo', 'Chen', 'Melbourne'],
] as const;

/** 'Select CSV file' opens the browser's file chooser; the test hands it a file made in memory. */
async function selectFile(page: Page, name: string, content: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Select CSV file' }).click()]);
  await chooser.setFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') });
}

async function openImport(page: Page): Promise<void> {
  await login(page, t.code, t.manager.email);
  await page.locator('.panel-offices').getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Import Data', level: 1 })).toBeVisible();
}

test('a Site Manager gets no Import', async ({ page }) => {
  // A Site Manager may add users to their office, but not import (that needs the whole account).
  await login(page, t.code, t.siteManager.email);
  await expect(page.getByRole('button', { name: 'Add New User' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Import', exact: true })).toHaveCount(0);
  await page.goto('/import');
  await expect(page.getByText('Import is for Office Managers')).toBeVisible();
});

test('an Office Manager opens Import from Offices & Users; the empty template downloads as CSV', async ({ page }) => {
  await openImport(page);
  expect(new URL(page.url()).pathname).toBe('/import');
  const template = page.getByRole('link', { name: 'Download the empty template' });
  const href = (await template.getAttribute('href'))!;
  expect(href).toBe(`${t.base}/imports/template.csv`);
  // The link works with the portal's session cookie: 200, text/csv, the template's header.
  const res = await page.request.get(href);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toMatch(/^text\/csv/);
  const text = await res.text();
  expect(text.split('\n')[0]).toMatch(/^extension,first_name,last_name,/);
  // And clicking it downloads the file.
  const [download] = await Promise.all([page.waitForEvent('download'), template.click()]);
  expect(download.suggestedFilename()).toBe('users-import-template.csv');

  // 'What each column means' comes from the server.
  await page.getByText('What each column means').click();
  await expect(page.locator('.import-columns table')).toContainText('device_mac');
  // Nothing to load before a valid file.
  await expect(page.getByRole('button', { name: 'Load data' })).toBeDisabled();
});

test('a file with bad rows shows every row error in red and writes nothing; the fixed file loads', async ({ page }) => {
  await openImport(page);
  const rows = NEW.map(([f, l, office]) => ['', f, l, email(`${f}.${l}`.toLowerCase()), office, '4826']);
  const bad = rows.map((r) => [...r]);
  bad[1]![3] = 'not-an-email'; // row 3: email
  bad[1]![5] = '12'; // row 3: PIN too short
  bad[2]![4] = 'Atlantis'; // row 4: no such office
  await selectFile(page, 'new-users.csv', csv(HEADER, bad));

  const errors = page.locator('.import-errors');
  await expect(errors).toBeVisible();
  await expect(errors).toContainText('2 of 4 rows have errors; nothing was imported.');
  const lines = errors.locator('tbody tr');
  await expect(lines).toHaveCount(3);
  await expect(lines.nth(0).locator('td').first()).toHaveText('3');
  await expect(lines.nth(2).locator('td').first()).toHaveText('4');
  await expect(lines.filter({ hasText: 'email' })).toHaveCount(1);
  await expect(lines.filter({ hasText: 'vm_pin' })).toHaveCount(1);
  await expect(lines.filter({ hasText: 'office' })).toContainText('4');
  await expect(lines.filter({ hasText: 'office' })).toContainText('is not an office of this PBX');
  // Shown in red.
  expect(await lines.first().locator('td').last().evaluate((el) => getComputedStyle(el).color)).toBe('rgb(192, 57, 43)');
  await expect(page.getByRole('button', { name: 'Load data' })).toBeDisabled();
  await shot(page, '50-import-errors');

  // Nothing was written: no user, not even a job.
  for (const [f] of NEW) expect((await apiGet<{ items: unknown[] }>(t.api, `${t.base}/users?q=${f}`)).items).toHaveLength(0);
  expect((await apiGet<{ items: unknown[] }>(t.api, `${t.base}/imports`)).items).toHaveLength(0);

  // The corrected file is valid: the counts, then the green 'Load data'.
  await selectFile(page, 'new-users.csv', csv(HEADER, rows));
  await expect(page.locator('.import-ready')).toContainText('4 rows: 4 new users');
  await expect(errors).toHaveCount(0);
  const loadButton = page.getByRole('button', { name: 'Load data' });
  await expect(loadButton).toBeEnabled();
  await shot(page, '51-import-ready');
  await loadButton.click();
  const done = page.locator('.import-done');
  await expect(done).toContainText('Import finished.');
  await expect(done).toContainText('4 users created, 0 updated.');
  await expect(loadButton).toBeDisabled(); // loaded once

  // The per-row result.
  const result = done.getByRole('link', { name: 'Download the result (CSV)' });
  const resultCsv = await page.request.get((await result.getAttribute('href'))!);
  expect(resultCsv.status()).toBe(200);
  expect(resultCsv.headers()['content-type']).toMatch(/^text\/csv/);
  const body = await resultCsv.text();
  expect(body.split('\n')[0]).toMatch(/^row,extension,/);
  for (const r of rows) expect(body).toContain(r[3]!);
  expect(body.match(/,created,/g)).toHaveLength(4);

  // The banner counts the new users: they are saved, not applied.
  const pending = await apiGet<{ pending: boolean; changes: unknown[] }>(t.api, `${t.base}/config/pending`);
  expect(pending.pending).toBe(true);
  await expect(page.locator('.pending')).toContainText(`${pending.changes.length} changes not applied`);
  await shot(page, '52-import-done');

  // The new users are in the list.
  await done.getByRole('link', { name: 'Back to Offices & Users' }).click();
  await expect(page.getByRole('heading', { name: 'Offices', exact: true })).toBeVisible();
  await expect(usersList(page).getByRole('option')).toHaveCount(7 + NEW.length);
  for (const [f, l] of NEW) await expect(usersList(page).getByRole('option', { name: new RegExp(`${f} ${l}`) })).toBeVisible();
  await page.getByRole('button', { name: /Melbourne/ }).click();
  await expect(usersList(page).getByRole('option', { name: /Zoe Park/ })).toBeVisible();
  const zoe = (await apiGet<{ items: Array<{ voicemail: { pinSet: boolean }; officeId: string }> }>(t.api, `${t.base}/users?q=zoe`)).items[0]!;
  expect(zoe.officeId).toBe(t.offices.melbourne);
  expect(zoe.voicemail.pinSet).toBe(true);
});

test("'Update existing users' changes the users whose extension is in the file", async ({ page }) => {
  const ava = (await apiGet<{ items: Array<{ id: string; extension: string; department: string | null }> }>(t.api, `${t.base}/users?q=ava`)).items[0]!;
  expect(ava.department).toBeNull();
  await openImport(page);
  // first_name and office are required columns; the columns left out (last_name, email ...) stay as they are.
  const file = csv(['extension', 'first_name', 'office', 'department'], [[ava.extension, 'Ava', 'Sydney HQ', 'Sales']]);
  await selectFile(page, 'update.csv', file);
  // Without the box ticked an existing extension is an error.
  await expect(page.locator('.import-errors tbody tr')).toHaveCount(1);
  await expect(page.locator('.import-errors')).toContainText('already exists in this PBX');
  await page.getByLabel('Update existing users').check();
  await expect(page.locator('.import-ready')).toContainText('1 row: 0 new users, 1 update of existing users');
  await page.getByRole('button', { name: 'Load data' }).click();
  await expect(page.locator('.import-done')).toContainText('0 users created, 1 updated.');
  const after = await apiGet<{ department: string | null; lastName: string }>(t.api, `${t.base}/users/${ava.id}`);
  expect(after.department).toBe('Sales');
  expect(after.lastName).toBe('Lee'); // a column left out of the file is left alone

  // 'Import another file' starts over.
  await page.getByRole('button', { name: 'Import another file' }).click();
  await expect(page.getByText('No file selected')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Load data' })).toBeDisabled();
});

test('a wrong header is reported as the header row', async ({ page }) => {
  await openImport(page);
  await selectFile(page, 'wrong.csv', csv(['ext', 'first_name', 'office'], [['', 'Max', 'Sydney HQ']]));
  await expect(page.locator('.import-errors')).toContainText('The header row does not match the template');
  await expect(page.locator('.import-errors tbody tr').first()).toContainText('1 (header)');
  await expect(page.locator('.import-errors tbody')).toContainText('is not a column of the template');
});
