/** Pure rules for pickup groups. */
import type { FieldError } from '../../shared/errors.ts';
import { PICKUP_GROUP_NAME } from './schema.ts';

const NAME = new RegExp(PICKUP_GROUP_NAME);

export function normaliseGroupName(raw: string): { name: string; key: string } {
  const name = raw.trim().replace(/\s+/g, ' ');
  return { name, key: name.toLowerCase() };
}

export function checkGroupName(raw: string, field = 'name'): FieldError | null {
  const { name } = normaliseGroupName(raw);
  return NAME.test(name) ? null : { field, reason: 'may use letters, digits, space, _ . - (1-40)' };
}
