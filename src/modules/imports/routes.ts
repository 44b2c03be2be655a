import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import { exportUsersCsv } from './export.ts';

const tags = ['Import / Export'];

export function importRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: { account: string }; Querystring: { officeId?: string; includeSecrets?: boolean } }>(
    '/api/v1/accounts/:account/users/export.csv',
    {
      schema: {
        tags,
        summary: "'Export': CSV listing of users for the PBX or one office (re-imports cleanly)",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            officeId: { type: 'string', description: 'Only this office' },
            includeSecrets: { type: 'boolean', default: false, description: 'Add vm_pin and sip_password (Office Manager / provider only; audited)' },
          },
        },
        produces: ['text/csv'],
      },
    },
    async (req, reply) => {
      const { filename, csv } = await exportUsersCsv(deps, req.actor, req.params.account, req.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .header('cache-control', 'no-store')
        .send(csv);
    },
  );
}
