import { useEffect, useState } from 'react';
import { get } from './api.ts';
import { formatNumber } from './format.ts';
import { useSession } from './session.tsx';
import { Empty, Spinner, errorText } from './ui.tsx';

/** A row of GET /api/v1/accounts/:account/calls (docs/calls.md). */
export interface CallRow {
  id: string;
  direction: 'internal' | 'inbound' | 'outbound';
  from: string;
  to: string;
  result: 'ringing' | 'answered' | 'failed';
  sipCode: number | null;
  sipReason: string | null;
  startedAt: string;
  durationSeconds: number | null;
  routedBy: string;
}

/**
 * Call History: managers see their offices' calls, users their own (the server narrows the rows). Filters on
 * direction and result; "Older" follows the keyset cursor; CSV downloads every match.
 */
export function CallHistory() {
  const s = useSession();
  const [direction, setDirection] = useState('');
  const [result, setResult] = useState('');
  const [pages, setPages] = useState<string[]>(['']);
  const [data, setData] = useState<{ items: CallRow[]; next?: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const query = `${direction ? `&direction=${direction}` : ''}${result ? `&result=${result}` : ''}`;
  const after = pages[pages.length - 1]!;
  useEffect(() => {
    let live = true;
    setData(null);
    get<{ items: CallRow[]; next?: string }>(`${s.base}/calls?limit=50${query}${after ? `&after=${encodeURIComponent(after)}` : ''}`)
      .then((r) => live && (setData(r), setError(null)))
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [s.base, query, after]);
  const reset = () => setPages(['']);
  const mine = s.actor.scope !== 'office_manager' && s.actor.scope !== 'site_manager' && s.actor.scope !== 'call_center_supervisor';
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 id="calls-title">Call History</h1>
          <div className="muted">
            {mine ? 'Your calls' : 'Calls of the offices you manage'}: who called whom, how each call ended and which rule routed it. Kept for {s.account.callRetentionDays ?? 365} days.
          </div>
        </div>
      </div>
      <div className="page-form">
        <section className="card form-section" aria-label="Filter calls">
          <div className="rec-filters">
            <label>
              Direction
              <select value={direction} onChange={(e) => (setDirection(e.target.value), reset())}>
                <option value="">All</option>
                <option value="internal">Internal</option>
                <option value="inbound">Inbound</option>
                <option value="outbound">Outbound</option>
              </select>
            </label>
            <label>
              Result
              <select value={result} onChange={(e) => (setResult(e.target.value), reset())}>
                <option value="">All</option>
                <option value="answered">Answered</option>
                <option value="failed">Failed</option>
              </select>
            </label>
            <a className="btn btn-sm" href={`${s.base}/calls?format=csv${query}`} download>
              Export CSV
            </a>
          </div>
        </section>
        <section className="card form-section" aria-labelledby="calls-title">
          {error ? (
            <Empty title="Could not load call history">{error}</Empty>
          ) : !data ? (
            <Spinner />
          ) : data.items.length === 0 ? (
            <Empty title="No calls">No calls match these filters.</Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Direction</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Result</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Routed by</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((c) => (
                  <tr key={c.id}>
                    <td>{new Date(c.startedAt).toLocaleString()}</td>
                    <td>
                      <span className="tag">{c.direction}</span>
                    </td>
                    <td className="mono">{formatParty(c.from)}</td>
                    <td className="mono">{formatParty(c.to)}</td>
                    <td>{c.result === 'failed' ? `failed (${c.sipCode ?? '?'}${c.sipReason ? ` ${c.sipReason}` : ''})` : c.result}</td>
                    <td>{c.durationSeconds === null ? '' : `${c.durationSeconds} s`}</td>
                    <td className="muted small">{c.routedBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {(pages.length > 1 || data?.next) && (
            <div className="pager">
              <button type="button" className="btn btn-sm" disabled={pages.length <= 1} onClick={() => setPages((p) => p.slice(0, -1))}>
                Newer
              </button>
              <button type="button" className="btn btn-sm" disabled={!data?.next} onClick={() => setPages((p) => [...p, data!.next!])}>
                Older
              </button>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}

/** An E.164 number formatted like the rest of the portal; an extension as it is. */
function formatParty(v: string): string {
  return v.startsWith('+') ? formatNumber(v) : v;
}
