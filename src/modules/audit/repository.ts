import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import type { AuditLogTable } from '../../db/types.ts';
import type { AuditEntry } from './schema.ts';

export type AuditRow = Selectable<AuditLogTable>;

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    accountId: r.account_id,
    actor: { kind: r.actor_kind, id: r.actor_id, label: r.actor_label, role: r.actor_role },
    action: r.action,
    resource: r.resource,
    resourceId: r.resource_id,
    source: r.source,
    before: parse(r.before),
    after: parse(r.after),
  };
}

export async function insert(conn: Conn, row: AuditLogTable): Promise<void> {
  await conn.insertInto('audit_log').values(row).execute();
}

export interface AuditFilter {
  /** undefined: every account (provider view). */
  accountId?: string;
  resource?: string;
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
  after?: string;
  limit: number;
}

/** Newest first, keyset-paginated on seq. */
export async function list(conn: Conn, f: AuditFilter): Promise<{ items: AuditEntry[]; next?: string }> {
  let q = conn.selectFrom('audit_log').selectAll();
  if (f.accountId !== undefined) q = q.where('account_id', '=', f.accountId);
  if (f.resource) q = q.where('resource', '=', f.resource);
  if (f.action) {
    const a = f.action;
    const dot = a.indexOf('.');
    q = dot > 0 ? q.where('resource', '=', a.slice(0, dot)).where('action', '=', a.slice(dot + 1)) : q.where('action', '=', a);
  }
  if (f.actor) {
    const needle = `%${f.actor.toLowerCase()}%`;
    const actor = f.actor;
    q = q.where((eb) => eb.or([eb('actor_id', '=', actor), eb(eb.fn('lower', ['actor_label']), 'like', needle)]));
  }
  if (f.since) q = q.where('at', '>=', new Date(f.since).toISOString());
  if (f.until) q = q.where('at', '<', new Date(f.until).toISOString());
  if (f.after) q = q.where('seq', '<', f.after);
  const rows = await q.orderBy('seq', 'desc').limit(f.limit + 1).execute();
  const more = rows.length > f.limit;
  const page = rows.slice(0, f.limit);
  return { items: page.map(toEntry), ...(more && { next: page[page.length - 1]!.seq }) };
}
