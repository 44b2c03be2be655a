import type { FastifyRequest } from 'fastify';
import { AppError, type FieldError } from './errors.ts';

/**
 * Control characters in input. PostgreSQL refuses NUL in text outright (SQLSTATE 22021) and no name, code,
 * number or query of Switchboard has a use for the other C0 controls; free text sent as a JSON body (notes,
 * CSV files) may keep its tab and line breaks.
 */
/* eslint-disable no-control-regex -- finding control characters is the point */
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const CONTROL_GLOBAL = /[\u0000-\u001f\u007f]/g;
/* eslint-enable no-control-regex */

/** True when `s` holds a control character (tab, CR and LF allowed when `multiLine`). */
export function hasControlChar(s: string, multiLine = false): boolean {
  return (multiLine ? CONTROL_BUT_TEXT : CONTROL).test(s);
}

/**
 * Fields (dotted paths, as in validation errors: `voicemail.pin`, `officeIds.0`) whose string value or key holds
 * a control character. Walks without recursion, so a deeply nested body cannot exhaust the stack.
 */
export function controlCharFields(value: unknown, opts: { multiLine?: boolean; root?: string; max?: number } = {}): FieldError[] {
  const out: FieldError[] = [];
  const max = opts.max ?? 20;
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length && out.length < max) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (hasControlChar(v, opts.multiLine)) out.push({ field: path || opts.root || 'body', reason: 'must not contain control characters (such as NUL)' });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], path ? `${path}.${i}` : String(i)]);
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        const p = path ? `${path}.${k}` : k;
        if (hasControlChar(k)) out.push({ field: p.replace(CONTROL_GLOBAL, '?'), reason: 'is not a valid field name' });
        else stack.push([child, p]);
      }
    }
  }
  return out;
}

/**
 * preValidation hook for every route: path parameters, query string and JSON/text bodies with a control
 * character are a 400 naming the field, before any schema, service or store sees them.
 */
export async function refuseControlChars(req: FastifyRequest): Promise<void> {
  const fields = [
    ...controlCharFields(req.params, { root: 'path' }),
    ...controlCharFields(req.query, { root: 'query' }),
    ...controlCharFields(req.body, { multiLine: true, root: 'body' }),
  ];
  if (fields.length) throw new AppError(400, 'bad_request', fields.map((f) => `${f.field}: ${f.reason}`).join('; '), fields);
}
