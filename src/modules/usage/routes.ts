import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { getOfficeUsage } from './service.ts';

export function usageRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { account: string; officeId: string } }>(
    '/api/v1/accounts/:account/offices/:officeId/usage',
    { schema: { tags: ['Offices'], summary: 'Usage: what keeps the office from being deleted (its users)' } },
    (req) => getOfficeUsage(deps, req.actor, req.params.account, req.params.officeId),
  );
}
