import { SCOPES } from '../../shared/permissions.ts';

/** Users (extensions): every field the seeds name. Secrets are write-only: never in responses but once. */
export const USER_TYPES = ['native', 'teams', 'ip_pbx', 'call_routing'] as const;
export type UserType = (typeof USER_TYPES)[number];
export const USER_TYPE_LABELS: Record<UserType, string> = {
  native: 'Native (desk phone / softphone)',
  teams: 'Microsoft Teams',
  ip_pbx: 'IP PBX',
  call_routing: 'Call routing user (no hardware)',
};
export const SMART_CALL_TYPES = ['sequential', 'parallel', 'parallel_delayed'] as const;
export type SmartCallType = (typeof SMART_CALL_TYPES)[number];
export const SYSTEM_TAGS = ['new', 'setup_required', 'password_required'] as const;
export type SystemTag = (typeof SYSTEM_TAGS)[number];

export interface Diversion {
  enabled: boolean;
  /** An internal extension or an external number in E.164. */
  destination: string | null;
}
export interface Features {
  callbackOnBusy: boolean;
  smartCalling: { enabled: boolean; number: string | null; timeout: number; type: SmartCallType };
  divertAll: Diversion;
  divertNoAnswer: Diversion;
  divertBusy: Diversion;
}
export interface Security {
  enabledCalls: { local: boolean; national: boolean; mobile: boolean; international: boolean };
  handsetManagement: { updateSettings: boolean; toggleDayNight: boolean; updateRecordings: boolean; inCallShortcuts: boolean };
  overrideAccountCodeDialling: boolean;
  recordCalls: boolean;
  trainingMode: boolean;
  extensionPrivacy: boolean;
  /** Concurrent external (outbound) calls this user may have; null = no limit of their own (issue 15). */
  maxExternalCalls: number | null;
}
export interface Apps {
  softphone: boolean;
  crmConnect: boolean;
}
export interface VoicemailOut {
  enabled: boolean;
  pinSet: boolean;
  emailDelivery: boolean;
  email: string | null;
  deleteAfterEmail: boolean;
  keepOnServer: boolean;
}
export interface VoicemailIn {
  enabled?: boolean;
  pin?: string | null;
  emailDelivery?: boolean;
  email?: string | null;
  deleteAfterEmail?: boolean;
  keepOnServer?: boolean;
}

export interface User {
  id: string;
  accountId: string;
  officeId: string;
  extension: string;
  firstName: string;
  lastName: string;
  displayName: string;
  email: string | null;
  altEmail: string | null;
  department: string | null;
  userType: UserType;
  scope: (typeof SCOPES)[number];
  includeInDirectory: boolean;
  ringTime: number;
  /** Pickup group name (input and output); groups are created on first use. */
  pickupGroup: string | null;
  pickupGroupId: string | null;
  /** DDIs assigned from the account's spare numbers (POST /numbers/:e164/assign). */
  directNumbers: string[];
  /** null = the office's Default Outbound Number. */
  outboundNumber: string | null;
  hideCallerId: boolean;
  sipUsername: string;
  behindFirewall: boolean;
  enabled: boolean;
  voicemail: VoicemailOut;
  features: Features;
  security: Security;
  apps: Apps;
  portalPasswordSet: boolean;
  tags: SystemTag[];
  createdAt: string;
  updatedAt: string;
}

/** Returned once, by create and by 'regenerate SIP password'. */
export type UserWithSecret = User & { sipPassword: string };

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface UserCreate {
  extension?: string;
  firstName: string;
  lastName?: string;
  displayName?: string;
  email?: string | null;
  altEmail?: string | null;
  department?: string | null;
  officeId: string;
  userType?: UserType;
  scope?: (typeof SCOPES)[number];
  includeInDirectory?: boolean;
  ringTime?: number;
  pickupGroup?: string | null;
  outboundNumber?: string | null;
  hideCallerId?: boolean;
  behindFirewall?: boolean;
  enabled?: boolean;
  voicemail?: VoicemailIn;
  features?: DeepPartial<Features>;
  security?: DeepPartial<Security>;
  apps?: Partial<Apps>;
  /** Optional portal password set at creation (seed 003/004 'New Password'); write-only, never returned. */
  password?: string;
}
export type UserUpdate = Partial<Omit<UserCreate, 'extension' | 'password'>> & { extension?: string };

// ---------- JSON schemas ----------
const bool = { type: 'boolean' } as const;
const nullableStr = (maxLength: number, description?: string) => ({ type: ['string', 'null'], maxLength, ...(description && { description }) }) as const;
const fiveStep = (description: string) => ({ type: 'integer', minimum: 5, maximum: 60, multipleOf: 5, description }) as const;

const diversionProps = {
  type: 'object',
  additionalProperties: false,
  properties: { enabled: bool, destination: nullableStr(32, 'Internal extension or external number') },
} as const;

const featuresProps = {
  type: 'object',
  additionalProperties: false,
  properties: {
    callbackOnBusy: { ...bool, description: 'Enable Callback: call back when the busy extension is free (internal calls only)' },
    smartCalling: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: bool,
        number: nullableStr(32, 'Smart Call Number (your mobile)'),
        timeout: fiveStep('Smart Call Timeout in seconds'),
        type: { type: 'string', enum: SMART_CALL_TYPES, description: 'Smart Call Type' },
      },
    },
    divertAll: diversionProps,
    divertNoAnswer: diversionProps,
    divertBusy: diversionProps,
  },
} as const;

const securityProps = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabledCalls: { type: 'object', additionalProperties: false, properties: { local: bool, national: bool, mobile: bool, international: bool } },
    handsetManagement: {
      type: 'object',
      additionalProperties: false,
      properties: { updateSettings: bool, toggleDayNight: bool, updateRecordings: bool, inCallShortcuts: bool },
    },
    overrideAccountCodeDialling: bool,
    recordCalls: bool,
    trainingMode: bool,
    extensionPrivacy: bool,
    maxExternalCalls: { type: ['integer', 'null'], minimum: 0, maximum: 1000, description: 'Concurrent external calls this user may have (0–1000); null = no limit of their own' },
  },
} as const;

const appsProps = { type: 'object', additionalProperties: false, properties: { softphone: bool, crmConnect: bool } } as const;

const voicemailIn = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { ...bool, description: 'Enable Voicemail for this user' },
    pin: { type: ['string', 'null'], maxLength: 12, description: 'Voicemail PIN: 4-12 digits, not the extension, not a trivial sequence such as 1111 or 1234 (write-only)' },
    emailDelivery: { ...bool, description: 'Send voicemails by email' },
    email: nullableStr(254, 'Address voicemails are sent to (defaults to the user email)'),
    deleteAfterEmail: { ...bool, description: 'Delete messages after emailing them' },
    keepOnServer: { ...bool, description: 'Enable phone & App Voicemail Access (kept 90 days)' },
  },
} as const;

const inputProps = {
  extension: { type: 'string', maxLength: 8, description: '3 or 4 digits; omitted = next available' },
  firstName: { type: 'string', minLength: 1, maxLength: 50 },
  lastName: { type: 'string', maxLength: 50 },
  displayName: { type: 'string', maxLength: 80, description: 'Shown on other handsets; defaults to first + last name' },
  email: nullableStr(254, 'Login and voicemail address; unique in the account'),
  altEmail: nullableStr(254, 'Send emails to an alternate address'),
  department: nullableStr(80),
  officeId: { type: 'string', minLength: 1, maxLength: 64 },
  userType: { type: 'string', enum: USER_TYPES },
  scope: { type: 'string', enum: SCOPES, description: "User's Scope" },
  includeInDirectory: bool,
  ringTime: fiveStep('Ring Time in seconds before voicemail (default 40)'),
  pickupGroup: nullableStr(40, 'Pickup group name; a new name creates the group'),
  outboundNumber: nullableStr(32, "Outbound Phone Number: null = office default, else one of the account's numbers"),
  hideCallerId: bool,
  behindFirewall: bool,
  enabled: bool,
  voicemail: voicemailIn,
  features: featuresProps,
  security: securityProps,
  apps: appsProps,
} as const;

export const userCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['firstName', 'officeId'],
  properties: { ...inputProps, password: { type: 'string', minLength: 1, maxLength: 256, writeOnly: true, description: "Optional portal password ('New Password'); the strength policy applies. Never returned." } },
} as const;
export const userUpdateSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: inputProps } as const;

const { extension: _e, voicemail: _v, ...outputScalars } = inputProps;
export const userSchema = {
  $id: 'User',
  type: 'object',
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    extension: { type: 'string' },
    ...outputScalars,
    lastName: { type: 'string' },
    displayName: { type: 'string' },
    sipUsername: { type: 'string' },
    pickupGroupId: { type: ['string', 'null'] },
    directNumbers: { type: 'array', items: { type: 'string' }, description: 'Direct numbers (DDIs) in E.164' },
    voicemail: {
      type: 'object',
      properties: { enabled: bool, pinSet: bool, emailDelivery: bool, email: { type: ['string', 'null'] }, deleteAfterEmail: bool, keepOnServer: bool },
    },
    portalPasswordSet: bool,
    tags: { type: 'array', items: { type: 'string', enum: SYSTEM_TAGS }, description: 'New / Setup Required / Password Required' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['id', 'accountId', 'officeId', 'extension', 'firstName', 'displayName', 'sipUsername', 'tags'],
} as const;

export const userWithSecretSchema = {
  $id: 'UserWithSecret',
  type: 'object',
  properties: { ...userSchema.properties, sipPassword: { type: 'string', description: 'Shown once' } },
} as const;
