/** Call recordings: API shapes (they feed OpenAPI) and the matching types. */
import type { Direction } from './rules.ts';

export interface Party {
  /** extension or number as presented ('' when withheld) */
  number: string;
  name: string | null;
  userId: string | null;
  officeId: string | null;
}

export interface Recording {
  id: string;
  direction: Direction;
  caller: Party;
  callee: Party;
  startedAt: string;
  durationMs: number;
  sizeBytes: number;
  callId: string;
  createdAt: string;
}

const party = {
  type: 'object',
  properties: {
    number: { type: 'string', description: "extension or number as presented ('' when withheld)" },
    name: { type: ['string', 'null'], description: "the user's display name when the party is a user of the account" },
    userId: { type: ['string', 'null'] },
    officeId: { type: ['string', 'null'] },
  },
  required: ['number', 'name', 'userId', 'officeId'],
} as const;

export const recordingSchema = {
  $id: 'Recording',
  type: 'object',
  properties: {
    id: { type: 'string' },
    direction: { type: 'string', enum: ['internal', 'inbound', 'outbound'] },
    caller: party,
    callee: party,
    startedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    sizeBytes: { type: 'integer' },
    callId: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'direction', 'caller', 'callee', 'startedAt', 'durationMs', 'sizeBytes', 'callId', 'createdAt'],
} as const;

export const recordingListSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: { $ref: 'Recording#' } }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } },
  required: ['items', 'total', 'limit', 'offset'],
} as const;

export const recordingListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    userId: { type: 'string', description: 'only calls this user made or received' },
    from: { type: 'string', description: 'started at or after (YYYY-MM-DD or ISO date-time)' },
    to: { type: 'string', description: 'started before (a date: up to the end of that day)' },
    direction: { type: 'string', description: 'internal, inbound or outbound' },
    limit: { type: 'string', description: '1–500, default 50' },
    offset: { type: 'string', description: 'default 0' },
  },
} as const;

export const recordingParams = {
  type: 'object',
  properties: { account: { type: 'string' }, id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } },
  required: ['account', 'id'],
} as const;
