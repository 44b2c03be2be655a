import { useState } from 'react';
import { post } from './api.ts';
import { navigate } from './router.ts';
import { FormError, TextField, useForm } from './ui.tsx';

const POLICY = 'At least 10 characters mixing three of: lower case, upper case, digits, symbols (or a 16+ character passphrase); not your name or email';

function Card({ title, intro, children }: { title: string; intro?: string; children: React.ReactNode }) {
  return (
    <div className="login-page">
      <main className="login-card" id="main">
        <div className="login-brand">
          <span className="logo logo-lg" aria-hidden="true" />
          <span>Switchboard</span>
        </div>
        <h1>{title}</h1>
        {intro && <p className="muted">{intro}</p>}
        {children}
      </main>
    </div>
  );
}

const backToSignIn = (
  <p className="muted small">
    <a
      href="/login"
      onClick={(e) => {
        e.preventDefault();
        navigate('/login');
      }}
    >
      Back to sign in
    </a>
  </p>
);

/** 'Forgot your password?': asks for a reset email. The answer is the same whether or not the person exists. */
export function ForgotPassword() {
  const form = useForm({ account: localStorage.getItem('switchboard.lastAccount') ?? '', email: '' });
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    form.clearErrors();
    if (!form.values.account.trim() || !form.values.email.trim()) {
      form.setFormError('Enter your account name and email.');
      return;
    }
    setBusy(true);
    try {
      await post('/api/v1/auth/password-reset', { account: form.values.account.trim(), email: form.values.email.trim() });
      setSent(true);
    } catch (err) {
      form.takeError(err);
    } finally {
      setBusy(false);
    }
  };
  if (sent)
    return (
      <Card title="Check your email">
        <p role="status">If that account and email are known, a link to set a new password is on its way. It works once and expires within the hour.</p>
        {backToSignIn}
      </Card>
    );
  return (
    <Card title="Reset your password" intro="We email you a link to set a new one.">
      <form onSubmit={submit} noValidate>
        <FormError message={form.formError} />
        <TextField form={form} name="account" label="Account name" autoComplete="organization" />
        <TextField form={form} name="email" label="Email" type="email" autoComplete="username" inputMode="email" autoFocus />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Sending…' : 'Send reset link'}
        </button>
      </form>
      {backToSignIn}
    </Card>
  );
}

/**
 * /set-password#token=…: the link from 'Send credentials' and from a reset email. The token is in the URL
 * fragment, so it never reaches the server's logs or a Referer; it is removed from the address bar at once.
 */
export function SetPassword() {
  const [token] = useState(() => {
    const t = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
    if (location.hash) history.replaceState(null, '', location.pathname);
    return t;
  });
  const form = useForm({ password: '', confirm: '' });
  const [done, setDone] = useState(false);
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
      await post('/api/v1/auth/password-reset/confirm', { token, password: form.values.password });
      setDone(true);
    } catch (err) {
      form.takeError(err);
    } finally {
      setBusy(false);
    }
  };
  if (!token)
    return (
      <Card title="This link is incomplete" intro="Open the link from your email again, or ask for a new one.">
        {backToSignIn}
      </Card>
    );
  if (done)
    return (
      <Card title="Your password is set">
        <p role="status">Sign in with your account name, email and the new password.</p>
        <button type="button" className="btn btn-primary btn-block" onClick={() => navigate('/login')}>
          Sign in
        </button>
      </Card>
    );
  return (
    <Card title="Set your password" intro="Choose the password you will sign in to the portal with.">
      <form onSubmit={submit} noValidate>
        <FormError message={form.formError} />
        <TextField form={form} name="password" label="New password" type="password" autoComplete="new-password" hint={POLICY} autoFocus />
        <TextField form={form} name="confirm" label="Confirm password" type="password" autoComplete="new-password" />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || !form.values.password}>
          {busy ? 'Saving…' : 'Set password'}
        </button>
      </form>
      {backToSignIn}
    </Card>
  );
}
