import { NEW_DEVICE_STATE } from '../devices/repository.ts';
import { uniqueViolation, type Conn, type Tx } from '../../db/database.ts';
import type { DevicesTable, UsersTable } from '../../db/types.ts';
import { AppError, ConflictError, NotFoundError } from '../../shared/errors.ts';
import { SCOPES, authorize, type Actor, type Scope } from '../../shared/permissions.ts';
import { actorLabel } from '../../shared/permissions.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import type { Account } from '../accounts/schema.ts';
import { resolveAccount } from '../accounts/service.ts';
import { catalog } from '../provisioning/catalog.ts';
import { SIP_PASSWORD_LENGTH, extensionContext, fixExtensionLength } from '../users/service.ts';
import { randomBytes } from 'node:crypto';
import * as callFlows from '../call-flows/repository.ts';
import { formatMac } from '../devices/rules.ts';
import { normaliseGroupName } from '../pickup-groups/rules.ts';
import { COLUMN_NAMES, CSV_COLUMNS } from './columns.ts';
import { toCsv } from './export.ts';
import { csvSafe } from '../../shared/csv.ts';
import * as repo from './repository.ts';
import { parseCsv, templateRecords, validateRows, type ImportContext, type RowError, type RowPlan } from './rules.ts';

export const IMPORT_STATUSES = ['queued', 'validating', 'loading', 'done', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export interface ImportOptions {
  /** Existing extensions are updated (else they are row errors). */
  update?: boolean;
  /** Validate only: nothing is written, not even a job. */
  dryRun?: boolean;
}

export interface ImportJob {
  id: string;
  accountId: string;
  status: ImportStatus;
  update: boolean;
  total: number;
  processed: number;
  created: number;
  updated: number;
  errors: RowError[];
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
}

/** 422 with every row error; nothing was written. */
export class ImportValidationError extends AppError {
  constructor(
    readonly rowErrors: RowError[],
    readonly total: number,
  ) {
    super(422, 'validation_failed', `${new Set(rowErrors.map((e) => e.row)).size} row(s) have errors; nothing was imported`, rowErrors.slice(0, 1000).map((e) => ({ field: `row ${e.row}${e.column ? `.${e.column}` : ''}`, reason: e.reason })));
  }
}

export type ProgressFn = (p: { status: ImportStatus; processed: number; total: number }) => void;

/** Live progress of jobs loading in this process (a loading transaction is not visible to other readers). */
const live = new Map<string, { status: ImportStatus; processed: number }>();

/** Jobs still running in the background, per store: closing the app waits for them (nothing is cut off mid-write). */
const running = new WeakMap<object, Set<Promise<void>>>();

/** Resolves when every background import on this store has finished (its job row and events written). */
export async function drainImports(deps: Deps): Promise<void> {
  const set = running.get(deps.database);
  while (set?.size) await Promise.allSettled([...set]);
}

/** A job neither finished nor loading in this process after this long was cut off (restart): its transaction rolled back. */
const STALE_MS = 15 * 60_000;

function toJob(row: NonNullable<Awaited<ReturnType<typeof repo.findJob>>>): ImportJob {
  const l = live.get(row.id);
  const stale = !l && (row.status === 'queued' || row.status === 'validating' || row.status === 'loading') && Date.now() - Date.parse(row.created_at) > STALE_MS;
  return {
    id: row.id,
    accountId: row.account_id,
    status: stale ? 'failed' : ((l?.status ?? row.status) as ImportStatus),
    update: row.update_existing === 1,
    total: row.total,
    processed: l?.processed ?? row.processed,
    created: row.created_count,
    updated: row.updated_count,
    errors: stale ? [{ row: 0, column: '', reason: INTERRUPTED_REASON }] : (JSON.parse(row.errors) as RowError[]),
    createdBy: row.created_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

const INTERRUPTED_REASON = 'the import was interrupted (server restart); nothing was written — upload the file again';

/**
 * At server start, before any request: jobs a previous process left queued, validating or loading can never
 * finish (their transaction died with the process and rolled back), so they are marked failed with the reason.
 * A single Switchboard process per store is assumed (as for the SQLite store).
 */
export async function failInterruptedImports(deps: Deps): Promise<number> {
  const rows = await repo.failUnfinishedJobs(deps.database.db, JSON.stringify([{ row: 0, column: '', reason: INTERRUPTED_REASON }]), nowIso());
  return rows.length;
}

/** Import is an Office Manager (or provider) action: it creates users in any office. */
function authorizeImport(actor: Actor, account: Account): void {
  authorize(actor, 'user.create', { accountId: account.id, officeId: null }, 'import');
}

async function context(conn: Conn, account: Account, actor: Actor, macs: string[]): Promise<ImportContext> {
  const ctx = await repo.loadImportContext(conn, account, await extensionContext(conn, account), catalog());
  ctx.macs = await repo.macOwners(conn, macs);
  if (actor.kind === 'user') ctx.grantableScopes = new Set(SCOPES.slice(0, SCOPES.indexOf(actor.scope) + 1) as Scope[]);
  return ctx;
}

function macsOf(rows: Array<Record<string, string>>): string[] {
  const out = new Set<string>();
  for (const r of rows) {
    const m = r.device_mac?.trim().toLowerCase().replace(/[:.-]/g, '');
    if (m && /^[0-9a-f]{12}$/.test(m)) out.add(m);
  }
  return [...out];
}

/** Parses and validates the whole file against the store; throws ImportValidationError with every row error. */
async function validate(conn: Conn, account: Account, actor: Actor, csv: string, opts: ImportOptions) {
  const parsed = parseCsv(csv);
  const ctx = await context(conn, account, actor, macsOf(parsed.rows));
  const result = validateRows(parsed, ctx, { update: !!opts.update });
  if (!parsed.rows.length && !result.errors.length) result.errors.push({ row: 2, column: '', reason: 'the file has no data rows' });
  if (result.errors.length) throw new ImportValidationError(result.errors, parsed.rows.length);
  return { parsed, ctx, plans: result.plans };
}

export interface DryRunResult {
  valid: true;
  total: number;
  creates: number;
  updates: number;
}

/**
 * Upload (seed 003 'select your csv file'): validates every row first. Invalid → ImportValidationError
 * (422, every row error, nothing written). dryRun → the counts. Otherwise an import job is created and
 * loaded all-or-nothing in one transaction; `wait` awaits it (CLI, tests), else it runs in the background.
 */
export async function startImport(
  deps: Deps,
  actor: Actor,
  accountKey: string,
  csv: string,
  opts: ImportOptions & { wait?: boolean; onProgress?: ProgressFn },
): Promise<ImportJob | DryRunResult> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeImport(actor, account);
  const db = deps.database.db;
  opts.onProgress?.({ status: 'validating', processed: 0, total: 0 });
  const { parsed, plans, ctx } = await validate(db, account, actor, csv, opts);
  const creates = plans.filter((p) => p.action === 'create').length;
  if (opts.dryRun) return { valid: true, total: parsed.rows.length, creates, updates: plans.length - creates };
  const id = newId();
  await repo.insertJob(db, {
    id,
    account_id: account.id,
    status: 'queued',
    update_existing: opts.update ? 1 : 0,
    total: plans.length,
    processed: 0,
    created_count: 0,
    updated_count: 0,
    errors: '[]',
    result_csv: null,
    created_by: actorLabel(actor),
    created_at: nowIso(),
    finished_at: null,
  });
  live.set(id, { status: 'queued', processed: 0 });
  const run = runJob(deps, actor, account, id, plans, ctx, opts);
  if (opts.wait) await run;
  else {
    let set = running.get(deps.database);
    if (!set) running.set(deps.database, (set = new Set()));
    const tracked: Promise<void> = run.catch(() => {}).finally(() => set.delete(tracked));
    set.add(tracked);
  }
  return toJob((await repo.findJob(db, account.id, id))!);
}

/**
 * Loads the validated plans in ONE transaction. Rows are not validated a second time: what changed since
 * validation is caught by the store's unique keys (extension, email, MAC, SIP user, group name) and the
 * guarded number assignment, plus the one cross-table rule no index holds (ring group extensions); any
 * of them rolls everything back and fails the job.
 */
async function runJob(deps: Deps, actor: Actor, account: Account, id: string, plans: RowPlan[], ctx: ImportContext, opts: ImportOptions & { onProgress?: ProgressFn }): Promise<void> {
  const db = deps.database.db;
  const progress = (status: ImportStatus, processed: number, total: number) => {
    live.set(id, { status, processed });
    opts.onProgress?.({ status, processed, total });
  };
  try {
    let outcome: { results: ResultRow[]; created: number; updated: number } | undefined;
    await db
      .transaction()
      .execute(async (tx) => {
        progress('loading', 0, plans.length);
        const planned = new Set(plans.filter((p) => p.action === 'create').map((p) => p.extension));
        const rings = await tx.selectFrom('ring_groups').select('extension').where('account_id', '=', account.id).execute();
        const clash = rings.find((r) => planned.has(r.extension));
        if (clash) throw new ConflictError('extension', `${clash.extension} became a ring group's extension meanwhile`);
        outcome = await load(tx, account, ctx, plans, (n) => progress('loading', n, plans.length));
      })
      .catch((err: unknown) => {
        if (uniqueViolation(err)) throw new ConflictError('import', 'the PBX changed while loading (an extension, email, MAC or group name was taken meanwhile); upload the file again');
        throw err;
      });
    const o = outcome!;
    await repo.updateJob(db, account.id, id, {
      status: 'done',
      processed: o.results.length,
      created_count: o.created,
      updated_count: o.updated,
      result_csv: resultCsv(o.results),
      finished_at: nowIso(),
    });
    progress('done', o.results.length, o.results.length);
    await emit(deps, actor, 'users.imported', account.id, id, undefined, {
      importId: id,
      created: o.created,
      updated: o.updated,
      userIds: o.results.map((r) => r.user_id),
    });
  } catch (err) {
    const errors: RowError[] = err instanceof ImportValidationError ? err.rowErrors : [{ row: 0, column: '', reason: err instanceof AppError ? `${err.message}; nothing was written` : 'the import failed while loading; nothing was written' }];
    await repo.updateJob(db, account.id, id, { status: 'failed', errors: JSON.stringify(errors), finished_at: nowIso() });
    progress('failed', 0, 0);
    // The job records the failure; a waiting caller reads it from the job (status 'failed').
    if (!(err instanceof AppError)) console.error(`import ${id} failed: ${(err as Error).message}`);
  } finally {
    live.delete(id);
  }
}

interface ResultRow {
  row: string;
  extension: string;
  first_name: string;
  last_name: string;
  email: string;
  action: string;
  user_id: string;
  sip_username: string;
  device_mac: string;
  direct_numbers: string;
  result: string;
}

const RESULT_COLUMNS = ['row', 'extension', 'first_name', 'last_name', 'email', 'action', 'user_id', 'sip_username', 'device_mac', 'direct_numbers', 'result'] as const;

/** RFC 4180 cell: quoted only when it holds a comma, quote or line break (a plain encoder: 10k rows add no visible time). */
const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function resultCsv(rows: ResultRow[]): string {
  const out = [RESULT_COLUMNS.join(',')];
  for (const r of rows) out.push(RESULT_COLUMNS.map((c) => cell(csvSafe(r[c]))).join(','));
  return `${out.join('\n')}\n`;
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const USERNAME_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/**
 * SIP usernames and passwords for many users at once, with the same alphabets and lengths as the user
 * service: drawn from one CSPRNG buffer with rejection sampling (no modulo bias), instead of one
 * crypto.randomInt call per character.
 */
function secretBatch(users: number) {
  let buf = randomBytes(Math.max(64, users * (SIP_PASSWORD_LENGTH + 11) * 2));
  let pos = 0;
  const draw = (alphabet: string, length: number) => {
    const limit = 256 - (256 % alphabet.length);
    let out = '';
    while (out.length < length) {
      if (pos >= buf.length) {
        buf = randomBytes(4096);
        pos = 0;
      }
      const b = buf[pos++]!;
      if (b < limit) out += alphabet[b % alphabet.length];
    }
    return out;
  };
  return { password: () => draw(PASSWORD_ALPHABET, SIP_PASSWORD_LENGTH), username: () => `u${draw(USERNAME_ALPHABET, 11)}` };
}

const DEVICE_DEFAULTS = { label: null, line_keys: '[]', settings: '{}', ...NEW_DEVICE_STATE } as const;

/** Writes every plan in the caller's transaction: users, voicemail (user columns), call flows, handsets, numbers, pickup groups. */
async function load(tx: Tx, account: Account, ctx: ImportContext, plans: RowPlan[], progress: (n: number) => void): Promise<{ results: ResultRow[]; created: number; updated: number }> {
  const now = nowIso();
  const firstExt = plans.find((p) => p.extension)?.extension;
  if (firstExt) await fixExtensionLength(tx, account, firstExt);

  // Pickup groups named in the file that do not exist yet.
  const groupIds = new Map(ctx.pickupGroups);
  const newGroups = new Map<string, string>();
  for (const p of plans) {
    if (!p.pickupGroup) continue;
    const { name, key } = normaliseGroupName(p.pickupGroup);
    if (!groupIds.has(key) && !newGroups.has(key)) newGroups.set(key, name);
  }
  if (newGroups.size) {
    const rows = [...newGroups].map(([key, name]) => ({ id: newId(), account_id: account.id, name, name_key: key, created_at: now, updated_at: now }));
    for (let i = 0; i < rows.length; i += 1000) await tx.insertInto('pickup_groups').values(rows.slice(i, i + 1000)).execute();
    for (const r of rows) groupIds.set(r.name_key, r.id);
  }
  const groupOf = (name: string | null | undefined) => (name ? groupIds.get(normaliseGroupName(name).key)! : null);

  const results: ResultRow[] = [];
  const creates = plans.filter((p) => p.action === 'create');
  const updates = plans.filter((p) => p.action === 'update');
  const secrets = secretBatch(creates.length);
  // The plan's own row object is completed in place: spreading it into a fresh 36-property literal cost
  // ~200 ms per 5,000 users (bench/import.bench.ts); the plans are not used again after loading.
  const userRows: UsersTable[] = creates.map((p) => {
    const row = Object.assign(p.user as UsersTable, {
      id: newId(),
      account_id: account.id,
      extension: p.extension,
      pickup_group_id: groupOf(p.pickupGroup),
      sip_username: secrets.username(),
      sip_password: secrets.password(),
      created_at: now,
      updated_at: now,
    });
    p.userId = row.id;
    return row;
  });
  let done = 0;
  for (let i = 0; i < userRows.length; i += 900) {
    await repo.insertUsers(tx, userRows.slice(i, i + 900));
    done += Math.min(900, userRows.length - i);
    progress(done);
  }
  await callFlows.insertMany(tx, callFlows.newCallFlowRows(account.id, userRows, now));

  for (const p of updates) {
    const patch: Partial<UsersTable> = { ...p.user, updated_at: now };
    if (p.pickupGroup !== undefined) patch.pickup_group_id = groupOf(p.pickupGroup);
    await tx.updateTable('users').set(patch).where('account_id', '=', account.id).where('id', '=', p.userId!).execute();
    done++;
    if (done % 500 === 0) progress(done);
  }
  for (let i = 0; i < updates.length; i += 500) await callFlows.syncForUserIds(tx, account.id, updates.slice(i, i + 500).map((p) => p.userId!));

  const devices: DevicesTable[] = plans
    .filter((p) => p.device)
    .map((p) => ({ id: newId(), account_id: account.id, mac: p.device!.mac, vendor: p.device!.vendor, model: p.device!.model, user_id: p.userId!, ...DEVICE_DEFAULTS, created_at: now, updated_at: now }));
  await repo.insertDevices(tx, devices);

  // Direct numbers: exactly the listed ones (update rows give back the numbers no longer listed).
  for (const p of plans) {
    if (p.directNumbers === undefined) continue;
    if (p.action === 'update') {
      let q = tx.updateTable('numbers').set({ user_id: null }).where('account_id', '=', account.id).where('user_id', '=', p.userId!);
      if (p.directNumbers.length) q = q.where('e164', 'not in', p.directNumbers);
      await q.execute();
    }
    for (const e164 of p.directNumbers) {
      const r = await tx
        .updateTable('numbers')
        .set({ user_id: p.userId! })
        .where('account_id', '=', account.id)
        .where('e164', '=', e164)
        .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', p.userId!)]))
        .where('ring_group_id', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new ConflictError('direct_numbers', `${e164} was assigned to another user meanwhile`);
    }
  }
  progress(plans.length);

  const byId = new Map(userRows.map((u) => [u.id, u]));
  for (const p of plans) {
    const u = byId.get(p.userId!);
    results.push({
      row: String(p.row),
      extension: p.extension,
      first_name: u?.first_name ?? p.user.first_name ?? '',
      last_name: u?.last_name ?? p.user.last_name ?? '',
      email: u?.email ?? p.user.email ?? '',
      action: p.action === 'create' ? 'created' : 'updated',
      user_id: p.userId!,
      sip_username: u?.sip_username ?? '',
      device_mac: p.device ? formatMac(p.device.mac) : '',
      direct_numbers: p.directNumbers?.join(';') ?? '',
      result: 'ok',
    });
  }
  return { results, created: creates.length, updated: updates.length };
}

export async function getImport(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<ImportJob> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeImport(actor, account);
  const row = await repo.findJob(deps.database.db, account.id, id);
  if (!row) throw new NotFoundError('import');
  return toJob(row);
}

export async function listImports(deps: Deps, actor: Actor, accountKey: string): Promise<{ items: ImportJob[] }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeImport(actor, account);
  return { items: (await repo.listJobs(deps.database.db, account.id, 50)).map(toJob) };
}

/** Per-row result of a finished import (no secrets: SIP passwords are not in it). */
export async function getImportResultCsv(deps: Deps, actor: Actor, accountKey: string, id: string): Promise<string> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeImport(actor, account);
  const row = await repo.findJob(deps.database.db, account.id, id);
  if (!row) throw new NotFoundError('import');
  if (!row.result_csv) throw new AppError(409, 'not_ready', `the import is ${toJob(row).status}; the result is written when it is done`);
  return row.result_csv;
}

/** 'Download the empty template' (seed 003): the header and one example row (delete it before importing). */
export function templateCsv(): string {
  return toCsv(templateRecords(), COLUMN_NAMES.filter((c) => c !== 'sip_password'));
}

export const TEMPLATE_HELP = CSV_COLUMNS.filter((c) => c.name !== 'sip_password').map((c) => ({ column: c.name, required: !!c.required, description: c.description, example: c.example }));
