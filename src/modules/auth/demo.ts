import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../../shared/deps.ts';
import { randomSecret } from '../../shared/ids.ts';
import { SYSTEM_ACTOR } from '../../shared/permissions.ts';
import { setPassword } from './service.ts';

/**
 * After the demo tenant is created: give its Office Manager a random password, save it next to the provider
 * key (mode 0600) and print it once, so a newcomer can log in to the portal. Never a fixed, known password.
 */
export async function announceDemoLogin(deps: Deps, dataDir: string): Promise<void> {
  const db = deps.database.db;
  const account = await db.selectFrom('accounts').select('id').where('code', '=', 'demo').executeTakeFirst();
  if (!account) return;
  const om = await db.selectFrom('users').select(['id', 'email']).where('account_id', '=', account.id).where('scope', '=', 'office_manager').orderBy('extension').executeTakeFirst();
  if (!om?.email) return;
  const password = randomSecret(18);
  await setPassword(deps, SYSTEM_ACTOR, 'demo', om.id, password);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'demo-login');
  writeFileSync(file, `account: demo\nemail: ${om.email}\npassword: ${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  process.stdout.write(`Demo portal login (Office Manager; shown once, also saved to ${file}):\n  account demo, email ${om.email}, password ${password}\n\n`);
}
