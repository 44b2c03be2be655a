/**
 * The users CSV (seed 003 'Import Data' template, seed 000 'Export'): one row per user with their
 * handset, voicemail and call settings. Export writes exactly these columns, so an export re-imports.
 * Pure: no IO.
 */
import { SMART_CALL_TYPES } from '../users/schema.ts';

export interface CsvColumn {
  name: string;
  description: string;
  example: string;
  /** Written by export only when secrets are asked for explicitly. */
  secret?: boolean;
  /** Must be present (the header) and non-empty on every row. */
  required?: boolean;
}

export const CSV_COLUMNS: readonly CsvColumn[] = [
  { name: 'extension', description: '3 or 4 digits; blank = next available. The key for --update', example: '201' },
  { name: 'first_name', description: 'First name', example: 'Jane', required: true },
  { name: 'last_name', description: 'Last name', example: 'Citizen' },
  { name: 'display_name', description: 'Shown on other handsets; blank = first + last name', example: '' },
  { name: 'email', description: 'Login and voicemail address; unique in the account', example: 'jane.citizen@example.com' },
  { name: 'alt_email', description: 'Send emails to an alternate address', example: '' },
  { name: 'department', description: 'Department', example: 'Sales' },
  { name: 'office', description: 'Office name (must exist)', example: 'Head Office', required: true },
  { name: 'user_type', description: 'native | teams | ip_pbx | call_routing', example: 'native' },
  { name: 'scope', description: "User's scope: no_portal | simple_user | basic_user | call_center_agent | call_center_supervisor | site_manager | office_manager", example: 'basic_user' },
  { name: 'include_in_directory', description: 'yes | no', example: 'yes' },
  { name: 'ring_time', description: 'Seconds before voicemail, 5-60 in steps of 5', example: '40' },
  { name: 'pickup_group', description: 'Pickup group name (created when new)', example: 'sales' },
  { name: 'outbound_number', description: "Outbound caller ID: one of the account's numbers; blank = office default", example: '' },
  { name: 'hide_caller_id', description: 'yes | no', example: 'no' },
  { name: 'enabled', description: 'yes | no', example: 'yes' },
  { name: 'direct_numbers', description: "Spare numbers of the account to assign as DDIs, separated by ';'", example: '' },
  { name: 'vm_enabled', description: 'Voicemail on: yes | no', example: 'yes' },
  { name: 'vm_pin', description: 'Voicemail PIN, 4-12 digits (export only with secrets)', example: '4821', secret: true },
  { name: 'vm_email_delivery', description: 'Send voicemails by email: yes | no', example: 'yes' },
  { name: 'vm_email', description: 'Voicemail email address (blank = the user email)', example: '' },
  { name: 'vm_keep_on_server', description: 'Phone & app voicemail access: yes | no', example: 'yes' },
  { name: 'vm_delete_after_email', description: 'Delete messages after emailing them: yes | no', example: 'no' },
  { name: 'behind_firewall', description: 'This extension is behind a firewall: yes | no', example: 'yes' },
  // Features (seed 000 'Callback and Smart Calling', 'Call Diversions')
  { name: 'callback_on_busy', description: 'Enable Callback (internal calls to a busy extension): yes | no', example: 'no' },
  { name: 'smart_calling', description: 'Enable Smart Calling: yes | no (needs smart_call_number)', example: 'no' },
  { name: 'smart_call_number', description: 'Smart Call Number (your mobile)', example: '' },
  { name: 'smart_call_timeout', description: 'Smart Call Timeout, 5-60 seconds in steps of 5 (blank = 20)', example: '20' },
  { name: 'smart_call_type', description: 'Smart Call Type: sequential | parallel | parallel_delayed', example: 'sequential' },
  { name: 'divert_all', description: 'Divert all calls: yes | no (needs divert_all_destination)', example: 'no' },
  { name: 'divert_all_destination', description: 'Where all calls go: an extension of this PBX or an outside number', example: '' },
  { name: 'divert_busy', description: 'Divert calls when busy: yes | no', example: 'no' },
  { name: 'divert_busy_destination', description: 'Where calls go when busy: an extension or an outside number', example: '' },
  { name: 'divert_no_answer', description: 'Divert calls on no answer: yes | no', example: 'no' },
  { name: 'divert_no_answer_destination', description: 'Where unanswered calls go: an extension or an outside number', example: '' },
  // Security (seed 000 'Security and Other Features')
  { name: 'calls_local', description: 'Enabled Calls: local: yes | no', example: 'yes' },
  { name: 'calls_national', description: 'Enabled Calls: national: yes | no', example: 'yes' },
  { name: 'calls_mobile', description: 'Enabled Calls: mobile: yes | no', example: 'yes' },
  { name: 'calls_international', description: 'Enabled Calls: international: yes | no', example: 'no' },
  { name: 'manage_update_settings', description: 'Allow management (handset) of: update settings: yes | no', example: 'no' },
  { name: 'manage_day_night', description: 'Allow management of: toggle Day/Night mode: yes | no', example: 'no' },
  { name: 'manage_recordings', description: 'Allow management of: update recordings: yes | no', example: 'no' },
  { name: 'manage_in_call_shortcuts', description: 'Allow management of: in-call shortcuts: yes | no', example: 'yes' },
  { name: 'override_account_code_dialling', description: 'Override Account Code Dialling: yes | no', example: 'no' },
  { name: 'record_calls', description: 'Record calls from this extension: yes | no', example: 'no' },
  { name: 'training_mode', description: 'Training Mode: yes | no', example: 'no' },
  { name: 'extension_privacy', description: 'Extension Privacy: yes | no', example: 'no' },
  { name: 'max_external_calls', description: 'Concurrent outside calls this user may have, 0-1000 (blank = no limit of their own)', example: '' },
  // Apps (seed 000 'Apps')
  { name: 'app_softphone', description: 'Softphone app access: yes | no', example: 'no' },
  { name: 'app_crm_connect', description: 'Connect (CRM integration) access: yes | no', example: 'no' },
  { name: 'device_mac', description: 'Handset MAC address (12 hex digits, any separators)', example: '00:15:65:12:34:56' },
  { name: 'device_model', description: 'Handset model (required with device_mac)', example: 'yealink-t54w' },
  { name: 'sip_username', description: 'SIP username the password belongs to (export only with secrets; ignored on import)', example: '', secret: true },
  { name: 'sip_password', description: 'SIP password (export only with secrets; ignored on import)', example: '', secret: true },
];

/** Where a settings column lives in the user's features / security / apps (the API's nested objects). */
export interface SettingColumn {
  group: 'features' | 'security' | 'apps';
  path: readonly string[];
  /** bool: yes/no; text: free text, blank = null; enum: one of values; int: whole number, blank = the default (null when the default is null). */
  kind: 'bool' | 'text' | 'enum' | 'int';
  values?: readonly string[];
  /** The API field path, as the user rules name it in field errors. */
  field: string;
}

const s = (group: SettingColumn['group'], kind: SettingColumn['kind'], ...path: string[]): SettingColumn => ({ group, kind, path, field: [group, ...path].join('.') });

/** The features, security and apps columns: each one setting of the user (export writes them all, import reads them back). */
export const SETTING_COLUMNS: Readonly<Record<string, SettingColumn>> = {
  callback_on_busy: s('features', 'bool', 'callbackOnBusy'),
  smart_calling: s('features', 'bool', 'smartCalling', 'enabled'),
  smart_call_number: s('features', 'text', 'smartCalling', 'number'),
  smart_call_timeout: s('features', 'int', 'smartCalling', 'timeout'),
  smart_call_type: { ...s('features', 'enum', 'smartCalling', 'type'), values: SMART_CALL_TYPES },
  divert_all: s('features', 'bool', 'divertAll', 'enabled'),
  divert_all_destination: s('features', 'text', 'divertAll', 'destination'),
  divert_busy: s('features', 'bool', 'divertBusy', 'enabled'),
  divert_busy_destination: s('features', 'text', 'divertBusy', 'destination'),
  divert_no_answer: s('features', 'bool', 'divertNoAnswer', 'enabled'),
  divert_no_answer_destination: s('features', 'text', 'divertNoAnswer', 'destination'),
  calls_local: s('security', 'bool', 'enabledCalls', 'local'),
  calls_national: s('security', 'bool', 'enabledCalls', 'national'),
  calls_mobile: s('security', 'bool', 'enabledCalls', 'mobile'),
  calls_international: s('security', 'bool', 'enabledCalls', 'international'),
  manage_update_settings: s('security', 'bool', 'handsetManagement', 'updateSettings'),
  manage_day_night: s('security', 'bool', 'handsetManagement', 'toggleDayNight'),
  manage_recordings: s('security', 'bool', 'handsetManagement', 'updateRecordings'),
  manage_in_call_shortcuts: s('security', 'bool', 'handsetManagement', 'inCallShortcuts'),
  override_account_code_dialling: s('security', 'bool', 'overrideAccountCodeDialling'),
  record_calls: s('security', 'bool', 'recordCalls'),
  training_mode: s('security', 'bool', 'trainingMode'),
  extension_privacy: s('security', 'bool', 'extensionPrivacy'),
  max_external_calls: s('security', 'int', 'maxExternalCalls'),
  app_softphone: s('apps', 'bool', 'softphone'),
  app_crm_connect: s('apps', 'bool', 'crmConnect'),
};

/** API field path (features.divertAll.destination) → CSV column, for error messages. */
export const SETTING_FIELD_TO_COLUMN: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(SETTING_COLUMNS).map(([col, c]) => [c.field, col]));

/** The value at a setting column's path in a features / security / apps object. */
export function settingValue(obj: unknown, c: SettingColumn): unknown {
  let v: unknown = obj;
  for (const k of c.path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** A setting as its CSV cell. */
export function settingCell(obj: unknown, c: SettingColumn): string {
  const v = settingValue(obj, c);
  if (c.kind === 'bool') return yesNo(!!v);
  return v === null || v === undefined ? '' : String(v);
}

export const COLUMN_NAMES = CSV_COLUMNS.map((c) => c.name);
export const KNOWN_COLUMNS = new Set(COLUMN_NAMES);

export function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

/** yes/no, true/false, 1/0, y/n (any case) → boolean; anything else → undefined. */
export function parseYesNo(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (['yes', 'y', 'true', '1'].includes(v)) return true;
  if (['no', 'n', 'false', '0'].includes(v)) return false;
  return undefined;
}

/** Columns export writes: the secret ones only when asked. */
export function exportColumns(includeSecrets: boolean): string[] {
  return CSV_COLUMNS.filter((c) => includeSecrets || !c.secret).map((c) => c.name);
}
