/**
 * The SIP password comes back once (on create and on regenerate). It is held here in memory only long
 * enough for the next screen to show it, then forgotten: never in storage, the URL or history state.
 */
let pending: { userId: string; sipPassword: string } | null = null;

export function handOver(userId: string, sipPassword: string): void {
  pending = { userId, sipPassword };
}

export function takeOver(userId: string): string | null {
  if (pending?.userId !== userId) return null;
  const p = pending.sipPassword;
  pending = null;
  return p;
}
