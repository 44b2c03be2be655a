/**
 * Portal benchmark: does the Offices & Users screen stay fast in a big account? Drives Debian's Chromium
 * (/usr/bin/chromium) against a real server over a fresh SQLite store holding two accounts:
 *  - baseline: 13 users (a small office);
 *  - large: every extension the 4-digit plan allows (~8,970 users; 3/4-digit extensions cap an account
 *    below 10,000).
 * For each, in the same run: time from opening / to the first user rows, rows in the DOM, JS heap, time
 * for 'Filter User' to answer (includes the 250 ms debounce), and time to page to the last user with the
 * keyboard. Prints medians of BENCH_ROUNDS runs and the large/baseline ratio.
 *
 *   npm run bench:portal          (builds web/dist first if it is missing)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, expect, type Page } from '@playwright/test';
import { buildApp } from '../src/app.ts';
import { migrate, openDatabase } from '../src/db/database.ts';
import { seedAccount } from '../e2e/large-account.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PASSWORD = 'Bench-Passw0rd-123';
const root = new URL('..', import.meta.url).pathname;

interface Figures {
  firstRowsMs: number;
  rowsInDom: number;
  heapMb: number;
  filterMs: number;
  toEndMs: number;
  total: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(page: Page, account: string, filterPrefix: string): Promise<Figures> {
  const list = page.getByRole('listbox', { name: 'Users' });
  const t0 = performance.now();
  await page.goto('/');
  await list.getByRole('option').first().waitFor();
  await page.locator('#users-h .count').waitFor();
  const firstRowsMs = performance.now() - t0;
  const total = Number((await page.locator('#users-h .count').textContent())!.replace(/\D/g, ''));
  const rowsInDom = await list.getByRole('option').count();
  const heapMb = await page.evaluate(() => ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) / 1e6);

  const filter = page.getByRole('searchbox', { name: 'Filter User' });
  const before = await page.locator('#users-h .count').textContent();
  const t1 = performance.now();
  await filter.fill(filterPrefix);
  await expect(page.locator('#users-h .count')).not.toHaveText(before!, { timeout: 30_000 });
  const filterMs = performance.now() - t1;
  await filter.fill('');
  await expect(page.locator('#users-h .count')).toHaveText(before!, { timeout: 30_000 });

  await list.focus();
  const t2 = performance.now();
  for (let i = 0; i < 500; i++) {
    await page.keyboard.press('End');
    const pos = Number(await list.getByRole('option', { selected: true }).getAttribute('aria-posinset'));
    if (pos === total) break;
    await page.waitForTimeout(10);
  }
  const toEndMs = performance.now() - t2;
  void account;
  return { firstRowsMs, rowsInDom, heapMb, filterMs, toEndMs, total };
}

async function main() {
  if (!existsSync(join(root, 'web/dist/index.html'))) spawnSync(process.execPath, [join(root, 'scripts/ensure-portal.mjs')], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'sb-portal-bench-'));
  const database = openDatabase(join(dir, 'bench.sqlite'));
  await migrate(database);
  const small = await seedAccount(database, 'bench-small', PASSWORD, 12);
  const large = await seedAccount(database, 'bench-large', PASSWORD);
  const { app } = await buildApp({ database, logLevel: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const baseURL = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
  });
  const results: Record<string, Figures[]> = {};
  try {
    for (const [code, prefix] of [
      ['bench-small', '100'],
      ['bench-large', '98'],
    ] as const) {
      const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto('/');
      await page.getByLabel('Account name').fill(code);
      await page.getByLabel('Email').fill(`manager@${code}.test`);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.app').waitFor();
      results[code] = [];
      await measure(page, code, prefix); // warm-up
      for (let r = 0; r < ROUNDS; r++) results[code]!.push(await measure(page, code, prefix));
      await context.close();
    }
  } finally {
    await browser.close();
    await app.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const m = (code: string, k: keyof Figures) => median(results[code]!.map((f) => f[k]));
  console.log(`\nPortal Offices & Users list, Chromium 1280x800, SQLite, median of ${ROUNDS} rounds (2-core machine shared with other work: noisy)`);
  console.log(`users in account: baseline ${small}, large ${large}\n`);
  const rows: Array<[string, keyof Figures, string]> = [
    ['open / to first rows + total (ms)', 'firstRowsMs', 'ms'],
    ['user rows in the DOM', 'rowsInDom', ''],
    ['JS heap used (MB)', 'heapMb', 'MB'],
    ["'Filter User' answered (ms, incl. 250 ms debounce)", 'filterMs', 'ms'],
    ['keyboard End to the last user (ms)', 'toEndMs', 'ms'],
  ];
  console.log(`${'figure'.padEnd(52)}${'baseline'.padStart(10)}${'large'.padStart(10)}${'ratio'.padStart(9)}`);
  for (const [label, k] of rows) {
    const a = m('bench-small', k);
    const b = m('bench-large', k);
    console.log(`${label.padEnd(52)}${a.toFixed(k === 'rowsInDom' ? 0 : 1).padStart(10)}${b.toFixed(k === 'rowsInDom' ? 0 : 1).padStart(10)}${(b / a).toFixed(2).padStart(8)}x`);
  }
}

await main();
