import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './shared/paths.ts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:web` puts the portal (web/dist). Overridable for tests. */
export const PORTAL_DIST = join(ROOT, 'web/dist/');

/** Paths that never fall back to the portal's index.html: the API, phone provisioning, health. */
const NOT_PORTAL = /^\/(api|prov|healthz)(\/|$|\?)/;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

function sendIndex(reply: FastifyReply) {
  reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' });
  return reply.sendFile('index.html', { cacheControl: false });
}

/**
 * The web portal (React, built by Vite into web/dist) at /, with a single-page-app fallback: any GET that
 * is not the API or provisioning gets index.html, so /users/<id> can be reloaded or bookmarked.
 */
export async function portal(app: FastifyInstance, opts: { dist?: string } = {}): Promise<void> {
  const dist = opts.dist ?? PORTAL_DIST;
  const built = existsSync(`${dist}/index.html`);

  if (built) {
    await app.register(fastifyStatic, {
      root: dist,
      prefix: '/',
      wildcard: true,
      index: false,
      // Cache headers are ours (setHeaders), not the plugin's default 'max-age=0'.
      cacheControl: false,
      // Hashed bundles never change; the page itself is always revalidated.
      setHeaders: (res, path) => {
        res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      },
    });
    app.get('/', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  } else {
    app.get('/', { schema: { hide: true } }, (_req, reply) =>
      reply.type('text/html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard</title>
<style>body{font:16px system-ui,sans-serif;margin:3rem auto;max-width:40rem;color:#1d2733}a{color:#0b63c5}code{background:#eef1f5;padding:2px 5px}</style></head>
<body><h1>Switchboard</h1><p>The portal is not built yet: run <code>npm run build:web</code> (or <code>npm start</code>, which builds it first).</p>
<ul><li><a href="/api/docs">API documentation (Swagger UI)</a></li><li><a href="/api/openapi.json">OpenAPI document</a></li></ul></body></html>`),
    );
  }

  app.setNotFoundHandler((req, reply) => {
    const url = req.url;
    const wantsPage = (req.method === 'GET' || req.method === 'HEAD') && !NOT_PORTAL.test(url) && !/\.[a-z0-9]{1,8}(\?|$)/i.test(url);
    if (built && wantsPage) return sendIndex(reply);
    return reply.code(404).send({ error: 'not_found', message: `Route ${req.method}:${url.split('?')[0]} not found`, fields: [] });
  });
}
