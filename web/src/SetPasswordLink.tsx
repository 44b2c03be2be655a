import { useRef, useState } from 'react';
import { ApiError, post } from './api.ts';
import { Dialog } from './ui.tsx';

export interface SetPasswordLink {
  link: string;
  expiresAt: string;
  email: string;
}

/** A copyable single-use set-password link for the user (the server makes it; PORTAL_URL is its host). */
export function fetchSetPasswordLink(base: string, userId: string): Promise<SetPasswordLink> {
  return post<SetPasswordLink>(`${base}/users/${encodeURIComponent(userId)}/set-password-link`, {});
}

/** The server has no SMTP: the credentials email cannot go out, so the link is handed over instead. */
export function isMailUnavailable(e: unknown): boolean {
  return e instanceof ApiError && e.status === 503 && e.code === 'mail_unavailable';
}

/**
 * Shows a set-password link with a Copy button. `reason` says why the link is shown (no SMTP, or asked for).
 * The link lives only in this dialog's state: closing it forgets it.
 */
export function SetPasswordLinkDialog({ link, name, reason, onClose }: { link: SetPasswordLink; name: string; reason?: string; onClose: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link.link);
      setCopied('yes');
    } catch {
      // No clipboard permission (plain http, an old browser): select the text for Ctrl+C.
      input.current?.select();
      setCopied('select');
    }
  };
  const expires = new Date(link.expiresAt).toLocaleString();
  return (
    <Dialog
      title="Set-password link"
      onClose={onClose}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          Done
        </button>
      }
    >
      {reason && <p className="notice notice-warn">{reason}</p>}
      <p>
        Give this link to <strong>{name}</strong> ({link.email}). It sets their portal password once and expires {expires}. Anyone with the link can set the password: share it only with them.
      </p>
      <div className="inline-form copy-row">
        <label className="sr-only" htmlFor="set-password-link">
          Set-password link
        </label>
        <input id="set-password-link" ref={input} className="mono" readOnly value={link.link} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="btn" onClick={copy} autoFocus>
          Copy
        </button>
      </div>
      <p className="muted small" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'select' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
      </p>
    </Dialog>
  );
}
