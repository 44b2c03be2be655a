import { useEffect, useId, useState } from 'react';
import { FALLBACK_LABELS, del, get, patch, post, type ExtensionChangePreview, type FallbackKind, type Page, type RingGroup, type User } from './api.ts';
import { can } from './perms.ts';
import { useSession } from './session.tsx';
import { Dialog, Empty, FormError, Spinner, errorText, ringOptions, useToast } from './ui.tsx';

type Draft = { name: string; extension: string; strategy: RingGroup['strategy']; ringTime: number; members: string[]; fallbackKind: FallbackKind; fallbackUserId: string };

const emptyDraft: Draft = { name: '', extension: '', strategy: 'simultaneous', ringTime: 20, members: [], fallbackKind: 'none', fallbackUserId: '' };

function draftOf(g: RingGroup): Draft {
  return { name: g.name, extension: g.extension, strategy: g.strategy, ringTime: g.ringTime, members: g.members.map((m) => m.userId), fallbackKind: g.fallback.kind, fallbackUserId: g.fallback.userId ?? '' };
}

function fallbackText(g: RingGroup): string {
  const who = g.fallback.extension ? `${g.fallback.extension} ${g.fallback.displayName ?? ''}`.trim() : '';
  if (g.fallback.kind === 'user') return `rings ${who}`;
  if (g.fallback.kind === 'voicemail') return `voicemail of ${who}`;
  if (g.fallback.kind === 'busy') return 'busy';
  return 'none';
}

/**
 * 'Ring Groups': an extension that rings its members all at once or one after another, and where the call goes
 * when nobody answers (a user's phones, a mailbox, busy). Office Managers only (groups span offices).
 */
export function RingGroups() {
  const s = useSession();
  const toast = useToast();
  const [groups, setGroups] = useState<RingGroup[] | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<RingGroup | 'new' | null>(null);
  const [tick, setTick] = useState(0);
  const manage = can(s.actor, 'groups');

  useEffect(() => {
    let live = true;
    Promise.all([get<Page<RingGroup>>(`${s.base}/ring-groups?limit=500`), get<Page<User>>(`${s.base}/users?limit=500`)])
      .then(([g, u]) => {
        if (!live) return;
        setGroups(g.items);
        setUsers(u.items);
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [s.base, tick]);

  const remove = async (g: RingGroup) => {
    try {
      await del(`${s.base}/ring-groups/${encodeURIComponent(g.id)}`);
      toast('ok', `Ring group ${g.name} deleted`);
      setTick((t) => t + 1);
    } catch (e) {
      toast('error', errorText(e));
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Ring Groups</h1>
          <div className="muted">An extension that rings several users. When nobody answers, the call goes to the group&apos;s fallback.</div>
        </div>
        {manage && (
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
            Add Ring Group
          </button>
        )}
      </div>
      {error ? (
        <Empty title="Could not load the ring groups">{error}</Empty>
      ) : !groups ? (
        <Spinner />
      ) : groups.length === 0 ? (
        <Empty title="No ring groups yet">Add one to ring several users from one extension or number.</Empty>
      ) : (
        <table className="table" aria-label="Ring groups">
          <thead>
            <tr>
              <th>Extension</th>
              <th>Name</th>
              <th>Strategy</th>
              <th>Members</th>
              <th>When nobody answers</th>
              <th>Numbers</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.id} data-testid="ring-group-row">
                <td>{g.extension}</td>
                <td>{g.name}</td>
                <td>
                  {g.strategy === 'simultaneous' ? 'All at once' : 'One after another'}, {g.ringTime} s
                </td>
                <td>{g.members.map((m) => m.extension).join(', ') || <span className="muted">none</span>}</td>
                <td data-testid="ring-group-fallback">{fallbackText(g)}</td>
                <td>{g.numbers.join(', ')}</td>
                <td>
                  {manage && (
                    <>
                      <button type="button" className="btn btn-small" onClick={() => setEditing(g)} aria-label={`Edit ${g.name}`}>
                        Edit
                      </button>{' '}
                      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => remove(g)} aria-label={`Delete ${g.name}`}>
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <RingGroupDialog
          group={editing === 'new' ? null : editing}
          users={users}
          onClose={() => setEditing(null)}
          onSaved={(g) => {
            setEditing(null);
            toast('ok', `Ring group ${g.name} saved`);
            setTick((t) => t + 1);
          }}
        />
      )}
    </div>
  );
}

function RingGroupDialog({ group, users, onClose, onSaved }: { group: RingGroup | null; users: User[]; onClose: () => void; onSaved: (g: RingGroup) => void }) {
  const s = useSession();
  const [d, setD] = useState<Draft>(group ? draftOf(group) : emptyDraft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [preview, setPreview] = useState<ExtensionChangePreview | null>(null);
  const [adding, setAdding] = useState('');
  const ids = { name: useId(), ext: useId(), strategy: useId(), ring: useId(), add: useId(), fk: useId(), fu: useId() };
  const byId = new Map(users.map((u) => [u.id, u]));
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setD((x) => ({ ...x, [k]: v }));
    // an answered field error goes once the person changes the form
    setErrors({});
    setFormError(null);
  };
  const extensionChanged = group !== null && d.extension.trim() !== group.extension;

  // an extension change shows what it will carry along before Save
  useEffect(() => {
    if (!group || !extensionChanged || !/^[0-9]{3,4}$/.test(d.extension.trim())) {
      setPreview(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      get<ExtensionChangePreview>(`${s.base}/ring-groups/${encodeURIComponent(group.id)}/extension-change?to=${encodeURIComponent(d.extension.trim())}`)
        .then((p) => live && setPreview(p))
        .catch(() => live && setPreview(null));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [group, extensionChanged, d.extension, s.base]);

  const save = async () => {
    setErrors({});
    setFormError(null);
    const body = {
      name: d.name,
      extension: d.extension.trim(),
      strategy: d.strategy,
      ringTime: d.ringTime,
      members: d.members,
      fallback: d.fallbackKind === 'user' || d.fallbackKind === 'voicemail' ? { kind: d.fallbackKind, userId: d.fallbackUserId || null } : { kind: d.fallbackKind },
    };
    try {
      const g = group ? await patch<RingGroup>(`${s.base}/ring-groups/${encodeURIComponent(group.id)}`, body) : await post<RingGroup>(`${s.base}/ring-groups`, body);
      onSaved(g);
    } catch (e) {
      const fields = (e as { fields?: Array<{ field: string; reason: string }> }).fields ?? [];
      if (fields.length) setErrors(Object.fromEntries(fields.map((f) => [f.field, f.reason])));
      setFormError(errorText(e));
    }
  };

  const candidates = users.filter((u) => !d.members.includes(u.id));
  const move = (i: number, by: number) => {
    const m = [...d.members];
    const [x] = m.splice(i, 1);
    m.splice(i + by, 0, x!);
    set('members', m);
  };
  const err = (f: string) => errors[f] && <div className="field-error">{errors[f]}</div>;

  return (
    <Dialog
      title={group ? `Edit ring group ${group.name}` : 'Add Ring Group'}
      wide
      onClose={onClose}
      footer={
        <>
          <span className="spacer" />
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" onClick={save} disabled={preview !== null && !preview.allowed}>
            Save
          </button>
        </>
      }
    >
      <FormError message={formError} />
      <div className="field">
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} value={d.name} maxLength={60} onChange={(e) => set('name', e.target.value)} />
        {err('name')}
      </div>
      <div className="field">
        <label htmlFor={ids.ext}>Extension</label>
        <input id={ids.ext} value={d.extension} inputMode="numeric" maxLength={4} onChange={(e) => set('extension', e.target.value)} />
        {err('extension')}
      </div>
      {preview && (
        <div className="card" data-testid="extension-change-preview" role="status">
          <strong>
            Changing {preview.from} to {preview.to}
          </strong>
          {preview.blockers.length > 0 ? (
            <ul>
              {preview.blockers.map((b) => (
                <li key={b.field}>Cannot change: the extension {b.reason}</li>
              ))}
            </ul>
          ) : (
            <ul>
              {preview.changes.length === 0 && <li>Nothing else refers to {preview.from}.</li>}
              {preview.changes.map((c, i) => (
                <li key={`${c.kind}-${c.id}-${i}`}>{c.description}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="field">
        <label htmlFor={ids.strategy}>Strategy</label>
        <select id={ids.strategy} value={d.strategy} onChange={(e) => set('strategy', e.target.value as Draft['strategy'])}>
          <option value="simultaneous">All at once (simultaneous)</option>
          <option value="sequential">One after another (sequential)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.ring}>{d.strategy === 'sequential' ? 'Ring time per member' : 'Ring time'}</label>
        <select id={ids.ring} value={String(d.ringTime)} onChange={(e) => set('ringTime', Number(e.target.value))}>
          {ringOptions().map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        {err('ringTime')}
      </div>
      <fieldset className="field">
        <legend>Members (in ringing order)</legend>
        <ol aria-label="Members">
          {d.members.map((id, i) => {
            const u = byId.get(id);
            const label = u ? `${u.extension} ${u.displayName}` : id;
            return (
              <li key={id} data-testid="ring-group-member">
                {label}{' '}
                <button type="button" className="btn btn-small" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${label} up`}>
                  ↑
                </button>
                <button type="button" className="btn btn-small" disabled={i === d.members.length - 1} onClick={() => move(i, 1)} aria-label={`Move ${label} down`}>
                  ↓
                </button>
                <button type="button" className="btn btn-small" onClick={() => set('members', d.members.filter((m) => m !== id))} aria-label={`Remove ${label}`}>
                  Remove
                </button>
              </li>
            );
          })}
        </ol>
        <label htmlFor={ids.add}>Add member</label>
        <select id={ids.add} value={adding} onChange={(e) => setAdding(e.target.value)}>
          <option value="">Choose a user…</option>
          {candidates.map((u) => (
            <option key={u.id} value={u.id}>
              {u.extension} {u.displayName}
            </option>
          ))}
        </select>{' '}
        <button
          type="button"
          className="btn btn-small"
          disabled={!adding}
          onClick={() => {
            set('members', [...d.members, adding]);
            setAdding('');
          }}
        >
          Add
        </button>
        {Object.keys(errors).some((k) => k.startsWith('members')) && <div className="field-error">{Object.entries(errors).find(([k]) => k.startsWith('members'))![1]}</div>}
      </fieldset>
      <div className="field">
        <label htmlFor={ids.fk}>When nobody answers</label>
        <select id={ids.fk} value={d.fallbackKind} onChange={(e) => set('fallbackKind', e.target.value as FallbackKind)}>
          {(Object.keys(FALLBACK_LABELS) as FallbackKind[]).map((k) => (
            <option key={k} value={k}>
              {FALLBACK_LABELS[k]}
            </option>
          ))}
        </select>
      </div>
      {(d.fallbackKind === 'user' || d.fallbackKind === 'voicemail') && (
        <div className="field">
          <label htmlFor={ids.fu}>{d.fallbackKind === 'voicemail' ? 'Mailbox' : 'User'}</label>
          <select id={ids.fu} value={d.fallbackUserId} onChange={(e) => set('fallbackUserId', e.target.value)}>
            <option value="">Choose a user…</option>
            {users
              .filter((u) => d.fallbackKind !== 'voicemail' || u.voicemail.enabled)
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.extension} {u.displayName}
                </option>
              ))}
          </select>
          {err('fallback.userId')}
        </div>
      )}
    </Dialog>
  );
}
