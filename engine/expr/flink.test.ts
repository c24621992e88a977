import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../errors.ts';
import type { Row } from '../runtime/types.ts';
import { compileExpression } from './index.ts';

function flink(text: string): string {
  return compileExpression(text).toFlinkSql();
}

test('renders Flink spellings of functions and operators', () => {
  assert.equal(flink('length(name)'), 'CHAR_LENGTH(name)');
  assert.equal(flink("date_trunc('minute', event_time)"), 'FLOOR(event_time TO MINUTE)');
  assert.equal(flink('substr(s, 2, 3)'), 'SUBSTRING(s FROM 2 FOR 3)');
  assert.equal(flink('substring(s, 2)'), 'SUBSTRING(s FROM 2)');
  assert.equal(flink("strpos(s, 'x')"), "POSITION('x' IN s)");
  assert.equal(flink("locate('x', s)"), "POSITION('x' IN s)");
  assert.equal(flink('a % 3'), 'MOD(a, 3)');
  assert.equal(flink('a != b'), 'a <> b');
  assert.equal(flink('ceiling(x)'), 'CEIL(x)');
  assert.equal(flink('hour(ts)'), 'EXTRACT(HOUR FROM ts)');
  assert.equal(flink("trim(s)"), 'TRIM(s)');
  assert.equal(flink("trim(leading 'x' from s)"), "TRIM(LEADING 'x' FROM s)");
  assert.equal(flink('cast(a as decimal(12,2))'), 'CAST(a AS DECIMAL(12, 2))');
  assert.equal(flink('cast(a as timestamp)'), 'CAST(a AS TIMESTAMP(3))');
  assert.equal(flink('cast(a as integer)'), 'CAST(a AS INT)');
  assert.equal(flink('try_cast(a as varchar(4))'), 'TRY_CAST(a AS VARCHAR(4))');
  assert.equal(flink("timestamp '2026-01-01T10:00:00Z'"), "TIMESTAMP '2026-01-01 10:00:00'");
  assert.equal(flink("TIMESTAMP '2026-01-01 10:00:00.5'"), "TIMESTAMP '2026-01-01 10:00:00.500'");
  assert.equal(flink("date '2026-1-2'"), "DATE '2026-01-02'");
  assert.equal(flink("interval '5' minute"), "INTERVAL '5' MINUTE");
  assert.equal(flink("interval '120' day"), "INTERVAL '120' DAY(3)");
  assert.equal(flink("'it''s'"), "'it''s'");
  assert.equal(flink('.5 + 1e3'), '0.5 + 1e3');
  assert.equal(flink("s like 'a!%' escape '!'"), "s LIKE 'a!%' ESCAPE '!'");
  assert.equal(flink('a is unknown'), 'a IS NULL');
  assert.equal(flink('coalesce(a, 0) + ifnull(b, 1)'), 'COALESCE(a, 0) + IFNULL(b, 1)');
});

test('quotes identifiers only where needed', () => {
  assert.equal(flink('amount'), 'amount');
  assert.equal(flink('"order id"'), '`order id`');
  assert.equal(flink('`a``b`'), '`a``b`');
  assert.equal(flink('user.name'), '`user`.name');
  assert.equal(flink('"timestamp" > date'), '`timestamp` > `date`');
  assert.equal(flink('"1st"'), '`1st`');
  assert.equal(flink('Événement'), '`Événement`');
  assert.equal(flink('customer.address.city'), 'customer.address.city');
  // Flink's own keywords (a column named views failed to parse in real Flink)
  assert.equal(flink('views + tables'), '`views` + `tables`');
});

test('adds parentheses only where precedence needs them', () => {
  assert.equal(flink('(a + b) * c'), '(a + b) * c');
  assert.equal(flink('a + (b * c)'), 'a + b * c');
  assert.equal(flink('a - (b - c)'), 'a - (b - c)');
  assert.equal(flink('(a - b) - c'), 'a - b - c');
  assert.equal(flink('(a OR b) AND c'), '(a OR b) AND c');
  assert.equal(flink('NOT (a AND b)'), 'NOT (a AND b)');
  assert.equal(flink('-(a + 1)'), '-(a + 1)');
  assert.equal(flink('- -a'), '-(-a)');
  assert.equal(flink('(a = b) = c'), '(a = b) = c');
  assert.equal(flink('(a > 1) IS TRUE'), 'a > 1 IS TRUE');
  assert.equal(flink('(a IS NULL) = TRUE'), '(a IS NULL) = TRUE');
  assert.equal(flink('x BETWEEN (a AND b) AND c'), 'x BETWEEN (a AND b) AND c');
  // Calcite parses only an atomic needle before IN
  assert.equal(flink("POSITION((a || b) IN s)"), 'LOCATE(a || b, s)');
  assert.equal(flink("POSITION((a IN (b)) IN s)"), 'LOCATE(a IN (b), s)');
  assert.equal(flink("strpos(s, upper(x))"), 'POSITION(UPPER(x) IN s)');
});

const corpus = [
  'amount > 0 AND region IS NOT NULL', 'upper(region)', 'amount >= 500', "customer.address.city || '-' || region",
  "CASE WHEN amount > 100 THEN 'big' WHEN amount > 10 THEN 'medium' ELSE 'small' END", "CASE region WHEN 'EU' THEN 1 ELSE 2 END",
  'CAST(qty AS DOUBLE) * amount', "CAST(qty AS STRING) || 'x'", 'TRY_CAST(region AS INT)', 'CAST(amount AS DECIMAL(6, 1))',
  "date_trunc('hour', t)", 'CEIL(t TO DAY)', 'EXTRACT(DOW FROM t) + EXTRACT(MINUTE FROM t)', "t > '2026-01-01 00:00:00'",
  "t + INTERVAL '90' MINUTE", "t - INTERVAL '1' MONTH > TIMESTAMP '2025-12-01 00:00:00'", 'region IN (\'EU\', \'US\', NULL)',
  'amount NOT BETWEEN -5 AND 5 + qty', "region NOT LIKE '%U'", "lower(region) LIKE 'e_'", 'NOT (amount > 10 OR qty < 2)',
  '-(amount - qty) * 2 / 4', 'amount % 7', 'mod(qty, 2) = 0', 'round(amount / 3, 2)', 'abs(-amount) + floor(amount) + ceil(amount)',
  'coalesce(missing, qty, 0)', 'nullif(qty, 3)', 'IF(qty > 2, amount, -amount)', 'greatest(qty, 3, amount)', 'least(qty, 3)',
  "substr(region, 1, 1) || SUBSTRING(region FROM 2)", "strpos(region, 'U')", "replace(region, 'E', 'e')", "concat(region, qty)",
  "trim(BOTH 'E' FROM region)", 'power(qty, 2) + sqrt(16)', 'length(region) * 2', "concat_ws('/', region, missing, 'x')",
  'amount / (qty - 3)', 'amount > region', '"weird col" + 1', 'user.name IS NULL', 'a AND b OR NOT c', 'x IS NOT TRUE',
  "t BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'", "year(t) * 100 + month(t)", 'qty - -qty', '(qty || region) || qty',
];

const rows: Row[] = [
  { amount: 120.5, qty: 3, region: 'EU', t: new Date('2026-03-04T05:06:07.890Z'), customer: { address: { city: 'Lyon' } }, 'weird col': 1, user: { name: 'x' }, a: true, b: false, c: null, x: false },
  { amount: -4, qty: 1, region: 'US', t: new Date('2025-12-31T23:59:59Z'), customer: {}, a: null, b: true, c: true, x: null },
  { amount: 7, qty: 3, region: null, t: null, a: false, b: null, c: false, x: true },
  { amount: 0, qty: 4, region: 'APAC', t: new Date('2026-01-01T00:00:00Z') },
  {},
];

function outcome(text: string, row: Row): unknown {
  try {
    return { value: compileExpression(text).evaluate(row) };
  } catch (error) {
    assert.ok(error instanceof EngineError);
    return { error: error.code };
  }
}

test('round trip: compile(toFlinkSql(e)) evaluates identically, and rendering is stable', () => {
  for (const text of corpus) {
    const sql = flink(text);
    assert.equal(flink(sql), sql, `stable rendering of ${text}`);
    for (const row of rows) assert.deepEqual(outcome(sql, row), outcome(text, row), `${text}  →  ${sql}  on ${JSON.stringify(row)}`);
  }
});
