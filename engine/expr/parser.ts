// Recursive descent with Pratt-style binding powers for the infix operators. Binding powers follow Apache
// Calcite (Flink's parser), so the same text means the same thing here and in Flink:
// OR 22 < AND 24 < NOT 26 < IS 28 < comparisons 30 < IN/LIKE/BETWEEN 32 < + - 40 < * / % || 60 < unary 80.
import { EngineError } from '../errors.ts';
import type { BinaryOperator, CastType, CastTypeName, Expr, ExtractUnit, IntervalUnit, LiteralValue, TimeUnit } from './ast.ts';
import { children } from './ast.ts';
import { aggregateNames, extractFunctions, lazyFunctions, scalarFunctions } from './functions.ts';
import type { Lexeme } from './lexer.ts';
import { lex } from './lexer.ts';
import { closest } from './suggest.ts';
import { parseTimestamp } from './values.ts';

/** Longest expression text accepted (a pipeline is a document people read; this is far beyond that). */
export const maxExpressionLength = 65_536;
/** Deepest nesting of parentheses, prefix operators and function calls. */
export const maxNesting = 256;
/** Deepest tree, which also bounds long operator chains such as `a + a + a + …`: evaluation recurses this deep. */
export const maxTreeDepth = 1_000;

/** Words that cannot be bare column names (quote them: `"end"` or `` `end` ``). */
export const reservedWords: ReadonlySet<string> = new Set([
  'AND', 'OR', 'NOT', 'IS', 'IN', 'BETWEEN', 'LIKE', 'ESCAPE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END',
  'AS', 'FROM', 'FOR', 'DISTINCT', 'NULL', 'TRUE', 'FALSE',
]);

export const timeUnits: ReadonlySet<string> = new Set(['MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR']);
export const extractUnits: ReadonlySet<string> = new Set([...timeUnits, 'DOW', 'ISODOW', 'DOY', 'EPOCH', 'DECADE', 'CENTURY', 'MILLENNIUM', 'ISOYEAR']);
const intervalUnits: ReadonlySet<string> = new Set(['SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH', 'YEAR']);

type Token = Lexeme | { kind: 'eof'; start: number; end: number; value: string; raw?: string };

interface Infix {
  bp: number;
  kind: 'arith' | 'compare' | 'logical' | 'is' | 'in' | 'between' | 'like';
}

const arithmeticPower: Readonly<Record<string, number>> = { '||': 60, '*': 60, '/': 60, '%': 60, '+': 40, '-': 40 };
const comparisons = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);

export interface AggregateCall {
  name: string;
  nameStart: number;
  nameEnd: number;
  distinct: boolean;
  star: boolean;
  arg: Expr | null;
}

function unknownFunctionMessage(raw: string): string {
  const names = [...scalarFunctions.keys(), ...lazyFunctions.keys(), ...extractFunctions.keys(), 'cast', 'try_cast', 'extract', 'trim', 'date_trunc'];
  const guess = closest(raw, names);
  return guess ? `unknown function '${raw}' (did you mean ${guess}?)` : `unknown function '${raw}'`;
}

export function syntaxError(message: string, position: number, length: number): EngineError {
  return new EngineError('ENG_EXPR_SYNTAX', `${message} at position ${position}`, { position, length });
}

function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'the end of the expression';
  const text = t.kind === 'word' ? (t.raw ?? t.value) : t.kind === 'string' ? `'${t.value}'` : t.kind === 'quoted' ? `"${t.value}"` : t.value;
  const clipped = text.length > 30 ? `${text.slice(0, 29)}…` : text;
  return t.kind === 'string' ? `string ${clipped}` : `'${clipped}'`;
}

export class Parser {
  private readonly text: string;
  private readonly tokens: Token[];
  private index = 0;
  private nesting = 0;

  constructor(text: string) {
    this.text = text;
    if (text.length > maxExpressionLength) {
      throw syntaxError(`expression is too long (${text.length} characters; the limit is ${maxExpressionLength})`, maxExpressionLength, 0);
    }
    this.tokens = lex(text).filter((t) => t.kind !== 'whitespace');
    this.tokens.push({ kind: 'eof', start: text.length, end: text.length, value: '' });
  }

  /** Parses the whole text as one expression. */
  parseExpression(): Expr {
    if (this.peek().kind === 'eof') throw syntaxError('the expression is empty', 0, 0);
    const expr = this.expression(0);
    this.expectEnd();
    return expr;
  }

  /** Parses the whole text as one aggregate call: `count(*)`, `count(DISTINCT x)`, `sum(a * b)`. */
  parseAggregateCall(): AggregateCall {
    const nameToken = this.next();
    if (nameToken.kind !== 'word' || reservedWords.has(nameToken.value) || !this.isPunct(this.peek(), '(')) {
      throw this.error('expected an aggregate such as count(*), sum(amount) or max(price)', nameToken);
    }
    const name = nameToken.value.toLowerCase();
    this.next();
    let distinct = false;
    let star = false;
    let arg: Expr | null = null;
    if (this.isWord(this.peek(), 'DISTINCT')) {
      this.next();
      distinct = true;
    } else if (this.isWord(this.peek(), 'ALL')) {
      this.next();
    }
    const first = this.peek();
    if (first.kind === 'operator' && first.value === '*') {
      this.next();
      star = true;
    } else {
      arg = this.expression(0);
    }
    this.expectPunct(')', `to close ${name}(`);
    this.expectEnd();
    return { name, nameStart: nameToken.start, nameEnd: nameToken.end, distinct, star, arg };
  }

  private expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') throw this.error(`unexpected ${describeToken(t)} after a complete expression`, t);
  }

  private peek(offset = 0): Token {
    const t = this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token;
    if (t.kind === 'error') throw syntaxError(t.value, t.start, t.end - t.start);
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return t;
  }

  private error(message: string, t: Token): EngineError {
    return syntaxError(message, t.start, t.end - t.start);
  }

  private isWord(t: Token, word: string): boolean {
    return t.kind === 'word' && t.value === word;
  }

  private isPunct(t: Token, p: string): boolean {
    return t.kind === 'punctuation' && t.value === p;
  }

  private expectPunct(p: string, context: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, p)) throw this.error(`expected '${p}' ${context} but found ${describeToken(t)}`, t);
    return this.next();
  }

  private expectWord(word: string, context: string): Token {
    const t = this.peek();
    if (!this.isWord(t, word)) throw this.error(`expected ${word} ${context} but found ${describeToken(t)}`, t);
    return this.next();
  }

  /** Fills in the depth of a new node and enforces the tree depth bound. */
  private finish<T extends Expr>(node: T): T {
    let depth = 0;
    for (const child of children(node)) depth = Math.max(depth, child.depth);
    node.depth = depth + 1;
    if (node.depth > maxTreeDepth) {
      throw syntaxError(`expression is too deeply nested (more than ${maxTreeDepth} levels)`, node.start, node.end - node.start);
    }
    return node;
  }

  private expression(minBp: number): Expr {
    if (++this.nesting > maxNesting) {
      throw this.error(`expression is nested too deeply (more than ${maxNesting} levels)`, this.peek());
    }
    let left = this.prefix();
    for (;;) {
      const infix = this.infixAt(this.peek());
      if (!infix || infix.bp <= minBp) break;
      left = this.infix(left, infix);
    }
    this.nesting--;
    return left;
  }

  private infixAt(t: Token): Infix | null {
    if (t.kind === 'operator') {
      if (comparisons.has(t.value)) return { bp: 30, kind: 'compare' };
      const bp = arithmeticPower[t.value];
      return bp === undefined ? null : { bp, kind: 'arith' };
    }
    if (t.kind !== 'word') return null;
    switch (t.value) {
      case 'OR':
        return { bp: 22, kind: 'logical' };
      case 'AND':
        return { bp: 24, kind: 'logical' };
      case 'IS':
        return { bp: 28, kind: 'is' };
      case 'IN':
        return { bp: 32, kind: 'in' };
      case 'LIKE':
        return { bp: 32, kind: 'like' };
      case 'BETWEEN':
        return { bp: 32, kind: 'between' };
      case 'NOT': {
        const after = this.peek(1);
        if (after.kind !== 'word') return null;
        if (after.value === 'IN') return { bp: 32, kind: 'in' };
        if (after.value === 'LIKE') return { bp: 32, kind: 'like' };
        if (after.value === 'BETWEEN') return { bp: 32, kind: 'between' };
        return null;
      }
      default:
        return null;
    }
  }

  private infix(left: Expr, infix: Infix): Expr {
    const opToken = this.next();
    const start = left.start;
    switch (infix.kind) {
      case 'arith':
      case 'compare': {
        const right = this.expression(infix.bp);
        const op = (opToken.value === '!=' ? '<>' : opToken.value) as BinaryOperator;
        return this.finish({ kind: 'binary', op, left, right, start, end: right.end, depth: 0 });
      }
      case 'logical': {
        const op = opToken.value as 'AND' | 'OR';
        const right = this.expression(infix.bp);
        // AND/OR chains become one n-ary node: flat evaluation, and long generated chains stay shallow.
        if (left.kind === 'logical' && left.op === op) {
          // Extended in place: copying the operands per term would make long chains quadratic.
          left.operands.push(right);
          left.end = right.end;
          left.depth = Math.max(left.depth, right.depth + 1);
          if (left.depth > maxTreeDepth) throw syntaxError(`expression is too deeply nested (more than ${maxTreeDepth} levels)`, start, right.end - start);
          return left;
        }
        return this.finish({ kind: 'logical', op, operands: [left, right], start, end: right.end, depth: 0 });
      }
      case 'is': {
        let negated = false;
        if (this.isWord(this.peek(), 'NOT')) {
          this.next();
          negated = true;
        }
        const t = this.next();
        if (t.kind !== 'word' || !['NULL', 'TRUE', 'FALSE', 'UNKNOWN'].includes(t.value)) {
          throw this.error(`expected NULL, TRUE or FALSE after IS${negated ? ' NOT' : ''} but found ${describeToken(t)}`, t);
        }
        const test = t.value === 'UNKNOWN' ? 'NULL' : (t.value as 'NULL' | 'TRUE' | 'FALSE');
        return this.finish({ kind: 'is', operand: left, test, negated, start, end: t.end, depth: 0 });
      }
      case 'in': {
        const negated = opToken.value === 'NOT';
        if (negated) this.next();
        this.expectPunct('(', 'after IN');
        if (this.isPunct(this.peek(), ')')) throw this.error('the IN list is empty', this.peek());
        const list: Expr[] = [];
        for (;;) {
          list.push(this.expression(0));
          if (!this.isPunct(this.peek(), ',')) break;
          this.next();
        }
        const close = this.expectPunct(')', 'to close the IN list');
        return this.finish({ kind: 'in', operand: left, list, negated, start, end: close.end, depth: 0 });
      }
      case 'between': {
        const negated = opToken.value === 'NOT';
        if (negated) this.next();
        if (this.isWord(this.peek(), 'ASYMMETRIC')) this.next();
        const low = this.expression(32);
        this.expectWord('AND', 'between the BETWEEN bounds');
        const high = this.expression(32);
        return this.finish({ kind: 'between', operand: left, low, high, negated, start, end: high.end, depth: 0 });
      }
      case 'like': {
        const negated = opToken.value === 'NOT';
        if (negated) this.next();
        const pattern = this.expression(32);
        let escape: string | null = null;
        let end = pattern.end;
        if (this.isWord(this.peek(), 'ESCAPE')) {
          this.next();
          const t = this.next();
          if (t.kind !== 'string' || t.value.length !== 1) throw this.error('ESCAPE needs a string literal of exactly one character', t);
          escape = t.value;
          end = t.end;
        }
        return this.finish({ kind: 'like', operand: left, pattern, escape, negated, start, end, depth: 0 });
      }
    }
  }

  private literal(literal: LiteralValue, start: number, end: number): Expr {
    return { kind: 'literal', literal, start, end, depth: 1 };
  }

  private prefix(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return this.literal({ type: 'number', value: Number(t.value), raw: t.value }, t.start, t.end);
      case 'string':
        return this.literal({ type: 'string', value: t.value }, t.start, t.end);
      case 'quoted':
        if (t.value === '') throw this.error('a quoted identifier must not be empty', t);
        return this.column(t.value, t);
      case 'operator':
        if (t.value === '-' || t.value === '+') {
          const operand = this.expression(80);
          if (t.value === '+') return operand;
          return this.finish({ kind: 'negate', operand, start: t.start, end: operand.end, depth: 0 });
        }
        throw this.error(`expected a value but found ${describeToken(t)}`, t);
      case 'punctuation':
        if (t.value === '(') {
          const inner = this.expression(0);
          this.expectPunct(')', 'to close the parenthesis');
          return inner;
        }
        throw this.error(`expected a value but found ${describeToken(t)}`, t);
      case 'word':
        return this.word(t);
      case 'eof':
        throw this.error('the expression ends too early: a value is missing', t);
      default:
        throw this.error(`expected a value but found ${describeToken(t)}`, t);
    }
  }

  private word(t: Token): Expr {
    const upper = t.value;
    switch (upper) {
      case 'NULL':
        return this.literal({ type: 'null' }, t.start, t.end);
      case 'TRUE':
      case 'FALSE':
        return this.literal({ type: 'boolean', value: upper === 'TRUE' }, t.start, t.end);
      case 'NOT': {
        const operand = this.expression(26);
        return this.finish({ kind: 'not', operand, start: t.start, end: operand.end, depth: 0 });
      }
      case 'CASE':
        return this.caseExpression(t);
    }
    if (reservedWords.has(upper)) throw this.error(`unexpected keyword ${upper}: a value is missing`, t);
    const after = this.peek();
    if (this.isPunct(after, '(')) return this.call(t);
    if (after.kind === 'string') {
      if (upper === 'TIMESTAMP') return this.timestampLiteral(t);
      if (upper === 'DATE') return this.dateLiteral(t);
      if (upper === 'INTERVAL') return this.intervalLiteral(t);
    }
    return this.column(t.raw ?? t.value, t);
  }

  private column(first: string, t: Token): Expr {
    const path = [first];
    let end = t.end;
    while (this.isPunct(this.peek(), '.')) {
      this.next();
      const field = this.next();
      if (field.kind === 'word') path.push(field.raw ?? field.value);
      else if (field.kind === 'quoted' && field.value !== '') path.push(field.value);
      else throw this.error(`expected a field name after '.' but found ${describeToken(field)}`, field);
      end = field.end;
    }
    return { kind: 'column', path, start: t.start, end, depth: 1 };
  }

  private timestampLiteral(t: Token): Expr {
    const s = this.next();
    const ms = parseTimestamp(s.value);
    if (ms === null) throw this.error(`invalid TIMESTAMP literal '${s.value}': expected 'YYYY-MM-DD HH:MM:SS[.fff]'`, s);
    return this.literal({ type: 'timestamp', ms }, t.start, s.end);
  }

  private dateLiteral(t: Token): Expr {
    const s = this.next();
    const ms = /^\s*\d{4}-\d{1,2}-\d{1,2}\s*$/.test(s.value) ? parseTimestamp(s.value) : null;
    if (ms === null) throw this.error(`invalid DATE literal '${s.value}': expected 'YYYY-MM-DD'`, s);
    return this.literal({ type: 'date', ms }, t.start, s.end);
  }

  private intervalLiteral(t: Token): Expr {
    const s = this.next();
    if (!/^\s*[+-]?\d{1,9}\s*$/.test(s.value)) throw this.error(`invalid INTERVAL amount '${s.value}': expected a whole number such as '5'`, s);
    const unitToken = this.next();
    if (unitToken.kind !== 'word' || !intervalUnits.has(unitToken.value)) {
      throw this.error(`expected an interval unit (SECOND, MINUTE, HOUR, DAY, MONTH or YEAR) but found ${describeToken(unitToken)}`, unitToken);
    }
    let end = unitToken.end;
    if (this.isPunct(this.peek(), '(')) {
      // Leading-field precision such as DAY(3): it only widens what Flink accepts, so it needs no value here.
      this.next();
      this.integerArgument('interval precision', 1, 10);
      end = this.expectPunct(')', 'after the interval precision').end;
    }
    return this.literal({ type: 'interval', amount: Number(s.value), unit: unitToken.value as IntervalUnit }, t.start, end);
  }

  private integerArgument(what: string, min: number, max: number): number {
    const t = this.next();
    const value = t.kind === 'number' && /^\d+$/.test(t.value) ? Number(t.value) : Number.NaN;
    if (!(value >= min && value <= max)) throw this.error(`expected the ${what} as a whole number from ${min} to ${max} but found ${describeToken(t)}`, t);
    return value;
  }

  private caseExpression(t: Token): Expr {
    const operand = this.isWord(this.peek(), 'WHEN') ? null : this.expression(0);
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.isWord(this.peek(), 'WHEN')) {
      this.next();
      const when = this.expression(0);
      this.expectWord('THEN', 'after the WHEN condition');
      const then = this.expression(0);
      whens.push({ when, then });
    }
    if (whens.length === 0) throw this.error(`expected WHEN in CASE but found ${describeToken(this.peek())}`, this.peek());
    let otherwise: Expr | null = null;
    if (this.isWord(this.peek(), 'ELSE')) {
      this.next();
      otherwise = this.expression(0);
    }
    const end = this.expectWord('END', 'to close CASE');
    return this.finish({ kind: 'case', operand, whens, otherwise, start: t.start, end: end.end, depth: 0 });
  }

  private arguments(first: Expr | null): { args: Expr[]; end: number } {
    const args: Expr[] = first ? [first] : [];
    if (!first && this.isPunct(this.peek(), ')')) return { args, end: this.next().end };
    if (first) {
      if (this.isPunct(this.peek(), ')')) return { args, end: this.next().end };
      this.expectPunct(',', 'between arguments');
    }
    for (;;) {
      args.push(this.expression(0));
      if (!this.isPunct(this.peek(), ',')) break;
      this.next();
    }
    const close = this.expectPunct(')', 'to close the argument list');
    return { args, end: close.end };
  }

  private call(t: Token): Expr {
    const name = t.value.toLowerCase();
    const open = this.next();
    this.nesting++;
    if (this.nesting > maxNesting) throw this.error(`expression is nested too deeply (more than ${maxNesting} levels)`, open);
    const node = this.callBody(t, name);
    this.nesting--;
    return node;
  }

  private callBody(t: Token, name: string): Expr {
    const start = t.start;
    switch (name) {
      case 'cast':
      case 'try_cast': {
        const operand = this.expression(0);
        this.expectWord('AS', `in ${name.toUpperCase()}(value AS type)`);
        const type = this.castType();
        const close = this.expectPunct(')', `to close ${name.toUpperCase()}`);
        return this.finish({ kind: 'cast', operand, type, safe: name === 'try_cast', start, end: close.end, depth: 0 });
      }
      case 'extract': {
        const unit = this.next();
        if (unit.kind !== 'word' || !extractUnits.has(unit.value)) {
          throw this.error(`expected a unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, DOW, …) in EXTRACT but found ${describeToken(unit)}`, unit);
        }
        this.expectWord('FROM', 'in EXTRACT(unit FROM value)');
        const operand = this.expression(0);
        const close = this.expectPunct(')', 'to close EXTRACT');
        return this.finish({ kind: 'extract', unit: unit.value as ExtractUnit, operand, start, end: close.end, depth: 0 });
      }
      case 'trim':
        return this.trim(t);
      case 'position': {
        const sub = this.expression(32);
        this.expectWord('IN', 'in POSITION(substring IN string)');
        const s = this.expression(0);
        const close = this.expectPunct(')', 'to close POSITION');
        return this.finish({ kind: 'call', name: 'position', args: [sub, s], start, end: close.end, depth: 0 });
      }
      case 'substring': {
        const s = this.expression(0);
        if (this.isWord(this.peek(), 'FROM')) {
          this.next();
          const args = [s, this.expression(0)];
          if (this.isWord(this.peek(), 'FOR')) {
            this.next();
            args.push(this.expression(0));
          }
          const close = this.expectPunct(')', 'to close SUBSTRING');
          return this.finish({ kind: 'call', name, args, start, end: close.end, depth: 0 });
        }
        return this.plainCall(t, name, s);
      }
      case 'floor':
      case 'ceil':
      case 'ceiling': {
        const operand = this.expression(0);
        if (this.isWord(this.peek(), 'TO')) {
          this.next();
          const unit = this.timeUnit();
          const close = this.expectPunct(')', `to close ${name.toUpperCase()}`);
          return this.finish({ kind: 'floorTime', unit, operand, ceil: name !== 'floor', start, end: close.end, depth: 0 });
        }
        return this.plainCall(t, name, operand);
      }
      case 'date_trunc': {
        const unitToken = this.peek();
        const unit = unitToken.kind === 'string' ? unitToken.value.trim().toUpperCase() : '';
        if (!timeUnits.has(unit)) {
          throw this.error("date_trunc() needs the unit as a string literal: 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter' or 'year'", unitToken);
        }
        this.next();
        this.expectPunct(',', "after the date_trunc() unit");
        const operand = this.expression(0);
        const close = this.expectPunct(')', 'to close date_trunc()');
        return this.finish({ kind: 'floorTime', unit: unit as TimeUnit, operand, ceil: false, start, end: close.end, depth: 0 });
      }
    }
    return this.plainCall(t, name, null);
  }

  private plainCall(t: Token, name: string, first: Expr | null): Expr {
    const known = scalarFunctions.get(name) ?? lazyFunctions.get(name) ?? (extractFunctions.has(name) ? { min: 1, max: 1 } : undefined);
    if (!known) {
      const raw = t.raw ?? t.value;
      const message = aggregateNames.has(name)
        ? `${raw}() is an aggregate function: use it in a window's aggregates, not in a row expression`
        : unknownFunctionMessage(raw);
      throw new EngineError('ENG_EXPR_UNKNOWN_FUNCTION', `${message} at position ${t.start}`, { position: t.start, length: t.end - t.start });
    }
    const { args, end } = this.arguments(first);
    if (args.length < known.min || args.length > known.max) {
      const range = known.min === known.max ? `${known.min}` : known.max === Number.POSITIVE_INFINITY ? `at least ${known.min}` : `${known.min} to ${known.max}`;
      throw syntaxError(`${name}() takes ${range} argument${range === '1' ? '' : 's'} but got ${args.length}`, t.start, end - t.start);
    }
    const extractUnit = extractFunctions.get(name);
    if (extractUnit !== undefined) {
      return this.finish({ kind: 'extract', unit: extractUnit as ExtractUnit, operand: args[0] as Expr, start: t.start, end, depth: 0 });
    }
    return this.finish({ kind: 'call', name, args, start: t.start, end, depth: 0 });
  }

  private trim(t: Token): Expr {
    let mode: 'BOTH' | 'LEADING' | 'TRAILING' = 'BOTH';
    let explicitMode = false;
    const first = this.peek();
    if (first.kind === 'word' && (first.value === 'BOTH' || first.value === 'LEADING' || first.value === 'TRAILING')) {
      this.next();
      mode = first.value;
      explicitMode = true;
    }
    let chars: Expr | null = null;
    let operand: Expr;
    if (this.isWord(this.peek(), 'FROM')) {
      this.next();
      operand = this.expression(0);
    } else {
      const e = this.expression(0);
      if (this.isWord(this.peek(), 'FROM')) {
        this.next();
        chars = e;
        operand = this.expression(0);
      } else if (explicitMode) {
        throw this.error(`expected FROM in TRIM(${mode} … FROM string) but found ${describeToken(this.peek())}`, this.peek());
      } else {
        operand = e;
      }
    }
    const close = this.expectPunct(')', 'to close TRIM');
    return this.finish({ kind: 'trim', mode, chars, operand, start: t.start, end: close.end, depth: 0 });
  }

  private timeUnit(): TimeUnit {
    const t = this.next();
    if (t.kind !== 'word' || !timeUnits.has(t.value)) {
      throw this.error(`expected a time unit (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR) but found ${describeToken(t)}`, t);
    }
    return t.value as TimeUnit;
  }

  private castType(): CastType {
    const t = this.next();
    if (t.kind !== 'word') throw this.error(`expected a type name but found ${describeToken(t)}`, t);
    const simple: Readonly<Record<string, CastTypeName>> = {
      STRING: 'STRING', INT: 'INT', INTEGER: 'INT', BIGINT: 'BIGINT', SMALLINT: 'SMALLINT', TINYINT: 'TINYINT',
      DOUBLE: 'DOUBLE', FLOAT: 'FLOAT', REAL: 'FLOAT', BOOLEAN: 'BOOLEAN', DATE: 'DATE',
    };
    const name = simple[t.value];
    if (name === 'DOUBLE' && this.isWord(this.peek(), 'PRECISION')) this.next();
    if (name) return { name };
    switch (t.value) {
      case 'VARCHAR':
      case 'CHAR':
      case 'CHARACTER': {
        const type: CastType = { name: t.value === 'VARCHAR' ? 'VARCHAR' : 'CHAR' };
        if (this.isPunct(this.peek(), '(')) {
          this.next();
          // CHAR(n) pads every value to n characters, so n is bounded: an imported pipeline must not be able
          // to make each event allocate gigabytes.
          type.length = this.integerArgument('length', 1, type.name === 'CHAR' ? 65_535 : 2_147_483_647);
          this.expectPunct(')', 'after the length');
        }
        return type;
      }
      case 'DECIMAL':
      case 'DEC':
      case 'NUMERIC': {
        // Flink's default DECIMAL is DECIMAL(10, 0).
        const type: CastType = { name: 'DECIMAL', length: 10, scale: 0 };
        if (this.isPunct(this.peek(), '(')) {
          this.next();
          type.length = this.integerArgument('precision', 1, 38);
          if (this.isPunct(this.peek(), ',')) {
            this.next();
            const scaleToken = this.peek();
            type.scale = this.integerArgument('scale', 0, 38);
            if (type.scale > type.length) throw this.error(`the scale ${type.scale} is larger than the precision ${type.length}`, scaleToken);
          }
          this.expectPunct(')', 'after the DECIMAL precision');
        }
        return type;
      }
      case 'TIMESTAMP': {
        const type: CastType = { name: 'TIMESTAMP', length: 3 };
        if (this.isPunct(this.peek(), '(')) {
          this.next();
          type.length = this.integerArgument('precision', 0, 9);
          this.expectPunct(')', 'after the TIMESTAMP precision');
        }
        if (this.isWord(this.peek(), 'WITHOUT')) {
          this.next();
          this.expectWord('TIME', 'in TIMESTAMP WITHOUT TIME ZONE');
          this.expectWord('ZONE', 'in TIMESTAMP WITHOUT TIME ZONE');
        }
        return type;
      }
    }
    throw this.error(`unknown type ${t.raw ?? t.value}: expected STRING, VARCHAR, INT, BIGINT, DOUBLE, DECIMAL(p, s), BOOLEAN, TIMESTAMP or DATE`, t);
  }
}

export function parse(text: string): Expr {
  return new Parser(text).parseExpression();
}

export function parseAggregateCall(text: string): AggregateCall {
  return new Parser(text).parseAggregateCall();
}
