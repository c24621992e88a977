import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findReferences, rewriteReferences } from './references.ts';

const lake = new Set(['sales', 'orders', 'my table']);
const isTable = (name: string) => lake.has(name);

function rewrite(sql: string): string {
  return rewriteReferences(sql, findReferences(sql, isTable).versioned);
}

test('plain table names are collected, case-insensitively, and left as they are', () => {
  const sql = 'SELECT s.region FROM Sales s JOIN orders o ON s.id = o.id';
  const found = findReferences(sql, isTable);
  assert.deepEqual([...found.plain].sort(), ['orders', 'sales']);
  assert.equal(found.versioned.length, 0);
  assert.equal(rewrite(sql), sql);
});

test('table@snapshot, table@tag and table@branch become quoted view names', () => {
  assert.equal(rewrite('SELECT * FROM sales@123456789'), 'SELECT * FROM "sales@123456789"');
  assert.equal(rewrite('SELECT * FROM sales@nightly_v2 WHERE x > 1'), 'SELECT * FROM "sales@nightly_v2" WHERE x > 1');
  assert.equal(
    rewrite('SELECT * FROM sales@audit JOIN sales@v1.2 USING (id)'),
    'SELECT * FROM "sales@audit" JOIN "sales@v1.2" USING (id)',
  );
  assert.equal(rewrite('select * from SALES@Dev'), 'select * from "sales@Dev"');
});

test('quoted table names and quoted refs are understood', () => {
  assert.equal(rewrite('SELECT * FROM "my table"@"release 1"'), 'SELECT * FROM "my table@release 1"');
  assert.equal(rewrite('SELECT * FROM "sales"@v1'), 'SELECT * FROM "sales@v1"');
});

test('string literals, comments, quoted identifiers and dollar strings are never touched', () => {
  const sql = [
    "SELECT 'bob@sales.com', 'it''s sales@v1', E'sales@x\\'sales@y'",
    ', "sales@v9" AS q, $$sales@v2$$, $t$ sales@v3 $t$',
    '-- FROM sales@v4',
    '/* sales@v5 */ FROM sales',
  ].join('\n');
  const found = findReferences(sql, isTable);
  assert.deepEqual(found.versioned, []);
  assert.deepEqual([...found.plain], ['sales']);
  assert.equal(rewrite(sql), sql);
});

test('qualified names, columns and functions with a table name are not table references', () => {
  const found = findReferences('SELECT sales.amount, orders(1) FROM other.sales, x.orders', isTable);
  assert.deepEqual([...found.plain], []);
});

test('a ref ends before punctuation, comments and a trailing dot', () => {
  assert.equal(rewrite('SELECT * FROM sales@v1;'), 'SELECT * FROM "sales@v1";');
  assert.equal(rewrite('SELECT * FROM sales@v1--note'), 'SELECT * FROM "sales@v1"--note');
  assert.equal(rewrite('SELECT * FROM (SELECT 1 FROM sales@42)'), 'SELECT * FROM (SELECT 1 FROM "sales@42")');
});

test('names that are not lake tables keep their @ untouched', () => {
  assert.equal(rewrite('SELECT * FROM events@v1'), 'SELECT * FROM events@v1');
  assert.equal(rewrite('SELECT @-5, sales @ 1 FROM sales'), 'SELECT @-5, sales @ 1 FROM sales');
});

test('an unterminated literal hides everything after it', () => {
  const found = findReferences("SELECT 'oops FROM sales@v1", isTable);
  assert.deepEqual(found.versioned, []);
  assert.equal(found.plain.size, 0);
});
