import { ConflictError, NotFoundError, assertValid, type FieldError } from '../../shared/errors.ts';
import { PERMISSION_MATRIX, SYSTEM_ACTOR, authorize, type Actor, type Target } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { uniqueViolation } from '../../db/database.ts';
import type { DevicesTable } from '../../db/types.ts';
import type { Page } from '../../shared/pagination.ts';
import type { Account } from '../accounts/schema.ts';
import { resolveAccount } from '../accounts/service.ts';
import { catalog, type Vendor } from '../provisioning/catalog.ts';
import type { DomainEvent } from '../../shared/events.ts';
import * as repo from './repository.ts';
import { latestVersion } from '../config/repository.ts';
import { checkLabel, checkLineKeys, checkMac, checkOverrides, checkOwnerType, formatMac, liveUserFieldsChanged, resolveModel, resyncScopeOfConfigEvent, unlockUntil, type ResyncScope } from './rules.ts';
import type { Device, DeviceCreate, DeviceUpdate } from './schema.ts';
import { recordOnlyNotifier, type DeviceNotifier } from './notifier.ts';
import { dropPendingLock } from '../provisioning/provisioned-log.ts';

export interface DeviceQuery {
  userId?: string;
  unassigned?: boolean;
  vendor?: string;
  mac?: string;
  limit: number;
  offset: number;
}

function targetOf(accountId: string, row: { user_id: string | null; owner_office_id: string | null }): Target {
  return { accountId, officeId: row.owner_office_id, ...(row.user_id && { userId: row.user_id }) };
}

async function load(deps: Deps, actor: Actor, accountKey: string, id: string, action: 'device.read' | 'device.write'): Promise<{ account: Account; row: repo.DeviceRowWithOwner }> {
  const account = await resolveAccount(deps, actor, accountKey);
  const row = await repo.findById(deps.database.db, account.id, id);
  if (!row) throw new NotFoundError('device');
  authorize(actor, action, targetOf(account.id, row), 'device');
  return { account, row };
}

async function ownerTarget(deps: Deps, accountId: string, userId: string | null | undefined, errors: FieldError[]): Promise<Target> {
  if (!userId) return { accountId, officeId: null };
  const u = await repo.findUser(deps.database.db, accountId, userId);
  if (!u) {
    errors.push({ field: 'userId', reason: 'no such user in this account' });
    return { accountId, officeId: null };
  }
  errors.push(...checkOwnerType(u.user_type));
  return { accountId, officeId: u.office_id, userId: u.id };
}

async function refuseTakenMac(deps: Deps, accountId: string, mac: string, exceptId?: string): Promise<void> {
  const owner = await repo.macOwner(deps.database.db, mac);
  if (!owner || owner.id === exceptId) return;
  // Another tenant's handset is never named: the caller learns only that the MAC is taken.
  if (owner.account_id === accountId) throw new ConflictError('mac', `${formatMac(mac)} is already registered to another handset in this account`);
  throw new ConflictError('mac', `${formatMac(mac)} is already registered on this platform; a handset can belong to one PBX only (ask your provider to release it)`);
}

function conflictFromUnique(err: unknown): never {
  if (uniqueViolation(err)) throw new ConflictError('mac', 'is already registered on this platform');
  throw err;
}

export async function listDevices(deps: Deps, actor: Actor, accountKey: string, q: DeviceQuery): Promise<Page<Device>> {
  const account = await resolveAccount(deps, actor, accountKey);
  const self = actor.kind === 'user' ? { userId: actor.id, officeId: actor.officeIds[0] ?? null } : { officeId: null };
  authorize(actor, 'device.read', { accountId: account.id, ...self }, 'device');
  const reach = actor.kind === 'user' ? PERMISSION_MATRIX[actor.scope]['device.read'] : 'account';
  return repo.list(deps.database.db, account.id, {
    ...q,
    ...(q.mac !== undefined && { mac: checkMac(q.mac).mac ?? q.mac }),
    ...(actor.kind === 'user' && reach === 'office' && { officeIds: actor.officeIds }),
    ...(actor.kind === 'user' && reach === 'self' && { ownerId: actor.id }),
  });
}

export async function getDevice(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<Device> {
  return repo.toDevice((await load(deps, actor, accountKey, id, 'device.read')).row);
}

export async function createDevice(deps: Deps, actor: Actor, accountKey: string, input: DeviceCreate): Promise<Device> {
  const account = await resolveAccount(deps, actor, accountKey);
  const errors: FieldError[] = [];
  const target = await ownerTarget(deps, account.id, input.userId, errors);
  authorize(actor, 'device.write', target, 'device');
  const cat = catalog();
  const m = checkMac(input.mac);
  if (m.reason) errors.push({ field: 'mac', reason: m.reason });
  const mac = m.mac ?? '';
  const model = input.model.trim().toLowerCase();
  const resolved = mac ? resolveModel(cat, mac, input.vendor, model) : { errors: [] as FieldError[], vendor: input.vendor };
  errors.push(...resolved.errors);
  const vendor = resolved.vendor as Vendor | undefined;
  const lineKeys = input.lineKeys ?? [];
  const modelT = vendor ? cat.vendors[vendor]?.models[model] : undefined;
  if (modelT) errors.push(...checkLineKeys(lineKeys, modelT.lineKeys, modelT.label));
  if (vendor && input.settings) errors.push(...checkOverrides(vendor, input.settings, 'settings'));
  errors.push(...checkLabel(input.label));
  assertValid(errors);
  await refuseTakenMac(deps, account.id, mac);
  const now = nowIso();
  const row: DevicesTable = {
    id: newId(),
    account_id: account.id,
    mac,
    vendor: vendor!,
    model,
    label: input.label?.trim() || null,
    user_id: target.userId ?? null,
    line_keys: JSON.stringify(lineKeys),
    settings: JSON.stringify(input.settings ?? {}),
    ...repo.NEW_DEVICE_STATE,
    created_at: now,
    updated_at: now,
  };
  await repo.insert(deps.database.db, row).catch(conflictFromUnique);
  const device = repo.toDevice((await repo.findById(deps.database.db, account.id, row.id))!);
  await emit(deps, actor, 'device.created', account.id, device.id, undefined, device);
  return device;
}

export async function updateDevice(deps: Deps, actor: Actor, accountKey: string, id: string, input: DeviceUpdate, notifier: DeviceNotifier = recordOnlyNotifier): Promise<Device> {
  const { account, row } = await load(deps, actor, accountKey, id, 'device.write');
  const before = repo.toDevice(row);
  const errors: FieldError[] = [];
  let userId = row.user_id;
  if (input.userId !== undefined && input.userId !== row.user_id) {
    const target = await ownerTarget(deps, account.id, input.userId, errors);
    assertValid(errors);
    authorize(actor, 'device.write', target, 'device');
    userId = target.userId ?? null;
  }
  const cat = catalog();
  let mac = row.mac;
  if (input.mac !== undefined) {
    const m = checkMac(input.mac);
    if (m.reason) errors.push({ field: 'mac', reason: m.reason });
    else mac = m.mac!;
  }
  const model = input.model !== undefined ? input.model.trim().toLowerCase() : row.model;
  const resolved = resolveModel(cat, mac, input.vendor ?? (input.mac !== undefined && input.model !== undefined ? undefined : row.vendor), model);
  errors.push(...resolved.errors);
  const vendor = resolved.vendor ?? (row.vendor as Vendor);
  const lineKeys = input.lineKeys ?? before.lineKeys;
  const modelT = cat.vendors[vendor]?.models[model];
  if (modelT) errors.push(...checkLineKeys(lineKeys, modelT.lineKeys, modelT.label));
  const settings = input.settings ?? before.settings;
  errors.push(...checkOverrides(vendor, settings, 'settings'));
  errors.push(...checkLabel(input.label));
  assertValid(errors);
  if (mac !== row.mac) await refuseTakenMac(deps, account.id, mac, row.id);
  if (mac !== row.mac) await dropPendingLock(row.id);
  const now = nowIso();
  await repo
    .update(deps.database.db, account.id, row.id, {
      mac,
      vendor,
      model,
      ...(input.label !== undefined && { label: input.label?.trim() || null }),
      user_id: userId,
      line_keys: JSON.stringify(lineKeys),
      settings: JSON.stringify(settings),
      // new hardware: the old lock means nothing
      ...(mac !== row.mac && { locked_ip: null, locked_at: null, unlocked_until: null }),
      updated_at: now,
    })
    .catch(conflictFromUnique);
  const after = repo.toDevice((await repo.findById(deps.database.db, account.id, row.id))!);
  await emit(deps, actor, 'device.updated', account.id, after.id, before, after);
  if (mac !== row.mac) return after;
  // After an apply the phone is served the applied snapshot: this save reaches it with the next apply, which
  // resyncs it then (the vendor is read live: a vendor change alters the file now).
  if (vendor === row.vendor && (await latestVersion(deps.database.db, account.id)) > 0) return after;
  // the phone's file changed: ask it to fetch it again
  await requestResync(deps, account.id, after, notifier);
  return repo.toDevice((await repo.findById(deps.database.db, account.id, row.id))!);
}

export async function deleteDevice(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<void> {
  const { account, row } = await load(deps, actor, accountKey, id, 'device.write');
  await repo.remove(deps.database.db, account.id, row.id);
  await emit(deps, actor, 'device.deleted', account.id, row.id, repo.toDevice(row), undefined);
}

/** Admin 'unlock for 24 h': the next phone to fetch this MAC's file (from any address) re-binds the lock. */
export async function unlockDevice(deps: Deps, actor: Actor, accountKey: string, id: string, now = new Date()): Promise<Device> {
  const { account, row } = await load(deps, actor, accountKey, id, 'device.write');
  await repo.update(deps.database.db, account.id, row.id, { unlocked_until: unlockUntil(now), updated_at: now.toISOString() });
  const after = repo.toDevice((await repo.findById(deps.database.db, account.id, row.id))!);
  await emit(deps, actor, 'device.unlocked', account.id, row.id, repo.toDevice(row).lock, after.lock);
  return after;
}

type DeviceKey = { id: string; mac: string; vendor: string };

async function checkSync(notifier: DeviceNotifier, accountId: string, device: DeviceKey): Promise<string> {
  try {
    return await notifier.sendCheckSync({ id: device.id, accountId, mac: device.mac, vendor: device.vendor });
  } catch (err) {
    return `failed: ${(err as Error).message}`.slice(0, 200);
  }
}

async function requestResync(deps: Deps, accountId: string, device: DeviceKey, notifier: DeviceNotifier): Promise<string> {
  const status = await checkSync(notifier, accountId, device);
  await repo.update(deps.database.db, accountId, device.id, { resync_requested_at: nowIso(), resync_status: status });
  return status;
}

/** Many handsets at once (an Apply Changes): one check-sync each, the store written per status in chunks. */
async function requestResyncMany(deps: Deps, accountId: string, devices: DeviceKey[], notifier: DeviceNotifier): Promise<void> {
  const byStatus = new Map<string, string[]>();
  for (const d of devices) {
    const status = await checkSync(notifier, accountId, d);
    const ids = byStatus.get(status);
    if (ids) ids.push(d.id);
    else byStatus.set(status, [d.id]);
  }
  const at = nowIso();
  for (const [status, ids] of byStatus) await repo.markResyncRequested(deps.database.db, accountId, ids, at, status);
}

/** Marks the handset for re-provisioning and asks it to check-sync (recorded until SIP integration exists). */
export async function resyncDevice(deps: Deps, actor: Actor, accountKey: string, id: string, notifier: DeviceNotifier = recordOnlyNotifier): Promise<Device> {
  const { account, row } = await load(deps, actor, accountKey, id, 'device.write');
  const status = await requestResync(deps, account.id, row, notifier);
  const after = repo.toDevice((await repo.findById(deps.database.db, account.id, row.id))!);
  await emit(deps, actor, 'device.resync_requested', account.id, row.id, undefined, { status });
  return after;
}

/**
 * Resync the handsets whose file a change altered. Subscribed to the event bus at start-up.
 *
 * - Account with no applied configuration (the file comes from the live tables): `user.updated`,
 *   `user.sip_password_regenerated` (the user's handsets) and `office.updated` (handsets of the office's
 *   users), as before.
 * - Account that has applied one (the file comes from the applied snapshot): a save changes nothing the
 *   phone gets, so `user.updated` and `office.updated` resync nothing — except a user's enabled flag, which
 *   the file reads live, like the SIP password (`user.sip_password_regenerated` always resyncs).
 *   `config.applied` resyncs what the new snapshot changed, `config.discarded` what the restore changed in
 *   the live fields (rules.ts `resyncScopeOfConfigEvent`).
 */
export function resyncOnChanges(deps: Deps, notifier: DeviceNotifier = recordOnlyNotifier): () => void {
  return deps.events.subscribe(async (e: DomainEvent) => {
    const db = deps.database.db;
    let devices: DeviceKey[];
    const configScope = resyncScopeOfConfigEvent(e.type, e.after);
    if (configScope) devices = await devicesInScope(deps, e.accountId, configScope);
    else if (e.type === 'user.sip_password_regenerated') devices = await repo.idsOfUser(db, e.accountId, e.resourceId);
    else if (e.type === 'user.extension_changed' || e.type === 'ring_group.extension_changed') {
      // busy lamp / speed-dial keys rewritten to the new extension: those handsets (live files only; an account
      // that applies gets them resynced at Apply Changes)
      if ((await latestVersion(db, e.accountId)) > 0) return;
      const ids = new Set((e.after as { deviceIds?: string[] } | undefined)?.deviceIds ?? []);
      devices = ids.size ? await devicesInScope(deps, e.accountId, { all: false, userIds: [], officeIds: [], deviceIds: [...ids] }) : [];
    }
    else if (e.type === 'user.updated') {
      if ((await latestVersion(db, e.accountId)) > 0 && !liveUserFieldsChanged(e.before, e.after)) return;
      devices = await repo.idsOfUser(db, e.accountId, e.resourceId);
    } else if (e.type === 'office.updated') {
      if ((await latestVersion(db, e.accountId)) > 0) return;
      devices = await repo.idsOfOffice(db, e.accountId, e.resourceId);
    } else return;
    if (!devices.length) return;
    await requestResyncMany(deps, e.accountId, devices, notifier);
    // the audit row names the handsets while that stays readable; an apply may touch thousands
    const resourceId = devices.length <= 50 ? devices.map((d) => d.id).join(',') : e.accountId;
    await emit(deps, SYSTEM_ACTOR, 'device.resync_requested', e.accountId, resourceId, undefined, { cause: e.type, count: devices.length });
  });
}

async function devicesInScope(deps: Deps, accountId: string, scope: ResyncScope): Promise<DeviceKey[]> {
  if (!scope.all && !scope.userIds.length && !scope.officeIds.length && !scope.deviceIds.length) return [];
  // one read of the account's handsets, filtered here: no parameter-count limits however big the change set
  const rows = await repo.resyncCandidates(deps.database.db, accountId);
  if (scope.all) return rows;
  const users = new Set(scope.userIds);
  const offices = new Set(scope.officeIds);
  const ids = new Set(scope.deviceIds);
  return rows.filter((d) => ids.has(d.id) || (d.user_id !== null && users.has(d.user_id)) || (d.office_id !== null && offices.has(d.office_id)));
}
