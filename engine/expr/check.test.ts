import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExpression } from './index.ts';

test('a valid expression has no issues, with or without known columns', () => {
  assert.deepEqual(checkExpression('amount > 0 AND region IS NOT NULL'), []);
  assert.deepEqual(checkExpression('amount > 0 AND region IS NOT NULL', ['amount', 'region']), []);
  assert.deepEqual(checkExpression("upper('x')", []), []);
});

test('syntax errors are reported with position and length, without the position suffix', () => {
  assert.deepEqual(checkExpression('amount >'), [{ message: 'the expression ends too early: a value is missing', position: 8, length: 0, code: 'ENG_EXPR_SYNTAX' }]);
  assert.deepEqual(checkExpression('amount > 0 AND AND x'), [{ message: 'unexpected keyword AND: a value is missing', position: 15, length: 3, code: 'ENG_EXPR_SYNTAX' }]);
  assert.deepEqual(checkExpression("CAST(a AS blob)")[0]?.position, 10);
  assert.deepEqual(checkExpression(''), [{ message: 'the expression is empty', position: 0, length: 0, code: 'ENG_EXPR_SYNTAX' }]);
});

test('unknown functions, aggregates and bad constant LIKE patterns are issues', () => {
  assert.deepEqual(checkExpression('x + nope(1)'), [{ message: "unknown function 'nope'", position: 4, length: 4, code: 'ENG_EXPR_UNKNOWN_FUNCTION' }]);
  assert.equal(checkExpression('lowr(x)')[0]?.message, "unknown function 'lowr' (did you mean lower?)");
  assert.equal(checkExpression('COALESC(x, 1)')[0]?.message, "unknown function 'COALESC' (did you mean coalesce?)");
  assert.match(checkExpression('count(*) > 5')[0]?.message ?? '', /aggregate function/);
  assert.equal(checkExpression("s LIKE 'x!' ESCAPE '!'")[0]?.position, 7);
});

test('unknown columns are issues only when the known columns are given; nested paths check the top-level name', () => {
  assert.deepEqual(checkExpression('amount > 0 AND regoin IS NULL'), []);
  const issues = checkExpression('amount > 0 AND regoin IS NULL', ['amount', 'region']);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.position, 15);
  assert.equal(issues[0]?.length, 6);
  assert.equal(issues[0]?.code, 'ENG_EXPR_UNKNOWN_COLUMN');
  assert.equal(issues[0]?.message, "unknown column 'regoin' (did you mean region?)");
  assert.equal(checkExpression('zzz > 1', ['amount', 'region'])[0]?.message, "unknown column 'zzz'; available: amount, region");
  assert.deepEqual(checkExpression('customer.address.city = \'x\'', ['customer']), []);
  const nested = checkExpression('client.address.city = \'x\'', ['customer']);
  assert.equal(nested.length, 1);
  assert.match(nested[0]?.message ?? '', /unknown column 'client'/);
  assert.equal(checkExpression('a + b + a', []).length, 3);
});

test('never throws, whatever it is given', () => {
  for (const input of ['(((', "'", '"', '`', '\u0000', '😀', 'a'.repeat(70_000), `${'('.repeat(5000)}`, 'CASE', 'x LIKE']) {
    const issues = checkExpression(input);
    assert.equal(issues.length, 1, JSON.stringify(input.slice(0, 20)));
    assert.equal(typeof issues[0]?.position, 'number');
  }
  assert.equal(checkExpression(undefined as unknown as string).length, 1);
});
