/**
 * Callback on busy: the dialer. Every poll it takes the pending requests (expired ones are closed on the way),
 * and for each one that is due (never tried, or RETRY_SECONDS since the last try) and whose callee AND caller
 * are free — no call in Kamailio's dialog state for either extension (LineState) — it rings the caller first,
 * with the callee's extension as caller ID ("Callback 102"); once the caller answers, the feature server sends
 * REFER so the caller's phone calls the callee (Originator). Connected → completed; not answered, busy again or
 * refused → tried again later, until the request expires. One attempt per caller at a time.
 *
 * Free is found by polling (kamcmd dlg.profile_get_size, see kamailio.cfg `sb_incall`), not by an event from
 * Kamailio: the poll also covers retries and a feature server in another process, and costs one kamcmd per
 * distinct extension with a pending request per poll.
 */
import type { CallbackBackend } from './service.ts';
import type { DueCallback } from './repository.ts';
import { attemptDue, RETRY_SECONDS } from './rules.ts';

export interface LineState {
  /** Whether the extension (sip:<ext>@<realm>) is in a call (ringing or answered); null = unknown (not attached). */
  inCall(presentity: string): Promise<boolean | null>;
}

export interface Originator {
  originate(o: { target: string; fromUser: string; fromName: string; realm: string; referTo: string; ringMs?: number }): Promise<'connected' | 'busy' | 'no-answer' | 'failed'>;
}

export interface CallbackDialer {
  /** One poll (the timer calls it; tests call it directly). Resolves when the poll's checks are done, not the calls. */
  tick(): Promise<void>;
  /** Resolves when every call this dialer placed has ended. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startCallbackDialer(o: {
  backend: CallbackBackend;
  lines: LineState;
  originator: Originator;
  intervalMs?: number;
  retrySeconds?: number;
  ringMs?: number;
  clock?: () => Date;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}): CallbackDialer {
  const log = o.log ?? (() => {});
  const clock = o.clock ?? (() => new Date());
  const busyCallers = new Set<string>();
  const running = new Set<Promise<void>>();
  let ticking: Promise<void> | null = null;
  let stopped = false;

  const attempt = async (c: DueCallback) => {
    busyCallers.add(c.caller_user_id);
    try {
      await o.backend.attempted(c);
      log('callback: ringing the caller', { id: c.id, caller: c.caller_extension, callee: c.callee_extension });
      const result = await o.originator.originate({
        target: `sip:${c.caller_sip_username}@${c.sip_realm}`,
        fromUser: c.callee_extension,
        fromName: `Callback ${c.callee_extension}`,
        realm: c.sip_realm,
        referTo: `sip:${c.callee_extension}@${c.sip_realm}`,
        ringMs: o.ringMs,
      });
      log('callback: attempt ended', { id: c.id, result });
      if (result === 'connected') await o.backend.completed(c);
    } catch (err) {
      log('callback: attempt failed', { id: c.id, err: String(err) });
    } finally {
      busyCallers.delete(c.caller_user_id);
    }
  };

  const poll = async () => {
    const now = clock();
    const due = (await o.backend.pending()).filter((c) => !busyCallers.has(c.caller_user_id) && attemptDue(c.last_attempt_at, now, o.retrySeconds ?? RETRY_SECONDS));
    if (!due.length) return;
    const state = new Map<string, boolean | null>();
    const inCall = async (p: string) => {
      if (!state.has(p)) state.set(p, await o.lines.inCall(p));
      return state.get(p)!;
    };
    for (const c of due) {
      if (stopped || busyCallers.has(c.caller_user_id)) continue;
      const callee = await inCall(`sip:${c.callee_extension}@${c.sip_realm}`);
      const caller = await inCall(`sip:${c.caller_extension}@${c.sip_realm}`);
      // unknown (no Kamailio attached) counts as busy: never ring blind
      if (callee !== false || caller !== false) continue;
      const p = attempt(c);
      running.add(p);
      void p.finally(() => running.delete(p));
    }
  };

  const tick = () => {
    ticking ??= poll()
      .catch((err: unknown) => log('callback: poll failed', { err: String(err) }))
      .finally(() => {
        ticking = null;
      });
    return ticking;
  };
  const timer = setInterval(() => void tick(), o.intervalMs ?? 5000);
  timer.unref();
  return {
    tick,
    async idle() {
      while (running.size) await Promise.all([...running]);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ticking;
      await Promise.race([Promise.all([...running]), new Promise((r) => setTimeout(r, 2000))]);
    },
  };
}

/** Kamailio's answer to `dlg.profile_get_size sb_incall <presentity>` → the number of dialogs. */
export function parseProfileSize(output: string): number | null {
  const m = /count:\s*(\d+)/i.exec(output) ?? /^\s*(\d+)\s*$/m.exec(output);
  return m ? Number(m[1]) : null;
}

/**
 * LineState over Kamailio's control socket: `kamcmd dlg.profile_get_size sb_incall <presentity>` (kamailio.cfg
 * puts every routed call in the `sb_incall` profile under its caller's and callee's presentity). null when
 * Kamailio is not attached or does not answer.
 */
export function kamailioLineState(kamcmd = '/usr/sbin/kamcmd'): LineState & { attach(ctlSocket: string | null): void } {
  let ctl: string | null = null;
  return {
    attach(s) {
      ctl = s;
    },
    async inCall(presentity) {
      if (!ctl || !/^sip:[0-9]{1,12}@[A-Za-z0-9.-]+$/.test(presentity)) return null;
      const { execFile } = await import('node:child_process');
      const out = await new Promise<string | null>((resolve) =>
        execFile(kamcmd, ['-s', ctl!, 'dlg.profile_get_size', 'sb_incall', presentity], { timeout: 5000 }, (err, stdout) => resolve(err ? null : stdout)),
      );
      const n = out === null ? null : parseProfileSize(out);
      return n === null ? null : n > 0;
    },
  };
}
