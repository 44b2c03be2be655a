/**
 * Cluster event fan-out (issue 17): several Switchboard nodes on one PostgreSQL store hear each other's changes.
 * Every domain event this process publishes is also sent as `NOTIFY switchboard_events` (a small JSON: node,
 * type, account, resource and a few non-secret facts); a dedicated connection LISTENs and hands other nodes'
 * events to this process's bus as remote events (EventBus.publishRemote), which only the subscribers that keep
 * state of the store (the routing cache, busy/message lamps, Kamailio bindings) receive. So a change made
 * through node A reaches routing on node B within milliseconds, not at the cache's max age (now the backstop).
 *
 * NOTIFY is delivered only to connected listeners: after the LISTEN connection is lost and comes back, the
 * subscribers get one `cluster.resynced` event with account '*' (drop everything cached). On SQLite (one
 * process owns the file) there is nothing to fan out.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { DomainEvent, EventBus } from './events.ts';

export const EVENTS_CHANNEL = 'switchboard_events';
/** Facts of `before`/`after` that travel with an event: what remote subscribers need, never a secret. */
export const FANOUT_FACTS = ['userId', 'sipUsername', 'enabled'] as const;
/** The event a node's subscribers get when notifications may have been missed: every account ('*'). */
export const RESYNC_EVENT = 'cluster.resynced';
/** NOTIFY payloads must stay under 8000 bytes; ours are far below, a larger one is not sent. */
const MAX_PAYLOAD = 7900;

type Facts = Partial<Record<(typeof FANOUT_FACTS)[number], unknown>>;
interface Wire {
  n: string;
  t: string;
  a: string;
  r: string;
  at: string;
  b?: Facts;
  f?: Facts;
}

function facts(side: unknown): Facts | undefined {
  if (!side || typeof side !== 'object') return undefined;
  const out: Facts = {};
  for (const k of FANOUT_FACTS) {
    const v = (side as Record<string, unknown>)[k];
    if (typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The NOTIFY payload of a local event (pure). */
export function toWire(node: string, e: DomainEvent): string {
  const w: Wire = { n: node, t: e.type, a: e.accountId, r: e.resourceId, at: e.at, b: facts(e.before), f: facts(e.after) };
  return JSON.stringify(w);
}

/** The remote event of a NOTIFY payload, or null for this node's own events and anything malformed (pure). */
export function fromWire(node: string, payload: string): DomainEvent | null {
  let w: Partial<Wire>;
  try {
    w = JSON.parse(payload) as Partial<Wire>;
  } catch {
    return null;
  }
  if (!w || typeof w !== 'object' || w.n === node) return null;
  if (typeof w.t !== 'string' || typeof w.a !== 'string' || typeof w.r !== 'string') return null;
  return { type: w.t, accountId: w.a, resourceId: w.r, actor: `node:${String(w.n)}`, at: typeof w.at === 'string' ? w.at : new Date().toISOString(), before: w.b, after: w.f, remote: true };
}

export interface EventFanout {
  nodeId: string;
  /** Resolves once the LISTEN connection is up (immediately when not listening). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the fan-out for a PostgreSQL store; null on SQLite. `listen: false` only sends (the CLI: its changes
 * must reach the servers, it keeps nothing that others' changes could make stale).
 */
export function startEventFanout(o: {
  database: Database;
  events: EventBus;
  listen?: boolean;
  log?: (msg: string, err?: unknown) => void;
  reconnectMs?: number;
}): EventFanout | null {
  const url = o.database.connectionString;
  if (o.database.dialect !== 'postgres' || !url) return null;
  const nodeId = randomUUID();
  const log = o.log ?? (() => {});
  let closed = false;

  // subscribed without `remote`: only this process's own changes are sent, never one heard from another node
  const unsubscribe = o.events.subscribe((e) => {
    const payload = toWire(nodeId, e);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) return log(`cluster events: ${e.type} not sent (payload too large)`);
    // not awaited: the request that made the change does not wait for the other nodes to be told
    const sent: Promise<void> = sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`
      .execute(o.database.db)
      .then(
        () => {},
        (err: unknown) => log('cluster events: NOTIFY failed', err),
      )
      .finally(() => pending.delete(sent));
    pending.add(sent);
  });
  const pending = new Set<Promise<void>>();

  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  let everConnected = false;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url });
    client = c;
    const retry = (err?: unknown) => {
      if (closed || client !== c) return;
      if (err) log('cluster events: LISTEN connection lost; reconnecting', err);
      client = null;
      c.removeAllListeners();
      c.on('error', () => {});
      void c.end().catch(() => {});
      timer = setTimeout(() => void connect(), o.reconnectMs ?? 1000);
    };
    c.on('error', retry);
    c.on('end', () => retry(new Error('connection ended')));
    c.on('notification', (n) => {
      if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
      const e = fromWire(nodeId, n.payload);
      if (e) void o.events.publishRemote(e);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      return retry(err);
    }
    if (everConnected) {
      // what was sent while this node was not listening is lost: drop everything cached
      void o.events.publishRemote({ type: RESYNC_EVENT, accountId: '*', resourceId: '*', actor: 'cluster', at: new Date().toISOString() });
    }
    everConnected = true;
    markReady();
  };
  if (o.listen !== false) void connect();
  else markReady();

  return {
    nodeId,
    ready,
    async close() {
      closed = true;
      unsubscribe();
      // a process about to exit (the CLI) still tells the others what it changed
      await Promise.all(pending);
      clearTimeout(timer);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => {});
        await c.end().catch(() => {});
      }
    },
  };
}
