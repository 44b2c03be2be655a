/** Pure rules for ring groups (extension rules are the users' ones: they share one extension space). */
import type { FieldError } from '../../shared/errors.ts';
import { checkExtension, checkRingTime, type ExtensionContext } from '../users/rules.ts';
import type { RingGroupUpdate } from './schema.ts';

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
  return errors;
}
