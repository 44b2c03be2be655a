/** Callback on busy API: JSON schemas (validation, response shape, OpenAPI) and the matching types. */
import { CALLBACK_STATES, type CallbackState } from './rules.ts';

export interface Callback {
  id: string;
  callerUserId: string;
  callerExtension: string;
  calleeUserId: string;
  calleeExtension: string;
  state: CallbackState;
  attempts: number;
  lastAttemptAt: string | null;
  createdAt: string;
  expiresAt: string;
}

export const callbackSchema = {
  $id: 'Callback',
  type: 'object',
  properties: {
    id: { type: 'string' },
    callerUserId: { type: 'string', description: 'The user who asked to be called back (rung first)' },
    callerExtension: { type: 'string' },
    calleeUserId: { type: 'string', description: 'The user who was busy (rung once the caller answers)' },
    calleeExtension: { type: 'string' },
    state: { type: 'string', enum: [...CALLBACK_STATES], description: 'pending until connected, cancelled or expired' },
    attempts: { type: 'integer', description: 'Times the caller was rung for this request' },
    lastAttemptAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'callerUserId', 'callerExtension', 'calleeUserId', 'calleeExtension', 'state', 'attempts', 'lastAttemptAt', 'createdAt', 'expiresAt'],
} as const;

export const callbackListSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: { $ref: 'Callback#' } } },
  required: ['items'],
} as const;

export const stateQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { state: { type: 'string', enum: [...CALLBACK_STATES], description: 'Only callbacks in this state' } },
} as const;

export const accountParams = { type: 'object', required: ['account'], properties: { account: { type: 'string', maxLength: 64 } } } as const;
export const userParams = { type: 'object', required: ['account', 'userId'], properties: { account: { type: 'string', maxLength: 64 }, userId: { type: 'string', maxLength: 64 } } } as const;
export const callbackParams = {
  type: 'object',
  required: ['account', 'userId', 'id'],
  properties: { account: { type: 'string', maxLength: 64 }, userId: { type: 'string', maxLength: 64 }, id: { type: 'string', maxLength: 64 } },
} as const;
