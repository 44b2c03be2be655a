/**
 * Fixed-window counters behind one interface: in memory (one process: SQLite) or in the store's `rate_limits`
 * table (migration 0120), so every API node of one PostgreSQL store counts the same login failures, reset
 * requests and provisioning strikes (issue 17). A window starts at the first hit of a key and lasts windowMs.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import type { Database } from '../db/database.ts';

export interface RateWindow {
  count: number;
  /** When the window ends, ms since the epoch. */
  resetAt: number;
}

export interface RateCounter {
  /** The key's current window, or null when it has none (or it ended). */
  peek(key: string, now: number): Promise<RateWindow | null>;
  /** Counts one hit: a new window when none is running. */
  hit(key: string, windowMs: number, now: number): Promise<RateWindow>;
  reset(key: string): Promise<void>;
  /** Keys whose running window has reached `min` hits, under a prefix (for a node's local copy of the blocked set). */
  atLeast(prefix: string, min: number, now: number): Promise<Array<{ key: string } & RateWindow>>;
}

export function memoryRateCounter(maxKeys = 50_000): RateCounter {
  const windows = new Map<string, RateWindow>();
  const sweep = (now: number) => {
    for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
  };
  return {
    async peek(key, now) {
      const w = windows.get(key);
      return w && w.resetAt > now ? { ...w } : null;
    },
    async hit(key, windowMs, now) {
      const w = windows.get(key);
      if (!w || w.resetAt <= now) {
        if (windows.size >= maxKeys) sweep(now);
        windows.set(key, { count: 1, resetAt: now + windowMs });
      } else w.count++;
      return { ...windows.get(key)! };
    },
    async reset(key) {
      windows.delete(key);
    },
    async atLeast(prefix, min, now) {
      const out: Array<{ key: string } & RateWindow> = [];
      for (const [key, w] of windows) if (key.startsWith(prefix) && w.resetAt > now && w.count >= min) out.push({ key, ...w });
      return out;
    },
  };
}

/** Counters in the store: one upsert per hit (atomic on both stores), expired rows swept now and then. */
export function storeRateCounter(db: Kysely<DB>): RateCounter {
  let writes = 0;
  return {
    async peek(key, now) {
      const r = await db.selectFrom('rate_limits').select(['count', 'reset_at']).where('key', '=', key).where('reset_at', '>', now).executeTakeFirst();
      return r ? { count: Number(r.count), resetAt: Number(r.reset_at) } : null;
    },
    async hit(key, windowMs, now) {
      const r = await db
        .insertInto('rate_limits')
        .values({ key, count: 1, reset_at: now + windowMs })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`case when rate_limits.reset_at <= ${now} then 1 else rate_limits.count + 1 end`,
            reset_at: sql<number>`case when rate_limits.reset_at <= ${now} then ${now + windowMs} else rate_limits.reset_at end`,
          }),
        )
        .returning(['count', 'reset_at'])
        .executeTakeFirstOrThrow();
      if (++writes % 200 === 0) await db.deleteFrom('rate_limits').where('reset_at', '<=', now).execute();
      return { count: Number(r.count), resetAt: Number(r.reset_at) };
    },
    async reset(key) {
      await db.deleteFrom('rate_limits').where('key', '=', key).execute();
    },
    async atLeast(prefix, min, now) {
      const rows = await db
        .selectFrom('rate_limits')
        .select(['key', 'count', 'reset_at'])
        .where(sql<boolean>`substr(key, 1, ${prefix.length}) = ${prefix}`)
        .where('reset_at', '>', now)
        .where('count', '>=', min)
        .limit(100_000)
        .execute();
      return rows.map((r) => ({ key: r.key, count: Number(r.count), resetAt: Number(r.reset_at) }));
    },
  };
}

/** Shared in the store when several nodes may serve it (PostgreSQL); in memory for SQLite's single process. */
export function rateCounterFor(database: Database): RateCounter {
  return database.dialect === 'postgres' ? storeRateCounter(database.db) : memoryRateCounter();
}
