/** Offices: a logical grouping of users with its own area code, timezone, outbound caller ID and hold music. */
export interface Office {
  id: string;
  accountId: string;
  name: string;
  country: string;
  timezone: string;
  areaCode: string | null;
  defaultOutboundNumber: string | null;
  onHoldMusic: string;
  /** Day/Night: the current mode (an operational switch, live at once) and the main number's destinations. */
  dayNightMode: DayNightMode;
  dayDestination: string;
  nightDestination: string;
  userCount?: number;
  createdAt: string;
  updatedAt: string;
}

export interface OfficeCreate {
  name: string;
  country?: string;
  timezone: string;
  areaCode?: string | null;
  defaultOutboundNumber?: string | null;
  onHoldMusic?: string;
  dayNightMode?: DayNightMode;
  dayDestination?: string;
  nightDestination?: string;
}
export type OfficeUpdate = Partial<OfficeCreate>;

export type DayNightMode = 'day' | 'night';
export const DAY_NIGHT_MODES = ['day', 'night'] as const;

const destination = (when: string) =>
  ({
    type: 'string',
    minLength: 1,
    maxLength: 32,
    description: `Where calls to the office's main number (its Default Outbound Number) go ${when}: a user's or ring group's extension ('101'), a user's mailbox ('voicemail:101'), 'busy' (486) or 'none' (480)`,
  }) as const;

const props = {
  name: { type: 'string', minLength: 1, maxLength: 80, description: 'Office Name' },
  country: { type: 'string', minLength: 2, maxLength: 2, description: 'Country the users call out from (ISO 3166-1 alpha-2); defaults to the account country' },
  timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA timezone, e.g. Australia/Sydney' },
  areaCode: { type: ['string', 'null'], maxLength: 6, description: 'Default area code, used when dialling 8 digit numbers' },
  defaultOutboundNumber: { type: ['string', 'null'], maxLength: 32, description: "Default Outbound Number: one of the account's numbers" },
  onHoldMusic: { type: 'string', minLength: 1, maxLength: 80, description: "On Hold Music: 'default' (the built-in track) or the id of a hold music track in the account's media library (GET /api/v1/accounts/{account}/media)" },
  dayNightMode: { type: 'string', enum: DAY_NIGHT_MODES, description: "Day/Night mode now (takes effect at once, no 'Apply Changes'; *28 on a handset toggles it)" },
  dayDestination: destination('in day mode'),
  nightDestination: destination('in night mode'),
} as const;

export const officeSchema = {
  $id: 'Office',
  type: 'object',
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    ...props,
    userCount: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['id', 'accountId', 'name', 'country', 'timezone', 'areaCode', 'defaultOutboundNumber', 'onHoldMusic', 'dayNightMode', 'dayDestination', 'nightDestination', 'createdAt', 'updatedAt'],
} as const;

export const officeCreateSchema = { type: 'object', additionalProperties: false, required: ['name', 'timezone'], properties: props } as const;
export const officeUpdateSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: props } as const;

export const dayNightSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: { mode: { type: 'string', enum: DAY_NIGHT_MODES, description: "'day' or 'night'" } },
} as const;
