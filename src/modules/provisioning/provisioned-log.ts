/**
 * The provisioning log (devices.last_provisioned_* and the MAC lock binding), written in batches: a boot
 * storm of thousands of phones must not cost one synchronous UPDATE per fetch. Each fetch records its entry
 * in memory (a later fetch of the same handset replaces it); a flush writes every pending entry in one
 * transaction, at most FLUSH_DELAY_MS after the first one, at once when FLUSH_AT entries wait, and on close.
 *
 * Until written, pending entries are part of what this process reads: the phone server applies a pending
 * lock before its MAC-lock check, and devices/repository.toDevice shows pending values, so nobody — the
 * next phone, the admin API — can tell the write is deferred. A pending lock never undoes what an admin
 * did meanwhile: an unlock given after the fetch survives (the lock clears unlocked_until only if it is
 * still the value the fetch saw), and a MAC change drops the pending lock (dropPendingLock).
 */
import { sql } from 'kysely';
import type { Conn } from '../../db/database.ts';

export const FLUSH_DELAY_MS = 25;
export const FLUSH_AT = 500;

export interface ProvisionedEntry {
  accountId: string;
  deviceId: string;
  at: string;
  ip: string;
  userAgent: string | null;
  /** The fetch bound the MAC lock to its address; `seenUnlockedUntil` is the unlock window it consumed. */
  lock: { ip: string; at: string; seenUnlockedUntil: string | null } | null;
}

/** Every pending entry of this process by device id (device ids are unique across stores: UUIDs). */
const pending = new Map<string, { conn: Conn; entry: ProvisionedEntry }>();
/** Entries of the flush under way: still read from memory until their transaction has committed. */
const writing = new Map<string, ProvisionedEntry>();
/**
 * Entries written by a recent flush, for a short while: a fetch that read its row just *before* that flush
 * committed, and looks for pending entries just *after*, would otherwise see neither the new row nor the entry
 * (and take a stale MAC lock or unlock window for current). Overlaying an entry already in the row is harmless.
 */
const recent = new Map<string, { entry: ProvisionedEntry; until: number }>();
const RECENT_MS = 2000;
let timer: NodeJS.Timeout | undefined;
let flushing: Promise<void> = Promise.resolve();

export interface ProvisionedLogError {
  (err: unknown, count: number): void;
}
let onError: ProvisionedLogError = (err, count) => console.error(`provisioning log: ${count} entries not written: ${(err as Error)?.message ?? String(err)}`);

export function setProvisionedLogErrorHandler(handler: ProvisionedLogError): void {
  onError = handler;
}

/** Records a successful fetch; written by the next flush. */
export function recordProvisioned(conn: Conn, entry: ProvisionedEntry): void {
  const prev = pending.get(entry.deviceId);
  // a fetch that did not (re)bind the lock keeps the binding an earlier, still unwritten fetch made
  const lock = entry.lock ?? (prev ? prev.entry.lock : writing.get(entry.deviceId)?.lock) ?? null;
  pending.delete(entry.deviceId);
  pending.set(entry.deviceId, { conn, entry: { ...entry, lock } });
  if (pending.size >= FLUSH_AT) void flushProvisioned();
  else if (!timer) {
    timer = setTimeout(() => void flushProvisioned(), FLUSH_DELAY_MS);
    timer.unref();
  }
}

/** The pending entry of this device, if any. */
export function pendingProvisioned(deviceId: string): ProvisionedEntry | undefined {
  const p = pending.get(deviceId)?.entry ?? writing.get(deviceId);
  if (p) return p;
  const r = recent.get(deviceId);
  if (!r) return undefined;
  if (r.until < Date.now()) {
    recent.delete(deviceId);
    return undefined;
  }
  return r.entry;
}

/** A MAC change makes the old binding meaningless: the pending lock (not the log) is dropped. */
export async function dropPendingLock(deviceId: string): Promise<void> {
  const p = pending.get(deviceId);
  if (p) p.entry = { ...p.entry, lock: null };
  recent.delete(deviceId);
  // a binding already being written lands before the caller's own write
  if (writing.has(deviceId)) await flushing;
}

/** The row as it will be once pending entries are written (for readers of devices rows). */
export function withPending<T extends { id: string; last_provisioned_at: string | null; last_provisioned_ip: string | null; last_user_agent: string | null; locked_ip: string | null; locked_at: string | null; unlocked_until: string | null }>(row: T): T {
  const e = pendingProvisioned(row.id);
  if (!e) return row;
  const out = { ...row, last_provisioned_at: e.at, last_provisioned_ip: e.ip, last_user_agent: e.userAgent };
  if (e.lock) Object.assign(out, { locked_ip: e.lock.ip, locked_at: e.lock.at, unlocked_until: row.unlocked_until === e.lock.seenUnlockedUntil ? null : row.unlocked_until });
  return out;
}

/** Writes every pending entry (one transaction per store); resolves when written. */
export function flushProvisioned(): Promise<void> {
  if (timer) {
    clearTimeout(timer);
    timer = undefined;
  }
  if (!pending.size) return flushing;
  const batch = [...pending.values()];
  pending.clear();
  const byConn = new Map<Conn, ProvisionedEntry[]>();
  for (const { conn, entry } of batch) {
    writing.set(entry.deviceId, entry);
    const list = byConn.get(conn);
    if (list) list.push(entry);
    else byConn.set(conn, [entry]);
  }
  const run = flushing.then(() =>
    Promise.all(
      [...byConn].map(([conn, entries]) =>
        writeEntries(conn, entries)
          .catch((err) => {
            onError(err, entries.length);
          })
          .finally(() => {
            const until = Date.now() + RECENT_MS;
            if (recent.size > 10_000) recent.clear();
            for (const e of entries) {
              recent.set(e.deviceId, { entry: e, until });
              if (writing.get(e.deviceId) === e) writing.delete(e.deviceId);
            }
          }),
      ),
    ).then(() => undefined),
  );
  flushing = run;
  return run;
}

async function writeEntries(conn: Conn, entries: ProvisionedEntry[]): Promise<void> {
  const write = async (tx: Conn) => {
    for (const e of entries) {
      await tx
        .updateTable('devices')
        .set({
          last_provisioned_at: e.at,
          last_provisioned_ip: e.ip,
          last_user_agent: e.userAgent,
          ...(e.lock && {
            locked_ip: e.lock.ip,
            locked_at: e.lock.at,
          }),
          // the fetch consumed this unlock window; an unlock given after the fetch stays
          ...(e.lock?.seenUnlockedUntil && { unlocked_until: sql<string | null>`case when unlocked_until = ${e.lock.seenUnlockedUntil} then null else unlocked_until end` }),
        })
        .where('account_id', '=', e.accountId)
        .where('id', '=', e.deviceId)
        .execute();
    }
  };
  if (conn.isTransaction) await write(conn);
  else await conn.transaction().execute(write);
}
