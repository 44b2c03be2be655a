/**
 * Provisioning strikes shared by every API node of one PostgreSQL store (issue 17): a guesser spreading its
 * guesses over several nodes is blocked after the same strike limit as on one. The per-fetch check stays in
 * memory (`blocked` is on every phone request's path): each node keeps its own counts, adds every strike to the
 * store's counter (src/shared/rate-counter.ts) and learns the addresses blocked anywhere from the store — at once
 * for its own strikes, and by a refresh every `refreshMs` for the other nodes'.
 */
import type { RateCounter } from '../../shared/rate-counter.ts';
import type { RateLimiter } from './rules.ts';

export const STRIKE_PREFIX = 'prov.strikes:';

export function sharedStrikes(
  local: RateLimiter,
  counter: RateCounter,
  o: { limit: number; windowMs: number; refreshMs?: number; onError?: (err: unknown) => void },
): RateLimiter & { refresh(): Promise<void>; close(): void } {
  /** address → end of its block (ms), as the store counts */
  let blockedUntil = new Map<string, number>();
  const refresh = async () => {
    const rows = await counter.atLeast(STRIKE_PREFIX, o.limit, Date.now());
    blockedUntil = new Map(rows.map((r) => [r.key.slice(STRIKE_PREFIX.length), r.resetAt]));
  };
  const timer = setInterval(() => refresh().catch((err: unknown) => o.onError?.(err)), o.refreshMs ?? 1000);
  timer.unref();
  return {
    blocked(ip, now = Date.now()) {
      return local.blocked(ip, now) || (blockedUntil.get(ip) ?? 0) > now;
    },
    strike(ip, now = Date.now()) {
      const crossed = local.strike(ip, now);
      counter
        .hit(STRIKE_PREFIX + ip, o.windowMs, now)
        .then((w) => {
          if (w.count >= o.limit) blockedUntil.set(ip, w.resetAt);
        })
        .catch((err: unknown) => o.onError?.(err));
      return crossed;
    },
    refresh,
    close() {
      clearInterval(timer);
    },
  };
}
