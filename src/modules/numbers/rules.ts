import type { FieldError } from '../../shared/errors.ts';
import { toE164 } from '../../shared/phone.ts';
import type { NumberCreate } from './schema.ts';

/** Parses the number in the account's country; numbers are stored in E.164. */
export function validateNumberCreate(input: NumberCreate, country: string): { e164?: string; errors: FieldError[] } {
  const parsed = toE164(input.number, country);
  if (!parsed.ok) return { errors: [{ field: 'number', reason: parsed.reason }] };
  return { e164: parsed.e164, errors: [] };
}
