/**
 * Extension change use cases: the preview (what a change will rewrite, what follows, what blocks it) and what
 * happens after the owner's update committed (one audited event; handsets whose keys changed resync).
 * The rewrite itself runs inside the owner's update transaction (users/service.ts updateUser,
 * ring-groups/service.ts updateRingGroup): planChange + applyChange.
 */
import { ForbiddenError, NotFoundError, type FieldError } from '../../shared/errors.ts';
import { PERMISSION_MATRIX, assertMayManage, authorize, type Actor } from '../../shared/permissions.ts';
import { authorizeGroupWrite } from '../../shared/group-access.ts';
import type { Deps } from '../../shared/deps.ts';
import type { Conn } from '../../db/database.ts';
import type { Account } from '../accounts/schema.ts';
import { resolveAccount } from '../accounts/service.ts';
import { checkExtension } from '../users/rules.ts';
import { extensionContext } from '../users/service.ts';
import * as users from '../users/repository.ts';
import { planChange, type ChangePlan, type Owner } from './repository.ts';
import type { ExtensionChangePreview } from './schema.ts';

async function blockersFor(conn: Conn, account: Account, owner: Owner, from: string, to: string): Promise<FieldError[]> {
  if (to === from) return [{ field: 'to', reason: 'is the current extension' }];
  const r = checkExtension(to, await extensionContext(conn, account));
  if (r) return [{ field: 'extension', reason: r }];
  if (await users.extensionTaken(conn, account.id, to, owner.kind === 'user' ? owner.id : undefined)) return [{ field: 'extension', reason: 'is already taken in this account' }];
  return [];
}

function toPreview(from: string, to: string, plan: ChangePlan, blockers: FieldError[]): ExtensionChangePreview {
  return { from, to, allowed: blockers.length === 0, changes: plan.items, blockers, devicesToResync: plan.devices.length };
}

export async function previewUserExtensionChange(deps: Deps, actor: Actor, accountKey: string, userId: string, to: string): Promise<ExtensionChangePreview> {
  const account = await resolveAccount(deps, actor, accountKey);
  const db = deps.database.db;
  const row = await users.findRow(db, account.id, userId);
  if (!row) throw new NotFoundError('user');
  authorize(actor, 'user.update', { accountId: account.id, officeId: row.office_id, userId: row.id }, 'user');
  if (actor.kind === 'user' && PERMISSION_MATRIX[actor.scope]['user.update'] === 'self') throw new ForbiddenError('you may change only your voicemail and call features, not: extension');
  assertMayManage(actor, row);
  const owner: Owner = { kind: 'user', id: row.id };
  const target = to.trim();
  const blockers = await blockersFor(db, account, owner, row.extension, target);
  return toPreview(row.extension, target, await planChange(db, account.id, owner, row.extension, target), blockers);
}

export async function previewRingGroupExtensionChange(deps: Deps, actor: Actor, accountKey: string, groupId: string, to: string): Promise<ExtensionChangePreview> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'ring group');
  const db = deps.database.db;
  const g = await db.selectFrom('ring_groups').select(['id', 'extension']).where('account_id', '=', account.id).where('id', '=', groupId).executeTakeFirst();
  if (!g) throw new NotFoundError('ring group');
  const owner: Owner = { kind: 'ring_group', id: g.id };
  const target = to.trim();
  const blockers = await blockersFor(db, account, owner, g.extension, target);
  return toPreview(g.extension, target, await planChange(db, account.id, owner, g.extension, target), blockers);
}
