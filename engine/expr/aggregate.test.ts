import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../errors.ts';
import { parseAggregate } from './index.ts';

function failure(text: string): { code: string; position: number; message: string } {
  try {
    parseAggregate(text);
  } catch (error) {
    assert.ok(error instanceof EngineError);
    return { code: error.code, position: (error.details as { position: number }).position, message: error.message };
  }
  assert.fail(`expected ${text} to fail`);
}

test('count(*), count(x) and count(DISTINCT x)', () => {
  const star = parseAggregate('count(*)');
  assert.deepEqual({ ...star, arg: null }, { fn: 'count', distinct: false, star: true, arg: null, text: 'count(*)' });
  assert.equal(star.arg, null);
  const plain = parseAggregate('COUNT(customer_id)');
  assert.equal(plain.fn, 'count');
  assert.equal(plain.star, false);
  assert.equal(plain.arg?.text, 'customer_id');
  assert.deepEqual(plain.arg?.columns, ['customer_id']);
  const distinct = parseAggregate('count(distinct user.id)');
  assert.equal(distinct.distinct, true);
  assert.equal(distinct.arg?.evaluate({ user: { id: 7 } }), 7);
  assert.equal(distinct.arg?.toFlinkSql(), '`user`.id');
});

test('every aggregate with an expression argument', () => {
  for (const fn of ['sum', 'avg', 'min', 'max', 'first', 'last'] as const) {
    const spec = parseAggregate(` ${fn.toUpperCase()}( amount * 2 ) `);
    assert.equal(spec.fn, fn);
    assert.equal(spec.arg?.text, 'amount * 2');
    assert.equal(spec.arg?.evaluate({ amount: 4 }), 8);
    assert.equal(spec.text, ` ${fn.toUpperCase()}( amount * 2 ) `);
  }
  assert.equal(parseAggregate('first_value(x)').fn, 'first');
  assert.equal(parseAggregate('last_value(x)').fn, 'last');
  assert.equal(parseAggregate('sum(DISTINCT x)').distinct, true);
  assert.equal(parseAggregate("max(CASE WHEN a > 1 THEN a END)").arg?.evaluate({ a: 3 }), 3);
});

test('errors carry positions: unknown aggregates, bad stars, trailing text', () => {
  assert.deepEqual(failure('median(x)'), { code: 'ENG_EXPR_UNKNOWN_FUNCTION', position: 0, message: "unknown aggregate 'median': expected count, sum, avg, min, max, first or last at position 0" });
  assert.equal(failure('  stddev(x)').position, 2);
  assert.match(failure('cout(*)').message, /unknown aggregate 'cout' \(did you mean count\?\)/);
  assert.equal(failure('sum(*)').code, 'ENG_EXPR_SYNTAX');
  assert.equal(failure('count(DISTINCT *)').code, 'ENG_EXPR_SYNTAX');
  assert.equal(failure('sum(x) * 2').position, 7);
  assert.equal(failure('sum(x').position, 5);
  assert.equal(failure('amount').position, 0);
  assert.equal(failure('').position, 0);
  assert.equal(failure('sum()').position, 4);
  assert.deepEqual(failure('sum(nope(x))').code, 'ENG_EXPR_UNKNOWN_FUNCTION');
  assert.equal(failure('sum(nope(x))').position, 4);
  assert.equal(failure('sum(count(x))').code, 'ENG_EXPR_UNKNOWN_FUNCTION');
});
