import type { Actor, Scope } from './api.ts';

/**
 * What the interface offers to whom. The server is the authority (src/shared/permissions.ts); this only
 * hides buttons a person could not use anyway. Keep the two in step.
 */
type Can =
  | 'addOffice'
  | 'manageOffice'
  | 'addUser'
  | 'manageUser'
  | 'deleteUser'
  | 'credentials'
  | 'numbers'
  | 'groups'
  | 'applyConfig'
  | 'importUsers'
  /** voicemail.read / voicemail.manage of one's own mailbox ('self' on the server). */
  | 'ownVoicemail'
  /** voicemail.read / voicemail.manage of other users' mailboxes (office reach for a Site Manager, account for an Office Manager). */
  | 'othersVoicemail'
  /** media.read: the account's hold music library (Site Manager: listen and pick; server: account reach). */
  | 'mediaLibrary'
  /** media.write: upload, rename, delete tracks. */
  | 'manageMedia'
  /** call.read: managers their offices' calls, users their own (issue 15). */
  | 'callHistory'
  /** recording.read / recording.delete: call recordings (Site Manager: calls of their offices; Office Manager: the account). */
  | 'recordings';
const VOICEMAIL_SELF: Scope[] = ['basic_user', 'call_center_agent', 'call_center_supervisor', 'site_manager', 'office_manager'];
const MANAGERS: Scope[] = ['site_manager', 'office_manager'];

export function can(actor: Actor, what: Can): boolean {
  if (actor.kind === 'provider' || actor.kind === 'system') return true;
  const s = actor.scope;
  if (!s) return false;
  switch (what) {
    // Import creates users in any office: `user.create` at account reach on the server.
    // Pickup and ring groups span offices (server: group write = 'user.update' at account reach).
    case 'addOffice':
    case 'numbers':
    case 'groups':
    case 'applyConfig':
    case 'importUsers':
    case 'manageMedia':
      return s === 'office_manager';
    case 'ownVoicemail':
    case 'callHistory':
      return VOICEMAIL_SELF.includes(s);
    case 'othersVoicemail':
    case 'mediaLibrary':
    case 'recordings':
    case 'manageOffice':
    case 'addUser':
    case 'manageUser':
    case 'deleteUser':
    case 'credentials':
      return MANAGERS.includes(s);
  }
}

/** Scopes that manage only themselves: they get the self-service view instead of Offices & Users. */
export function isSelfService(actor: Actor): boolean {
  return actor.kind === 'user' && !MANAGERS.includes(actor.scope ?? 'no_portal');
}

/** Scopes a person may hand out: not above their own. */
export function grantableScopes(actor: Actor, all: Scope[]): Scope[] {
  if (actor.kind !== 'user' || !actor.scope) return all;
  return all.slice(0, all.indexOf(actor.scope) + 1);
}
