import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from './rules.ts';

test('parseCsv: a cell with a control character is a row error naming the column (the CLI path has no HTTP guard)', () => {
  const r = parseCsv('first_name,last_name,office\nAda\u0000,Lovelace,Head Office\nGrace,Hop\u0007per,Head Office\nAlan,Turing,Head Office\n');
  assert.deepEqual(
    r.errors.map((e) => [e.row, e.column]),
    [
      [2, 'first_name'],
      [3, 'last_name'],
    ],
  );
  assert.equal(r.rows.length, 3);
});

test("parseCsv: cells our export quoted against formula injection read back as written", () => {
  const r = parseCsv("first_name,last_name,office\n'@cmd,'+SUM(1),Head Office\n'plain,'-,Head Office\n");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.rows.map((x) => [x.first_name, x.last_name]),
    [
      ['@cmd', '+SUM(1)'],
      ["'plain", '-'],
    ],
  );
});
