import { AppError, ConflictError, ForbiddenError, InUseError, NotFoundError, assertValid, type FieldError, type UsageItem } from '../../shared/errors.ts';
import { PERMISSION_MATRIX, SCOPES, assertMayManage, authorize, officeLimit, type Actor, type Scope } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso, randomSecret } from '../../shared/ids.ts';
import { toInt } from '../../shared/bool.ts';
import { uniqueViolation, type Conn } from '../../db/database.ts';
import type { UsersTable } from '../../db/types.ts';
import { toE164 } from '../../shared/phone.ts';
import type { Account } from '../accounts/schema.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as offices from '../offices/repository.ts';
import type { Office } from '../offices/schema.ts';
import * as numbers from '../numbers/repository.ts';
import * as repo from './repository.ts';
import * as pickupGroups from '../pickup-groups/repository.ts';
import * as callFlows from '../call-flows/repository.ts';
import { applyChange, planChange, type ChangePlan } from '../extension-change/repository.ts';
import { announceChange } from '../extension-change/events.ts';
import * as devices from '../devices/repository.ts';
import { blockingItems, purgeUsers, usersUsage } from '../usage/repository.ts';
import { authorizeGroupWrite } from '../../shared/group-access.ts';
import { passwordErrors } from '../auth/rules.ts';
import { hashPassword } from '../auth/passwords.ts';
import {
  DEFAULT_APPS,
  DEFAULT_FEATURES,
  DEFAULT_RING_TIME,
  DEFAULT_SECURITY,
  defaultsFor,
  checkExtension,
  deriveDisplayName,
  mergeDeep,
  nextAvailableExtension,
  normaliseEmail,
  normaliseFeatures,
  validateUserFields,
  type ExtensionContext,
} from './rules.ts';
import type { Features, User, UserCreate, UserUpdate, UserWithSecret } from './schema.ts';

export const SIP_PASSWORD_LENGTH = 20;
const newSipPassword = () => randomSecret(SIP_PASSWORD_LENGTH);
const newSipUsername = () => `u${randomSecret(11, 'abcdefghijkmnpqrstuvwxyz23456789')}`;

/** Fields a person may change on their own record when their scope reaches only 'self' (seed 004 Basic User). */
const SELF_EDITABLE = new Set(['voicemail', 'features']);

/** A portal user may not hand out a scope above their own. */
function checkScopeGrant(actor: Actor, scope: Scope | undefined): void {
  if (!scope || actor.kind !== 'user') return;
  if (SCOPES.indexOf(scope) > SCOPES.indexOf(actor.scope)) throw new ForbiddenError('you may not give a user a scope above your own');
}

export async function extensionContext(conn: Conn, account: Account): Promise<ExtensionContext> {
  const countries = new Set([account.country, ...(await offices.countries(conn, account.id))]);
  return { length: account.extensionLength, countries: [...countries] };
}

async function loadOffice(conn: Conn, accountId: string, officeId: string): Promise<Office> {
  const office = await offices.findById(conn, accountId, officeId);
  if (!office) throw new AppError(422, 'validation_failed', 'officeId: no such office in this account', [{ field: 'officeId', reason: 'no such office in this account' }]);
  return office;
}

async function checkOutbound(conn: Conn, accountId: string, raw: string | null | undefined, country: string, errors: FieldError[]): Promise<string | null> {
  if (!raw) return null;
  const p = toE164(raw, country);
  if (!p.ok) {
    errors.push({ field: 'outboundNumber', reason: p.reason });
    return null;
  }
  if (!(await numbers.findByE164(conn, accountId, p.e164))) errors.push({ field: 'outboundNumber', reason: "is not one of this account's numbers" });
  return p.e164;
}

/**
 * Naming a pickup group that does not exist yet creates it (seed 000: 'Pickup Group' is typed on the user).
 * Groups span offices, so only who may change groups (an Office Manager, the provider) may create one this
 * way; others get a field error. Returns the name to announce as created once the write has committed.
 */
async function groupToCreate(conn: Conn, actor: Actor, accountId: string, name: string | null | undefined): Promise<string | null> {
  if (!name?.trim() || (await pickupGroups.findByName(conn, accountId, name))) return null;
  try {
    authorizeGroupWrite(actor, accountId, 'pickup group');
  } catch {
    assertValid([{ field: 'pickupGroup', reason: 'no such pickup group in this PBX (only an Office Manager can create one)' }]);
  }
  return name;
}

/** The audit and event trail of a pickup group created through a user's 'Pickup Group' field. */
async function announceGroup(deps: Deps, actor: Actor, accountId: string, name: string | null): Promise<void> {
  if (!name) return;
  const g = await pickupGroups.findByName(deps.database.db, accountId, name);
  if (g) await emit(deps, actor, 'pickup_group.created', accountId, g.id, undefined, { id: g.id, name: g.name });
}

/** Writes the account's extension length on its first user; refuses a clash with a concurrent first user. */
export async function fixExtensionLength(conn: Conn, account: Account, extension: string): Promise<void> {
  if (account.extensionLength) return;
  const len = extension.length;
  await conn.updateTable('accounts').set({ extension_length: len }).where('id', '=', account.id).where('extension_length', 'is', null).execute();
  const now = await conn.selectFrom('accounts').select('extension_length').where('id', '=', account.id).executeTakeFirstOrThrow();
  if (now.extension_length !== len) {
    throw new AppError(422, 'validation_failed', `extension: must be ${now.extension_length} digits`, [
      { field: 'extension', reason: `must be ${now.extension_length} digits: this PBX uses ${now.extension_length}-digit extensions and lengths cannot be mixed` },
    ]);
  }
}

function conflictFromUnique(err: unknown): never {
  const which = uniqueViolation(err);
  if (which?.includes('email')) throw new ConflictError('email', 'is already used by another user in this account');
  if (which?.includes('ext')) throw new ConflictError('extension', 'is already taken in this account');
  throw err;
}

/** A taken extension and a taken email are reported together (one 409 naming both fields), not on separate Saves. */
async function assertUnique(conn: Conn, accountId: string, v: { extension: string | null; email: string | null }, exceptId?: string): Promise<void> {
  const fields: FieldError[] = [];
  if (v.extension && (await repo.extensionTaken(conn, accountId, v.extension, exceptId))) fields.push({ field: 'extension', reason: 'is already taken in this account' });
  if (v.email && (await repo.emailTaken(conn, accountId, v.email, exceptId))) fields.push({ field: 'email', reason: 'is already used by another user in this account' });
  if (fields.length) throw new AppError(409, 'conflict', fields.map((f) => `${f.field}: ${f.reason}`).join('; '), fields);
}

/** Of the internal extensions the features divert to, those that exist in the account (users and ring groups). */
async function existingExtensions(conn: Conn, accountId: string, f: Features): Promise<Set<string>> {
  const wanted = [f.divertAll, f.divertNoAnswer, f.divertBusy].map((d) => d.destination?.trim() ?? '').filter((d) => /^[0-9]{3,4}$/.test(d));
  if (!wanted.length) return new Set();
  const rows = await conn.selectFrom('numbering_plan').select('extension').where('account_id', '=', accountId).where('extension', 'in', wanted).execute();
  return new Set(rows.map((r) => r.extension));
}

/**
 * Runs a create; when the server chose the extension (the client gave none) and a concurrent create took it
 * first, picks again (the loser sees the winner's row once it commits) — a client never gets a conflict for an
 * extension it did not choose. A client-chosen extension is never changed.
 */
export async function insertWithServerExtension<T>(insert: () => Promise<T>, serverChosen: boolean, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await insert();
    } catch (err) {
      const taken = err instanceof AppError && err.status === 409 ? err.fields.some((f) => f.field === 'extension') : uniqueViolation(err)?.includes('ext');
      if (!serverChosen || !taken || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5 * i)));
    }
  }
}

export async function nextExtension(deps: Deps, actor: Actor, accountKey: string, preferredLength?: 3 | 4): Promise<{ extension: string | null; length: 3 | 4 }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'user.read', { accountId: account.id, officeId: actor.kind === 'user' ? actor.officeIds[0] ?? null : null }, 'user');
  const db = deps.database.db;
  const ctx = await extensionContext(db, account);
  const extension = nextAvailableExtension(await repo.usedExtensions(db, account.id), ctx, preferredLength);
  return { extension, length: ctx.length ?? preferredLength ?? 3 };
}

/**
 * Builds a complete user row from input (create) after every rule has passed. Used by the service and
 * by bulk paths (import, demo seed, benchmarks) that validate the same way.
 */
export async function prepareNewUser(conn: Conn, account: Account, input: UserCreate, ctxCache?: { ext?: ExtensionContext; used?: Set<string> }, extraErrors: FieldError[] = []): Promise<UsersTable> {
  const office = await loadOffice(conn, account.id, input.officeId);
  const extCtx = ctxCache?.ext ?? (await extensionContext(conn, account));
  const errors: FieldError[] = [...extraErrors];
  let extension = input.extension?.trim();
  if (!extension) {
    const used = ctxCache?.used ?? (await repo.usedExtensions(conn, account.id));
    extension = nextAvailableExtension(used, extCtx) ?? undefined;
    if (!extension) errors.push({ field: 'extension', reason: 'no free extension is left in this PBX' });
  } else {
    const r = checkExtension(extension, extCtx);
    if (r) errors.push({ field: 'extension', reason: r });
  }
  errors.push(...validateUserFields(input, extension));
  const outbound = await checkOutbound(conn, account.id, input.outboundNumber, office.country, errors);
  const mergedFeatures = mergeDeep(DEFAULT_FEATURES, input.features);
  const features = normaliseFeatures(mergedFeatures, {
    extensionLength: extCtx.length,
    country: office.country,
    ownExtension: extension ?? '',
    areaCode: office.areaCode,
    enabledCalls: mergeDeep(DEFAULT_SECURITY, input.security).enabledCalls,
    // one create (API): a diversion must point at an existing extension; bulk paths (import) check their own
    ...(!ctxCache && { existingExtensions: await existingExtensions(conn, account.id, mergedFeatures) }),
  });
  errors.push(...features.errors);
  assertValid(errors);
  const email = normaliseEmail(input.email);
  const vm = input.voicemail ?? {};
  const now = nowIso();
  const firstName = input.firstName.trim();
  const lastName = (input.lastName ?? '').trim();
  return {
    id: newId(),
    account_id: account.id,
    office_id: office.id,
    extension: extension!,
    first_name: firstName,
    last_name: lastName,
    display_name: deriveDisplayName(firstName, lastName, input.displayName),
    email,
    alt_email: normaliseEmail(input.altEmail),
    department: input.department?.trim() || null,
    user_type: input.userType ?? 'native',
    scope: input.scope ?? defaultsFor(input.userType).scope,
    include_in_directory: toInt(input.includeInDirectory ?? true),
    ring_time: input.ringTime ?? DEFAULT_RING_TIME,
    pickup_group_id: input.pickupGroup?.trim() ? await pickupGroups.resolveOrCreate(conn, account.id, input.pickupGroup) : null,
    outbound_number: outbound,
    hide_caller_id: toInt(input.hideCallerId ?? false),
    sip_username: newSipUsername(),
    sip_password: newSipPassword(),
    behind_firewall: toInt(input.behindFirewall ?? true),
    enabled: toInt(input.enabled ?? true),
    vm_enabled: toInt(vm.enabled ?? defaultsFor(input.userType).voicemail),
    vm_pin: vm.pin || null,
    vm_email_delivery: toInt(vm.emailDelivery ?? false),
    vm_email: normaliseEmail(vm.email),
    vm_delete_after_email: toInt(vm.deleteAfterEmail ?? false),
    vm_keep_on_server: toInt(vm.keepOnServer ?? true),
    features: JSON.stringify(features.value),
    security: JSON.stringify(mergeDeep(DEFAULT_SECURITY, input.security)),
    apps: JSON.stringify(mergeDeep(DEFAULT_APPS, input.apps)),
    portal_password_hash: null,
    created_at: now,
    updated_at: now,
  };
}

export async function createUser(deps: Deps, actor: Actor, accountKey: string, input: UserCreate): Promise<UserWithSecret> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'user.create', { accountId: account.id, officeId: input.officeId }, 'user');
  checkScopeGrant(actor, input.scope);
  const newGroup = await groupToCreate(deps.database.db, actor, account.id, input.pickupGroup);
  // 'New Password' (seeds 003/004): optional; whoever may set this user's password may give one at creation.
  let passwordHash: string | null = null;
  const passwordProblems: FieldError[] = [];
  if (input.password !== undefined) {
    authorize(actor, 'user.password', { accountId: account.id, officeId: input.officeId }, 'user');
    passwordProblems.push(...passwordErrors(input.password, { email: normaliseEmail(input.email), accountCode: account.code, extension: input.extension, firstName: input.firstName, lastName: input.lastName }));
    if (!passwordProblems.length) passwordHash = await hashPassword(input.password);
  }
  const serverChosen = !input.extension?.trim();
  const insertOnce = () =>
    deps.database.db.transaction().execute(async (tx) => {
      // The server picks the extension: creates that pick one in this account take turns (the account row's
      // lock on PostgreSQL; SQLite has one writer), so each sees the previous one's extension as used.
      if (serverChosen && deps.database.dialect === 'postgres') await tx.selectFrom('accounts').select('id').where('id', '=', account.id).forUpdate().execute();
      const row = await prepareNewUser(tx, account, input, undefined, passwordProblems);
      row.portal_password_hash = passwordHash;
      // Ring groups share the extension space: checked here for a clear answer, and enforced by the
      // numbering plan's unique key (migration 0204) when a concurrent create gets there first; a taken email
      // is caught by its unique index (conflictFromUnique names the field).
      await assertUnique(tx, account.id, { extension: row.extension, email: row.email });
      await fixExtensionLength(tx, account, row.extension);
      await repo.insert(tx, row);
      await callFlows.syncForUsers(tx, account.id, [row]);
      return row;
    });
  const row = await insertWithServerExtension(insertOnce, serverChosen).catch(conflictFromUnique);
  const user = await repo.toUserFull(deps.database.db, row);
  await announceGroup(deps, actor, account.id, newGroup);
  await emit(deps, actor, 'user.created', account.id, user.id, undefined, user);
  return { ...user, sipPassword: row.sip_password };
}

async function loadUser(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<{ account: Account; row: repo.UserRow }> {
  const account = await resolveAccount(deps, actor, accountKey);
  const row = await repo.findRow(deps.database.db, account.id, userId);
  if (!row) throw new NotFoundError('user');
  return { account, row };
}

export async function getUser(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<User> {
  const { account, row } = await loadUser(deps, actor, accountKey, userId);
  authorize(actor, 'user.read', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  return repo.toUserFull(deps.database.db, row);
}

/** The list's `sort` and `order` as given in the query: anything but the listed values is a 422 naming the field. */
export function checkSort(sort: string | undefined, order: string | undefined): { sort?: repo.UserSort; order?: repo.SortOrder } {
  const errors: FieldError[] = [];
  if (sort !== undefined && !(repo.USER_SORTS as readonly string[]).includes(sort)) errors.push({ field: 'sort', reason: `must be one of ${repo.USER_SORTS.join(', ')}` });
  if (order !== undefined && !(repo.SORT_ORDERS as readonly string[]).includes(order)) errors.push({ field: 'order', reason: `must be one of ${repo.SORT_ORDERS.join(', ')}` });
  assertValid(errors);
  return { sort: sort as repo.UserSort | undefined, order: order as repo.SortOrder | undefined };
}

export async function listUsers(
  deps: Deps,
  actor: Actor,
  accountKey: string,
  query: Omit<repo.UserFilter, 'officeIds' | 'sort' | 'order'> & { officeId?: string; sort?: string; order?: string },
): Promise<{ items: User[]; total?: number; next?: string }> {
  const { sort, order, ...given } = query;
  const filter = { ...given, ...checkSort(sort, order) };
  const account = await resolveAccount(deps, actor, accountKey);
  if (actor.kind === 'user' && PERMISSION_MATRIX[actor.scope]['user.read'] === 'self') {
    // Self-only scopes see exactly their own record.
    const row = await repo.findRow(deps.database.db, account.id, actor.id);
    return { items: row ? [await repo.toUserFull(deps.database.db, row)] : [], total: row ? 1 : 0 };
  }
  authorize(actor, 'user.read', { accountId: account.id, officeId: filter.officeId ?? (actor.kind === 'user' ? actor.officeIds[0] ?? null : null) }, 'user');
  // An office of another account (or none at all) is not found, not an empty office.
  if (filter.officeId && !(await offices.findById(deps.database.db, account.id, filter.officeId))) throw new NotFoundError('office');
  const limit = officeLimit(actor, 'user.read');
  let officeIds = filter.officeId ? [filter.officeId] : undefined;
  if (limit) officeIds = officeIds ? officeIds.filter((o) => limit.includes(o)) : limit;
  const { officeId: _o, ...rest } = filter;
  return repo.list(deps.database.db, deps.database.dialect, account.id, { ...rest, officeIds });
}

export async function updateUser(deps: Deps, actor: Actor, accountKey: string, userId: string, input: UserUpdate): Promise<User> {
  const { account, row: beforeRow } = await loadUser(deps, actor, accountKey, userId);
  const target = { accountId: account.id, officeId: beforeRow.office_id, userId: beforeRow.id };
  authorize(actor, 'user.update', target, 'user');
  assertMayManage(actor, beforeRow);
  if (actor.kind === 'user' && PERMISSION_MATRIX[actor.scope]['user.update'] === 'self') {
    const denied = Object.keys(input).filter((k) => !SELF_EDITABLE.has(k));
    if (denied.length) throw new ForbiddenError(`you may change only your voicemail and call features, not: ${denied.join(', ')}`);
  }
  if (input.officeId && input.officeId !== beforeRow.office_id) authorize(actor, 'user.update', { ...target, officeId: input.officeId, userId: undefined }, 'user');
  checkScopeGrant(actor, input.scope);
  if (actor.kind === 'user' && actor.id === beforeRow.id && input.scope && input.scope !== beforeRow.scope) throw new ForbiddenError('you may not change your own scope');
  const before = await repo.toUserFull(deps.database.db, beforeRow);
  const newGroup = input.pickupGroup !== undefined ? await groupToCreate(deps.database.db, actor, account.id, input.pickupGroup) : null;
  let extensionPlan: ChangePlan | null = null;
  await deps.database.db
    .transaction()
    .execute(async (tx) => {
      const office = await loadOffice(tx, account.id, input.officeId ?? beforeRow.office_id);
      const extCtx = await extensionContext(tx, account);
      const errors: FieldError[] = [];
      const extension = input.extension?.trim() ?? beforeRow.extension;
      if (extension !== beforeRow.extension) {
        const r = checkExtension(extension, extCtx);
        if (r) errors.push({ field: 'extension', reason: r });
      }
      errors.push(...validateUserFields(input, extension));
      const outbound = input.outboundNumber !== undefined ? await checkOutbound(tx, account.id, input.outboundNumber, office.country, errors) : beforeRow.outbound_number;
      const mergedFeatures = mergeDeep(before.features, input.features);
      // Destinations are checked against the user's call permissions and the numbering plan when the features
      // or the permissions change (an unrelated edit never fails on a diversion saved earlier).
      const recheck = input.features !== undefined || input.security !== undefined;
      const features = normaliseFeatures(mergedFeatures, {
        extensionLength: extCtx.length,
        country: office.country,
        ownExtension: extension,
        ...(recheck && {
          areaCode: office.areaCode,
          enabledCalls: mergeDeep(before.security, input.security).enabledCalls,
          existingExtensions: await existingExtensions(tx, account.id, mergedFeatures),
        }),
      });
      errors.push(...features.errors);
      if (input.userType === 'call_routing' && beforeRow.user_type !== 'call_routing') {
        // Seed 004: a call-routing user 'will not have hardware attached'.
        const handsets = await devices.idsOfUser(tx, account.id, beforeRow.id);
        if (handsets.length) errors.push({ field: 'userType', reason: `a call-routing user has no handsets: remove or reassign this user's ${handsets.length} handset${handsets.length > 1 ? 's' : ''} first` });
      }
      assertValid(errors);
      const email = input.email !== undefined ? normaliseEmail(input.email) : beforeRow.email;
      await assertUnique(tx, account.id, { extension: extension !== beforeRow.extension ? extension : null, email: email !== beforeRow.email ? email : null }, beforeRow.id);
      const firstName = input.firstName?.trim() ?? beforeRow.first_name;
      const lastName = input.lastName?.trim() ?? beforeRow.last_name;
      const nameChanged = input.firstName !== undefined || input.lastName !== undefined;
      const vm = input.voicemail ?? {};
      const patch: Partial<UsersTable> = {
        office_id: office.id,
        extension,
        first_name: firstName,
        last_name: lastName,
        display_name:
          input.displayName !== undefined
            ? deriveDisplayName(firstName, lastName, input.displayName)
            : nameChanged && beforeRow.display_name === deriveDisplayName(beforeRow.first_name, beforeRow.last_name)
              ? deriveDisplayName(firstName, lastName)
              : beforeRow.display_name,
        email,
        ...(input.altEmail !== undefined && { alt_email: normaliseEmail(input.altEmail) }),
        ...(input.department !== undefined && { department: input.department?.trim() || null }),
        ...(input.userType !== undefined && { user_type: input.userType }),
        ...(input.scope !== undefined && { scope: input.scope }),
        ...(input.includeInDirectory !== undefined && { include_in_directory: toInt(input.includeInDirectory) }),
        ...(input.ringTime !== undefined && { ring_time: input.ringTime }),
        ...(input.pickupGroup !== undefined && { pickup_group_id: input.pickupGroup?.trim() ? await pickupGroups.resolveOrCreate(tx, account.id, input.pickupGroup) : null }),
        outbound_number: outbound,
        ...(input.hideCallerId !== undefined && { hide_caller_id: toInt(input.hideCallerId) }),
        ...(input.behindFirewall !== undefined && { behind_firewall: toInt(input.behindFirewall) }),
        ...(input.enabled !== undefined && { enabled: toInt(input.enabled) }),
        ...(vm.enabled !== undefined && { vm_enabled: toInt(vm.enabled) }),
        ...(vm.pin !== undefined && { vm_pin: vm.pin || null }),
        ...(vm.emailDelivery !== undefined && { vm_email_delivery: toInt(vm.emailDelivery) }),
        ...(vm.email !== undefined && { vm_email: normaliseEmail(vm.email) }),
        ...(vm.deleteAfterEmail !== undefined && { vm_delete_after_email: toInt(vm.deleteAfterEmail) }),
        ...(vm.keepOnServer !== undefined && { vm_keep_on_server: toInt(vm.keepOnServer) }),
        features: JSON.stringify(features.value),
        security: JSON.stringify(mergeDeep(before.security, input.security)),
        apps: JSON.stringify(mergeDeep(before.apps, input.apps)),
        updated_at: nowIso(),
      };
      await repo.update(tx, account.id, beforeRow.id, patch);
      // seed 002: the extension is linked to everything that points at it — other users' diversions, offices'
      // Day/Night destinations, handsets' busy lamp and speed-dial keys change with it, in this transaction
      if (extension !== beforeRow.extension) {
        extensionPlan = await planChange(tx, account.id, { kind: 'user', id: beforeRow.id }, beforeRow.extension, extension);
        await applyChange(tx, account.id, extensionPlan, patch.updated_at!);
      }
      await callFlows.syncForUserIds(tx, account.id, [beforeRow.id]);
    })
    .catch(conflictFromUnique);
  const after = await repo.toUserFull(deps.database.db, (await repo.findRow(deps.database.db, account.id, beforeRow.id))!);
  await announceGroup(deps, actor, account.id, newGroup);
  await emit(deps, actor, 'user.updated', account.id, after.id, before, after);
  const plan = extensionPlan as ChangePlan | null;
  if (plan) await announceChange(deps, actor, account.id, { kind: 'user', id: after.id }, beforeRow.extension, after.extension, plan);
  // A PIN is never in the event: changing one PIN for another leaves before/after equal ('pinSet'), so the
  // change is recorded as its own action (who, when), the way a SIP password regeneration is.
  if (input.voicemail?.pin !== undefined) await emit(deps, actor, input.voicemail.pin ? 'user.voicemail_pin_set' : 'user.voicemail_pin_cleared', account.id, after.id, undefined, undefined);
  return after;
}

export async function regenerateSipPassword(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<UserWithSecret> {
  const { account, row } = await loadUser(deps, actor, accountKey, userId);
  authorize(actor, 'user.credentials', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  assertMayManage(actor, row);
  const sipPassword = newSipPassword();
  await repo.update(deps.database.db, account.id, row.id, { sip_password: sipPassword, updated_at: nowIso() });
  const user = await repo.toUserFull(deps.database.db, (await repo.findRow(deps.database.db, account.id, row.id))!);
  await emit(deps, actor, 'user.sip_password_regenerated', account.id, user.id, undefined, undefined);
  return { ...user, sipPassword };
}

/** Seed 000 'Usage': every place the user is configured, and what a delete would do with it. */
export async function getUserUsage(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<{ items: UsageItem[] }> {
  const { account, row } = await loadUser(deps, actor, accountKey, userId);
  authorize(actor, 'user.read', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  const usage = await usersUsage(deps.database.db, account.id, [row.id]);
  return { items: usage.get(row.id) ?? [] };
}

/**
 * Delete User. Refused (409 in_use, with the Usage list) while anything refers to the user; with
 * cascade the user's devices go too and their direct numbers return to spare (seed 002), all in one
 * transaction. Ring group memberships and other users' diversions must be changed first.
 */
export async function deleteUser(deps: Deps, actor: Actor, accountKey: string, userId: string, opts: { cascade?: boolean } = {}): Promise<void> {
  const { account, row } = await loadUser(deps, actor, accountKey, userId);
  authorize(actor, 'user.delete', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  assertMayManage(actor, row);
  if (actor.kind === 'user' && actor.id === row.id) throw new ForbiddenError('you may not delete yourself');
  const db = deps.database.db;
  const before = await repo.toUserFull(db, row);
  await db.transaction().execute(async (tx) => {
    const usage = (await usersUsage(tx, account.id, [row.id])).get(row.id) ?? [];
    if (blockingItems(usage, !!opts.cascade).length) throw new InUseError('user', usage);
    await purgeUsers(tx, account.id, [row.id]);
  });
  await emit(deps, actor, 'user.deleted', account.id, row.id, before, { cascade: !!opts.cascade });
}
