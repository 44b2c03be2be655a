/** Account (tenant): JSON schemas for the API (they feed OpenAPI) and the matching TS types. */
export interface Account {
  id: string;
  code: string;
  name: string;
  sipRealm: string;
  country: string;
  extensionLength: 3 | 4 | null;
  /** Voicemail messages older than this many days are deleted (1–3650, default 90). */
  voicemailRetentionDays: number;
  /** Call history older than this many days is deleted (1–3650, default 365). */
  callRetentionDays: number;
  /** Concurrent external calls of the whole account; null = no limit (set by the provider). */
  maxExternalCalls: number | null;
  /** Call recordings older than this many days are deleted (1–3650, default 90). */
  recordingRetentionDays: number;
  /** Callback on busy: minutes a request stays pending (1–1440, default 30). */
  callbackExpiryMinutes: number;
  /** How the account's phones reach Kamailio: 'udp' (default) or 'tls' (SIP over TLS, SRTP when media is relayed). */
  sipTransport: SipTransport;
  createdAt: string;
  updatedAt: string;
}

export const SIP_TRANSPORTS = ['udp', 'tls'] as const;
export type SipTransport = (typeof SIP_TRANSPORTS)[number];

export interface AccountCreate {
  code: string;
  name: string;
  sipRealm: string;
  country: string;
}

export type AccountUpdate = Partial<Pick<AccountCreate, 'name' | 'country'>> & { voicemailRetentionDays?: number; callRetentionDays?: number; maxExternalCalls?: number | null; recordingRetentionDays?: number; callbackExpiryMinutes?: number; sipTransport?: SipTransport };

export const accountSchema = {
  $id: 'Account',
  type: 'object',
  properties: {
    id: { type: 'string' },
    code: { type: 'string', description: 'Account code, used at login and in API paths' },
    name: { type: 'string' },
    sipRealm: { type: 'string', description: 'SIP domain the account\'s phones register to' },
    country: { type: 'string', description: 'ISO 3166-1 alpha-2' },
    extensionLength: { type: ['integer', 'null'], enum: [3, 4, null], description: 'Fixed by the first user' },
    voicemailRetentionDays: { type: 'integer', description: 'Voicemail messages older than this many days are deleted (1–3650, default 90)' },
    callRetentionDays: { type: 'integer', description: 'Call history older than this many days is deleted (1–3650, default 365)' },
    maxExternalCalls: { type: ['integer', 'null'], description: 'Concurrent external (outbound) calls of the whole account; null = no limit' },
    recordingRetentionDays: { type: 'integer', description: 'Call recordings older than this many days are deleted (1–3650, default 90)' },
    callbackExpiryMinutes: { type: 'integer', description: 'Callback on busy: minutes a callback request stays pending (1–1440, default 30)' },
    sipTransport: { type: 'string', enum: ['udp', 'tls'], description: "How the account's phones reach the SIP server: udp (default) or tls (SIP over TLS; SRTP when media is relayed)" },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'code', 'name', 'sipRealm', 'country', 'extensionLength', 'voicemailRetentionDays', 'callRetentionDays', 'maxExternalCalls', 'recordingRetentionDays', 'callbackExpiryMinutes', 'sipTransport', 'createdAt', 'updatedAt'],
} as const;

export const accountCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name', 'sipRealm', 'country'],
  properties: {
    code: { type: 'string', minLength: 2, maxLength: 32 },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    sipRealm: { type: 'string', minLength: 3, maxLength: 253 },
    country: { type: 'string', minLength: 2, maxLength: 2 },
  },
} as const;

export const accountUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: accountCreateSchema.properties.name,
    country: accountCreateSchema.properties.country,
    voicemailRetentionDays: { type: 'integer', description: 'Days a voicemail message is kept (1–3650); Office Manager or provider' },
    callRetentionDays: { type: 'integer', description: 'Days call history is kept (1–3650); Office Manager or provider' },
    maxExternalCalls: { type: ['integer', 'null'], description: 'Concurrent external calls of the account (0–10000, null = no limit); provider only (toll-fraud protection)' },
    recordingRetentionDays: { type: 'integer', description: 'Days a call recording is kept (1–3650); Office Manager or provider' },
    callbackExpiryMinutes: { type: 'integer', description: 'Minutes a callback-on-busy request stays pending (1–1440); Office Manager or provider' },
    sipTransport: { type: 'string', description: "udp or tls: how the account's phones reach the SIP server (provisioning; the phones' next resync); Office Manager or provider" },
  },
} as const;
