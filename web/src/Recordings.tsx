import { useEffect, useId, useState } from 'react';
import { get, qs, recordingAudioUrl, recordingsApi, type Page, type Recording, type RecordingParty, type User } from './api.ts';
import { formatCaller, formatDateTime, formatDuration } from './format.ts';
import { useSession } from './session.tsx';
import { Dialog, Empty, Spinner, errorText, useToast } from './ui.tsx';

const PAGE = 50;
const DIRECTIONS: Array<[string, string]> = [
  ['', 'All calls'],
  ['internal', 'Internal'],
  ['inbound', 'Inbound'],
  ['outbound', 'Outbound'],
];

function party(p: RecordingParty, country: string): string {
  if (!p.number) return p.name ?? 'Withheld';
  const n = /^\+/.test(p.number) ? formatCaller(p.number, country) : p.number;
  return p.name ? `${p.name} (${n})` : n;
}

/**
 * 'Recordings': the calls recorded for users with 'Record calls from this extension' (docs/media.md). Office
 * Managers see the account's, Site Managers the calls of their offices. Filter by user, dates and direction;
 * play in the page, download, delete.
 */
export function Recordings() {
  const s = useSession();
  const toast = useToast();
  const ids = { user: useId(), from: useId(), to: useId(), dir: useId() };
  const [users, setUsers] = useState<User[]>([]);
  const [filter, setFilter] = useState({ userId: '', from: '', to: '', direction: '' });
  const [offset, setOffset] = useState(0);
  const [data, setData] = useState<{ items: Recording[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [deleting, setDeleting] = useState<Recording | null>(null);

  useEffect(() => {
    get<Page<User>>(`${s.base}/users${qs({ limit: 200 })}`)
      .then((p) => setUsers(p.items))
      .catch(() => setUsers([]));
  }, [s.base]);

  useEffect(() => {
    let live = true;
    setData(null);
    recordingsApi
      .list(s.base, { userId: filter.userId || undefined, from: filter.from || undefined, to: filter.to || undefined, direction: filter.direction || undefined, limit: PAGE, offset })
      .then((r) => {
        if (!live) return;
        setData(r);
        setError(null);
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [s.base, filter, offset, tick]);

  const set = (k: keyof typeof filter) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    setOffset(0);
    setFilter((f) => ({ ...f, [k]: e.target.value }));
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Recordings</h1>
          <div className="muted">Calls to and from users with “Record calls from this extension” (Security). Kept for {s.account.recordingRetentionDays ?? 90} days.</div>
        </div>
      </div>
      <div className="page-form">
        <section className="card form-section" aria-label="Filter recordings">
          <div className="rec-filters">
            <label htmlFor={ids.user}>
              User
              <select id={ids.user} value={filter.userId} onChange={set('userId')}>
                <option value="">Everyone</option>
                {users.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.extension} {u.displayName}
                  </option>
                ))}
              </select>
            </label>
            <label htmlFor={ids.from}>
              From
              <input id={ids.from} type="date" value={filter.from} onChange={set('from')} />
            </label>
            <label htmlFor={ids.to}>
              To
              <input id={ids.to} type="date" value={filter.to} onChange={set('to')} />
            </label>
            <label htmlFor={ids.dir}>
              Direction
              <select id={ids.dir} value={filter.direction} onChange={set('direction')}>
                {DIRECTIONS.map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </section>
        <section className="card form-section" aria-labelledby="rec-list-h">
          <div className="card-head">
            <h2 id="rec-list-h">Recorded calls{data ? ` (${data.total})` : ''}</h2>
          </div>
          {error ? (
            <Empty title="Could not load the recordings">{error}</Empty>
          ) : !data ? (
            <Spinner />
          ) : data.items.length === 0 ? (
            <Empty title="No recordings">No recorded calls match these filters.</Empty>
          ) : (
            <ul className="vm-list" aria-label="Recordings">
              {data.items.map((r) => {
                const who = `${party(r.caller, s.account.country)} → ${party(r.callee, s.account.country)}`;
                return (
                  <li key={r.id} className="vm-msg" data-testid="recording">
                    <div className="vm-msg-head">
                      <div className="vm-caller">
                        <span className="vm-who">{who}</span>
                        <span className="tag">{r.direction}</span>
                        <div className="muted small">
                          <span aria-label="Started">{formatDateTime(r.startedAt)}</span>
                          {' · '}
                          <span aria-label="Length">{formatDuration(r.durationMs)}</span>
                        </div>
                      </div>
                      <div className="vm-actions">
                        <a className="btn btn-sm" href={recordingAudioUrl(s.base, r.id, true)} download aria-label={`Download the recording ${who}`}>
                          Download
                        </a>
                        <button type="button" className="btn btn-sm btn-danger-outline" onClick={() => setDeleting(r)} aria-label={`Delete the recording ${who}`}>
                          Delete
                        </button>
                      </div>
                    </div>
                    <audio className="vm-audio" controls preload="none" src={recordingAudioUrl(s.base, r.id)} aria-label={`Play the recording ${who}`} />
                  </li>
                );
              })}
            </ul>
          )}
          {data && data.total > PAGE && (
            <div className="pager">
              <button type="button" className="btn btn-sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Newer
              </button>
              <span className="muted small">
                {offset + 1}–{Math.min(offset + PAGE, data.total)} of {data.total}
              </span>
              <button type="button" className="btn btn-sm" disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>
                Older
              </button>
            </div>
          )}
        </section>
      </div>
      {deleting && (
        <Dialog
          title="Delete recording"
          onClose={() => setDeleting(null)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setDeleting(null)} autoFocus>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => {
                  const r = deleting;
                  recordingsApi
                    .remove(s.base, r.id)
                    .then(() => {
                      toast('ok', 'Recording deleted');
                      setDeleting(null);
                      setTick((t) => t + 1);
                    })
                    .catch((e) => {
                      toast('error', errorText(e));
                      setDeleting(null);
                    });
                }}
              >
                Delete recording
              </button>
            </>
          }
        >
          <p>
            Delete the recording of the call {party(deleting.caller, s.account.country)} → {party(deleting.callee, s.account.country)} on {formatDateTime(deleting.startedAt)}? This cannot be undone.
          </p>
        </Dialog>
      )}
    </div>
  );
}
