import { NotFoundError } from '../../shared/errors.ts';
import { authorize, type Actor } from '../../shared/permissions.ts';
import type { Deps } from '../../shared/deps.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as users from '../users/repository.ts';
import * as repo from './repository.ts';
import type { CallFlowDocument } from './rules.ts';

/** The user's basic call flow as stored (generated from their settings; read-only through the API). */
export async function getUserCallFlow(deps: Deps, actor: Actor, accountKey: string, userId: string): Promise<{ id: string; userId: string; document: CallFlowDocument; updatedAt: string }> {
  const account = await resolveAccount(deps, actor, accountKey);
  const db = deps.database.db;
  const user = await users.findRow(db, account.id, userId);
  if (!user) throw new NotFoundError('user');
  authorize(actor, 'user.read', { accountId: account.id, officeId: user.office_id, userId: user.id }, 'user');
  const flow = await repo.findForUser(db, account.id, user.id);
  if (!flow) throw new NotFoundError('call flow');
  return { id: flow.id, userId: user.id, document: flow.document, updatedAt: flow.updatedAt };
}
