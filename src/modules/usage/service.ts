import type { UsageItem } from '../../shared/errors.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { authorize, type Actor } from '../../shared/permissions.ts';
import type { Deps } from '../../shared/deps.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as offices from '../offices/repository.ts';
import { officeUsage } from './repository.ts';

export async function getOfficeUsage(deps: Deps, actor: Actor, accountKey: string, officeId: string): Promise<{ items: UsageItem[] }> {
  const account = await resolveAccount(deps, actor, accountKey);
  const office = await offices.findById(deps.database.db, account.id, officeId);
  if (!office) throw new NotFoundError('office');
  authorize(actor, 'office.read', { accountId: account.id, officeId: office.id }, 'office');
  return { items: await officeUsage(deps.database.db, account.id, office.id) };
}
