import { useEffect, useState } from 'react';
import { post, type BulkAction, type BulkRequest, type BulkResponse, type BulkResult, type User } from './api.ts';
import { can } from './perms.ts';
import { useSession } from './session.tsx';
import { Dialog, Spinner, errorText, useToast } from './ui.tsx';
import { plural } from './format.ts';
import { UsageList } from './UserManage.tsx';

/** What the toast says about the users an action did: "2 users disabled", "1 user moved to Brisbane". */
const DONE_WORDS: Record<BulkAction, string> = {
  enable: 'enabled',
  disable: 'disabled',
  change_office: 'moved',
  send_credentials: 'sent their credentials',
  delete: 'deleted',
};

/**
 * The bar over the users list while users are selected: change office, enable, disable, send credentials,
 * delete (after showing each one's Usage). One request each (POST …/users/bulk); the server authorizes every
 * user as it would one at a time, and answers per user. Afterwards only the users it could not do stay selected.
 */
export function BulkBar({ selected, onClear, onDone }: { selected: User[]; onClear: () => void; onDone: (keep: string[]) => void }) {
  const s = useSession();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<null | 'office' | 'delete'>(null);
  const [problems, setProblems] = useState<{ action: BulkAction; results: BulkResult[] } | null>(null);
  const ids = selected.map((u) => u.id);

  const run = async (req: Omit<BulkRequest, 'userIds'>, officeName?: string): Promise<BulkResponse | null> => {
    setBusy(true);
    try {
      const r = await post<BulkResponse>(`${s.base}/users/bulk`, { ...req, userIds: ids });
      const done = r.results.filter((x) => x.status === 'done');
      const unchanged = r.results.filter((x) => x.status === 'unchanged').length;
      const refused = r.results.filter((x) => x.status === 'failed' || x.status === 'in_use');
      const parts = [done.length ? `${plural(done.length, 'user')} ${DONE_WORDS[req.action]}${officeName ? ` to ${officeName}` : ''}` : null, unchanged ? `${plural(unchanged, 'user')} already so` : null].filter(Boolean);
      if (parts.length) toast('ok', parts.join('; '));
      if (refused.length) {
        toast('error', `${plural(refused.length, 'user')} could not be ${req.action === 'send_credentials' ? 'sent their credentials' : DONE_WORDS[req.action]}`);
        setProblems({ action: req.action, results: refused });
      }
      s.usersChanged();
      // The users it could not do stay selected (and the bar with the dialog that says why).
      onDone(refused.map((x) => x.userId));
      return r;
    } catch (e) {
      toast('error', errorText(e));
      return null;
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="bulk-bar" role="toolbar" aria-label="Selected users">
      <span className="bulk-count" aria-live="polite">
        {plural(selected.length, 'user')} selected
      </span>
      <div className="bulk-actions">
        {can(s.actor, 'manageUser') && (
          <>
            <button type="button" className="btn btn-sm" disabled={busy} onClick={() => setDialog('office')}>
              Change office
            </button>
            <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void run({ action: 'enable' })}>
              Enable
            </button>
            <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void run({ action: 'disable' })}>
              Disable
            </button>
          </>
        )}
        {can(s.actor, 'credentials') && s.caps.sendCredentials && (
          <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void run({ action: 'send_credentials' })}>
            Send credentials
          </button>
        )}
        {can(s.actor, 'deleteUser') && (
          <button type="button" className="btn btn-sm btn-danger-outline" disabled={busy} onClick={() => setDialog('delete')}>
            Delete
          </button>
        )}
        <button type="button" className="btn btn-sm btn-ghost" onClick={onClear}>
          Clear selection
        </button>
      </div>
      {dialog === 'office' && (
        <ChangeOfficeDialog
          count={selected.length}
          busy={busy}
          onClose={() => setDialog(null)}
          onMove={async (officeId, name) => {
            if (await run({ action: 'change_office', officeId }, name)) setDialog(null);
          }}
        />
      )}
      {dialog === 'delete' && (
        <DeleteDialog
          ids={ids}
          busy={busy}
          onClose={() => setDialog(null)}
          onDelete={async (cascade) => {
            if (await run({ action: 'delete', ...(cascade && { cascade }) })) setDialog(null);
          }}
        />
      )}
      {problems && (
        <Dialog
          title={problems.action === 'delete' ? 'Not deleted' : 'Not done'}
          onClose={() => setProblems(null)}
          footer={
            <button type="button" className="btn btn-primary" onClick={() => setProblems(null)}>
              Close
            </button>
          }
        >
          <ul className="bulk-results">
            {problems.results.map((r) => (
              <li key={r.userId}>
                <strong>
                  {r.displayName} ({r.extension})
                </strong>
                : {r.message ?? r.status}
                {r.usage && r.usage.length > 0 && <UsageList items={r.usage.filter((u) => u.removal === 'manual')} />}
              </li>
            ))}
          </ul>
        </Dialog>
      )}
    </div>
  );
}

function ChangeOfficeDialog({ count, busy, onClose, onMove }: { count: number; busy: boolean; onClose: () => void; onMove: (officeId: string, name: string) => void }) {
  const s = useSession();
  const [officeId, setOfficeId] = useState('');
  const office = s.offices.find((o) => o.id === officeId);
  return (
    <Dialog
      title="Change office"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={!office || busy} onClick={() => office && onMove(office.id, office.name)}>
            Move {plural(count, 'user')}
          </button>
        </>
      }
    >
      <div className="field">
        <label htmlFor="bulk-office">New office</label>
        <select id="bulk-office" value={officeId} onChange={(e) => setOfficeId(e.target.value)}>
          <option value="">Choose an office…</option>
          {s.offices.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <div className="hint">Their extensions, numbers and settings stay as they are.</div>
      </div>
    </Dialog>
  );
}

/** Shows every selected user's Usage first (a dry run): who would go, what goes with them, who is in use and why. */
function DeleteDialog({ ids, busy, onClose, onDelete }: { ids: string[]; busy: boolean; onClose: () => void; onDelete: (cascade: boolean) => void }) {
  const s = useSession();
  const [preview, setPreview] = useState<BulkResult[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [alsoRemove, setAlsoRemove] = useState(false);
  useEffect(() => {
    let live = true;
    // With cascade, only what must be changed by hand refuses a user; handsets and numbers are shown and asked about.
    post<BulkResponse>(`${s.base}/users/bulk`, { action: 'delete', userIds: ids, cascade: true, dryRun: true })
      .then((r) => live && setPreview(r.results))
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [s.base, ids.join(',')]);
  const cascading = (r: BulkResult) => (r.usage ?? []).filter((u) => u.removal === 'cascade');
  const refused = (r: BulkResult) => r.status === 'in_use' || (!alsoRemove && cascading(r).length > 0);
  const going = preview?.filter((r) => !refused(r)) ?? [];
  const anyCascade = preview?.some((r) => r.status !== 'in_use' && cascading(r).length > 0) ?? false;
  return (
    <Dialog
      title="Delete users"
      wide
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" disabled={!preview || going.length === 0 || busy} onClick={() => onDelete(alsoRemove)}>
            Delete {plural(going.length, 'user')}
          </button>
        </>
      }
    >
      {error ? (
        <p className="field-error">{error}</p>
      ) : !preview ? (
        <Spinner label="Checking where these users are used" />
      ) : (
        <>
          <ul className="bulk-results" aria-label="Usage of the selected users">
            {preview.map((r) => {
              const blocking = r.status === 'in_use' ? (r.usage ?? []).filter((u) => u.removal === 'manual') : alsoRemove ? [] : cascading(r);
              const goesWith = (r.usage ?? []).filter((u) => !blocking.includes(u) && (u.removal === 'with_resource' || (u.removal === 'cascade' && alsoRemove)));
              return (
                <li key={r.userId} data-testid={`bulk-usage-${r.extension}`}>
                  <strong>
                    {r.displayName} ({r.extension})
                  </strong>{' '}
                  {refused(r) ? <span className="tag tag-setup_required">In use: not deleted</span> : <span className="tag">Will be deleted</span>}
                  {blocking.length > 0 && (
                    <>
                      <p className="small">{r.status === 'in_use' ? 'Remove the user from these first:' : 'Has handsets or direct numbers:'}</p>
                      <UsageList items={blocking} />
                    </>
                  )}
                  {goesWith.length > 0 && (
                    <>
                      <p className="small muted">Removed with the user:</p>
                      <UsageList items={goesWith} />
                    </>
                  )}
                </li>
              );
            })}
          </ul>
          {anyCascade && (
            <label className="check">
              <input type="checkbox" checked={alsoRemove} onChange={(e) => setAlsoRemove(e.target.checked)} /> Also remove their handsets and return their direct numbers to spare
            </label>
          )}
          <p className="muted small">This cannot be undone.</p>
        </>
      )}
    </Dialog>
  );
}
