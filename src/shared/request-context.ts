import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request facts that services should not have to thread through every call (the audit log's source address). */
export interface RequestContext {
  /** Where the change came from: the client address for HTTP, 'cli' for the command line. */
  source: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentSource(): string | undefined {
  return requestContext.getStore()?.source;
}
