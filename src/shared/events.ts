/** Domain events published by services after a successful write. Side effects subscribe here. */
export interface DomainEvent {
  type: string; // e.g. 'user.created'
  accountId: string;
  resourceId: string;
  actor: string;
  /** Who, structurally (for the audit log): kind, id and role (the scope, or 'provider'/'system'). */
  actorRef?: { kind: string; id: string; role: string };
  /** Where the change came from: client address for HTTP requests, 'cli' for the command line. */
  source?: string;
  before?: unknown;
  after?: unknown;
  at: string;
  /** Set when the change was made by another node (delivered by the cluster fan-out). */
  remote?: boolean;
}

export type EventHandler = (event: DomainEvent) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Also run for changes made by another Switchboard node on the same PostgreSQL store (src/shared/cluster-events.ts):
   * for what this node keeps of the store (caches) or drives itself (its Kamailio, its phones' lamps). Such an event
   * carries only type, account, resource and a few non-secret facts (FANOUT_FACTS), with `remote: true`.
   * Side effects done once per change (audit, email, resync) leave it off: the node that made the change did them.
   */
  remote?: boolean;
}

export interface EventBus {
  /** A change made by this process: every handler runs. */
  publish(event: DomainEvent): Promise<void>;
  /** A change another node made: only the handlers that subscribed with `remote` run. */
  publishRemote(event: DomainEvent): Promise<void>;
  subscribe(handler: EventHandler, options?: SubscribeOptions): () => void;
}

/** In-process bus: handlers run in order; a failing handler is reported, never undoes the write. */
export function createEventBus(onError: (err: unknown, e: DomainEvent) => void = () => {}): EventBus {
  const handlers = new Map<EventHandler, SubscribeOptions>();
  const run = async (event: DomainEvent, remote: boolean) => {
    for (const [h, o] of handlers) {
      if (remote && !o.remote) continue;
      try {
        await h(event);
      } catch (err) {
        onError(err, event);
      }
    }
  };
  return {
    publish: (event) => run(event, false),
    publishRemote: (event) => run({ ...event, remote: true }, true),
    subscribe(handler, options = {}) {
      // the same function subscribed twice is two subscriptions
      const key: EventHandler = handlers.has(handler) ? (e) => handler(e) : handler;
      handlers.set(key, options);
      return () => handlers.delete(key);
    },
  };
}

/** Test helper: a bus that records what was published. */
export function createRecordingBus(): EventBus & { events: DomainEvent[] } {
  const bus = createEventBus();
  const events: DomainEvent[] = [];
  bus.subscribe((e) => {
    events.push(e);
  });
  return Object.assign(bus, { events });
}
