import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { get, qs, TAG_HELP, TAG_LABELS, SCOPE_LABELS, USER_TYPE_LABELS, type Office, type Page, type SortOrder, type User, type UserSort } from './api.ts';
import { BulkBar } from './UsersBulk.tsx';
import { OfficeForm } from './OfficeForm.tsx';
import { can } from './perms.ts';
import { navigate, useLocation } from './router.ts';
import { useSession } from './session.tsx';
import { Empty, Spinner, useDebounced, errorText } from './ui.tsx';
import { countryName, formatNumber, initials, plural } from './format.ts';
import { holdMusicName, useMediaLibrary } from './HoldMusic.tsx';

/** The Offices & Users screen: offices on the left, their users in the centre, the selected user on the right. */
export function OfficesUsers() {
  const { search } = useLocation();
  const s = useSession();
  const officeId = search.get('office') ?? '';
  const userId = search.get('user') ?? '';
  const [officeDialog, setOfficeDialog] = useState<null | 'new' | Office>(null);
  const [selectedUser, setSelectedUser] = useState<User | null>(null);

  const setParams = (p: { office?: string; user?: string }) => {
    const next = new URLSearchParams();
    const o = p.office ?? officeId;
    const u = p.user ?? userId;
    if (o) next.set('office', o);
    if (u) next.set('user', u);
    const q = next.toString();
    navigate(q ? `/?${q}` : '/', { replace: true });
  };
  const office = s.offices.find((o) => o.id === officeId) ?? null;

  // The selected user's record (a list row is enough, but a deep link needs the fetch).
  useEffect(() => {
    if (!userId) {
      setSelectedUser(null);
      return;
    }
    if (selectedUser?.id === userId) return;
    let live = true;
    get<User>(`${s.base}/users/${encodeURIComponent(userId)}`)
      .then((u) => live && setSelectedUser(u))
      .catch(() => live && setSelectedUser(null));
    return () => {
      live = false;
    };
  }, [userId, s.base, s.usersVersion]);

  return (
    <div className={`three-panel${userId ? ' has-detail' : ''}`}>
      <h1 className="sr-only">Offices &amp; Users</h1>
      <OfficesPanel
        selectedId={officeId}
        onSelect={(id) => setParams({ office: id, user: '' })}
        onAdd={() => setOfficeDialog('new')}
        onManage={(o) => setOfficeDialog(o)}
      />
      <UsersPanel
        office={office}
        selectedId={userId}
        onSelect={(u) => {
          setSelectedUser(u);
          setParams({ user: u.id });
        }}
      />
      <UserOverview user={selectedUser && selectedUser.id === userId ? selectedUser : null} loading={Boolean(userId) && selectedUser?.id !== userId} onBack={() => setParams({ user: '' })} />
      {officeDialog && (
        <OfficeForm
          office={officeDialog === 'new' ? null : officeDialog}
          onClose={() => setOfficeDialog(null)}
          onModeChanged={() => void s.reloadOffices()}
          onSaved={(o) => {
            setOfficeDialog(null);
            void s.reloadOffices();
            s.refreshPending();
            setParams({ office: o.id, user: '' });
          }}
        />
      )}
    </div>
  );
}

function OfficesPanel({ selectedId, onSelect, onAdd, onManage }: { selectedId: string; onSelect: (id: string) => void; onAdd: () => void; onManage: (o: Office) => void }) {
  const library = useMediaLibrary().items;
  const s = useSession();
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? s.offices.filter((o) => o.name.toLowerCase().includes(f)) : s.offices;
  }, [s.offices, filter]);
  const selected = s.offices.find((o) => o.id === selectedId) ?? null;
  const totalUsers = s.offices.reduce((n, o) => n + (o.userCount ?? 0), 0);
  const exportHref = `${s.base}/users/export.csv${qs({ officeId: selectedId || undefined })}`;
  const mayImport = s.caps.importCsv && can(s.actor, 'importUsers');
  const listRef = useRef<HTMLUListElement>(null);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('button.office-item') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[Math.min(buttons.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  };

  return (
    <section className="panel panel-offices" aria-labelledby="offices-h">
      <div className="panel-head">
        <h2 id="offices-h">Offices</h2>
        <div className="panel-actions">
          {can(s.actor, 'addOffice') && (
            <button type="button" className="btn btn-primary btn-sm" onClick={onAdd}>
              Add Office
            </button>
          )}
        </div>
      </div>
      {(s.caps.exportCsv || mayImport) && (
        <div className="panel-tools" role="group" aria-label="Users CSV">
          <span className="muted small">Users CSV</span>
          {s.caps.exportCsv && (
            <a className="btn btn-sm" href={exportHref} download title={selected ? `CSV of the users of ${selected.name}` : 'CSV of all users of the PBX'}>
              Export
            </a>
          )}
          {mayImport && (
            <button type="button" className="btn btn-sm" onClick={() => navigate('/import')} title="Create or update users from a CSV file">
              Import
            </button>
          )}
        </div>
      )}
      <div className="panel-filter">
        <label className="sr-only" htmlFor="office-filter">
          Filter Office
        </label>
        <input id="office-filter" type="search" className="search" placeholder="Filter Office" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <ul className="office-list" ref={listRef} onKeyDown={onKeyDown} aria-label="Offices">
        {!filter && (
          <li>
            <button type="button" className={`office-item${!selectedId ? ' selected' : ''}`} aria-current={!selectedId ? 'true' : undefined} onClick={() => onSelect('')}>
              <span className="office-name">All offices</span>
              <span className="count" aria-label={plural(totalUsers, 'user')}>
                {totalUsers.toLocaleString()}
              </span>
            </button>
          </li>
        )}
        {shown.map((o) => (
          <li key={o.id}>
            <button type="button" className={`office-item${o.id === selectedId ? ' selected' : ''}`} aria-current={o.id === selectedId ? 'true' : undefined} onClick={() => onSelect(o.id)}>
              <span className="office-name">{o.name}</span>
              <span className="office-sub">
                {countryName(o.country)}
                {o.areaCode ? ` · (${o.areaCode})` : ''}
              </span>
              <span className="count" aria-label={plural(o.userCount ?? 0, 'user')}>
                {(o.userCount ?? 0).toLocaleString()}
              </span>
            </button>
          </li>
        ))}
        {shown.length === 0 && (
          <li>
            <Empty title={filter ? 'No office matches' : 'No offices yet'}>{filter ? 'Try another name.' : can(s.actor, 'addOffice') ? "Click 'Add Office' to create one." : null}</Empty>
          </li>
        )}
      </ul>
      {selected && (
        <div className="office-card" aria-label={`Office ${selected.name}`}>
          <dl>
            <dt>Default Phone</dt>
            <dd>{selected.defaultOutboundNumber ? formatNumber(selected.defaultOutboundNumber) : <span className="muted">None</span>}</dd>
            <dt>Hold Music</dt>
            <dd>{holdMusicName(selected.onHoldMusic, library)}</dd>
            <dt>Area Code</dt>
            <dd>{selected.areaCode ?? <span className="muted">None</span>}</dd>
            <dt>Timezone</dt>
            <dd>{selected.timezone}</dd>
          </dl>
          {can(s.actor, 'manageOffice') && (
            <button type="button" className="btn btn-sm" onClick={() => onManage(selected)}>
              Manage Office
            </button>
          )}
        </div>
      )}
    </section>
  );
}

const PAGE = 200;
const ROW = 60;

interface ListState {
  items: User[];
  total?: number;
  next?: string;
  loading: boolean;
  error?: string;
}

/**
 * What the server's 'Filter User' matches (src/modules/users/repository.ts): from 3 characters on, the text
 * inside a first, last or display name, email, extension or direct number; shorter, a name, extension or
 * email starting with it. Case-insensitive.
 */
export function matchesUserFilter(u: User, typed: string): boolean {
  const v = typed.trim().toLowerCase();
  if (!v) return true;
  const names = [u.firstName, u.lastName, u.displayName].map((x) => (x ?? '').toLowerCase());
  const email = (u.email ?? '').toLowerCase();
  if ([...v].length >= 3) return [...names, email, u.extension, ...(u.directNumbers ?? [])].some((x) => x.toLowerCase().includes(v));
  return u.extension.startsWith(v) || email.startsWith(v) || names.some((x) => x.startsWith(v));
}

interface SortState {
  sort: UserSort;
  order: SortOrder;
}
const DEFAULT_SORT: SortState = { sort: 'extension', order: 'asc' };
/** The list's columns, in the order of the sort buttons. */
const SORTS: Array<[UserSort, string]> = [
  ['name', 'Name'],
  ['extension', 'Extension'],
  ['office', 'Office'],
  ['scope', 'Scope'],
  ['status', 'Status'],
];

/**
 * Keyset pages of users for an office, filter and sort (the server sorts); `more` fetches the next page. A newer load aborts the
 * request before it and a sequence number drops any answer that still arrives late, so the rows shown are
 * always those of the latest filter, whatever order the server answers in.
 */
function useUsers(base: string, officeId: string, q: string, sort: SortState, version: number) {
  const [state, setState] = useState<ListState>({ items: [], loading: true });
  const gen = useRef(0);
  const inflight = useRef<AbortController | null>(null);
  useEffect(() => () => inflight.current?.abort(), []);
  const load = useCallback(
    async (after?: string) => {
      const my = ++gen.current;
      inflight.current?.abort();
      const ctl = new AbortController();
      inflight.current = ctl;
      setState((st) => ({ ...st, loading: true, error: undefined, ...(after ? {} : { items: [], total: undefined, next: undefined }) }));
      try {
        const order = sort.sort === DEFAULT_SORT.sort && sort.order === DEFAULT_SORT.order ? {} : { sort: sort.sort, order: sort.order };
        const page = await get<Page<User>>(`${base}/users${qs({ officeId: officeId || undefined, q: q || undefined, ...order, after, limit: PAGE, includeTotal: after ? undefined : true })}`, ctl.signal);
        if (my !== gen.current) return;
        setState((st) => ({ items: after ? [...st.items, ...page.items] : page.items, total: after ? st.total : page.total, next: page.next, loading: false }));
      } catch (e) {
        if (my !== gen.current) return;
        setState((st) => ({ ...st, loading: false, error: errorText(e) }));
      }
    },
    [base, officeId, q, sort.sort, sort.order],
  );
  useEffect(() => {
    void load();
  }, [load, version]);
  const more = useCallback(() => {
    if (state.next && !state.loading) void load(state.next);
  }, [state.next, state.loading, load]);
  return { ...state, more };
}

function UsersPanel({ office, selectedId, onSelect }: { office: Office | null; selectedId: string; onSelect: (u: User) => void }) {
  const s = useSession();
  const [filter, setFilter] = useState('');
  const q = useDebounced(filter.trim(), 250);
  const [sort, setSort] = useState<SortState>(DEFAULT_SORT);
  const loaded = useUsers(s.base, office?.id ?? '', q, sort, s.usersVersion);
  // While the typed text has not been sent yet (debounce), only rows that also match it stay on screen.
  const typed = filter.trim();
  const pending = typed !== q;
  const list = pending ? { ...loaded, items: loaded.items.filter((u) => matchesUserFilter(u, typed)), total: undefined, next: undefined, loading: true } : loaded;
  const title = office ? office.name : 'All users';
  // Multi-select for the bulk actions: the users ticked, kept across sorting and paging (not across offices).
  const mayBulk = s.caps.bulkUsers && (can(s.actor, 'manageUser') || can(s.actor, 'deleteUser') || can(s.actor, 'credentials'));
  const [checked, setChecked] = useState<Map<string, User>>(() => new Map());
  useEffect(() => setChecked(new Map()), [office?.id]);
  const toggle = useCallback((u: User) => {
    setChecked((m) => {
      const next = new Map(m);
      if (next.has(u.id)) next.delete(u.id);
      else next.set(u.id, u);
      return next;
    });
  }, []);
  const allChecked = list.items.length > 0 && list.items.every((u) => checked.has(u.id));
  const someChecked = list.items.some((u) => checked.has(u.id));
  return (
    <section className="panel panel-users" aria-labelledby="users-h">
      <div className="panel-head">
        <h2 id="users-h">
          {title}
          {list.total !== undefined && <span className="count count-h">{list.total.toLocaleString()}</span>}
        </h2>
        <div className="panel-actions">
          {can(s.actor, 'addUser') && (
            <button type="button" className="btn btn-primary btn-sm" onClick={() => navigate(`/users/new${qs({ office: office?.id })}`)}>
              Add New User
            </button>
          )}
        </div>
      </div>
      <div className="panel-filter">
        <label className="sr-only" htmlFor="user-filter">
          Filter User
        </label>
        <input
          id="user-filter"
          type="search"
          className="search"
          placeholder="Filter User"
          aria-describedby="user-filter-hint"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              document.getElementById('user-list')?.focus();
            }
          }}
        />
        <span id="user-filter-hint" className="sr-only">
          Name, extension, email or number: three characters or more match anywhere in them
        </span>
      </div>
      <div className="sort-bar" role="group" aria-label="Sort users">
        {mayBulk && (
          <input
            type="checkbox"
            className="select-all"
            aria-label="Select all loaded users"
            title="Select all loaded users"
            checked={allChecked}
            ref={(el) => {
              if (el) el.indeterminate = someChecked && !allChecked;
            }}
            onChange={() =>
              setChecked((m) => {
                const next = new Map(m);
                for (const u of list.items) {
                  if (allChecked) next.delete(u.id);
                  else next.set(u.id, u);
                }
                return next;
              })
            }
          />
        )}
        <span className="muted small">Sort by</span>
        {SORTS.map(([key, label]) => {
          const active = sort.sort === key;
          return (
            <button
              key={key}
              type="button"
              className={`sort-btn${active ? ' active' : ''}`}
              aria-pressed={active}
              aria-label={active ? `${label}, ${sort.order === 'asc' ? 'ascending' : 'descending'}` : label}
              title={active ? `Sorted by ${label.toLowerCase()}, ${sort.order === 'asc' ? 'ascending' : 'descending'}: click to reverse` : `Sort by ${label.toLowerCase()}`}
              onClick={() => setSort(active ? { sort: key, order: sort.order === 'asc' ? 'desc' : 'asc' } : { sort: key, order: 'asc' })}
            >
              {label}
              {active && <span aria-hidden="true">{sort.order === 'asc' ? ' ▲' : ' ▼'}</span>}
            </button>
          );
        })}
      </div>
      {mayBulk && checked.size > 0 && (
        <BulkBar
          selected={[...checked.values()]}
          onClear={() => setChecked(new Map())}
          onDone={(keep) => setChecked((m) => new Map([...m].filter(([id]) => keep.includes(id))))}
        />
      )}
      {list.error ? (
        <Empty title="Could not load users">{list.error}</Empty>
      ) : list.items.length === 0 && list.loading ? (
        <Spinner label="Loading users" />
      ) : list.items.length === 0 ? (
        <Empty title={q ? 'No user matches' : 'No users yet'}>
          {q ? `Nothing ${[...q].length >= 3 ? 'contains' : 'starts with'} “${q}” in name, extension, email${[...q].length >= 3 ? ' or number' : ''}.` : can(s.actor, 'addUser') ? "Click 'Add New User' to create the first one." : null}
        </Empty>
      ) : (
        <UserList
          items={list.items}
          total={list.total}
          hasMore={Boolean(list.next)}
          loading={list.loading}
          onMore={list.more}
          selectedId={selectedId}
          onSelect={onSelect}
          checked={mayBulk ? checked : null}
          onToggle={toggle}
        />
      )}
      <div className="sr-only" aria-live="polite">
        {!list.loading && list.total !== undefined ? plural(list.total, 'user') : ''}
      </div>
      {mayBulk && (
        <span id="user-list-keys" className="sr-only">
          Space selects the user for bulk actions; Enter opens Manage User.
        </span>
      )}
    </section>
  );
}

/**
 * A virtualised listbox: only the rows in view are in the DOM, so 10,000 users scroll as fast as 10.
 * Arrow keys, Page Up/Down, Home and End move the selection; the next page loads as the end comes near.
 */
function UserList({
  items,
  total,
  hasMore,
  loading,
  onMore,
  selectedId,
  onSelect,
  checked,
  onToggle,
}: {
  items: User[];
  total?: number;
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
  selectedId: string;
  onSelect: (u: User) => void;
  /** The ticked users (null: no multi-select for this person). */
  checked: Map<string, User> | null;
  onToggle: (u: User) => void;
}) {
  const s = useSession();
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [active, setActive] = useState(() => Math.max(0, items.findIndex((u) => u.id === selectedId)));
  const officeName = useMemo(() => new Map(s.offices.map((o) => [o.id, o.name])), [s.offices]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  const start = Math.max(0, Math.floor(scrollTop / ROW) - 8);
  const end = Math.min(items.length, Math.ceil((scrollTop + height) / ROW) + 8);
  useEffect(() => {
    if (hasMore && !loading && end >= items.length - 20) onMore();
  }, [end, items.length, hasMore, loading, onMore]);

  const moveTo = (i: number) => {
    const idx = Math.max(0, Math.min(items.length - 1, i));
    setActive(idx);
    const u = items[idx];
    if (u) onSelect(u);
    const el = ref.current;
    if (el) {
      const top = idx * ROW;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + ROW > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW - el.clientHeight;
    }
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / ROW) - 1);
    const map: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, PageDown: active + page, PageUp: active - page, Home: 0, End: items.length - 1 };
    if (e.key in map) {
      e.preventDefault();
      moveTo(map[e.key]!);
    } else if (e.key === 'Enter' && items[active]) {
      e.preventDefault();
      navigate(`/users/${items[active]!.id}`);
    } else if (e.key === ' ' && checked && items[active]) {
      // Space ticks the active user for the bulk actions
      e.preventDefault();
      onToggle(items[active]!);
    }
  };
  const activeUser = items[active];
  return (
    <div
      id="user-list"
      className="user-list"
      ref={ref}
      role="listbox"
      tabIndex={0}
      aria-label="Users"
      aria-describedby={checked ? 'user-list-keys' : undefined}
      aria-activedescendant={activeUser ? `user-opt-${activeUser.id}` : undefined}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: items.length * ROW + (hasMore ? ROW : 0), position: 'relative' }}>
        {items.slice(start, end).map((u, k) => {
          const i = start + k;
          const sel = u.id === selectedId;
          const ticked = checked?.has(u.id) ?? false;
          return (
            <Fragment key={u.id}>
              {checked && (
                <input
                  type="checkbox"
                  className="user-check"
                  style={{ top: i * ROW, height: ROW }}
                  tabIndex={-1}
                  checked={ticked}
                  onChange={() => onToggle(u)}
                  aria-label={`Select ${u.displayName} (${u.extension})`}
                />
              )}
            <div
              id={`user-opt-${u.id}`}
              role="option"
              aria-selected={sel}
              aria-setsize={total ?? -1}
              aria-posinset={i + 1}
              className={`user-row${sel ? ' selected' : ''}${i === active ? ' active' : ''}${checked ? ' with-check' : ''}${ticked ? ' ticked' : ''}${u.enabled ? '' : ' disabled-user'}`}
              style={{ top: i * ROW, height: ROW }}
              onClick={() => {
                setActive(i);
                onSelect(u);
              }}
              onDoubleClick={() => navigate(`/users/${u.id}`)}
            >
              <span className="avatar avatar-sm" aria-hidden="true">
                {initials(u.displayName)}
              </span>
              <span className="user-main">
                <span className="user-name">
                  {u.displayName}
                  {!u.enabled && <span className="badge badge-off">Disabled</span>}
                </span>
                <span className="user-sub">
                  {SCOPE_LABELS[u.scope]} · {u.email ?? <span className="muted">No email</span>}
                </span>
              </span>
              <span className="user-side">
                <span className="ext" aria-label={`extension ${u.extension}`}>
                  {u.extension}
                </span>
                <span className="user-office">{officeName.get(u.officeId) ?? ''}</span>
              </span>
            </div>
            </Fragment>
          );
        })}
        {hasMore && (
          <div className="user-row loading-row" style={{ top: items.length * ROW, height: ROW }} aria-hidden="true">
            Loading more…
          </div>
        )}
      </div>
    </div>
  );
}

function voicemailStatus(u: User): string {
  if (!u.voicemail.enabled) return 'Disabled';
  const parts = ['Enabled', u.voicemail.pinSet ? 'PIN set' : 'no PIN'];
  if (u.voicemail.emailDelivery) parts.push(`emailed to ${u.voicemail.email ?? u.email ?? '—'}`);
  return parts.join(' · ');
}

function UserOverview({ user, loading, onBack }: { user: User | null; loading: boolean; onBack: () => void }) {
  const s = useSession();
  if (loading) {
    return (
      <section className="panel panel-overview" aria-label="User overview">
        <Spinner label="Loading user" />
      </section>
    );
  }
  if (!user) {
    return (
      <section className="panel panel-overview" aria-label="User overview">
        <Empty title="No user selected">Select a user to see their overview.</Empty>
      </section>
    );
  }
  const office = s.offices.find((o) => o.id === user.officeId);
  const outbound = user.outboundNumber ?? office?.defaultOutboundNumber ?? null;
  return (
    <section className="panel panel-overview" aria-labelledby="overview-h">
      <div className="panel-head">
        <button type="button" className="btn btn-sm btn-ghost back-btn" onClick={onBack}>
          ← Users
        </button>
        <h2 id="overview-h" className="sr-only">
          Overview
        </h2>
      </div>
      <div className="overview">
        <div className="overview-top">
          <span className="avatar avatar-lg" aria-hidden="true">
            {initials(user.displayName)}
          </span>
          <div>
            <div className="overview-name">{user.displayName}</div>
            <div className="muted">
              {SCOPE_LABELS[user.scope]} · {USER_TYPE_LABELS[user.userType].replace(/ \(.*\)$/, '')}
            </div>
          </div>
        </div>
        {user.tags.length > 0 && (
          <ul className="tags" aria-label="System tags">
            {user.tags.map((t) => (
              <li key={t} className={`tag tag-${t}`} title={TAG_HELP[t]}>
                {TAG_LABELS[t]}
              </li>
            ))}
          </ul>
        )}
        <dl className="overview-list">
          <dt>Name</dt>
          <dd>{user.displayName}</dd>
          <dt>Extension Number</dt>
          <dd className="mono">{user.extension}</dd>
          <dt>Email</dt>
          <dd>{user.email ?? <span className="muted">None</span>}</dd>
          <dt>Office/Location</dt>
          <dd>{office?.name ?? '—'}</dd>
          <dt>Outbound Phone Number</dt>
          <dd>
            {outbound ? formatNumber(outbound) : <span className="muted">None</span>}
            {!user.outboundNumber && outbound && <span className="muted small"> (office default)</span>}
          </dd>
          {user.directNumbers && user.directNumbers.length > 0 && (
            <>
              <dt>Direct Number</dt>
              <dd>{user.directNumbers.map(formatNumber).join(', ')}</dd>
            </>
          )}
          <dt>Voicemail</dt>
          <dd>{voicemailStatus(user)}</dd>
        </dl>
        {can(s.actor, 'manageUser') && (
          <button type="button" className="btn btn-primary" onClick={() => navigate(`/users/${user.id}`)}>
            Manage User
          </button>
        )}
      </div>
    </section>
  );
}
