import { test } from '@playwright/test';
import { apiGet, expect, login, makeTenant, shot, type Tenant } from './support.ts';

/**
 * Hold music in the portal: the Office Manager uploads a track to the account's media library (Hold Music
 * page), picks it as an office's On Hold Music, plays it (the <audio> element loads with the page's session
 * cookie), and cannot delete it while the office uses it: the refusal names the office.
 */
test.describe.configure({ mode: 'serial' });

let t: Tenant;

/** `seconds` of a gentle 330 Hz tone, 22.05 kHz 16-bit mono WAV: a track as someone might upload it. */
function wavFile(seconds: number, hz = 330, rate = 22050): Buffer {
  const n = seconds * rate;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
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
  t = await makeTenant('media');
});

test('upload a track, pick it for an office, play it, and a delete while used names the office', async ({ page }) => {
  await login(page, t.code, t.manager.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hold Music' }).click();
  await expect(page.getByRole('heading', { name: 'Hold Music', level: 1 })).toBeVisible();
  const tracks = page.getByTestId('media-track');
  // the built-in Default is always there
  await expect(tracks).toHaveCount(1);
  await expect(tracks.first()).toContainText('Default');
  await expect(tracks.first()).toContainText('Built-in');

  // a file that is not audio: the server's reason beside the field, nothing added
  const upload = page.locator('#hold-music-upload');
  await upload.getByLabel('Track name').fill('Lobby Loop');
  await upload.getByLabel('Audio file').setInputFiles({ name: 'lobby.wav', mimeType: 'audio/wav', buffer: Buffer.from('this is not audio') });
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(upload.getByRole('alert')).toContainText('The file is not a WAV, MP3 or OGG file.');
  await expect(tracks).toHaveCount(1);

  await upload.getByLabel('Audio file').setInputFiles({ name: 'lobby.wav', mimeType: 'audio/wav', buffer: wavFile(3) });
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByRole('status').filter({ hasText: '“Lobby Loop” added to the hold music' })).toBeVisible();
  await expect(tracks).toHaveCount(2);
  const lobby = tracks.filter({ hasText: 'Lobby Loop' });
  await expect(lobby).toContainText('0:03');
  await expect(lobby).toContainText('Not used by any office');
  const list = await apiGet<{ items: Array<{ id: string; name: string }> }>(t.api, `${t.base}/media`);
  const track = list.items.find((m) => m.name === 'Lobby Loop')!;
  expect(track).toBeTruthy();
  await shot(page, '70-hold-music');

  // play it: the <audio> element loads the stored WAV (8 kHz) with the session cookie
  const audio = lobby.locator('audio');
  await expect(audio).toHaveAttribute('src', new RegExp(`^${t.base}/media/${track.id}/audio`));
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
  const res = await page.request.get((await audio.getAttribute('src'))!);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('audio/wav');
  const wav = await res.body();
  expect(wav.subarray(0, 4).toString()).toBe('RIFF');
  expect(wav.readUInt32LE(24)).toBe(8000);

  // pick it for Sydney HQ in Manage Office (a select of the library) and save
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Offices & Users' }).click();
  await page.getByRole('button', { name: /Sydney HQ/ }).click();
  await expect(page.locator('.office-card')).toContainText('Default');
  await page.getByRole('button', { name: 'Manage Office' }).click();
  const manage = page.getByRole('dialog', { name: /Manage Office/ });
  const select = manage.getByLabel('On Hold Music');
  await expect(select.locator('option')).toHaveText(['Default', 'Lobby Loop']);
  await select.selectOption({ label: 'Lobby Loop' });
  await shot(page, '71-office-hold-music');
  await manage.getByRole('button', { name: 'Save' }).click();
  await expect(manage).toBeHidden();
  await expect(page.locator('.office-card')).toContainText('Lobby Loop');
  const office = await apiGet<{ onHoldMusic: string }>(t.api, `${t.base}/offices/${t.offices.sydney}`);
  expect(office.onHoldMusic).toBe(track.id);

  // deleting it while Sydney HQ plays it: refused, the office named
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hold Music' }).click();
  await expect(lobby).toContainText('Used by Sydney HQ');
  await lobby.getByRole('button', { name: 'Delete Lobby Loop' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete Lobby Loop' });
  await dialog.getByRole('button', { name: 'Delete track' }).click();
  const refused = dialog.getByTestId('media-delete-refused');
  await expect(refused).toContainText('is still the hold music of');
  await expect(refused.getByRole('listitem')).toHaveText(['Sydney HQ']);
  await shot(page, '72-hold-music-delete-refused');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(tracks).toHaveCount(2);

  // rename it
  await lobby.getByRole('button', { name: 'Rename Lobby Loop' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename Lobby Loop' });
  await rename.getByLabel('Track name').fill('Lobby Music');
  await rename.getByRole('button', { name: 'Save' }).click();
  await expect(tracks.filter({ hasText: 'Lobby Music' })).toHaveCount(1);
});

test('a Site Manager hears the library but cannot change it', async ({ page }) => {
  await login(page, t.code, t.siteManager.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hold Music' }).click();
  await expect(page.getByTestId('media-track')).toHaveCount(2);
  await expect(page.locator('#hold-music-upload')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Delete / })).toHaveCount(0);
});

test('a Basic User has no Hold Music page', async ({ page }) => {
  await login(page, t.code, t.basic.email);
  await expect(page.getByRole('link', { name: 'Hold Music' })).toHaveCount(0);
});
