import { execFileSync } from 'node:child_process';
import { test } from '@playwright/test';
import { apiGet, expect, login, makeTenant, shot, type Tenant } from './support.ts';

/**
 * Call recordings in the portal: the Office Manager lists the account's recorded calls, filters them, plays one
 * in the page (<audio> with the session cookie), downloads and deletes one; a Site Manager sees only the calls of
 * their offices. Recordings come only from calls, so they are left in the server's store the way the importer
 * leaves them (e2e/seed-recording.ts).
 */
test.describe.configure({ mode: 'serial' });

let t: Tenant;

function seed(recordings: object[]): string[] {
  const url = process.env.E2E_DATABASE_URL;
  const dir = process.env.E2E_RECORDINGS_DIR;
  if (!url || !dir) throw new Error('E2E_DATABASE_URL / E2E_RECORDINGS_DIR are not set: run the suite through scripts/e2e.sh');
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'e2e/seed-recording.ts', url, dir, JSON.stringify(recordings)], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').pop()!) as { ids: string[] }).ids;
}

test.beforeAll(async () => {
  t = await makeTenant('recordings');
  const account = await apiGet<{ id: string }>(t.api, t.base);
  const ago = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
  const [m, b, l] = [t.manager, t.basic, t.others[2]!];
  seed([
    { accountId: account.id, direction: 'internal', caller: { number: b.extension, userId: b.id, officeId: b.officeId, name: b.displayName }, callee: { number: m.extension, userId: m.id, officeId: m.officeId, name: m.displayName }, startedAt: ago(2), ms: 3000 },
    { accountId: account.id, direction: 'inbound', caller: { number: '+61355551234' }, callee: { number: t.numbers.spare1, userId: l.id, officeId: l.officeId, name: l.displayName }, startedAt: ago(1), ms: 2000 },
  ]);
});
test.afterAll(async () => {
  await t?.api.dispose();
});

test('an Office Manager lists, filters, plays, downloads and deletes recordings', async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Recordings' }).click();
  await expect(page.getByRole('heading', { name: 'Recordings', level: 1 })).toBeVisible();
  const items = page.getByTestId('recording');
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText('Lucas White');
  await expect(items.first()).toContainText('inbound');
  await expect(items.nth(1)).toContainText(`Jack Smith (${t.basic.extension}) → Olivia Nguyen (${t.manager.extension})`);
  await expect(items.nth(1)).toContainText('0:03');
  await shot(page, 'recordings');

  // filters: direction, then user
  await page.getByLabel('Direction').selectOption('internal');
  await expect(items).toHaveCount(1);
  await expect(items.first()).toContainText('Jack Smith');
  await page.getByLabel('Direction').selectOption('');
  await page.getByLabel('User').selectOption({ label: `${t.others[2]!.extension} Lucas White` });
  await expect(items).toHaveCount(1);
  await expect(items.first()).toContainText('inbound');
  await page.getByLabel('User').selectOption('');
  await expect(items).toHaveCount(2);

  // play the internal call in the page: the browser loads the WAV with the session cookie and plays it
  const audio = items.nth(1).locator('audio');
  const played = await audio.evaluate(async (el: HTMLAudioElement) => {
    el.muted = true;
    await el.play();
    await new Promise((r) => setTimeout(r, 1200));
    el.pause();
    return { duration: el.duration, time: el.currentTime, error: el.error?.code ?? null };
  });
  expect(played.error).toBeNull();
  expect(played.duration).toBeCloseTo(3, 1);
  expect(played.time).toBeGreaterThan(0.5);

  // download
  const [download] = await Promise.all([page.waitForEvent('download'), items.nth(1).getByRole('link', { name: /^Download the recording/ }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^recording-.*-${t.basic.extension}-${t.manager.extension}\\.wav$`));

  // delete
  await items.nth(1).getByRole('button', { name: /^Delete the recording/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete recording' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Recording deleted' })).toBeVisible();
  await expect(items).toHaveCount(1);
  await expect(items.first()).toContainText('inbound');
});

test("a Site Manager sees only the calls of their offices", async ({ page }) => {
  await login(page, t.code, t.siteManager.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Recordings' }).click();
  const items = page.getByTestId('recording');
  await expect(items).toHaveCount(1);
  await expect(items.first()).toContainText('Lucas White');
});
