// Static types of an expression, from the types of the columns it reads, to refuse while typing what a run
// would reject event by event: `amount > 'abc'` (a number never compares with a string), `region * 2`,
// `lower(amount)`. Only definite mismatches are reported: a column of unknown type, JSON, or NULL gives
// `unknown`, which is compatible with everything, so the checker never refuses an expression a run accepts.
import type { ExpressionIssue } from './check.ts';
import type { Expr } from './ast.ts';
import { parse } from './parser.ts';
import { parseTimestamp } from './values.ts';

export type StaticType = 'number' | 'string' | 'boolean' | 'timestamp' | 'interval' | 'unknown';

/** Column types as the pipeline format names them (engine/format/datasets.ts FieldType). */
export function staticTypeOf(fieldType: string): StaticType {
  switch (fieldType) {
    case 'long':
    case 'double':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'timestamp':
      return 'timestamp';
    default:
      return 'unknown';
  }
}

const words: Record<StaticType, string> = {
  number: 'a number', string: 'text', boolean: 'a boolean', timestamp: 'a timestamp', interval: 'an interval', unknown: 'a value',
};

const stringFunctions = new Set(['lower', 'upper', 'ltrim', 'rtrim', 'replace']);
const stringToNumber = new Set(['length', 'char_length', 'character_length']);
const numberFunctions = new Set(['abs', 'floor', 'ceil', 'ceiling', 'sqrt', 'sign', 'ln', 'log10', 'exp', 'round', 'power', 'mod']);

/**
 * Type mismatches in a parsed expression, given the top-level column types (nested paths are unknown).
 * `text` is the expression's source, used to quote operands in messages.
 */
export function typeIssues(tree: Expr, text: string, columns: ReadonlyMap<string, StaticType>): ExpressionIssue[] {
  return analyseTypes(tree, text, columns).issues;
}

/** The expression's static type and its mismatches. */
export function analyseTypes(tree: Expr, text: string, columns: ReadonlyMap<string, StaticType>): { type: StaticType; issues: ExpressionIssue[] } {
  const issues: ExpressionIssue[] = [];
  const quote = (node: Expr): string => text.slice(node.start, node.end).trim();
  const report = (node: Expr, message: string): void => {
    issues.push({ message, position: node.start, length: node.end - node.start, code: 'ENG_EXPR_TYPE' });
  };

  /** Whether a value of type `b` (node `right`) can be compared with one of type `a`. */
  const comparable = (a: StaticType, b: StaticType, left: Expr, right: Expr): boolean => {
    if (a === 'unknown' || b === 'unknown' || a === b) return true;
    // A timestamp compares with text that parses as a timestamp; a text column may hold such text.
    if (a === 'timestamp' && b === 'string') return right.kind !== 'literal' || (right.literal.type === 'string' && parseTimestamp(right.literal.value) !== null);
    if (b === 'timestamp' && a === 'string') return left.kind !== 'literal' || (left.literal.type === 'string' && parseTimestamp(left.literal.value) !== null);
    return false;
  };
  const compare = (left: Expr, right: Expr, a: StaticType, b: StaticType, at: Expr): void => {
    if (comparable(a, b, left, right)) return;
    const hint = (a === 'number' && b === 'string') || (a === 'string' && b === 'number')
      ? `; compare with a number, or convert with CAST(${quote(a === 'string' ? left : right)} AS DOUBLE)`
      : (a === 'timestamp' || b === 'timestamp') ? "; use a time like '2026-01-01 12:00:00'" : '';
    report(at, `cannot compare ${quote(left)} (${words[a]}) with ${quote(right)} (${words[b]})${hint}`);
  };
  const expect = (node: Expr, type: StaticType, wanted: StaticType, what: string): void => {
    if (type !== 'unknown' && type !== wanted) report(node, `${what} needs ${words[wanted]}, but ${quote(node)} is ${words[type]}`);
  };

  const visit = (node: Expr): StaticType => {
    switch (node.kind) {
      case 'literal':
        switch (node.literal.type) {
          case 'number': return 'number';
          case 'string': return 'string';
          case 'boolean': return 'boolean';
          case 'timestamp':
          case 'date': return 'timestamp';
          case 'interval': return 'interval';
          default: return 'unknown';
        }
      case 'column':
        return node.path.length === 1 ? columns.get(node.path[0] ?? '') ?? 'unknown' : 'unknown';
      case 'negate': {
        const t = visit(node.operand);
        if (t !== 'interval') expect(node.operand, t, 'number', 'unary minus');
        return t === 'interval' ? 'interval' : 'number';
      }
      case 'not':
        expect(node.operand, visit(node.operand), 'boolean', 'NOT');
        return 'boolean';
      case 'logical':
        for (const operand of node.operands) expect(operand, visit(operand), 'boolean', node.op);
        return 'boolean';
      case 'is':
        visit(node.operand);
        return 'boolean';
      case 'binary': {
        const a = visit(node.left);
        const b = visit(node.right);
        switch (node.op) {
          case '=': case '<>': case '<': case '<=': case '>': case '>=':
            compare(node.left, node.right, a, b, node);
            return 'boolean';
          case '||':
            return 'string';
          default: {
            // Timestamp ± interval, interval ± interval and interval × number are fine; else both numbers.
            if (a === 'unknown' || b === 'unknown') return a === 'timestamp' || b === 'timestamp' ? 'timestamp' : a === 'interval' || b === 'interval' ? 'interval' : a === 'unknown' ? b === 'number' ? 'number' : 'unknown' : a;
            if ((node.op === '+' || node.op === '-') && a === 'timestamp' && b === 'interval') return 'timestamp';
            if (node.op === '+' && a === 'interval' && b === 'timestamp') return 'timestamp';
            if ((node.op === '+' || node.op === '-') && a === 'interval' && b === 'interval') return 'interval';
            if (node.op === '*' && ((a === 'interval' && b === 'number') || (a === 'number' && b === 'interval'))) return 'interval';
            if (a === 'number' && b === 'number') return 'number';
            const bad = a !== 'number' ? node.left : node.right;
            report(bad, `operator ${node.op} needs numbers, but ${quote(bad)} is ${words[a !== 'number' ? a : b]}${a === 'string' || b === 'string' ? '; use || to join text, or CAST(… AS DOUBLE)' : ''}`);
            return 'number';
          }
        }
      }
      case 'in': {
        const t = visit(node.operand);
        for (const item of node.list) compare(node.operand, item, t, visit(item), item);
        return 'boolean';
      }
      case 'between': {
        const t = visit(node.operand);
        compare(node.operand, node.low, t, visit(node.low), node.low);
        compare(node.operand, node.high, t, visit(node.high), node.high);
        return 'boolean';
      }
      case 'like':
        expect(node.operand, visit(node.operand), 'string', 'LIKE');
        expect(node.pattern, visit(node.pattern), 'string', 'LIKE');
        return 'boolean';
      case 'case': {
        const operand = node.operand ? visit(node.operand) : undefined;
        let result: StaticType | undefined;
        for (const w of node.whens) {
          const when = visit(w.when);
          if (node.operand && operand !== undefined) compare(node.operand, w.when, operand, when, w.when);
          else expect(w.when, when, 'boolean', 'WHEN');
          const then = visit(w.then);
          result = result === undefined || result === then ? then : 'unknown';
        }
        if (node.otherwise) {
          const otherwise = visit(node.otherwise);
          result = result === undefined || result === otherwise ? otherwise : 'unknown';
        }
        return result ?? 'unknown';
      }
      case 'cast':
        visit(node.operand);
        switch (node.type.name) {
          case 'STRING': case 'VARCHAR': case 'CHAR': return 'string';
          case 'BOOLEAN': return 'boolean';
          case 'TIMESTAMP': case 'DATE': return 'timestamp';
          default: return 'number';
        }
      case 'extract':
        expect(node.operand, visit(node.operand), 'timestamp', `EXTRACT(${node.unit})`);
        return 'number';
      case 'floorTime':
        expect(node.operand, visit(node.operand), 'timestamp', node.ceil ? 'CEIL(… TO …)' : 'FLOOR(… TO …)');
        return 'timestamp';
      case 'trim':
        if (node.chars) expect(node.chars, visit(node.chars), 'string', 'TRIM');
        expect(node.operand, visit(node.operand), 'string', 'TRIM');
        return 'string';
      case 'call': {
        const name = node.name.toLowerCase();
        const args = node.args.map(visit);
        const fn = `${name}()`;
        if (stringFunctions.has(name)) {
          node.args.forEach((arg, i) => expect(arg, args[i] ?? 'unknown', 'string', fn));
          return 'string';
        }
        if (stringToNumber.has(name) || name === 'position' || name === 'strpos' || name === 'locate') {
          node.args.forEach((arg, i) => expect(arg, args[i] ?? 'unknown', 'string', fn));
          return 'number';
        }
        if (name === 'substr' || name === 'substring') {
          node.args.forEach((arg, i) => expect(arg, args[i] ?? 'unknown', i === 0 ? 'string' : 'number', fn));
          return 'string';
        }
        if (numberFunctions.has(name)) {
          node.args.forEach((arg, i) => expect(arg, args[i] ?? 'unknown', 'number', fn));
          return 'number';
        }
        if (name === 'concat' || name === 'concat_ws') return 'string';
        if (name === 'date_trunc') {
          if (node.args[1]) expect(node.args[1], args[1] ?? 'unknown', 'timestamp', fn);
          return 'timestamp';
        }
        if (name === 'coalesce' || name === 'ifnull' || name === 'greatest' || name === 'least' || name === 'nullif') {
          const known = args.filter((t) => t !== 'unknown');
          return known.length > 0 && known.every((t) => t === known[0]) ? known[0] as StaticType : 'unknown';
        }
        if (name === 'if') return args[1] !== undefined && args[1] === args[2] ? args[1] : 'unknown';
        return 'unknown';
      }
    }
  };
  const type = visit(tree);
  return { type, issues };
}

/** The static type of an expression's text, `unknown` when it does not parse. */
export function expressionStaticType(text: string, columns: ReadonlyMap<string, StaticType>): StaticType {
  try {
    return analyseTypes(parse(text), text, columns).type;
  } catch {
    return 'unknown';
  }
}
