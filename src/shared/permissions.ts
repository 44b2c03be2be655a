import { ForbiddenError, NotFoundError } from './errors.ts';

/** User scopes, as NetSapiens-style hosted PBXes name them (seed 004). */
export const SCOPES = [
  'no_portal',
  'simple_user',
  'basic_user',
  'call_center_agent',
  'call_center_supervisor',
  'site_manager',
  'office_manager',
] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_LABELS: Record<Scope, string> = {
  no_portal: 'No Portal',
  simple_user: 'Simple User',
  basic_user: 'Basic User',
  call_center_agent: 'Call Center Agent',
  call_center_supervisor: 'Call Center Supervisor',
  site_manager: 'Site Manager',
  office_manager: 'Office Manager',
};

export type Actor =
  | { kind: 'provider'; id: string; label: string }
  | { kind: 'user'; id: string; accountId: string; scope: Scope; officeIds: string[]; label: string }
  | { kind: 'system'; id: string; label: string };

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'system', label: 'system' };

export const ACTIONS = [
  'account.read',
  'account.write',
  'office.read',
  'office.write',
  'user.read',
  'user.create',
  'user.update',
  'user.delete',
  'user.credentials',
  'number.read',
  'number.write',
  // auth / audit (issue 3)
  'user.password',
  'user.send_credentials',
  'user.offices',
  'apikey.read',
  'apikey.write',
  'audit.read',
  // devices / provisioning (issue 6)
  'device.read',
  'device.write',
  'provisioning.read',
  'provisioning.write',
  // voicemail: the mailbox of a user (messages, greetings)
  'voicemail.read',
  'voicemail.manage',
  // media library (hold music) of the account
  'media.read',
  'media.write',
  // call history (issue 15)
  'call.read',
  // call recordings of the account's users
  'recording.read',
  'recording.delete',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Each action as people say it, for refusals ("A Basic User cannot create users"). */
export const ACTION_PHRASES: Record<Action, string> = {
  'account.read': 'view the account',
  'account.write': 'change the account',
  'office.read': 'view offices',
  'office.write': 'change offices',
  'user.read': 'view users',
  'user.create': 'create users',
  'user.update': 'change users',
  'user.delete': 'delete users',
  'user.credentials': "manage users' SIP credentials",
  'number.read': 'view phone numbers',
  'number.write': 'change phone numbers',
  'user.password': "set users' portal passwords",
  'user.send_credentials': 'send users their credentials',
  'user.offices': 'change which offices a user manages',
  'apikey.read': 'view API keys',
  'apikey.write': 'manage API keys',
  'audit.read': 'view the audit log',
  'device.read': 'view handsets',
  'device.write': 'change handsets',
  'provisioning.read': 'view provisioning settings',
  'provisioning.write': 'change provisioning settings',
  'voicemail.read': 'listen to voicemail',
  'voicemail.manage': 'manage voicemail (messages and greetings)',
  'media.read': 'view the media library',
  'media.write': 'manage the media library',
  'call.read': 'view call history',
  'recording.read': 'listen to call recordings',
  'recording.delete': 'delete call recordings',
};

/** "A Basic User", "An Office Manager". */
export function withArticle(label: string): string {
  return `${/^[AEIOU]/.test(label) ? 'An' : 'A'} ${label}`;
}

/**
 * How far a scope reaches for an action: the whole account, only the offices the person manages,
 * or only their own user record. Absent = not allowed. This table is the single source of truth.
 */
export type Reach = 'account' | 'office' | 'self';
export const PERMISSION_MATRIX: Record<Scope, Partial<Record<Action, Reach>>> = {
  // No Portal: a general extension; cannot log in at all (see canLogIn).
  no_portal: {},
  // Simple User (fax only): sees their account's name, their own record, and sets their own password; nothing else.
  simple_user: { 'account.read': 'account', 'user.read': 'self', 'user.password': 'self' },
  // Basic User: own settings (voicemail PIN, diversions, smart calling) and own password.
  basic_user: {
    'account.read': 'account',
    'office.read': 'account',
    'user.read': 'self',
    'user.update': 'self',
    'user.credentials': 'self',
    'user.password': 'self',
    'device.read': 'self',
    'voicemail.read': 'self',
    'voicemail.manage': 'self',
    'call.read': 'self',
  },
  call_center_agent: {
    'account.read': 'account',
    'office.read': 'account',
    'user.read': 'self',
    'user.update': 'self',
    'user.credentials': 'self',
    'user.password': 'self',
    'device.read': 'self',
    'voicemail.read': 'self',
    'voicemail.manage': 'self',
    'call.read': 'self',
  },
  call_center_supervisor: {
    'account.read': 'account',
    'office.read': 'account',
    'user.read': 'office',
    'user.update': 'self',
    'user.credentials': 'self',
    'user.password': 'self',
    'device.read': 'self',
    'voicemail.read': 'self',
    'voicemail.manage': 'self',
    'call.read': 'office',
  },
  // Site Manager: the users of the office(s) they manage (user_offices; default: their own office).
  site_manager: {
    'account.read': 'account',
    'office.read': 'office',
    'office.write': 'office',
    'user.read': 'office',
    'user.create': 'office',
    'user.update': 'office',
    'user.delete': 'office',
    'user.credentials': 'office',
    'user.password': 'office',
    'user.send_credentials': 'office',
    'number.read': 'account',
    'apikey.read': 'self',
    'apikey.write': 'self',
    'device.read': 'office',
    'device.write': 'office',
    'voicemail.read': 'office',
    'voicemail.manage': 'office',
    // hears and picks the account's hold music for their offices; the library itself is the Office Manager's
    'media.read': 'account',
    'call.read': 'office',
    // recorded calls with a party in the offices they manage
    'recording.read': 'office',
    'recording.delete': 'office',
  },
  // Office Manager: the customer administrator, the whole account.
  office_manager: {
    'account.read': 'account',
    'account.write': 'account',
    'office.read': 'account',
    'office.write': 'account',
    'user.read': 'account',
    'user.create': 'account',
    'user.update': 'account',
    'user.delete': 'account',
    'user.credentials': 'account',
    'user.password': 'account',
    'user.send_credentials': 'account',
    'user.offices': 'account',
    'number.read': 'account',
    'number.write': 'account',
    'apikey.read': 'account',
    'apikey.write': 'account',
    'audit.read': 'account',
    'device.read': 'account',
    'device.write': 'account',
    'provisioning.read': 'account',
    'provisioning.write': 'account',
    'voicemail.read': 'account',
    'voicemail.manage': 'account',
    'media.read': 'account',
    'media.write': 'account',
    'call.read': 'account',
    'recording.read': 'account',
    'recording.delete': 'account',
  },
};

/** Whether a person of this scope may log in to the portal or API at all. */
export function canLogIn(scope: Scope): boolean {
  return scope !== 'no_portal';
}

/** Scopes are ordered lowest → highest; a grant (user scope, API key scope) may never exceed the granter's. */
export function scopeRank(scope: Scope): number {
  return SCOPES.indexOf(scope);
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

export interface Target {
  accountId: string;
  /** The office the resource belongs to (or will belong to), when it has one. */
  officeId?: string | null;
  /** The user the resource is, when it is a user. */
  userId?: string;
}

/**
 * Decides whether the actor may do the action on the target. Another tenant's resource is reported as
 * not found (its existence is not revealed); a lower role in the same tenant gets 403.
 */
export function authorize(actor: Actor, action: Action, target: Target, resource = 'resource'): void {
  if (actor.kind === 'provider' || actor.kind === 'system') return;
  if (actor.accountId !== target.accountId) throw new NotFoundError(resource);
  const reach = PERMISSION_MATRIX[actor.scope][action];
  const who = withArticle(SCOPE_LABELS[actor.scope]);
  if (!reach) throw new ForbiddenError(`${who} cannot ${ACTION_PHRASES[action]}`);
  if (reach === 'account') return;
  if (reach === 'self') {
    if (target.userId !== undefined && target.userId === actor.id) return;
    throw new ForbiddenError(`${who} cannot ${ACTION_PHRASES[action]} other than their own`);
  }
  // office reach
  if (target.userId !== undefined && target.userId === actor.id && action !== 'user.delete') return;
  if (target.officeId && actor.officeIds.includes(target.officeId)) return;
  throw new ForbiddenError(`${who} can only ${ACTION_PHRASES[action]} in the offices they manage`);
}

/** For list queries: which offices the actor is limited to (undefined = no limit). */
export function officeLimit(actor: Actor, action: Action): string[] | undefined {
  if (actor.kind !== 'user') return undefined;
  return PERMISSION_MATRIX[actor.scope][action] === 'office' ? actor.officeIds : undefined;
}

export function actorLabel(actor: Actor): string {
  return actor.kind === 'user' ? `${actor.label} (${SCOPE_LABELS[actor.scope]})` : actor.label;
}

/**
 * A portal user may not manage someone whose scope is above their own (a Site Manager must not be able to
 * change an Office Manager's email, password or SIP password in their office and so take the account over).
 */
export function assertMayManage(actor: Actor, target: { id: string; scope: string }): void {
  if (actor.kind !== 'user' || actor.id === target.id) return;
  if (isScope(target.scope) && scopeRank(target.scope) > scopeRank(actor.scope)) {
    throw new ForbiddenError(`${withArticle(SCOPE_LABELS[actor.scope])} cannot manage a user with a higher scope (${SCOPE_LABELS[target.scope]})`);
  }
}
