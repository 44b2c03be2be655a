import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { getUserCallFlow } from './service.ts';

export function callFlowRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { account: string; userId: string } }>(
    '/api/v1/accounts/:account/users/:userId/call-flow',
    {
      schema: {
        tags: ['Users'],
        summary: "The user's basic call flow: ring devices for the ring time, then features, then voicemail (generated from the user's settings)",
      },
    },
    (req) => getUserCallFlow(deps, req.actor, req.params.account, req.params.userId),
  );
}
