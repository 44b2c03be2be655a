import { AppError, ConflictError, InUseError, NotFoundError, assertValid, type FieldError } from '../../shared/errors.ts';
import { authorize, officeLimit, type Actor } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import type { Page } from '../../shared/pagination.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as numbers from '../numbers/repository.ts';
import * as repo from './repository.ts';
import { officeUsage } from '../usage/repository.ts';
import { parseDestination, validateOffice, type NormalisedOffice } from './rules.ts';
import type { DayNightMode, Office, OfficeCreate, OfficeUpdate } from './schema.ts';
import type { Account } from '../accounts/schema.ts';
import { findRowByExtension, usedExtensions } from '../users/repository.ts';
import { SCOPES } from '../../shared/permissions.ts';
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

async function checkAgainstStore(deps: Deps, accountId: string, office: NormalisedOffice, exceptId?: string, before?: Office): Promise<void> {
  const db = deps.database.db;
  const errors: FieldError[] = [];
  if (office.defaultOutboundNumber && !(await numbers.findByE164(db, accountId, office.defaultOutboundNumber))) {
    errors.push({ field: 'defaultOutboundNumber', reason: "is not one of this account's numbers" });
  }
  if (!(await isHoldMusicRef(deps, accountId, office.onHoldMusic))) {
    errors.push({ field: 'onHoldMusic', reason: "must be 'default' or the id of a hold music track in this account's media library" });
  }
  for (const field of ['dayDestination', 'nightDestination'] as const) {
    // an unchanged destination that stopped working (its user's voicemail turned off…) does not block other edits
    if (before && before[field] === office[field]) continue;
    const reason = await destinationProblem(deps, accountId, office[field]);
    if (reason) errors.push({ field, reason });
  }
  assertValid(errors);
  if (await repo.nameTaken(db, accountId, office.nameKey, exceptId)) throw new ConflictError('name', 'another office already has this name');
}

/** Why a Day/Night destination cannot be used in this account (null: it can). */
async function destinationProblem(deps: Deps, accountId: string, raw: string): Promise<string | null> {
  const d = parseDestination(raw);
  if (!d || d.kind === 'busy' || d.kind === 'none') return null;
  const db = deps.database.db;
  const user = await findRowByExtension(db, accountId, d.extension);
  if (d.kind === 'voicemail') {
    if (!user) return `no user has extension ${d.extension} in this account`;
    return user.vm_enabled ? null : `voicemail is not enabled for extension ${d.extension}`;
  }
  if (user) return null;
  const group = await db.selectFrom('ring_groups').select('id').where('account_id', '=', accountId).where('extension', '=', d.extension).executeTakeFirst();
  return group ? null : `no user or ring group has extension ${d.extension} in this account`;
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
    day_night_mode: input.dayNightMode ?? 'day',
    day_destination: office.dayDestination,
    night_destination: office.nightDestination,
    created_at: now,
    updated_at: now,
  });
  await emit(deps, actor, 'office.created', account.id, created.id, undefined, created);
  return created;
}

export async function updateOffice(deps: Deps, actor: Actor, accountKey: string, officeId: string, input: OfficeUpdate): Promise<Office> {
  const { dayNightMode, ...rest } = input;
  let office = Object.keys(rest).length ? await updateOfficeSettings(deps, actor, accountKey, officeId, rest) : undefined;
  // the mode is an operational switch: set on its own (its own event, no handset resync, live at once)
  if (dayNightMode) office = await setDayNight(deps, actor, accountKey, officeId, dayNightMode);
  return office!;
}

async function updateOfficeSettings(deps: Deps, actor: Actor, accountKey: string, officeId: string, input: Omit<OfficeUpdate, 'dayNightMode'>): Promise<Office> {
  const { account, office: before } = await loadOffice(deps, actor, accountKey, officeId);
  authorize(actor, 'office.write', { accountId: before.accountId, officeId: before.id }, 'office');
  const merged = { ...before, ...input };
  const { office, errors } = validateOffice({ ...merged, country: merged.country, name: merged.name, timezone: merged.timezone });
  assertValid(errors);
  await checkAgainstStore(deps, before.accountId, office, before.id, before);
  if (office.country !== before.country) await refuseEmergencyClash(deps, account.id, account.country, office.country);
  await repo.update(deps.database.db, before.accountId, before.id, {
    name: office.name,
    name_key: office.nameKey,
    country: office.country,
    timezone: office.timezone,
    area_code: office.areaCode,
    default_outbound_number: office.defaultOutboundNumber,
    on_hold_music: office.onHoldMusic,
    day_destination: office.dayDestination,
    night_destination: office.nightDestination,
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

/**
 * Day/Night: sets the office's mode. An operational switch (a PBX's night button): it is live state, not
 * configuration — it takes effect on the next call without 'Apply Changes', is never a pending change and a
 * discard keeps it (config/rules.ts NOT_CONFIG). Audited as office.day_night_changed with the actor.
 */
export async function setDayNight(deps: Deps, actor: Actor, accountKey: string, officeId: string, mode: DayNightMode): Promise<Office> {
  const { office } = await loadOffice(deps, actor, accountKey, officeId);
  authorize(actor, 'office.write', { accountId: office.accountId, officeId: office.id }, 'office');
  return applyDayNight(deps, actor, office.accountId, office.id, mode);
}

async function applyDayNight(deps: Deps, actor: Actor, accountId: string, officeId: string, mode: DayNightMode): Promise<Office> {
  const was = await repo.setDayNightMode(deps.database.db, accountId, officeId, mode, nowIso());
  if (!was) throw new NotFoundError('office');
  const after = (await repo.findById(deps.database.db, accountId, officeId))!;
  if (was !== mode) await emit(deps, actor, 'office.day_night_changed', accountId, officeId, { dayNightMode: was }, { dayNightMode: mode });
  return after;
}

/**
 * *28 from a handset: the user (whose handset permission 'Toggle Day/Night mode' routing has checked) sets
 * their office's mode. The actor is that user, so the audit log names who pressed the key.
 */
export async function setDayNightFromHandset(deps: Deps, accountId: string, userId: string, officeId: string, mode: DayNightMode): Promise<Office> {
  const u = await deps.database.db.selectFrom('users').select(['id', 'extension', 'display_name', 'scope']).where('account_id', '=', accountId).where('id', '=', userId).executeTakeFirst();
  if (!u) throw new NotFoundError('user');
  const scope = (SCOPES as readonly string[]).includes(u.scope) ? (u.scope as (typeof SCOPES)[number]) : 'no_portal';
  const actor: Actor = { kind: 'user', id: u.id, accountId, scope, officeIds: [officeId], label: `${u.extension} ${u.display_name} (handset *28)` };
  return applyDayNight(deps, actor, accountId, officeId, mode);
}
