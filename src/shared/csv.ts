import type { FastifyReply } from 'fastify';
/**
 * Spreadsheet formula injection (CWE-1236): a cell starting with = + - @ (or tab/CR) is prefixed with a quote,
 * so Excel or LibreOffice shows it as text instead of running it. Every CSV Switchboard writes goes through this.
 */
export function csvSafe(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** The inverse for CSV Switchboard reads back (a re-imported export): `'+61…` is `+61…` again. */
export function csvUnsafe(v: string): string {
  return /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v;
}

/**
 * A keyset-paged list as CSV: walks every page (`after` → `next`, `pageSize` rows each) up to `maxRows`, then
 * sends the CSV `toCsv` writes, as an attachment named `fileName`, never cached. Audit log and call history
 * export this way.
 */
export async function sendPagedCsv<Q extends { after?: string }, T>(
  reply: FastifyReply,
  q: Q,
  o: { fileName: string; pageSize: number; maxRows: number; page: (q: Q & { after?: string; limit: number }) => Promise<{ items: T[]; next?: string }>; toCsv: (rows: T[]) => string },
): Promise<FastifyReply> {
  const all: T[] = [];
  let cursor = q.after;
  do {
    const r = await o.page({ ...q, after: cursor, limit: o.pageSize });
    all.push(...r.items);
    cursor = r.next;
  } while (cursor && all.length < o.maxRows);
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${o.fileName}"`).header('cache-control', 'no-store').send(o.toCsv(all));
}
