import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../errors.ts';
import type { Row } from '../runtime/types.ts';
import { compileExpression } from './index.ts';

const ts = (iso: string): Date => new Date(iso);

function ev(text: string, row: Row = {}): unknown {
  return compileExpression(text).evaluate(row);
}

function fails(text: string, pattern: RegExp, row: Row = {}): void {
  assert.throws(() => compileExpression(text).evaluate(row), (e: unknown) => e instanceof EngineError && e.code === 'ENG_EXPR_EVAL' && pattern.test(e.message), text);
}

test('string functions', () => {
  assert.equal(ev("lower('AbC')"), 'abc');
  assert.equal(ev("UPPER('AbC')"), 'ABC');
  assert.equal(ev("length('héllo')"), 5);
  assert.equal(ev("char_length('')"), 0);
  assert.equal(ev("CHARACTER_LENGTH('ab')"), 2);
  assert.equal(ev("substr('hello', 2, 3)"), 'ell');
  assert.equal(ev("substring('hello', 2)"), 'ello');
  assert.equal(ev("SUBSTRING('hello' FROM 2 FOR 2)"), 'el');
  assert.equal(ev("SUBSTRING('hello' FROM 0 FOR 2)"), 'h');
  assert.equal(ev("SUBSTRING('hello' FROM -5 FOR 2)"), '');
  assert.equal(ev("substr('hello', 10)"), '');
  assert.equal(ev("substr('hello', 4, 100)"), 'lo');
  fails("substr('hello', 1, -1)", /substring length must not be negative/);
  assert.equal(ev("concat('a', 'b', 'c')"), 'abc');
  assert.equal(ev("concat('a', 1, TRUE)"), 'a1TRUE');
  assert.equal(ev("concat('a', NULL)"), null);
  assert.equal(ev("concat_ws('-', 'a', NULL, 'b')"), 'a-b');
  assert.equal(ev("concat_ws(NULL, 'a')"), null);
  assert.equal(ev("trim('  a b  ')"), 'a b');
  assert.equal(ev("TRIM(LEADING FROM '  a  ')"), 'a  ');
  assert.equal(ev("TRIM(TRAILING FROM '  a  ')"), '  a');
  assert.equal(ev("TRIM(BOTH 'xy' FROM 'xyaxby')"), 'axb');
  assert.equal(ev("ltrim('  a ')"), 'a ');
  assert.equal(ev("rtrim('  a ')"), '  a');
  assert.equal(ev("replace('a-b-c', '-', '+')"), 'a+b+c');
  assert.equal(ev("replace('abc', '', 'x')"), 'abc');
  assert.equal(ev("POSITION('lo' IN 'hello')"), 4);
  assert.equal(ev("position('z' IN 'hello')"), 0);
  assert.equal(ev("strpos('hello', 'l')"), 3);
  assert.equal(ev("locate('l', 'hello')"), 3);
  fails('lower(a)', /lower\(\) expects a string but got number 5/, { a: 5 });
  fails('length(a)', /length\(\) expects a string/, { a: true });
  fails("replace(a, 'x', 1)", /replace\(\) expects a string but got number 1/, { a: 'x' });
  for (const text of ['lower(a)', 'upper(a)', 'length(a)', 'substr(a, 1)', "replace(a, 'x', 'y')", 'trim(a)', "position('a' IN a)"]) {
    assert.equal(ev(text), null, text);
  }
});

test('numeric functions', () => {
  assert.equal(ev('abs(-3.5)'), 3.5);
  assert.equal(ev('round(2.5)'), 3);
  assert.equal(ev('round(-2.5)'), -3);
  assert.equal(ev('round(2.675, 2)'), 2.68);
  assert.equal(ev('round(1234.5678, -2)'), 1200);
  assert.equal(ev('round(1.23456789e-7, 9)'), 1.23e-7);
  assert.equal(ev('floor(-1.5)'), -2);
  assert.equal(ev('ceil(1.2)'), 2);
  assert.equal(ev('ceiling(-1.2)'), -1);
  assert.equal(ev('mod(7, 3)'), 1);
  assert.equal(ev('mod(-7, 3)'), -1);
  fails('mod(1, 0)', /mod\(\) by zero/);
  assert.equal(ev('power(2, 10)'), 1024);
  assert.equal(ev('sqrt(16)'), 4);
  assert.equal(ev('sign(-4)'), -1);
  assert.equal(ev('exp(0)'), 1);
  assert.equal(ev('ln(1)'), 0);
  assert.equal(ev('log10(1000)'), 3);
  fails("abs('x')", /abs\(\) expects a number but got string 'x'/);
  for (const text of ['abs(a)', 'round(a, 2)', 'round(2, a)', 'floor(a)', 'ceil(a)', 'mod(a, 2)', 'power(a, 2)', 'sqrt(a)']) {
    assert.equal(ev(text), null, text);
  }
});

test('conditional functions: coalesce, nullif, if, ifnull, greatest, least', () => {
  assert.equal(ev('coalesce(a, b, 3)', { b: 2 }), 2);
  assert.equal(ev('coalesce(a, b)'), null);
  assert.equal(ev('coalesce(a, 1 / 0)', { a: 1 }), 1);
  assert.equal(ev('ifnull(a, 5)'), 5);
  assert.equal(ev('nullif(a, 0)', { a: 0 }), null);
  assert.equal(ev('nullif(a, 0)', { a: 1 }), 1);
  assert.equal(ev('nullif(a, b)', { a: 1 }), 1);
  assert.equal(ev("IF(a > 1, 'y', 'n')", { a: 2 }), 'y');
  assert.equal(ev("IF(a > 1, 'y', 'n')", {}), 'n');
  assert.equal(ev('IF(a = 0, 0, 1 / a)', { a: 0 }), 0);
  fails('IF(a, 1, 2)', /IF expects a boolean/, { a: 1 });
  assert.equal(ev('greatest(1, 5, 3)'), 5);
  assert.equal(ev('least(4, 2, 3)'), 2);
  assert.equal(ev("greatest('a', 'c', 'b')"), 'c');
  assert.equal(ev('greatest(1, a)'), null);
  assert.deepEqual(ev('least(a, b)', { a: ts('2026-01-02T00:00:00Z'), b: ts('2026-01-01T00:00:00Z') }), ts('2026-01-01T00:00:00Z'));
  fails("greatest(1, 'x')", /cannot compare/);
});

test('date_trunc and FLOOR/CEIL(… TO unit) for every unit', () => {
  const t = { t: ts('2026-05-14T13:47:29.123Z') }; // a Thursday
  const expect: Record<string, string> = {
    second: '2026-05-14T13:47:29.000Z', minute: '2026-05-14T13:47:00.000Z', hour: '2026-05-14T13:00:00.000Z',
    day: '2026-05-14T00:00:00.000Z', week: '2026-05-11T00:00:00.000Z', month: '2026-05-01T00:00:00.000Z',
    quarter: '2026-04-01T00:00:00.000Z', year: '2026-01-01T00:00:00.000Z',
  };
  for (const [unit, iso] of Object.entries(expect)) {
    assert.deepEqual(ev(`date_trunc('${unit}', t)`, t), ts(iso), unit);
    assert.deepEqual(ev(`FLOOR(t TO ${unit.toUpperCase()})`, t), ts(iso), unit);
  }
  assert.deepEqual(ev('CEIL(t TO MINUTE)', t), ts('2026-05-14T13:48:00.000Z'));
  assert.deepEqual(ev('CEIL(t TO MONTH)', t), ts('2026-06-01T00:00:00.000Z'));
  assert.deepEqual(ev('CEIL(t TO QUARTER)', t), ts('2026-07-01T00:00:00.000Z'));
  assert.deepEqual(ev('CEIL(t TO WEEK)', t), ts('2026-05-18T00:00:00.000Z'));
  assert.deepEqual(ev('CEIL(t TO YEAR)', { t: ts('2026-01-01T00:00:00Z') }), ts('2026-01-01T00:00:00Z'));
  assert.deepEqual(ev("date_trunc('hour', '2026-01-01 10:30:00')"), ts('2026-01-01T10:00:00Z'));
  assert.deepEqual(ev("date_trunc('minute', t)", { t: ts('1969-12-31T23:59:59.500Z') }), ts('1969-12-31T23:59:00Z'));
  assert.equal(ev("date_trunc('minute', t)"), null);
  fails("date_trunc('minute', t)", /expects a timestamp but got number 5/, { t: 5 });
});

test('EXTRACT and the YEAR(…)/HOUR(…) shorthands', () => {
  const row = { t: ts('2026-05-17T13:47:29.123Z') }; // a Sunday
  const expect: Record<string, number> = {
    YEAR: 2026, QUARTER: 2, MONTH: 5, WEEK: 20, DAY: 17, DOW: 1, ISODOW: 7, DOY: 137, HOUR: 13, MINUTE: 47, SECOND: 29,
    MILLISECOND: 29_123, EPOCH: 1_779_025_649, DECADE: 202, CENTURY: 21, MILLENNIUM: 3, ISOYEAR: 2026,
  };
  for (const [unit, value] of Object.entries(expect)) assert.equal(ev(`EXTRACT(${unit} FROM t)`, row), value, unit);
  assert.equal(ev('EXTRACT(WEEK FROM t)', { t: ts('2027-01-01T00:00:00Z') }), 53);
  assert.equal(ev('EXTRACT(ISOYEAR FROM t)', { t: ts('2027-01-01T00:00:00Z') }), 2026);
  assert.equal(ev('EXTRACT(WEEK FROM t)', { t: ts('2026-01-01T00:00:00Z') }), 1);
  assert.equal(ev('EXTRACT(DOW FROM t)', { t: ts('2026-05-16T00:00:00Z') }), 7);
  assert.equal(ev('year(t) * 100 + month(t)', row), 202605);
  assert.equal(ev('hour(t)', row), 13);
  assert.equal(ev('dayofweek(t)', row), 1);
  assert.equal(ev('EXTRACT(DAY FROM t)'), null);
  assert.equal(ev("EXTRACT(DAY FROM DATE '2026-02-28')"), 28);
  fails('EXTRACT(DAY FROM t)', /EXTRACT\(DAY\) expects a timestamp but got string 'soon'/, { t: 'soon' });
});
