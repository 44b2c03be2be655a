import { test, type Browser, type Page } from '@playwright/test';
import { apiGet, BASE_URL, expect, login, makeTenant, shot, waitForMail, type Tenant } from './support.ts';

/**
 * Create User's workflow (seeds 002 and 004): 'Send credentials to this user', 'Create User and Add Another',
 * 'Add User and Device'; the copyable set-password link (when the server cannot email, and on demand); and
 * the Office Manager's 'Applied versions' with each version's changes.
 */
test.describe.configure({ mode: 'serial' });

let t: Tenant;
test.beforeAll(async () => {
  t = await makeTenant('create');
});
test.afterAll(async () => {
  await t?.api.dispose();
});

const LINK = /^https?:\/\/[^/]+\/set-password#token=[A-Za-z0-9_%-]{30,}$/;

/** The person opens the link in their own browser and chooses a password; then the same link fails. */
async function useLinkTwice(browser: Browser, link: string, email: string, password: string): Promise<void> {
  const theirs = await browser.newContext();
  const p = await theirs.newPage();
  await p.goto(link);
  await expect(p.getByRole('heading', { name: 'Set your password' })).toBeVisible();
  await p.getByLabel('New password').fill(password);
  await p.getByLabel('Confirm password').fill(password);
  await p.getByRole('button', { name: 'Set password' }).click();
  await expect(p.getByRole('heading', { name: 'Your password is set' })).toBeVisible();
  await login(p, t.code, email, password);
  await p.context().clearCookies();
  await p.goto(link);
  await p.getByLabel('New password').fill('An0ther-Passw0rd-Try');
  await p.getByLabel('Confirm password').fill('An0ther-Passw0rd-Try');
  await p.getByRole('button', { name: 'Set password' }).click();
  await expect(p.locator('.form-error')).toContainText(/invalid, already used or expired/);
  await theirs.close();
}

async function fillNewUser(page: Page, first: string, last: string): Promise<string> {
  await page.getByLabel('First Name').fill(first);
  await page.getByLabel('Last Name').fill(last);
  const email = `${first}.${last}@${t.code}.test`.toLowerCase();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Voicemail PIN').fill('4826');
  return email;
}

test("'Send credentials to this user' emails the new user their login and a set-password link", async ({ page, browser }) => {
  await login(page, t.code, t.manager.email);
  await page.goto(`/users/new?office=${t.offices.sydney}`);
  const email = await fillNewUser(page, 'Harper', 'Lee');
  await page.getByLabel('Send credentials to this user').check();
  await shot(page, '40-create-user-send-credentials');
  await page.getByRole('button', { name: 'Create User', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Harper Lee', level: 1 })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: `Credentials sent to ${email}` })).toBeVisible();
  const mail = await waitForMail(email);
  expect(mail.text).toContain(`Account name:  ${t.code}`);
  const link = /https?:\/\/\S+\/set-password#token=\S+/.exec(mail.text)?.[0];
  expect(link, mail.text).toMatch(LINK);
  await useLinkTwice(browser, link!, email, 'Quiet-Lantern-Road-7');
});

test("without email on the server, 'Send credentials' hands over a copyable single-use link instead", async ({ page, browser, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  await login(page, t.code, t.manager.email);
  // This server has SMTP; answer the credentials email as a server without it does (503 mail_unavailable).
  // The link itself comes from the real server.
  await page.route('**/send-credentials', (r) =>
    r.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'mail_unavailable', message: 'no SMTP server is configured (set SMTP_URL or SMTP_HOST)', fields: [] }) }),
  );
  await page.goto(`/users/new?office=${t.offices.sydney}`);
  const email = await fillNewUser(page, 'Noah', 'Kelly');
  await page.getByLabel('Send credentials to this user').check();
  await page.getByRole('button', { name: 'Create User', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Set-password link' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('SMTP is not set up');
  await expect(dialog).toContainText(email);
  const link = await dialog.getByLabel('Set-password link').inputValue();
  expect(link).toMatch(LINK);
  expect(new URL(link).origin).toBe(BASE_URL); // PORTAL_URL
  await dialog.getByRole('button', { name: 'Copy' }).click();
  await expect(dialog.getByText('Copied to the clipboard.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await shot(page, '41-set-password-link-no-smtp');
  await dialog.getByRole('button', { name: 'Done' }).click();
  // then on to the new user, as 'Create User' does
  await expect(page.getByRole('heading', { name: 'Noah Kelly', level: 1 })).toBeVisible();
  await useLinkTwice(browser, link, email, 'Copper-Kettle-Song-5');

  // And from Manage User: 'Send credentials' without SMTP shows the link beside the button, not an operator error.
  await page.getByRole('button', { name: 'Send credentials' }).click();
  await expect(page.getByRole('dialog', { name: 'Set-password link' })).toContainText('SMTP is not set up');
});

test("'Copy set-password link' on Manage User: a fresh link, and the older one stops working", async ({ page, browser, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  const person = t.others[0]!;
  await login(page, t.code, t.manager.email);
  await page.goto(`/users/${person.id}`);
  const copyLink = page.getByRole('button', { name: 'Copy set-password link' });
  await copyLink.click();
  const dialog = page.getByRole('dialog', { name: 'Set-password link' });
  const older = await dialog.getByLabel('Set-password link').inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await copyLink.click();
  const link = await dialog.getByLabel('Set-password link').inputValue();
  expect(link).toMatch(LINK);
  expect(link).not.toBe(older);
  await expect(dialog).not.toContainText('SMTP');
  await shot(page, '42-copy-set-password-link');
  await dialog.getByRole('button', { name: 'Done' }).click();
  const theirs = await browser.newContext();
  const p = await theirs.newPage();
  await p.goto(older);
  await p.getByLabel('New password').fill('Older-Link-Pass-31');
  await p.getByLabel('Confirm password').fill('Older-Link-Pass-31');
  await p.getByRole('button', { name: 'Set password' }).click();
  await expect(p.locator('.form-error')).toBeVisible();
  await theirs.close();
  await useLinkTwice(browser, link, person.email, 'Newer-Link-Pass-31');
});

test("'Create User and Add Another' saves and starts the next user in the same office", async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.goto(`/users/new?office=${t.offices.melbourne}`);
  await expect(page.getByLabel('Office/Location')).toHaveValue(t.offices.melbourne);
  await fillNewUser(page, 'Ava', 'Price');
  const firstExt = await page.getByLabel('Extension Number').inputValue();
  await page.getByRole('button', { name: 'Create User and Add Another' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${firstExt} Ava Price` }).first()).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Add New User' })).toBeVisible();
  await expect(page.getByLabel('First Name')).toHaveValue('');
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Office/Location')).toHaveValue(t.offices.melbourne);
  const next = await apiGet<{ extension: string }>(t.api, `${t.base}/users/next-extension`);
  await expect(page.getByLabel('Extension Number')).toHaveValue(next.extension);
  expect(next.extension).not.toBe(firstExt);
  await fillNewUser(page, 'Leo', 'Grant');
  await page.getByRole('button', { name: 'Create User and Add Another' }).click();
  await expect(page.locator('.sticky-actions [role="status"]')).toContainText('Leo Grant');
  await shot(page, '43-create-and-add-another');
  const users = await apiGet<{ items: Array<{ displayName: string; officeId: string }> }>(t.api, `${t.base}/users?limit=500`);
  for (const name of ['Ava Price', 'Leo Grant']) expect(users.items.find((u) => u.displayName === name)?.officeId, name).toBe(t.offices.melbourne);
});

test("'Add User and Device' creates the user and goes on to their handset", async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.goto(`/users/new?office=${t.offices.sydney}`);
  await fillNewUser(page, 'Ruby', 'Hayes');
  await page.getByRole('button', { name: 'Add User and Device' }).click();
  await expect(page.getByRole('heading', { name: 'Ruby Hayes', level: 1 })).toBeVisible();
  const handsets = page.locator('#handsets');
  const mac = handsets.getByLabel('MAC address');
  await expect(mac).toBeVisible();
  await expect(mac).toBeFocused();
  await mac.fill('80:5e:c0:11:22:33');
  await handsets.getByLabel('Model').fill('T54W');
  await shot(page, '44-add-user-and-device');
  await handsets.getByRole('button', { name: 'Add handset' }).click();
  await expect(handsets.getByRole('cell', { name: '80:5E:C0:11:22:33', exact: true })).toBeVisible();
  const user = (await apiGet<{ items: Array<{ id: string; displayName: string }> }>(t.api, `${t.base}/users?q=Ruby`)).items.find((u) => u.displayName === 'Ruby Hayes')!;
  const devices = await apiGet<{ items: Array<{ mac: string; userId: string }> }>(t.api, `${t.base}/devices?userId=${user.id}`);
  expect(devices.items.map((d) => d.mac)).toEqual(['805ec0112233']);
});

test("'Applied versions': the Office Manager sees each version and what it changed, never a PIN", async ({ page }) => {
  const apply = async () => {
    const r = await t.api.post(`${t.base}/config/apply`, { data: {} });
    expect([201, 409], await r.text()).toContain(r.status());
  };
  await apply();
  const person = t.others[1]!;
  expect((await t.api.patch(`${t.base}/users/${person.id}`, { data: { ringTime: 25, department: 'Dispatch', voicemail: { pin: '918273' } } })).status()).toBe(200);

  // The Office Manager applies it in the portal.
  await login(page, t.code, t.manager.email);
  await page.locator('.pending').getByRole('button', { name: 'Apply Changes' }).click();
  await page.getByRole('dialog', { name: 'Apply Changes' }).getByRole('button', { name: 'Apply Changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Changes applied to your PBX \(version \d+\)/ })).toBeVisible();
  const list = await apiGet<{ items: Array<{ version: number }> }>(t.api, `${t.base}/config/versions`);
  const latest = list.items[0]!.version;

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applied Versions' }).click();
  await expect(page.getByRole('heading', { name: 'Applied versions' })).toBeVisible();
  const row = page.locator(`tr[data-version="${latest}"]`);
  await expect(row).toContainText('Olivia Nguyen');
  await expect(row).toContainText('0 added · 1 changed · 0 removed');
  await row.getByRole('button', { name: /Show changes/ }).click();
  const changes = page.locator(`#version-${latest}-changes`);
  await expect(changes).toContainText(person.displayName);
  await expect(changes).toContainText('ringTime: 40 → 25');
  await expect(changes).toContainText('department: — → Dispatch');
  await expect(changes).toContainText('vmPin: changed (not shown)');
  await expect(changes).not.toContainText('918273');
  await shot(page, '45-applied-versions');
  await row.getByRole('button', { name: /Hide changes/ }).click();
  await expect(changes).toHaveCount(0);
});

test("'Applied versions' is not offered to a Site Manager, and the API refuses them", async ({ page }) => {
  await login(page, t.code, t.siteManager.email);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applied Versions' })).toHaveCount(0);
  const r = await page.request.get(`${t.base}/config/versions`);
  expect(r.status()).toBe(403);
  const d = await page.request.get(`${t.base}/config/versions/1/diff`);
  expect(d.status()).toBe(403);
});
