/** Handsets (devices): a desk phone identified by its MAC, owned by a user or spare. */
import { VENDORS, type Params, type Vendor } from '../provisioning/catalog.ts';

export const LINE_KEY_TYPES = ['line', 'blf', 'speed_dial'] as const;
export type LineKeyType = (typeof LINE_KEY_TYPES)[number];

export interface LineKey {
  type: LineKeyType;
  /** blf: the extension watched; speed_dial: the number or code dialled; line: empty. */
  value?: string | null;
  label?: string | null;
}

export interface Device {
  id: string;
  accountId: string;
  /** 12 lowercase hex digits. */
  mac: string;
  /** aa:bb:cc:dd:ee:ff, for people. */
  macFormatted: string;
  vendor: Vendor;
  model: string;
  /** Shown name: the explicit label, else the owner's display name (seed 002), else 'Spare handset'. */
  label: string;
  /** false = the label follows the owner's name. */
  customLabel: boolean;
  /** null = unassigned (spare). */
  userId: string | null;
  officeId: string | null;
  lineKeys: LineKey[];
  /** Device-level overrides of the vendor's settings (last in vendor → model → account → device). */
  settings: Params;
  lock: { locked: boolean; lockedIp: string | null; lockedAt: string | null; unlockedUntil: string | null };
  lastProvisioned: { at: string | null; ip: string | null; userAgent: string | null };
  resync: { requestedAt: string | null; status: string | null; pending: boolean };
  createdAt: string;
  updatedAt: string;
}

export interface DeviceCreate {
  mac: string;
  vendor?: Vendor;
  model: string;
  label?: string | null;
  userId?: string | null;
  lineKeys?: LineKey[];
  settings?: Params;
}
export type DeviceUpdate = Partial<DeviceCreate>;

const lineKey = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { type: 'string', enum: LINE_KEY_TYPES },
    value: { type: ['string', 'null'], maxLength: 32 },
    label: { type: ['string', 'null'], maxLength: 32 },
  },
} as const;

const settings = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 512 },
  description: "Vendor-native settings overriding the templates for this handset (e.g. {\"local_time.ntp_server1\": \"ntp.example\"})",
} as const;

const inputProps = {
  mac: { type: 'string', minLength: 12, maxLength: 17, description: 'MAC address; any of aa:bb:cc:dd:ee:ff, aa-bb-.., aabb.ccdd.eeff, aabbccddeeff' },
  vendor: { type: 'string', enum: VENDORS, description: 'Omitted = guessed from the MAC (OUI)' },
  model: { type: 'string', minLength: 1, maxLength: 40 },
  label: { type: ['string', 'null'], maxLength: 64, description: 'null = follow the user name' },
  userId: { type: ['string', 'null'], maxLength: 64, description: 'Owner user; null = spare' },
  lineKeys: { type: 'array', maxItems: 64, items: lineKey },
  settings,
} as const;

export const deviceCreateSchema = { type: 'object', additionalProperties: false, required: ['mac', 'model'], properties: inputProps } as const;
export const deviceUpdateSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: inputProps } as const;

const nullableString = { type: ['string', 'null'] } as const;
export const deviceSchema = {
  $id: 'Device',
  type: 'object',
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    mac: { type: 'string' },
    macFormatted: { type: 'string' },
    vendor: { type: 'string', enum: VENDORS },
    model: { type: 'string' },
    label: { type: 'string' },
    customLabel: { type: 'boolean' },
    userId: nullableString,
    officeId: nullableString,
    lineKeys: { type: 'array', items: lineKey },
    settings: { type: 'object', additionalProperties: { type: 'string' } },
    lock: {
      type: 'object',
      properties: { locked: { type: 'boolean' }, lockedIp: nullableString, lockedAt: nullableString, unlockedUntil: nullableString },
    },
    lastProvisioned: { type: 'object', properties: { at: nullableString, ip: nullableString, userAgent: nullableString } },
    resync: { type: 'object', properties: { requestedAt: nullableString, status: nullableString, pending: { type: 'boolean' } } },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['id', 'accountId', 'mac', 'vendor', 'model', 'label', 'userId', 'lineKeys'],
} as const;
