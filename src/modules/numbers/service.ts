import { AppError, ConflictError, NotFoundError, assertValid } from '../../shared/errors.ts';
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
  const found = await repo.findByE164(db, account.id, e164);
  if (!found) throw new NotFoundError('number');
  const usage = await repo.usage(db, account.id, e164);
  if (usage.length) throw new AppError(409, 'in_use', `number is in use: ${usage.join('; ')}`, usage.map((u) => ({ field: 'usage', reason: u })));
  await repo.remove(db, account.id, found.id);
  await emit(deps, actor, 'number.deleted', account.id, found.id, found, undefined);
}
