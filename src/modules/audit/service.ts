import { stringify } from 'csv-stringify/sync';
import { ForbiddenError, assertValid, type FieldError } from '../../shared/errors.ts';
import { authorize, type Actor } from '../../shared/permissions.ts';
import type { Deps } from '../../shared/deps.ts';
import type { DomainEvent } from '../../shared/events.ts';
import { newId } from '../../shared/ids.ts';
import { findAccount, resolveAccount } from '../accounts/service.ts';
import * as repo from './repository.ts';
import { csvSafe, diff, redact, splitEventType } from './rules.ts';
import type { AuditEntry, AuditQuery } from './schema.ts';

let counter = 0;
/** A sortable, unique key: the time, then a per-process counter, then randomness across processes. */
function seq(at: string): string {
  counter = (counter + 1) % 1e8;
  return `${at}#${String(counter).padStart(8, '0')}${newId().slice(0, 4)}`;
}

/** Turns a domain event into an audit row: secrets redacted, updates reduced to what changed. */
export function entryFor(e: DomainEvent) {
  const { resource, action } = splitEventType(e.type);
  const changed = e.before !== undefined && e.after !== undefined ? diff(e.before, e.after) : { before: e.before, after: e.after };
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(redact(v)));
  return {
    id: newId(),
    seq: seq(e.at),
    at: e.at,
    account_id: e.accountId || null,
    actor_kind: e.actorRef?.kind ?? 'unknown',
    actor_id: e.actorRef?.id ?? e.actor,
    actor_label: e.actor,
    actor_role: e.actorRef?.role ?? 'unknown',
    action,
    resource,
    resource_id: e.resourceId,
    source: e.source ?? null,
    before: json(changed.before),
    after: json(changed.after),
  };
}

/** Every published change lands in the audit log (a failed write is reported by the bus, never undoes the change). */
export function subscribeAudit(deps: Deps): () => void {
  return deps.events.subscribe((e) => repo.insert(deps.database.db, entryFor(e)));
}

function checkQuery(q: AuditQuery): void {
  const errors: FieldError[] = [];
  for (const f of ['since', 'until'] as const) if (q[f] && Number.isNaN(Date.parse(q[f]!))) errors.push({ field: f, reason: 'must be an ISO 8601 date or time' });
  assertValid(errors);
}

/** An Office Manager reads their account's log; the provider reads any account's. */
export async function listAccountAudit(deps: Deps, actor: Actor, accountKey: string, q: AuditQuery): Promise<{ items: AuditEntry[]; next?: string }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorize(actor, 'audit.read', { accountId: account.id }, 'audit log');
  checkQuery(q);
  return repo.list(deps.database.db, { ...q, accountId: account.id });
}

/** The provider's view across accounts (optionally one account). */
export async function listAllAudit(deps: Deps, actor: Actor, q: AuditQuery): Promise<{ items: AuditEntry[]; next?: string }> {
  if (actor.kind === 'user') throw new ForbiddenError('only the provider reads the audit log across accounts');
  checkQuery(q);
  const accountId = q.account ? (await findAccount(deps, q.account)).id : undefined;
  return repo.list(deps.database.db, { ...q, accountId });
}

export const CSV_COLUMNS = ['at', 'accountId', 'actorKind', 'actorId', 'actor', 'role', 'resource', 'action', 'resourceId', 'source', 'before', 'after'];

export function toCsv(items: AuditEntry[]): string {
  const rows = items.map((e) =>
    [e.at, e.accountId ?? '', e.actor.kind, e.actor.id, e.actor.label, e.actor.role, e.resource, e.action, e.resourceId, e.source ?? '', e.before === null ? '' : JSON.stringify(e.before), e.after === null ? '' : JSON.stringify(e.after)].map((v) =>
      csvSafe(String(v)),
    ),
  );
  return stringify([CSV_COLUMNS, ...rows]);
}
