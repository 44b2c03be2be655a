import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError, mediaApi, mediaAudioUrl, type MediaFile, type UsageItem } from './api.ts';
import { formatDuration, holdMusicLabel } from './format.ts';
import { can } from './perms.ts';
import { useSession } from './session.tsx';
import { Dialog, Empty, Spinner, errorText, useToast } from './ui.tsx';

/** The account's hold music tracks (built-in 'Default' first); null while loading. Used by the office form too. */
export function useMediaLibrary(): { items: MediaFile[] | null; error: string | null; reload: () => void } {
  const s = useSession();
  const [items, setItems] = useState<MediaFile[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!can(s.actor, 'mediaLibrary')) {
      setItems([]);
      return;
    }
    let live = true;
    mediaApi
      .list(s.base)
      .then((r) => {
        if (!live) return;
        setItems(r.items);
        setError(null);
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [s.base, s.actor, tick]);
  return { items, error, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/** What an office's On Hold Music reference reads as: the track's name when the library is known. */
export function holdMusicName(ref: string, items: MediaFile[] | null): string {
  return items?.find((m) => m.id === ref)?.name ?? holdMusicLabel(ref);
}

function fileReason(e: unknown): string {
  const reason = e instanceof ApiError ? e.fields.find((f) => f.field === 'file')?.reason : undefined;
  return reason ? `The file ${reason}.` : errorText(e);
}

/** 'Hold Music': list with a player, upload with a name, rename, delete (refused while offices use a track). */
export function HoldMusic() {
  const s = useSession();
  const toast = useToast();
  const { items, error, reload } = useMediaLibrary();
  const manage = can(s.actor, 'manageMedia');
  const [renaming, setRenaming] = useState<MediaFile | null>(null);
  const [deleting, setDeleting] = useState<MediaFile | null>(null);
  const usedBy = (id: string) => s.offices.filter((o) => o.onHoldMusic === id);

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Hold Music</h1>
          <div className="muted">What callers hear while a user of an office holds them. Pick a track for each office under Manage Office.</div>
        </div>
      </div>
      <div className="page-form">
        {manage && <UploadCard onUploaded={reload} />}
        <section className="card form-section" id="hold-music-tracks" aria-labelledby="hold-music-tracks-h">
          <div className="card-head">
            <h2 id="hold-music-tracks-h">Tracks</h2>
          </div>
          {error ? (
            <Empty title="Could not load the hold music">{error}</Empty>
          ) : !items ? (
            <Spinner />
          ) : (
            <ul className="vm-list" aria-label="Hold music tracks">
              {items.map((m) => {
                const offices = usedBy(m.id);
                return (
                  <li key={m.id} className="vm-msg" data-testid="media-track">
                    <div className="vm-msg-head">
                      <div className="vm-caller">
                        <span className="vm-who">{m.name}</span>
                        {m.builtIn && <span className="tag">Built-in</span>}
                        <div className="muted small">
                          <span aria-label="Length">{formatDuration(m.durationMs)}</span>
                          {' · '}
                          {offices.length ? `Used by ${offices.map((o) => o.name).join(', ')}` : 'Not used by any office'}
                        </div>
                      </div>
                      {manage && !m.builtIn && (
                        <div className="vm-actions">
                          <button type="button" className="btn btn-sm" onClick={() => setRenaming(m)} aria-label={`Rename ${m.name}`}>
                            Rename
                          </button>
                          <button type="button" className="btn btn-sm btn-danger-outline" onClick={() => setDeleting(m)} aria-label={`Delete ${m.name}`}>
                            Delete
                          </button>
                        </div>
                      )}
                    </div>
                    <audio className="vm-audio" controls preload="none" src={mediaAudioUrl(s.base, m)} aria-label={`Play ${m.name}`} />
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      </div>
      {renaming && (
        <RenameDialog
          track={renaming}
          onClose={() => setRenaming(null)}
          onSaved={(m) => {
            toast('ok', `Renamed to “${m.name}”`);
            setRenaming(null);
            reload();
          }}
        />
      )}
      {deleting && (
        <DeleteDialog
          track={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            toast('ok', `“${deleting.name}” deleted`);
            setDeleting(null);
            reload();
          }}
        />
      )}
    </div>
  );
}

function UploadCard({ onUploaded }: { onUploaded: () => void }) {
  const s = useSession();
  const toast = useToast();
  const nameId = useId();
  const fileId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<{ name?: string; file?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  const send = async (e: React.FormEvent) => {
    e.preventDefault();
    const missing = { ...(!name.trim() && { name: 'Give the track a name.' }), ...(!file && { file: 'Choose a WAV, MP3 or OGG file.' }) };
    if (missing.name || missing.file) {
      setErrors(missing);
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const m = await mediaApi.upload(s.base, name.trim(), file!);
      toast('ok', `“${m.name}” added to the hold music`);
      setName('');
      setFile(null);
      if (fileRef.current) fileRef.current.value = '';
      onUploaded();
    } catch (err) {
      const fields = err instanceof ApiError ? err.fields : [];
      const nameReason = fields.find((f) => f.field === 'name')?.reason;
      const fileErr = fields.some((f) => f.field === 'file') ? fileReason(err) : undefined;
      setErrors({ name: nameReason ? `The name ${nameReason}.` : undefined, file: fileErr, form: !nameReason && !fileErr ? errorText(err) : undefined });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card form-section" id="hold-music-upload" aria-labelledby="hold-music-upload-h">
      <div className="card-head">
        <h2 id="hold-music-upload-h">Add a track</h2>
      </div>
      <p className="muted section-intro">WAV, MP3 or OGG, up to 10 MB and 10 minutes. It is converted to telephone quality (8 kHz mono).</p>
      <form onSubmit={send} noValidate className="form-grid">
        {errors.form && (
          <div className="form-error" role="alert">
            {errors.form}
          </div>
        )}
        <div className={`field${errors.name ? ' has-error' : ''}`}>
          <label htmlFor={nameId}>Track name</label>
          <input id={nameId} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} aria-invalid={errors.name ? true : undefined} aria-describedby={errors.name ? `${nameId}-err` : undefined} />
          {errors.name && (
            <div className="field-error" id={`${nameId}-err`} role="alert">
              {errors.name}
            </div>
          )}
        </div>
        <div className={`vm-upload${errors.file ? ' has-error' : ''}`}>
          <label htmlFor={fileId} className="label-like">
            Audio file
          </label>
          <div className="vm-upload-row">
            <input
              ref={fileRef}
              id={fileId}
              type="file"
              accept=".wav,.mp3,.ogg,.oga,audio/wav,audio/x-wav,audio/mpeg,audio/ogg"
              aria-invalid={errors.file ? true : undefined}
              aria-describedby={errors.file ? `${fileId}-err` : undefined}
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setErrors((x) => ({ ...x, file: undefined }));
              }}
            />
            <button type="submit" className="btn btn-sm btn-primary" disabled={busy}>
              {busy ? 'Uploading…' : 'Upload'}
            </button>
          </div>
          {errors.file && (
            <div className="field-error" id={`${fileId}-err`} role="alert">
              {errors.file}
            </div>
          )}
        </div>
      </form>
    </section>
  );
}

function RenameDialog({ track, onClose, onSaved }: { track: MediaFile; onClose: () => void; onSaved: (m: MediaFile) => void }) {
  const s = useSession();
  const id = useId();
  const [name, setName] = useState(track.name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(await mediaApi.rename(s.base, track.id, name));
    } catch (err) {
      const reason = err instanceof ApiError ? err.fields.find((f) => f.field === 'name')?.reason : undefined;
      setError(reason ? `The name ${reason}.` : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Rename ${track.name}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="media-rename" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="media-rename" onSubmit={save} noValidate>
        <div className={`field${error ? ' has-error' : ''}`}>
          <label htmlFor={id}>Track name</label>
          <input id={id} value={name} maxLength={80} autoFocus onChange={(e) => setName(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-err` : undefined} />
          {error && (
            <div className="field-error" id={`${id}-err`} role="alert">
              {error}
            </div>
          )}
        </div>
      </form>
    </Dialog>
  );
}

function DeleteDialog({ track, onClose, onDeleted }: { track: MediaFile; onClose: () => void; onDeleted: () => void }) {
  const s = useSession();
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<{ message: string; offices: string[] } | null>(null);
  const remove = async () => {
    setBusy(true);
    try {
      await mediaApi.remove(s.base, track.id);
      onDeleted();
    } catch (err) {
      const usage = err instanceof ApiError && err.code === 'in_use' ? ((err.body as { usage?: UsageItem[] })?.usage ?? []) : [];
      setRefusal({ message: usage.length ? `“${track.name}” is still the hold music of:` : errorText(err), offices: usage.map((u) => u.name) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Delete ${track.name}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} autoFocus>
            {refusal ? 'OK' : 'Cancel'}
          </button>
          {!refusal && (
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void remove()}>
              Delete track
            </button>
          )}
        </>
      }
    >
      {refusal ? (
        <div role="alert" data-testid="media-delete-refused">
          <p>{refusal.message}</p>
          {refusal.offices.length > 0 && (
            <>
              <ul>
                {refusal.offices.map((o) => (
                  <li key={o}>
                    <strong>{o}</strong>
                  </li>
                ))}
              </ul>
              <p className="muted">Pick another track for {refusal.offices.length === 1 ? 'that office' : 'those offices'} under Manage Office, then delete it.</p>
            </>
          )}
        </div>
      ) : (
        <p>
          Delete the track <strong>{track.name}</strong>? It is removed from the server. This cannot be undone.
        </p>
      )}
    </Dialog>
  );
}
