/** Ring (hunt) groups: an extension that rings its member users, all at once or one after another. */
export const RING_STRATEGIES = ['simultaneous', 'sequential'] as const;
export type RingStrategy = (typeof RING_STRATEGIES)[number];

/**
 * Where a call goes when nobody in the group answered (after the group's ring time when simultaneous, after the
 * last member when sequential): 'none' (the caller hears 480), 'user' (that user's devices, for their ring
 * time), 'voicemail' (that user's mailbox) or 'busy' (486).
 */
export const FALLBACK_KINDS = ['none', 'user', 'voicemail', 'busy'] as const;
export type FallbackKind = (typeof FALLBACK_KINDS)[number];

export interface RingGroupFallback {
  kind: FallbackKind;
  /** 'user' / 'voicemail': the user (same account). */
  userId?: string | null;
}

export interface RingGroupFallbackOut {
  kind: FallbackKind;
  userId: string | null;
  /** The user's extension and name, for people (null when kind has no user). */
  extension: string | null;
  displayName: string | null;
}

export interface RingGroupMember {
  userId: string;
  extension: string;
  displayName: string;
}

export interface RingGroup {
  id: string;
  accountId: string;
  name: string;
  extension: string;
  strategy: RingStrategy;
  ringTime: number;
  members: RingGroupMember[];
  fallback: RingGroupFallbackOut;
  /** Direct numbers (DDIs) that ring this group. */
  numbers: string[];
  createdAt: string;
  updatedAt: string;
}

export interface RingGroupCreate {
  name: string;
  extension: string;
  strategy?: RingStrategy;
  ringTime?: number;
  /** User ids in ringing order. */
  members?: string[];
  fallback?: RingGroupFallback;
}
export type RingGroupUpdate = Partial<RingGroupCreate>;

const props = {
  name: { type: 'string', minLength: 1, maxLength: 60 },
  extension: { type: 'string', maxLength: 8, description: 'Same rules as user extensions; shares the extension space with users' },
  strategy: { type: 'string', enum: RING_STRATEGIES, description: 'simultaneous: ring all members; sequential: one after another in member order' },
  ringTime: { type: 'integer', minimum: 5, maximum: 60, multipleOf: 5, description: 'Seconds (per member when sequential)' },
  members: { type: 'array', maxItems: 200, uniqueItems: true, items: { type: 'string', maxLength: 64 }, description: 'User ids in ringing order' },
  fallback: {
    type: 'object',
    additionalProperties: false,
    required: ['kind'],
    description: "Where the call goes when nobody answered: 'none' (480), 'user' (the user's devices), 'voicemail' (the user's mailbox), 'busy' (486)",
    properties: {
      kind: { type: 'string', enum: FALLBACK_KINDS },
      userId: { type: ['string', 'null'], maxLength: 64, description: "The user of 'user' / 'voicemail' (same account)" },
    },
  },
} as const;

export const ringGroupSchema = {
  $id: 'RingGroup',
  type: 'object',
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    name: { type: 'string' },
    extension: { type: 'string' },
    strategy: { type: 'string', enum: RING_STRATEGIES },
    ringTime: { type: 'integer' },
    members: {
      type: 'array',
      items: { type: 'object', properties: { userId: { type: 'string' }, extension: { type: 'string' }, displayName: { type: 'string' } } },
    },
    fallback: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: FALLBACK_KINDS },
        userId: { type: ['string', 'null'] },
        extension: { type: ['string', 'null'] },
        displayName: { type: ['string', 'null'] },
      },
      required: ['kind', 'userId', 'extension', 'displayName'],
    },
    numbers: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['id', 'accountId', 'name', 'extension', 'strategy', 'ringTime', 'members', 'fallback', 'numbers', 'createdAt', 'updatedAt'],
} as const;

export const ringGroupCreateSchema = { type: 'object', additionalProperties: false, required: ['name', 'extension'], properties: props } as const;
export const ringGroupUpdateSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: props } as const;
