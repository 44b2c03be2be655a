/** Audit log entries: who (and in which role), where from, what, before/after with secrets redacted. */
export interface AuditEntry {
  id: string;
  at: string;
  accountId: string | null;
  actor: { kind: string; id: string; label: string; role: string };
  action: string;
  resource: string;
  resourceId: string;
  source: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditQuery {
  resource?: string;
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
  account?: string;
  after?: string;
  limit: number;
  format?: 'json' | 'csv';
}

const isoish = { type: 'string', maxLength: 40, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9:]+)?)?$' } as const;

export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    resource: { type: 'string', maxLength: 40, description: "e.g. 'user', 'office', 'apikey', 'session'" },
    action: { type: 'string', maxLength: 60, description: "e.g. 'created', 'updated', 'deleted', 'password_set', or the full 'user.created'" },
    actor: { type: 'string', maxLength: 120, description: "Actor id, or part of the actor's name/email" },
    since: { ...isoish, description: 'From this time (inclusive, ISO 8601)' },
    until: { ...isoish, description: 'Before this time (exclusive, ISO 8601)' },
    after: { type: 'string', maxLength: 80, description: 'Keyset cursor: the `next` of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
  },
} as const;

export const auditEntrySchema = {
  $id: 'AuditEntry',
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    accountId: { type: ['string', 'null'] },
    actor: { type: 'object', properties: { kind: { type: 'string' }, id: { type: 'string' }, label: { type: 'string' }, role: { type: 'string' } } },
    action: { type: 'string' },
    resource: { type: 'string' },
    resourceId: { type: 'string' },
    source: { type: ['string', 'null'] },
    before: {},
    after: {},
  },
} as const;
