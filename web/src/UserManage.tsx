import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, del, get, patch, post, put, TAG_HELP, TAG_LABELS, type Device, type ExtensionChangePreview, type User, type UsageItem, type UserWithSecret } from './api.ts';
import { can } from './perms.ts';
import { navigate, setLeaveGuard, useLocation } from './router.ts';
import { takeOver } from './secrets.ts';
import { useSession } from './session.tsx';
import { AccountInformation, AppsSettings, CallSipSettings, Diversions, Section, SecuritySettings, SmartCalling, SubHead, VoicemailSettings } from './userSections.tsx';
import { NavLink, Crumbs, Dialog, Empty, FormError, Spinner, TextField, diff, errorText, useForm, useToast } from './ui.tsx';
import { formatMac, formatNumber, initials, plural } from './format.ts';
import { VoicemailBox } from './Voicemail.tsx';
import { fetchSetPasswordLink, isMailUnavailable, SetPasswordLinkDialog, type SetPasswordLink } from './SetPasswordLink.tsx';

/** What the form edits: the user minus read-only fields, with a write-only PIN that starts empty. */
export function toDraft(u: User) {
  const { pinSet: _p, ...vm } = u.voicemail;
  return {
    extension: u.extension,
    firstName: u.firstName,
    lastName: u.lastName,
    displayName: u.displayName,
    email: u.email,
    officeId: u.officeId,
    userType: u.userType,
    scope: u.scope,
    department: u.department,
    includeInDirectory: u.includeInDirectory,
    ringTime: u.ringTime,
    pickupGroup: u.pickupGroup,
    outboundNumber: u.outboundNumber,
    hideCallerId: u.hideCallerId,
    behindFirewall: u.behindFirewall,
    voicemail: { ...vm, pin: '' },
    features: u.features,
    security: u.security,
    apps: u.apps,
  };
}
export type Draft = ReturnType<typeof toDraft>;

const SECTIONS: Array<[string, string]> = [
  ['user-details', 'User Details'],
  ['handsets', 'Handsets'],
  ['voicemail-messages', 'Voicemail'],
  ['features', 'Features'],
  ['apps', 'Apps'],
  ['security', 'Security'],
  ['usage', 'Usage'],
];

export function UserManage({ userId }: { userId: string }) {
  const s = useSession();
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState(() => takeOver(userId));

  useEffect(() => {
    get<User>(`${s.base}/users/${encodeURIComponent(userId)}`)
      .then(setUser)
      .catch((e) => setError(e instanceof ApiError && e.status === 404 ? 'This user does not exist (any more).' : errorText(e)));
  }, [s.base, userId]);

  if (error)
    return (
      <div className="page">
        <Empty title="Cannot open this user">
          {error}{' '}
          <NavLink to="/">Back to Offices &amp; Users</NavLink>
        </Empty>
      </div>
    );
  if (!user) return <Spinner label="Loading user" />;
  return (
    <ManageForm
      key={user.updatedAt}
      user={user}
      initialSecret={secret}
      onSaved={(u) => {
        setSecret(null);
        setUser(u);
      }}
    />
  );
}

function ManageForm({ user, initialSecret, onSaved }: { user: User; initialSecret: string | null; onSaved: (u: User) => void }) {
  const s = useSession();
  const toast = useToast();
  const initial = useMemo(() => toDraft(user), [user]);
  const form = useForm<Draft>(initial);
  const [busy, setBusy] = useState(false);
  const [usage, setUsage] = useState<UsageItem[] | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  // Seed 002: 'Check the boxes to remove devices ...' — what would go with the user is removed only when ticked.
  const [alsoRemove, setAlsoRemove] = useState(false);
  const changes = diff(initial, form.values) as Partial<Draft> | undefined;
  const mayManage = can(s.actor, 'manageUser');

  // seed 002: an extension change carries voicemail, presence, caller ID and every reference along — shown before Save
  const newExtension = typeof changes?.extension === 'string' ? changes.extension.trim() : null;
  const [extPreview, setExtPreview] = useState<ExtensionChangePreview | null>(null);
  const rewrites = extPreview?.changes.filter((c) => c.effect === 'rewrite').length ?? 0;
  useEffect(() => {
    if (!newExtension || !/^[0-9]{3,4}$/.test(newExtension)) {
      setExtPreview(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      get<ExtensionChangePreview>(`${s.base}/users/${user.id}/extension-change?to=${encodeURIComponent(newExtension)}`)
        .then((p) => live && setExtPreview(p))
        .catch(() => live && setExtPreview(null));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [newExtension, s.base, user.id]);

  const loadUsage = useCallback(() => {
    if (!s.caps.usage) return;
    get<{ items: UsageItem[] }>(`${s.base}/users/${user.id}/usage`)
      .then((r) => setUsage(r.items))
      .catch(() => setUsage(null));
  }, [s.base, s.caps.usage, user.id]);
  useEffect(loadUsage, [loadUsage]);

  // Leaving with unsaved changes asks first: closing or reloading the tab (beforeunload), and the portal's own
  // links (breadcrumb, side navigation) through the router's leave guard.
  useEffect(() => {
    if (!changes) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    const unguard = setLeaveGuard(() => window.confirm(`You have unsaved changes to ${user.displayName}. Leave without saving them?`));
    return () => {
      window.removeEventListener('beforeunload', warn);
      unguard();
    };
  }, [changes, user.displayName]);

  const save = async (e?: React.FormEvent) => {
    e?.preventDefault();
    if (!changes) return;
    form.clearErrors();
    setBusy(true);
    const body: Record<string, unknown> = { ...changes };
    if (changes.voicemail) {
      const { pin, ...vm } = changes.voicemail;
      body.voicemail = { ...vm, ...(pin ? { pin } : {}) };
      if (Object.keys(body.voicemail as object).length === 0) delete body.voicemail;
    }
    try {
      const saved = await patch<User>(`${s.base}/users/${user.id}`, body);
      toast('ok', 'User saved');
      s.usersChanged();
      onSaved(saved);
    } catch (err) {
      form.takeError(err);
    } finally {
      setBusy(false);
    }
  };

  const doDelete = async () => {
    try {
      await del(`${s.base}/users/${user.id}${cascading.length && alsoRemove ? '?cascade=true' : ''}`);
      toast('ok', `User ${user.displayName} deleted`);
      s.usersChanged();
      navigate(`/?office=${user.officeId}`, { force: true });
    } catch (err) {
      setConfirmDelete(false);
      if (err instanceof ApiError && err.code === 'in_use') {
        const u = (err.body as { usage?: UsageItem[] })?.usage;
        if (u) setUsage(u);
        toast('error', 'This user is in use. See the Usage section.');
      } else toast('error', errorText(err));
    }
  };

  // Only what must be changed by hand blocks the delete; the rest goes with the user.
  const blocking = (usage ?? []).filter((u) => (u.removal ?? 'manual') === 'manual');
  const cascading = (usage ?? []).filter((u) => u.removal === 'cascade');
  const inUse = blocking.length > 0;
  return (
    <div className="page page-manage">
      <div className="page-head">
        <div className="page-title">
          <Crumbs here="Manage User" back={`/?office=${user.officeId}&user=${user.id}`} />
          <div className="title-row">
            <span className="avatar avatar-lg" aria-hidden="true">
              {initials(user.displayName)}
            </span>
            <div>
              <h1>{user.displayName}</h1>
              <div className="muted">
                Extension <span className="mono">{user.extension}</span> · {s.offices.find((o) => o.id === user.officeId)?.name}
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
          </div>
        </div>
        {can(s.actor, 'deleteUser') && (
          <div className="page-actions">
            <button
              type="button"
              className="btn btn-danger-outline"
              disabled={inUse}
              aria-describedby={inUse ? 'in-use-note' : undefined}
              onClick={() => setConfirmDelete(true)}
              title={inUse ? 'In use: see Usage' : undefined}
            >
              Delete
            </button>
            {inUse && (
              <span id="in-use-note" className="muted small">
                In use — see <a href="#usage">Usage</a>
              </span>
            )}
          </div>
        )}
      </div>

      {initialSecret && (
        <div className="notice notice-ok" role="status">
          <strong>User created.</strong>
          <span>SIP password, shown only this once:</span>
          <code>{initialSecret}</code>
          <a href="#call-sip-settings">Call/SIP Settings</a>
        </div>
      )}
      <div className="manage-layout">
        <nav className="section-nav" aria-label="User sections">
          {SECTIONS.filter(([id]) => (id !== 'usage' || s.caps.usage) && (id !== 'voicemail-messages' || can(s.actor, 'othersVoicemail'))).map(([id, label]) => (
            <a key={id} href={`#${id}`}>
              {label}
            </a>
          ))}
        </nav>
        <form className="page-form" onSubmit={save} noValidate>
          <FormError message={form.formError} />
          <Section id="user-details" title="User Details" intro="Core account information, call settings and voicemail.">
            <SubHead>Account Information</SubHead>
            <AccountInformation form={form} mode="manage" />
            <SubHead id="call-sip-settings">Call/SIP Settings</SubHead>
            <CallSipSettings form={form} sipPassword={<SipPassword user={user} initialSecret={initialSecret} />} />
            <SubHead>Voicemail Settings</SubHead>
            <VoicemailSettings form={form} pinSet={user.voicemail.pinSet} />
            {(s.caps.setPassword || s.caps.sendCredentials) && can(s.actor, 'credentials') && (
              <>
                <SubHead>Portal Login</SubHead>
                <PortalLogin user={user} />
              </>
            )}
          </Section>
          <Section id="handsets" title="Handsets" intro="Physical handsets assigned to this user.">
            <Handsets user={user} />
          </Section>
          {can(s.actor, 'othersVoicemail') && <VoicemailBox user={user} idPrefix="voicemail" />}
          <Section id="features" title="Features" intro="Call diversions, smart calling, callback and direct number.">
            <SubHead>Call Diversions</SubHead>
            <Diversions form={form} />
            <SubHead>Callback and Smart Calling</SubHead>
            <SmartCalling form={form} />
            <SubHead>Direct Number</SubHead>
            <DirectNumbers
              user={user}
              onChanged={() => {
                loadUsage();
                void get<User>(`${s.base}/users/${user.id}`).then(onSaved);
              }}
            />
          </Section>
          <Section id="apps" title="Apps" intro="Softphone and CRM integration access.">
            <AppsSettings form={form} />
          </Section>
          <Section id="security" title="Security" intro="Enabled call types, handset management permissions, recording and privacy.">
            <SecuritySettings form={form} />
          </Section>
          {s.caps.usage && (
            <section className="card form-section" id="usage" aria-labelledby="usage-h">
              <div className="card-head">
                <h2 id="usage-h">Usage</h2>
              </div>
              {usage === null ? (
                <Spinner label="Checking where this user is used" />
              ) : blocking.length === 0 ? (
                <p className="muted">This user is not used anywhere that must be changed first. It can be deleted.</p>
              ) : (
                <>
                  <p>This user is configured in the places below. Remove it from them first; then it can be deleted.</p>
                  <UsageList items={blocking} />
                </>
              )}
              {usage && usage.length > blocking.length && (
                <>
                  <h3 className="subhead">Removed with the user</h3>
                  <UsageList items={usage.filter((u) => !blocking.includes(u))} />
                </>
              )}
            </section>
          )}
          {extPreview && newExtension && (
            <section className="card form-section" data-testid="extension-change-preview" aria-labelledby="ext-change-h" role="status">
              <h2 id="ext-change-h">
                Changing extension {extPreview.from} to {extPreview.to}
              </h2>
              {extPreview.blockers.length > 0 ? (
                <ul>
                  {extPreview.blockers.map((b) => (
                    <li key={b.field}>Cannot change: the extension {b.reason}.</li>
                  ))}
                </ul>
              ) : (
                <>
                  <p>Saving changes all of these at the same time:</p>
                  <ul>
                    {extPreview.changes.map((c, i) => (
                      <li key={`${c.kind}-${c.id}-${i}`}>
                        {c.description}
                        {c.effect === 'follows' && <span className="muted small"> (follows)</span>}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </section>
          )}
          {mayManage && (
            <div className={`form-actions sticky-actions${changes ? ' dirty' : ''}`}>
              <span className="muted small" aria-live="polite">
                {changes ? 'You have unsaved changes' : 'All changes saved'}
                {extPreview && newExtension && (
                  <>
                    {' · '}
                    <a href="#ext-change-h" data-testid="extension-change-summary">
                      {extPreview.allowed
                        ? `Extension ${extPreview.from} → ${extPreview.to}: ${plural(rewrites, 'other setting')} ${rewrites === 1 ? 'changes' : 'change'} with it`
                        : `Extension ${extPreview.to} cannot be used`}
                    </a>
                  </>
                )}
              </span>
              <button type="button" className="btn" disabled={!changes || busy} onClick={() => form.setValues(initial)}>
                Discard
              </button>
              <button type="submit" className="btn btn-primary" disabled={!changes || busy || (extPreview !== null && !extPreview.allowed)}>
                {busy ? 'Saving…' : 'Save'}
              </button>
            </div>
          )}
        </form>
      </div>
      {confirmDelete && (
        <Dialog
          title="Delete User"
          onClose={() => {
            setConfirmDelete(false);
            setAlsoRemove(false);
          }}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setConfirmDelete(false)} autoFocus>
                Cancel
              </button>
              <button type="button" className="btn btn-danger" onClick={doDelete} disabled={cascading.length > 0 && !alsoRemove}>
                Delete User
              </button>
            </>
          }
        >
          <p>
            Delete <strong>{user.displayName}</strong> (extension {user.extension})? Their voicemail box and settings are removed. This cannot be undone.
          </p>
          {cascading.length > 0 && (
            <>
              <p>These go with the user:</p>
              <UsageList items={cascading} />
              <label className="check">
                <input type="checkbox" checked={alsoRemove} onChange={(e) => setAlsoRemove(e.target.checked)} />
                <span>Also remove this user&rsquo;s handsets and return their direct numbers to the spare numbers</span>
              </label>
            </>
          )}
        </Dialog>
      )}
    </div>
  );
}

export function UsageList({ items }: { items: UsageItem[] }) {
  return (
    <ul className="usage-list">
      {items.map((u) => (
        <li key={`${u.kind}-${u.id}`}>
          <span className="badge">{u.kind.replace(/_/g, ' ')}</span> <strong>{/^\+\d{6,}$/.test(u.name) ? formatNumber(u.name) : u.name}</strong>
          {u.description && <span className="muted"> — {u.description}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The SIP password is never readable again after it is shown: regenerating is the only way to see one. */
function SipPassword({ user, initialSecret }: { user: User; initialSecret: string | null }) {
  const s = useSession();
  const toast = useToast();
  const [secret, setSecret] = useState<string | null>(initialSecret);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const regenerate = async () => {
    setBusy(true);
    try {
      const r = await post<UserWithSecret>(`${s.base}/users/${user.id}/sip-password`);
      setSecret(r.sipPassword);
      setConfirm(false);
      toast('ok', 'New SIP password generated');
      // Whether new credentials count as a change to apply is the server's rule (config/rules.ts): ask it.
      s.refreshPending();
    } catch (e) {
      toast('error', errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="sip-box">
      <div className="sip-row">
        <span className="label-like">SIP Username</span>
        <span className="mono">{user.sipUsername}</span>
      </div>
      <div className="sip-row">
        <span className="label-like" id="sip-pass-label">
          SIP Password
        </span>
        {secret ? (
          <span className="secret" aria-labelledby="sip-pass-label">
            <code data-testid="sip-password">{secret}</code>
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => {
                void navigator.clipboard?.writeText(secret).then(
                  () => toast('ok', 'Copied'),
                  () => toast('info', 'Select the password and copy it'),
                );
              }}
            >
              Copy
            </button>
          </span>
        ) : (
          <span className="muted">Hidden. It was shown once when it was set.</span>
        )}
        {can(s.actor, 'credentials') && (
          <button type="button" className="btn btn-sm" onClick={() => setConfirm(true)} aria-label="Regenerate SIP password">
            ↻ Regenerate
          </button>
        )}
      </div>
      {secret && (
        <div className="notice notice-warn" role="status">
          Copy this password now: it is shown only once. Phones and softphones using the old password must be updated.
        </div>
      )}
      {confirm && (
        <Dialog
          title="Regenerate SIP password"
          onClose={() => setConfirm(false)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setConfirm(false)}>
                Cancel
              </button>
              <button type="button" className="btn btn-primary" onClick={regenerate} disabled={busy}>
                Regenerate
              </button>
            </>
          }
        >
          <p>A new SIP password replaces the current one at once. Handsets and apps registered with the old password stop working until they are updated.</p>
        </Dialog>
      )}
    </div>
  );
}

function PortalLogin({ user }: { user: User }) {
  const s = useSession();
  const toast = useToast();
  const form = useForm({ password: '' });
  const [busy, setBusy] = useState(false);
  const [link, setLink] = useState<{ link: SetPasswordLink; reason?: string } | null>(null);
  const setPassword = async () => {
    form.clearErrors();
    setBusy(true);
    try {
      await put(`${s.base}/users/${user.id}/password`, { password: form.values.password });
      form.set('password', '');
      toast('ok', 'Portal password set');
      s.usersChanged();
    } catch (e) {
      form.takeError(e);
    } finally {
      setBusy(false);
    }
  };
  const copyLink = async (reason?: string) => {
    try {
      setLink({ link: await fetchSetPasswordLink(s.base, user.id), reason });
    } catch (e) {
      toast('error', errorText(e));
    }
  };
  const sendCredentials = async () => {
    try {
      await post(`${s.base}/users/${user.id}/send-credentials`, {});
      toast('ok', `Credentials sent to ${user.email}`);
    } catch (e) {
      // No SMTP on this server: hand the manager the link the email would have carried.
      if (isMailUnavailable(e)) await copyLink('No email can be sent from this server (SMTP is not set up). Copy this link and give it to the user instead.');
      else toast('error', errorText(e));
    }
  };
  return (
    <div className="span-2 portal-login">
      <p className="muted small">{user.portalPasswordSet ? 'This user has a portal password.' : 'This user has no portal password yet.'}</p>
      {s.caps.setPassword && (
        <div className="inline-form">
          <TextField form={form} name="password" label="New portal password" type="password" autoComplete="new-password" hint="At least 10 characters mixing three of: lower case, upper case, digits, symbols (or a 16+ character passphrase)" />
          <button type="button" className="btn" disabled={busy || !form.values.password} onClick={setPassword}>
            Set password
          </button>
        </div>
      )}
      <FormError message={form.formError} />
      <div className="inline-form">
        {s.caps.sendCredentials && (
          <button type="button" className="btn" disabled={!user.email} onClick={sendCredentials} title={user.email ? undefined : 'The user has no email'}>
            Send credentials
          </button>
        )}
        {s.caps.setPasswordLink && (
          <button type="button" className="btn" disabled={!user.email} onClick={() => copyLink()} title={user.email ? undefined : 'The user has no email'}>
            Copy set-password link
          </button>
        )}
      </div>
      {link && <SetPasswordLinkDialog link={link.link} reason={link.reason} name={user.displayName} onClose={() => setLink(null)} />}
    </div>
  );
}

function Handsets({ user }: { user: User }) {
  const s = useSession();
  const toast = useToast();
  const [devices, setDevices] = useState<Device[] | null>(null);
  // 'Add User and Device' on Add New User lands here with ?add=handset: the add form is open.
  const { search } = useLocation();
  const [adding, setAdding] = useState(() => search.get('add') === 'handset' && can(s.actor, 'manageUser'));
  const [removing, setRemoving] = useState<Device | null>(null);
  const form = useForm({ mac: '', model: '', label: '' });
  const load = useCallback(() => {
    if (!s.caps.devices) return;
    get<{ items: Device[] }>(`${s.base}/devices?userId=${encodeURIComponent(user.id)}`)
      .then((r) => setDevices(r.items))
      .catch(() => setDevices([]));
  }, [s.base, s.caps.devices, user.id]);
  useEffect(load, [load]);
  if (!s.caps.devices) return <p className="muted span-2">Handset management is not available on this server.</p>;
  const add = async () => {
    form.clearErrors();
    try {
      const v = form.values;
      await post(`${s.base}/devices`, { mac: v.mac, userId: user.id, ...(v.model && { model: v.model }), ...(v.label && { label: v.label }) });
      toast('ok', 'Handset added');
      setAdding(false);
      form.setValues({ mac: '', model: '', label: '' });
      load();
      s.refreshPending();
    } catch (e) {
      form.takeError(e);
    }
  };
  const remove = async (d: Device) => {
    try {
      await del(`${s.base}/devices/${encodeURIComponent(d.id)}`);
      toast('ok', `Handset ${formatMac(d.mac)} removed`);
      load();
      s.refreshPending();
    } catch (e) {
      toast('error', errorText(e));
    } finally {
      setRemoving(null);
    }
  };
  const mayManage = can(s.actor, 'manageUser');
  return (
    <div className="span-2">
      {devices === null ? (
        <Spinner label="Loading handsets" />
      ) : devices.length === 0 ? (
        <p className="muted">No handsets yet.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">MAC address</th>
              <th scope="col">Model</th>
              <th scope="col">Label</th>
              {mayManage && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.id}>
                <td className="mono">{formatMac(d.mac)}</td>
                <td>{[d.vendor && d.vendor.charAt(0).toUpperCase() + d.vendor.slice(1), d.model?.toUpperCase()].filter(Boolean).join(' ') || '—'}</td>
                <td>{d.label ?? '—'}</td>
                {mayManage && (
                  <td className="actions">
                    <button type="button" className="btn btn-sm" onClick={() => setRemoving(d)} aria-label={`Remove handset ${formatMac(d.mac)}`}>
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {removing && (
        <Dialog
          title="Remove handset"
          onClose={() => setRemoving(null)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setRemoving(null)} autoFocus>
                Cancel
              </button>
              <button type="button" className="btn btn-danger" onClick={() => remove(removing)}>
                Remove handset
              </button>
            </>
          }
        >
          <p>
            Remove handset <span className="mono">{formatMac(removing.mac)}</span> from {user.displayName}? The phone no longer gets its configuration from this PBX, and its MAC address can be
            added again later.
          </p>
        </Dialog>
      )}
      {mayManage &&
        (adding ? (
          <div className="inline-form">
            <FormError message={form.formError} />
            <TextField form={form} name="mac" label="MAC address" placeholder="00:15:65:12:34:56" autoFocus />
            <TextField form={form} name="model" label="Model" placeholder="T54W" />
            <TextField form={form} name="label" label="Label" hint="Optional" />
            <button type="button" className="btn btn-primary" onClick={add}>
              Add handset
            </button>
            <button type="button" className="btn" onClick={() => setAdding(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="btn" onClick={() => setAdding(true)}>
            Add handset
          </button>
        ))}
    </div>
  );
}

function DirectNumbers({ user, onChanged }: { user: User; onChanged: () => void }) {
  const s = useSession();
  const toast = useToast();
  const mine = user.directNumbers ?? s.numbers.filter((n) => n.userId === user.id).map((n) => n.e164);
  const spare = s.numbers.filter((n) => n.status === 'spare');
  const [pick, setPick] = useState('');
  const mayAssign = s.caps.assignNumbers && can(s.actor, 'numbers');
  const act = async (e164: string, what: 'assign' | 'unassign') => {
    try {
      await post(`${s.base}/numbers/${encodeURIComponent(e164)}/${what}`, what === 'assign' ? { userId: user.id } : {});
      toast('ok', what === 'assign' ? `${formatNumber(e164)} assigned` : `${formatNumber(e164)} returned to spare numbers`);
      setPick('');
      await s.reloadOffices();
      s.usersChanged();
      onChanged();
    } catch (err) {
      toast('error', errorText(err));
    }
  };
  return (
    <div className="span-2 direct-numbers">
      {mine.length === 0 ? (
        <p className="muted">No direct number. Calls reach this user through the extension.</p>
      ) : (
        <ul className="plain-list">
          {mine.map((n) => (
            <li key={n}>
              <span className="mono">{formatNumber(n)}</span>
              {mayAssign && (
                <button type="button" className="btn btn-sm btn-ghost" onClick={() => act(n, 'unassign')}>
                  Un-assign
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {mayAssign && (
        <div className="inline-form">
          <label className="sr-only" htmlFor="spare-number">
            Spare number
          </label>
          <select id="spare-number" value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">{spare.length ? 'Add from spare numbers…' : 'No spare numbers'}</option>
            {spare.map((n) => (
              <option key={n.e164} value={n.e164}>
                {formatNumber(n.e164)}
              </option>
            ))}
          </select>
          <button type="button" className="btn" disabled={!pick} onClick={() => act(pick, 'assign')}>
            Assign
          </button>
        </div>
      )}
    </div>
  );
}
