/**
 * Compiled-query reuse for hot paths. Kysely builds and compiles a query tree on every call; for a query
 * whose shape never changes (only its values), that work is done once per dialect: the builder runs with
 * marker values, the compiled SQL is kept, and each call only puts its arguments where the markers were.
 * With the SQLite statement cache (database.ts cachedStatements) the same SQL text also reuses its prepared
 * statement.
 *
 * Only for builders that pass every argument straight through as a single value (no branching on it, no
 * string operations on it, no arrays for IN-lists): building the template checks each marker appears.
 */
import type { CompiledQuery, Compilable } from 'kysely';
import type { Conn } from './database.ts';

class Marker {
  constructor(readonly slot: number) {}
}

interface Template {
  compiled: CompiledQuery;
  /** For each parameter: the argument index it takes, or -1 for a constant of the query. */
  slots: number[];
}

export function reusable<A extends unknown[], R>(build: (conn: Conn, ...args: A) => Compilable<R>): (conn: Conn, ...args: A) => Promise<R[]> {
  const templates = new Map<unknown, Template>();
  const template = (conn: Conn, arity: number): Template => {
    const key = conn.getExecutor().adapter.constructor;
    let t = templates.get(key);
    if (!t) {
      const markers = Array.from({ length: arity }, (_, i) => new Marker(i));
      const compiled = build(conn, ...(markers as unknown as A)).compile();
      const slots = compiled.parameters.map((p) => (p instanceof Marker ? p.slot : -1));
      for (let i = 0; i < arity; i++) if (!slots.includes(i)) throw new Error(`reusable query: argument ${i} is not a plain value of the query`);
      t = { compiled, slots };
      templates.set(key, t);
    }
    return t;
  };
  return async (conn, ...args) => {
    const t = template(conn, args.length);
    const params = t.slots.map((s, i) => (s < 0 ? t.compiled.parameters[i] : args[s]));
    const query: CompiledQuery<R> = { query: t.compiled.query, queryId: t.compiled.queryId, sql: t.compiled.sql, parameters: params };
    return (await conn.executeQuery(query)).rows;
  };
}

/** The first row (or undefined) of a reusable query. */
export function reusableFirst<A extends unknown[], R>(build: (conn: Conn, ...args: A) => Compilable<R>): (conn: Conn, ...args: A) => Promise<R | undefined> {
  const run = reusable(build);
  return async (conn, ...args) => (await run(conn, ...args))[0];
}

