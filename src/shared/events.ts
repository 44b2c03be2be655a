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
}

export type EventHandler = (event: DomainEvent) => void | Promise<void>;

export interface EventBus {
  publish(event: DomainEvent): Promise<void>;
  subscribe(handler: EventHandler): () => void;
}

/** In-process bus: handlers run in order; a failing handler is reported, never undoes the write. */
export function createEventBus(onError: (err: unknown, e: DomainEvent) => void = () => {}): EventBus {
  const handlers = new Set<EventHandler>();
  return {
    async publish(event) {
      for (const h of handlers) {
        try {
          await h(event);
        } catch (err) {
          onError(err, event);
        }
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
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
