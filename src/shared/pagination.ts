export interface Page<T> {
  items: T[];
  total?: number;
  /** Pass as `after` to get the next page; absent on the last page. */
  next?: string;
}

/** The deepest page an offset may reach: beyond it a keyset (`after`) or a filter is the way. Also keeps the
 * value inside both stores' integer range (PostgreSQL refuses a bigint overflow). */
export const MAX_OFFSET = 100_000;

/** `offset` for every offset-paginated list: a whole number 0..MAX_OFFSET, anything else is a 400 naming it. */
export const offsetQuerySchema = { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 } as const;

/** Largest value an integer path parameter (version numbers ...) may take: PostgreSQL's `integer`. */
export const MAX_INT32 = 2_147_483_647;

export const pageQuerySchema = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  offset: offsetQuerySchema,
} as const;

export function pageSchema(itemRef: object) {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: itemRef },
      total: { type: 'integer' },
      next: { type: 'string' },
    },
    required: ['items'],
  } as const;
}
