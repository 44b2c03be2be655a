import { useCallback, useEffect, useId, useRef, useState } from 'react';
import {
  ApiError,
  GREETING_HELP,
  GREETING_KINDS,
  GREETING_LABELS,
  greetingAudioUrl,
  messageAudioUrl,
  voicemailApi,
  type GreetingInfo,
  type GreetingKind,
  type User,
  type VoicemailMessage,
  type VoicemailMessageList,
} from './api.ts';
import { formatCaller, formatDateTime, formatDuration, plural } from './format.ts';
import { useSession } from './session.tsx';
import { Dialog, Spinner, errorText, useToast } from './ui.tsx';

/** The mailbox can be refused (a Site Manager looking at someone above them): say so instead of failing. */
function refusal(e: unknown): string {
  if (e instanceof ApiError && e.status === 403) return 'You are not allowed to see this voicemail box.';
  if (e instanceof ApiError && e.status === 404) return 'This voicemail box does not exist (any more).';
  return errorText(e);
}

/** "3 messages: 2 new, 1 saved" */
export function countsText(list: Pick<VoicemailMessageList, 'newCount' | 'savedCount'>): string {
  return `${plural(list.newCount + list.savedCount, 'message')}: ${list.newCount.toLocaleString()} new, ${list.savedCount.toLocaleString()} saved`;
}

/** A card of the page (same frame as the form sections) whose body is not a two-column form grid. */
function Card({ id, title, intro, actions, children }: { id: string; title: string; intro?: React.ReactNode; actions?: React.ReactNode; children: React.ReactNode }) {
  return (
    <section className="card form-section" id={id} aria-labelledby={`${id}-h`}>
      <div className="card-head">
        <h2 id={`${id}-h`}>{title}</h2>
        {actions}
      </div>
      {intro && <p className="muted section-intro">{intro}</p>}
      {children}
    </section>
  );
}

/**
 * 'Voicemail messages' and 'Greetings' of one user's mailbox: in My Settings (own) and Manage User (a manager
 * with voicemail.read / voicemail.manage). `idPrefix` keeps anchors unique per page.
 */
export function VoicemailBox({ user, idPrefix = 'voicemail' }: { user: User; idPrefix?: string }) {
  return (
    <>
      <VoicemailMessages user={user} id={`${idPrefix}-messages`} />
      <Greetings user={user} id={`${idPrefix}-greetings`} />
    </>
  );
}

function VoicemailMessages({ user, id }: { user: User; id: string }) {
  const s = useSession();
  const toast = useToast();
  const [list, setList] = useState<VoicemailMessageList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<VoicemailMessage | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const timeZone = s.offices.find((o) => o.id === user.officeId)?.timezone;
  const days = s.account.voicemailRetentionDays ?? 90;

  const load = useCallback(() => {
    voicemailApi
      .messages(s.base, user.id)
      .then((l) => {
        setList(l);
        setError(null);
      })
      .catch((e) => setError(refusal(e)));
  }, [s.base, user.id]);
  useEffect(load, [load]);

  const move = async (m: VoicemailMessage) => {
    const folder = m.folder === 'new' ? 'saved' : 'new';
    setBusy(m.id);
    try {
      await voicemailApi.setFolder(s.base, user.id, m.id, folder);
      toast('ok', folder === 'saved' ? 'Marked as heard' : 'Marked as new');
      load();
    } catch (e) {
      toast('error', errorText(e));
      load();
    } finally {
      setBusy(null);
    }
  };
  const remove = async (m: VoicemailMessage) => {
    setBusy(m.id);
    try {
      await voicemailApi.deleteMessage(s.base, user.id, m.id);
      toast('ok', 'Message deleted');
    } catch (e) {
      toast('error', errorText(e));
    } finally {
      setBusy(null);
      setDeleting(null);
      load();
    }
  };

  const intro = !user.voicemail.enabled
    ? 'Voicemail is turned off for this user: callers cannot leave new messages.'
    : user.voicemail.keepOnServer
      ? `Messages are kept on the server for ${plural(days, 'day')}, so they can also be heard from a phone (dial 777) or the app.`
      : 'Phone & App Voicemail Access is off: new messages are emailed, then deleted from the server.';
  return (
    <Card
      id={id}
      title="Voicemail messages"
      intro={intro}
      actions={
        list && (
          <div className="vm-head-actions">
            <span className="vm-counts" aria-live="polite" data-testid="vm-counts">
              {countsText(list)}
            </span>
            <button type="button" className="btn btn-sm btn-ghost" onClick={load} aria-label="Refresh voicemail messages">
              ↻ Refresh
            </button>
          </div>
        )
      }
    >
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : !list ? (
        <Spinner label="Loading voicemail" />
      ) : list.items.length === 0 ? (
        <div className="empty vm-empty">
          <div className="empty-title">No voicemail messages</div>
          <div className="empty-body">When a caller leaves a message, it appears here. You can also listen to messages by phone: dial 777.</div>
        </div>
      ) : (
        <ul className="vm-list" aria-label="Voicemail messages">
          {list.items.map((m) => {
            const number = formatCaller(m.callerNumber, s.account.country);
            const who = m.callerName || number || 'Unknown caller';
            const url = messageAudioUrl(s.base, user.id, m.id);
            return (
              <li key={m.id} className={`vm-msg${m.folder === 'new' ? ' vm-msg-new' : ''}`} data-testid="vm-message">
                <div className="vm-msg-head">
                  <div className="vm-caller">
                    <span className="vm-who">{who}</span>
                    {m.folder === 'new' && <span className="tag tag-new">New</span>}
                    <div className="muted small">
                      {m.callerName && number ? <span className="mono">{number}</span> : !m.callerNumber ? 'Number withheld' : null}
                      {(m.callerName && number) || !m.callerNumber ? ' · ' : ''}
                      <time dateTime={m.receivedAt}>{formatDateTime(m.receivedAt, timeZone)}</time> · <span aria-label="Length">{formatDuration(m.durationMs)}</span>
                    </div>
                  </div>
                  <div className="vm-actions">
                    <a className="btn btn-sm" href={url} download aria-label={`Download the message from ${who}`}>
                      Download
                    </a>
                    <button type="button" className="btn btn-sm" disabled={busy === m.id} onClick={() => void move(m)}>
                      {m.folder === 'new' ? 'Mark as heard' : 'Mark as new'}
                    </button>
                    <button type="button" className="btn btn-sm btn-danger-outline" disabled={busy === m.id} onClick={() => setDeleting(m)} aria-label={`Delete the message from ${who}`}>
                      Delete
                    </button>
                  </div>
                </div>
                <audio className="vm-audio" controls preload="none" src={url} aria-label={`Play the message from ${who}`} />
              </li>
            );
          })}
        </ul>
      )}
      {deleting && (
        <Dialog
          title="Delete voicemail"
          onClose={() => setDeleting(null)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setDeleting(null)} autoFocus>
                Cancel
              </button>
              <button type="button" className="btn btn-danger" disabled={busy === deleting.id} onClick={() => void remove(deleting)}>
                Delete message
              </button>
            </>
          }
        >
          <p>
            Delete the message from <strong>{deleting.callerName || formatCaller(deleting.callerNumber, s.account.country) || 'Unknown caller'}</strong> received{' '}
            {formatDateTime(deleting.receivedAt, timeZone)}? It is removed from the server and can no longer be heard by phone. This cannot be undone.
          </p>
        </Dialog>
      )}
    </Card>
  );
}

function Greetings({ user, id }: { user: User; id: string }) {
  const s = useSession();
  const [items, setItems] = useState<GreetingInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    voicemailApi
      .greetings(s.base, user.id)
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((e) => setError(refusal(e)));
  }, [s.base, user.id]);
  useEffect(load, [load]);
  return (
    <Card id={id} title="Greetings" intro="What callers hear. Upload a WAV or MP3 file (up to 5 MB and 5 minutes); without one, the standard prompt plays.">
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : !items ? (
        <Spinner label="Loading greetings" />
      ) : (
        <ul className="vm-list" aria-label="Greetings">
          {GREETING_KINDS.map((k) => (
            <GreetingRow key={k} user={user} kind={k} info={items.find((g) => g.kind === k) ?? null} onChanged={load} />
          ))}
        </ul>
      )}
      <p className="muted small vm-hint">Or record it by phone: dial 777, then 0 for mailbox options.</p>
    </Card>
  );
}

function GreetingRow({ user, kind, info, onChanged }: { user: User; kind: GreetingKind; info: GreetingInfo | null; onChanged: () => void }) {
  const s = useSession();
  const toast = useToast();
  const inputId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const label = GREETING_LABELS[kind];
  const timeZone = s.offices.find((o) => o.id === user.officeId)?.timezone;

  const send = async () => {
    if (!file) return;
    setBusy(true);
    setFieldError(null);
    try {
      await voicemailApi.putGreeting(s.base, user.id, kind, file);
      toast('ok', `${label} greeting saved`);
      setFile(null);
      if (fileRef.current) fileRef.current.value = '';
      onChanged();
    } catch (e) {
      const reason = e instanceof ApiError ? e.fields.find((f) => f.field === 'file')?.reason : undefined;
      setFieldError(reason ? `The file ${reason}.` : errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await voicemailApi.deleteGreeting(s.base, user.id, kind);
      toast('ok', `${label} greeting deleted`);
      onChanged();
    } catch (e) {
      toast('error', errorText(e));
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };

  return (
    <li className="vm-greeting" data-testid={`greeting-${kind}`}>
      <div className="vm-msg-head">
        <div className="vm-caller">
          <span className="vm-who">{label}</span>
          {info ? <span className="tag tag-recorded">Recorded</span> : <span className="tag">Standard prompt</span>}
          <div className="muted small">
            {GREETING_HELP[kind]}
            {info && (
              <>
                {' · '}updated <time dateTime={info.updatedAt}>{formatDateTime(info.updatedAt, timeZone)}</time>
              </>
            )}
          </div>
        </div>
        {info && (
          <div className="vm-actions">
            <button type="button" className="btn btn-sm btn-danger-outline" disabled={busy} onClick={() => setConfirm(true)} aria-label={`Delete the ${label} greeting`}>
              Delete
            </button>
          </div>
        )}
      </div>
      {info && <audio className="vm-audio" controls preload="none" src={`${greetingAudioUrl(s.base, user.id, kind)}?v=${encodeURIComponent(info.updatedAt)}`} aria-label={`Play the ${label} greeting`} />}
      <div className={`vm-upload${fieldError ? ' has-error' : ''}`}>
        <label htmlFor={inputId} className="label-like">
          {info ? `Replace the ${label} greeting (WAV or MP3)` : `${label} greeting file (WAV or MP3)`}
        </label>
        <div className="vm-upload-row">
          <input
            ref={fileRef}
            id={inputId}
            type="file"
            accept=".wav,.mp3,audio/wav,audio/x-wav,audio/mpeg"
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? `${inputId}-err` : undefined}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setFieldError(null);
            }}
          />
          <button type="button" className="btn btn-sm btn-primary" disabled={!file || busy} onClick={() => void send()}>
            {busy && file ? 'Uploading…' : 'Upload'}
          </button>
        </div>
        {fieldError && (
          <div className="field-error" id={`${inputId}-err`} role="alert">
            {fieldError}
          </div>
        )}
      </div>
      {confirm && (
        <Dialog
          title={`Delete the ${label} greeting`}
          onClose={() => setConfirm(false)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setConfirm(false)} autoFocus>
                Cancel
              </button>
              <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void remove()}>
                Delete greeting
              </button>
            </>
          }
        >
          <p>Delete the recorded {label.toLowerCase()} greeting? Callers hear the standard prompt instead.</p>
        </Dialog>
      )}
    </li>
  );
}
