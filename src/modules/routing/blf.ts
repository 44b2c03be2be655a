/**
 * Busy lamps (BLF): which extensions a call's dialog state is published for (docs/sip.md, "Busy lamps (BLF)
 * and presence"). Kamailio's pua_dialoginfo publishes the state of every call it routes for presentities
 * `sip:<extension>@<realm>` (the identity phones' BLF keys subscribe to); this says which extensions those
 * are, from the same configuration and request as the routing decision. Pure.
 */
import { cleanDialled, inboundCandidates } from './rules.ts';
import type { AccountRoutingConfig, Decision, RouteRequest } from './schema.ts';

/** The rtjson document's `blf` member: the realm, and the caller's / callee's extension when they have one. */
export interface PresenceEntities {
  realm: string;
  /** The calling user's extension (internal calls). */
  caller?: string;
  /** The called user's or ring group's extension (dialled internally, or the user of an inbound DDI). */
  callee?: string;
}

/**
 * Entities for a routed call, or null when nothing is published (a refusal; an emergency or external call
 * from a phone still publishes the caller). An external number, 777 or *8 is never a callee: only a user's or
 * ring group's extension lights a lamp.
 */
export function presenceEntities(cfg: AccountRoutingConfig, req: RouteRequest, d: Decision): PresenceEntities | null {
  if (d.action === 'reject' || d.action === 'pickup') return null;
  const out: PresenceEntities = { realm: cfg.realm };
  if (req.source === 'trunk') {
    const e164 = inboundCandidates(cleanDialled(req.to)).find((n) => cfg.numbers.has(n));
    const userId = e164 ? cfg.numbers.get(e164) : undefined;
    const callee = userId ? cfg.usersById.get(userId) : undefined;
    if (callee) out.callee = callee.extension;
  } else {
    const caller = cfg.usersBySip.get(req.from);
    if (caller) out.caller = caller.extension;
    const to = cleanDialled(req.to);
    const internal = d.action === 'route' && d.kind === 'internal';
    if (internal && (cfg.users.has(to) || cfg.ringGroups.has(to))) out.callee = to;
  }
  return out.caller || out.callee ? out : null;
}
