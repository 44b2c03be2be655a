/** Phone numbers (DDIs) in an account's pool. */
export interface PhoneNumber {
  id: string;
  e164: string;
  label: string | null;
  userId: string | null;
  /** The ring group the number rings (a number rings a user or a group, never both). */
  ringGroupId: string | null;
  status: 'spare' | 'assigned';
  createdAt: string;
}

export interface NumberCreate {
  number: string;
  label?: string | null;
}

export const numberSchema = {
  $id: 'PhoneNumber',
  type: 'object',
  properties: {
    id: { type: 'string' },
    e164: { type: 'string', description: 'E.164 form, e.g. +61291234567' },
    label: { type: ['string', 'null'] },
    userId: { type: ['string', 'null'] },
    ringGroupId: { type: ['string', 'null'], description: 'The ring group this number rings (instead of a user)' },
    status: { type: 'string', enum: ['spare', 'assigned'] },
    createdAt: { type: 'string' },
  },
  required: ['id', 'e164', 'label', 'userId', 'ringGroupId', 'status', 'createdAt'],
} as const;

export const numberCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['number'],
  properties: {
    number: { type: 'string', minLength: 3, maxLength: 32, description: 'National or international form; stored as E.164' },
    label: { type: ['string', 'null'], maxLength: 80 },
  },
} as const;
