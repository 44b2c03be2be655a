import type { Actor } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import type { ChangePlan, Owner } from './repository.ts';

/**
 * After the owner's update committed: one audited event naming everything rewritten (the routing cache drops the
 * account's configuration on it), and the handsets whose keys changed are asked to resync (devices/service.ts
 * resyncOnChanges, on `*.extension_changed`).
 */
export async function announceChange(deps: Deps, actor: Actor, accountId: string, owner: Owner, from: string, to: string, plan: ChangePlan): Promise<void> {
  const rewritten = plan.items.filter((i) => i.effect === 'rewrite').map((i) => i.description);
  await emit(deps, actor, owner.kind === 'user' ? 'user.extension_changed' : 'ring_group.extension_changed', accountId, owner.id, { extension: from }, {
    extension: to,
    rewritten,
    userIds: plan.users.map((u) => u.id),
    officeIds: plan.offices.map((o) => o.id),
    deviceIds: plan.devices.map((d) => d.id),
  });
}
