/**
 * Registrations and active dialogs from the running Kamailio (kamcmd stats.get_statistics usrloc: dialog: over its binrpc
 * control socket), for GET /metrics. Late-bound: `sip start` and the SIP test stack attach the socket.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** "usrloc:registered_users = 3" lines → { 'usrloc:registered_users': 3 }. */
export function parseStatistics(out: string): Record<string, number> {
  const r: Record<string, number> = {};
  for (const m of out.matchAll(/^\s*([\w.-]+:[\w.-]+)\s*=\s*(-?\d+)\s*$/gm)) r[m[1]!] = Number(m[2]);
  return r;
}

export interface KamailioStats {
  attach(ctlSocket: string | null): void;
  /** null when no Kamailio is attached or it does not answer. */
  read(): Promise<{ registrations: number; activeDialogs: number } | null>;
}

export function kamailioStats(kamcmd = '/usr/sbin/kamcmd'): KamailioStats {
  let socket: string | null = null;
  return {
    attach(s) {
      socket = s;
    },
    async read() {
      if (!socket) return null;
      try {
        const { stdout } = await run(kamcmd, ['-s', socket, 'stats.get_statistics', 'usrloc:', 'dialog:'], { timeout: 3000 });
        const s = parseStatistics(stdout);
        // (Kamailio 5.6 prints a group, 'usrloc:', but nothing for a single name): registered contacts, live dialogs
        return { registrations: s['usrloc:location_contacts'] ?? 0, activeDialogs: s['dialog:active_dialogs'] ?? 0 };
      } catch {
        return null;
      }
    },
  };
}
