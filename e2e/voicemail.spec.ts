import { execFileSync } from 'node:child_process';
import { test, type Page } from '@playwright/test';
import { apiGet, expect, login, makeTenant, shot, type Tenant } from './support.ts';

/**
 * Voicemail in the portal: messages (play, download, mark heard/new, delete) and greetings (upload, bad file,
 * delete) in My Settings; the same mailbox in a manager's Manage User. Messages come only from calls, so they
 * are left in the server's store the way the media server leaves them (e2e/seed-voicemail.ts).
 */
test.describe.configure({ mode: 'serial' });

interface Msg {
  id: string;
  folder: 'new' | 'saved';
  callerName: string | null;
  callerNumber: string | null;
}
let t: Tenant;
let ids: string[] = [];
const mailbox = (userId: string) => `${t.base}/users/${userId}/voicemail`;

/** Yesterday 23:30 UTC: 10:30 the next morning in Sydney (AEDT), well inside the retention period. */
function yesterdayAt2330Utc(minutes = 0): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - 1);
  d.setUTCHours(23, 30 + minutes, 0, 0);
  return d.toISOString();
}

function seed(accountCode: string, extension: string, messages: object[]): string[] {
  const url = process.env.E2E_DATABASE_URL;
  const dir = process.env.E2E_VOICEMAIL_DIR;
  if (!url || !dir) throw new Error('E2E_DATABASE_URL / E2E_VOICEMAIL_DIR are not set: run the suite through scripts/e2e.sh');
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'e2e/seed-voicemail.ts', url, dir, accountCode, extension, JSON.stringify(messages)], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').pop()!) as { ids: string[] }).ids;
}

/** A WAV file (PCM 16-bit mono 16 kHz) of a `hz` tone: a greeting as someone might upload it. */
function wavFile(seconds: number, hz: number, rate = 16000): Buffer {
  const n = seconds * rate;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

test.beforeAll(async () => {
  t = await makeTenant('voicemail');
  ids = seed(t.code, t.basic.extension, [
    { callerNumber: '0299990000', callerName: 'Anna Lee', receivedAt: yesterdayAt2330Utc(), seconds: 3 },
    { callerNumber: null, callerName: null, receivedAt: yesterdayAt2330Utc(5), seconds: 2 },
    { callerNumber: t.others[0]!.extension, callerName: t.others[0]!.displayName, receivedAt: yesterdayAt2330Utc(-60), seconds: 4 },
  ]);
  // The oldest one has been listened to (e.g. by phone): it is in 'saved'.
  const r = await t.api.patch(`${mailbox(t.basic.id)}/messages/${ids[2]}`, { data: { folder: 'saved' } });
  expect(r.status(), await r.text()).toBe(200);
});
test.afterAll(async () => {
  await t?.api.dispose();
});

const messages = (page: Page) => page.getByRole('list', { name: 'Voicemail messages' }).getByTestId('vm-message');

test('a user hears, marks and deletes their voicemail in My Settings', async ({ page }) => {
  await login(page, t.code, t.basic.email);
  await expect(page.getByRole('heading', { name: 'My Settings' })).toBeVisible();
  const section = page.locator('#my-voicemail-messages');
  await expect(section.getByRole('heading', { name: 'Voicemail messages' })).toBeVisible();
  await expect(section.getByTestId('vm-counts')).toHaveText('3 messages: 2 new, 1 saved');
  await expect(section).toContainText('Messages are kept on the server for 90 days');

  // New first (oldest first within a folder), then saved.
  const rows = messages(page);
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('Anna Lee');
  await expect(rows.nth(0)).toContainText('+61 2 9999 0000');
  await expect(rows.nth(0)).toContainText('0:03');
  await expect(rows.nth(0)).toContainText('10:30'); // the Sydney office's time, not the browser's (UTC 23:30)
  await expect(rows.nth(0).getByText('New', { exact: true })).toBeVisible();
  await expect(rows.nth(1)).toContainText('Unknown caller');
  await expect(rows.nth(1)).toContainText('Number withheld');
  await expect(rows.nth(2)).toContainText(t.others[0]!.displayName);
  await expect(rows.nth(2)).toContainText(`Ext. ${t.others[0]!.extension}`);
  await expect(rows.nth(2).getByText('New', { exact: true })).toHaveCount(0);
  await expect(rows.nth(2).getByRole('button', { name: 'Mark as new' })).toBeVisible();
  await section.scrollIntoViewIfNeeded();
  await shot(page, '60-my-voicemail');

  // The player: preload none, the audio URL as src; loading it gives the 3-second recording.
  const audio = rows.nth(0).locator('audio');
  await expect(audio).toHaveAttribute('preload', 'none');
  await expect(audio).toHaveAttribute('src', `${mailbox(t.basic.id)}/messages/${ids[0]}/audio`);
  const loaded = await audio.evaluate(
    (el: HTMLAudioElement) =>
      new Promise<{ readyState: number; duration: number }>((resolve, reject) => {
        el.addEventListener('loadedmetadata', () => resolve({ readyState: el.readyState, duration: el.duration }), { once: true });
        el.addEventListener('error', () => reject(new Error(`audio error ${el.error?.code}`)), { once: true });
        el.load();
      }),
  );
  expect(loaded.readyState).toBeGreaterThan(0);
  expect(loaded.duration).toBeCloseTo(3, 1);
  // The download link is the same recording, with the page's session cookie.
  const link = rows.nth(0).getByRole('link', { name: /Download/ });
  const res = await page.request.get((await link.getAttribute('href'))!);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('audio/wav');
  expect((await res.body()).subarray(0, 4).toString()).toBe('RIFF');
  const download = page.waitForEvent('download');
  await link.click();
  expect((await download).suggestedFilename()).toMatch(new RegExp(`^voicemail-${t.basic.extension}-.*\\.wav$`));

  // Mark as heard → saved; the counts follow; then back to new.
  await rows.nth(0).getByRole('button', { name: 'Mark as heard' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Marked as heard' })).toBeVisible();
  await expect(section.getByTestId('vm-counts')).toHaveText('3 messages: 1 new, 2 saved');
  let list = await apiGet<{ items: Msg[] }>(t.api, `${mailbox(t.basic.id)}/messages`);
  expect(list.items.find((m) => m.id === ids[0])?.folder).toBe('saved');
  await messages(page).filter({ hasText: 'Anna Lee' }).getByRole('button', { name: 'Mark as new' }).click();
  await expect(section.getByTestId('vm-counts')).toHaveText('3 messages: 2 new, 1 saved');

  // Delete asks first; Cancel keeps it.
  const withheld = messages(page).filter({ hasText: 'Unknown caller' });
  await withheld.getByRole('button', { name: /Delete/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete voicemail' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(messages(page)).toHaveCount(3);
  await withheld.getByRole('button', { name: /Delete/ }).click();
  await dialog.getByRole('button', { name: 'Delete message' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Message deleted' })).toBeVisible();
  await expect(messages(page)).toHaveCount(2);
  await expect(section.getByTestId('vm-counts')).toHaveText('2 messages: 1 new, 1 saved');
  list = await apiGet<{ items: Msg[] }>(t.api, `${mailbox(t.basic.id)}/messages`);
  expect(list.items.map((m) => m.id).sort()).toEqual([ids[0], ids[2]].sort());
  const gone = await page.request.get(`${mailbox(t.basic.id)}/messages/${ids[1]}/audio`);
  expect(gone.status()).toBe(404);
});

test('a user uploads a greeting, plays it, sees a bad file refused with the reason, and deletes it', async ({ page }) => {
  await login(page, t.code, t.basic.email);
  const section = page.locator('#my-voicemail-greetings');
  await expect(section.getByRole('heading', { name: 'Greetings' })).toBeVisible();
  await expect(section).toContainText('Or record it by phone: dial 777, then 0 for mailbox options.');
  const unavailable = section.getByTestId('greeting-unavailable');
  await expect(unavailable).toContainText('Standard prompt');
  await expect(unavailable.locator('audio')).toHaveCount(0);

  // A file that is not audio: the server's reason beside the field, nothing stored.
  await unavailable.getByLabel(/Unavailable greeting file/).setInputFiles({ name: 'greeting.wav', mimeType: 'audio/wav', buffer: Buffer.from('this is not a recording') });
  await unavailable.getByRole('button', { name: 'Upload' }).click();
  await expect(unavailable.locator('.field-error')).toHaveText(/is not a WAV or MP3 file/);
  await expect(unavailable.getByLabel(/Unavailable greeting file/)).toHaveAttribute('aria-invalid', 'true');
  await section.scrollIntoViewIfNeeded();
  await shot(page, '61-greeting-bad-file');
  expect((await apiGet<{ items: unknown[] }>(t.api, `${mailbox(t.basic.id)}/greetings`)).items).toEqual([]);

  // A real WAV (16 kHz: converted by the server) is stored and listed, with a player.
  await unavailable.getByLabel(/Unavailable greeting file/).setInputFiles({ name: 'away.wav', mimeType: 'audio/wav', buffer: wavFile(2, 440) });
  await unavailable.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Unavailable greeting saved' })).toBeVisible();
  await expect(unavailable).toContainText('Recorded');
  await expect(unavailable.locator('.field-error')).toHaveCount(0);
  const greetings = await apiGet<{ items: Array<{ kind: string }> }>(t.api, `${mailbox(t.basic.id)}/greetings`);
  expect(greetings.items.map((g) => g.kind)).toEqual(['unavailable']);
  const player = unavailable.locator('audio');
  await expect(player).toHaveAttribute('preload', 'none');
  const duration = await player.evaluate(
    (el: HTMLAudioElement) =>
      new Promise<number>((resolve, reject) => {
        el.addEventListener('loadedmetadata', () => resolve(el.duration), { once: true });
        el.addEventListener('error', () => reject(new Error(`audio error ${el.error?.code}`)), { once: true });
        el.load();
      }),
  );
  expect(duration).toBeCloseTo(2, 1);
  await expect(section.getByTestId('greeting-busy')).toContainText('Standard prompt');
  await shot(page, '62-greetings');

  // Delete (after confirming): back to the standard prompt.
  await unavailable.getByRole('button', { name: 'Delete the Unavailable greeting' }).click();
  await page.getByRole('dialog', { name: 'Delete the Unavailable greeting' }).getByRole('button', { name: 'Delete greeting' }).click();
  await expect(unavailable).toContainText('Standard prompt');
  expect((await apiGet<{ items: unknown[] }>(t.api, `${mailbox(t.basic.id)}/greetings`)).items).toEqual([]);

  // On a phone-sized screen the messages and greetings fit without sideways scrolling.
  await page.setViewportSize({ width: 412, height: 915 });
  await page.locator('#my-voicemail-messages').scrollIntoViewIfNeeded();
  await expect(messages(page)).toHaveCount(2);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await shot(page, '64-my-voicemail-narrow');
});

test("an Office Manager sees a user's voicemail in Manage User; a Site Manager's empty mailbox says so", async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.goto(`/users/${t.basic.id}`);
  await expect(page.getByRole('navigation', { name: 'User sections' }).getByRole('link', { name: 'Voicemail' })).toBeVisible();
  const section = page.locator('#voicemail-messages');
  await expect(section.getByTestId('vm-counts')).toHaveText('2 messages: 1 new, 1 saved');
  await expect(messages(page).first()).toContainText('Anna Lee');
  await section.scrollIntoViewIfNeeded();
  await shot(page, '63-manage-user-voicemail');
  // The manager marks it heard for the user.
  await messages(page).first().getByRole('button', { name: 'Mark as heard' }).click();
  await expect(section.getByTestId('vm-counts')).toHaveText('2 messages: 0 new, 2 saved');
  await expect(page.locator('#voicemail-greetings').getByTestId('greeting-name')).toContainText('Standard prompt');

  // A Site Manager (Melbourne) opens a Melbourne user with no messages.
  await page.context().clearCookies();
  await login(page, t.code, t.siteManager.email);
  const lucas = t.others.find((u) => u.officeId === t.offices.melbourne)!;
  await page.goto(`/users/${lucas.id}`);
  await expect(page.locator('#voicemail-messages')).toContainText('No voicemail messages');
  await expect(page.locator('#voicemail-messages').getByTestId('vm-counts')).toHaveText('0 messages: 0 new, 0 saved');
});
