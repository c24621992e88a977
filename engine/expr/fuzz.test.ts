// Seeded random input: whatever the text, compiling, checking, tokenizing and evaluating either succeed or
// throw an EngineError, and always finish. The work per case is bounded by the input size, and the case
// count is fixed, so the test cannot hang and does not depend on the clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../errors.ts';
import type { Row } from '../runtime/types.ts';
import type { CompiledExpression } from './index.ts';
import { checkExpression, compileExpression, parseAggregate, tokenize } from './index.ts';

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const valid = [
  'amount > 0 AND region IS NOT NULL', "upper(region) || '-' || lower(product)", 'quantity * unit_price - 1',
  "CASE WHEN amount > 500 THEN 'big' WHEN amount > 50 THEN 'mid' ELSE 'small' END", "date_trunc('minute', event_time)",
  'EXTRACT(HOUR FROM event_time) BETWEEN 9 AND 17', "region IN ('north', 'south', NULL)", "product LIKE 'a%b_c' ESCAPE '!'",
  "CAST(amount AS DECIMAL(10, 2)) > CAST('12.5' AS DOUBLE)", 'coalesce(customer.address.city, "region", `product`)',
  "SUBSTRING(product FROM 2 FOR 3) = 'bc'", "TRIM(BOTH 'x' FROM product)", "event_time > TIMESTAMP '2026-01-01 00:00:00' - INTERVAL '5' MINUTE",
  'NOT (quantity % 2 = 0) OR amount / quantity > 3', "POSITION('a' IN product) + length(product)", 'round(amount, 2) <> abs(-amount)',
  "IF(amount > 0, greatest(amount, 1), least(amount, -1))", "nullif(region, 'x') IS NULL", 'CEIL(event_time TO HOUR) > event_time',
];

const fragments = [
  ' ', '(', ')', ',', '.', "'", '"', '`', '+', '-', '*', '/', '%', '||', '=', '<>', '!=', '<', '<=', '>', '>=', '--', '/*', '*/',
  'AND', 'OR', 'NOT', 'IS', 'NULL', 'TRUE', 'IN', 'BETWEEN', 'LIKE', 'ESCAPE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST',
  'AS', 'INT', 'DECIMAL(5,2)', 'TIMESTAMP', 'DATE', 'INTERVAL', 'EXTRACT', 'FROM', 'FOR', 'TO', 'HOUR', 'TRIM', 'SUBSTRING',
  'POSITION', 'FLOOR', 'date_trunc', 'lower', 'upper', 'coalesce', 'count', 'sum', 'DISTINCT', 'amount', 'region', 'a.b',
  '0', '1', '2.5', '1e3', "'x'", "'2026-01-01 00:00:00'", "'%'", '😀', 'é', '\u0000', '?', '#', '\n',
];

const rows: Row[] = [
  { amount: 12.5, quantity: 3, unit_price: 4, region: 'north', product: 'abc', event_time: new Date('2026-01-01T10:00:00Z'), customer: { address: { city: 'x' } } },
  { amount: 'oops', quantity: 0, region: null, product: 7, event_time: 'not a time' },
  { amount: null, quantity: null, event_time: new Date(Number.NaN), customer: null },
  {},
];

function expectEngineError(run: () => unknown, input: string): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof EngineError)) assert.fail(`non-EngineError for ${JSON.stringify(input)}: ${String(error)}`);
    assert.ok(['ENG_EXPR_SYNTAX', 'ENG_EXPR_UNKNOWN_FUNCTION', 'ENG_EXPR_EVAL'].includes(error.code), error.code);
  }
}

function outcome(compiled: CompiledExpression, row: Row): unknown {
  try {
    return { value: compiled.evaluate(row) };
  } catch (error) {
    return { error: error instanceof EngineError ? error.code : String(error) };
  }
}

function exercise(input: string): void {
  let compiled: CompiledExpression | null = null;
  expectEngineError(() => {
    compiled = compileExpression(input);
  }, input);
  const issues = checkExpression(input, ['amount', 'region']);
  assert.ok(Array.isArray(issues));
  if (compiled === null) assert.ok(issues.length > 0, `no issue reported for ${JSON.stringify(input)}`);
  const tokens = tokenize(input);
  assert.equal(tokens.map((t) => input.slice(t.start, t.end)).join(''), input);
  expectEngineError(() => parseAggregate(input), input);
  const c = compiled as CompiledExpression | null;
  if (c) {
    for (const row of rows) expectEngineError(() => c.evaluate(row), input);
    // What we export must parse back and mean the same thing.
    const sql = c.toFlinkSql();
    const again = compileExpression(sql);
    assert.equal(again.toFlinkSql(), sql, `unstable rendering of ${JSON.stringify(input)}`);
    for (const row of rows) assert.deepEqual(outcome(again, row), outcome(c, row), `${JSON.stringify(input)} → ${sql}`);
  }
}

test('random strings of SQL fragments never crash anything', () => {
  const random = mulberry32(20260101);
  for (let i = 0; i < 3000; i++) {
    const n = 1 + Math.floor(random() * 14);
    let text = '';
    for (let j = 0; j < n; j++) text += `${fragments[Math.floor(random() * fragments.length)]}${random() < 0.6 ? ' ' : ''}`;
    exercise(text);
  }
});

test('random mutations of valid expressions never crash anything', () => {
  const random = mulberry32(7);
  let compiledCount = 0;
  for (let i = 0; i < 4000; i++) {
    let text = valid[Math.floor(random() * valid.length)] as string;
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * (text.length + 1));
      const choice = random();
      if (choice < 0.3) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 4));
      else if (choice < 0.6) text = text.slice(0, at) + (fragments[Math.floor(random() * fragments.length)] as string) + text.slice(at);
      else if (choice < 0.8) text = text.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + text.slice(at + 1);
      else {
        const other = valid[Math.floor(random() * valid.length)] as string;
        const from = Math.floor(random() * other.length);
        text = text.slice(0, at) + other.slice(from, from + 1 + Math.floor(random() * 20)) + text.slice(at);
      }
    }
    exercise(text);
    if (checkExpression(text).length === 0) compiledCount++;
  }
  // Mutations must keep some inputs valid, or this would only ever test the error paths.
  assert.ok(compiledCount > 200, `only ${compiledCount} mutated inputs compiled`);
});

test('every valid seed expression compiles and evaluates on every row', () => {
  for (const text of valid) {
    const compiled = compileExpression(text);
    for (const row of rows) expectEngineError(() => compiled.evaluate(row), text);
  }
});

test('pathological shapes stay bounded', () => {
  for (const text of [
    `${'('.repeat(10_000)}`, `${')'.repeat(10_000)}`, `a${' OR a'.repeat(10_000)}`, `a${' || a'.repeat(10_000)}`,
    `${'CASE WHEN a THEN '.repeat(2000)}1${' END'.repeat(2000)}`, `coalesce(${'a, '.repeat(10_000)}a)`,
    `a IN (${'1, '.repeat(10_000)}1)`, `'${"''".repeat(20_000)}'`, `${'-'.repeat(20_000)}`, `${'NOT '.repeat(300)}TRUE`,
    `${'1 + '.repeat(900)}1`, `${'abs('.repeat(250)}1${')'.repeat(250)}`,
  ]) {
    exercise(text);
  }
});
