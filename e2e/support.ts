import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { expect, request, type APIRequestContext, type Page } from '@playwright/test';

/**
 * Helpers for the portal e2e suite. Test data is made through the real API with the provider key the
 * server was started with (scripts/e2e.sh); every spec file makes its own account so files are independent.
 */
export const BASE_URL = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8123';
const KEY = process.env.SWITCHBOARD_API_KEY ?? '';
export const PASSWORD = 'Corr3ct-Horse-Battery!';
export const SCREENSHOTS = 'test-results/screenshots';

export async function providerApi(): Promise<APIRequestContext> {
  if (!KEY) throw new Error('SWITCHBOARD_API_KEY is not set: run the suite through scripts/e2e.sh (npm run test:e2e)');
  return request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { authorization: `Bearer ${KEY}` } });
}

async function ok<T>(res: Awaited<ReturnType<APIRequestContext['get']>>, what: string): Promise<T> {
  if (!res.ok()) throw new Error(`${what}: HTTP ${res.status()} ${await res.text()}`);
  return (res.status() === 204 ? undefined : await res.json()) as T;
}

let openapiPaths: Record<string, Record<string, unknown>> | null = null;
/** Whether the server offers an endpoint (other branches add some): parts of the suite depend on it. */
export async function hasEndpoint(path: string, method: string): Promise<boolean> {
  if (!openapiPaths) {
    const ctx = await request.newContext({ baseURL: BASE_URL });
    openapiPaths = ((await (await ctx.get('/api/openapi.json')).json()) as { paths: typeof openapiPaths }).paths ?? {};
    await ctx.dispose();
  }
  return Boolean(openapiPaths?.[path]?.[method]);
}

export interface TUser {
  id: string;
  extension: string;
  email: string;
  displayName: string;
  officeId: string;
}
export interface Tenant {
  api: APIRequestContext;
  code: string;
  name: string;
  base: string;
  offices: { sydney: string; melbourne: string };
  /** E.164 numbers of the tenant: the two offices' defaults and two spare ones. */
  numbers: { sydney: string; spare1: string; spare2: string; melbourne: string };
  manager: TUser;
  siteManager: TUser;
  basic: TUser;
  others: TUser[];
}

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** A fresh PBX: two offices, numbers, an Office Manager, a Site Manager (Melbourne), a Basic User and a few more. */
export async function makeTenant(label: string): Promise<Tenant> {
  const api = await providerApi();
  const code = `e2e-${label}-${unique()}`.slice(0, 32);
  const name = `${label[0]!.toUpperCase()}${label.slice(1)} Test Pty Ltd`;
  await ok(await api.post('/api/v1/accounts', { data: { code, name, sipRealm: `${code}.pbx.test`, country: 'AU' } }), 'create account');
  const base = `/api/v1/accounts/${code}`;
  // Numbers are unique across the whole platform: each tenant takes its own block.
  const block = String(100 + Math.floor(Math.random() * 900));
  const numbers = { sydney: `+6129${block}1000`, spare1: `+6129${block}1001`, spare2: `+6129${block}1002`, melbourne: `+6139${block}2000` };
  for (const n of Object.values(numbers)) await ok(await api.post(`${base}/numbers`, { data: { number: n } }), 'add number');
  const office = async (data: object) => (await ok<{ id: string }>(await api.post(`${base}/offices`, { data }), 'create office')).id;
  const sydney = await office({ name: 'Sydney HQ', timezone: 'Australia/Sydney', areaCode: '02', defaultOutboundNumber: numbers.sydney, onHoldMusic: 'default' });
  const melbourne = await office({ name: 'Melbourne', timezone: 'Australia/Melbourne', areaCode: '03', defaultOutboundNumber: numbers.melbourne, onHoldMusic: 'default' });
  const user = async (first: string, last: string, officeId: string, extra: object = {}, password = false): Promise<TUser> => {
    const email = `${first}.${last}@${code}.test`.toLowerCase();
    const u = await ok<TUser>(await api.post(`${base}/users`, { data: { firstName: first, lastName: last, email, officeId, ...extra } }), `create user ${first}`);
    if (password) await ok(await api.put(`${base}/users/${u.id}/password`, { data: { password: PASSWORD } }), 'set password');
    return { id: u.id, extension: u.extension, email, displayName: u.displayName, officeId };
  };
  const manager = await user('Olivia', 'Nguyen', sydney, { scope: 'office_manager' }, true);
  const basic = await user('Jack', 'Smith', sydney, {}, true);
  const others = [await user('Charlotte', 'Brown', sydney), await user('William', 'Wilson', sydney), await user('Lucas', 'White', melbourne), await user('Isla', 'Martin', melbourne)];
  const siteManager = await user('Mia', 'Thomas', melbourne, { scope: 'site_manager' }, true);
  return { api, code, name, base, numbers, offices: { sydney, melbourne }, manager, siteManager, basic, others };
}

/** Signs in through the login page; unless `expectFailure`, waits until the portal is on screen. */
export async function login(page: Page, account: string, email: string, password = PASSWORD, expectFailure = false): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Account name').fill(account);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  const res = await answered;
  if (expectFailure) return;
  expect(res.status(), 'login').toBe(200);
  await expect(page.locator('.app')).toBeVisible();
}

/** Saves a screenshot of a main screen for a person to look at (test-results/screenshots/<name>.png). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
}

export async function apiGet<T>(api: APIRequestContext, path: string): Promise<T> {
  return ok<T>(await api.get(path), `GET ${path}`);
}

/** +61291231000 → '+61 2 9123 1000', as the portal shows Australian numbers. */
export function pretty(e164: string): string {
  const m = /^\+61(\d)(\d{4})(\d{4})$/.exec(e164);
  return m ? `+61 ${m[1]} ${m[2]} ${m[3]}` : e164;
}

/** Waits for an email to `to` in the SMTP sink scripts/e2e.sh runs (E2E_MAIL_FILE); returns its text. */
export async function waitForMail(to: string, timeoutMs = 15_000): Promise<{ subject: string; text: string }> {
  const file = process.env.E2E_MAIL_FILE;
  if (!file) throw new Error('E2E_MAIL_FILE is not set: run through scripts/e2e.sh');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file)) {
      const mails = readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { to: string[]; subject: string; text: string });
      const found = mails.reverse().find((m) => m.to.includes(to));
      if (found) return found;
    }
    if (Date.now() > deadline) throw new Error(`no email to ${to} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export { expect };
