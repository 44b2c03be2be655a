/** The portal's only way to the server: JSON over /api/v1 with the session cookie. */

export interface FieldError {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

export type Scope =
  | 'no_portal'
  | 'simple_user'
  | 'basic_user'
  | 'call_center_agent'
  | 'call_center_supervisor'
  | 'site_manager'
  | 'office_manager';

export const SCOPES: Scope[] = ['no_portal', 'simple_user', 'basic_user', 'call_center_agent', 'call_center_supervisor', 'site_manager', 'office_manager'];
export const SCOPE_LABELS: Record<Scope, string> = {
  no_portal: 'No Portal',
  simple_user: 'Simple User',
  basic_user: 'Basic User',
  call_center_agent: 'Call Center Agent',
  call_center_supervisor: 'Call Center Supervisor',
  site_manager: 'Site Manager',
  office_manager: 'Office Manager',
};

export type UserType = 'native' | 'teams' | 'ip_pbx' | 'call_routing';
export const USER_TYPE_LABELS: Record<UserType, string> = {
  native: 'Native (desk phone / softphone)',
  teams: 'Microsoft Teams',
  ip_pbx: 'IP PBX',
  call_routing: 'Call routing user (no hardware)',
};
export type SmartCallType = 'sequential' | 'parallel' | 'parallel_delayed';
export const SMART_CALL_LABELS: Record<SmartCallType, string> = { sequential: 'Sequential', parallel: 'Parallel', parallel_delayed: 'Parallel Delayed' };
export type SystemTag = 'new' | 'setup_required' | 'password_required';
export const TAG_LABELS: Record<SystemTag, string> = { new: 'New', setup_required: 'Setup Required', password_required: 'Password Required' };
export const TAG_HELP: Record<SystemTag, string> = {
  new: 'Has an email, but no PIN or portal password',
  setup_required: 'Has no email address',
  password_required: 'Has no portal password',
};

export interface Diversion {
  enabled: boolean;
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
  scope: Scope;
  includeInDirectory: boolean;
  ringTime: number;
  pickupGroup: string | null;
  outboundNumber: string | null;
  hideCallerId: boolean;
  sipUsername: string;
  behindFirewall: boolean;
  enabled: boolean;
  voicemail: { enabled: boolean; pinSet: boolean; emailDelivery: boolean; email: string | null; deleteAfterEmail: boolean; keepOnServer: boolean };
  features: Features;
  security: Security;
  apps: { softphone: boolean; crmConnect: boolean };
  portalPasswordSet: boolean;
  tags: SystemTag[];
  directNumbers?: string[];
  createdAt: string;
  updatedAt: string;
}
export type UserWithSecret = User & { sipPassword: string };

export interface Office {
  id: string;
  accountId: string;
  name: string;
  country: string;
  timezone: string;
  areaCode: string | null;
  defaultOutboundNumber: string | null;
  onHoldMusic: string;
  /** Day/Night: the current mode (live at once) and where the main number goes in each mode. */
  dayNightMode: 'day' | 'night';
  dayDestination: string;
  nightDestination: string;
  userCount?: number;
}
export interface Account {
  id: string;
  code: string;
  name: string;
  sipRealm: string;
  country: string;
  extensionLength: 3 | 4 | null;
  /** Days a voicemail message is kept on the server (default 90). */
  voicemailRetentionDays?: number;
  /** Days a call recording is kept (default 90). */
  recordingRetentionDays?: number;
  callRetentionDays?: number;
}
export interface PhoneNumber {
  id: string;
  e164: string;
  label: string | null;
  userId: string | null;
  ringGroupId?: string | null;
  status: 'spare' | 'assigned';
}
export interface Device {
  id: string;
  mac: string;
  vendor?: string | null;
  model?: string | null;
  label?: string | null;
  userId?: string | null;
  [k: string]: unknown;
}
export interface UsageItem {
  kind: string;
  id: string;
  name: string;
  description?: string;
  /** with_resource: goes with the user; cascade: removed when the delete is confirmed; manual: change it first. */
  removal?: 'with_resource' | 'cascade' | 'manual';
}
/** Columns the users list sorts by (GET …/users?sort=&order=); ties go by extension. */
export type UserSort = 'name' | 'extension' | 'office' | 'scope' | 'status';
export type SortOrder = 'asc' | 'desc';
/** POST …/users/bulk: one action on the selected users; each gets a result. */
export type BulkAction = 'change_office' | 'enable' | 'disable' | 'send_credentials' | 'delete';
export interface BulkRequest {
  action: BulkAction;
  userIds: string[];
  officeId?: string;
  cascade?: boolean;
  dryRun?: boolean;
}
export interface BulkResult {
  userId: string;
  extension: string;
  displayName: string;
  /** done / unchanged; ok: a dry run found nothing against it; in_use: delete refused (usage says why); failed: see message. */
  status: 'done' | 'unchanged' | 'ok' | 'in_use' | 'failed';
  message?: string;
  usage?: UsageItem[];
  to?: string;
}
export interface BulkResponse {
  action: BulkAction;
  dryRun: boolean;
  results: BulkResult[];
}

/** One problem in an import file: `row` is the spreadsheet row (1 = the header; 0 = the file as a whole). */
export interface ImportRowError {
  row: number;
  column: string;
  reason: string;
}
/** `POST …/imports?dryRun=true` on a valid file. */
export interface ImportCheck {
  valid: true;
  total: number;
  creates: number;
  updates: number;
}
/** An import job (`POST …/imports?wait=true`, `GET …/imports/:id`). */
export interface ImportJob {
  id: string;
  status: 'queued' | 'validating' | 'loading' | 'done' | 'failed';
  update: boolean;
  total: number;
  processed: number;
  created: number;
  updated: number;
  errors: ImportRowError[];
  createdAt: string;
  finishedAt: string | null;
}
export interface ImportColumn {
  column: string;
  required: boolean;
  description: string;
  example: string;
}
export interface Page<T> {
  items: T[];
  total?: number;
  next?: string;
}
export interface Actor {
  kind: 'provider' | 'user' | 'system';
  scope?: Scope;
  userId?: string;
  accountCode?: string;
  officeIds?: string[];
  label: string;
}
export interface Me {
  actor: Actor;
  user?: User | null;
  account?: Account | null;
}

/** Sent with every request: the server refuses cookie-authenticated writes without it (CSRF guard). */
const CSRF_HEADER = { 'x-requested-with': 'switchboard' };

/** Listeners told when the session is gone (401 on a call other than login). */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** A request cancelled through its AbortSignal (a newer one superseded it): callers ignore it. */
export class AbortedError extends Error {
  constructor() {
    super('aborted');
  }
}

export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { ...CSRF_HEADER, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch {
    if (signal?.aborted) throw new AbortedError();
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  return readResponse<T>(res, path);
}

async function readResponse<T>(res: Response, path: string): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const d = (data && typeof data === 'object' ? data : {}) as { error?: string; message?: string; fields?: FieldError[] };
    if (res.status === 401 && !path.endsWith('/auth/login')) unauthorizedListeners.forEach((fn) => fn());
    const message = d.message || (res.status === 429 ? 'Too many attempts. Wait a minute and try again.' : `Request failed (${res.status})`);
    throw new ApiError(res.status, d.error ?? 'error', message, d.fields ?? [], data);
  }
  return data as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, undefined, signal);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

/**
 * Sends a file as a multipart/form-data upload (field `file`), as a browser form would. The browser sets
 * the content type with its boundary; the CSRF header goes along as on every other call.
 */
export async function upload<T>(path: string, file: Blob, filename: string, method: 'POST' | 'PUT' = 'POST', fields: Record<string, string> = {}): Promise<T> {
  const form = new FormData();
  // text fields first: the server reads them before the file
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', file, filename);
  let res: Response;
  try {
    res = await fetch(path, { method, headers: { ...CSRF_HEADER, accept: 'application/json' }, credentials: 'same-origin', body: form });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  return readResponse<T>(res, path);
}

// ---------- media library: hold music (src/modules/media/routes.ts; docs/media.md) ----------

export interface MediaFile {
  /** 'default' (the built-in track) or the track's UUID: what an office's onHoldMusic holds. */
  id: string;
  name: string;
  kind: 'hold_music';
  durationMs: number;
  sizeBytes: number;
  builtIn: boolean;
  createdAt: string | null;
  updatedAt: string | null;
}
export const mediaPath = (base: string) => `${base}/media`;
export const mediaAudioUrl = (base: string, m: Pick<MediaFile, 'id' | 'updatedAt'>) => `${mediaPath(base)}/${encodeURIComponent(m.id)}/audio${m.updatedAt ? `?v=${encodeURIComponent(m.updatedAt)}` : ''}`;
export const mediaApi = {
  list: (base: string) => get<{ items: MediaFile[] }>(mediaPath(base)),
  upload: (base: string, name: string, file: File) => upload<MediaFile>(mediaPath(base), file, file.name, 'POST', { name }),
  rename: (base: string, id: string, name: string) => patch<MediaFile>(`${mediaPath(base)}/${encodeURIComponent(id)}`, { name }),
  remove: (base: string, id: string) => del<void>(`${mediaPath(base)}/${encodeURIComponent(id)}`),
};

// ---------- call recordings (src/modules/recordings/routes.ts; docs/media.md) ----------

export interface RecordingParty {
  number: string;
  name: string | null;
  userId: string | null;
  officeId: string | null;
}
export interface Recording {
  id: string;
  direction: 'internal' | 'inbound' | 'outbound';
  caller: RecordingParty;
  callee: RecordingParty;
  startedAt: string;
  durationMs: number;
  sizeBytes: number;
  callId: string;
  createdAt: string;
}
export interface RecordingFilter {
  userId?: string;
  from?: string;
  to?: string;
  direction?: string;
  limit?: number;
  offset?: number;
}
export const recordingsPath = (base: string) => `${base}/recordings`;
export const recordingAudioUrl = (base: string, id: string, download = false) => `${recordingsPath(base)}/${encodeURIComponent(id)}/audio${download ? '?download=1' : ''}`;
export const recordingsApi = {
  list: (base: string, f: RecordingFilter) => get<{ items: Recording[]; total: number; limit: number; offset: number }>(`${recordingsPath(base)}${qs({ ...f })}`),
  remove: (base: string, id: string) => del<void>(`${recordingsPath(base)}/${encodeURIComponent(id)}`),
};

// ---------- voicemail (src/modules/voicemail/routes.ts; docs/voicemail.md) ----------

export type VoicemailFolder = 'new' | 'saved';
export type GreetingKind = 'unavailable' | 'busy' | 'name';
export const GREETING_KINDS: GreetingKind[] = ['unavailable', 'busy', 'name'];
export const GREETING_LABELS: Record<GreetingKind, string> = { unavailable: 'Unavailable', busy: 'Busy', name: 'Name' };
export const GREETING_HELP: Record<GreetingKind, string> = {
  unavailable: 'Played when a call is not answered',
  busy: 'Played when the line is busy',
  name: 'The spoken name, used in the standard greetings',
};

export interface VoicemailMessage {
  id: string;
  folder: VoicemailFolder;
  callerNumber: string | null;
  callerName: string | null;
  receivedAt: string;
  durationMs: number;
  sizeBytes: number;
}
export interface VoicemailMessageList {
  /** New first, then saved; oldest first within a folder. */
  items: VoicemailMessage[];
  newCount: number;
  savedCount: number;
}
export interface GreetingInfo {
  kind: GreetingKind;
  updatedAt: string;
}
export interface StoredGreeting extends GreetingInfo {
  durationMs: number;
  sizeBytes: number;
}

/** Paths of one user's mailbox; `base` is the account prefix (acct(code)). */
export const mailboxPath = (base: string, userId: string) => `${base}/users/${encodeURIComponent(userId)}/voicemail`;
/** A message's recording (audio/wav; the session cookie is enough, so it can be an <audio> src or a download link). */
export const messageAudioUrl = (base: string, userId: string, id: string) => `${mailboxPath(base, userId)}/messages/${encodeURIComponent(id)}/audio`;
export const greetingAudioUrl = (base: string, userId: string, kind: GreetingKind) => `${mailboxPath(base, userId)}/greetings/${kind}/audio`;

export const voicemailApi = {
  messages: (base: string, userId: string) => get<VoicemailMessageList>(`${mailboxPath(base, userId)}/messages`),
  /** 'saved' = heard. */
  setFolder: (base: string, userId: string, id: string, folder: VoicemailFolder) => patch<VoicemailMessage>(`${mailboxPath(base, userId)}/messages/${encodeURIComponent(id)}`, { folder }),
  deleteMessage: (base: string, userId: string, id: string) => del<void>(`${mailboxPath(base, userId)}/messages/${encodeURIComponent(id)}`),
  greetings: (base: string, userId: string) => get<{ items: GreetingInfo[] }>(`${mailboxPath(base, userId)}/greetings`),
  /** WAV or MP3, up to 5 MB and 5 minutes; a bad file is a 422 with fields [{field: 'file', reason}]. */
  putGreeting: (base: string, userId: string, kind: GreetingKind, file: File) => upload<StoredGreeting>(`${mailboxPath(base, userId)}/greetings/${kind}`, file, file.name, 'PUT'),
  deleteGreeting: (base: string, userId: string, kind: GreetingKind) => del<void>(`${mailboxPath(base, userId)}/greetings/${kind}`),
};

export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const out = s.toString();
  return out ? `?${out}` : '';
}

export const acct = (code: string) => `/api/v1/accounts/${encodeURIComponent(code)}`;

/**
 * What the server offers, read from its OpenAPI document. Parts of the portal that depend on endpoints
 * other branches add (export, usage, devices, config apply ...) show only when the endpoint exists.
 */
export interface Capabilities {
  exportCsv: boolean;
  usage: boolean;
  devices: boolean;
  assignNumbers: boolean;
  pendingConfig: boolean;
  importCsv: boolean;
  setPassword: boolean;
  sendCredentials: boolean;
  setPasswordLink: boolean;
  configVersions: boolean;
  /** POST …/users/bulk: the list's multi-select actions. */
  bulkUsers: boolean;
}
export async function loadCapabilities(): Promise<Capabilities> {
  let paths: Record<string, Record<string, unknown>> = {};
  try {
    const res = await fetch('/api/openapi.json', { credentials: 'same-origin' });
    if (res.ok) paths = ((await res.json()) as { paths?: typeof paths }).paths ?? {};
  } catch {
    /* no document: offer only the core */
  }
  const has = (p: string, m: string) => Boolean(paths[p]?.[m]);
  const a = '/api/v1/accounts/{account}';
  return {
    exportCsv: has(`${a}/users/export.csv`, 'get'),
    usage: has(`${a}/users/{userId}/usage`, 'get'),
    devices: has(`${a}/devices`, 'get'),
    assignNumbers: has(`${a}/numbers/{e164}/assign`, 'post'),
    pendingConfig: has(`${a}/config/pending`, 'get') && has(`${a}/config/apply`, 'post'),
    importCsv: has(`${a}/imports`, 'post') && has(`${a}/imports/template.csv`, 'get'),
    setPassword: has(`${a}/users/{userId}/password`, 'put'),
    sendCredentials: has(`${a}/users/{userId}/send-credentials`, 'post'),
    setPasswordLink: has(`${a}/users/{userId}/set-password-link`, 'post'),
    configVersions: has(`${a}/config/versions`, 'get') && has(`${a}/config/versions/{n}/diff`, 'get'),
    bulkUsers: has(`${a}/users/bulk`, 'post'),
  };
}

export type FallbackKind = 'none' | 'user' | 'voicemail' | 'busy';
export const FALLBACK_LABELS: Record<FallbackKind, string> = { none: 'Nothing (caller hears "unavailable")', user: "A user's phones", voicemail: "A user's voicemail", busy: 'Busy' };
export interface RingGroup {
  id: string;
  name: string;
  extension: string;
  strategy: 'simultaneous' | 'sequential';
  ringTime: number;
  members: Array<{ userId: string; extension: string; displayName: string }>;
  fallback: { kind: FallbackKind; userId: string | null; extension: string | null; displayName: string | null };
  numbers: string[];
}
export interface ExtensionChangePreview {
  from: string;
  to: string;
  allowed: boolean;
  changes: Array<{ kind: string; id: string; name: string; description: string; effect: 'rewrite' | 'follows' }>;
  blockers: FieldError[];
  devicesToResync: number;
}
