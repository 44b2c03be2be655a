/**
 * Extension changes (seed 002: "the main extension is linked to voicemail, presence and caller ID — change all of
 * these at the same time"): pure rewrites of every stored reference to an extension. No IO.
 *
 * What stores an extension as text (and is rewritten): other users' diversions (call features: divert all / no
 * answer / busy destinations, and so their call flows), offices' Day/Night destinations ('<ext>' and
 * 'voicemail:<ext>'), handsets' BLF and speed-dial keys. What follows by itself (stored by id, or read from the
 * extension at call time): ring group membership, pickup group membership, the mailbox and its messages,
 * caller ID, presence (phones watch the keys they are provisioned with).
 */
import type { Features } from '../users/schema.ts';
import type { LineKey } from '../devices/schema.ts';

export const DIVERSIONS = ['divertAll', 'divertNoAnswer', 'divertBusy'] as const;
export type DiversionName = (typeof DIVERSIONS)[number];

/** Diversions whose destination is `from`, rewritten to `to` (whether enabled or not: a later enable must work). */
export function rewriteFeatures(features: Features, from: string, to: string): { features: Features; changed: DiversionName[] } {
  const changed: DiversionName[] = [];
  const out: Features = { ...features };
  for (const d of DIVERSIONS) {
    const f = features[d];
    if (f && f.destination === from) {
      out[d] = { ...f, destination: to };
      changed.push(d);
    }
  }
  return { features: changed.length ? out : features, changed };
}

/** An office Day/Night destination naming `from` ('<ext>', or 'voicemail:<ext>' when `mailbox`), rewritten. */
export function rewriteDestination(dest: string, from: string, to: string, mailbox: boolean): string | null {
  if (dest === from) return to;
  if (mailbox && dest === `voicemail:${from}`) return `voicemail:${to}`;
  return null;
}

/** BLF keys watching `from` and speed-dial keys dialling it, rewritten (a label equal to the old extension too). */
export function rewriteLineKeys(keys: LineKey[], from: string, to: string): { keys: LineKey[]; changed: Array<{ index: number; type: LineKey['type'] }> } {
  const changed: Array<{ index: number; type: LineKey['type'] }> = [];
  const out = keys.map((k, index) => {
    if ((k.type === 'blf' || k.type === 'speed_dial') && k.value === from) {
      changed.push({ index, type: k.type });
      return { ...k, value: to, ...(k.label === from && { label: to }) };
    }
    return k;
  });
  return { keys: changed.length ? out : keys, changed };
}

export const DIVERSION_LABEL: Record<DiversionName, string> = { divertAll: 'divert all', divertNoAnswer: 'divert on no answer', divertBusy: 'divert on busy' };
