import { defineConfig, devices } from '@playwright/test';

/**
 * Browser end-to-end tests of the portal. They drive Debian's Chromium (/usr/bin/chromium, never a
 * downloaded browser) against a server that scripts/e2e.sh starts on a fresh SQLite file and passes in as
 * SWITCHBOARD_URL (with SWITCHBOARD_API_KEY, the provider key the tests set their data up with).
 */
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results/playwright',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]] : 'list',
  use: {
    baseURL: process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8123',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: chromium,
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 800 }, launchOptions: chromium }, testIgnore: 'phone.spec.ts' },
    { name: 'phone', use: { ...devices['Pixel 7'], launchOptions: chromium }, testMatch: 'phone.spec.ts' },
  ],
});
