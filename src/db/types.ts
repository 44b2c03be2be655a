import type { ColumnType } from 'kysely';
/** Row types of every table, as Kysely sees them. Booleans are 0/1 integers in both stores; times are ISO text. */
export interface AccountsTable {
  id: string;
  code: string;
  name: string;
  sip_realm: string;
  country: string;
  extension_length: number | null;
  /** Migration 0501: messages older than this are deleted by the retention job (1–3650). */
  voicemail_retention_days: number;
  /** Migration 0420: call history older than this is deleted (1–3650, default 365). */
  call_retention_days: number;
  /** Migration 0420: concurrent external calls of the whole account (null = no limit). */
  max_external_calls: number | null;
  /** Call recordings older than this many days are deleted (migration 0610, default 90). */
  recording_retention_days: number;
  /** Callback on busy: minutes a request stays pending (migration 0510; the column defaults to 30). */
  callback_expiry_minutes: ColumnType<number, number | undefined, number>;
  /** How the account's phones reach Kamailio: 'udp' | 'tls' (migration 0430; the column defaults to 'udp'). */
  sip_transport: ColumnType<string, string | undefined, string>;
  created_at: string;
  updated_at: string;
}

export interface ProviderApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  created_at: string;
}

export interface NumbersTable {
  id: string;
  account_id: string;
  e164: string;
  label: string | null;
  user_id: string | null;
  /** A DDI that rings a ring group (migration 0210); a number rings a user or a group, never both. */
  ring_group_id?: string | null;
  created_at: string;
}

export interface OfficesTable {
  id: string;
  account_id: string;
  name: string;
  name_key: string;
  country: string;
  timezone: string;
  area_code: string | null;
  default_outbound_number: string | null;
  /** Migration 0601: 'default' or a media_files id (kind hold_music) of the same account. */
  on_hold_music: string;
  /** 'day' | 'night': live operational state (not configuration; *28 and the API toggle it). */
  day_night_mode: string;
  /** Destination of the main number by day / by night: an extension, 'voicemail:<ext>', 'busy' or 'none'. */
  day_destination: string;
  night_destination: string;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  account_id: string;
  office_id: string;
  extension: string;
  first_name: string;
  last_name: string;
  display_name: string;
  email: string | null;
  alt_email: string | null;
  department: string | null;
  user_type: string;
  scope: string;
  include_in_directory: number;
  ring_time: number;
  /** Migration 0201: was the free-text pickup_group. */
  pickup_group_id: string | null;
  outbound_number: string | null;
  hide_caller_id: number;
  sip_username: string;
  sip_password: string;
  behind_firewall: number;
  enabled: number;
  vm_enabled: number;
  vm_pin: string | null;
  vm_email_delivery: number;
  vm_email: string | null;
  vm_delete_after_email: number;
  vm_keep_on_server: number;
  features: string;
  security: string;
  apps: string;
  portal_password_hash: string | null;
  created_at: string;
  updated_at: string;
}

export interface PickupGroupsTable {
  id: string;
  account_id: string;
  name: string;
  name_key: string;
  created_at: string;
  updated_at: string;
}

/** One row per owned extension (users and ring groups), kept by triggers (migration 0204); unique per account. */
export interface NumberingPlanTable {
  account_id: string;
  extension: string;
  owner_kind: 'user' | 'ring_group';
  owner_id: string;
}

export interface RingGroupsTable {
  id: string;
  account_id: string;
  name: string;
  name_key: string;
  /** Shares the extension space with users. */
  extension: string;
  strategy: string;
  ring_time: number;
  /** 'none' | 'user' | 'voicemail' | 'busy' (migration 0210; absent in documents applied before it). */
  fallback_kind?: string;
  fallback_user_id?: string | null;
  created_at: string;
  updated_at: string;
}

export interface RingGroupMembersTable {
  ring_group_id: string;
  user_id: string;
  account_id: string;
  position: number;
}

export interface CallFlowsTable {
  id: string;
  account_id: string;
  user_id: string;
  /** JSON CallFlowDocument (src/modules/call-flows/rules.ts). */
  document: string;
  updated_at: string;
}

export interface ImportsTable {
  id: string;
  account_id: string;
  status: string;
  update_existing: number;
  total: number;
  processed: number;
  created_count: number;
  updated_count: number;
  /** JSON [{row, column, reason}]. */
  errors: string;
  result_csv: string | null;
  created_by: string;
  created_at: string;
  finished_at: string | null;
}

export interface ConfigVersionsTable {
  id: string;
  account_id: string;
  version: number;
  /** JSON ConfigDocument (src/modules/config/rules.ts); contains secrets: never sent by the API. */
  document: string;
  summary: string;
  applied_by: string;
  applied_at: string;
}

export interface DevicesTable {
  id: string;
  account_id: string;
  mac: string;
  vendor: string;
  model: string;
  label: string | null;
  user_id: string | null;
  line_keys: string;
  settings: string;
  locked_ip: string | null;
  locked_at: string | null;
  unlocked_until: string | null;
  last_provisioned_at: string | null;
  last_provisioned_ip: string | null;
  last_user_agent: string | null;
  resync_requested_at: string | null;
  resync_status: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProvisioningSettingsTable {
  account_id: string;
  username: string;
  password: string;
  path_token: string;
  auth_mode: string;
  require_token: number;
  allowed_cidrs: string;
  mac_lock: number;
  overrides: string;
  created_at: string;
  updated_at: string;
}

export interface ProvisioningRefusalsTable {
  id: string;
  account_id: string | null;
  at: string;
  ip: string;
  user_agent: string | null;
  file: string;
  mac: string | null;
  reason: string;
  status: number;
}

/** Kamailio auth_db's credential table (migration 0401), kept by triggers: enabled users' SIP credentials per realm. */
export interface SipSubscribersTable {
  username: string;
  domain: string;
  password: string;
  user_id: string;
  account_id: string;
  /** Migration 0403: users.behind_firewall, loaded by auth_db with the credentials (NAT forced). */
  force_nat: number;
}

/** Shared rate-limit windows (migration 0120). */
export interface RateLimitsTable {
  key: string;
  count: number;
  reset_at: number;
}

export interface DB {
  rate_limits: RateLimitsTable;
  accounts: AccountsTable;
  provider_api_keys: ProviderApiKeysTable;
  numbers: NumbersTable;
  offices: OfficesTable;
  users: UsersTable;
  devices: DevicesTable;
  provisioning_settings: ProvisioningSettingsTable;
  provisioning_refusals: ProvisioningRefusalsTable;
  pickup_groups: PickupGroupsTable;
  ring_groups: RingGroupsTable;
  numbering_plan: NumberingPlanTable;
  ring_group_members: RingGroupMembersTable;
  call_flows: CallFlowsTable;
  imports: ImportsTable;
  config_versions: ConfigVersionsTable;
  sip_subscribers: SipSubscribersTable;
  // auth/audit (0101)
  provider_admins: ProviderAdminsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  password_tokens: PasswordTokensTable;
  user_offices: UserOfficesTable;
  audit_log: AuditLogTable;
  // voicemail (0501)
  voicemail_messages: VoicemailMessagesTable;
  voicemail_greetings: VoicemailGreetingsTable;
  voicemail_pin_failures: VoicemailPinFailuresTable;
  voicemail_trash: VoicemailTrashTable;
  // callback on busy (0510)
  callbacks: CallbacksTable;
  // media (0601)
  media_files: MediaFilesTable;
  calls: CallsTable;
  recordings: RecordingsTable;
}

// ---------- auth / audit (migration 0101) ----------
export interface ProviderAdminsTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  id: string;
  kind: string;
  user_id: string | null;
  account_id: string | null;
  provider_admin_id: string | null;
  source: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  scope: string;
  user_id: string | null;
  office_ids: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface PasswordTokensTable {
  id: string;
  token_hash: string;
  account_id: string;
  user_id: string;
  purpose: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface UserOfficesTable {
  account_id: string;
  user_id: string;
  office_id: string;
}

export interface AuditLogTable {
  id: string;
  seq: string;
  at: string;
  account_id: string | null;
  actor_kind: string;
  actor_id: string;
  actor_label: string;
  actor_role: string;
  action: string;
  resource: string;
  resource_id: string;
  source: string | null;
  before: string | null;
  after: string | null;
}

// ---------- voicemail (migration 0501) ----------
export interface VoicemailMessagesTable {
  id: string;
  account_id: string;
  user_id: string;
  /** 'new' | 'saved' */
  folder: string;
  caller_number: string | null;
  caller_name: string | null;
  received_at: string;
  duration_ms: number;
  /** File name inside the voicemail audio folder (a server-generated UUID + .wav). */
  audio_file: string;
  size_bytes: number;
  /** 'none' | 'pending' | 'sent' | 'failed' */
  email_status: string;
  email_attempts: number;
  email_next_at: string | null;
  email_last_error: string | null;
  created_at: string;
}

export interface VoicemailGreetingsTable {
  account_id: string;
  user_id: string;
  /** 'unavailable' | 'busy' | 'name' */
  kind: string;
  audio_file: string;
  updated_at: string;
}

export interface VoicemailPinFailuresTable {
  user_id: string;
  account_id: string;
  failures: number;
  locked_until: string | null;
  updated_at: string;
}

export interface VoicemailTrashTable {
  audio_file: string;
  account_id: string;
  created_at: string;
}

// ---------- media (migration 0601) ----------
export interface MediaFilesTable {
  id: string;
  account_id: string;
  name: string;
  /** lower(name): unique per account. */
  name_key: string;
  /** 'hold_music' */
  kind: string;
  /** File name inside the media folder (`<id>.wav`, server-generated). */
  file_name: string;
  duration_ms: number;
  size_bytes: number;
  created_at: string;
  updated_at: string;
}

// ---------- call history (migration 0420) ----------
export interface CallsTable {
  id: string;
  account_id: string;
  sip_call_id: string;
  /** 'internal' | 'inbound' | 'outbound' */
  direction: string;
  kind: string;
  routed_by: string;
  from_number: string;
  to_number: string;
  dialled: string;
  caller_user_id: string | null;
  callee_user_id: string | null;
  caller_office_id: string | null;
  callee_office_id: string | null;
  /** 'ringing' | 'answered' | 'failed' */
  result: string;
  sip_code: number | null;
  sip_reason: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
}

// ---------- call recording (migration 0610) ----------
export interface RecordingsTable {
  id: string;
  account_id: string;
  /** rtpengine's metadata file name the recording was imported from (unique per account: idempotent import). */
  source: string;
  call_id: string;
  /** 'internal' | 'inbound' | 'outbound' */
  direction: string;
  caller_user_id: string | null;
  caller_office_id: string | null;
  /** extension or number as presented ('' when withheld) */
  caller: string;
  caller_name: string | null;
  callee_user_id: string | null;
  callee_office_id: string | null;
  callee: string;
  callee_name: string | null;
  started_at: string;
  duration_ms: number;
  /** `<id>.wav` in the recordings folder */
  file_name: string;
  size_bytes: number;
  created_at: string;
}

// ---------- callback on busy (migration 0510) ----------
export interface CallbacksTable {
  id: string;
  account_id: string;
  caller_user_id: string;
  callee_user_id: string;
  /** pending | completed | cancelled | expired */
  state: string;
  attempts: number;
  last_attempt_at: string | null;
  created_at: string;
  expires_at: string;
  updated_at: string;
}
