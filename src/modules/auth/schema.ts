import { SCOPES, type Scope } from '../../shared/permissions.ts';
import type { Account } from '../accounts/schema.ts';
import type { User } from '../users/schema.ts';
import { PASSWORD_MAX } from './rules.ts';

/** Auth: JSON schemas for login, passwords, API keys and Site Manager offices, with their TS types. */
export interface MeActor {
  kind: 'user' | 'provider' | 'system';
  scope?: Scope;
  userId?: string;
  accountCode?: string;
  officeIds?: string[];
  label: string;
}
export interface MeResponse {
  actor: MeActor;
  /** What this person may do, straight from the permission matrix: action → 'account' | 'office' | 'self'. For the portal to show or hide controls; the API enforces it regardless. */
  permissions: Record<string, string>;
  user?: User;
  account?: Account;
}

export interface ApiKey {
  id: string;
  name: string;
  /** The first characters of the key, to tell keys apart; the key itself is shown once. */
  prefix: string;
  scope: Scope;
  userId: string | null;
  officeIds: string[];
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface ApiKeyCreate {
  name: string;
  scope?: Scope;
  /** Provider only: the user the key acts as. Portal users' keys always act as themselves. */
  userId?: string;
  officeIds?: string[];
}

const password = { type: 'string', minLength: 1, maxLength: PASSWORD_MAX * 4, description: 'Write-only; never returned' } as const;
const email = { type: 'string', minLength: 1, maxLength: 254 } as const;
const accountCode = { type: 'string', minLength: 1, maxLength: 64, description: "Account code (the 'Account Name' at login), or 'provider'" } as const;

export const loginSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['account', 'email', 'password'],
  properties: { account: accountCode, email, password },
} as const;

export const passwordSchema = { type: 'object', additionalProperties: false, required: ['password'], properties: { password } } as const;
export const resetRequestSchema = { type: 'object', additionalProperties: false, required: ['account', 'email'], properties: { account: accountCode, email } } as const;
export const resetConfirmSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'password'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, password },
} as const;

export const meActorSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['user', 'provider', 'system'] },
    scope: { type: 'string', enum: SCOPES },
    userId: { type: 'string' },
    accountCode: { type: 'string' },
    officeIds: { type: 'array', items: { type: 'string' } },
    label: { type: 'string' },
  },
  required: ['kind', 'label'],
} as const;

export const meSchema = {
  $id: 'Me',
  type: 'object',
  properties: {
    actor: meActorSchema,
    permissions: { type: 'object', additionalProperties: { type: 'string', enum: ['account', 'office', 'self'] } },
    user: { $ref: 'User#' },
    account: { $ref: 'Account#' },
  },
  required: ['actor', 'permissions'],
} as const;

const apiKeyProps = {
  id: { type: 'string' },
  name: { type: 'string' },
  prefix: { type: 'string' },
  scope: { type: 'string', enum: SCOPES },
  userId: { type: ['string', 'null'] },
  officeIds: { type: 'array', items: { type: 'string' } },
  createdBy: { type: 'string' },
  createdAt: { type: 'string' },
  lastUsedAt: { type: ['string', 'null'] },
  revokedAt: { type: ['string', 'null'] },
} as const;
export const apiKeySchema = { $id: 'ApiKey', type: 'object', properties: apiKeyProps, required: ['id', 'name', 'prefix', 'scope'] } as const;
export const apiKeyWithSecretSchema = {
  $id: 'ApiKeyWithSecret',
  type: 'object',
  properties: { ...apiKeyProps, key: { type: 'string', description: 'Shown once; only its hash is stored' } },
  required: ['id', 'key'],
} as const;

export const apiKeyCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 80 },
    scope: { type: 'string', enum: SCOPES, description: "Default: your own scope; never above it" },
    userId: { type: 'string', maxLength: 64, description: 'Provider only: the user the key acts as' },
    officeIds: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 64 }, description: 'Offices an office-limited key covers (default: yours)' },
  },
} as const;

export const officesBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['officeIds'],
  properties: { officeIds: { type: 'array', maxItems: 200, items: { type: 'string', minLength: 1, maxLength: 64 } } },
} as const;
export const officesResponseSchema = {
  type: 'object',
  properties: { officeIds: { type: 'array', items: { type: 'string' } }, explicit: { type: 'boolean', description: 'false: the default (their own office)' } },
} as const;
