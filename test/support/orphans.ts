import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';

/**
 * Walks EVERY table of the store and checks each `<thing>_id` column (and numbers.user_id, which has no
 * FK) points at an existing row of `<thing>s`. Returns one line per orphan; fails loudly on an `_id`
 * column it cannot map, so a new table cannot slip past.
 */
/** Columns ending in _id that are flags or external identifiers, not references. */
const NOT_REFERENCES = new Set(['hide_caller_id']);
/** References whose column name is not `<table>_id` (ring_groups.fallback_user_id, migration 0210). */
const NAMED_REFERENCES: Record<string, string> = { fallback_user_id: 'users' };
/**
 * History, not references: the audit log names actors and resources that may since have been deleted, on purpose;
 * call history and call recordings keep the parties (user, office) they had and outlive a deleted user.
 */
const HISTORY_TABLES = new Set(['audit_log', 'calls', 'recordings']);
/** Kamailio's own tables in the store (presence, migration 0402; usrloc, 0410): SIP state keyed by SIP identifiers, not Switchboard rows. */
const KAMAILIO_TABLES = new Set(['kamailio_version', 'presentity', 'active_watchers', 'watchers', 'pua', 'location', 'location_attrs']);

/** `_id` columns whose name is a role, not a table: the table they point at. */
const ROLE_REFERENCES: Record<string, string> = { 'callbacks.caller_user_id': 'users', 'callbacks.callee_user_id': 'users' };

export async function findOrphans(database: Database): Promise<string[]> {
  const all = (await database.db.introspection.getTables()).filter((t) => !t.name.startsWith('kysely_') && !t.isView);
  const names = new Set(all.map((t) => t.name));
  const tables = all.filter((t) => !HISTORY_TABLES.has(t.name) && !KAMAILIO_TABLES.has(t.name));
  const problems: string[] = [];
  for (const t of tables) {
    for (const c of t.columns) {
      if (!c.name.endsWith('_id') || c.name === 'id' || NOT_REFERENCES.has(c.name)) continue;
      if (t.name === 'numbering_plan' && c.name === 'owner_id') {
        // one owner per extension: a user or a ring group (owner_kind says which)
        const rows = await sql<{ n: number | string }>`select count(*) as n from numbering_plan x where not exists (select 1 from users u where x.owner_kind = 'user' and u.id = x.owner_id and u.extension = x.extension and u.account_id = x.account_id) and not exists (select 1 from ring_groups g where x.owner_kind = 'ring_group' and g.id = x.owner_id and g.extension = x.extension and g.account_id = x.account_id)`.execute(database.db);
        const n = Number(rows.rows[0]?.n ?? 0);
        if (n > 0) problems.push(`numbering_plan.owner_id: ${n} row(s) point at a missing owner or a stale extension`);
        continue;
      }
      const base = c.name.slice(0, -3);
      const target = NAMED_REFERENCES[c.name] ?? ROLE_REFERENCES[`${t.name}.${c.name}`] ?? [`${base}s`, `${base}es`, base].find((n) => names.has(n));
      if (!target) throw new Error(`findOrphans: cannot map ${t.name}.${c.name} to a table`);
      const rows = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t.name)} x where x.${sql.ref(c.name)} is not null and not exists (select 1 from ${sql.table(target)} y where y.id = x.${sql.ref(c.name)})`.execute(database.db);
      const n = Number(rows.rows[0]?.n ?? 0);
      if (n > 0) problems.push(`${t.name}.${c.name}: ${n} row(s) point at missing ${target}`);
    }
  }
  return problems;
}

/** Tables and their row counts (to show a walk covered them). */
export async function tableNames(database: Database): Promise<string[]> {
  return (await database.db.introspection.getTables()).filter((t) => !t.name.startsWith('kysely_') && !t.isView).map((t) => t.name);
}
