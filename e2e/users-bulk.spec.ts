import { test, type Page } from '@playwright/test';
import { apiGet, expect, login, makeTenant, shot, type Tenant } from './support.ts';

/**
 * Issue 11 on Offices & Users and Manage User: the list sorts by column on the server and takes a
 * multi-select for bulk actions (disable two users, delete after the Usage), Generate PIN gives a PIN the
 * server accepts, and each 'Divert to' box has its own accessible name.
 */
test.describe.configure({ mode: 'serial' });

let t: Tenant;
test.beforeAll(async () => {
  t = await makeTenant('bulk');
});
test.afterAll(async () => {
  await t?.api.dispose();
});

const usersList = (page: Page) => page.getByRole('listbox', { name: 'Users' });
const sortButton = (page: Page, name: string) => page.getByRole('group', { name: 'Sort users' }).getByRole('button', { name: new RegExp(`^${name}`) });

test('select two users, disable them, sort by extension descending', async ({ page }) => {
  await login(page, t.code, t.manager.email);
  const list = usersList(page);
  await expect(list.getByRole('option')).toHaveCount(7);
  const [charlotte, william] = t.others as [Tenant['others'][number], Tenant['others'][number]];

  await page.getByRole('checkbox', { name: `Select ${charlotte.displayName} (${charlotte.extension})` }).check();
  await page.getByRole('checkbox', { name: `Select ${william.displayName} (${william.extension})` }).check();
  const bar = page.getByRole('toolbar', { name: 'Selected users' });
  await expect(bar).toContainText('2 users selected');
  await shot(page, 'bulk-01-two-selected');
  const answered = page.waitForResponse((r) => r.url().endsWith('/users/bulk') && r.request().method() === 'POST');
  await bar.getByRole('button', { name: 'Disable' }).click();
  expect((await answered).status()).toBe(200);
  await expect(page.getByRole('status').filter({ hasText: '2 users disabled' })).toBeVisible();
  await expect(bar).toHaveCount(0);
  for (const u of [charlotte, william]) {
    expect((await apiGet<{ enabled: boolean }>(t.api, `${t.base}/users/${u.id}`)).enabled).toBe(false);
    await expect(list.getByRole('option', { name: new RegExp(u.displayName) })).toContainText('Disabled');
  }
  await expect(list.getByRole('option', { name: /Jack Smith/ })).not.toContainText('Disabled');

  // Sort: Extension is the default (ascending); one click reverses it, on the server.
  const ext = sortButton(page, 'Extension');
  await expect(ext).toHaveAttribute('aria-pressed', 'true');
  const sorted = page.waitForResponse((r) => /\/users\?.*sort=extension.*order=desc/.test(r.url()));
  await ext.click();
  await sorted;
  await expect(ext).toHaveAccessibleName('Extension, descending');
  const all = [t.manager, t.basic, t.siteManager, ...t.others].map((u) => u.extension).sort();
  const shown = async () => (await list.locator('.ext').allTextContents()).map((x) => x.trim());
  await expect.poll(shown).toEqual([...all].reverse());
  await shot(page, 'bulk-02-sorted-extension-desc');

  // Status ascending: the two disabled users first.
  await sortButton(page, 'Status').click();
  await expect(sortButton(page, 'Status')).toHaveAccessibleName('Status, ascending');
  await expect.poll(async () => (await list.locator('.user-name').allTextContents()).slice(0, 2).map((n) => n.replace('Disabled', '').trim())).toEqual([charlotte.displayName, william.displayName]);
  // Name descending
  await sortButton(page, 'Name').click();
  await sortButton(page, 'Name').click();
  const names = [t.manager, t.basic, t.siteManager, ...t.others].map((u) => u.displayName.toLowerCase()).sort().reverse();
  await expect.poll(async () => (await list.locator('.user-name').allTextContents()).map((n) => n.replace('Disabled', '').trim().toLowerCase())).toEqual(names);
});

test('bulk delete shows each Usage first and refuses the user in use', async ({ page }) => {
  const [charlotte, william] = t.others as [Tenant['others'][number], Tenant['others'][number]];
  // William is in a ring group: in use; Charlotte is free.
  const g = await t.api.post(`${t.base}/ring-groups`, { data: { name: 'Bulk Desk', extension: '190', members: [william.id] } });
  expect(g.status(), await g.text()).toBe(201);
  await login(page, t.code, t.manager.email);
  await page.getByRole('checkbox', { name: `Select ${charlotte.displayName} (${charlotte.extension})` }).check();
  await page.getByRole('checkbox', { name: `Select ${william.displayName} (${william.extension})` }).check();
  await page.getByRole('toolbar', { name: 'Selected users' }).getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete users' });
  await expect(dialog.getByTestId(`bulk-usage-${william.extension}`)).toContainText('In use: not deleted');
  await expect(dialog.getByTestId(`bulk-usage-${william.extension}`)).toContainText('Bulk Desk');
  await expect(dialog.getByTestId(`bulk-usage-${charlotte.extension}`)).toContainText('Will be deleted');
  await shot(page, 'bulk-03-delete-usage');
  await dialog.getByRole('button', { name: 'Delete 1 user' }).click();
  await expect(page.getByRole('status').filter({ hasText: '1 user deleted' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: '1 user could not be deleted' })).toBeVisible();
  await expect(page.getByRole('dialog', { name: 'Not deleted' })).toContainText('Bulk Desk');
  await page.getByRole('dialog', { name: 'Not deleted' }).getByRole('button', { name: 'Close', exact: true }).last().click();
  await expect(usersList(page).getByRole('option', { name: new RegExp(charlotte.displayName) })).toHaveCount(0);
  await expect(usersList(page).getByRole('option', { name: new RegExp(william.displayName) })).toHaveCount(1);
});

test('Generate PIN fills a PIN the server accepts; each Divert to box has its own name', async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.goto(`/users/${t.basic.id}`);
  const pin = page.getByLabel('Voicemail PIN');
  await expect(pin).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Generate PIN' }).click();
  await expect(pin).toHaveAttribute('type', 'text');
  const value = await pin.inputValue();
  expect(value).toMatch(/^[0-9]{6}$/);
  expect(new Set(value).size, 'not one digit repeated').toBeGreaterThan(1);
  await expect(page.getByText('Generated. Tell the user this PIN')).toBeVisible();
  await shot(page, 'bulk-04-generate-pin');

  // The three destinations: one name each, found by label.
  await page.getByLabel('Divert all calls', { exact: true }).check();
  await page.getByLabel('Divert to (all calls)').fill(t.manager.extension);
  await page.getByLabel('Divert calls when busy', { exact: true }).check();
  await page.getByLabel('Divert to (busy)').fill(t.siteManager.extension);
  await expect(page.getByLabel('Divert to (no answer)')).toBeDisabled();
  await page.getByRole('button', { name: 'Save' }).first().click();
  await expect(page.getByRole('status').filter({ hasText: 'User saved' })).toBeVisible();
  const saved = await apiGet<{ voicemail: { pinSet: boolean }; features: { divertAll: { destination: string }; divertBusy: { destination: string } } }>(t.api, `${t.base}/users/${t.basic.id}`);
  expect(saved.voicemail.pinSet).toBe(true);
  expect(saved.features.divertAll.destination).toBe(t.manager.extension);
  expect(saved.features.divertBusy.destination).toBe(t.siteManager.extension);

  // Create User offers it too.
  await page.goto('/users/new');
  await page.getByRole('button', { name: 'Generate PIN' }).click();
  expect(await page.getByLabel('Voicemail PIN').inputValue()).toMatch(/^[0-9]{6}$/);
});
