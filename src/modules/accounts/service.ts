import { ConflictError, ForbiddenError, NotFoundError, assertValid } from '../../shared/errors.ts';
import { authorize, type Actor } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import type { Page } from '../../shared/pagination.ts';
import * as repo from './repository.ts';
import { validateAccountCreate, validateAccountUpdate } from './rules.ts';
import type { Account, AccountCreate, AccountUpdate } from './schema.ts';
import { countries as officeCountries } from '../offices/repository.ts';
import { usedExtensions } from '../users/repository.ts';
import { emergencyClash } from '../users/rules.ts';

/** Resolves an account by code or id and checks the actor may act in it (other tenants: 404). */
export async function resolveAccount(deps: Deps, actor: Actor, key: string): Promise<Account> {
  const account = await repo.findByCodeOrId(deps.database.db, key);
  if (!account) throw new NotFoundError('account');
  authorize(actor, 'account.read', { accountId: account.id }, 'account');
  return account;
}

/** Finds the account without a permission check (for internal callers that already authorised). */
export async function findAccount(deps: Deps, key: string): Promise<Account> {
  const account = await repo.findByCodeOrId(deps.database.db, key);
  if (!account) throw new NotFoundError('account');
  return account;
}

export async function createAccount(deps: Deps, actor: Actor, input: AccountCreate): Promise<Account> {
  if (actor.kind === 'user') throw new ForbiddenError('only the provider may create accounts');
  const normalised: AccountCreate = { ...input, code: input.code.trim(), name: input.name.trim(), sipRealm: input.sipRealm.trim().toLowerCase(), country: input.country.toUpperCase() };
  assertValid(validateAccountCreate(normalised));
  const db = deps.database.db;
  const taken = await repo.codeOrRealmTaken(db, normalised.code, normalised.sipRealm);
  if (taken.code) throw new ConflictError('code', 'is already used by another account');
  if (taken.realm) throw new ConflictError('sipRealm', 'is already used by another account');
  const now = nowIso();
  const account = await repo.insert(db, {
    id: newId(),
    code: normalised.code,
    name: normalised.name,
    sip_realm: normalised.sipRealm,
    country: normalised.country,
    extension_length: null,
    created_at: now,
    updated_at: now,
  });
  await emit(deps, actor, 'account.created', account.id, account.id, undefined, account);
  return account;
}

export async function updateAccount(deps: Deps, actor: Actor, key: string, input: AccountUpdate): Promise<Account> {
  const before = await resolveAccount(deps, actor, key);
  authorize(actor, 'account.write', { accountId: before.id }, 'account');
  const patch = { ...input, country: input.country?.toUpperCase(), name: input.name?.trim() };
  assertValid(validateAccountUpdate(patch));
  // the account's concurrent call limit protects the provider (toll fraud): a customer may not raise it
  if (patch.maxExternalCalls !== undefined && actor.kind === 'user') throw new ForbiddenError('only the provider sets the account\'s concurrent external call limit');
  if (patch.country !== undefined && patch.country !== before.country) {
    const db = deps.database.db;
    const clash = emergencyClash(await usedExtensions(db, before.id), patch.country, await officeCountries(db, before.id));
    if (clash) throw new ConflictError('country', clash);
  }
  await repo.update(deps.database.db, before.id, {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.country !== undefined && { country: patch.country }),
    ...(patch.voicemailRetentionDays !== undefined && { voicemail_retention_days: patch.voicemailRetentionDays }),
    ...(patch.callRetentionDays !== undefined && { call_retention_days: patch.callRetentionDays }),
    ...(patch.maxExternalCalls !== undefined && { max_external_calls: patch.maxExternalCalls }),
    ...(patch.recordingRetentionDays !== undefined && { recording_retention_days: patch.recordingRetentionDays }),
    ...(patch.callbackExpiryMinutes !== undefined && { callback_expiry_minutes: patch.callbackExpiryMinutes }),
    ...(patch.sipTransport !== undefined && { sip_transport: patch.sipTransport }),
    updated_at: nowIso(),
  });
  const after = await findAccount(deps, before.id);
  await emit(deps, actor, 'account.updated', after.id, after.id, before, after);
  return after;
}

export async function listAccounts(deps: Deps, actor: Actor, opts: { q?: string; limit: number; offset: number }): Promise<Page<Account>> {
  // A portal user sees only their own account; the provider sees all ('domain quick launch').
  const onlyId = actor.kind === 'user' ? actor.accountId : undefined;
  return repo.list(deps.database.db, { ...opts, onlyId });
}
