import { useEffect, useState } from 'react';
import { ApiError, get, post, type UserWithSecret } from './api.ts';
import { navigate, useLocation } from './router.ts';
import { handOver } from './secrets.ts';
import { useSession } from './session.tsx';
import { AccountInformation, CallSipSettings, Section, VoicemailSettings } from './userSections.tsx';
import { CheckField, Crumbs, FormError, TextField, errorText, useForm, useToast } from './ui.tsx';
import { fetchSetPasswordLink, isMailUnavailable, SetPasswordLinkDialog, type SetPasswordLink } from './SetPasswordLink.tsx';

/** What happens after a successful create (seed 002): open the user, start the next one, or add their handset. */
type After = 'open' | 'another' | 'device';

function blank(officeId: string) {
  return {
    extension: '',
    firstName: '',
    lastName: '',
    displayName: '',
    email: null as string | null,
    officeId,
    userType: 'native',
    scope: 'basic_user',
    department: null as string | null,
    includeInDirectory: true,
    ringTime: 40,
    pickupGroup: null as string | null,
    outboundNumber: null as string | null,
    hideCallerId: false,
    behindFirewall: true,
    voicemail: { enabled: true, pin: '', emailDelivery: false, email: null as string | null, deleteAfterEmail: false, keepOnServer: true },
    password: '',
    confirmPassword: '',
    /** Seed 002 'Send credentials to this user': not part of the user; acted on after the create. */
    sendCredentials: false,
  };
}

/** 'Add New User': account information, call/SIP settings, voicemail settings, then 'Create User'. */
export function UserCreate() {
  const s = useSession();
  const toast = useToast();
  const { search } = useLocation();
  // The office chosen in the list, or the only one there is; with 'All offices' selected the person must choose.
  const officeId = search.get('office') && s.offices.some((o) => o.id === search.get('office')) ? search.get('office')! : s.offices.length === 1 ? s.offices[0]!.id : '';
  const form = useForm(blank(officeId));
  const [nextExt, setNextExt] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState<After | null>(null);
  const [link, setLink] = useState<{ link: SetPasswordLink; name: string; reason: string; then: () => void } | null>(null);
  const [created, setCreated] = useState<Array<{ id: string; label: string }>>([]);
  // Bumped after 'Create User and Add Another' so the next free extension is suggested again.
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    get<{ extension: string | null; length: number }>(`${s.base}/users/next-extension`)
      .then((r) => {
        if (!live) return;
        setNextExt(r.extension);
        if (r.extension && !form.values.extension) form.set('extension', r.extension);
      })
      .catch(() => live && setNextExt(null));
    return () => {
      live = false;
    };
    // Once per account and per new user: the extension is a suggestion the person may overwrite.
  }, [s.base, round]);

  if (s.offices.length === 0) {
    return (
      <div className="page">
        <div className="empty">
          <div className="empty-title">Add an office first</div>
          <div className="empty-body">Every user belongs to an office. Go back and click &lsquo;Add Office&rsquo;.</div>
        </div>
      </div>
    );
  }

  /** After the create: the credentials email, or (no SMTP) the copyable link shown before moving on. */
  const credentials = async (user: UserWithSecret, then: () => void) => {
    try {
      await post(`${s.base}/users/${user.id}/send-credentials`, {});
      toast('ok', `Credentials sent to ${user.email}`);
    } catch (err) {
      if (!isMailUnavailable(err)) {
        toast('error', `The user was created, but the credentials were not sent: ${errorText(err)}`);
      } else {
        try {
          const l = await fetchSetPasswordLink(s.base, user.id);
          setLink({ link: l, name: user.displayName, reason: 'No email can be sent from this server (SMTP is not set up). Copy this link and give it to the user instead.', then });
          return;
        } catch (e2) {
          toast('error', `The user was created, but no set-password link could be made: ${errorText(e2)}`);
        }
      }
    }
    then();
  };

  const submit = async (e: React.FormEvent, after: After = 'open') => {
    e.preventDefault();
    form.clearErrors();
    setBusy(after);
    const { password, confirmPassword, sendCredentials, ...v } = form.values;
    if (!v.officeId) {
      form.takeError(new ApiError(422, 'validation_failed', 'choose an office', [{ field: 'officeId', reason: 'choose the office this user belongs to' }]));
      setBusy(null);
      return;
    }
    if (password !== confirmPassword) {
      form.takeError(new ApiError(422, 'validation_failed', 'the passwords differ', [{ field: 'confirmPassword', reason: 'does not match the new password' }]));
      setBusy(null);
      return;
    }
    if (sendCredentials && !v.email?.trim()) {
      form.takeError(new ApiError(422, 'validation_failed', 'no email', [{ field: 'email', reason: 'is needed to send the user their credentials' }]));
      setBusy(null);
      return;
    }
    const body = {
      ...v,
      ...(password && { password }),
      extension: v.extension.trim() || undefined,
      displayName: v.displayName.trim() || undefined,
      lastName: v.lastName.trim(),
      voicemail: { ...v.voicemail, pin: v.voicemail.pin || null },
    };
    try {
      const user = await post<UserWithSecret>(`${s.base}/users`, body);
      toast('ok', `User ${user.displayName} (${user.extension}) created`);
      s.usersChanged();
      let then: () => void;
      if (after === 'another') {
        // Seed 002 'Create User and Add Another': a fresh form for the next person, in the same office.
        form.setValues(blank(v.officeId));
        setCreated((c) => [...c, { id: user.id, label: `${user.extension} ${user.displayName}` }]);
        setRound((r) => r + 1);
        requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-field="firstName"]')?.focus());
        then = () => {};
      } else {
        // The SIP password is shown once, on the user's page.
        handOver(user.id, user.sipPassword);
        const to = after === 'device' ? `/users/${user.id}?add=handset#handsets` : `/users/${user.id}`;
        then = () => navigate(to);
      }
      if (sendCredentials) await credentials(user, then);
      else then();
    } catch (err) {
      form.takeError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <Crumbs here="Add New User" />
          <h1>Add New User</h1>
        </div>
      </div>
      <form onSubmit={submit} noValidate className="page-form">
        <FormError message={form.formError} />
        <Section id="account-information" title="Account Information" intro="Publicly displayed information used to identify the user.">
          <AccountInformation
            form={form}
            mode="create"
            extensionHint={nextExt ? <>Next available extension: <strong>{nextExt}</strong></> : nextExt === null ? 'No free extension is left' : undefined}
          />
        </Section>
        <Section id="call-sip" title="Call/SIP Settings" intro="How the extension handles incoming and outgoing calls.">
          <CallSipSettings form={form} sipPassword={<p className="muted small">A strong SIP password is generated when you create the user and shown to you once.</p>} />
        </Section>
        <Section id="voicemail" title="Voicemail Settings" intro="Voicemail, and a personal PIN to reach the messages.">
          <VoicemailSettings form={form} />
        </Section>
        <Section id="portal-access" title="Portal Access" intro="Optional: a password to sign in to this portal with the email above and the account name. You can also send the user a link to set one themselves.">
          <TextField form={form} name="password" label="New Password" type="password" autoComplete="new-password" hint="At least 10 characters mixing three of: lower case, upper case, digits, symbols (or a passphrase of 16+)" />
          <TextField form={form} name="confirmPassword" label="Confirm Password" type="password" autoComplete="new-password" />
          {s.caps.sendCredentials && (
            <div className="span-2">
              <CheckField
                form={form}
                name="sendCredentials"
                label="Send credentials to this user"
                hint="After the user is created, email them the account name, their login email, the portal address and a link to choose their password. Without email on this server, you get the link to copy instead."
              />
            </div>
          )}
        </Section>
        <div className="form-actions sticky-actions">
          {created.length > 0 && (
            <span className="muted" role="status">
              Created: {created.map((c, i) => (
                <span key={c.id}>
                  {i > 0 && ', '}
                  <a
                    href={`/users/${c.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/users/${c.id}`);
                    }}
                  >
                    {c.label}
                  </a>
                </span>
              ))}
            </span>
          )}
          <button type="button" className="btn" onClick={() => navigate('/')}>
            {created.length ? 'Done' : 'Cancel'}
          </button>
          {s.caps.devices && (
            <button type="button" className="btn" disabled={busy !== null} onClick={(e) => submit(e, 'device')} title="Create the user, then add their handset">
              {busy === 'device' ? 'Creating…' : 'Add User and Device'}
            </button>
          )}
          <button type="button" className="btn" disabled={busy !== null} onClick={(e) => submit(e, 'another')}>
            {busy === 'another' ? 'Creating…' : 'Create User and Add Another'}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy !== null}>
            {busy === 'open' ? 'Creating…' : 'Create User'}
          </button>
        </div>
      </form>
      {link && (
        <SetPasswordLinkDialog
          link={link.link}
          name={link.name}
          reason={link.reason}
          onClose={() => {
            const then = link.then;
            setLink(null);
            then();
          }}
        />
      )}
    </div>
  );
}
