import { createContext, useContext } from 'react';
import type { Account, Actor, Capabilities, Me, Office, PhoneNumber } from './api.ts';

/** Who is signed in, which PBX account they are looking at, and what the server offers. */
export interface Session {
  me: Me;
  actor: Actor;
  account: Account;
  /** Path prefix of the account: /api/v1/accounts/<code> */
  base: string;
  caps: Capabilities;
  offices: Office[];
  numbers: PhoneNumber[];
  /** Re-reads offices and numbers (after Add Office, assigning numbers ...). */
  reloadOffices: () => Promise<void>;
  /** Bumped whenever users change, so lists reload. */
  usersVersion: number;
  usersChanged: () => void;
  /** Re-reads the pending configuration (the 'Apply Changes' banner). */
  refreshPending: () => void;
}

export const SessionCtx = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionCtx);
  if (!s) throw new Error('useSession outside the signed-in shell');
  return s;
}
