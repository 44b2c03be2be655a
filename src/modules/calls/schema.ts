/** Call history (CDR): one row per call attempt the SIP server routed or refused (docs/calls.md). */
export type Direction = 'internal' | 'inbound' | 'outbound';
export type CallResult = 'ringing' | 'answered' | 'failed';

export interface Call {
  id: string;
  /** SIP Call-ID of the caller's INVITE. */
  sipCallId: string;
  direction: Direction;
  /** The routing decision's kind: internal, inbound, local, national, mobile, international, emergency, voicemail-deposit, voicemail-access, refused. */
  kind: string;
  /** Which rules routed it: the ring plan's steps (devices, divert …, smart calling …, voicemail, ring group …) or the refusal. */
  routedBy: string;
  from: string;
  to: string;
  dialled: string;
  callerUserId: string | null;
  calleeUserId: string | null;
  /** ringing = in progress; answered; failed (sipCode says why). */
  result: CallResult;
  sipCode: number | null;
  sipReason: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** Talk time in seconds (answered → ended); 0 for a failed call; null while in progress. */
  durationSeconds: number | null;
}

export interface CallQuery {
  user?: string;
  since?: string;
  until?: string;
  direction?: Direction;
  result?: CallResult;
  after?: string;
  limit?: number;
  format?: 'json' | 'csv';
}

const isoish = { type: 'string', maxLength: 40 } as const;

export const callQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    user: { type: 'string', maxLength: 64, description: "A user id: calls they made or received" },
    since: { ...isoish, description: 'Started at or after this time (ISO 8601 date or time)' },
    until: { ...isoish, description: 'Started before this time (exclusive; ISO 8601)' },
    direction: { type: 'string', enum: ['internal', 'inbound', 'outbound'] },
    result: { type: 'string', enum: ['ringing', 'answered', 'failed'] },
    after: { type: 'string', maxLength: 200, description: 'Keyset cursor: the `next` of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json', description: 'csv exports every match (up to 100,000 rows)' },
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

export const callSchema = {
  $id: 'Call',
  type: 'object',
  properties: {
    id: { type: 'string' },
    sipCallId: { type: 'string' },
    direction: { type: 'string', enum: ['internal', 'inbound', 'outbound'] },
    kind: { type: 'string' },
    routedBy: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    dialled: { type: 'string' },
    callerUserId: nullableString,
    calleeUserId: nullableString,
    result: { type: 'string', enum: ['ringing', 'answered', 'failed'] },
    sipCode: { type: ['integer', 'null'] },
    sipReason: nullableString,
    startedAt: { type: 'string' },
    answeredAt: nullableString,
    endedAt: nullableString,
    durationSeconds: { type: ['integer', 'null'] },
  },
  required: ['id', 'sipCallId', 'direction', 'kind', 'routedBy', 'from', 'to', 'dialled', 'callerUserId', 'calleeUserId', 'result', 'sipCode', 'sipReason', 'startedAt', 'answeredAt', 'endedAt', 'durationSeconds'],
} as const;

export const callPageSchema = { type: 'object', properties: { items: { type: 'array', items: { $ref: 'Call#' } }, next: { type: 'string' } }, required: ['items'] } as const;

/** Kamailio's call events (GET /sip/call-event, loopback + routing secret). */
export type CallEventKind = 'answered' | 'ended' | 'failed' | 'limit';
export interface CallEventQuery {
  event: CallEventKind;
  callid: string;
  code?: number;
  reason?: string;
  /** limit: which limit refused the call (account | user). */
  scope?: 'account' | 'user';
}

export const callEventQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['event', 'callid'],
  properties: {
    event: { type: 'string', enum: ['answered', 'ended', 'failed', 'limit'] },
    callid: { type: 'string', minLength: 1, maxLength: 255 },
    code: { type: 'integer', minimum: 100, maximum: 699 },
    reason: { type: 'string', maxLength: 200 },
    scope: { type: 'string', enum: ['account', 'user'] },
  },
} as const;
