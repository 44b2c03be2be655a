import type { Deps } from '../shared/deps.ts';
import { SYSTEM_ACTOR } from '../shared/permissions.ts';
import { createAccount } from '../modules/accounts/service.ts';
import { addNumber } from '../modules/numbers/service.ts';
import { createOffice } from '../modules/offices/service.ts';
import { createUser } from '../modules/users/service.ts';
import { applyChanges } from '../modules/config/service.ts';
import type { UserCreate } from '../modules/users/schema.ts';

/** A demo tenant for a newcomer: two offices, a dozen users, a few numbers, applied. Created only into an empty store. */
export async function seedDemo(deps: Deps): Promise<boolean> {
  const any = await deps.database.db.selectFrom('accounts').select('id').limit(1).executeTakeFirst();
  if (any) return false;
  const actor = SYSTEM_ACTOR;
  const account = await createAccount(deps, actor, { code: 'demo', name: 'Demo Pty Ltd', sipRealm: 'demo.pbx.example', country: 'AU' });
  for (const n of ['02 9123 4500', '02 9123 4501', '02 9123 4502', '03 9001 1000', '03 9001 1001']) await addNumber(deps, actor, account.code, { number: n });
  const sydney = await createOffice(deps, actor, account.code, { name: 'Sydney HQ', timezone: 'Australia/Sydney', areaCode: '02', defaultOutboundNumber: '+61291234500', onHoldMusic: 'default' });
  const melbourne = await createOffice(deps, actor, account.code, { name: 'Melbourne', timezone: 'Australia/Melbourne', areaCode: '03', defaultOutboundNumber: '+61390011000', onHoldMusic: 'default' });
  const people: Array<[string, string, string, Partial<UserCreate>]> = [
    ['Olivia', 'Nguyen', 'sydney', { scope: 'office_manager', department: 'Operations', voicemail: { pin: '4821', emailDelivery: true } }],
    ['Jack', 'Smith', 'sydney', { department: 'Sales', features: { smartCalling: { enabled: true, number: '0412 345 678', type: 'sequential' } } }],
    ['Charlotte', 'Brown', 'sydney', { department: 'Sales', pickupGroup: 'sales' }],
    ['William', 'Wilson', 'sydney', { department: 'Sales', pickupGroup: 'sales', outboundNumber: '+61291234501' }],
    ['Amelia', 'Taylor', 'sydney', { department: 'Support', scope: 'call_center_supervisor' }],
    ['Noah', 'Anderson', 'sydney', { department: 'Support', scope: 'call_center_agent' }],
    ['Reception', '', 'sydney', { userType: 'call_routing', scope: 'no_portal', email: null, voicemail: { enabled: false } }],
    ['Mia', 'Thomas', 'melbourne', { scope: 'site_manager', department: 'Operations' }],
    ['Lucas', 'White', 'melbourne', { department: 'Engineering', features: { divertNoAnswer: { enabled: true, destination: '101' } } }],
    ['Isla', 'Martin', 'melbourne', { department: 'Engineering', apps: { softphone: true } }],
    ['Leo', 'Harris', 'melbourne', { department: 'Finance', userType: 'teams' }],
    ['Fax', 'Machine', 'melbourne', { scope: 'simple_user', department: 'Finance', voicemail: { enabled: false } }],
  ];
  for (const [first, last, office, extra] of people) {
    const email = `${first}.${last || 'desk'}@demo.example`.toLowerCase();
    await createUser(deps, actor, account.code, { firstName: first, lastName: last, email, officeId: office === 'sydney' ? sydney.id : melbourne.id, ...extra });
  }
  // A newcomer's PBX starts as configured and live, not with a banner of changes nobody made.
  await applyChanges(deps, actor, account.code);
  return true;
}
