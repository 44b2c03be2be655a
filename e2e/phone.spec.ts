import { test } from '@playwright/test';
import { expect, hasEndpoint, login, makeTenant, shot, type Tenant } from './support.ts';

/** The portal on a phone-sized screen (Pixel 7 viewport): one column, overview with a way back. */
test.describe.configure({ mode: 'serial' });

let t: Tenant;
test.beforeAll(async () => {
  t = await makeTenant('phone');
});
test.afterAll(async () => {
  await t?.api.dispose();
});

test('login, offices and users in one column, overview, Manage User', async ({ page }) => {
  await page.goto('/');
  await shot(page, '30-phone-login');
  await login(page, t.code, t.manager.email);
  await expect(page.getByRole('heading', { name: 'Offices', exact: true })).toBeVisible();
  // The side navigation gives way to the user menu; nothing overflows sideways.
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, '31-phone-offices-and-users');

  await page.getByRole('button', { name: /Melbourne/ }).click();
  const list = page.getByRole('listbox', { name: 'Users' });
  await expect(list.getByRole('option')).toHaveCount(3);
  await list.getByRole('option', { name: /Lucas White/ }).click();
  // The overview replaces the lists, with a way back.
  await expect(page.locator('.panel-overview')).toContainText('Lucas White');
  await expect(list).toBeHidden();
  await shot(page, '32-phone-user-overview');
  await page.getByRole('button', { name: '← Users' }).click();
  await expect(list).toBeVisible();

  await list.getByRole('option', { name: /Lucas White/ }).click();
  await page.getByRole('button', { name: 'Manage User' }).click();
  await expect(page.getByRole('heading', { name: 'Lucas White', level: 1 })).toBeVisible();
  const overflow2 = await page.evaluate(() => document.querySelector('.main')!.scrollWidth - document.querySelector('.main')!.clientWidth);
  expect(overflow2).toBeLessThanOrEqual(0);
  await shot(page, '33-phone-manage-user');

  // The user menu still reaches every screen.
  await page.getByRole('button', { name: /Olivia Nguyen/ }).click();
  await page.getByRole('menuitem', { name: 'Offices & Users' }).click();
  await expect(page.getByRole('heading', { name: 'Offices', exact: true })).toBeVisible();
});

test('Import Data on a phone: one column, the row errors readable', async ({ page }) => {
  test.skip(!(await hasEndpoint('/api/v1/accounts/{account}/imports', 'post')), 'import endpoint not on this server');
  await login(page, t.code, t.manager.email);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Import Data', level: 1 })).toBeVisible();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Select CSV file' }).click()]);
  await chooser.setFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from('first_name,email,office\nAva,not-an-email,Atlantis\n') });
  await expect(page.locator('.import-errors tbody tr')).toHaveCount(2);
  const overflow = await page.evaluate(() => document.querySelector('.main')!.scrollWidth - document.querySelector('.main')!.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, '34-phone-import-errors');
});
