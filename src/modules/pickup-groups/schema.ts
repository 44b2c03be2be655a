/** Pickup groups: users in one group may answer each other's ringing phones. Members are users (users.pickup_group_id). */
export interface PickupGroup {
  id: string;
  accountId: string;
  name: string;
  memberCount: number;
  members: Array<{ userId: string; extension: string; displayName: string }>;
  createdAt: string;
  updatedAt: string;
}

export interface PickupGroupCreate {
  name: string;
  /** Users to put in the group (each leaves any group it was in). */
  members?: string[];
}
export type PickupGroupUpdate = Partial<PickupGroupCreate>;

export const PICKUP_GROUP_NAME = '^[A-Za-z0-9 _.-]{1,40}$';

const props = {
  name: { type: 'string', minLength: 1, maxLength: 40, pattern: PICKUP_GROUP_NAME, description: 'Unique in the account (case-insensitive); letters, digits, space, _ . -' },
  members: { type: 'array', maxItems: 1000, uniqueItems: true, items: { type: 'string', maxLength: 64 }, description: 'User ids; replaces the membership' },
} as const;

export const pickupGroupSchema = {
  $id: 'PickupGroup',
  type: 'object',
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    name: { type: 'string' },
    memberCount: { type: 'integer' },
    members: {
      type: 'array',
      items: { type: 'object', properties: { userId: { type: 'string' }, extension: { type: 'string' }, displayName: { type: 'string' } } },
    },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['id', 'accountId', 'name', 'memberCount', 'members', 'createdAt', 'updatedAt'],
} as const;

export const pickupGroupCreateSchema = { type: 'object', additionalProperties: false, required: ['name'], properties: props } as const;
export const pickupGroupUpdateSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: props } as const;
