/** Admin API shapes for per-account provisioning settings (credentials, path token, security). */
import { VENDORS, type Params, type Vendor } from './catalog.ts';
import { AUTH_MODES, type AuthMode } from './rules.ts';

export interface ProvisioningSettingsOut {
  accountId: string;
  /** HTTP user name phones send (Basic or Digest). */
  username: string;
  /** Shown to admins who may read provisioning settings; never logged. */
  password: string;
  pathToken: string;
  /** Where phones fetch: e.g. http://pbx.example/prov/<token>/ (option 66 / redirection service). */
  provisioningPath: string;
  authMode: AuthMode;
  requireToken: boolean;
  allowedCidrs: string[];
  macLock: boolean;
  overrides: Partial<Record<Vendor, Params>>;
  /** The file each vendor's phone fetches, e.g. yealink: '<mac>.cfg'. */
  files: Record<Vendor, string>;
  updatedAt: string;
}

export interface SettingsUpdate {
  authMode?: AuthMode;
  requireToken?: boolean;
  allowedCidrs?: string[];
  macLock?: boolean;
  overrides?: Partial<Record<Vendor, Params>>;
}

export const settingsUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    authMode: { type: 'string', enum: AUTH_MODES, description: "HTTP auth phones must use: 'digest' (default), 'basic', 'digest_or_basic', or 'none' (path token only)" },
    requireToken: { type: 'boolean', description: 'Refuse /prov/<file> without the secret path token' },
    allowedCidrs: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 64 }, description: 'Only these networks may fetch files (empty = anywhere)' },
    macLock: { type: 'boolean', description: "Bind each MAC to the address of its first successful fetch (admin 'unlock for 24 h' to move it)" },
    overrides: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(VENDORS.map((v) => [v, { type: 'object', additionalProperties: { type: 'string', maxLength: 512 } }])),
      description: 'Account-level setting overrides per vendor (vendor → model → account → device)',
    },
  },
} as const;

export const rotateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    password: { type: 'boolean', default: true, description: 'Issue a new provisioning password' },
    token: { type: 'boolean', default: true, description: 'Issue a new path token (phones must be re-pointed)' },
  },
} as const;

const vendorMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
export const settingsSchema = {
  $id: 'ProvisioningSettings',
  type: 'object',
  properties: {
    accountId: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    pathToken: { type: 'string' },
    provisioningPath: { type: 'string' },
    authMode: { type: 'string', enum: AUTH_MODES },
    requireToken: { type: 'boolean' },
    allowedCidrs: { type: 'array', items: { type: 'string' } },
    macLock: { type: 'boolean' },
    overrides: { type: 'object', additionalProperties: vendorMap },
    files: vendorMap,
    updatedAt: { type: 'string' },
  },
} as const;

export const refusalSchema = {
  $id: 'ProvisioningRefusal',
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    ip: { type: 'string' },
    userAgent: { type: ['string', 'null'] },
    file: { type: 'string' },
    mac: { type: ['string', 'null'] },
    reason: { type: 'string' },
    status: { type: 'integer' },
  },
} as const;
