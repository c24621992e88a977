// The static type checker refuses what every event would fail on at run time, and nothing a run accepts.
// Each refusal is checked against the compiled expression on a row of those types: the run fails too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAggregate, checkExpression } from './check.ts';
import { compileExpression } from './expression.ts';
import type { StaticType } from './types.ts';

const columns = new Map<string, StaticType>([['amount', 'number'], ['region', 'string'], ['ts', 'timestamp'], ['paid', 'boolean'], ['payload', 'unknown']]);
const names = [...columns.keys()];
const row = { amount: 12.5, region: 'europe', ts: new Date(Date.UTC(2026, 0, 1)), paid: true, payload: 'x' };

function issues(text: string): string[] {
  return checkExpression(text, names, columns).map((i) => i.message);
}

test('type mismatches are refused, with the operands and a way out in the message', () => {
  const refused: [string, RegExp][] = [
    ["amount > 'abc'", /cannot compare amount \(a number\) with 'abc' \(text\); compare with a number, or convert with CAST\('abc' AS DOUBLE\)/],
    ["'10' = amount", /cannot compare '10' \(text\) with amount \(a number\)/],
    ['region > 3', /cannot compare region \(text\) with 3 \(a number\)/],
    ['paid = 1', /cannot compare paid \(a boolean\) with 1 \(a number\)/],
    ["ts > 'yesterday'", /cannot compare ts \(a timestamp\) with 'yesterday' \(text\); use a time like/],
    ['amount IN (1, \'2\')', /cannot compare amount \(a number\) with '2' \(text\)/],
    ["amount BETWEEN 1 AND 'z'", /cannot compare amount \(a number\) with 'z'/],
    ['region * 2', /operator \* needs numbers, but region is text; use \|\| to join text/],
    ['lower(amount)', /lower\(\) needs text, but amount is a number/],
    ['amount LIKE \'1%\'', /LIKE needs text, but amount is a number/],
    ['NOT amount', /NOT needs a boolean, but amount is a number/],
    ["CASE region WHEN 1 THEN 'a' END", /cannot compare region \(text\) with 1 \(a number\)/],
    ["CASE WHEN amount > 1 THEN 'big' ELSE 'small' END = 3", /cannot compare CASE .* \(text\) with 3 \(a number\)/],
    ['EXTRACT(HOUR FROM region) = 1', /EXTRACT\(HOUR\) needs a timestamp, but region is text/],
  ];
  for (const [text, message] of refused) {
    const found = issues(text);
    assert.equal(found.length, 1, `${text}: ${JSON.stringify(found)}`);
    assert.match(found[0] ?? '', message, text);
    assert.equal(checkExpression(text, names, columns)[0]?.code, 'ENG_EXPR_TYPE');
    // The run would fail on every such row: the checker refuses nothing that works.
    assert.throws(() => compileExpression(text).evaluate(row), (e: Error & { code?: string }) => e.code === 'ENG_EXPR_EVAL' || e.code === 'ENG_EXPR_TYPE', `${text} fails at run time too`);
  }
});

test('well-typed and unknown-typed expressions pass, and they run', () => {
  const accepted = [
    'amount > 0', "region = 'europe'", "ts > '2026-01-01 00:00:00'", "ts >= TIMESTAMP '2026-01-01 00:00:00'", 'ts + INTERVAL \'5\' MINUTE > ts',
    'paid AND amount > 1', "region || '-' || amount", 'TRY_CAST(region AS DOUBLE) > 1', "payload = 'x' OR payload > 3", 'payload.a > 1',
    "CASE WHEN amount > 10 THEN 'big' ELSE 'small' END = 'big'", "coalesce(region, 'none') = 'x'", 'round(amount * 1.1, 2) > 10',
    "lower(region) LIKE 'eu%'", 'length(region) > 3', "concat(region, amount) = 'x'", 'amount IS NULL', 'year(ts) = 2026',
  ];
  for (const text of accepted) {
    assert.deepEqual(issues(text), [], text);
    assert.doesNotThrow(() => compileExpression(text).evaluate(row), text);
  }
});

test('without column types only literal mismatches are known; unknown columns are reported first', () => {
  assert.deepEqual(checkExpression("amount > 'abc'", names), [], 'no types, no type check');
  assert.match(checkExpression("1 > 'abc'", undefined, new Map())[0]?.message ?? '', /cannot compare 1 \(a number\) with 'abc'/);
  assert.match(checkExpression("amout > 'abc'", names, columns)[0]?.message ?? '', /unknown column 'amout' \(did you mean amount\?\)/);
  const found = checkExpression("amount > 'abc'", names, columns)[0];
  assert.deepEqual([found?.position, found?.length], [0, 14]);
});

test('window aggregates take any expression, checked like one; sum and avg need numbers', () => {
  const aggregate = (text: string) => checkAggregate(text, names, columns).map((i) => i.message);
  for (const ok of ["sum(CASE WHEN region = 'europe' THEN amount ELSE 0 END)", 'count(*)', 'count(distinct region)', 'avg(amount * 1.2)', 'max(ts)', "min(lower(region))", 'sum(payload)']) {
    assert.deepEqual(aggregate(ok), [], ok);
  }
  assert.match(aggregate('sum(region)')[0] ?? '', /sum\(\) needs numbers, but region is text/);
  assert.match(aggregate("sum(CASE WHEN region = 'eu' THEN region END)")[0] ?? '', /sum\(\) needs numbers/);
  assert.match(aggregate("avg(CASE WHEN amount > 'x' THEN amount END)")[0] ?? '', /cannot compare amount \(a number\) with 'x'/);
  assert.match(aggregate('sum(amout)')[0] ?? '', /unknown column 'amout' \(did you mean amount\?\)/);
  assert.match(aggregate('median(amount)')[0] ?? '', /unknown aggregate 'median'/);
  const issue = checkAggregate("avg(CASE WHEN amount > 'x' THEN amount END)", names, columns)[0];
  assert.equal(issue?.position, 14, 'positions are in the whole aggregate text');
});
