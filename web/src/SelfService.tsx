import { useEffect, useMemo, useState } from 'react';
import { get, patch, put, type User } from './api.ts';
import { useSession } from './session.tsx';
import { Diversions, Section, SmartCalling } from './userSections.tsx';
import { CheckField, Empty, FormError, Spinner, TextField, diff, errorText, useForm, useToast } from './ui.tsx';
import { formatNumber } from './format.ts';
import { can } from './perms.ts';
import { VoicemailBox } from './Voicemail.tsx';

/** 'My Settings': what a Basic User may change on their own record — voicemail PIN, diversions, smart calling, password. */
export function SelfService() {
  const s = useSession();
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = s.actor.userId;
  useEffect(() => {
    if (!id) return;
    get<User>(`${s.base}/users/${id}`)
      .then(setUser)
      .catch((e) => setError(errorText(e)));
  }, [s.base, id]);
  if (!id) return <Empty title="No personal settings">You are signed in as a provider administrator.</Empty>;
  if (error) return <Empty title="Cannot load your settings">{error}</Empty>;
  if (!user) return <Spinner label="Loading your settings" />;
  return <SelfForm key={user.updatedAt} user={user} onSaved={setUser} />;
}

function draftOf(u: User) {
  return { voicemail: { enabled: u.voicemail.enabled, pin: '', emailDelivery: u.voicemail.emailDelivery }, features: u.features };
}

function SelfForm({ user, onSaved }: { user: User; onSaved: (u: User) => void }) {
  const s = useSession();
  const toast = useToast();
  const initial = useMemo(() => draftOf(user), [user]);
  const form = useForm(initial);
  const [busy, setBusy] = useState(false);
  const changes = diff(initial, form.values) as { voicemail?: { pin?: string }; features?: unknown } | undefined;
  const office = s.offices.find((o) => o.id === user.officeId);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!changes) return;
    form.clearErrors();
    setBusy(true);
    const body: Record<string, unknown> = { ...changes };
    if (changes.voicemail) {
      const { pin, ...vm } = changes.voicemail;
      body.voicemail = { ...vm, ...(pin ? { pin } : {}) };
    }
    try {
      const saved = await patch<User>(`${s.base}/users/${user.id}`, body);
      toast('ok', 'Your settings are saved');
      onSaved(saved);
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
          <h1>My Settings</h1>
          <div className="muted">
            {user.displayName} · Extension <span className="mono">{user.extension}</span>
            {office ? ` · ${office.name}` : ''}
            {user.directNumbers?.length ? ` · ${user.directNumbers.map(formatNumber).join(', ')}` : ''}
          </div>
        </div>
      </div>
      <form className="page-form" onSubmit={save} noValidate>
        <FormError message={form.formError} />
        <Section id="my-voicemail" title="Voicemail" intro="Dial 777, or press the Voicemail button on your handset, then enter your PIN followed by #.">
          <CheckField form={form} name="voicemail.enabled" label="Enable Voicemail" />
          <TextField
            form={form}
            name="voicemail.pin"
            label="Voicemail PIN"
            type="password"
            inputMode="numeric"
            maxLength={12}
            autoComplete="new-password"
            hint={user.voicemail.pinSet ? 'A PIN is set. Type a new one to change it (at least 4 digits).' : 'At least 4 digits, numbers only'}
          />
          <CheckField form={form} name="voicemail.emailDelivery" label="Send voicemails by email" hint={user.email ? `To ${user.voicemail.email ?? user.email}` : undefined} />
        </Section>
        <Section id="my-diversions" title="Call Diversions">
          <Diversions form={form} />
        </Section>
        <Section id="my-smart-calling" title="Callback and Smart Calling">
          <SmartCalling form={form} />
        </Section>
        <div className={`form-actions sticky-actions${changes ? ' dirty' : ''}`}>
          <span className="muted small" aria-live="polite">
            {changes ? 'You have unsaved changes' : 'All changes saved'}
          </span>
          <button type="submit" className="btn btn-primary" disabled={!changes || busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
      {can(s.actor, 'ownVoicemail') && (
        <div className="page-form">
          <VoicemailBox user={user} idPrefix="my-voicemail" />
        </div>
      )}
      {s.caps.setPassword && <ChangePassword user={user} />}
    </div>
  );
}

function ChangePassword({ user }: { user: User }) {
  const s = useSession();
  const toast = useToast();
  const form = useForm({ password: '', confirm: '' });
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    form.clearErrors();
    if (form.values.password !== form.values.confirm) {
      form.setFormError('The two passwords are not the same.');
      return;
    }
    setBusy(true);
    try {
      await put(`${s.base}/users/${user.id}/password`, { password: form.values.password });
      form.setValues({ password: '', confirm: '' });
      toast('ok', 'Your password is changed');
    } catch (err) {
      form.takeError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="page-form" onSubmit={submit} noValidate>
      <Section id="my-password" title="Password" intro="The password you sign in to this portal with.">
        <FormError message={form.formError} />
        <TextField form={form} name="password" label="New password" type="password" autoComplete="new-password" hint="At least 10 characters mixing three of: lower case, upper case, digits, symbols (or a 16+ character passphrase)" />
        <TextField form={form} name="confirm" label="Confirm password" type="password" autoComplete="new-password" />
        <div className="form-actions span-2">
          <button type="submit" className="btn btn-primary" disabled={busy || !form.values.password}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </Section>
    </form>
  );
}
