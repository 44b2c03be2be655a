import { useEffect, useRef, useState } from 'react';
import { ApiError, get, qs, upload, type ImportCheck, type ImportColumn, type ImportJob, type ImportRowError } from './api.ts';
import { can } from './perms.ts';
import { useSession } from './session.tsx';
import { plural } from './format.ts';
import { NavLink, Crumbs, Empty, FormError, Spinner, errorText, useToast } from './ui.tsx';

/** The server refuses bigger uploads (src/modules/imports/routes.ts MAX_CSV_BYTES). */
const MAX_BYTES = 50 * 1024 * 1024;

type Check =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'invalid'; errors: ImportRowError[]; total: number }
  | { kind: 'valid'; result: ImportCheck }
  | { kind: 'error'; message: string };
type Load = { kind: 'idle' } | { kind: 'loading' } | { kind: 'done'; job: ImportJob } | { kind: 'error'; message: string };

interface Picked {
  name: string;
  size: number;
  /** The bytes as read when the file was picked: validation and loading send exactly these. */
  blob: Blob;
}

/**
 * 'Import Data' (seed 003): download the empty template (blue), select the CSV file (grey) — every row is
 * checked by a dry run and errors appear in red — then load the data (green), all or nothing.
 */
export function ImportUsers() {
  const s = useSession();
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<Picked | null>(null);
  const [update, setUpdate] = useState(false);
  const [check, setCheck] = useState<Check>({ kind: 'idle' });
  const [load, setLoad] = useState<Load>({ kind: 'idle' });
  const gen = useRef(0);
  const checkRef = useRef<HTMLDivElement>(null);
  const loadRef = useRef<HTMLElement>(null);

  // What the person must look at next comes into view: the errors, or 'Load data' and then its result.
  useEffect(() => {
    if (check.kind === 'valid') loadRef.current?.scrollIntoView({ block: 'nearest' });
    else if (check.kind === 'invalid' || check.kind === 'error') checkRef.current?.scrollIntoView({ block: 'nearest' });
  }, [check]);
  useEffect(() => {
    if (load.kind === 'done' || load.kind === 'error') loadRef.current?.scrollIntoView({ block: 'nearest' });
  }, [load]);

  if (!s.caps.importCsv)
    return (
      <div className="page">
        <Empty title="Import is not available on this server" />
      </div>
    );
  if (!can(s.actor, 'importUsers'))
    return (
      <div className="page">
        <Empty title="Import is for Office Managers">Ask an Office Manager of your PBX to import users.</Empty>
      </div>
    );

  const validate = async (f: Picked, withUpdate: boolean) => {
    const my = ++gen.current;
    setLoad({ kind: 'idle' });
    if (f.size > MAX_BYTES) {
      setCheck({ kind: 'error', message: `The file is ${(f.size / 1024 / 1024).toFixed(1)} MB; at most 50 MB can be imported at once. Split it into smaller files.` });
      return;
    }
    setCheck({ kind: 'checking' });
    try {
      const r = await upload<ImportCheck>(`${s.base}/imports${qs({ dryRun: true, update: withUpdate || undefined })}`, f.blob, f.name);
      if (my === gen.current) setCheck({ kind: 'valid', result: r });
    } catch (e) {
      if (my !== gen.current) return;
      const body = e instanceof ApiError ? (e.body as { errors?: ImportRowError[]; total?: number } | undefined) : undefined;
      if (e instanceof ApiError && e.status === 422 && body?.errors) setCheck({ kind: 'invalid', errors: body.errors, total: body.total ?? 0 });
      else setCheck({ kind: 'error', message: errorText(e) });
    }
  };

  const pick = async (f: File | undefined) => {
    if (!f) return;
    // Read now: the file on disk may change (or go) before 'Load data', and what was checked is what loads.
    let blob: Blob;
    try {
      blob = new Blob([await f.arrayBuffer()], { type: f.type || 'text/csv' });
    } catch {
      setFile(null);
      setCheck({ kind: 'error', message: `Cannot read ${f.name}. Select the file again.` });
      return;
    }
    const picked = { name: f.name, size: f.size, blob };
    setFile(picked);
    void validate(picked, update);
  };

  const loadData = async () => {
    if (!file || check.kind !== 'valid') return;
    setLoad({ kind: 'loading' });
    try {
      const job = await upload<ImportJob>(`${s.base}/imports${qs({ wait: true, update: update || undefined })}`, file.blob, file.name);
      setLoad({ kind: 'done', job });
      if (job.status === 'done') toast('ok', `Import finished: ${plural(job.created, 'user')} created, ${job.updated} updated`);
      else toast('error', 'The import failed; nothing was written');
    } catch (e) {
      // Something changed since the check (another person added a user with the same extension ...).
      const body = e instanceof ApiError ? (e.body as { errors?: ImportRowError[]; total?: number } | undefined) : undefined;
      if (e instanceof ApiError && e.status === 422 && body?.errors) {
        setLoad({ kind: 'idle' });
        setCheck({ kind: 'invalid', errors: body.errors, total: body.total ?? 0 });
      } else setLoad({ kind: 'error', message: errorText(e) });
    } finally {
      // The list, the office counts and the 'N changes not applied' banner.
      s.usersChanged();
    }
  };

  const reset = () => {
    gen.current++;
    setFile(null);
    setCheck({ kind: 'idle' });
    setLoad({ kind: 'idle' });
  };

  const loaded = load.kind === 'done' && load.job.status === 'done';
  const templateHref = `${s.base}/imports/template.csv`;
  return (
    <div className="page page-import">
      <div className="page-head">
        <div className="page-title">
          <Crumbs here="Import Data" />
          <h1>Import Data</h1>
          <p className="muted page-sub">Create many users at once — with their handset, voicemail and basic call flow — from a CSV file.</p>
        </div>
      </div>

      <div className="import-steps">
        <Step n={1} title="Download the empty template">
          <p className="section-intro muted">
            Fill in one user per row: names, extensions (blank = next available), office, voicemail, and the MAC address and model of each user&apos;s phone. The second row is an example: delete it
            before importing.
          </p>
          <div className="import-actions">
            <a className="btn btn-primary" href={templateHref} download>
              Download the empty template
            </a>
          </div>
          <Columns />
        </Step>

        <Step n={2} title="Select your CSV file">
          <p className="section-intro muted">Every row is checked before anything is written. Errors appear in red: correct the file and select it again.</p>
          <div className="import-actions">
            <input
              ref={input}
              id="import-file"
              type="file"
              accept=".csv,text/csv"
              className="sr-only"
              tabIndex={-1}
              aria-hidden="true"
              onChange={(e) => {
                void pick(e.target.files?.[0]);
                // The same file name picked again (after fixing it) must fire 'change' again.
                e.target.value = '';
              }}
            />
            <button type="button" className="btn" onClick={() => input.current?.click()} disabled={load.kind === 'loading'} aria-describedby="import-file-name">
              Select CSV file
            </button>
            <span id="import-file-name" className={file ? 'import-file' : 'muted'}>
              {file ? (
                <>
                  <strong>{file.name}</strong> <span className="muted small">({formatSize(file.size)})</span>
                </>
              ) : (
                'No file selected'
              )}
            </span>
          </div>
          <div className="check">
            <input
              id="import-update"
              type="checkbox"
              checked={update}
              disabled={load.kind === 'loading'}
              aria-describedby="import-update-hint"
              onChange={(e) => {
                setUpdate(e.target.checked);
                if (file && !loaded) void validate(file, e.target.checked);
              }}
            />
            <label htmlFor="import-update">
              Update existing users
              <span className="hint" id="import-update-hint">
                A row whose extension already exists changes that user: an empty cell clears the value, a column left out of the file is left alone. Without it, such a row is an error.
              </span>
            </label>
          </div>
          <div ref={checkRef}>
            <CheckResult check={check} />
          </div>
        </Step>

        <Step n={3} title="Load the data" ref={loadRef}>
          <p className="section-intro muted">All rows are loaded together: if anything fails, nothing is written. The new users are saved; &apos;Apply Changes&apos; publishes them to your PBX.</p>
          <div className="import-actions">
            <button type="button" className="btn btn-success" disabled={check.kind !== 'valid' || load.kind === 'loading' || loaded} onClick={loadData}>
              {load.kind === 'loading' ? 'Loading data…' : 'Load data'}
            </button>
            {(loaded || (load.kind === 'done' && load.job.status === 'failed')) && (
              <button type="button" className="btn" onClick={reset}>
                Import another file
              </button>
            )}
          </div>
          {load.kind === 'loading' && <Spinner label={`Loading ${check.kind === 'valid' ? plural(check.result.total, 'row') : 'the rows'}`} />}
          {load.kind === 'error' && <FormError message={load.message} />}
          {load.kind === 'done' && <JobResult job={load.job} base={s.base} />}
        </Step>
      </div>
    </div>
  );
}

function CheckResult({ check }: { check: Check }) {
  switch (check.kind) {
    case 'idle':
      return null;
    case 'checking':
      return <Spinner label="Checking every row" />;
    case 'error':
      return <FormError message={check.message} />;
    case 'valid': {
      const r = check.result;
      return (
        <div className="notice notice-ok import-ready" role="status">
          <strong>The file is valid.</strong>
          <span>
            {plural(r.total, 'row')}: {plural(r.creates, 'new user')}
            {r.updates > 0 ? `, ${plural(r.updates, 'update')} of existing users` : ''}. Ready to load.
          </span>
        </div>
      );
    }
    case 'invalid': {
      const header = check.errors.some((e) => e.row === 1);
      const rows = new Set(check.errors.filter((e) => e.row > 1).map((e) => e.row)).size;
      const title = header
        ? 'The header row does not match the template; nothing was imported.'
        : `${rows} of ${plural(check.total, 'row')} ${rows === 1 ? 'has' : 'have'} errors; nothing was imported.`;
      return <ImportErrors title={title} errors={check.errors} />;
    }
  }
}

/** Every row error, in red: row (as a spreadsheet numbers it), column and reason. */
function ImportErrors({ title, errors }: { title: string; errors: ImportRowError[] }) {
  const sorted = [...errors].sort((a, b) => a.row - b.row);
  return (
    <div className="import-errors" role="alert">
      <div className="import-errors-title">
        <strong>{title}</strong> <span>{plural(errors.length, 'error')}</span>
      </div>
      <div className="import-errors-scroll" tabIndex={0} role="region" aria-label="Import errors">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Column</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((e, i) => (
              <tr key={i}>
                <td className="mono">{e.row === 1 ? '1 (header)' : e.row > 1 ? e.row : '—'}</td>
                <td className="mono">{e.column || '—'}</td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function JobResult({ job, base }: { job: ImportJob; base: string }) {
  if (job.status === 'failed') return <ImportErrors title="The import failed; nothing was written." errors={job.errors} />;
  return (
    <div className="notice notice-ok import-done" role="status">
      <strong>Import finished.</strong>
      <span>
        {plural(job.created, 'user')} created, {job.updated} updated.
      </span>
      <a href={`${base}/imports/${encodeURIComponent(job.id)}/result.csv`} download>
        Download the result (CSV)
      </a>
      <NavLink to="/">Back to Offices &amp; Users</NavLink>
    </div>
  );
}

/** 'What each column means', read from the server when opened. */
function Columns() {
  const s = useSession();
  const [columns, setColumns] = useState<ImportColumn[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <details
      className="import-columns"
      onToggle={(e) => {
        if (!(e.currentTarget as HTMLDetailsElement).open || columns) return;
        get<{ items: ImportColumn[] }>(`${s.base}/imports/columns`)
          .then((r) => setColumns(r.items))
          .catch((err) => setError(errorText(err)));
      }}
    >
      <summary>What each column means</summary>
      {error ? (
        <FormError message={error} />
      ) : !columns ? (
        <Spinner label="Loading the columns" />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Meaning</th>
              <th scope="col">Example</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => (
              <tr key={c.column}>
                <td className="mono">
                  {c.column}
                  {c.required && <span className="badge import-required">required</span>}
                </td>
                <td>{c.description}</td>
                <td className="mono">{c.example}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** One numbered step of the import (seed 003: template, select the file, load). */
function Step({ n, title, children, ref }: { n: number; title: string; children: React.ReactNode; ref?: React.Ref<HTMLElement> }) {
  return (
    <section className="card import-step" aria-labelledby={`import-step-${n}`} ref={ref}>
      <div className="card-head">
        <h2 id={`import-step-${n}`}>
          <span className="step-no" aria-hidden="true">
            {n}
          </span>
          {title}
        </h2>
      </div>
      {children}
    </section>
  );
}
