import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { extensionChangePreviewSchema, extensionChangeQuerySchema } from './schema.ts';
import * as service from './service.ts';

type P = { account: string; id: string };
type Q = { to: string };

export function extensionChangeRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: P; Querystring: Q }>(
    '/api/v1/accounts/:account/users/:id/extension-change',
    {
      schema: {
        tags: ['Users'],
        summary: "Preview a user's extension change: what a save will rewrite in the same transaction (other users' diversions, offices' Day/Night destinations, handsets' BLF and speed-dial keys), what follows by itself, and what blocks it",
        querystring: extensionChangeQuerySchema,
        response: { 200: extensionChangePreviewSchema },
      },
    },
    (req) => service.previewUserExtensionChange(deps, req.actor, req.params.account, req.params.id, req.query.to),
  );
  app.get<{ Params: P; Querystring: Q }>(
    '/api/v1/accounts/:account/ring-groups/:id/extension-change',
    {
      schema: {
        tags: ['Ring groups'],
        summary: "Preview a ring group's extension change: the diversions, Day/Night destinations and handset keys that a save rewrites, and what blocks it",
        querystring: extensionChangeQuerySchema,
        response: { 200: extensionChangePreviewSchema },
      },
    },
    (req) => service.previewRingGroupExtensionChange(deps, req.actor, req.params.account, req.params.id, req.query.to),
  );
}
