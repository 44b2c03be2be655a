import { ConflictError, InUseError, NotFoundError, assertValid, type UsageItem } from '../../shared/errors.ts';
import { numberUsage } from '../usage/repository.ts';
import * as users from '../users/repository.ts';
import { toE164 } from '../../shared/phone.ts';
import { authorize, type Actor } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as repo from './repository.ts';
import { validateNumberCreate } from './rules.ts';
import type { NumberCreate, PhoneNumber } from './schema.ts';

export async function listNumbers(deps: Deps, actor: Actor, accountKey: string, opts: { status?: 'spare' | 'assigned'; limit: number; offset: number }) {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'number.read', { accountId: account.id }, 'number');
  return repo.list(deps.database.db, account.id, opts);
}

export async function addNumber(deps: Deps, actor: Actor, accountKey: string, input: NumberCreate): Promise<PhoneNumber> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'number.write', { accountId: account.id }, 'number');
  const { e164, errors } = validateNumberCreate(input, account.country);
  assertValid(errors);
  const db = deps.database.db;
  // A number belongs to one account only; the message names no other tenant.
  if (await repo.existsAnywhere(db, e164!)) throw new ConflictError('number', 'is already in use and cannot be added');
  const created = await repo.insert(db, { id: newId(), account_id: account.id, e164: e164!, label: input.label?.trim() || null, user_id: null, created_at: nowIso() });
  await emit(deps, actor, 'number.created', account.id, created.id, undefined, created);
  return created;
}

export async function removeNumber(deps: Deps, actor: Actor, accountKey: string, e164: string): Promise<void> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'number.write', { accountId: account.id }, 'number');
  const db = deps.database.db;
  const found = await loadNumber(deps, account.id, account.country, e164);
  const usage = await numberUsage(db, account.id, found.e164);
  if (usage.length) throw new InUseError('number', usage);
  await repo.remove(db, account.id, found.id);
  await emit(deps, actor, 'number.deleted', account.id, found.id, found, undefined);
}

/** Path values may be E.164 ('+61...', URL-encoded or not) or national form in the account's country. */
async function loadNumber(deps: Deps, accountId: string, country: string, raw: string): Promise<PhoneNumber> {
  const p = toE164(raw, country);
  const e164 = p.ok ? p.e164 : raw;
  const found = await repo.findByE164(deps.database.db, accountId, e164);
  if (!found) throw new NotFoundError('number');
  return found;
}

export async function getNumberUsage(deps: Deps, actor: Actor, accountKey: string, e164: string): Promise<{ items: UsageItem[] }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'number.read', { accountId: account.id }, 'number');
  const n = await loadNumber(deps, account.id, account.country, e164);
  return { items: await numberUsage(deps.database.db, account.id, n.e164) };
}

/**
 * 'Add from Spare Numbers' (seed 002): the number must be spare and the user — or the ring group (a DDI that
 * rings the group) — in the same account. Exactly one of userId / ringGroupId.
 */
export async function assignNumber(deps: Deps, actor: Actor, accountKey: string, e164: string, target: { userId?: string; ringGroupId?: string }): Promise<PhoneNumber> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'number.write', { accountId: account.id }, 'number');
  const db = deps.database.db;
  const n = await loadNumber(deps, account.id, account.country, e164);
  const { userId, ringGroupId } = target;
  if (!userId === !ringGroupId) assertValid([{ field: 'userId', reason: 'give exactly one of userId or ringGroupId' }]);
  if (userId && !(await users.findRow(db, account.id, userId))) assertValid([{ field: 'userId', reason: 'no such user in this account' }]);
  if (ringGroupId && !(await db.selectFrom('ring_groups').select('id').where('account_id', '=', account.id).where('id', '=', ringGroupId).executeTakeFirst())) {
    assertValid([{ field: 'ringGroupId', reason: 'no such ring group in this account' }]);
  }
  if ((userId && n.userId === userId) || (ringGroupId && n.ringGroupId === ringGroupId)) return n;
  if (n.userId || n.ringGroupId) throw new ConflictError('number', `is already assigned to another ${n.userId ? 'user' : 'ring group'}; un-assign it first`);
  // Conditional update: a concurrent assignment of the same spare number loses cleanly.
  const r = await db
    .updateTable('numbers')
    .set({ user_id: userId ?? null, ring_group_id: ringGroupId ?? null })
    .where('account_id', '=', account.id)
    .where('id', '=', n.id)
    .where('user_id', 'is', null)
    .where('ring_group_id', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new ConflictError('number', 'is already assigned; un-assign it first');
  const after = (await repo.findByE164(db, account.id, n.e164))!;
  await emit(deps, actor, 'number.assigned', account.id, n.id, n, after);
  return after;
}

/** 'Un-assign': the number goes back to the spare pool. */
export async function unassignNumber(deps: Deps, actor: Actor, accountKey: string, e164: string): Promise<PhoneNumber> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'number.write', { accountId: account.id }, 'number');
  const db = deps.database.db;
  const n = await loadNumber(deps, account.id, account.country, e164);
  if (!n.userId && !n.ringGroupId) return n;
  await db.updateTable('numbers').set({ user_id: null, ring_group_id: null }).where('account_id', '=', account.id).where('id', '=', n.id).execute();
  const after = (await repo.findByE164(db, account.id, n.e164))!;
  await emit(deps, actor, 'number.unassigned', account.id, n.id, n, after);
  return after;
}
