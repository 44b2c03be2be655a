/**
 * Bulk actions on users selected in the portal's list: change office, enable, disable, send credentials,
 * delete. Every user is authorized exactly as the single operation would be, before anything is written:
 * one id that is not in the account (another tenant's, or none) is a 404 for the whole request, one user
 * out of the actor's reach a 403 — nothing written in either case. The writes of one request share one
 * transaction (emails cannot, so credentials go one by one); each change is audited as the single
 * operation audits it, and the answer says what happened to every user.
 */
import { AppError, ForbiddenError, NotFoundError, assertValid, type FieldError, type UsageItem } from '../../shared/errors.ts';
import { PERMISSION_MATRIX, assertMayManage, authorize, type Action, type Actor } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { nowIso } from '../../shared/ids.ts';
import { toInt } from '../../shared/bool.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as offices from '../offices/repository.ts';
import * as callFlows from '../call-flows/repository.ts';
import { blockingItems, purgeUsers, usersUsage } from '../usage/repository.ts';
import * as repo from './repository.ts';

export const BULK_ACTIONS = ['change_office', 'enable', 'disable', 'send_credentials', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
/** Users one request may name (the portal's selection of loaded rows). */
export const BULK_MAX_USERS = 1000;

export interface BulkInput {
  action: BulkAction;
  userIds: string[];
  /** change_office: the office the users move to. */
  officeId?: string;
  /** delete: also remove devices and free direct numbers (as DELETE ?cascade=true). */
  cascade?: boolean;
  /** Check everything and report what would happen (delete: each user's Usage), write nothing. */
  dryRun?: boolean;
}

/**
 * done: changed (or sent); unchanged: already so; ok: a dry run found nothing against it; in_use: a delete
 * refused while something refers to the user (usage lists it); failed: this user could not be done (error).
 */
export type BulkStatus = 'done' | 'unchanged' | 'ok' | 'in_use' | 'failed';

export interface BulkResult {
  userId: string;
  extension: string;
  displayName: string;
  status: BulkStatus;
  error?: string;
  message?: string;
  fields?: FieldError[];
  /** delete: where the user is configured (what goes with them, or what blocks the delete). */
  usage?: UsageItem[];
  /** send_credentials: where the email went. */
  to?: string;
}

export interface BulkResponse {
  action: BulkAction;
  dryRun: boolean;
  results: BulkResult[];
}

/** Sends one user their credentials (the auth module owns the mailer); `preflight` refuses when no email can go out. */
export interface CredentialsSender {
  preflight(): void;
  send(actor: Actor, accountKey: string, userId: string): Promise<{ to: string }>;
}

const ACTION_PERMISSION: Record<BulkAction, Action> = {
  change_office: 'user.update',
  enable: 'user.update',
  disable: 'user.update',
  send_credentials: 'user.send_credentials',
  delete: 'user.delete',
};

export const bulkBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['action', 'userIds'],
  properties: {
    action: { type: 'string', enum: BULK_ACTIONS },
    userIds: { type: 'array', minItems: 1, maxItems: BULK_MAX_USERS, items: { type: 'string', minLength: 1, maxLength: 64 } },
    officeId: { type: 'string', minLength: 1, maxLength: 64, description: 'change_office: the office the users move to' },
    cascade: { type: 'boolean', description: 'delete: also remove their devices and free their direct numbers' },
    dryRun: { type: 'boolean', description: 'Check and report (delete: each Usage) without writing' },
  },
} as const;

const usageItem = {
  type: 'object',
  properties: { kind: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, removal: { type: 'string' } },
} as const;

export const bulkResponseSchema = {
  type: 'object',
  properties: {
    action: { type: 'string' },
    dryRun: { type: 'boolean' },
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          userId: { type: 'string' },
          extension: { type: 'string' },
          displayName: { type: 'string' },
          status: { type: 'string', enum: ['done', 'unchanged', 'ok', 'in_use', 'failed'] },
          error: { type: 'string' },
          message: { type: 'string' },
          fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
          usage: { type: 'array', items: usageItem },
          to: { type: 'string' },
        },
      },
    },
  },
} as const;

export async function bulkUsers(deps: Deps, actor: Actor, accountKey: string, input: BulkInput, credentials?: CredentialsSender): Promise<BulkResponse> {
  const account = await resolveAccount(deps, actor, accountKey);
  const db = deps.database.db;
  const ids = [...new Set(input.userIds)];
  const found = new Map((await repo.findRows(db, account.id, ids)).map((r) => [r.id, r]));
  // One id that is not in this account: the whole request is not found (which one is not said).
  if (found.size !== ids.length) throw new NotFoundError('user');
  const rows = ids.map((id) => found.get(id)!);

  const errors: FieldError[] = [];
  if (input.action === 'change_office' && !input.officeId) errors.push({ field: 'officeId', reason: 'is required to change office' });
  if (input.action !== 'change_office' && input.officeId !== undefined) errors.push({ field: 'officeId', reason: 'is only for change_office' });
  if (input.action !== 'delete' && input.cascade !== undefined) errors.push({ field: 'cascade', reason: 'is only for delete' });
  assertValid(errors);
  if (input.action === 'change_office' && !(await offices.findById(db, account.id, input.officeId!))) {
    throw new AppError(422, 'validation_failed', 'officeId: no such office in this account', [{ field: 'officeId', reason: 'no such office in this account' }]);
  }

  // Every user as the single operation authorizes it, before anything is written.
  const permission = ACTION_PERMISSION[input.action];
  for (const row of rows) {
    const target = { accountId: account.id, officeId: row.office_id, userId: row.id };
    authorize(actor, permission, target, 'user');
    if (actor.kind === 'user' && permission === 'user.update' && PERMISSION_MATRIX[actor.scope]['user.update'] === 'self') {
      throw new ForbiddenError(`you may change only your voicemail and call features, not: ${input.action === 'change_office' ? 'officeId' : 'enabled'}`);
    }
    assertMayManage(actor, row);
    if (input.action === 'change_office') authorize(actor, 'user.update', { ...target, officeId: input.officeId, userId: undefined }, 'user');
    if (input.action === 'delete' && actor.kind === 'user' && actor.id === row.id) throw new ForbiddenError('you may not delete yourself');
  }

  const result = (row: repo.UserRow, status: BulkStatus, extra: Partial<BulkResult> = {}): BulkResult => ({ userId: row.id, extension: row.extension, displayName: row.display_name, status, ...extra });
  const dryRun = !!input.dryRun;
  const respond = (results: BulkResult[]): BulkResponse => ({ action: input.action, dryRun, results });

  switch (input.action) {
    case 'enable':
    case 'disable':
    case 'change_office': {
      const wanted = (r: repo.UserRow) => (input.action === 'change_office' ? r.office_id === input.officeId : r.enabled === toInt(input.action === 'enable'));
      const changing = rows.filter((r) => !wanted(r));
      if (dryRun) return respond(rows.map((r) => result(r, wanted(r) ? 'unchanged' : 'ok')));
      const before = await repo.toUsers(db, account.id, changing);
      if (changing.length) {
        const changeIds = changing.map((r) => r.id);
        const patch = input.action === 'change_office' ? { office_id: input.officeId! } : { enabled: toInt(input.action === 'enable') };
        await db.transaction().execute(async (tx) => {
          await repo.updateMany(tx, account.id, changeIds, { ...patch, updated_at: nowIso() });
          if (input.action === 'change_office') await callFlows.syncForUserIds(tx, account.id, changeIds);
        });
      }
      const after = new Map((await repo.toUsers(db, account.id, await repo.findRows(db, account.id, changing.map((r) => r.id)))).map((u) => [u.id, u]));
      for (const b of before) await emit(deps, actor, 'user.updated', account.id, b.id, b, after.get(b.id));
      return respond(rows.map((r) => result(r, wanted(r) ? 'unchanged' : 'done')));
    }
    case 'delete': {
      const cascade = !!input.cascade;
      const refused = new Map<string, UsageItem[]>();
      const inUse = (r: repo.UserRow): BulkResult => {
        const items = refused.get(r.id)!;
        return result(r, 'in_use', { error: 'in_use', message: `in use: ${blockingItems(items, cascade).map((i) => i.description).join('; ')}`, usage: items });
      };
      const outcome = async (conn: typeof db) => {
        // Users refer to each other (diversions): usage between selected users does not block while both go,
        // so a user left behind (in use) is taken out and the rest checked again until nothing changes.
        let going = rows.map((r) => r.id);
        let usage = await usersUsage(conn, account.id, going);
        for (;;) {
          const blocked = going.filter((id) => blockingItems(usage.get(id) ?? [], cascade).length);
          if (!blocked.length) break;
          for (const id of blocked) refused.set(id, usage.get(id)!);
          going = going.filter((id) => !refused.has(id));
          usage = await usersUsage(conn, account.id, going);
        }
        return { going, usage };
      };
      if (dryRun) {
        const { usage } = await outcome(db);
        return respond(rows.map((r) => (refused.has(r.id) ? inUse(r) : result(r, 'ok', { usage: usage.get(r.id) ?? [] }))));
      }
      const before = new Map((await repo.toUsers(db, account.id, rows)).map((u) => [u.id, u]));
      const { going, usage } = await db.transaction().execute(async (tx) => {
        const o = await outcome(tx);
        await purgeUsers(tx, account.id, o.going);
        return o;
      });
      for (const id of going) await emit(deps, actor, 'user.deleted', account.id, id, before.get(id), { cascade, bulk: true });
      return respond(rows.map((r) => (refused.has(r.id) ? inUse(r) : result(r, 'done', { usage: usage.get(r.id) ?? [] }))));
    }
    case 'send_credentials': {
      if (!credentials) throw new AppError(503, 'mail_unavailable', 'sending credentials is not available here');
      credentials.preflight();
      if (dryRun) return respond(rows.map((r) => result(r, 'ok')));
      const results: BulkResult[] = [];
      // One email each (the single operation audits each); a user who cannot get one does not stop the rest.
      for (const r of rows) {
        try {
          const { to } = await credentials.send(actor, account.id, r.id);
          results.push(result(r, 'done', { to }));
        } catch (err) {
          if (!(err instanceof AppError) || (err.status >= 500 && err.code !== 'mail_failed')) throw err;
          results.push(result(r, 'failed', { error: err.code, message: err.message, fields: err.fields }));
        }
      }
      return respond(results);
    }
  }
}
