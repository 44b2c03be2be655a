/** Pure rules for ring groups (extension rules are the users' ones: they share one extension space). */
import type { FieldError } from '../../shared/errors.ts';
import { checkExtension, checkRingTime, type ExtensionContext } from '../users/rules.ts';
import type { FallbackKind, RingGroupFallback, RingGroupUpdate } from './schema.ts';

export const DEFAULT_GROUP_RING_TIME = 20;

export function validateRingGroup(input: RingGroupUpdate, ext: ExtensionContext): FieldError[] {
  const errors: FieldError[] = [];
  if (input.name !== undefined && input.name.trim() === '') errors.push({ field: 'name', reason: 'must not be blank' });
  if (input.extension !== undefined) {
    const r = checkExtension(input.extension.trim(), ext);
    if (r) errors.push({ field: 'extension', reason: r });
  }
  if (input.ringTime !== undefined) {
    const r = checkRingTime(input.ringTime);
    if (r) errors.push({ field: 'ringTime', reason: r });
  }
  if (input.fallback !== undefined) errors.push(...checkFallbackShape(input.fallback));
  return errors;
}

/** 'user' and 'voicemail' name a user; 'none' and 'busy' name nobody. */
export function fallbackNeedsUser(kind: FallbackKind): boolean {
  return kind === 'user' || kind === 'voicemail';
}

export function checkFallbackShape(f: RingGroupFallback): FieldError[] {
  if (fallbackNeedsUser(f.kind) && !f.userId) return [{ field: 'fallback.userId', reason: `is required when the fallback is '${f.kind}'` }];
  if (!fallbackNeedsUser(f.kind) && f.userId) return [{ field: 'fallback.userId', reason: `must be empty when the fallback is '${f.kind}'` }];
  return [];
}

/**
 * The fallback target against the account's user row (null = no such user in this account): 'voicemail'
 * needs the user's mailbox enabled.
 */
export function checkFallbackTarget(f: RingGroupFallback, user: { vmEnabled: boolean } | null): FieldError[] {
  if (!fallbackNeedsUser(f.kind)) return [];
  if (!user) return [{ field: 'fallback.userId', reason: 'no such user in this account' }];
  if (f.kind === 'voicemail' && !user.vmEnabled) return [{ field: 'fallback.userId', reason: 'this user has no mailbox (voicemail is not enabled)' }];
  return [];
}
