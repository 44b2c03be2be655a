import type { Database } from '../db/database.ts';
import type { EventBus } from './events.ts';
import type { Actor } from './permissions.ts';
import { actorLabel } from './permissions.ts';
import { nowIso } from './ids.ts';
import { currentSource } from './request-context.ts';

/** What every service needs: the store and the event bus (side effects subscribe to it). */
export interface Deps {
  database: Database;
  events: EventBus;
}

export function emit(deps: Deps, actor: Actor, type: string, accountId: string, resourceId: string, before?: unknown, after?: unknown): Promise<void> {
  const actorRef = { kind: actor.kind, id: actor.id, role: actor.kind === 'user' ? actor.scope : actor.kind };
  return deps.events.publish({ type, accountId, resourceId, actor: actorLabel(actor), actorRef, source: currentSource(), before, after, at: nowIso() });
}
