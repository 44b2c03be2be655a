import { useState } from 'react';
import { post } from './api.ts';
import { navigate } from './router.ts';
import { FormError, TextField, useForm } from './ui.tsx';

/** Sign in with the account name (the PBX's code), email and password. Provider admins use account "provider". */
export function Login({ onLoggedIn }: { onLoggedIn: () => Promise<void> }) {
  const form = useForm({ account: localStorage.getItem('switchboard.lastAccount') ?? '', email: '', password: '' });
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    form.clearErrors();
    const { account, email, password } = form.values;
    const missing = [!account.trim() && 'account name', !email.trim() && 'email', !password && 'password'].filter(Boolean) as string[];
    if (missing.length) {
      form.setFormError(`Enter your ${missing.join(', ')}.`);
      return;
    }
    setBusy(true);
    try {
      await post('/api/v1/auth/login', { account: account.trim(), email: email.trim(), password });
      localStorage.setItem('switchboard.lastAccount', account.trim());
      await onLoggedIn();
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401) form.setFormError('The account name, email or password is not right.');
      else form.takeError(err);
      form.set('password', '');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login-page">
      <main className="login-card" id="main">
        <div className="login-brand">
          <span className="logo logo-lg" aria-hidden="true" />
          <span>Switchboard</span>
        </div>
        <h1>Sign in to your PBX</h1>
        <p className="muted">Manage offices, users, handsets and call features.</p>
        <form onSubmit={submit} noValidate aria-describedby="login-help">
          <FormError message={form.formError} />
          <TextField form={form} name="account" label="Account name" autoComplete="organization" autoFocus={!form.values.account} hint="The name of your PBX account, e.g. acme" />
          <TextField form={form} name="email" label="Email" type="email" autoComplete="username" inputMode="email" autoFocus={Boolean(form.values.account)} />
          <TextField form={form} name="password" label="Password" type="password" autoComplete="current-password" />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p className="muted small" id="login-help">
          <a
            href="/forgot-password"
            onClick={(e) => {
              e.preventDefault();
              navigate('/forgot-password');
            }}
          >
            Forgot your password?
          </a>{' '}
          Or ask your office manager to send you new credentials.
        </p>
      </main>
    </div>
  );
}
