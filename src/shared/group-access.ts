import { authorize, type Actor } from './permissions.ts';

/**
 * Account-wide call-routing resources (pickup groups, ring groups, number assignment, Apply Changes) reuse
 * the user actions: reading needs 'user.read' beyond self (Site Manager, Supervisor, Office Manager);
 * changing needs 'user.update' with account reach (Office Manager) — they span offices.
 */
export function authorizeGroupRead(actor: Actor, accountId: string, resource: string): void {
  authorize(actor, 'user.read', { accountId, officeId: actor.kind === 'user' ? (actor.officeIds[0] ?? null) : null }, resource);
}

export function authorizeGroupWrite(actor: Actor, accountId: string, resource: string): void {
  authorize(actor, 'user.update', { accountId, officeId: null }, resource);
}
