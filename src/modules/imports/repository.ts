import type { Conn } from '../../db/database.ts';
import type { UserRow } from '../users/repository.ts';

export interface ExportData {
  users: UserRow[];
  officeNames: Map<string, string>;
  numbersByUser: Map<string, string[]>;
  deviceByUser: Map<string, { mac: string; model: string }>;
  pickupGroupOf(u: UserRow): string | null;
}

/** Everything export needs in a fixed number of queries (no per-user query). */
export async function loadExportData(conn: Conn, accountId: string, officeIds: string[] | undefined): Promise<ExportData> {
  let uq = conn.selectFrom('users').selectAll().where('account_id', '=', accountId);
  if (officeIds) uq = officeIds.length ? uq.where('office_id', 'in', officeIds) : uq.where('office_id', '=', '');
  const [users, officeRows, numberRows, groupRows] = await Promise.all([
    uq.orderBy('extension').execute(),
    conn.selectFrom('offices').select(['id', 'name']).where('account_id', '=', accountId).execute(),
    conn.selectFrom('numbers').select(['e164', 'user_id']).where('account_id', '=', accountId).where('user_id', 'is not', null).orderBy('e164').execute(),
    conn.selectFrom('pickup_groups').select(['id', 'name']).where('account_id', '=', accountId).execute(),
  ]);
  const groupNames = new Map(groupRows.map((g) => [g.id, g.name]));
  const numbersByUser = new Map<string, string[]>();
  for (const n of numberRows) {
    const list = numbersByUser.get(n.user_id!) ?? [];
    list.push(n.e164);
    numbersByUser.set(n.user_id!, list);
  }
  return {
    users,
    officeNames: new Map(officeRows.map((o) => [o.id, o.name])),
    numbersByUser,
    deviceByUser: new Map(),
    pickupGroupOf: (u) => (u.pickup_group_id ? (groupNames.get(u.pickup_group_id) ?? null) : null),
  };
}
