import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { acct, get, loadCapabilities, onUnauthorized, post, SCOPE_LABELS, type Account, type Capabilities, type Me, type Office, type Page, type PhoneNumber } from './api.ts';
import { AppliedVersions } from './AppliedVersions.tsx';
import { Login } from './Login.tsx';
import { ForgotPassword, SetPassword } from './Password.tsx';
import { OfficesUsers } from './OfficesUsers.tsx';
import { ImportUsers } from './Import.tsx';
import { UserCreate } from './UserCreate.tsx';
import { UserManage } from './UserManage.tsx';
import { SelfService } from './SelfService.tsx';
import { HoldMusic } from './HoldMusic.tsx';
import { CallHistory } from './CallHistory.tsx';
import { RingGroups } from './RingGroups.tsx';
import { Recordings } from './Recordings.tsx';
import { can, isSelfService } from './perms.ts';
import { match, navigate, useLocation } from './router.ts';
import { SessionCtx, type Session } from './session.tsx';
import { Dialog, Empty, Spinner, ToastProvider, useToast, errorText } from './ui.tsx';
import { formatNumber, initials } from './format.ts';

type State = { kind: 'loading' } | { kind: 'out' } | { kind: 'in'; me: Me };
interface Pending {
  pending: boolean;
  version: number;
  summary?: string;
  changes?: Array<{ kind: string; id: string; name: string; change: 'added' | 'removed' | 'modified'; fields?: string[] }>;
}

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const { path } = useLocation();

  const loadMe = useCallback(async () => {
    try {
      const me = await get<Me>('/api/v1/auth/me');
      setState({ kind: 'in', me });
    } catch {
      setState({ kind: 'out' });
    }
  }, []);

  useEffect(() => {
    void loadMe();
    void loadCapabilities().then(setCaps);
    return onUnauthorized(() => setState({ kind: 'out' }));
  }, [loadMe]);

  // Password pages work whether or not someone is signed in on this browser.
  if (path === '/set-password')
    return (
      <ToastProvider>
        <SetPassword />
      </ToastProvider>
    );
  if (path === '/forgot-password')
    return (
      <ToastProvider>
        <ForgotPassword />
      </ToastProvider>
    );
  if (state.kind === 'loading' || !caps) return <Spinner label="Loading Switchboard" />;
  if (state.kind === 'out' || path === '/login') {
    return (
      <ToastProvider>
        <Login
          onLoggedIn={async () => {
            await loadMe();
            // A deep link opened while signed out is where the person wanted to go.
            if (location.pathname === '/login') navigate('/', { replace: true });
          }}
        />
      </ToastProvider>
    );
  }
  return (
    <ToastProvider>
      <SignedIn me={state.me} caps={caps} onSignedOut={() => setState({ kind: 'out' })} />
    </ToastProvider>
  );
}

const PROVIDER_ACCOUNT_KEY = 'switchboard.account';

function SignedIn({ me, caps, onSignedOut }: { me: Me; caps: Capabilities; onSignedOut: () => void }) {
  const actor = me.actor;
  const [account, setAccount] = useState<Account | null>(me.account ?? null);
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [offices, setOffices] = useState<Office[] | null>(null);
  const [numbers, setNumbers] = useState<PhoneNumber[]>([]);
  const [usersVersion, setUsersVersion] = useState(0);
  const [pending, setPending] = useState<Pending | null>(null);
  const [reviewing, setReviewing] = useState(false);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const toast = useToast();

  // Provider admins pick the account they look after; everyone else has theirs.
  useEffect(() => {
    if (actor.kind !== 'provider') return;
    void get<Page<Account>>('/api/v1/accounts?limit=500')
      .then((p) => {
        setAccounts(p.items);
        if (!account) {
          const saved = localStorage.getItem(PROVIDER_ACCOUNT_KEY);
          setAccount(p.items.find((a) => a.code === saved) ?? p.items[0] ?? null);
        }
      })
      .catch((e) => setLoadError(errorText(e)));
    // Only on sign-in: the account picked later is kept in state.
  }, [actor.kind]);

  const base = account ? acct(account.code) : '';
  const readsNumbers = !isSelfService(actor);
  const reloadOffices = useCallback(async () => {
    if (!base) return;
    try {
      const [o, n] = await Promise.all([
        get<Page<Office>>(`${base}/offices?limit=500`),
        readsNumbers
          ? get<Page<PhoneNumber>>(`${base}/numbers?limit=500`).catch(() => ({ items: [] as PhoneNumber[] }))
          : Promise.resolve({ items: [] as PhoneNumber[] }),
      ]);
      setOffices(o.items);
      setNumbers(n.items);
      setLoadError(null);
    } catch (e) {
      setLoadError(errorText(e));
    }
  }, [base, readsNumbers]);

  const mayApply = can(actor, 'applyConfig');
  const refreshPending = useCallback(() => {
    if (!base || !caps.pendingConfig || !mayApply) return;
    void get<Pending>(`${base}/config/pending`)
      .then((p) => setPending(p.pending ? p : null))
      .catch(() => setPending(null));
  }, [base, caps.pendingConfig, mayApply]);

  useEffect(() => {
    setOffices(null);
    void reloadOffices();
    refreshPending();
  }, [reloadOffices, refreshPending]);

  const session: Session | null = useMemo(
    () =>
      account && offices
        ? {
            me,
            actor,
            account,
            base,
            caps,
            offices,
            numbers,
            reloadOffices,
            usersVersion,
            usersChanged: () => {
              setUsersVersion((v) => v + 1);
              void reloadOffices();
              refreshPending();
            },
            refreshPending,
          }
        : null,
    [me, actor, account, base, caps, offices, numbers, reloadOffices, usersVersion, refreshPending],
  );

  const signOut = async () => {
    try {
      await post('/api/v1/auth/logout');
    } catch {
      /* the cookie may already be gone */
    }
    onSignedOut();
    navigate('/login', { replace: true });
  };

  const applyChanges = async () => {
    try {
      const r = await post<{ version: number }>(`${base}/config/apply`, { expectedVersion: pending?.version });
      toast('ok', `Changes applied to your PBX (version ${r.version})`);
      setReviewing(false);
      refreshPending();
    } catch (e) {
      toast('error', errorText(e));
      refreshPending();
    }
  };
  const discardChanges = async () => {
    try {
      await post(`${base}/config/discard`, {});
      toast('ok', 'Saved changes discarded: back to the applied configuration');
      setConfirmDiscard(false);
      setReviewing(false);
      refreshPending();
      setUsersVersion((v) => v + 1);
      void reloadOffices();
      navigate(location.pathname.startsWith('/users/') ? '/' : location.pathname + location.search, { replace: true });
    } catch (e) {
      toast('error', errorText(e));
      setConfirmDiscard(false);
      refreshPending();
    }
  };
  // Version 0: nothing was ever applied, so there is nothing to go back to (the server answers 409 nothing_applied).
  const mayDiscard = Boolean(pending && pending.version > 0);
  const changeCount = pending?.changes?.length ?? 0;

  const selfOnly = isSelfService(actor);
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand" aria-label="Switchboard">
          <span className="logo" aria-hidden="true" />
          <span className="brand-name">Switchboard</span>
        </div>
        <div className="account-name">
          {actor.kind === 'provider' && accounts ? (
            <label className="account-picker">
              <span className="sr-only">Account</span>
              <select
                value={account?.code ?? ''}
                onChange={(e) => {
                  const a = accounts.find((x) => x.code === e.target.value) ?? null;
                  localStorage.setItem(PROVIDER_ACCOUNT_KEY, e.target.value);
                  setAccount(a);
                  navigate('/');
                }}
              >
                {accounts.map((a) => (
                  <option key={a.id} value={a.code}>
                    {a.name} ({a.code})
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <span title={account?.code}>{account?.name ?? ''}</span>
          )}
        </div>
        <div className="topbar-spacer" />
        {pending && !selfOnly && (
          <div className="pending" role="status">
            <span className="pending-dot" aria-hidden="true" />
            <span className="pending-text">
              {pending.changes?.length ?? 0} change{pending.changes?.length === 1 ? '' : 's'} not applied
            </span>
            <button type="button" className="btn btn-apply" onClick={() => setReviewing(true)}>
              Apply Changes
            </button>
          </div>
        )}
        {reviewing && pending && !confirmDiscard && (
          <Dialog
            title="Apply Changes"
            wide
            onClose={() => setReviewing(false)}
            footer={
              <>
                {mayDiscard && (
                  <button type="button" className="btn btn-danger-outline" onClick={() => setConfirmDiscard(true)}>
                    Discard changes
                  </button>
                )}
                <span className="spacer" />
                <button type="button" className="btn" onClick={() => setReviewing(false)}>
                  Cancel
                </button>
                <button type="button" className="btn btn-primary" onClick={applyChanges}>
                  Apply Changes
                </button>
              </>
            }
          >
            <p>These saved changes are published to your PBX (phones and call routing) as one new configuration version.</p>
            <ul className="change-list">
              {(pending.changes ?? []).map((c) => (
                <li key={`${c.kind}-${c.id}`}>
                  <span className={`badge change-${c.change}`}>{c.change}</span> <span className="muted">{c.kind.replace(/_/g, ' ')}</span> <strong>{c.kind === 'number' ? formatNumber(c.name) : c.name}</strong>
                  {c.fields && c.fields.length > 0 && <span className="muted small"> — {c.fields.join(', ')}</span>}
                </li>
              ))}
            </ul>
          </Dialog>
        )}
        {reviewing && pending && confirmDiscard && (
          <Dialog
            title="Discard changes"
            onClose={() => setConfirmDiscard(false)}
            footer={
              <>
                <button type="button" className="btn" onClick={() => setConfirmDiscard(false)} autoFocus>
                  Cancel
                </button>
                <button type="button" className="btn btn-danger" onClick={discardChanges}>
                  Discard {changeCount} change{changeCount === 1 ? '' : 's'}
                </button>
              </>
            }
          >
            <p>
              Discard all {changeCount} saved change{changeCount === 1 ? '' : 's'} not applied yet? Offices, users, numbers, groups and handsets go back to the configuration applied as
              version {pending.version}: what was added since is deleted, what was removed comes back. This cannot be undone.
            </p>
          </Dialog>
        )}
        <UserMenu label={me.user?.displayName ?? actor.label.replace(/\s*<[^>]*>\s*$/, '').replace(/^provider admin\s+/i, '')} role={actor.kind === 'provider' ? 'Provider admin' : actor.scope ? SCOPE_LABELS[actor.scope] : ''} onSignOut={signOut} selfOnly={selfOnly} hasSelf={Boolean(actor.userId)} />
      </header>
      <div className="body">
        <nav className="sidenav" aria-label="Main">
          {!selfOnly && <NavLink to="/" label="Offices & Users" icon="users" />}
          {!selfOnly && can(actor, 'groups') && <NavLink to="/ring-groups" label="Ring Groups" icon="users" />}
          {!selfOnly && can(actor, 'mediaLibrary') && <NavLink to="/hold-music" label="Hold Music" icon="music" />}
          {!selfOnly && can(actor, 'recordings') && <NavLink to="/recordings" label="Recordings" icon="music" />}
          {!selfOnly && can(actor, 'applyConfig') && caps.configVersions && <NavLink to="/config/versions" label="Applied Versions" icon="users" />}
          {actor.userId && <NavLink to="/me" label="My Settings" icon="me" />}
          {can(actor, 'callHistory') && <NavLink to="/calls" label="Call History" icon="users" />}
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          {loadError ? (
            <Empty title="Could not load this account">{loadError}</Empty>
          ) : actor.kind === 'provider' && accounts && accounts.length === 0 ? (
            <Empty title="No accounts yet">Create a PBX account through the API or the CLI, then come back.</Empty>
          ) : !session ? (
            <Spinner />
          ) : (
            <SessionCtx.Provider value={session}>
              <Routes selfOnly={selfOnly} />
            </SessionCtx.Provider>
          )}
        </main>
      </div>
    </div>
  );
}

function Routes({ selfOnly }: { selfOnly: boolean }) {
  const { path } = useLocation();
  // After moving to another screen, keyboard and screen-reader users start at its content (unless the
  // screen focused a field itself).
  useEffect(() => {
    const t = setTimeout(() => {
      if (document.activeElement === document.body || !document.activeElement) document.getElementById('main')?.focus({ preventScroll: true });
    }, 0);
    return () => clearTimeout(t);
  }, [path]);
  if (path === '/calls') return <CallHistory />;
  if (path === '/me' || selfOnly) return <SelfService />;
  if (path === '/users/new') return <UserCreate />;
  if (path === '/import') return <ImportUsers />;
  if (path === '/hold-music') return <HoldMusic />;
  if (path === '/ring-groups') return <RingGroups />;
  if (path === '/recordings') return <Recordings />;
  if (path === '/config/versions') return <AppliedVersions />;
  const u = match('/users/:id', path);
  if (u) return <UserManage key={u.id} userId={u.id!} />;
  return <OfficesUsers />;
}

function NavLink({ to, label, icon }: { to: string; label: string; icon: 'users' | 'me' | 'music' }) {
  const { path } = useLocation();
  const active = to === '/' ? path === '/' || path.startsWith('/users') || path === '/import' : path.startsWith(to);
  return (
    <a
      href={to}
      className={`navlink${active ? ' active' : ''}`}
      aria-current={active ? 'page' : undefined}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      <span className={`nav-icon nav-icon-${icon}`} aria-hidden="true" />
      <span>{label}</span>
    </a>
  );
}

function UserMenu({ label, role, onSignOut, selfOnly, hasSelf }: { label: string; role: string; onSignOut: () => void; selfOnly: boolean; hasSelf: boolean }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  return (
    <div className="usermenu" ref={ref} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button type="button" className="usermenu-btn" aria-haspopup="menu" aria-expanded={open} aria-label={`${label}${role ? `, ${role}` : ''}: account menu`} onClick={() => setOpen(!open)}>
        <span className="avatar" aria-hidden="true">
          {initials(label)}
        </span>
        <span className="usermenu-label">
          <span className="usermenu-name">{label}</span>
          <span className="usermenu-role">{role}</span>
        </span>
      </button>
      {open && (
        <div className="menu" role="menu">
          {!selfOnly && (
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false);
                navigate('/');
              }}
            >
              Offices &amp; Users
            </button>
          )}
          {hasSelf && (
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false);
                navigate('/me');
              }}
            >
              My Settings
            </button>
          )}
          <button type="button" role="menuitem" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
