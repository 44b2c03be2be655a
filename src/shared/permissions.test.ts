import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS, PERMISSION_MATRIX, SCOPES, authorize, officeLimit, type Actor, type Scope } from './permissions.ts';
import { ForbiddenError, NotFoundError } from './errors.ts';

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
