import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from './api.ts';
import { navigate } from './router.ts';
import { sentence } from './format.ts';

// ---------- form state: values by dotted path, errors by the same path the API names in `fields` ----------

type Obj = Record<string, unknown>;

export function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Obj)[k] : undefined), obj);
}

export function setPath<T>(obj: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const base = (obj && typeof obj === 'object' ? obj : {}) as Obj;
  return { ...base, [head!]: rest.length ? setPath(base[head!], rest.join('.'), value) : value } as T;
}

/** Leaves of `next` that differ from `prev`, as a nested partial object (undefined when nothing changed). */
export function diff(prev: unknown, next: unknown): unknown {
  if (next && typeof next === 'object' && !Array.isArray(next)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(next as Obj)) {
      const d = diff(prev && typeof prev === 'object' ? (prev as Obj)[k] : undefined, v);
      if (d !== undefined) out[k] = d;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return JSON.stringify(prev) === JSON.stringify(next) ? undefined : next;
}

export interface Form<T> {
  values: T;
  setValues: (v: T) => void;
  get: (path: string) => unknown;
  set: (path: string, value: unknown) => void;
  errors: Record<string, string>;
  /** Errors the form cannot place beside a field (shown in the form's summary). */
  formError: string | null;
  setFormError: (m: string | null) => void;
  /** Takes an API error: field errors go beside their fields, the rest to the summary. Returns true if handled. */
  takeError: (e: unknown, known?: string[]) => void;
  clearErrors: () => void;
}

export function useForm<T>(initial: T): Form<T> {
  const [values, setValues] = useState<T>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const set = useCallback((path: string, value: unknown) => {
    setValues((v) => setPath(v, path, value));
    setErrors((e) => {
      if (!(path in e)) return e;
      const { [path]: _gone, ...rest } = e;
      return rest;
    });
  }, []);
  const takeError = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.fields.length) {
      const map: Record<string, string> = {};
      for (const f of e.fields) map[f.field] = map[f.field] ? `${map[f.field]}; ${f.reason}` : f.reason;
      setErrors(map);
      // Whatever has no input on this form is still said, in the summary.
      const placed = (f: string) => document.querySelector(`[data-field="${CSS.escape(f)}"]`);
      const stray = e.fields.filter((f) => !placed(f.field));
      setFormError(stray.length ? stray.map((f) => `${f.field}: ${f.reason}`).join('; ') : 'Please correct the highlighted fields.');
      requestAnimationFrame(() => {
        // the first field in error, in the middle of the view (never under the sticky Save bar), then focused
        const first = document.querySelector<HTMLElement>('[aria-invalid="true"]');
        first?.scrollIntoView({ block: 'center', behavior: 'instant' as ScrollBehavior });
        first?.focus({ preventScroll: true });
      });
    } else {
      setErrors({});
      setFormError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  return {
    values,
    setValues,
    get: (p) => getPath(values, p),
    set,
    errors,
    formError,
    setFormError,
    takeError,
    clearErrors: () => {
      setErrors({});
      setFormError(null);
    },
  };
}

// ---------- fields ----------

interface FieldProps<T> {
  form: Form<T>;
  name: string;
  label: string;
  hint?: ReactNode;
  disabled?: boolean;
}

function FieldShell({ id, label, hint, error, children, name }: { id: string; label: string; hint?: ReactNode; error?: string; children: ReactNode; name: string }) {
  return (
    <div className={`field${error ? ' has-error' : ''}`} data-field-wrap={name}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error && (
        <div className="hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && (
        <div className="field-error" id={`${id}-err`} role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export function TextField<T>({
  form,
  name,
  label,
  hint,
  disabled,
  type = 'text',
  nullable,
  autoComplete,
  placeholder,
  inputMode,
  maxLength,
  autoFocus,
  list,
  action,
}: FieldProps<T> & {
  /** id of a <datalist> of suggestions */
  list?: string;
  /** A button beside the input (Generate PIN). */
  action?: ReactNode;
  type?: string;
  nullable?: boolean;
  autoComplete?: string;
  placeholder?: string;
  inputMode?: 'numeric' | 'tel' | 'email' | 'text';
  maxLength?: number;
  autoFocus?: boolean;
}) {
  const id = useId();
  const error = form.errors[name];
  const value = form.get(name);
  const input = (
    <input
      id={id}
      data-field={name}
      name={name}
      type={type}
      value={value === null || value === undefined ? '' : String(value)}
      onChange={(e) => form.set(name, nullable && e.target.value === '' ? null : e.target.value)}
      disabled={disabled}
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? `${id}-err` : hint ? `${id}-hint` : undefined}
      autoComplete={autoComplete ?? 'off'}
      placeholder={placeholder}
      inputMode={inputMode}
      maxLength={maxLength}
      autoFocus={autoFocus}
      list={list}
    />
  );
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} name={name}>
      {action ? (
        <div className="input-with-action">
          {input}
          {action}
        </div>
      ) : (
        input
      )}
    </FieldShell>
  );
}

export function SelectField<T>({
  form,
  name,
  label,
  hint,
  disabled,
  options,
  numeric,
  nullable,
}: FieldProps<T> & { options: Array<[string, string]>; numeric?: boolean; nullable?: boolean }) {
  const id = useId();
  const error = form.errors[name];
  const value = form.get(name);
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} name={name}>
      <select
        id={id}
        data-field={name}
        name={name}
        value={value === null || value === undefined ? '' : String(value)}
        onChange={(e) => {
          const v = e.target.value;
          form.set(name, nullable && v === '' ? null : numeric ? Number(v) : v);
        }}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : hint ? `${id}-hint` : undefined}
      >
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

export function CheckField<T>({ form, name, label, hint, disabled }: FieldProps<T>) {
  const id = useId();
  const error = form.errors[name];
  return (
    <div className={`check${error ? ' has-error' : ''}`}>
      <input
        id={id}
        type="checkbox"
        data-field={name}
        name={name}
        checked={Boolean(form.get(name))}
        onChange={(e) => form.set(name, e.target.checked)}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : hint ? `${id}-hint` : undefined}
      />
      <label htmlFor={id}>
        {label}
        {hint && (
          <span className="hint" id={`${id}-hint`}>
            {hint}
          </span>
        )}
      </label>
      {error && (
        <div className="field-error" id={`${id}-err`} role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="form-error" role="alert">
      {message}
    </div>
  );
}

export const ringOptions = (from = 5): Array<[string, string]> =>
  Array.from({ length: (60 - from) / 5 + 1 }, (_, i) => String(from + i * 5)).map((s) => [s, `${s} seconds`]);

// ---------- small pieces ----------

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="spinner-wrap" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-title">{title}</div>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

/** A modal built on <dialog>: the browser traps focus, Escape closes it, and focus returns afterwards. */
export function Dialog({ title, onClose, children, footer, wide }: { title: string; onClose: () => void; children: ReactNode; footer?: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    return () => opener?.focus?.();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' wide' : ''}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="dialog-body">{children}</div>
      {footer && <div className="dialog-foot">{footer}</div>}
    </dialog>
  );
}

// ---------- toasts ----------

interface Toast {
  id: number;
  kind: 'ok' | 'error' | 'info';
  text: string;
}
const ToastCtx = createContext<(kind: Toast['kind'], text: string) => void>(() => {});
export const useToast = () => useContext(ToastCtx);

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const push = useCallback((kind: Toast['kind'], text: string) => {
    const id = ++seq.current;
    // Server reasons are fragments ("the email could not be sent"): a toast reads as a sentence.
    setToasts((t) => [...t.slice(-3), { id, kind, text: sentence(text) }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 4000);
  }, []);
  return (
    <ToastCtx.Provider value={push}>
      {children}
      <div className="toasts" aria-live="polite" aria-relevant="additions">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
            {t.text}
            <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setToasts((x) => x.filter((y) => y.id !== t.id))}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastCtx.Provider>
  );
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An in-app link: a real href (open in new tab works), client-side navigation on click. */
export function NavLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <a
      href={to}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** 'Offices & Users / <here>': the way back to the main screen (to a given place on it). */
export function Crumbs({ here, back = '/' }: { here: string; back?: string }) {
  return (
    <nav aria-label="Breadcrumb" className="crumbs">
      <NavLink to={back}>Offices &amp; Users</NavLink>
      <span aria-hidden="true"> / </span>
      <span>{here}</span>
    </nav>
  );
}
