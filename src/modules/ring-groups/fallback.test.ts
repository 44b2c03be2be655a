import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { storeKinds } from '../../../test/support/stores.ts';
import { actorHeaders, makeTenant, testActorAuthenticator, type Tenant } from '../../../test/support/bulk-fixtures.ts';

/** Ring group fallback, numbers that ring a group, and extension changes that carry every reference along. */
for (const { kind, skip } of await storeKinds()) {
  describe(`ring group fallback, group numbers, extension changes (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    let manager: Record<string, string>;
    let basic: Record<string, string>;
    let site: Record<string, string>;
    let stranger: Record<string, string>;
    const base = '/api/v1/accounts/rgf1';
    before(async () => {
      s = await startTestServer(kind, { authenticators: [testActorAuthenticator] });
      t = await makeTenant(s.deps, 'rgf1', 5);
      other = await makeTenant(s.deps, 'rgf2', 1);
      manager = actorHeaders({ id: t.users[0]!.id, accountId: t.accountId, scope: 'office_manager', officeIds: [] });
      basic = actorHeaders({ id: t.users[1]!.id, accountId: t.accountId, scope: 'basic_user', officeIds: [] });
      site = actorHeaders({ id: t.users[2]!.id, accountId: t.accountId, scope: 'site_manager', officeIds: [t.officeA] });
      stranger = actorHeaders({ id: other.users[0]!.id, accountId: other.accountId, scope: 'office_manager', officeIds: [] });
    });
    after(() => s.close());

    it('fallback: set, shown with the user, validated (422 naming fallback.userId), refused to lower roles and other tenants', async () => {
      const [u0, u1, u2] = t.users;
      const rg = await s.api('POST', `${base}/ring-groups`, { name: 'Sales', extension: '700', strategy: 'sequential', ringTime: 10, members: [u0!.id, u1!.id], fallback: { kind: 'voicemail', userId: u2!.id } }, manager);
      assert.equal(rg.status, 201, rg.text);
      assert.deepEqual(rg.body.fallback, { kind: 'voicemail', userId: u2!.id, extension: u2!.extension, displayName: 'First2 Last2' });
      assert.deepEqual(rg.body.numbers, []);
      const plain = await s.api('POST', `${base}/ring-groups`, { name: 'Plain', extension: '701' }, manager);
      assert.deepEqual(plain.body.fallback, { kind: 'none', userId: null, extension: null, displayName: null });
      // 422: a well-formed fallback naming a target that does not fit; 400: not the shape the schema allows
      const cases: Array<[unknown, number, string, RegExp]> = [
        [{ kind: 'user', userId: other.users[0]!.id }, 422, 'fallback.userId', /no such user in this account/],
        [{ kind: 'user', userId: 'nope' }, 422, 'fallback.userId', /no such user/],
        [{ kind: 'voicemail' }, 422, 'fallback.userId', /required/],
        [{ kind: 'busy', userId: u0!.id }, 422, 'fallback.userId', /must be empty/],
        [{ kind: 'elsewhere' }, 400, 'fallback.kind', /allowed values/],
        [{ userId: u0!.id }, 400, 'fallback.kind', /required/],
      ];
      for (const [fallback, status, field, reason] of cases) {
        const r = await s.api('PATCH', `${base}/ring-groups/${plain.body.id}`, { fallback }, manager);
        assert.equal(r.status, status, `${JSON.stringify(fallback)}: ${r.text}`);
        assert.ok(r.body.fields.some((f: { field: string; reason: string }) => f.field.startsWith(field) && reason.test(f.reason)), `${JSON.stringify(fallback)}: ${r.text}`);
      }
      // voicemail of a user whose mailbox is off: refused
      await s.api('PATCH', `${base}/users/${u1!.id}`, { voicemail: { enabled: false } }, manager);
      const noMailbox = await s.api('PATCH', `${base}/ring-groups/${plain.body.id}`, { fallback: { kind: 'voicemail', userId: u1!.id } }, manager);
      assert.equal(noMailbox.status, 422);
      assert.match(noMailbox.body.fields[0].reason, /voicemail is not enabled/);
      await s.api('PATCH', `${base}/users/${u1!.id}`, { voicemail: { enabled: true } }, manager);
      // nothing was written by the refusals
      assert.equal((await s.api('GET', `${base}/ring-groups/${plain.body.id}`)).body.fallback.kind, 'none');
      const busy = await s.api('PATCH', `${base}/ring-groups/${plain.body.id}`, { fallback: { kind: 'busy' } }, manager);
      assert.equal(busy.status, 200, busy.text);
      assert.equal(busy.body.fallback.kind, 'busy');
      const toUser = await s.api('PATCH', `${base}/ring-groups/${plain.body.id}`, { fallback: { kind: 'user', userId: u1!.id } }, manager);
      assert.equal(toUser.body.fallback.extension, u1!.extension);
      // access: lower role 403, other tenant 404
      assert.equal((await s.api('PATCH', `${base}/ring-groups/${plain.body.id}`, { fallback: { kind: 'none' } }, site)).status, 403);
      assert.equal((await s.api('PATCH', `${base}/ring-groups/${plain.body.id}`, { fallback: { kind: 'none' } }, basic)).status, 403);
      assert.equal((await s.api('PATCH', `${base}/ring-groups/${plain.body.id}`, { fallback: { kind: 'none' } }, stranger)).status, 404);
      assert.equal((await s.api('PATCH', `/api/v1/accounts/rgf2/ring-groups/${plain.body.id}`, { fallback: { kind: 'none' } })).status, 404);
      // the OpenAPI document describes it
      const spec = (await s.api('GET', '/api/openapi.json')).body;
      assert.ok(JSON.stringify(spec).includes('Where the call goes when nobody answered'));
    });

    it('Usage: a user who is a ring group fallback shows it and cannot be deleted until it changes', async () => {
      const u2 = t.users[2]!;
      const usage = await s.api('GET', `${base}/users/${u2.id}/usage`);
      assert.equal(usage.status, 200, usage.text);
      const item = usage.body.items.find((i: { kind: string }) => i.kind === 'ring_group_fallback');
      assert.ok(item, usage.text);
      assert.match(item.description, /ring group 'Sales' \(700\) falls back to this user's voicemail/);
      assert.equal(item.removal, 'manual');
      const del = await s.api('DELETE', `${base}/users/${u2.id}?cascade=true`);
      assert.equal(del.status, 409, del.text);
      assert.ok(del.body.usage.some((i: { kind: string }) => i.kind === 'ring_group_fallback'));
      assert.ok((await s.api('GET', `${base}/users/${u2.id}`)).status === 200);
    });

    it('a number assigned to a ring group: shown on the group, spare no more, guards the group delete; 422/404/403', async () => {
      const groups = (await s.api('GET', `${base}/ring-groups`)).body.items as Array<{ id: string; extension: string }>;
      const sales = groups.find((g) => g.extension === '700')!;
      const e164 = encodeURIComponent(t.numbers[2]!);
      const r = await s.api('POST', `${base}/numbers/${e164}/assign`, { ringGroupId: sales.id }, manager);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.ringGroupId, sales.id);
      assert.equal(r.body.userId, null);
      assert.equal(r.body.status, 'assigned');
      assert.deepEqual((await s.api('GET', `${base}/ring-groups/${sales.id}`)).body.numbers, [t.numbers[2]]);
      const spare = (await s.api('GET', `${base}/numbers?status=spare`)).body.items.map((n: { e164: string }) => n.e164);
      assert.ok(!spare.includes(t.numbers[2]));
      assert.equal((await s.api('POST', `${base}/numbers/${e164}/assign`, { userId: t.users[0]!.id })).status, 409);
      assert.equal((await s.api('POST', `${base}/numbers/${encodeURIComponent(t.numbers[1]!)}/assign`, { ringGroupId: 'nope' })).body.fields[0].field, 'ringGroupId');
      assert.equal((await s.api('POST', `${base}/numbers/${encodeURIComponent(t.numbers[1]!)}/assign`, { ringGroupId: sales.id, userId: t.users[0]!.id })).status, 400);
      assert.equal((await s.api('POST', `${base}/numbers/${encodeURIComponent(t.numbers[1]!)}/assign`, { ringGroupId: sales.id }, basic)).status, 403);
      assert.equal((await s.api('POST', `${base}/numbers/${encodeURIComponent(t.numbers[1]!)}/assign`, { ringGroupId: sales.id }, stranger)).status, 404);
      const foreign = await s.api('POST', `/api/v1/accounts/rgf2/numbers/${encodeURIComponent(other.numbers[1]!)}/assign`, { ringGroupId: sales.id });
      assert.equal(foreign.status, 422, 'another tenant’s group is no group of this account');
      // delete guarded: the number, then the number delete guarded by the group
      const del = await s.api('DELETE', `${base}/ring-groups/${sales.id}`);
      assert.equal(del.status, 409);
      assert.ok(del.body.usage.some((i: { kind: string; name: string }) => i.kind === 'number' && i.name === t.numbers[2]));
      assert.equal((await s.api('DELETE', `${base}/numbers/${e164}`)).status, 409);
      assert.equal((await s.api('POST', `${base}/numbers/${e164}/unassign`)).body.status, 'spare');
      assert.deepEqual((await s.api('GET', `${base}/ring-groups/${sales.id}`)).body.numbers, []);
    });

    it('extension change: the preview lists what changes, the save rewrites diversions, Day/Night and handset keys in one go', async () => {
      const [u0, u1, u2, u3] = t.users;
      // u1 diverts on no answer to u0; u3 diverts all to u0; the head office sends its main number to u0's mailbox by night
      await s.api('PATCH', `${base}/users/${u1!.id}`, { features: { divertNoAnswer: { enabled: true, destination: u0!.extension } } }, manager);
      await s.api('PATCH', `${base}/users/${u3!.id}`, { features: { divertAll: { enabled: false, destination: u0!.extension } } }, manager);
      const office = await s.api('PATCH', `${base}/offices/${t.officeA}`, { dayDestination: u0!.extension, nightDestination: `voicemail:${u0!.extension}` }, manager);
      assert.equal(office.status, 200, office.text);
      const dev = await s.api('POST', `${base}/devices`, { mac: '80-5E-C0-00-00-21', model: 'T46U', userId: u2!.id, lineKeys: [{ type: 'line' }, { type: 'blf', value: u0!.extension, label: 'Boss' }, { type: 'speed_dial', value: u0!.extension }, { type: 'blf', value: u1!.extension }] }, manager);
      assert.equal(dev.status, 201, dev.text);
      const to = '188';
      const preview = await s.api('GET', `${base}/users/${u0!.id}/extension-change?to=${to}`, undefined, manager);
      assert.equal(preview.status, 200, preview.text);
      assert.equal(preview.body.from, u0!.extension);
      assert.equal(preview.body.allowed, true);
      assert.equal(preview.body.devicesToResync, 1);
      const kinds = preview.body.changes.filter((c: { effect: string }) => c.effect === 'rewrite').map((c: { kind: string }) => c.kind).sort();
      assert.deepEqual(kinds, ['blf_key', 'divert', 'divert', 'office_day_night', 'office_day_night', 'speed_dial_key']);
      assert.ok(preview.body.changes.some((c: { kind: string; effect: string }) => c.kind === 'voicemail' && c.effect === 'follows'));
      assert.ok(preview.body.changes.some((c: { kind: string; description: string }) => c.kind === 'ring_group' && /Sales/.test(c.description)));
      // a preview writes nothing
      assert.equal((await s.api('GET', `${base}/users/${u1!.id}`)).body.features.divertNoAnswer.destination, u0!.extension);
      // blockers: taken, invalid
      const taken = await s.api('GET', `${base}/users/${u0!.id}/extension-change?to=700`, undefined, manager);
      assert.equal(taken.body.allowed, false);
      assert.deepEqual(taken.body.blockers, [{ field: 'extension', reason: 'is already taken in this account' }]);
      assert.equal((await s.api('GET', `${base}/users/${u0!.id}/extension-change?to=12a`)).body.blockers[0].reason, 'must contain digits only');
      // access: other tenant 404, lower role 403, self-only scope 403
      assert.equal((await s.api('GET', `${base}/users/${u0!.id}/extension-change?to=${to}`, undefined, stranger)).status, 404);
      assert.equal((await s.api('GET', `/api/v1/accounts/rgf2/users/${u0!.id}/extension-change?to=${to}`)).status, 404);
      assert.equal((await s.api('GET', `${base}/users/${u0!.id}/extension-change?to=${to}`, undefined, basic)).status, 403);
      assert.equal((await s.api('GET', `${base}/users/${u0!.id}/extension-change`)).status, 400);

      const saved = await s.api('PATCH', `${base}/users/${u0!.id}`, { extension: to }, manager);
      assert.equal(saved.status, 200, saved.text);
      assert.equal((await s.api('GET', `${base}/users/${u1!.id}`)).body.features.divertNoAnswer.destination, to);
      assert.equal((await s.api('GET', `${base}/users/${u3!.id}`)).body.features.divertAll.destination, to);
      const flow = await s.api('GET', `${base}/users/${u1!.id}/call-flow`);
      assert.equal(flow.body.document.steps[1].destination, to);
      const o = (await s.api('GET', `${base}/offices/${t.officeA}`)).body;
      assert.deepEqual([o.dayDestination, o.nightDestination], [to, `voicemail:${to}`]);
      const keys = (await s.api('GET', `${base}/devices/${dev.body.id}`)).body.lineKeys;
      assert.deepEqual(keys.map((k: { value?: string }) => k.value ?? null), [null, to, to, u1!.extension]);
      assert.equal(keys[1].label, 'Boss');
      // the handset was asked to resync, and the change is audited with what it rewrote
      const d = (await s.api('GET', `${base}/devices/${dev.body.id}`)).body;
      assert.ok(d.resync.requestedAt, JSON.stringify(d.resync));
      const audit = await s.api('GET', `${base}/audit?limit=50`);
      const entry = audit.body.items?.find((a: { action: string; resource: string }) => a.resource === 'user' && a.action === 'extension_changed');
      assert.ok(entry, audit.text.slice(0, 500));
      assert.equal(entry.after.rewritten.length, 6);
      // the diverting users' Usage now names the new extension
      const usage = await s.api('GET', `${base}/users/${u0!.id}/usage`);
      assert.ok(usage.body.items.some((i: { kind: string; description: string }) => i.kind === 'divert' && i.description.includes(to)));
    });

    it('ring group extension change: diversions to the group and the office destination follow; preview 404/403', async () => {
      const groups = (await s.api('GET', `${base}/ring-groups`)).body.items as Array<{ id: string; extension: string }>;
      const plain = groups.find((g) => g.extension === '701')!;
      const u4 = t.users[4]!;
      await s.api('PATCH', `${base}/users/${u4.id}`, { features: { divertBusy: { enabled: true, destination: '701' } } }, manager);
      await s.api('PATCH', `${base}/offices/${t.officeB}`, { dayDestination: '701' }, manager);
      const p = await s.api('GET', `${base}/ring-groups/${plain.id}/extension-change?to=702`, undefined, manager);
      assert.equal(p.status, 200, p.text);
      assert.deepEqual(p.body.changes.map((c: { kind: string }) => c.kind).sort(), ['divert', 'office_day_night']);
      assert.equal((await s.api('GET', `${base}/ring-groups/${plain.id}/extension-change?to=702`, undefined, site)).status, 403);
      assert.equal((await s.api('GET', `${base}/ring-groups/${plain.id}/extension-change?to=702`, undefined, stranger)).status, 404);
      const r = await s.api('PATCH', `${base}/ring-groups/${plain.id}`, { extension: '702' }, manager);
      assert.equal(r.status, 200, r.text);
      assert.equal((await s.api('GET', `${base}/users/${u4.id}`)).body.features.divertBusy.destination, '702');
      assert.equal((await s.api('GET', `${base}/offices/${t.officeB}`)).body.dayDestination, '702');
    });

    it('Apply Changes / discard: a group number assignment and a fallback go back to the applied version', async () => {
      const groups = (await s.api('GET', `${base}/ring-groups`)).body.items as Array<{ id: string; extension: string }>;
      const g = groups.find((x) => x.extension === '702')!;
      const applied = await s.api('POST', `${base}/config/apply`, {}, manager);
      assert.ok(applied.status === 200 || applied.status === 201, applied.text);
      const e164 = encodeURIComponent(t.numbers[2]!);
      assert.equal((await s.api('POST', `${base}/numbers/${e164}/assign`, { ringGroupId: g.id }, manager)).status, 200);
      assert.equal((await s.api('PATCH', `${base}/ring-groups/${g.id}`, { fallback: { kind: 'busy' } }, manager)).status, 200);
      const discarded = await s.api('POST', `${base}/config/discard`, {}, manager);
      assert.ok(discarded.status === 200 || discarded.status === 204, discarded.text);
      const after = (await s.api('GET', `${base}/ring-groups/${g.id}`)).body;
      assert.deepEqual(after.numbers, []);
      assert.equal(after.fallback.kind, 'user');
      assert.equal((await s.api('GET', `${base}/numbers?status=spare`)).body.items.some((n: { e164: string }) => n.e164 === t.numbers[2]), true);
    });
  });
}
