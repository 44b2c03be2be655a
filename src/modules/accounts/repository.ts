import type { Selectable, Updateable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import { reusableFirst } from '../../db/reusable.ts';
import type { AccountsTable } from '../../db/types.ts';
import type { Account, SipTransport } from './schema.ts';

export function toAccount(row: Selectable<AccountsTable>): Account {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    sipRealm: row.sip_realm,
    country: row.country,
    extensionLength: row.extension_length === 3 || row.extension_length === 4 ? row.extension_length : null,
    voicemailRetentionDays: row.voicemail_retention_days ?? 90,
    callRetentionDays: row.call_retention_days ?? 365,
    maxExternalCalls: row.max_external_calls ?? null,
    recordingRetentionDays: row.recording_retention_days ?? 90,
    callbackExpiryMinutes: row.callback_expiry_minutes ?? 30,
    sipTransport: (row.sip_transport === 'tls' ? 'tls' : 'udp') satisfies SipTransport,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Accounts are the tenants themselves, so these are the only lookups not scoped by an account id. */
// every account-scoped request starts here: compiled once (src/db/reusable.ts)
const byCodeOrId = reusableFirst((conn: Conn, code: string, id: string) => conn.selectFrom('accounts').selectAll().where((eb) => eb.or([eb('code', '=', code), eb('id', '=', id)])));

export async function findByCodeOrId(conn: Conn, key: string): Promise<Account | undefined> {
  const row = await byCodeOrId(conn, key, key);
  return row && toAccount(row);
}

export async function codeOrRealmTaken(conn: Conn, code: string, realm: string): Promise<{ code: boolean; realm: boolean }> {
  const rows = await conn
    .selectFrom('accounts')
    .select(['code', 'sip_realm'])
    .where((eb) => eb.or([eb('code', '=', code), eb('sip_realm', '=', realm)]))
    .execute();
  return { code: rows.some((r) => r.code === code), realm: rows.some((r) => r.sip_realm === realm) };
}

export async function insert(
  conn: Conn,
  row: Omit<Selectable<AccountsTable>, 'voicemail_retention_days' | 'call_retention_days' | 'max_external_calls' | 'recording_retention_days' | 'callback_expiry_minutes' | 'sip_transport'> & {
    voicemail_retention_days?: number;
    call_retention_days?: number;
    max_external_calls?: number | null;
    recording_retention_days?: number;
    callback_expiry_minutes?: number;
    sip_transport?: string;
  },
): Promise<Account> {
  const full = { voicemail_retention_days: 90, call_retention_days: 365, max_external_calls: null, recording_retention_days: 90, callback_expiry_minutes: 30, sip_transport: 'udp', ...row };
  await conn.insertInto('accounts').values(full).execute();
  return toAccount(full);
}

export async function update(conn: Conn, accountId: string, patch: Updateable<AccountsTable>): Promise<void> {
  await conn.updateTable('accounts').set(patch).where('id', '=', accountId).execute();
}

export async function list(conn: Conn, opts: { q?: string; limit: number; offset: number; onlyId?: string }): Promise<{ items: Account[]; total: number }> {
  let query = conn.selectFrom('accounts');
  if (opts.onlyId) query = query.where('id', '=', opts.onlyId);
  if (opts.q) {
    const like = `%${opts.q.toLowerCase()}%`;
    query = query.where((eb) => eb.or([eb(eb.fn('lower', ['name']), 'like', like), eb('code', 'like', like), eb('sip_realm', 'like', like)]));
  }
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('code').limit(opts.limit).offset(opts.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toAccount), total: Number(count.n) };
}
