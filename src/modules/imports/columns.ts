/**
 * The users CSV (seed 003 'Import Data' template, seed 000 'Export'): one row per user with their
 * handset, voicemail and call settings. Export writes exactly these columns, so an export re-imports.
 * Pure: no IO.
 */
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
  { name: 'device_mac', description: 'Handset MAC address (12 hex digits, any separators)', example: '00:15:65:12:34:56' },
  { name: 'device_model', description: 'Handset model (required with device_mac)', example: 'yealink-t54w' },
  { name: 'sip_username', description: 'SIP username the password belongs to (export only with secrets; ignored on import)', example: '', secret: true },
  { name: 'sip_password', description: 'SIP password (export only with secrets; ignored on import)', example: '', secret: true },
];

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
