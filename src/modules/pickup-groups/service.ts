import { ConflictError, InUseError, NotFoundError, assertValid, type FieldError } from '../../shared/errors.ts';
import type { Actor } from '../../shared/permissions.ts';
import { authorizeGroupRead, authorizeGroupWrite } from '../../shared/group-access.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import type { Conn } from '../../db/database.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as repo from './repository.ts';
import { checkGroupName, normaliseGroupName } from './rules.ts';
import type { PickupGroup, PickupGroupCreate, PickupGroupUpdate } from './schema.ts';

async function checkMembers(conn: Conn, accountId: string, ids: string[] | undefined, errors: FieldError[]): Promise<void> {
  if (!ids?.length) return;
  const found = await conn.selectFrom('users').select('id').where('account_id', '=', accountId).where('id', 'in', ids).execute();
  const known = new Set(found.map((r) => r.id));
  ids.forEach((id, i) => {
    if (!known.has(id)) errors.push({ field: `members.${i}`, reason: 'no such user in this account' });
  });
}

export async function listPickupGroups(deps: Deps, actor: Actor, accountKey: string, opts: { limit: number; offset: number }) {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupRead(actor, account.id, 'pickup group');
  return repo.list(deps.database.db, account.id, opts);
}

export async function getPickupGroup(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<PickupGroup> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupRead(actor, account.id, 'pickup group');
  const g = await repo.findById(deps.database.db, account.id, id);
  if (!g) throw new NotFoundError('pickup group');
  return g;
}

export async function createPickupGroup(deps: Deps, actor: Actor, accountKey: string, input: PickupGroupCreate): Promise<PickupGroup> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'pickup group');
  const errors: FieldError[] = [];
  const bad = checkGroupName(input.name);
  if (bad) errors.push(bad);
  const db = deps.database.db;
  await checkMembers(db, account.id, input.members, errors);
  assertValid(errors);
  const { name, key } = normaliseGroupName(input.name);
  const id = newId();
  await db.transaction().execute(async (tx) => {
    if (await repo.nameTaken(tx, account.id, key)) throw new ConflictError('name', 'another pickup group already has this name');
    const now = nowIso();
    await repo.insert(tx, { id, account_id: account.id, name, name_key: key, created_at: now, updated_at: now });
    if (input.members?.length) await repo.setMembers(tx, account.id, id, input.members);
  });
  const created = (await repo.findById(db, account.id, id))!;
  await emit(deps, actor, 'pickup_group.created', account.id, id, undefined, created);
  return created;
}

export async function updatePickupGroup(deps: Deps, actor: Actor, accountKey: string, id: string, input: PickupGroupUpdate): Promise<PickupGroup> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'pickup group');
  const db = deps.database.db;
  const before = await repo.findById(db, account.id, id);
  if (!before) throw new NotFoundError('pickup group');
  const errors: FieldError[] = [];
  if (input.name !== undefined) {
    const bad = checkGroupName(input.name);
    if (bad) errors.push(bad);
  }
  await checkMembers(db, account.id, input.members, errors);
  assertValid(errors);
  await db.transaction().execute(async (tx) => {
    if (input.name !== undefined) {
      const { name, key } = normaliseGroupName(input.name);
      if (await repo.nameTaken(tx, account.id, key, id)) throw new ConflictError('name', 'another pickup group already has this name');
      await repo.update(tx, account.id, id, { name, name_key: key, updated_at: nowIso() });
    }
    if (input.members) {
      await repo.setMembers(tx, account.id, id, input.members);
      await repo.update(tx, account.id, id, { updated_at: nowIso() });
    }
  });
  const after = (await repo.findById(db, account.id, id))!;
  await emit(deps, actor, 'pickup_group.updated', account.id, id, before, after);
  return after;
}

/** Refused while the group has members (Usage lists them); empty it first. */
export async function deletePickupGroup(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<void> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'pickup group');
  const db = deps.database.db;
  const g = await repo.findById(db, account.id, id);
  if (!g) throw new NotFoundError('pickup group');
  if (g.members.length) {
    throw new InUseError(
      'pickup group',
      g.members.map((m) => ({ kind: 'user', id: m.userId, name: `${m.extension} ${m.displayName}`, description: `member ${m.extension} (${m.displayName})`, removal: 'manual' as const })),
    );
  }
  await repo.remove(db, account.id, id);
  await emit(deps, actor, 'pickup_group.deleted', account.id, id, g, undefined);
}
