import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/http.ts';
import { storeKinds } from '../support/stores.ts';
import { actorHeaders, makeTenant, testActorAuthenticator, type Tenant } from '../support/bulk-fixtures.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API bodies are read field by field
type Json = any;

/** Issue 11 'Filter User': q matches inside names, emails, extensions and direct numbers, literally, per tenant. */
for (const { kind, skip } of await storeKinds()) {
  describe(`'Filter User' substring filter over HTTP (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    const ids: Record<string, string> = {};
    const exts: Record<string, string> = {};
    const list = async (query: string, account = 'flt1', headers?: Record<string, string>) => {
      const r = await s.api('GET', `/api/v1/accounts/${account}/users?${query}`, undefined, headers);
      assert.equal(r.status, 200, `${query}: ${r.text}`);
      return r.body as { items: Json[]; next?: string; total?: number };
    };
    const names = async (q: string, extra = '') => (await list(`q=${encodeURIComponent(q)}&limit=100${extra}`)).items.map((u) => u.firstName).sort();

    before(async () => {
      s = await startTestServer(kind, { authenticators: [testActorAuthenticator] });
      t = await makeTenant(s.deps, 'flt1', 0);
      other = await makeTenant(s.deps, 'flt2', 0);
      const people: Array<[string, Json, string?]> = [
        ['Charlotte', { extension: '2101', lastName: 'Brown', email: 'c.brown@flt1.test', officeId: 'A' }],
        ['Arlo', { lastName: 'Smith', email: 'arlo@flt1.test', officeId: 'B', scope: 'site_manager' }],
        ['Per%cent', { lastName: 'Under_score', officeId: 'A' }],
        ['Percent', { lastName: 'Ross', officeId: 'B' }],
        ['Quincy', { extension: '4321', lastName: "O'Hara", displayName: 'Quote "Q" O\'Hara', officeId: 'A' }],
        ['Nora', { lastName: 'Numbers', officeId: 'B' }],
      ];
      for (const [firstName, rest] of people) {
        const r = await s.api('POST', '/api/v1/accounts/flt1/users', { firstName, ...rest, officeId: rest.officeId === 'A' ? t.officeA : t.officeB });
        assert.equal(r.status, 201, r.text);
        ids[firstName] = r.body.id;
        exts[firstName] = r.body.extension;
      }
      // Nora has a direct number; the other tenant has a Charlotte and a number of its own.
      assert.equal((await s.api('POST', `/api/v1/accounts/flt1/numbers/${encodeURIComponent(t.numbers[2]!)}/assign`, { userId: ids.Nora })).status, 200);
      const c2 = await s.api('POST', '/api/v1/accounts/flt2/users', { firstName: 'Charlotte', lastName: 'Elsewhere', email: 'charlotte@flt2.test', officeId: other.officeA });
      assert.equal(c2.status, 201, c2.text);
      assert.equal((await s.api('POST', `/api/v1/accounts/flt2/numbers/${encodeURIComponent(other.numbers[2]!)}/assign`, { userId: c2.body.id })).status, 200);
    });
    after(() => s.close());

    it('finds a substring inside first and last names, emails, extensions and direct numbers, any case', async () => {
      assert.deepEqual(await names('arlot'), ['Charlotte']);
      assert.deepEqual(await names('ARLOT'), ['Charlotte']);
      assert.deepEqual(await names('rown'), ['Charlotte'], 'inside a last name');
      assert.deepEqual(await names('mith'), ['Arlo']);
      assert.deepEqual(await names('brown@flt'), ['Charlotte'], 'inside an email');
      assert.deepEqual(await names('arl'), ['Arlo', 'Charlotte'], 'three characters: substring');
      assert.deepEqual(await names('ar'), ['Arlo'], 'two characters: a prefix');
      assert.deepEqual(await names('321'), ['Quincy'], 'inside an extension');
      assert.equal(exts.Quincy, '4321');
      const num = t.numbers[2]!;
      assert.deepEqual(await names(num.slice(-6)), ['Nora'], 'inside a direct number');
      assert.deepEqual(await names(num.slice(1, 9)), ['Nora'], 'a number without its +');
    });

    it('never shows another tenant', async () => {
      assert.deepEqual(await names('charlot'), ['Charlotte']);
      assert.equal((await list('q=charlot')).items.every((u) => u.accountId === t.accountId), true);
      assert.deepEqual(await names(other.numbers[2]!.slice(-6)), [], "another tenant's number");
      assert.deepEqual(await names('lsewher'), []);
      const theirs = (await list('q=arlot', 'flt2')).items;
      assert.deepEqual(theirs.map((u: Json) => u.lastName), ['Elsewhere']);
      const stranger = actorHeaders({ id: ids.Charlotte!, accountId: other.accountId, scope: 'office_manager', officeIds: [] });
      assert.equal((await s.api('GET', '/api/v1/accounts/flt1/users?q=arlot', undefined, stranger)).status, 404);
    });

    it('keeps the office, scope and paging filters working with it', async () => {
      assert.deepEqual(await names('cent', `&officeId=${t.officeA}`), ['Per%cent']);
      assert.deepEqual((await list(`q=cent&limit=100`, 'flt1')).items.map((u) => u.firstName).sort(), ['Per%cent', 'Percent']);
      assert.deepEqual(await names('arl', '&scope=site_manager'), ['Arlo']);
      const o = await s.api('GET', `/api/v1/accounts/flt1/offices/${t.officeB}/users?q=arl`);
      assert.deepEqual(o.body.items.map((u: Json) => u.firstName), ['Arlo']);
      // keyset: two pages of one
      const first = await list('q=cent&limit=1&includeTotal=true');
      assert.equal(first.total, 2);
      assert.ok(first.next);
      const second = await list(`q=cent&limit=1&after=${first.next}`);
      assert.equal(second.items.length, 1);
      assert.notEqual(second.items[0].id, first.items[0].id);
      assert.equal(second.next, undefined);
      const offset = await list('q=cent&limit=1&offset=1');
      assert.equal(offset.items[0].id, second.items[0].id);
      // a Site Manager sees their own offices only
      const site = actorHeaders({ id: ids.Arlo!, accountId: t.accountId, scope: 'site_manager', officeIds: [t.officeB] });
      assert.deepEqual((await list('q=cent', 'flt1', site)).items.map((u: Json) => u.firstName), ['Percent']);
    });

    it('takes LIKE wildcards, quotes and FTS operators literally, never a 5xx', async () => {
      assert.deepEqual(await names('r%c'), ['Per%cent'], '% is a character, not a wildcard (Percent has "rc")');
      assert.deepEqual(await names('r_s'), ['Per%cent'], '_ is a character (Ross has "ros")');
      assert.deepEqual(await names('"Q"'), ['Quincy']);
      assert.deepEqual(await names("O'Ha"), ['Quincy']);
      assert.deepEqual(await names('%'), [], 'a short % is a prefix of nothing');
      for (const q of ['%%%', '___', '"', '""', '"""', "'", "''", '\\', '\\%', 'NEAR(a b)', 'a OR b', 'x AND y', 'NOT z', 'cha*', '^cha', 'given:cha', 'family : brown', '-abc', '{given}: x', '(((', "'; drop table users; --", '*', '?', '[a-z]', '\u00e9\u00e8', '😀😀😀']) {
        const r = await s.api('GET', `/api/v1/accounts/flt1/users?q=${encodeURIComponent(q)}`);
        assert.equal(r.status, 200, `${q}: ${r.text}`);
        assert.ok(Array.isArray(r.body.items));
        for (const u of r.body.items) assert.ok([u.firstName, u.lastName, u.displayName, u.email ?? '', u.extension].some((f: string) => f.toLowerCase().includes(q.toLowerCase())), `${q} matched ${u.displayName} literally`);
      }
      const long = await s.api('GET', `/api/v1/accounts/flt1/users?q=${'a'.repeat(81)}`);
      assert.equal(long.status, 400);
      assert.equal((await list('q=users')).items.length, 0, 'the SQL above did nothing');
    });
  });
}
