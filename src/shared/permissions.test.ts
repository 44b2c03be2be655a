import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS, PERMISSION_MATRIX, SCOPES, assertMayManage, authorize, canLogIn, officeLimit, type Action, type Actor, type Reach, type Scope, type Target } from './permissions.ts';
import { AppError, ForbiddenError, NotFoundError } from './errors.ts';

/**
 * The access policy, written out independently of the matrix (A = whole account, O = offices they manage,
 * S = only themselves, '-' = never). Changing who may do what means changing both, deliberately.
 */
const POLICY: Record<Scope, string> = {
  //                account.read account.write office.read office.write user.read user.create user.update user.delete user.credentials number.read number.write user.password user.send_credentials user.offices apikey.read apikey.write audit.read device.read device.write provisioning.read provisioning.write voicemail.read voicemail.manage media.read media.write recording.read recording.delete call.read
  no_portal: '             -            -           -           -          -          -           -           -           -                -           -           -             -                    -            -           -           -  -  -  -  -  -  -  -  - -  -  -',
  simple_user: '           A            -           -           -          S          -           -           -           -                -           -           S             -                    -            -           -           -  -  -  -  -  -  -  -  - -  -  -',
  basic_user: '            A            -           A           -          S          -           S           -           S                -           -           S             -                    -            -           -           -  S  -  -  -  S  S  -  - -  -  S',
  call_center_agent: '     A            -           A           -          S          -           S           -           S                -           -           S             -                    -            -           -           -  S  -  -  -  S  S  -  - -  -  S',
  call_center_supervisor: 'A            -           A           -          O          -           S           -           S                -           -           S             -                    -            -           -           -  S  -  -  -  S  S  -  - -  -  O',
  site_manager: '          A            -           O           O          O          O           O           O           O                A           -           O             O                    -            S           S           -  O  O  -  -  O  O  A  - O  O  O',
  office_manager: '        A            A           A           A          A          A           A           A           A                A           A           A             A                    A            A           A           A  A  A  A  A  A  A  A  A A  A  A',
};
const COLUMNS: Action[] = [
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
  'user.password',
  'user.send_credentials',
  'user.offices',
  'apikey.read',
  'apikey.write',
  'audit.read',
  'device.read',
  'device.write',
  'provisioning.read',
  'provisioning.write',
  'voicemail.read',
  'voicemail.manage',
  'media.read',
  'media.write',
  'recording.read',
  'recording.delete',
  'call.read',
];
const REACH: Record<string, Reach | undefined> = { A: 'account', O: 'office', S: 'self', '-': undefined };

function policyReach(scope: Scope, action: Action): Reach | undefined {
  const cells = POLICY[scope].trim().split(/\s+/);
  return REACH[cells[COLUMNS.indexOf(action)]!];
}

const ACCOUNT = 'acct-1';
const OTHER_ACCOUNT = 'acct-2';
const OWN_OFFICE = 'office-a';
const MANAGED_OFFICE = 'office-b';
const OUTSIDE_OFFICE = 'office-c';
const ME = 'user-me';

/** The targets every cell is tried against. */
const TARGETS: Array<{ name: string; target: Target; otherTenant?: boolean }> = [
  { name: 'self', target: { accountId: ACCOUNT, officeId: OWN_OFFICE, userId: ME } },
  { name: 'colleague in own office', target: { accountId: ACCOUNT, officeId: OWN_OFFICE, userId: 'user-2' } },
  { name: 'user in office B (a Site Manager manages it)', target: { accountId: ACCOUNT, officeId: MANAGED_OFFICE, userId: 'user-3' } },
  { name: 'user in another office', target: { accountId: ACCOUNT, officeId: OUTSIDE_OFFICE, userId: 'user-4' } },
  { name: 'account-level resource', target: { accountId: ACCOUNT } },
  { name: 'another tenant', target: { accountId: OTHER_ACCOUNT, officeId: OWN_OFFICE, userId: ME }, otherTenant: true },
];

/** What each reach means, stated once: account = all of it; office = their offices' users, and themselves; self = themselves. */
function expectedOutcome(actor: Extract<Actor, { kind: 'user' }>, action: Action, reach: Reach | undefined, t: (typeof TARGETS)[number]): 'allow' | 403 | 404 {
  if (t.otherTenant) return 404;
  if (!reach) return 403;
  const isSelf = t.target.userId === actor.id;
  if (reach === 'account') return 'allow';
  if (reach === 'self') return isSelf ? 'allow' : 403;
  const inMyOffices = !!t.target.officeId && actor.officeIds.includes(t.target.officeId);
  return inMyOffices || (isSelf && action !== 'user.delete') ? 'allow' : 403;
}

function outcome(fn: () => void): 'allow' | 403 | 404 {
  try {
    fn();
    return 'allow';
  } catch (err) {
    assert.ok(err instanceof AppError, `unexpected error ${String(err)}`);
    assert.ok(err.status === 403 || err.status === 404, `unexpected status ${err.status}`);
    return err.status as 403 | 404;
  }
}

function actorFor(scope: Scope): Extract<Actor, { kind: 'user' }> {
  const officeIds = scope === 'site_manager' ? [OWN_OFFICE, MANAGED_OFFICE] : [OWN_OFFICE];
  return { kind: 'user', id: ME, accountId: ACCOUNT, scope, officeIds, label: `a ${scope}` };
}

test('the matrix is exactly the written policy, and covers every action', () => {
  assert.deepEqual([...COLUMNS].sort(), [...ACTIONS].sort(), 'the policy table names every action once');
  for (const scope of SCOPES) {
    for (const action of ACTIONS) assert.equal(PERMISSION_MATRIX[scope][action], policyReach(scope, action), `${scope} × ${action}`);
  }
});

test('authorize(): every (scope × action × target) cell', () => {
  let cells = 0;
  for (const scope of SCOPES) {
    const actor = actorFor(scope);
    for (const action of ACTIONS) {
      const reach = policyReach(scope, action);
      for (const t of TARGETS) {
        const expected = expectedOutcome(actor, action, reach, t);
        assert.equal(outcome(() => authorize(actor, action, t.target)), expected, `${scope} × ${action} × ${t.name}`);
        cells++;
      }
    }
  }
  assert.equal(cells, SCOPES.length * ACTIONS.length * TARGETS.length);
});

test('provider and system actors may do everything, in every account', () => {
  const actors: Actor[] = [
    { kind: 'provider', id: 'p', label: 'provider' },
    { kind: 'system', id: 'system', label: 'system' },
  ];
  for (const actor of actors) for (const action of ACTIONS) for (const t of TARGETS) assert.equal(outcome(() => authorize(actor, action, t.target)), 'allow', `${actor.kind} × ${action} × ${t.name}`);
});

test('officeLimit(): office reach limits lists to the managed offices, other reaches do not', () => {
  for (const scope of SCOPES) {
    for (const action of ACTIONS) {
      const limit = officeLimit(actorFor(scope), action);
      if (policyReach(scope, action) === 'office') assert.deepEqual(limit, actorFor(scope).officeIds, `${scope} × ${action}`);
      else assert.equal(limit, undefined, `${scope} × ${action}`);
    }
  }
  assert.equal(officeLimit({ kind: 'provider', id: 'p', label: 'p' }, 'user.read'), undefined);
});

test('No Portal cannot log in; every other scope can', () => {
  assert.deepEqual(
    SCOPES.filter((s) => !canLogIn(s)),
    ['no_portal'],
  );
});

test('nobody manages someone of a higher scope, except themselves', () => {
  for (const a of SCOPES) {
    for (const b of SCOPES) {
      const higher = SCOPES.indexOf(b) > SCOPES.indexOf(a);
      assert.equal(outcome(() => assertMayManage(actorFor(a), { id: 'someone-else', scope: b })), higher ? 403 : 'allow', `${a} managing ${b}`);
      assert.equal(outcome(() => assertMayManage(actorFor(a), { id: ME, scope: b })), 'allow', `${a} managing themselves`);
    }
  }
});

// ---- the foundation's own checks of the same matrix (kept from issue 2) ----

const person = (scope: Scope): Actor => ({ kind: 'user', id: 'me', accountId: 'acc', scope, officeIds: ['o1'], label: 'me' });

test('every cell of the matrix: account, office and self reach are enforced', () => {
  for (const scope of SCOPES) {
    for (const action of ACTIONS) {
      const reach = PERMISSION_MATRIX[scope][action];
      const actor = person(scope);
      const sameOfficeOther = { accountId: 'acc', officeId: 'o1', userId: 'other' };
      const otherOffice = { accountId: 'acc', officeId: 'o2', userId: 'other' };
      const self = { accountId: 'acc', officeId: 'o1', userId: 'me' };
      const run = (t: object) => {
        try {
          authorize(actor, action, t as never);
          return 'ok';
        } catch (e) {
          return e instanceof ForbiddenError ? 403 : e instanceof NotFoundError ? 404 : 'other';
        }
      };
      const where = `${scope} ${action}`;
      // Another tenant is always 'not found', whatever the scope.
      assert.equal(run({ accountId: 'other-acc', officeId: 'o1', userId: 'me' }), 404, where);
      if (!reach) {
        assert.equal(run(self), 403, where);
        assert.equal(run(sameOfficeOther), 403, where);
      } else if (reach === 'account') {
        assert.equal(run(otherOffice), 'ok', where);
      } else if (reach === 'office') {
        assert.equal(run(sameOfficeOther), 'ok', where);
        assert.equal(run(otherOffice), 403, where);
      } else {
        assert.equal(run(self), 'ok', where);
        assert.equal(run(sameOfficeOther), 403, where);
      }
    }
  }
});

test('the provider and the system pass everywhere; No Portal can do nothing', () => {
  for (const action of ACTIONS) {
    authorize({ kind: 'provider', id: 'p', label: 'p' }, action, { accountId: 'any' });
    assert.throws(() => authorize(person('no_portal'), action, { accountId: 'acc', userId: 'me' }), ForbiddenError);
  }
});

test('officeLimit narrows lists only for office reach', () => {
  assert.deepEqual(officeLimit(person('site_manager'), 'user.read'), ['o1']);
  assert.equal(officeLimit(person('office_manager'), 'user.read'), undefined);
  assert.equal(officeLimit({ kind: 'provider', id: 'p', label: 'p' }, 'user.read'), undefined);
});

test('refusals are written for people: "A Basic User cannot create users"', () => {
  const actor = (scope: Scope): Actor => ({ kind: 'user', id: 'u1', accountId: 'a1', scope, officeIds: ['o1'], label: 'x' }) as Actor;
  const refusal = (scope: Scope, action: Action, target: Target): string => {
    try {
      authorize(actor(scope), action, target);
    } catch (e) {
      assert.ok(e instanceof ForbiddenError);
      return (e as Error).message;
    }
    return 'allowed';
  };
  assert.equal(refusal('basic_user', 'user.create', { accountId: 'a1' }), 'A Basic User cannot create users');
  assert.equal(refusal('office_manager', 'user.create', { accountId: 'a1' }), 'allowed');
  assert.equal(refusal('basic_user', 'user.update', { accountId: 'a1', userId: 'u2' }), 'A Basic User cannot change users other than their own');
  assert.equal(refusal('site_manager', 'user.update', { accountId: 'a1', officeId: 'o2', userId: 'u2' }), 'A Site Manager can only change users in the offices they manage');
  for (const scope of SCOPES) for (const action of ACTIONS) {
    const m = refusal(scope, action, { accountId: 'a1', officeId: 'o9', userId: 'u9' });
    assert.doesNotMatch(m, /\b[a-z_]+\.[a-z_]+\b/, `${scope} ${action}: no internal action names in "${m}"`);
  }
});
