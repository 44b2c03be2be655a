import type { FastifyInstance } from 'fastify';
import { buildApp, type AppExtras, type AppOptions } from '../../src/app.ts';
import { createProviderKey } from '../../src/modules/auth/provider-keys.ts';
import type { Deps } from '../../src/shared/deps.ts';
import { openTestStore, type StoreKind, type TestStore } from './stores.ts';

// Response bodies are whatever JSON the API sent; tests assert on their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface TestServer extends AppExtras {
  store: TestStore;
  app: FastifyInstance;
  deps: Deps;
  baseUrl: string;
  providerKey: string;
  /** fetch against the server with the provider key unless other headers are given. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Json; text: string; headers: Headers }>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 (ephemeral port) over a fresh store of the given kind. */
export async function startTestServer(kind: StoreKind, extra: Partial<AppOptions> = {}): Promise<TestServer> {
  const store = await openTestStore(kind);
  const { app, deps, metrics, kamailioStats, calls } = await buildApp({ database: store.database, logLevel: 'silent', ...extra });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const providerKey = await createProviderKey(store.database.db, 'test');
  return {
    store,
    app,
    deps,
    metrics,
    kamailioStats,
    calls,
    baseUrl,
    providerKey,
    async api(method, path, body, headers) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(headers ?? { authorization: `Bearer ${providerKey}` }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text, headers: res.headers };
    },
    async close() {
      await app.close();
      await calls.idle();
      await store.cleanup();
    },
  };
}

/**
 * A request to a test server with exactly the given headers (no provider key unless given) and a raw body:
 * the status, headers, body bytes, the body parsed as JSON where it is JSON, and the start of it as text.
 */
export async function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | FormData | string) {
  const res = await fetch(baseUrl + path, { method, headers, body });
  const buf = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, buf, body: json as Json, text: buf.toString('utf8').slice(0, 500) };
}
