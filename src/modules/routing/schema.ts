/**
 * Routing: the shapes Kamailio's per-INVITE question and Switchboard's answer take.
 * AccountRoutingConfig is the account's configuration reduced to what routing needs; today it is read
 * from the live tables (repository.ts), later from the applied-configuration snapshot ('Apply Changes').
 */
import type { Features, Security } from '../users/schema.ts';

export interface RoutingUser {
  id: string;
  extension: string;
  displayName: string;
  sipUsername: string;
  enabled: boolean;
  officeId: string;
  ringTime: number;
  pickupGroup: string | null;
  outboundNumber: string | null;
  hideCallerId: boolean;
  vmEnabled: boolean;
  features: Features;
  security: Security;
}

export interface RoutingOffice {
  id: string;
  country: string;
  areaCode: string | null;
  defaultOutboundNumber: string | null;
  /** On Hold Music: 'default' or a media library track id (what a party this office's user holds hears). */
  holdMusic?: string;
  /** Day/Night (optional so older documents and plain test offices read as day, both destinations 'none'). */
  dayNightMode?: 'day' | 'night';
  /** Main-number destinations: an extension, 'voicemail:<ext>', 'busy' or 'none' (offices/rules.ts parseDestination). */
  dayDestination?: string;
  nightDestination?: string;
}

/** A ring (hunt) group as routing sees it: members are user ids in ringing order (position). */
export interface RoutingRingGroup {
  id: string;
  name: string;
  extension: string;
  strategy: 'simultaneous' | 'sequential';
  /** Seconds: the whole group when simultaneous, each member when sequential. */
  ringTime: number;
  memberIds: string[];
  /**
   * Where the call goes when nobody answered (migration 0210; absent = none): the user's devices, the user's
   * mailbox, or busy (486). `userId` for 'user' / 'voicemail'.
   */
  fallback?: { kind: 'none' | 'user' | 'voicemail' | 'busy'; userId: string | null };
}

export interface AccountRoutingConfig {
  accountId: string;
  code: string;
  realm: string;
  country: string;
  offices: ReadonlyMap<string, RoutingOffice>;
  /** By extension. */
  users: ReadonlyMap<string, RoutingUser>;
  usersById: ReadonlyMap<string, RoutingUser>;
  /** By SIP username (how an authenticated phone identifies itself in From). */
  usersBySip: ReadonlyMap<string, RoutingUser>;
  /** The account's direct numbers (E.164) → the user they ring, or null when spare. */
  numbers: ReadonlyMap<string, string | null>;
  /** Ring groups by extension (they share the users' extension space). */
  ringGroups: ReadonlyMap<string, RoutingRingGroup>;
  /** Concurrent external calls of the whole account (null/absent = no limit; issue 15). */
  maxExternalCalls?: number | null;
  ringGroupsById: ReadonlyMap<string, RoutingRingGroup>;
  /** Direct numbers (E.164) assigned to a ring group → the group's id (their `numbers` entry is null). */
  numberGroups: ReadonlyMap<string, string>;
  /**
   * The account's main number (emergency caller ID of an office without one): the default outbound number of
   * the account's first office that has one (offices in creation order), else the account's lowest number.
   */
  mainNumber: string | null;
}

/** Where the platform's other SIP parts live (host[:port]); deployment settings, not account settings. */
export interface Platform {
  /** PSTN gateway / carrier trunk for external numbers. */
  trunk: string;
  /** Voicemail / feature server (deposit, 777 access, call pickup). */
  voicemail: string;
}

export type CallSource = 'internal' | 'trunk';

export interface RouteRequest {
  /** internal = an authenticated phone of the account; trunk = the carrier delivering a DDI call. */
  source: CallSource;
  /** internal: the caller's SIP username; trunk: the calling number as presented. */
  from: string;
  /** The dialled user part (extension, 777, *8, a national or international number, or a DDI). */
  to: string;
}

export type TargetKind = 'user' | 'external' | 'voicemail' | 'feature';

export interface Target {
  kind: TargetKind;
  /** SIP URI: a user's AoR (Kamailio's usrloc fans it out to every registered device) or a gateway URI. */
  uri: string;
  /** Extension, number or mailbox, for people reading logs. */
  label: string;
  /**
   * Headers for this target only, over the decision's and the step's; null removes one. An external leg of a
   * ring plan (diversion to a number, smart-call mobile) presents the diverting user's outbound caller ID
   * instead of the internal identity asserted to the user's own devices.
   */
  headers?: Record<string, string | null>;
}

/**
 * One ringing step: the targets ring together for `timeout` seconds. The first target leads; further `user`
 * targets (the other members of a simultaneous ring group) and at most one `external` target (the smart-call
 * mobile) ring in parallel with it.
 */
export interface RingStep {
  targets: Target[];
  /** Seconds the step rings before it counts as not answered; 0 = the SIP server's default. */
  timeout: number;
  why: string;
  /** Headers for this step only (Diversion, voicemail mailbox ...). */
  headers?: Record<string, string>;
}

export interface CallerId {
  number: string | null;
  display: string | null;
  withheld: boolean;
}

export type CallKind = 'internal' | 'inbound' | 'local' | 'national' | 'mobile' | 'international' | 'emergency';

/**
 * A write the routing endpoint performs for a decision (rules.ts stays pure; routes.ts does it, then answers).
 * dayNight: *28 — set the caller's office to `mode` (the opposite of the mode the configuration shows).
 */
export type RouteEffect = { kind: 'dayNight'; officeId: string; userId: string; mode: 'day' | 'night' };

/**
 * Call pickup (docs/sip.md "Call pickup"): a ringing call Kamailio remembers while it rings, under the account,
 * the called user's pickup group (null: none) and extension, and the calling user's extension (null: an outside
 * caller) so nobody picks up their own call.
 */
export interface Pickable {
  account: string;
  group: string | null;
  extension: string;
  caller: string | null;
}

/**
 * What a pickup code asks Kamailio to take over: the oldest call ringing in `group` (*8), or the call ringing
 * at `extension` (**<ext>), of `account` only; `picker` is the picking user's extension (never their own call).
 */
export type PickupRequest = { account: string; picker: string } & ({ group: string; extension: null } | { group: null; extension: string });

export type Decision =
  | {
      action: 'route';
      kind: CallKind;
      /** Tried in order: a step that is not answered (or whose targets are offline) moves to the next. */
      steps: RingStep[];
      /** Taken instead of the remaining steps when a step answers busy (486/600). */
      onBusy: RingStep | null;
      callerId: CallerId | null;
      /** Extra SIP headers for every branch (caller ID, diversion, pickup group). */
      headers: Record<string, string>;
      /**
       * The call rings a ring group (dialled, or a diversion to one): when every step has failed the caller gets
       * this final answer (480 no answer) instead of whatever the last branch said, and a member declining
       * (6xx) does not end the call for the others.
       */
      ringGroup?: { extension: string; noAnswer: { code: number; reason: string } };
      /**
       * Callback on busy: the callee's presentity (sip:<ext>@<realm>); while it is in a call (Kamailio dialog
       * state) the busy branch — the callback offer — is taken without ringing.
       */
      campOn?: string;
      /** Done by the endpoint before it answers (never memoised). */
      effect?: RouteEffect;
      /** The call may be picked up while it rings (a call to a user whose own devices ring first): see Pickable. */
      pickable?: Pickable;
    }
  | { action: 'pickup'; pickup: PickupRequest }
  | { action: 'voicemail'; mode: 'deposit' | 'access'; mailbox: string; steps: RingStep[]; headers: Record<string, string> }
  | { action: 'reject'; code: number; reason: string };

export const routeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'to'],
  properties: {
    source: { type: 'string', enum: ['internal', 'trunk'] },
    realm: { type: 'string', maxLength: 253, description: "The caller's SIP domain (internal calls)" },
    from: { type: 'string', maxLength: 128, default: '' },
    to: { type: 'string', minLength: 1, maxLength: 64 },
    callid: { type: 'string', maxLength: 255, description: "The INVITE's Call-ID: the call is written to the call history" },
  },
} as const;
