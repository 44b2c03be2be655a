import { AppError, ConflictError, InUseError, NotFoundError, assertValid, type FieldError } from '../../shared/errors.ts';
import { authorize, officeLimit, type Actor } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import type { Page } from '../../shared/pagination.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as numbers from '../numbers/repository.ts';
import * as repo from './repository.ts';
import { officeUsage } from '../usage/repository.ts';
import { validateOffice, type NormalisedOffice } from './rules.ts';
import type { Office, OfficeCreate, OfficeUpdate } from './schema.ts';
import type { Account } from '../accounts/schema.ts';
import { usedExtensions } from '../users/repository.ts';
import { emergencyClash } from '../users/rules.ts';
import { isHoldMusicRef } from '../media/service.ts';

export async function listOffices(deps: Deps, actor: Actor, accountKey: string, opts: { name?: string; limit: number; offset: number }): Promise<Page<Office>> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'office.read', { accountId: account.id, officeId: actor.kind === 'user' ? actor.officeIds[0] ?? null : null }, 'office');
  return repo.list(deps.database.db, account.id, { ...opts, officeIds: officeLimit(actor, 'office.read') });
}

async function loadOffice(deps: Deps, actor: Actor, accountKey: string, officeId: string): Promise<{ account: Account; office: Office }> {
  const account = await resolveAccount(deps, actor, accountKey);
  const office = await repo.findById(deps.database.db, account.id, officeId);
  if (!office) throw new NotFoundError('office');
  authorize(actor, 'office.read', { accountId: account.id, officeId: office.id }, 'office');
  return { account, office };
}

export async function getOffice(deps: Deps, actor: Actor, accountKey: string, officeId: string): Promise<Office> {
  return (await loadOffice(deps, actor, accountKey, officeId)).office;
}

async function checkAgainstStore(deps: Deps, accountId: string, office: NormalisedOffice, exceptId?: string): Promise<void> {
  const db = deps.database.db;
  const errors: FieldError[] = [];
  if (office.defaultOutboundNumber && !(await numbers.findByE164(db, accountId, office.defaultOutboundNumber))) {
    errors.push({ field: 'defaultOutboundNumber', reason: "is not one of this account's numbers" });
  }
  if (!(await isHoldMusicRef(deps, accountId, office.onHoldMusic))) {
    errors.push({ field: 'onHoldMusic', reason: "must be 'default' or the id of a hold music track in this account's media library" });
  }
  assertValid(errors);
  if (await repo.nameTaken(db, accountId, office.nameKey, exceptId)) throw new ConflictError('name', 'another office already has this name');
}

/** 409 on 'country' when the account's extensions would clash with the new country's emergency numbers. */
async function refuseEmergencyClash(deps: Deps, accountId: string, accountCountry: string, country: string): Promise<void> {
  const db = deps.database.db;
  const clash = emergencyClash(await usedExtensions(db, accountId), country, [accountCountry, ...(await repo.countries(db, accountId))]);
  if (clash) throw new ConflictError('country', clash);
}

export async function createOffice(deps: Deps, actor: Actor, accountKey: string, input: OfficeCreate): Promise<Office> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'office.write', { accountId: account.id, officeId: null }, 'office');
  if (actor.kind === 'user' && actor.scope !== 'office_manager') throw new AppError(403, 'forbidden', 'only an Office Manager may add offices');
  const { office, errors } = validateOffice({ ...input, country: input.country ?? account.country });
  assertValid(errors);
  await checkAgainstStore(deps, account.id, office);
  await refuseEmergencyClash(deps, account.id, account.country, office.country);
  const now = nowIso();
  const created = await repo.insert(deps.database.db, {
    id: newId(),
    account_id: account.id,
    name: office.name,
    name_key: office.nameKey,
    country: office.country,
    timezone: office.timezone,
    area_code: office.areaCode,
    default_outbound_number: office.defaultOutboundNumber,
    on_hold_music: office.onHoldMusic,
    created_at: now,
    updated_at: now,
  });
  await emit(deps, actor, 'office.created', account.id, created.id, undefined, created);
  return created;
}

export async function updateOffice(deps: Deps, actor: Actor, accountKey: string, officeId: string, input: OfficeUpdate): Promise<Office> {
  const { account, office: before } = await loadOffice(deps, actor, accountKey, officeId);
  authorize(actor, 'office.write', { accountId: before.accountId, officeId: before.id }, 'office');
  const merged = { ...before, ...input };
  const { office, errors } = validateOffice({ ...merged, country: merged.country, name: merged.name, timezone: merged.timezone });
  assertValid(errors);
  await checkAgainstStore(deps, before.accountId, office, before.id);
  if (office.country !== before.country) await refuseEmergencyClash(deps, account.id, account.country, office.country);
  await repo.update(deps.database.db, before.accountId, before.id, {
    name: office.name,
    name_key: office.nameKey,
    country: office.country,
    timezone: office.timezone,
    area_code: office.areaCode,
    default_outbound_number: office.defaultOutboundNumber,
    on_hold_music: office.onHoldMusic,
    updated_at: nowIso(),
  });
  const after = (await repo.findById(deps.database.db, before.accountId, before.id))!;
  await emit(deps, actor, 'office.updated', after.accountId, after.id, before, after);
  return after;
}

export async function deleteOffice(deps: Deps, actor: Actor, accountKey: string, officeId: string): Promise<void> {
  const office = await getOffice(deps, actor, accountKey, officeId);
  authorize(actor, 'office.write', { accountId: office.accountId, officeId: office.id }, 'office');
  const usage = await officeUsage(deps.database.db, office.accountId, office.id);
  if (usage.length) throw new InUseError('office', usage);
  await repo.remove(deps.database.db, office.accountId, office.id);
  await emit(deps, actor, 'office.deleted', office.accountId, office.id, office, undefined);
}
