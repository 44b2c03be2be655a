/** Voicemail API: JSON schemas (validation, response shape, OpenAPI) and the matching types. */
import type { Folder, GreetingKind } from './backend.ts';

export interface VoicemailMessage {
  id: string;
  folder: Folder;
  callerNumber: string | null;
  callerName: string | null;
  receivedAt: string;
  durationMs: number;
  sizeBytes: number;
}

export interface MessageList {
  items: VoicemailMessage[];
  newCount: number;
  savedCount: number;
}

export interface GreetingInfo {
  kind: GreetingKind;
  updatedAt: string;
}

export const voicemailMessageSchema = {
  $id: 'VoicemailMessage',
  type: 'object',
  properties: {
    id: { type: 'string' },
    folder: { type: 'string', enum: ['new', 'saved'], description: "'new' until heard; 'saved' once heard (or marked so)" },
    callerNumber: { type: ['string', 'null'], description: 'Number or extension of the caller, null when withheld' },
    callerName: { type: ['string', 'null'] },
    receivedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    sizeBytes: { type: 'integer', description: 'Size of the WAV file' },
  },
  required: ['id', 'folder', 'callerNumber', 'callerName', 'receivedAt', 'durationMs', 'sizeBytes'],
} as const;

export const messageListSchema = {
  type: 'object',
  properties: {
    items: { type: 'array', items: { $ref: 'VoicemailMessage#' }, description: 'New messages first, then saved; oldest first within a folder' },
    newCount: { type: 'integer' },
    savedCount: { type: 'integer' },
  },
  required: ['items', 'newCount', 'savedCount'],
} as const;

export const messagePatchSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['folder'],
  properties: { folder: { type: 'string', enum: ['new', 'saved'], description: "'saved' marks the message heard" } },
} as const;

export const greetingListSchema = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: { type: 'object', properties: { kind: { type: 'string', enum: ['unavailable', 'busy', 'name'] }, updatedAt: { type: 'string', format: 'date-time' } }, required: ['kind', 'updatedAt'] },
    },
  },
  required: ['items'],
} as const;

export const greetingSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['unavailable', 'busy', 'name'] },
    updatedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer', description: 'Length of the stored (converted) recording' },
    sizeBytes: { type: 'integer' },
  },
  required: ['kind', 'updatedAt', 'durationMs', 'sizeBytes'],
} as const;

export const mailboxParams = {
  type: 'object',
  properties: { account: { type: 'string' }, userId: { type: 'string', maxLength: 64 } },
  required: ['account', 'userId'],
} as const;

export const messageParams = {
  type: 'object',
  properties: { account: { type: 'string' }, userId: { type: 'string', maxLength: 64 }, id: { type: 'string', maxLength: 64 } },
  required: ['account', 'userId', 'id'],
} as const;

export const greetingParams = {
  type: 'object',
  properties: { account: { type: 'string' }, userId: { type: 'string', maxLength: 64 }, kind: { type: 'string', enum: ['unavailable', 'busy', 'name'] } },
  required: ['account', 'userId', 'kind'],
} as const;
