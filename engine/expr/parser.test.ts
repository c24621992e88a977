import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../errors.ts';
import type { Expr } from './ast.ts';
import { maxExpressionLength, parse } from './parser.ts';

/** A fully parenthesised prefix form of the tree, so precedence is visible in the assertions. */
function shape(node: Expr): string {
  switch (node.kind) {
    case 'literal': {
      const l = node.literal;
      if (l.type === 'null') return 'NULL';
      if (l.type === 'string') return `'${l.value}'`;
      if (l.type === 'number' || l.type === 'boolean') return String(l.value);
      if (l.type === 'interval') return `interval(${l.amount} ${l.unit})`;
      return `${l.type}(${new Date(l.ms).toISOString()})`;
    }
    case 'column':
      return node.path.join('.');
    case 'negate':
      return `(- ${shape(node.operand)})`;
    case 'not':
      return `(NOT ${shape(node.operand)})`;
    case 'binary':
      return `(${node.op} ${shape(node.left)} ${shape(node.right)})`;
    case 'logical':
      return `(${node.op} ${node.operands.map(shape).join(' ')})`;
    case 'is':
      return `(IS${node.negated ? ' NOT' : ''} ${node.test} ${shape(node.operand)})`;
    case 'in':
      return `(${node.negated ? 'NOT ' : ''}IN ${shape(node.operand)} ${node.list.map(shape).join(' ')})`;
    case 'between':
      return `(${node.negated ? 'NOT ' : ''}BETWEEN ${shape(node.operand)} ${shape(node.low)} ${shape(node.high)})`;
    case 'like':
      return `(${node.negated ? 'NOT ' : ''}LIKE ${shape(node.operand)} ${shape(node.pattern)}${node.escape ? ` ESCAPE ${node.escape}` : ''})`;
    case 'case':
      return `(CASE${node.operand ? ` ${shape(node.operand)}` : ''} ${node.whens.map((w) => `[${shape(w.when)} ${shape(w.then)}]`).join(' ')}${node.otherwise ? ` ELSE ${shape(node.otherwise)}` : ''})`;
    case 'cast':
      return `(${node.safe ? 'TRY_CAST' : 'CAST'} ${shape(node.operand)} ${node.type.name}${node.type.length !== undefined ? `(${node.type.length}${node.type.scale !== undefined ? `,${node.type.scale}` : ''})` : ''})`;
    case 'extract':
      return `(EXTRACT ${node.unit} ${shape(node.operand)})`;
    case 'floorTime':
      return `(${node.ceil ? 'CEIL' : 'FLOOR'} ${shape(node.operand)} ${node.unit})`;
    case 'trim':
      return `(TRIM ${node.mode}${node.chars ? ` ${shape(node.chars)}` : ''} ${shape(node.operand)})`;
    case 'call':
      return `(${node.name} ${node.args.map(shape).join(' ')})`.replace(/ \)$/, ')');
  }
}

function p(text: string): string {
  return shape(parse(text));
}

function failure(text: string): { code: string; message: string; position: number } {
  try {
    parse(text);
  } catch (error) {
    assert.ok(error instanceof EngineError, `expected an EngineError for ${text}, got ${String(error)}`);
    const details = error.details as { position: number };
    return { code: error.code, message: error.message, position: details.position };
  }
  assert.fail(`expected ${JSON.stringify(text)} to fail`);
}

test('arithmetic precedence and associativity follow Calcite', () => {
  assert.equal(p('1 + 2 * 3'), '(+ 1 (* 2 3))');
  assert.equal(p('1 - 2 - 3'), '(- (- 1 2) 3)');
  assert.equal(p('(1 + 2) * 3'), '(* (+ 1 2) 3)');
  assert.equal(p('a / b % c'), '(% (/ a b) c)');
  assert.equal(p('-a * b'), '(* (- a) b)');
  assert.equal(p('- - a'), '(- (- a))');
  assert.equal(p('+a'), 'a');
  assert.equal(p("a || b + c"), '(+ (|| a b) c)');
  assert.equal(p("a + b || c"), '(+ a (|| b c))');
});

test('logical precedence: OR < AND < NOT < comparison', () => {
  assert.equal(p('a OR b AND c'), '(OR a (AND b c))');
  assert.equal(p('a AND b OR c AND d'), '(OR (AND a b) (AND c d))');
  assert.equal(p('a AND b AND c'), '(AND a b c)');
  assert.equal(p('NOT a = b'), '(NOT (= a b))');
  assert.equal(p('NOT a AND b'), '(AND (NOT a) b)');
  assert.equal(p('NOT NOT a'), '(NOT (NOT a))');
  assert.equal(p('a = 1 IS NULL'), '(IS NULL (= a 1))');
  assert.equal(p('a > 1 + 2'), '(> a (+ 1 2))');
  assert.equal(p('a != b'), '(<> a b)');
});

test('IS, IN, BETWEEN and LIKE in all their forms', () => {
  assert.equal(p('a IS NULL'), '(IS NULL a)');
  assert.equal(p('a is not null'), '(IS NOT NULL a)');
  assert.equal(p('a IS TRUE'), '(IS TRUE a)');
  assert.equal(p('a IS NOT FALSE'), '(IS NOT FALSE a)');
  assert.equal(p('a IS UNKNOWN'), '(IS NULL a)');
  assert.equal(p("a IN (1, 2, 'x')"), "(IN a 1 2 'x')");
  assert.equal(p('a NOT IN (b + 1)'), '(NOT IN a (+ b 1))');
  assert.equal(p('x BETWEEN 1 AND 2 AND y'), '(AND (BETWEEN x 1 2) y)');
  assert.equal(p('x NOT BETWEEN a + 1 AND b * 2'), '(NOT BETWEEN x (+ a 1) (* b 2))');
  assert.equal(p("name LIKE 'a%'"), "(LIKE name 'a%')");
  assert.equal(p("name NOT LIKE 'a!%' ESCAPE '!'"), "(NOT LIKE name 'a!%' ESCAPE !)");
  assert.equal(p("a LIKE 'x' AND b"), "(AND (LIKE a 'x') b)");
});

test('literals, typed literals and comments', () => {
  assert.equal(p('1.5e3'), '1500');
  assert.equal(p('.5'), '0.5');
  assert.equal(p("'it''s'"), "'it's'");
  assert.equal(p('TRUE AND false'), '(AND true false)');
  assert.equal(p('NULL'), 'NULL');
  assert.equal(p("TIMESTAMP '2026-01-01 10:00:00'"), 'timestamp(2026-01-01T10:00:00.000Z)');
  assert.equal(p("timestamp '2026-01-01T10:00:00.250Z'"), 'timestamp(2026-01-01T10:00:00.250Z)');
  assert.equal(p("DATE '2026-03-01'"), 'date(2026-03-01T00:00:00.000Z)');
  assert.equal(p("INTERVAL '5' MINUTE"), 'interval(5 MINUTE)');
  assert.equal(p("INTERVAL '100' DAY(3)"), 'interval(100 DAY)');
  assert.equal(p('a -- a comment\n + 1'), '(+ a 1)');
  assert.equal(p('a /* block */ + 1'), '(+ a 1)');
});

test('column references: nested, quoted with double quotes or backticks, case kept', () => {
  assert.equal(p('customer.address.city'), 'customer.address.city');
  assert.equal(p('"order id" + `my``col`.x'), '(+ order id my`col.x)');
  assert.equal(p('"a""b"'), 'a"b');
  assert.equal(p('Amount'), 'Amount');
  assert.equal(p('a.end'), 'a.end');
  // Contextual words are columns unless used as their construct.
  assert.equal(p('date > timestamp'), '(> date timestamp)');
  assert.equal(p('hour'), 'hour');
});

test('CASE, CAST, EXTRACT and the special function syntaxes', () => {
  assert.equal(p("CASE WHEN a > 1 THEN 'x' WHEN b THEN 'y' ELSE 'z' END"), "(CASE [(> a 1) 'x'] [b 'y'] ELSE 'z')");
  assert.equal(p("case a when 1 then 'one' end"), "(CASE a [1 'one'])");
  assert.equal(p('CAST(a AS INT)'), '(CAST a INT)');
  assert.equal(p('cast(a as integer)'), '(CAST a INT)');
  assert.equal(p('CAST(a AS DECIMAL(10, 2))'), '(CAST a DECIMAL(10,2))');
  assert.equal(p('CAST(a AS DECIMAL)'), '(CAST a DECIMAL(10,0))');
  assert.equal(p('CAST(a AS VARCHAR(5))'), '(CAST a VARCHAR(5))');
  assert.equal(p('CAST(a AS DOUBLE PRECISION)'), '(CAST a DOUBLE)');
  assert.equal(p('CAST(a AS TIMESTAMP(3) WITHOUT TIME ZONE)'), '(CAST a TIMESTAMP(3))');
  assert.equal(p('TRY_CAST(a AS BIGINT)'), '(TRY_CAST a BIGINT)');
  assert.equal(p('EXTRACT(HOUR FROM ts)'), '(EXTRACT HOUR ts)');
  assert.equal(p('extract(dow from ts)'), '(EXTRACT DOW ts)');
  assert.equal(p('year(ts)'), '(EXTRACT YEAR ts)');
  assert.equal(p("date_trunc('Minute', ts)"), '(FLOOR ts MINUTE)');
  assert.equal(p('FLOOR(ts TO HOUR)'), '(FLOOR ts HOUR)');
  assert.equal(p('CEIL(ts TO DAY)'), '(CEIL ts DAY)');
  assert.equal(p('floor(x)'), '(floor x)');
  assert.equal(p('SUBSTRING(s FROM 2 FOR 3)'), '(substring s 2 3)');
  assert.equal(p('substring(s, 2)'), '(substring s 2)');
  assert.equal(p("POSITION('a' IN s)"), "(position 'a' s)");
  assert.equal(p('TRIM(s)'), '(TRIM BOTH s)');
  assert.equal(p("TRIM(LEADING 'x' FROM s)"), "(TRIM LEADING 'x' s)");
  assert.equal(p('TRIM(TRAILING FROM s)'), '(TRIM TRAILING s)');
  assert.equal(p("trim('xy' FROM s)"), "(TRIM BOTH 'xy' s)");
  assert.equal(p('LOWER(a)'), '(lower a)');
  assert.equal(p('coalesce(a, b, 1)'), '(coalesce a b 1)');
});

test('syntax errors carry the position of the offending token', () => {
  assert.deepEqual(failure('amount >'), { code: 'ENG_EXPR_SYNTAX', message: 'the expression ends too early: a value is missing at position 8', position: 8 });
  assert.equal(failure('amount > > 1').position, 9);
  assert.equal(failure('(a + 1').position, 6);
  assert.match(failure('(a + 1').message, /expected '\)'/);
  assert.equal(failure('a b').position, 2);
  assert.equal(failure("a = 'abc").position, 4);
  assert.match(failure("a = 'abc").message, /unterminated string/);
  assert.equal(failure('a ? b').position, 2);
  assert.equal(failure('a IS 5').position, 5);
  assert.equal(failure('a AND AND b').position, 6);
  assert.equal(failure('CAST(a AS blob)').position, 10);
  assert.match(failure('CAST(a AS blob)').message, /unknown type blob/);
  assert.equal(failure('CAST(a INT)').position, 7);
  assert.equal(failure('x IN ()').position, 6);
  assert.equal(failure("date_trunc(unit, ts)").position, 11);
  assert.equal(failure("date_trunc('fortnight', ts)").position, 11);
  assert.equal(failure("TIMESTAMP '2026-02-30 00:00:00'").position, 10);
  assert.equal(failure("DATE '2026-01-01 10:00'").position, 5);
  assert.equal(failure("INTERVAL 'five' MINUTE").position, 9);
  assert.equal(failure("INTERVAL '5' WEEKS").position, 13);
  assert.equal(failure('CASE END').position, 5);
  assert.equal(failure('CASE WHEN a THEN 1').position, 18);
  assert.equal(failure('lower(a, b)').position, 0);
  assert.match(failure('lower(a, b)').message, /lower\(\) takes 1 argument but got 2/);
  assert.equal(failure('a.').position, 2);
  assert.equal(failure('""').position, 0);
  assert.equal(failure('').position, 0);
  assert.equal(failure('   ').position, 0);
  assert.equal(failure('1e+').position, 0);
  assert.equal(failure('/* open').position, 0);
  assert.equal(failure("x LIKE 'a' ESCAPE 'ab'").position, 18);
  assert.equal(failure('TRIM(BOTH s)').position, 11);
  assert.equal(failure('a NOT b').position, 2);
});

test('unknown functions and aggregates in row expressions are ENG_EXPR_UNKNOWN_FUNCTION', () => {
  assert.deepEqual(failure('a + frobnicate(1)'), { code: 'ENG_EXPR_UNKNOWN_FUNCTION', message: "unknown function 'frobnicate' at position 4", position: 4 });
  const agg = failure('SUM(amount) > 10');
  assert.equal(agg.code, 'ENG_EXPR_UNKNOWN_FUNCTION');
  assert.match(agg.message, /aggregate function/);
  assert.equal(agg.position, 0);
});

test('depth and length are bounded with syntax errors, not stack overflows', () => {
  const deepParens = `${'('.repeat(300)}1${')'.repeat(300)}`;
  assert.match(failure(deepParens).message, /nested too deeply/);
  assert.equal(parse(`${'('.repeat(200)}1${')'.repeat(200)}`).kind, 'literal');
  assert.match(failure(`${'NOT '.repeat(5000)}a`).message, /nested too deeply/);
  assert.match(failure(`${'- '.repeat(5000)}a`).message, /nested too deeply/);
  assert.match(failure(`${'-'.repeat(50)}a`).message, /empty/);
  assert.match(failure(`${'lower('.repeat(400)}a${')'.repeat(400)}`).message, /nested too deeply/);
  assert.match(failure(`a${' + a'.repeat(5000)}`).message, /too deeply nested/);
  // Long AND/OR chains are flat, so they stay within the bound.
  assert.equal(parse(`a = 1${' OR a = 1'.repeat(3000)}`).depth, 3);
  assert.match(failure('a'.repeat(maxExpressionLength + 1)).message, /too long/);
});
