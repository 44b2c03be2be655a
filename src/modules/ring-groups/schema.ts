/** Ring (hunt) groups: an extension that rings its member users, all at once or one after another. */
export const RING_STRATEGIES = ['simultaneous', 'sequential'] as const;
export type RingStrategy = (typeof RING_STRATEGIES)[number];

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
}
export type RingGroupUpdate = Partial<RingGroupCreate>;

const props = {
  name: { type: 'string', minLength: 1, maxLength: 60 },
  extension: { type: 'string', maxLength: 8, description: 'Same rules as user extensions; shares the extension space with users' },
  strategy: { type: 'string', enum: RING_STRATEGIES, description: 'simultaneous: ring all members; sequential: one after another in member order' },
  ringTime: { type: 'integer', minimum: 5, maximum: 60, multipleOf: 5, description: 'Seconds (per member when sequential)' },
  members: { type: 'array', maxItems: 200, uniqueItems: true, items: { type: 'string', maxLength: 64 }, description: 'User ids in ringing order' },
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
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['id', 'accountId', 'name', 'extension', 'strategy', 'ringTime', 'members', 'createdAt', 'updatedAt'],
} as const;

export const ringGroupCreateSchema = { type: 'object', additionalProperties: false, required: ['name', 'extension'], properties: props } as const;
export const ringGroupUpdateSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: props } as const;
