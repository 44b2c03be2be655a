export interface Page<T> {
  items: T[];
  total?: number;
  /** Pass as `after` to get the next page; absent on the last page. */
  next?: string;
}

export const pageQuerySchema = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  offset: { type: 'integer', minimum: 0, default: 0 },
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
