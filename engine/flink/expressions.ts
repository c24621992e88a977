// Expressions for a Flink job: the engine's expression, rewritten so Flink 1.20 accepts it and computes the
// same value, or a reason why it cannot be exported. Flink's planner is stricter than the engine about types
// (checked against real Flink in expressions.test.ts): MOD wants exact numerics, || and CONCAT want text,
// INT / INT truncates, a DATE does not compare with a TIMESTAMP. Where a cast keeps the engine's meaning it
// is inserted; where Flink would compute something else (a number compared with text, a DOUBLE printed as
// text) the expression is refused with the reason. The types come from the pipeline's schema; an unknown type
// gets no cast, so Flink's own planner has the last word on it.
import type { CastType, CastTypeName, Expr } from '../expr/ast.ts';
import { render } from '../expr/flink.ts';
import { parse } from '../expr/parser.ts';

/** Flink types the exporter reasons about; UNKNOWN = not known here (no cast is inserted for it). */
export type FlinkType = 'STRING' | 'INT' | 'BIGINT' | 'DOUBLE' | 'DECIMAL' | 'BOOLEAN' | 'TIMESTAMP' | 'DATE' | 'INTERVAL' | 'NULL' | 'UNKNOWN';

/** Column path (`a`, `customer.address.city`) → type. */
export type ColumnTypes = ReadonlyMap<string, FlinkType>;

export type Translation = { ok: true; sql: string; type: FlinkType } | { ok: false; reason: string };

class Unsupported extends Error {}

const exact: ReadonlySet<FlinkType> = new Set(['INT', 'BIGINT', 'DECIMAL']);
const integral: ReadonlySet<FlinkType> = new Set(['INT', 'BIGINT']);
const numeric: ReadonlySet<FlinkType> = new Set(['INT', 'BIGINT', 'DECIMAL', 'DOUBLE']);
const temporal: ReadonlySet<FlinkType> = new Set(['TIMESTAMP', 'DATE']);

interface Typed {
  node: Expr;
  type: FlinkType;
}

function cast(node: Expr, name: CastTypeName, extra: Partial<CastType> = {}): Expr {
  return { kind: 'cast', operand: node, type: { name, ...extra }, safe: false, start: node.start, end: node.end, depth: node.depth };
}

const decimal = { length: 38, scale: 18 } as const;

/** The wider of two numeric types (Flink's rules: any DOUBLE makes DOUBLE, then DECIMAL, then BIGINT). */
function widen(a: FlinkType, b: FlinkType): FlinkType {
  if (a === 'NULL') return b;
  if (b === 'NULL') return a;
  if (a === 'UNKNOWN' || b === 'UNKNOWN') return 'UNKNOWN';
  if (a === b) return a;
  if (numeric.has(a) && numeric.has(b)) {
    if (a === 'DOUBLE' || b === 'DOUBLE') return 'DOUBLE';
    if (a === 'DECIMAL' || b === 'DECIMAL') return 'DECIMAL';
    return 'BIGINT';
  }
  if (temporal.has(a) && temporal.has(b)) return 'TIMESTAMP';
  return 'UNKNOWN';
}

/** Text of a value as Flink's CAST(… AS STRING) prints it equals the engine's only for these types. */
function asText(t: Typed, what: string): Expr {
  if (t.type === 'STRING' || t.type === 'NULL' || t.type === 'UNKNOWN') return t.node;
  if (integral.has(t.type) || t.type === 'BOOLEAN') return cast(t.node, 'STRING');
  throw new Unsupported(`${what} turns a ${t.type} into text, which Flink prints differently (e.g. 7.0 vs 7); CAST it to DECIMAL(p, s), BIGINT or STRING explicitly first`);
}

/** Makes two sides of a comparison comparable in Flink, or refuses what the engine would refuse at run time. */
function comparable(left: Typed, right: Typed, what: string): [Expr, Expr] {
  const [a, b] = [left.type, right.type];
  if (a === 'UNKNOWN' || b === 'UNKNOWN' || a === 'NULL' || b === 'NULL' || a === b) return [left.node, right.node];
  if (numeric.has(a) && numeric.has(b)) return [left.node, right.node];
  // The engine compares dates as midnight UTC timestamps; Flink needs the same type on both sides.
  if (a === 'DATE' && b === 'TIMESTAMP') return [cast(left.node, 'TIMESTAMP', { length: 3 }), right.node];
  if (a === 'TIMESTAMP' && b === 'DATE') return [left.node, cast(right.node, 'TIMESTAMP', { length: 3 })];
  // A timestamp against text: the engine parses the text; Flink casts a literal the same way.
  if (temporal.has(a) && b === 'STRING' && right.node.kind === 'literal') return [left.node, cast(right.node, 'TIMESTAMP', { length: 3 })];
  if (temporal.has(b) && a === 'STRING' && left.node.kind === 'literal') return [cast(left.node, 'TIMESTAMP', { length: 3 }), right.node];
  throw new Unsupported(`${what} compares a ${a} with a ${b}; the engine refuses that for each event and Flink would cast implicitly or fail; CAST one side`);
}

/** Functions whose every argument is text (the engine refuses anything else per event; Flink at planning). */
const textArguments = new Set(['lower', 'upper', 'replace', 'position', 'strpos', 'locate', 'ltrim', 'rtrim']);

function requireText(t: Typed, what: string): void {
  if (t.type !== 'STRING' && t.type !== 'NULL' && t.type !== 'UNKNOWN') throw new Unsupported(`${what.toUpperCase()} expects text but gets a ${t.type}`);
}

const stringFunctions = new Set(['lower', 'upper', 'substr', 'substring', 'concat', 'concat_ws', 'ltrim', 'rtrim', 'replace']);
const intFunctions = new Set(['length', 'char_length', 'character_length', 'position', 'strpos', 'locate']);
const doubleFunctions = new Set(['power', 'sqrt', 'ln', 'log10', 'exp']);
const sameAsArgument = new Set(['abs', 'floor', 'ceil', 'ceiling', 'sign', 'round']);

function castTypeOf(t: CastType): FlinkType {
  switch (t.name) {
    case 'STRING':
    case 'VARCHAR':
    case 'CHAR':
      return 'STRING';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return 'INT';
    case 'BIGINT':
      return 'BIGINT';
    case 'FLOAT':
    case 'DOUBLE':
      return 'DOUBLE';
    case 'DECIMAL':
      return 'DECIMAL';
    case 'BOOLEAN':
      return 'BOOLEAN';
    case 'TIMESTAMP':
      return 'TIMESTAMP';
    case 'DATE':
      return 'DATE';
  }
}

function rewrite(node: Expr, columns: ColumnTypes): Typed {
  const sub = (n: Expr): Typed => rewrite(n, columns);
  switch (node.kind) {
    case 'literal': {
      const l = node.literal;
      const type: FlinkType = l.type === 'null' ? 'NULL' : l.type === 'boolean' ? 'BOOLEAN' : l.type === 'string' ? 'STRING'
        : l.type === 'timestamp' ? 'TIMESTAMP' : l.type === 'date' ? 'DATE' : l.type === 'interval' ? 'INTERVAL'
        : /^\d+$/.test(l.raw) ? (l.value <= 2147483647 ? 'INT' : 'BIGINT') : /[eE]/.test(l.raw) ? 'DOUBLE' : 'DECIMAL';
      return { node, type };
    }
    case 'column':
      return { node, type: columns.get(node.path.join('.')) ?? 'UNKNOWN' };
    case 'negate': {
      const o = sub(node.operand);
      return { node: { ...node, operand: o.node }, type: o.type };
    }
    case 'not':
      return { node: { ...node, operand: sub(node.operand).node }, type: 'BOOLEAN' };
    case 'logical':
      return { node: { ...node, operands: node.operands.map((o) => sub(o).node) }, type: 'BOOLEAN' };
    case 'is':
      return { node: { ...node, operand: sub(node.operand).node }, type: 'BOOLEAN' };
    case 'binary':
      return binary(node, sub(node.left), sub(node.right));
    case 'in': {
      const operand = sub(node.operand);
      const list = node.list.map((item) => comparable(operand, sub(item), 'IN')[1]);
      return { node: { ...node, operand: operand.node, list }, type: 'BOOLEAN' };
    }
    case 'between': {
      const operand = sub(node.operand);
      const low = comparable(operand, sub(node.low), 'BETWEEN')[1];
      const high = comparable(operand, sub(node.high), 'BETWEEN')[1];
      return { node: { ...node, operand: operand.node, low, high }, type: 'BOOLEAN' };
    }
    case 'like': {
      const operand = sub(node.operand);
      requireText(operand, 'LIKE');
      return { node: { ...node, operand: operand.node, pattern: sub(node.pattern).node }, type: 'BOOLEAN' };
    }
    case 'case': {
      const operand = node.operand ? sub(node.operand) : null;
      let type: FlinkType = 'NULL';
      const whens = node.whens.map((w) => {
        const then = sub(w.then);
        type = widen(type, then.type);
        const when = sub(w.when);
        return { when: operand ? comparable(operand, when, 'CASE … WHEN')[1] : when.node, then: then.node };
      });
      const otherwise = node.otherwise ? sub(node.otherwise) : null;
      if (otherwise) type = widen(type, otherwise.type);
      return { node: { ...node, operand: operand?.node ?? null, whens, otherwise: otherwise?.node ?? null }, type };
    }
    case 'cast': {
      const operand = sub(node.operand);
      const type = castTypeOf(node.type);
      if (type === 'STRING' && operand.type === 'DOUBLE') asText(operand, 'CAST');
      return { node: { ...node, operand: operand.node }, type };
    }
    case 'extract':
      return { node: { ...node, operand: sub(node.operand).node }, type: 'BIGINT' };
    case 'floorTime':
      return { node: { ...node, operand: sub(node.operand).node }, type: 'TIMESTAMP' };
    case 'trim':
      return { node: { ...node, operand: sub(node.operand).node, chars: node.chars ? sub(node.chars).node : null }, type: 'STRING' };
    case 'call':
      return call(node, node.args.map(sub));
  }
}

function binary(node: Extract<Expr, { kind: 'binary' }>, left: Typed, right: Typed): Typed {
  const [a, b] = [left.type, right.type];
  switch (node.op) {
    case '||':
      return { node: { ...node, left: asText(left, '||'), right: asText(right, '||') }, type: 'STRING' };
    case '%':
      return mod(node, left, right);
    case '/':
      // The engine's numbers are doubles: 5 / 2 is 2.5, where Flink's INT / INT truncates to 2.
      if (integral.has(a) && integral.has(b)) return { node: { ...node, left: cast(left.node, 'DOUBLE'), right: right.node }, type: 'DOUBLE' };
      return { node: { ...node, left: left.node, right: right.node }, type: widen(a, b) };
    case '+':
    case '-':
    case '*': {
      const type = a === 'TIMESTAMP' || a === 'DATE' ? a : b === 'TIMESTAMP' ? b : widen(a, b);
      return { node: { ...node, left: left.node, right: right.node }, type };
    }
    default: {
      const [l, r] = comparable(left, right, node.op);
      return { node: { ...node, left: l, right: r }, type: 'BOOLEAN' };
    }
  }
}

/** Flink's MOD takes exact numerics only; the engine's % on doubles equals MOD on DECIMAL(38, 18) for values that fit it. */
function mod(node: Expr, left: Typed, right: Typed): Typed {
  const call = (l: Expr, r: Expr): Expr => ({ kind: 'call', name: 'mod', args: [l, r], start: node.start, end: node.end, depth: node.depth });
  if (exact.has(left.type) && exact.has(right.type)) return { node: call(left.node, right.node), type: widen(left.type, right.type) };
  if (left.type === 'UNKNOWN' || right.type === 'UNKNOWN') return { node: call(left.node, right.node), type: 'UNKNOWN' };
  if (!numeric.has(left.type) || !numeric.has(right.type)) throw new Unsupported(`MOD of a ${left.type} and a ${right.type}`);
  const asDecimal = (t: Typed): Expr => (t.type === 'DECIMAL' || integral.has(t.type) ? t.node : cast(t.node, 'DECIMAL', decimal));
  return { node: cast(call(asDecimal(left), asDecimal(right)), 'DOUBLE'), type: 'DOUBLE' };
}

function call(node: Extract<Expr, { kind: 'call' }>, args: Typed[]): Typed {
  const name = node.name;
  const first = args[0]?.type ?? 'UNKNOWN';
  const rebuilt = (list: Expr[] = args.map((a) => a.node)): Expr => ({ ...node, args: list });
  if (name === 'concat') return { node: rebuilt(args.map((a) => asText(a, 'CONCAT'))), type: 'STRING' };
  if (name === 'concat_ws') return { node: rebuilt(args.map((a) => asText(a, 'CONCAT_WS'))), type: 'STRING' };
  if (name === 'mod' && args[0] && args[1]) return mod(node, args[0], args[1]);
  if (textArguments.has(name)) for (const a of args) requireText(a, name);
  if (stringFunctions.has(name)) return { node: rebuilt(), type: 'STRING' };
  if (intFunctions.has(name)) return { node: rebuilt(), type: 'INT' };
  if (doubleFunctions.has(name)) return { node: rebuilt(), type: 'DOUBLE' };
  if (sameAsArgument.has(name)) return { node: rebuilt(), type: first };
  if (name === 'date_trunc') return { node: rebuilt(), type: 'TIMESTAMP' };
  if (name === 'if') {
    const [, then, otherwise] = args;
    return { node: rebuilt(), type: then && otherwise ? widen(then.type, otherwise.type) : 'UNKNOWN' };
  }
  if (['coalesce', 'ifnull', 'nullif', 'greatest', 'least'].includes(name)) {
    const type = args.reduce<FlinkType>((t, a) => widen(t, a.type), 'NULL');
    // Flink wants one type across the arguments; numbers of mixed kinds are widened to DOUBLE like the engine's.
    const list = type === 'DOUBLE' ? args.map((a) => (integral.has(a.type) || a.type === 'DECIMAL' ? cast(a.node, 'DOUBLE') : a.node)) : args.map((a) => a.node);
    return { node: rebuilt(list), type: name === 'nullif' ? first : type };
  }
  return { node: rebuilt(), type: 'UNKNOWN' };
}

/** The Flink SQL of an engine expression with the casts Flink needs, or why it cannot carry over. */
export function translate(text: string, columns: ColumnTypes): Translation {
  try {
    const typed = rewrite(parse(text), columns);
    return { ok: true, sql: render(typed.node), type: typed.type };
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, reason: error.message };
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
