import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from './support/stores.ts';
import { startTestServer, type TestServer } from './support/http.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';
import { as, seedTenant, snapshot, type Person, type Tenant } from './support/tenants.ts';
import { smtpMailer } from '../src/modules/auth/mailer.ts';

/**
 * The users list's sort (GET …/users?sort=&order=) and bulk actions (POST …/users/bulk) over HTTP: results per
 * user, each change audited, one refused user (out of reach 403, other tenant 404) refuses the whole request
 * with nothing written, a delete refuses the users still in use and removes the rest.
 */
for (const { kind, skip } of await storeKinds()) {
  describe(`users: sort and bulk actions (${kind})`, { skip }, () => {
    let s: TestServer;
    let sink: SmtpSink;
    let acme: Tenant;
    let globex: Tenant;
    let om: Person;
    const made: Record<string, { id: string; extension: string }> = {};

    const BULK = '/api/v1/accounts/acme/users/bulk';
    const row = (id: string) => s.store.database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    const audit = (resourceId: string, action: string) =>
      s.store.database.db.selectFrom('audit_log').select(['action', 'actor_label']).where('resource_id', '=', resourceId).where('action', '=', action).execute();
    const mk = async (key: string, office: 'A' | 'B' | 'C', extra: Record<string, unknown> = {}) => {
      const r = await s.api('POST', '/api/v1/accounts/acme/users', { firstName: key, lastName: 'Bulk', email: `${key.toLowerCase()}@acme.test`, officeId: acme.offices[office], ...extra });
      assert.equal(r.status, 201, r.text);
      made[key] = { id: r.body.id, extension: r.body.extension };
      return made[key]!;
    };

    before(async () => {
      sink = await startSmtpSink();
      s = await startTestServer(kind, { auth: { mailer: smtpMailer({ host: '127.0.0.1', port: sink.port, from: 'pbx@switchboard.test' }), portalUrl: 'https://pbx.example.test' } });
      acme = await seedTenant(s, 'acme');
      globex = await seedTenant(s, 'globex');
      om = acme.people.om!;
      for (const k of ['Ada', 'Ben', 'Cat']) await mk(k, 'A');
      await mk('Dan', 'C');
    });
    after(async () => {
      await s?.close();
      await sink?.close();
    });

    test('sort and order: validated (422 naming the field), every column both ways, keyset pages with the same sort', async () => {
      for (const [q, field] of [
        ['sort=bogus', 'sort'],
        ['order=up', 'order'],
        ['sort=Name', 'sort'],
      ] as const) {
        const r = await s.api('GET', `/api/v1/accounts/acme/users?${q}`, undefined, as(om));
        assert.equal(r.status, 422, q);
        assert.equal(r.body.fields[0].field, field);
      }
      const all = (await s.api('GET', '/api/v1/accounts/acme/users?limit=500', undefined, as(om))).body.items as Array<{ extension: string; displayName: string; enabled: boolean }>;
      const desc = await s.api('GET', '/api/v1/accounts/acme/users?sort=extension&order=desc&limit=500', undefined, as(om));
      assert.deepEqual(
        desc.body.items.map((u: { extension: string }) => u.extension),
        all.map((u) => u.extension).sort().reverse(),
      );
      for (const sort of ['name', 'extension', 'office', 'scope', 'status']) {
        for (const order of ['asc', 'desc']) {
          const whole = (await s.api('GET', `/api/v1/accounts/acme/users?sort=${sort}&order=${order}&limit=500`, undefined, as(om))).body.items.map((u: { id: string }) => u.id);
          assert.equal(whole.length, all.length);
          const paged: string[] = [];
          let after = '';
          for (let i = 0; i < 20; i++) {
            const r = await s.api('GET', `/api/v1/accounts/acme/users?sort=${sort}&order=${order}&limit=3${after ? `&after=${encodeURIComponent(after)}` : ''}`, undefined, as(om));
            assert.equal(r.status, 200, r.text);
            paged.push(...r.body.items.map((u: { id: string }) => u.id));
            if (!r.body.next) break;
            after = r.body.next;
          }
          assert.deepEqual(paged, whole, `${sort} ${order}`);
        }
      }
      const byName = (await s.api('GET', '/api/v1/accounts/acme/users?sort=name&limit=500', undefined, as(om))).body.items.map((u: { displayName: string }) => u.displayName.toLowerCase());
      assert.deepEqual(byName, [...byName].sort());
      // a Site Manager's sorted list is still only their offices
      const sm = await s.api('GET', '/api/v1/accounts/acme/users?sort=office&order=desc&limit=500', undefined, as(acme.people.sm!));
      assert.ok(sm.body.items.length > 0 && sm.body.items.every((u: { officeId: string }) => u.officeId !== acme.offices.C));
    });

    test('disable and enable: per-user results, unchanged when already so, one audit entry per change', async () => {
      const ids = [made.Ada!.id, made.Ben!.id];
      const r = await s.api('POST', BULK, { action: 'disable', userIds: ids }, as(om));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(
        r.body.results.map((x: { userId: string; status: string }) => [x.userId, x.status]),
        ids.map((id) => [id, 'done']),
      );
      for (const id of ids) {
        assert.equal((await row(id))!.enabled, 0);
        assert.equal((await audit(id, 'updated')).length, 1);
      }
      // the SIP side follows (no registration for a disabled user)
      const subs = await s.store.database.db.selectFrom('sip_subscribers').select('user_id').where('user_id', 'in', ids).execute();
      assert.equal(subs.length, 0);
      const again = await s.api('POST', BULK, { action: 'disable', userIds: [made.Ada!.id, made.Cat!.id] }, as(om));
      assert.deepEqual(
        again.body.results.map((x: { status: string }) => x.status),
        ['unchanged', 'done'],
      );
      assert.equal((await audit(made.Ada!.id, 'updated')).length, 1, 'no entry for an unchanged user');
      const on = await s.api('POST', BULK, { action: 'enable', userIds: [made.Ada!.id, made.Ben!.id, made.Cat!.id] }, as(om));
      assert.ok(on.body.results.every((x: { status: string }) => x.status === 'done'));
      for (const id of ids) assert.equal((await row(id))!.enabled, 1);
    });

    test('change office: moves the users in one go, audited; an unknown office is a 422 and nothing moves', async () => {
      const before = await snapshot(s.store.database);
      const bad = await s.api('POST', BULK, { action: 'change_office', userIds: [made.Ada!.id], officeId: globex.offices.A }, as(om));
      assert.equal(bad.status, 422, bad.text);
      const missing = await s.api('POST', BULK, { action: 'change_office', userIds: [made.Ada!.id] }, as(om));
      assert.equal(missing.status, 422);
      assert.equal(missing.body.fields[0].field, 'officeId');
      assert.equal(await snapshot(s.store.database), before);
      const r = await s.api('POST', BULK, { action: 'change_office', userIds: [made.Ada!.id, made.Ben!.id], officeId: acme.offices.B }, as(om));
      assert.equal(r.status, 200, r.text);
      for (const k of ['Ada', 'Ben']) {
        assert.equal((await row(made[k]!.id))!.office_id, acme.offices.B);
        const entries = await s.store.database.db.selectFrom('audit_log').select('after').where('resource_id', '=', made[k]!.id).where('action', '=', 'updated').execute();
        assert.ok(entries.some((e) => e.after && JSON.parse(e.after).officeId === acme.offices.B), k);
      }
    });

    test('a Site Manager: only users of their offices, only into their offices; one out of reach refuses all (403), nothing written', async () => {
      const sm = acme.people.sm!;
      for (const body of [
        { action: 'disable', userIds: [made.Cat!.id, made.Dan!.id] }, // Dan is in office C
        { action: 'change_office', userIds: [made.Cat!.id], officeId: acme.offices.C },
        { action: 'disable', userIds: [made.Cat!.id, om.id] }, // an Office Manager outranks them
        { action: 'delete', userIds: [made.Cat!.id, acme.people.basicC!.id] },
        { action: 'delete', userIds: [sm.id] }, // never yourself
      ]) {
        const before = await snapshot(s.store.database);
        const r = await s.api('POST', BULK, body, as(sm));
        assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`);
        assert.equal(await snapshot(s.store.database), before);
      }
      const ok = await s.api('POST', BULK, { action: 'change_office', userIds: [made.Cat!.id], officeId: acme.offices.B }, as(sm));
      assert.equal(ok.status, 200, ok.text);
      assert.equal((await row(made.Cat!.id))!.office_id, acme.offices.B);
    });

    test('lower roles get 403 and another tenant 404 — for the whole request, nothing written', async () => {
      const cases: Array<[Person, unknown, number]> = [
        [acme.people.basic!, { action: 'disable', userIds: [acme.people.basic!.id] }, 403],
        [acme.people.agent!, { action: 'enable', userIds: [acme.people.agent!.id] }, 403],
        [acme.people.sup!, { action: 'disable', userIds: [acme.people.basic!.id] }, 403],
        [acme.people.basic!, { action: 'send_credentials', userIds: [acme.people.basic!.id] }, 403],
        [acme.people.sup!, { action: 'delete', userIds: [acme.people.basic!.id] }, 403],
        [globex.people.om!, { action: 'disable', userIds: [made.Ada!.id] }, 404],
        // acme's own Office Manager naming one globex user among acme's: not found, and the acme users untouched
        [om, { action: 'disable', userIds: [made.Ada!.id, globex.people.basic!.id] }, 404],
        [om, { action: 'delete', userIds: [made.Ada!.id, 'no-such-user'] }, 404],
      ];
      for (const [who, body, status] of cases) {
        const before = await snapshot(s.store.database);
        const r = await s.api('POST', BULK, body, as(who));
        assert.equal(r.status, status, `${who.key} ${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.body.error, status === 403 ? 'forbidden' : 'not_found');
        assert.equal(await snapshot(s.store.database), before);
      }
    });

    test('bad bodies are 4xx, never 5xx', async () => {
      for (const body of [{ action: 'explode', userIds: [made.Ada!.id] }, { action: 'disable', userIds: [] }, { action: 'disable' }, { action: 'disable', userIds: [made.Ada!.id], cascade: true }]) {
        const r = await s.api('POST', BULK, body, as(om));
        assert.ok(r.status === 400 || r.status === 422, `${JSON.stringify(body)}: ${r.status}`);
      }
    });

    test('delete: a dry run shows each Usage; in-use users are refused, the others go (also a user only a refused one diverts to)', async () => {
      const eve = await mk('Eve', 'A');
      const fay = await mk('Fay', 'A');
      const gus = await mk('Gus', 'A');
      // Fay is in a ring group (blocks her delete) and diverts to Gus: Gus must stay while Fay does.
      const g = await s.api('POST', '/api/v1/accounts/acme/ring-groups', { name: 'Bulk Hunt', extension: '198', members: [fay.id] });
      assert.equal(g.status, 201, g.text);
      const d = await s.api('PATCH', `/api/v1/accounts/acme/users/${fay.id}`, { features: { divertBusy: { enabled: true, destination: gus.extension } } });
      assert.equal(d.status, 200, d.text);
      const ids = [eve.id, fay.id, gus.id];
      const before = await snapshot(s.store.database);
      const dry = await s.api('POST', BULK, { action: 'delete', userIds: ids, dryRun: true }, as(om));
      assert.equal(dry.status, 200, dry.text);
      assert.equal(await snapshot(s.store.database), before, 'a dry run writes nothing');
      const st = (r: typeof dry) => Object.fromEntries(r.body.results.map((x: { userId: string; status: string }) => [x.userId, x.status]));
      assert.deepEqual(st(dry), { [eve.id]: 'ok', [fay.id]: 'in_use', [gus.id]: 'in_use' });
      const fayUsage = dry.body.results.find((x: { userId: string }) => x.userId === fay.id).usage;
      assert.ok(fayUsage.some((u: { kind: string }) => u.kind === 'ring_group'));
      const gusUsage = dry.body.results.find((x: { userId: string }) => x.userId === gus.id).usage;
      assert.ok(gusUsage.some((u: { description: string }) => /divert/i.test(u.description)), JSON.stringify(gusUsage));
      const r = await s.api('POST', BULK, { action: 'delete', userIds: ids }, as(om));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(st(r), { [eve.id]: 'done', [fay.id]: 'in_use', [gus.id]: 'in_use' });
      assert.equal(await row(eve.id), undefined);
      assert.ok(await row(fay.id));
      assert.ok(await row(gus.id));
      assert.equal((await audit(eve.id, 'deleted')).length, 1);
      assert.equal((await audit(fay.id, 'deleted')).length, 0);
    });

    test('send credentials: one email per user who can log in; a No Portal user fails alone', async () => {
      const noportal = acme.people.noportal!;
      const r = await s.api('POST', BULK, { action: 'send_credentials', userIds: [made.Cat!.id, noportal.id] }, as(om));
      assert.equal(r.status, 200, r.text);
      const [cat, np] = r.body.results;
      assert.equal(cat.status, 'done');
      assert.equal(cat.to, 'cat@acme.test');
      assert.equal(np.status, 'failed');
      assert.equal(np.fields[0].field, 'scope');
      const mail = await sink.waitFor((m) => m.to.includes('cat@acme.test'));
      assert.match(mail.text, /set-password#token=/);
      assert.equal(sink.messages.filter((m) => m.to.includes(noportal.email)).length, 0);
      assert.equal((await audit(made.Cat!.id, 'credentials_sent')).length, 1);
    });
  });
}
