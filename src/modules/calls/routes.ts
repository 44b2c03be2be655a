import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../shared/deps.ts';
import type { SipSettings } from '../sip/settings.ts';
import { sipGuard } from '../routing/routes.ts';
import { callEventQuerySchema, callPageSchema, callQuerySchema, callSchema, type CallEventQuery, type CallQuery } from './schema.ts';
import { toCsv } from './rules.ts';
import * as service from './service.ts';
import { sendPagedCsv } from '../../shared/csv.ts';

const tags = ['Call history'];
const CSV_PAGE = 500;
const CSV_MAX_ROWS = 100_000;
export const CALL_EVENT_PATH = '/sip/call-event';

export function callRoutes(app: FastifyInstance, deps: Deps, recorder: service.CallRecorder, settings: Pick<SipSettings, 'secret'>): void {
  app.addSchema(callSchema);
  app.get<{ Params: { account: string }; Querystring: CallQuery }>(
    '/api/v1/accounts/:account/calls',
    {
      schema: {
        tags,
        summary: "Call history, newest first: Office Managers the account's, Site Managers their offices', users their own; ?format=csv exports every match",
        querystring: callQuerySchema,
        response: { 200: callPageSchema },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const page = (x: CallQuery) => service.listCalls(deps, req.actor, req.params.account, x);
      if (q.format !== 'csv') return page(q);
      const fileName = `calls-${req.params.account.replace(/[^A-Za-z0-9_-]/g, '')}.csv`;
      return sendPagedCsv(reply, q, { fileName, pageSize: CSV_PAGE, maxRows: CSV_MAX_ROWS, page, toCsv });
    },
  );

  // Kamailio's call events (event_route[dialog:*] and the failure route): loopback + the routing secret.
  app.get<{ Querystring: CallEventQuery }>(
    CALL_EVENT_PATH,
    { schema: { hide: true, querystring: callEventQuerySchema }, onRequest: (req: FastifyRequest) => sipGuard(req, settings), logLevel: 'warn' },
    async (req, reply) => {
      await recorder.event(req.query);
      return reply.code(204).send();
    },
  );
}
