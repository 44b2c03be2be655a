import { useEffect, useState } from 'react';
import { ApiError, get, post, type UserWithSecret } from './api.ts';
import { navigate, useLocation } from './router.ts';
import { handOver } from './secrets.ts';
import { useSession } from './session.tsx';
import { AccountInformation, CallSipSettings, Section, VoicemailSettings } from './userSections.tsx';
import { Crumbs, FormError, TextField, useForm, useToast } from './ui.tsx';

/** 'Add New User': account information, call/SIP settings, voicemail settings, then 'Create User'. */
export function UserCreate() {
  const s = useSession();
  const toast = useToast();
  const { search } = useLocation();
  // The office chosen in the list, or the only one there is; with 'All offices' selected the person must choose.
  const officeId = search.get('office') && s.offices.some((o) => o.id === search.get('office')) ? search.get('office')! : s.offices.length === 1 ? s.offices[0]!.id : '';
  const form = useForm({
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
  });
  const [nextExt, setNextExt] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);

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
    // Only once per account: the extension is a suggestion the person may overwrite.
  }, [s.base]);

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

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    form.clearErrors();
    setBusy(true);
    const { password, confirmPassword, ...v } = form.values;
    if (!v.officeId) {
      form.takeError(new ApiError(422, 'validation_failed', 'choose an office', [{ field: 'officeId', reason: 'choose the office this user belongs to' }]));
      setBusy(false);
      return;
    }
    if (password !== confirmPassword) {
      form.takeError(new ApiError(422, 'validation_failed', 'the passwords differ', [{ field: 'confirmPassword', reason: 'does not match the new password' }]));
      setBusy(false);
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
      const created = await post<UserWithSecret>(`${s.base}/users`, body);
      handOver(created.id, created.sipPassword);
      toast('ok', `User ${created.displayName} (${created.extension}) created`);
      s.usersChanged();
      navigate(`/users/${created.id}`);
    } catch (err) {
      form.takeError(err);
    } finally {
      setBusy(false);
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
        <Section id="portal-access" title="Portal Access" intro="Optional: a password to sign in to this portal with the email above and the account name. You can also send the user a link to set one later ('Send credentials').">
          <TextField form={form} name="password" label="New Password" type="password" autoComplete="new-password" hint="At least 10 characters mixing three of: lower case, upper case, digits, symbols (or a passphrase of 16+)" />
          <TextField form={form} name="confirmPassword" label="Confirm Password" type="password" autoComplete="new-password" />
        </Section>
        <div className="form-actions sticky-actions">
          <button type="button" className="btn" onClick={() => navigate('/')}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create User'}
          </button>
        </div>
      </form>
    </div>
  );
}
