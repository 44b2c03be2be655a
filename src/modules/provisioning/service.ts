import { assertValid, NotFoundError } from '../../shared/errors.ts';
import { authorize, type Actor } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { nowIso, randomSecret, randomToken } from '../../shared/ids.ts';
import { toInt } from '../../shared/bool.ts';
import { uniqueViolation } from '../../db/database.ts';
import type { Account } from '../accounts/schema.ts';
import { resolveAccount } from '../accounts/service.ts';
import { VENDORS, type Vendor } from './catalog.ts';
import { deviceFileName } from './render.ts';
import * as repo from './repository.ts';
import { validateSettingsPatch } from './rules.ts';
import type { ProvisioningSettingsOut, SettingsUpdate } from './schema.ts';

const newUsername = () => `prov_${randomSecret(10, 'abcdefghijkmnpqrstuvwxyz23456789')}`;
const newPassword = () => randomSecret(24);
const newToken = () => randomToken(24);

function toOut(s: ReturnType<typeof repo.toSettings>): ProvisioningSettingsOut {
  return {
    accountId: s.accountId,
    username: s.username,
    password: s.password,
    pathToken: s.pathToken,
    provisioningPath: `/prov/${s.pathToken}/`,
    authMode: s.authMode,
    requireToken: s.requireToken,
    allowedCidrs: s.allowedCidrs,
    macLock: s.macLock,
    overrides: s.overrides,
    files: Object.fromEntries(VENDORS.map((v) => [v, deviceFileName(v, '<mac>')])) as Record<Vendor, string>,
    updatedAt: s.updatedAt,
  };
}

/** The account's provisioning settings, created on first use with fresh CSPRNG secrets. */
export async function ensureSettings(deps: Deps, accountId: string): Promise<repo.SettingsRow> {
  const db = deps.database.db;
  const found = await repo.findSettings(db, accountId);
  if (found) return found;
  const now = nowIso();
  try {
    await repo.insertSettings(db, {
      account_id: accountId,
      username: newUsername(),
      password: newPassword(),
      path_token: newToken(),
      auth_mode: 'digest',
      require_token: 1,
      allowed_cidrs: '[]',
      mac_lock: 1,
      overrides: '{}',
      created_at: now,
      updated_at: now,
    });
  } catch (err) {
    if (!uniqueViolation(err)) throw err; // a concurrent first read created it
  }
  const row = await repo.findSettings(db, accountId);
  if (!row) throw new NotFoundError('provisioning settings');
  return row;
}

async function authorized(deps: Deps, actor: Actor, accountKey: string, action: 'provisioning.read' | 'provisioning.write'): Promise<Account> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, action, { accountId: account.id, officeId: null }, 'provisioning settings');
  return account;
}

export async function getSettings(deps: Deps, actor: Actor, accountKey: string): Promise<ProvisioningSettingsOut> {
  const account = await authorized(deps, actor, accountKey, 'provisioning.read');
  return toOut(repo.toSettings(await ensureSettings(deps, account.id)));
}

export async function updateSettings(deps: Deps, actor: Actor, accountKey: string, patch: SettingsUpdate): Promise<ProvisioningSettingsOut> {
  const account = await authorized(deps, actor, accountKey, 'provisioning.write');
  const before = repo.toSettings(await ensureSettings(deps, account.id));
  assertValid(validateSettingsPatch(patch, before));
  await repo.updateSettings(deps.database.db, account.id, {
    ...(patch.authMode !== undefined && { auth_mode: patch.authMode }),
    ...(patch.requireToken !== undefined && { require_token: toInt(patch.requireToken) }),
    ...(patch.allowedCidrs !== undefined && { allowed_cidrs: JSON.stringify(patch.allowedCidrs.map((c) => c.trim())) }),
    ...(patch.macLock !== undefined && { mac_lock: toInt(patch.macLock) }),
    ...(patch.overrides !== undefined && { overrides: JSON.stringify({ ...before.overrides, ...patch.overrides }) }),
    updated_at: nowIso(),
  });
  const after = repo.toSettings((await repo.findSettings(deps.database.db, account.id))!);
  const redact = (s: typeof after) => ({ ...s, password: undefined, pathToken: undefined });
  await emit(deps, actor, 'provisioning.settings_updated', account.id, account.id, redact(before), redact(after));
  return toOut(after);
}

/** New password and/or path token (CSPRNG); the old ones stop working at once. */
export async function rotateSecrets(deps: Deps, actor: Actor, accountKey: string, what: { password?: boolean; token?: boolean }): Promise<ProvisioningSettingsOut> {
  const account = await authorized(deps, actor, accountKey, 'provisioning.write');
  await ensureSettings(deps, account.id);
  const password = what.password ?? true;
  const token = what.token ?? true;
  await repo.updateSettings(deps.database.db, account.id, {
    ...(password && { password: newPassword() }),
    ...(token && { path_token: newToken() }),
    updated_at: nowIso(),
  });
  await emit(deps, actor, 'provisioning.secrets_rotated', account.id, account.id, undefined, { password, token });
  return toOut(repo.toSettings((await repo.findSettings(deps.database.db, account.id))!));
}

export async function listRefusals(deps: Deps, actor: Actor, accountKey: string, limit: number, offset: number) {
  const account = await authorized(deps, actor, accountKey, 'provisioning.read');
  const rows = await repo.listRefusals(deps.database.db, account.id, limit, offset);
  return { items: rows.map((r) => ({ id: r.id, at: r.at, ip: r.ip, userAgent: r.user_agent, file: r.file, mac: r.mac, reason: r.reason, status: r.status })) };
}
