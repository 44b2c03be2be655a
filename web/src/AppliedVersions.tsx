import { Fragment, useEffect, useState } from 'react';
import { get } from './api.ts';
import { formatNumber } from './format.ts';
import { useSession } from './session.tsx';
import { Crumbs, Empty, Spinner, errorText } from './ui.tsx';

interface Counts {
  added: number;
  removed: number;
  modified: number;
}
interface Version {
  version: number;
  appliedBy: string;
  appliedAt: string;
  summary: string;
  counts: Counts;
}
type FieldChange = { field: string; before: unknown; after: unknown } | { field: string; changed: 'secret' | 'document' };
interface VersionChange {
  kind: string;
  id: string;
  name: string;
  change: 'added' | 'removed' | 'modified';
  fields: FieldChange[];
}
interface VersionDiff extends Version {
  previous: number | null;
  changes: VersionChange[];
}

const show = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map(show).join(', ') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

export function countsText(c: Counts): string {
  return [`${c.added} added`, `${c.modified} changed`, `${c.removed} removed`].join(' · ');
}

/** 'Applied versions': each Apply Changes, who applied it and when, and what it changed against the one before. */
export function AppliedVersions() {
  const s = useSession();
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<Record<number, VersionDiff | 'loading' | { error: string }>>({});

  useEffect(() => {
    get<{ items: Version[]; total: number }>(`${s.base}/config/versions?limit=100`)
      .then((r) => {
        setVersions(r.items);
        setTotal(r.total);
      })
      .catch((e) => setError(errorText(e)));
  }, [s.base]);

  const toggle = (n: number) => {
    if (open[n]) {
      const { [n]: _gone, ...rest } = open;
      setOpen(rest);
      return;
    }
    setOpen((o) => ({ ...o, [n]: 'loading' }));
    get<VersionDiff>(`${s.base}/config/versions/${n}/diff`)
      .then((d) => setOpen((o) => (o[n] ? { ...o, [n]: d } : o)))
      .catch((e) => setOpen((o) => (o[n] ? { ...o, [n]: { error: errorText(e) } } : o)));
  };
  const officeName = (id: unknown) => s.offices.find((o) => o.id === id)?.name ?? show(id);
  const value = (field: string, v: unknown) => (field === 'officeId' ? officeName(v) : show(v));

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <Crumbs here="Applied versions" />
          <h1>Applied versions</h1>
          <p className="muted">Each &lsquo;Apply Changes&rsquo; publishes the saved configuration as a new version. Open one to see what it changed against the version before. PINs and passwords are never shown, only that they changed.</p>
        </div>
      </div>
      {error ? (
        <Empty title="Cannot show the applied versions">{error}</Empty>
      ) : !versions ? (
        <Spinner label="Loading applied versions" />
      ) : versions.length === 0 ? (
        <Empty title="Nothing applied yet">Saved changes reach your phones and call routing when you click &lsquo;Apply Changes&rsquo;.</Empty>
      ) : (
        <table className="table version-list">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Applied</th>
              <th scope="col">By</th>
              <th scope="col">Changes</th>
              <th scope="col">
                <span className="sr-only">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => {
              const d = open[v.version];
              return (
                <Fragment key={v.version}>
                  <tr data-version={v.version}>
                    <td>{v.version}</td>
                    <td>{new Date(v.appliedAt).toLocaleString()}</td>
                    <td>{v.appliedBy}</td>
                    <td title={v.summary}>{countsText(v.counts)}</td>
                    <td className="actions">
                      <button type="button" className="btn btn-sm" aria-expanded={Boolean(d)} aria-controls={`version-${v.version}-changes`} onClick={() => toggle(v.version)}>
                        {d ? 'Hide changes' : 'Show changes'}
                        <span className="sr-only"> of version {v.version}</span>
                      </button>
                    </td>
                  </tr>
                  {d && (
                    <tr>
                      <td colSpan={5} id={`version-${v.version}-changes`} className="version-changes">
                        {d === 'loading' ? (
                          <Spinner label={`Loading the changes of version ${v.version}`} />
                        ) : 'error' in d ? (
                          <p className="field-error">{d.error}</p>
                        ) : (
                          <>
                            <p className="muted small">{d.previous ? `Against version ${d.previous}.` : 'The first version: everything in it was added.'}</p>
                            <ul className="change-list">
                              {d.changes.map((c) => (
                                <li key={`${c.kind}-${c.id}`}>
                                  <span className={`badge change-${c.change}`}>{c.change === 'modified' ? 'changed' : c.change}</span> <span className="muted">{c.kind.replace(/_/g, ' ')}</span>{' '}
                                  <strong>{c.kind === 'number' ? formatNumber(c.name) : c.name}</strong>
                                  {c.fields.length > 0 && (
                                    <ul className="field-changes">
                                      {c.fields.map((f) => (
                                        <li key={f.field}>
                                          <span className="mono">{f.field}</span>:{' '}
                                          {'changed' in f ? (
                                            <em>changed{f.changed === 'secret' ? ' (not shown)' : ''}</em>
                                          ) : (
                                            <>
                                              <span className="mono">{value(f.field, f.before)}</span> → <span className="mono">{value(f.field, f.after)}</span>
                                            </>
                                          )}
                                        </li>
                                      ))}
                                    </ul>
                                  )}
                                </li>
                              ))}
                            </ul>
                          </>
                        )}
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
      {versions && total > versions.length && <p className="muted small">Showing the newest {versions.length} of {total} versions.</p>}
    </div>
  );
}
