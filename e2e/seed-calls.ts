// Leaves call history rows in the running e2e server's store, as Kamailio's reports leave them after real calls
// (there is no API to create one: they come only from calls). Run with the database scripts/e2e.sh gives the
// server (E2E_DATABASE_URL).
// Usage: node --import tsx e2e/seed-calls.ts <database url> '<json rows>'
//   rows: [{accountId, direction, from, to, callerUserId?, calleeUserId?, callerOfficeId?, calleeOfficeId?, result, sipCode?, sipReason?, startedAt, seconds?, routedBy}]
import { randomUUID } from 'node:crypto';
import { migrate, openDatabase } from '../src/db/database.ts';

interface Row {
  accountId: string;
  direction: 'internal' | 'inbound' | 'outbound';
  from: string;
  to: string;
  callerUserId?: string;
  calleeUserId?: string;
  callerOfficeId?: string;
  calleeOfficeId?: string;
  result: 'answered' | 'failed';
  sipCode?: number;
  sipReason?: string;
  startedAt: string;
  seconds?: number;
  routedBy: string;
}

const [url, json] = process.argv.slice(2);
if (!url || !json) throw new Error("usage: seed-calls.ts <database url> '<json rows>'");
const database = openDatabase(url);
try {
  await migrate(database);
  const ids: string[] = [];
  for (const r of JSON.parse(json) as Row[]) {
    const id = randomUUID();
    const start = new Date(r.startedAt);
    const answered = r.result === 'answered' ? new Date(start.getTime() + 3000) : null;
    const ended = new Date((answered ?? start).getTime() + (r.seconds ?? 0) * 1000);
    await database.db
      .insertInto('calls')
      .values({
        id,
        account_id: r.accountId,
        sip_call_id: `${id}@e2e`,
        direction: r.direction,
        kind: r.direction,
        routed_by: r.routedBy,
        from_number: r.from,
        to_number: r.to,
        dialled: r.to,
        caller_user_id: r.callerUserId ?? null,
        callee_user_id: r.calleeUserId ?? null,
        caller_office_id: r.callerOfficeId ?? null,
        callee_office_id: r.calleeOfficeId ?? null,
        result: r.result,
        sip_code: r.sipCode ?? (r.result === 'answered' ? 200 : null),
        sip_reason: r.sipReason ?? null,
        started_at: start.toISOString(),
        answered_at: answered?.toISOString() ?? null,
        ended_at: ended.toISOString(),
        duration_s: r.result === 'answered' ? (r.seconds ?? 0) : null,
      })
      .execute();
    ids.push(id);
  }
  console.log(JSON.stringify({ ids }));
} finally {
  await database.close();
}
