import { useEffect, useState } from 'react';

/** A tiny history router: the portal has a handful of screens, each a path. */
const listeners = new Set<() => void>();

/** While a screen holds unsaved edits, leaving it inside the portal asks first (the guard returns false to stay). */
let leaveGuard: (() => boolean) | null = null;

/** Sets the guard; returns what removes it (a screen sets it while it has unsaved changes). */
export function setLeaveGuard(guard: () => boolean): () => void {
  leaveGuard = guard;
  return () => {
    if (leaveGuard === guard) leaveGuard = null;
  };
}

export function navigate(to: string, opts: { replace?: boolean; force?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (leaveGuard && !opts.force && !leaveGuard()) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((l) => l());
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const on = () => setTick((t) => t + 1);
    listeners.add(on);
    window.addEventListener('popstate', on);
    return () => {
      listeners.delete(on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** Matches '/users/:id' style patterns; returns params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const a = path.split('/').filter(Boolean);
  if (p.length !== a.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg.startsWith(':')) out[seg.slice(1)] = decodeURIComponent(a[i]!);
    else if (seg !== a[i]) return null;
  }
  return out;
}
