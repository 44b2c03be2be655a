import { test } from '@playwright/test';
import { apiGet, expect, login, makeTenant, shot, type Tenant } from './support.ts';

/**
 * Ring Groups as an Office Manager uses them: create a group, add members in order, choose the strategy and the
 * fallback destination; change its extension with the preview of what changes; a lower role has no screen.
 */
test.describe.configure({ mode: 'serial' });

let t: Tenant;
test.beforeAll(async () => {
  t = await makeTenant('rgroups');
});
test.afterAll(async () => {
  await t?.api.dispose();
});

type G = { items: Array<{ name: string; extension: string; strategy: string; ringTime: number; members: Array<{ userId: string }>; fallback: { kind: string; userId: string | null } }> };

test('creates a ring group: members in order, strategy, ring time and a voicemail fallback', async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.getByRole('link', { name: 'Ring Groups' }).click();
  await expect(page.getByRole('heading', { name: 'Ring Groups', exact: true })).toBeVisible();
  await expect(page.getByText('No ring groups yet')).toBeVisible();
  await page.getByRole('button', { name: 'Add Ring Group' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add Ring Group' });
  await dialog.getByLabel('Name').fill('Sales');
  await dialog.getByLabel('Extension').fill('700');
  await dialog.getByLabel('Strategy').selectOption('sequential');
  await dialog.getByLabel('Ring time per member').selectOption('15');
  for (const u of [t.others[0]!, t.basic]) {
    await dialog.getByLabel('Add member').selectOption({ label: `${u.extension} ${u.displayName}` });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  }
  await expect(dialog.getByTestId('ring-group-member')).toHaveCount(2);
  // order: Jack first
  await dialog.getByRole('button', { name: `Move ${t.basic.extension} ${t.basic.displayName} up` }).click();
  await expect(dialog.getByTestId('ring-group-member').first()).toContainText(t.basic.displayName);
  await dialog.getByLabel('When nobody answers').selectOption('voicemail');
  // Save without a mailbox: the server names the field
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.locator('.field-error')).toContainText('is required');
  await dialog.getByLabel('Mailbox').selectOption({ label: `${t.manager.extension} ${t.manager.displayName}` });
  await shot(page, 'ring-group-form');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('ring-group-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('One after another, 15 s');
  await expect(row.getByTestId('ring-group-fallback')).toHaveText(`voicemail of ${t.manager.extension} ${t.manager.displayName}`);
  await shot(page, 'ring-groups');
  const g = (await apiGet<G>(t.api, `${t.base}/ring-groups`)).items[0]!;
  expect([g.name, g.extension, g.strategy, g.ringTime]).toEqual(['Sales', '700', 'sequential', 15]);
  expect(g.members.map((m) => m.userId)).toEqual([t.basic.id, t.others[0]!.id]);
  expect(g.fallback).toEqual({ kind: 'voicemail', userId: t.manager.id, extension: t.manager.extension, displayName: t.manager.displayName });
});

test("edits the group: simultaneous, a user's phones as fallback; an extension change shows what changes first", async ({ page }) => {
  // a user diverting to the group: the preview names the diversion
  await t.api.patch(`${t.base}/users/${t.others[1]!.id}`, { data: { features: { divertNoAnswer: { enabled: true, destination: '700' } } } });
  await login(page, t.code, t.manager.email);
  await page.goto('/ring-groups');
  await page.getByRole('button', { name: 'Edit Sales' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit ring group Sales' });
  await dialog.getByLabel('Strategy').selectOption('simultaneous');
  await dialog.getByLabel('When nobody answers').selectOption('user');
  await dialog.getByLabel('User', { exact: true }).selectOption({ label: `${t.others[2]!.extension} ${t.others[2]!.displayName}` });
  await dialog.getByLabel('Extension').fill('701');
  const preview = dialog.getByTestId('extension-change-preview');
  await expect(preview).toContainText('Changing 700 to 701');
  await expect(preview).toContainText(`user ${t.others[1]!.extension}`);
  await expect(preview).toContainText('divert on no answer 700 → 701');
  await shot(page, 'ring-group-extension-preview');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('ring-group-row');
  await expect(row).toContainText('All at once');
  await expect(row.getByTestId('ring-group-fallback')).toHaveText(`rings ${t.others[2]!.extension} ${t.others[2]!.displayName}`);
  type U = { features: { divertNoAnswer: { destination: string } } };
  expect((await apiGet<U>(t.api, `${t.base}/users/${t.others[1]!.id}`)).features.divertNoAnswer.destination).toBe('701');
});

test("a user's extension change: the preview lists what follows before Save", async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.goto(`/users/${t.others[2]!.id}`);
  await page.getByLabel('Extension Number').fill('789');
  const preview = page.getByTestId('extension-change-preview');
  await expect(preview).toContainText(`Changing extension ${t.others[2]!.extension} to 789`);
  await expect(preview).toContainText('internal calls from this user show 789');
  await expect(page.getByTestId('extension-change-summary')).toContainText(`Extension ${t.others[2]!.extension} → 789`);
  await expect(preview).toContainText("ring group 'Sales' (701) falls back to this user's phones");
  // nothing is saved by looking: the user keeps the extension until Save
  expect((await apiGet<{ extension: string }>(t.api, `${t.base}/users/${t.others[2]!.id}`)).extension).toBe(t.others[2]!.extension);
  await shot(page, 'user-extension-preview');
});

test('a Site Manager has no Ring Groups screen', async ({ page }) => {
  await login(page, t.code, t.siteManager.email);
  await expect(page.getByRole('link', { name: 'Hold Music' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ring Groups' })).toHaveCount(0);
});
