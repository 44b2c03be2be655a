import { ConflictError, InUseError, NotFoundError, assertValid, type FieldError } from '../../shared/errors.ts';
import type { Actor } from '../../shared/permissions.ts';
import { authorizeGroupRead, authorizeGroupWrite } from '../../shared/group-access.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { uniqueViolation, type Conn } from '../../db/database.ts';
import { resolveAccount } from '../accounts/service.ts';
import { extensionContext, fixExtensionLength } from '../users/service.ts';
import * as users from '../users/repository.ts';
import { divertsTo, ringGroupUsage } from '../usage/repository.ts';
import * as repo from './repository.ts';
import { applyChange, planChange, type ChangePlan } from '../extension-change/repository.ts';
import { announceChange } from '../extension-change/events.ts';
import { DEFAULT_GROUP_RING_TIME, checkFallbackTarget, fallbackNeedsUser, validateRingGroup } from './rules.ts';
import type { RingGroup, RingGroupCreate, RingGroupFallback, RingGroupUpdate } from './schema.ts';

async function checkMembers(conn: Conn, accountId: string, ids: string[] | undefined, errors: FieldError[]): Promise<void> {
  if (!ids?.length) return;
  const found = await conn.selectFrom('users').select('id').where('account_id', '=', accountId).where('id', 'in', ids).execute();
  const known = new Set(found.map((r) => r.id));
  ids.forEach((id, i) => {
    if (!known.has(id)) errors.push({ field: `members.${i}`, reason: 'no such user in this account' });
  });
}

/** The fallback user must be a user of this account (422 naming fallback.userId otherwise). */
async function checkFallback(conn: Conn, accountId: string, f: RingGroupFallback | undefined, errors: FieldError[]): Promise<void> {
  if (!f || !fallbackNeedsUser(f.kind) || !f.userId) return;
  const row = await conn.selectFrom('users').select(['id', 'vm_enabled']).where('account_id', '=', accountId).where('id', '=', f.userId).executeTakeFirst();
  errors.push(...checkFallbackTarget(f, row ? { vmEnabled: Number(row.vm_enabled) === 1 } : null));
}

function fallbackColumns(f: RingGroupFallback): { fallback_kind: string; fallback_user_id: string | null } {
  return { fallback_kind: f.kind, fallback_user_id: fallbackNeedsUser(f.kind) ? (f.userId ?? null) : null };
}

function conflict(err: unknown): never {
  const which = uniqueViolation(err);
  if (which?.includes('ext')) throw new ConflictError('extension', 'is already taken in this account');
  if (which?.includes('name')) throw new ConflictError('name', 'another ring group already has this name');
  throw err;
}

export async function listRingGroups(deps: Deps, actor: Actor, accountKey: string, opts: { limit: number; offset: number }) {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupRead(actor, account.id, 'ring group');
  return repo.list(deps.database.db, account.id, opts);
}

export async function getRingGroup(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<RingGroup> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupRead(actor, account.id, 'ring group');
  const g = await repo.findById(deps.database.db, account.id, id);
  if (!g) throw new NotFoundError('ring group');
  return g;
}

export async function createRingGroup(deps: Deps, actor: Actor, accountKey: string, input: RingGroupCreate): Promise<RingGroup> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'ring group');
  const db = deps.database.db;
  const id = newId();
  await db
    .transaction()
    .execute(async (tx) => {
      const errors = validateRingGroup(input, await extensionContext(tx, account));
      await checkMembers(tx, account.id, input.members, errors);
      await checkFallback(tx, account.id, input.fallback, errors);
      assertValid(errors);
      const extension = input.extension.trim();
      const name = input.name.trim();
      if (await users.extensionTaken(tx, account.id, extension)) throw new ConflictError('extension', 'is already taken in this account');
      if (await repo.nameTaken(tx, account.id, name.toLowerCase())) throw new ConflictError('name', 'another ring group already has this name');
      await fixExtensionLength(tx, account, extension);
      const now = nowIso();
      await repo.insert(tx, {
        id,
        account_id: account.id,
        name,
        name_key: name.toLowerCase(),
        extension,
        strategy: input.strategy ?? 'simultaneous',
        ring_time: input.ringTime ?? DEFAULT_GROUP_RING_TIME,
        ...fallbackColumns(input.fallback ?? { kind: 'none' }),
        created_at: now,
        updated_at: now,
      });
      await repo.setMembers(tx, account.id, id, input.members ?? []);
    })
    .catch(conflict);
  const created = (await repo.findById(db, account.id, id))!;
  await emit(deps, actor, 'ring_group.created', account.id, id, undefined, created);
  return created;
}

export async function updateRingGroup(deps: Deps, actor: Actor, accountKey: string, id: string, input: RingGroupUpdate): Promise<RingGroup> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'ring group');
  const db = deps.database.db;
  const before = await repo.findById(db, account.id, id);
  if (!before) throw new NotFoundError('ring group');
  let extensionPlan: ChangePlan | null = null;
  await db
    .transaction()
    .execute(async (tx) => {
      const changed = input.extension !== undefined && input.extension.trim() !== before.extension;
      const errors = validateRingGroup(changed ? input : { ...input, extension: undefined }, await extensionContext(tx, account));
      await checkMembers(tx, account.id, input.members, errors);
      await checkFallback(tx, account.id, input.fallback, errors);
      assertValid(errors);
      if (changed && (await users.extensionTaken(tx, account.id, input.extension!.trim()))) throw new ConflictError('extension', 'is already taken in this account');
      const name = input.name?.trim();
      if (name && (await repo.nameTaken(tx, account.id, name.toLowerCase(), id))) throw new ConflictError('name', 'another ring group already has this name');
      await repo.update(tx, account.id, id, {
        ...(name && { name, name_key: name.toLowerCase() }),
        ...(changed && { extension: input.extension!.trim() }),
        ...(input.strategy && { strategy: input.strategy }),
        ...(input.ringTime !== undefined && { ring_time: input.ringTime }),
        ...(input.fallback && fallbackColumns(input.fallback)),
        updated_at: nowIso(),
      });
      if (input.members) await repo.setMembers(tx, account.id, id, input.members);
      // diversions to the group, offices' Day/Night destinations and handsets' keys follow the new extension
      if (changed) {
        extensionPlan = await planChange(tx, account.id, { kind: 'ring_group', id }, before.extension, input.extension!.trim());
        await applyChange(tx, account.id, extensionPlan, nowIso());
      }
    })
    .catch(conflict);
  const after = (await repo.findById(db, account.id, id))!;
  await emit(deps, actor, 'ring_group.updated', account.id, id, before, after);
  const plan = extensionPlan as ChangePlan | null;
  if (plan) await announceChange(deps, actor, account.id, { kind: 'ring_group', id }, before.extension, after.extension, plan);
  return after;
}

/**
 * Refused while a user's diversion, an office's Day/Night destination or a direct number points at the group
 * (Usage lists them). Members go with the group.
 */
export async function deleteRingGroup(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<void> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'ring group');
  const db = deps.database.db;
  const g = await repo.findById(db, account.id, id);
  if (!g) throw new NotFoundError('ring group');
  const usage = [...(await divertsTo(db, account.id, g.extension)), ...(await ringGroupUsage(db, account.id, g))];
  if (usage.length) throw new InUseError('ring group', usage);
  await db.transaction().execute((tx) => repo.remove(tx, account.id, id));
  await emit(deps, actor, 'ring_group.deleted', account.id, id, g, undefined);
}
