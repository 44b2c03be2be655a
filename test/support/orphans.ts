import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';

/**
 * Walks EVERY table of the store and checks each `<thing>_id` column (and numbers.user_id, which has no
 * FK) points at an existing row of `<thing>s`. Returns one line per orphan; fails loudly on an `_id`
 * column it cannot map, so a new table cannot slip past.
 */
/** Columns ending in _id that are flags or external identifiers, not references. */
const NOT_REFERENCES = new Set(['hide_caller_id']);
/** History, not references: the audit log names actors and resources that may since have been deleted, on purpose. */
const HISTORY_TABLES = new Set(['audit_log']);
/** Kamailio's own tables in the store (presence, migration 0402): SIP state keyed by SIP identifiers, not Switchboard rows. */
const KAMAILIO_TABLES = new Set(['kamailio_version', 'presentity', 'active_watchers', 'watchers', 'pua']);

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
      const base = c.name.slice(0, -3);
      const target = ROLE_REFERENCES[`${t.name}.${c.name}`] ?? [`${base}s`, `${base}es`, base].find((n) => names.has(n));
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
