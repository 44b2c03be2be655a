import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { Deps } from '../../shared/deps.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { SCOPES, SYSTEM_ACTOR, type Scope } from '../../shared/permissions.ts';
import { requestContext } from '../../shared/request-context.ts';
import { findAccount } from '../accounts/service.ts';
import { normaliseEmail } from '../users/rules.ts';
import { subscribeAudit, listAccountAudit, listAllAudit, toCsv } from '../audit/service.ts';
import { mailerFromEnv } from './mailer.ts';
import * as service from './service.ts';

type WithDeps = <T>(fn: (deps: Deps) => Promise<T>) => Promise<T>;
type Output = (data: unknown, json: boolean, columns?: string[]) => void;

/** CLI changes are audited like any other, with 'cli' as their source. */
export async function withCliContext<T>(deps: Deps, fn: (deps: Deps) => Promise<T>): Promise<T> {
  subscribeAudit(deps);
  service.subscribeCleanup(deps);
  return requestContext.run({ source: 'cli' }, () => fn(deps));
}

/** --password, else --password-stdin, else $SWITCHBOARD_PASSWORD (so it need not sit in shell history). */
function readPassword(o: { password?: string; passwordStdin?: boolean }): string {
  if (o.password) return o.password;
  if (o.passwordStdin) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (process.env.SWITCHBOARD_PASSWORD) return process.env.SWITCHBOARD_PASSWORD;
  throw new Error('give the password with --password, --password-stdin or $SWITCHBOARD_PASSWORD');
}

async function findUserId(deps: Deps, accountKey: string, who: string): Promise<string> {
  const account = await findAccount(deps, accountKey);
  const q = deps.database.db.selectFrom('users').select('id').where('account_id', '=', account.id);
  const row = who.includes('@') ? await q.where('email', '=', normaliseEmail(who)!).executeTakeFirst() : await q.where((eb) => eb.or([eb('id', '=', who), eb('extension', '=', who)])).executeTakeFirst();
  if (!row) throw new NotFoundError('user');
  return row.id;
}

const json = () => new Option('--json', 'print JSON');

export function authCommands(program: Command, withDeps: WithDeps, output: Output): void {
  const admin = program.command('provider-admin').description("the provider's own administrators (portal login with account 'provider')");
  admin
    .command('create')
    .description('add a provider administrator, or set the password of an existing one')
    .requiredOption('--email <email>')
    .option('--password <password>')
    .option('--password-stdin', 'read the password from standard input')
    .action((o) => withDeps(async (d) => output(await service.createProviderAdmin(d, SYSTEM_ACTOR, o.email, readPassword(o)), false)));

  const apikey = program.command('apikey').description("API keys for an account's automation (hashed at rest; the key is printed once)");
  apikey
    .command('create')
    .requiredOption('--account <account>')
    .addOption(new Option('--scope <scope>', 'what the key may do (default: office_manager, or the user\'s scope)').choices(SCOPES.filter((s) => s !== 'no_portal')))
    .option('--name <name>', 'a name to tell keys apart', 'cli')
    .option('--user <user>', 'act as this user (id, extension or email); the key never exceeds their scope')
    .option('--office <officeId...>', 'offices an office-limited key covers')
    .addOption(json())
    .action((o) =>
      withDeps(async (d) => {
        const userId = o.user ? await findUserId(d, o.account, o.user) : undefined;
        const created = await service.createApiKey(d, SYSTEM_ACTOR, o.account, { name: o.name, scope: o.scope as Scope | undefined, userId, officeIds: o.office });
        if (o.json) output(created, true);
        else process.stdout.write(`${created.key}\n(id ${created.id}, scope ${created.scope}; shown once: store it now)\n`);
      }),
    );
  apikey
    .command('list')
    .requiredOption('--account <account>')
    .option('--all', 'include revoked keys')
    .addOption(json())
    .action((o) =>
      withDeps(async (d) => output(await service.listApiKeys(d, SYSTEM_ACTOR, o.account, { includeRevoked: !!o.all, limit: 500, offset: 0 }), !!o.json, ['id', 'name', 'prefix', 'scope', 'userId', 'createdAt', 'lastUsedAt', 'revokedAt'])),
    );
  apikey
    .command('revoke <id>')
    .requiredOption('--account <account>')
    .action((id: string, o) =>
      withDeps(async (d) => {
        await service.revokeApiKey(d, SYSTEM_ACTOR, o.account, id);
        console.log(`revoked ${id}`);
      }),
    );

  const login = program.command('login').description('portal logins of users');
  login
    .command('set-password <account> <user>')
    .description('set a portal password (user: id, extension or email); the strength policy applies')
    .option('--password <password>')
    .option('--password-stdin', 'read the password from standard input')
    .action((accountKey: string, who: string, o) =>
      withDeps(async (d) => {
        await service.setPassword(d, SYSTEM_ACTOR, accountKey, await findUserId(d, accountKey, who), readPassword(o));
        console.log('password set');
      }),
    );
  login
    .command('send-credentials <account> <user>')
    .description('email the login details and a set-password link (needs SMTP_URL or SMTP_HOST, and PORTAL_URL)')
    .action((accountKey: string, who: string) =>
      withDeps(async (d) => {
        const rt = service.createAuthRuntime(d, mailerFromEnv());
        const r = await service.sendCredentials(rt, SYSTEM_ACTOR, accountKey, await findUserId(d, accountKey, who));
        console.log(`sent to ${r.to}`);
      }),
    );
  login
    .command('offices <account> <user> [officeIds...]')
    .description('set the offices a Site Manager manages (none: their own office)')
    .action((accountKey: string, who: string, officeIds: string[]) =>
      withDeps(async (d) => output(await service.setManagedOffices(d, SYSTEM_ACTOR, accountKey, await findUserId(d, accountKey, who), officeIds ?? []), false)),
    );

  program
    .command('audit [account]')
    .description('read the audit log (one account, or every account)')
    .option('--resource <resource>')
    .option('--action <action>')
    .option('--actor <actor>')
    .option('--since <time>')
    .option('--until <time>')
    .option('--limit <n>', 'entries', '100')
    .option('--csv', 'print CSV')
    .addOption(json())
    .action((accountKey: string | undefined, o) =>
      withDeps(async (d) => {
        const q = { resource: o.resource, action: o.action, actor: o.actor, since: o.since, until: o.until, limit: Number(o.limit) };
        const page = accountKey ? await listAccountAudit(d, SYSTEM_ACTOR, accountKey, q) : await listAllAudit(d, SYSTEM_ACTOR, q);
        if (o.csv) process.stdout.write(toCsv(page.items));
        else
          output(
            o.json ? page : { items: page.items.map((e) => ({ at: e.at, actor: e.actor.label, role: e.actor.role, change: `${e.resource}.${e.action}`, resourceId: e.resourceId, source: e.source })) },
            !!o.json,
          );
      }),
    );
}
