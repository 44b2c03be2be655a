import type { Selectable } from 'kysely';
import type { Conn } from '../../db/database.ts';
import type { ApiKeysTable, PasswordTokensTable, ProviderAdminsTable, SessionsTable } from '../../db/types.ts';

export type SessionRow = Selectable<SessionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ProviderAdminRow = Selectable<ProviderAdminsTable>;
export type PasswordTokenRow = Selectable<PasswordTokensTable>;

// ---------- provider administrators (not tenant data: the provider's own people) ----------
export function findProviderAdmin(conn: Conn, email: string): Promise<ProviderAdminRow | undefined> {
  return conn.selectFrom('provider_admins').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findProviderAdminById(conn: Conn, id: string): Promise<ProviderAdminRow | undefined> {
  return conn.selectFrom('provider_admins').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertProviderAdmin(conn: Conn, row: ProviderAdminsTable): Promise<void> {
  await conn.insertInto('provider_admins').values(row).execute();
}

export async function setProviderAdminPassword(conn: Conn, id: string, hash: string, at: string): Promise<void> {
  await conn.updateTable('provider_admins').set({ password_hash: hash, updated_at: at }).where('id', '=', id).execute();
}

// ---------- sessions (keyed by the SHA-256 of the cookie token) ----------
export async function insertSession(conn: Conn, row: SessionsTable): Promise<void> {
  await conn.insertInto('sessions').values(row).execute();
}

export function findSession(conn: Conn, id: string, now: string): Promise<SessionRow | undefined> {
  return conn.selectFrom('sessions').selectAll().where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
}

export async function touchSession(conn: Conn, id: string, lastSeen: string, expires: string): Promise<void> {
  await conn.updateTable('sessions').set({ last_seen_at: lastSeen, expires_at: expires }).where('id', '=', id).execute();
}

export async function deleteSession(conn: Conn, id: string): Promise<void> {
  await conn.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Ends a user's sessions (password change, deletion), optionally keeping the one making the change. */
export async function deleteUserSessions(conn: Conn, userId: string, exceptId?: string): Promise<void> {
  let q = conn.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptId) q = q.where('id', '!=', exceptId);
  await q.execute();
}

export async function deleteProviderSessions(conn: Conn, adminId: string): Promise<void> {
  await conn.deleteFrom('sessions').where('provider_admin_id', '=', adminId).execute();
}

export async function purgeExpiredSessions(conn: Conn, now: string): Promise<void> {
  await conn.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}

// ---------- user API keys ----------
export async function insertApiKey(conn: Conn, row: ApiKeysTable): Promise<void> {
  await conn.insertInto('api_keys').values(row).execute();
}

export function findApiKeyByHash(conn: Conn, hash: string): Promise<ApiKeyRow | undefined> {
  return conn.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
}

export function findApiKey(conn: Conn, accountId: string, id: string): Promise<ApiKeyRow | undefined> {
  return conn.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export function listApiKeys(conn: Conn, accountId: string, f: { userId?: string; includeRevoked?: boolean; limit: number; offset: number }): Promise<ApiKeyRow[]> {
  let q = conn.selectFrom('api_keys').selectAll().where('account_id', '=', accountId);
  if (f.userId) q = q.where('user_id', '=', f.userId);
  if (!f.includeRevoked) q = q.where('revoked_at', 'is', null);
  return q.orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute();
}

export async function revokeApiKey(conn: Conn, accountId: string, id: string, at: string): Promise<boolean> {
  const r = await conn.updateTable('api_keys').set({ revoked_at: at }).where('account_id', '=', accountId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function revokeUserApiKeys(conn: Conn, accountId: string, userId: string, at: string): Promise<void> {
  await conn.updateTable('api_keys').set({ revoked_at: at }).where('account_id', '=', accountId).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

export async function touchApiKey(conn: Conn, id: string, at: string): Promise<void> {
  await conn.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}

// ---------- single-use password tokens (reset, and the link in 'send credentials') ----------
export async function insertPasswordToken(conn: Conn, row: PasswordTokensTable): Promise<void> {
  await conn.insertInto('password_tokens').values(row).execute();
}

export function findPasswordToken(conn: Conn, hash: string, now: string): Promise<PasswordTokenRow | undefined> {
  return conn.selectFrom('password_tokens').selectAll().where('token_hash', '=', hash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
}

/** Marks the token used; false when another request used it first (single use under concurrency). */
export async function consumePasswordToken(conn: Conn, id: string, at: string): Promise<boolean> {
  const r = await conn.updateTable('password_tokens').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A new token makes older unused ones for the same user void. */
export async function voidPasswordTokens(conn: Conn, userId: string, at: string): Promise<void> {
  await conn.updateTable('password_tokens').set({ used_at: at }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

// ---------- offices a Site Manager manages ----------
export async function managedOffices(conn: Conn, accountId: string, userId: string): Promise<string[]> {
  const rows = await conn.selectFrom('user_offices').select('office_id').where('account_id', '=', accountId).where('user_id', '=', userId).orderBy('office_id').execute();
  return rows.map((r) => r.office_id);
}

export async function replaceManagedOffices(conn: Conn, accountId: string, userId: string, officeIds: string[]): Promise<void> {
  await conn.deleteFrom('user_offices').where('account_id', '=', accountId).where('user_id', '=', userId).execute();
  if (officeIds.length) await conn.insertInto('user_offices').values(officeIds.map((office_id) => ({ account_id: accountId, user_id: userId, office_id }))).execute();
}

export async function forgetOffice(conn: Conn, accountId: string, officeId: string): Promise<void> {
  await conn.deleteFrom('user_offices').where('account_id', '=', accountId).where('office_id', '=', officeId).execute();
}

export async function forgetUser(conn: Conn, accountId: string, userId: string): Promise<void> {
  await conn.deleteFrom('user_offices').where('account_id', '=', accountId).where('user_id', '=', userId).execute();
  await conn.deleteFrom('password_tokens').where('account_id', '=', accountId).where('user_id', '=', userId).execute();
}
