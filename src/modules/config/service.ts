import { AppError, ConflictError, NotFoundError } from '../../shared/errors.ts';
import { actorLabel, authorize, type Actor } from '../../shared/permissions.ts';
import { authorizeGroupRead, authorizeGroupWrite } from '../../shared/group-access.ts';
import { emit, type Deps } from '../../shared/deps.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { uniqueViolation, type Database } from '../../db/database.ts';
import { resolveAccount } from '../accounts/service.ts';
import * as repo from './repository.ts';
import { countChanges, diffDocuments, redact, summarise, versionDiff, type ChangeCounts, type ConfigChange, type ConfigDocument, type VersionChange } from './rules.ts';

export interface PendingChanges {
  pending: boolean;
  /** The current applied version (0 = never applied). */
  version: number;
  changes: ConfigChange[];
  summary: string;
}

/** A consistent read of several tables: REPEATABLE READ on PostgreSQL (SQLite transactions already are). */
function readTx(database: Database) {
  const t = database.db.transaction();
  return database.dialect === 'postgres' ? t.setIsolationLevel('repeatable read') : t;
}

/** GET pending: the diff between the live (saved) configuration and the last applied one. */
export async function getPending(deps: Deps, actor: Actor, accountKey: string): Promise<PendingChanges> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupRead(actor, account.id, 'configuration');
  return readTx(deps.database).execute(async (tx) => {
    const applied = await repo.getAppliedSnapshot(tx, account.id);
    const changes = diffDocuments(applied?.document ?? null, await repo.snapshot(tx, account.id));
    return { pending: changes.length > 0, version: applied?.version ?? 0, changes, summary: summarise(changes) };
  });
}

/**
 * 'Apply Changes': snapshots the whole live configuration as the next numbered version, atomically.
 * expectedVersion (the version the person reviewed the diff against) refuses a concurrent apply.
 */
export async function applyChanges(deps: Deps, actor: Actor, accountKey: string, input: { expectedVersion?: number } = {}): Promise<repo.AppliedVersion & { changes: ConfigChange[] }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'configuration');
  const result = await readTx(deps.database)
    .execute(async (tx) => {
      const applied = await repo.getAppliedSnapshot(tx, account.id);
      const current = applied?.version ?? 0;
      if (input.expectedVersion !== undefined && input.expectedVersion !== current) {
        throw new ConflictError('expectedVersion', `version ${current} was applied meanwhile; review the pending changes again`);
      }
      const doc = await repo.snapshot(tx, account.id);
      const changes = diffDocuments(applied?.document ?? null, doc);
      if (!changes.length) throw new AppError(409, 'nothing_to_apply', 'there are no pending changes', [{ field: 'changes', reason: 'nothing changed since the last apply' }]);
      const row = { id: newId(), account_id: account.id, version: current + 1, document: JSON.stringify(doc), summary: summarise(changes), applied_by: actorLabel(actor), applied_at: nowIso() };
      await repo.insertVersion(tx, row);
      return { version: row.version, appliedBy: row.applied_by, appliedAt: row.applied_at, summary: row.summary, changes };
    })
    .catch((err: unknown) => {
      if (uniqueViolation(err)) throw new ConflictError('version', 'another Apply Changes ran at the same time; review the pending changes again');
      if (err instanceof Error && /could not serialize/.test(err.message)) throw new ConflictError('version', 'the configuration changed while applying; try again');
      throw err;
    });
  await emit(deps, actor, 'config.applied', account.id, account.id, undefined, { version: result.version, summary: result.summary, changes: result.changes });
  return result;
}

/** 'Discard': the live tables go back to the last applied configuration, in one transaction. */
export async function discardChanges(deps: Deps, actor: Actor, accountKey: string): Promise<PendingChanges> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupWrite(actor, account.id, 'configuration');
  const discarded = await deps.database.db.transaction().execute(async (tx) => {
    const applied = await repo.getAppliedSnapshot(tx, account.id);
    if (!applied) throw new AppError(409, 'nothing_applied', 'nothing has been applied yet, so there is nothing to go back to', [{ field: 'version', reason: 'no applied version' }]);
    const changes = diffDocuments(applied.document, await repo.snapshot(tx, account.id));
    if (changes.length) await repo.restore(tx, account.id, applied.document);
    return { version: applied.version, changes };
  });
  await emit(deps, actor, 'config.discarded', account.id, account.id, undefined, { version: discarded.version, summary: summarise(discarded.changes), changes: discarded.changes });
  return getPending(deps, actor, accountKey);
}

/** The history of applied versions is the account's change history: the Office Manager's, like the audit log. */
function authorizeHistory(actor: Actor, accountId: string): void {
  authorize(actor, 'audit.read', { accountId }, 'configuration version');
}

/** Counts per applied version (an applied version never changes, so each is worked out once). */
const countsCache = new Map<string, ChangeCounts>();

async function countsOf(deps: Deps, accountId: string, version: number): Promise<ChangeCounts> {
  const key = `${accountId}:${version}`;
  let c = countsCache.get(key);
  if (!c) {
    const db = deps.database.db;
    const [v, prev] = await Promise.all([repo.getVersion(db, accountId, version), version > 1 ? repo.getVersion(db, accountId, version - 1) : null]);
    c = countChanges(v ? diffDocuments(prev?.document ?? null, v.document) : []);
    if (countsCache.size >= 2000) countsCache.delete(countsCache.keys().next().value!);
    countsCache.set(key, c);
  }
  return c;
}

/** 'Applied versions': newest first, who applied each and when, and how many rows it added, removed, changed. */
export async function listVersions(deps: Deps, actor: Actor, accountKey: string, opts: { limit: number; offset: number }): Promise<{ items: Array<repo.AppliedVersion & { counts: ChangeCounts }>; total: number }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeHistory(actor, account.id);
  const page = await repo.listVersions(deps.database.db, account.id, opts.limit, opts.offset);
  const items = [];
  for (const v of page.items) items.push({ ...v, counts: await countsOf(deps, account.id, v.version) });
  return { items, total: page.total };
}

/** What version n changed against n − 1, field by field; secrets only as 'changed'. */
export async function getVersionDiff(deps: Deps, actor: Actor, accountKey: string, version: number): Promise<repo.AppliedVersion & { previous: number | null; counts: ChangeCounts; changes: VersionChange[] }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeHistory(actor, account.id);
  const db = deps.database.db;
  const v = await repo.getVersion(db, account.id, version);
  if (!v) throw new NotFoundError('configuration version');
  const prev = version > 1 ? await repo.getVersion(db, account.id, version - 1) : null;
  const { document, ...meta } = v;
  const changes = versionDiff(prev?.document ?? null, document);
  return { ...meta, previous: prev ? prev.version : null, counts: countChanges(changes), changes };
}

/** One applied version: who, when, what changed against the one before, and the document without secrets. */
export async function getVersion(deps: Deps, actor: Actor, accountKey: string, version: number): Promise<repo.AppliedVersion & { changes: ConfigChange[]; document: ConfigDocument }> {
  const account = await resolveAccount(deps, actor, accountKey);
  authorizeGroupRead(actor, account.id, 'configuration');
  const db = deps.database.db;
  const v = await repo.getVersion(db, account.id, version);
  if (!v) throw new NotFoundError('configuration version');
  const prev = version > 1 ? await repo.getVersion(db, account.id, version - 1) : null;
  const { document, ...meta } = v;
  return { ...meta, changes: diffDocuments(prev?.document ?? null, document), document: redact(document) };
}
