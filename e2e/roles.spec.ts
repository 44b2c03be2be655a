import { test } from '@playwright/test';
import { PASSWORD, apiGet, expect, login, makeTenant, shot, waitForMail, type Tenant } from './support.ts';

/** What each role sees: a Site Manager only their office; a Basic User only their own settings. */
test.describe.configure({ mode: 'serial' });

let t: Tenant;
test.beforeAll(async () => {
  t = await makeTenant('roles');
});
test.afterAll(async () => {
  await t?.api.dispose();
});

test('a Site Manager sees only their own office and its users', async ({ page }) => {
  await login(page, t.code, t.siteManager.email);
  await expect(page.getByRole('heading', { name: 'Offices', exact: true })).toBeVisible();
  const offices = page.locator('.office-list');
  await expect(offices.getByRole('button', { name: /Melbourne/ })).toBeVisible();
  await expect(offices.getByRole('button', { name: /Sydney HQ/ })).toHaveCount(0);
  // No 'Add Office' for a Site Manager; they may add users to their office.
  await expect(page.getByRole('button', { name: 'Add Office' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add New User' })).toBeVisible();

  const list = page.getByRole('listbox', { name: 'Users' });
  await expect(list.getByRole('option')).toHaveCount(3); // Lucas, Isla, Mia
  for (const name of ['Lucas White', 'Isla Martin', 'Mia Thomas']) await expect(list.getByRole('option', { name: new RegExp(name) })).toBeVisible();
  for (const name of ['Olivia Nguyen', 'Jack Smith', 'Charlotte Brown']) await expect(list.getByRole('option', { name: new RegExp(name) })).toHaveCount(0);
  // Filtering cannot reach another office either.
  await page.getByRole('searchbox', { name: 'Filter User' }).fill('Jack');
  await expect(page.getByText('No user matches')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Filter User' }).fill('');
  await expect(list.getByRole('option')).toHaveCount(3);
  await list.getByRole('option', { name: /Lucas White/ }).click();
  await shot(page, '20-site-manager-offices-and-users');

  // A deep link to a Sydney user is refused, and the page says so.
  await page.goto(`/users/${t.basic.id}`);
  await expect(page.getByText('Cannot open this user')).toBeVisible();

  // Add New User offers only their own office.
  await page.goto('/users/new');
  const office = page.getByLabel('Office/Location');
  await expect(office.locator('option')).toHaveCount(1);
  await expect(office).toHaveValue(t.offices.melbourne);
  // And no scope above their own.
  await expect(page.getByLabel("User's Scope").locator('option', { hasText: 'Office Manager' })).toHaveCount(0);
});

test('a Basic User gets the self-service view: voicemail PIN, diversions, smart calling, password', async ({ page }) => {
  await login(page, t.code, t.basic.email);
  await expect(page.getByRole('heading', { name: 'My Settings' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Offices', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add New User' })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Offices & Users' })).toHaveCount(0);

  await page.getByLabel('Voicemail PIN').fill('12a');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('[data-field-wrap="voicemail.pin"] .field-error')).toBeVisible();
  await page.getByLabel('Voicemail PIN').fill('9173');
  await page.getByLabel('Divert all calls').check();
  await page.locator('[data-field-wrap="features.divertAll.destination"] input').fill('0412 000 111');
  await page.getByLabel('Enable Smart Calling').check();
  await page.getByLabel('Smart Call Number').fill('0412 000 222');
  await shot(page, '21-basic-user-self-service');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('All changes saved')).toBeVisible();
  const u = await apiGet<{ voicemail: { pinSet: boolean }; features: { divertAll: { enabled: boolean; destination: string }; smartCalling: { enabled: boolean } } }>(
    t.api,
    `${t.base}/users/${t.basic.id}`,
  );
  expect(u.voicemail.pinSet).toBe(true);
  expect(u.features.divertAll.enabled).toBe(true);
  expect(u.features.divertAll.destination.replace(/\D/g, '')).toMatch(/412000111$/);
  expect(u.features.smartCalling.enabled).toBe(true);

  // Their own password: a weak one is refused beside the field, a strong one works for the next login.
  await page.getByLabel('New password').fill('short');
  await page.getByLabel('Confirm password').fill('short');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('#my-password .field-error')).toBeVisible();
  const next = 'An0ther-Strong-Passw0rd';
  await page.getByLabel('New password').fill(next);
  await page.getByLabel('Confirm password').fill(next);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your password is changed' })).toBeVisible();
  await page.context().clearCookies();
  await login(page, t.code, t.basic.email, next);
  await expect(page.getByRole('heading', { name: 'My Settings' })).toBeVisible();
});

test('an Office Manager sees every office', async ({ page }) => {
  await login(page, t.code, t.manager.email);
  const offices = page.locator('.office-list');
  await expect(offices.getByRole('button', { name: /Melbourne/ })).toBeVisible();
  await expect(offices.getByRole('button', { name: /Sydney HQ/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add Office' })).toBeVisible();
  await expect(page.getByRole('listbox', { name: 'Users' }).getByRole('option')).toHaveCount(7);
});

test('a provider admin logs in with account "provider" and picks the PBX to look after', async ({ page }) => {
  const email = `admin-${Date.now().toString(36)}@provider.test`;
  const created = await t.api.post('/api/v1/provider-admins', { data: { email, password: PASSWORD } });
  expect(created.status(), await created.text()).toBe(201);
  await login(page, 'provider', email);
  const picker = page.getByRole('combobox', { name: 'Account' });
  await expect(picker).toBeVisible();
  await picker.selectOption(t.code);
  await expect(page.getByRole('button', { name: /Sydney HQ/ })).toBeVisible();
  await expect(page.getByRole('listbox', { name: 'Users' }).getByRole('option')).toHaveCount(7);
  // No personal settings for a provider admin.
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My Settings' })).toHaveCount(0);
  await shot(page, '22-provider-admin');
});

test("'Send credentials' emails a set-password link that works once", async ({ page, browser }) => {
  const person = t.others[0]!; // Charlotte Brown, no portal password yet
  await login(page, t.code, t.manager.email);
  await page.goto(`/users/${person.id}`);
  await expect(page.getByText('This user has no portal password yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Send credentials' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Credentials sent to ${person.email}` })).toBeVisible();
  const mail = await waitForMail(person.email);
  const link = /https?:\/\/\S+\/set-password#token=\S+/.exec(mail.text)?.[0];
  expect(link, mail.text).toBeTruthy();

  // The person opens the link in their own browser.
  const theirs = await browser.newContext();
  const p2 = await theirs.newPage();
  await p2.goto(link!);
  await expect(p2.getByRole('heading', { name: 'Set your password' })).toBeVisible();
  expect(new URL(p2.url()).hash).toBe(''); // the token leaves the address bar at once
  await p2.getByLabel('New password').fill('weakpass');
  await p2.getByLabel('Confirm password').fill('weakpass');
  await p2.getByRole('button', { name: 'Set password' }).click();
  await expect(p2.locator('[data-field-wrap="password"] .field-error')).toBeVisible();
  await shot(p2, '23-set-password');
  const chosen = 'Blue-Harb0ur-Desk-42';
  await p2.getByLabel('New password').fill(chosen);
  await p2.getByLabel('Confirm password').fill(chosen);
  await p2.getByRole('button', { name: 'Set password' }).click();
  await expect(p2.getByRole('heading', { name: 'Your password is set' })).toBeVisible();
  await p2.getByRole('button', { name: 'Sign in' }).click();
  await login(p2, t.code, person.email, chosen);
  await expect(p2.getByRole('heading', { name: 'My Settings' })).toBeVisible();
  // The link works only once.
  await p2.context().clearCookies();
  await p2.goto(link!);
  await p2.getByLabel('New password').fill('An0ther-Passw0rd-Try');
  await p2.getByLabel('Confirm password').fill('An0ther-Passw0rd-Try');
  await p2.getByRole('button', { name: 'Set password' }).click();
  await expect(p2.locator('.form-error')).toBeVisible();
  await theirs.close();
});

test("'Forgot your password?' sends a reset link", async ({ page }) => {
  const person = t.others[1]!; // William Wilson
  await page.goto('/');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Account name').fill(t.code);
  await page.getByLabel('Email').fill(person.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  const mail = await waitForMail(person.email);
  expect(mail.text).toMatch(/\/set-password#token=/);
});
