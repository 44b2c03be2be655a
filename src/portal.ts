import type { FastifyInstance } from 'fastify';

/** Until the portal issue lands: a page that says what is here and where the API lives. */
export function portalPlaceholder(app: FastifyInstance): void {
  app.get('/', { schema: { hide: true } }, (_req, reply) =>
    reply.type('text/html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard</title>
<style>body{font:16px system-ui,sans-serif;margin:3rem auto;max-width:40rem;color:#1d2733}a{color:#0b63c5}</style></head>
<body><h1>Switchboard</h1><p>Hosted PBX management. The Offices &amp; Users portal is coming; the API is live.</p>
<ul><li><a href="/api/docs">API documentation (Swagger UI)</a></li><li><a href="/api/openapi.json">OpenAPI document</a></li></ul></body></html>`),
  );
}
