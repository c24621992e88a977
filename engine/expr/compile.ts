// Turns the tree into nested closures once, so evaluating an event is a few direct calls with no tree
// walking, no lookups by name and (on the common paths) no allocation. No eval/new Function: pipelines
// are untrusted documents.
//
// Semantics worth knowing:
// - NULL propagates; AND/OR/NOT use three-valued logic and short-circuit left to right.
// - Division (and %, mod) by zero is an ENG_EXPR_EVAL error, as Flink fails integer and DECIMAL division
//   by zero with an ArithmeticException: the event goes to the error port instead of silently becoming NULL.
// - Numbers are JS doubles: `5 / 2` is 2.5 here, where Flink truncates when both sides are INT columns.
// - A number never compares with a string; use CAST. Timestamps compare with timestamp strings.
import type { Row } from '../runtime/types.ts';
import type { Expr, LiteralValue } from './ast.ts';
import { children } from './ast.ts';
import { castValue } from './cast.ts';
import { scalarFunctions, trimChars } from './functions.ts';
import type { LikeMatcher } from './like.ts';
import { compileLike } from './like.ts';
import { syntaxError } from './parser.ts';
import { addMonths, ceilTime, extractField, floorTime } from './temporal.ts';
import type { Site } from './values.ts';
import { Interval, compareValues, describe, evalError, parseTimestamp, requireString, requireTimestamp, toText } from './values.ts';

export type Evaluator = (row: Row) => unknown;

const prototypeNames: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));
const noRow: Row = Object.freeze({});

const unitMs: Readonly<Record<string, number>> = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };

export function literalValue(literal: LiteralValue): unknown {
  switch (literal.type) {
    case 'null':
      return null;
    case 'boolean':
    case 'number':
    case 'string':
      return literal.value;
    case 'timestamp':
    case 'date':
      return new Date(literal.ms);
    case 'interval':
      if (literal.unit === 'YEAR') return new Interval(literal.amount * 12, 0);
      if (literal.unit === 'MONTH') return new Interval(literal.amount, 0);
      return new Interval(0, literal.amount * (unitMs[literal.unit] ?? 0));
  }
}

function columnAccessor(path: readonly string[]): Evaluator {
  if (path.some((p) => prototypeNames.has(p))) {
    // `constructor`, `__proto__`, …: only the row's own fields, never what objects inherit.
    return (row) => {
      let v: unknown = row;
      for (const key of path) {
        if (v == null || typeof v !== 'object' || !Object.hasOwn(v, key)) return null;
        v = (v as Record<string, unknown>)[key];
      }
      return v ?? null;
    };
  }
  const [k0, k1, k2] = path as [string, string?, string?];
  if (path.length === 1) {
    return (row) => {
      const v = row[k0];
      return v === undefined ? null : v;
    };
  }
  if (path.length === 2 && k1 !== undefined) {
    return (row) => {
      const a = row[k0];
      if (a == null || typeof a !== 'object') return null;
      const v = (a as Record<string, unknown>)[k1];
      return v === undefined ? null : v;
    };
  }
  if (path.length === 3 && k1 !== undefined && k2 !== undefined) {
    return (row) => {
      const a = row[k0];
      if (a == null || typeof a !== 'object') return null;
      const b = (a as Record<string, unknown>)[k1];
      if (b == null || typeof b !== 'object') return null;
      const v = (b as Record<string, unknown>)[k2];
      return v === undefined ? null : v;
    };
  }
  return (row) => {
    let v: unknown = row;
    for (const key of path) {
      if (v == null || typeof v !== 'object') return null;
      v = (v as Record<string, unknown>)[key];
    }
    return v ?? null;
  };
}

type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
const mirrored: Readonly<Record<CompareOp, CompareOp>> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const tests: Readonly<Record<CompareOp, (c: number) => boolean>> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

function numericCompare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '<>':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function logical(value: unknown, site: Site, what: string): boolean | null {
  if (value === true || value === false || value === null) return value;
  throw evalError(site, `${what} expects a boolean but got ${describe(value)}`);
}

function timestampPlus(ms: number, interval: Interval, sign: number): Date {
  const shifted = interval.months === 0 ? ms : addMonths(ms, sign * interval.months);
  return new Date(shifted + sign * interval.ms);
}

function arithmeticOther(op: string, a: unknown, b: unknown, site: Site): unknown {
  if (op === '+' || op === '-') {
    const sign = op === '+' ? 1 : -1;
    if (a instanceof Date && b instanceof Interval) return timestampPlus(a.getTime(), b, sign);
    if (op === '+' && a instanceof Interval && b instanceof Date) return timestampPlus(b.getTime(), a, 1);
    if (a instanceof Interval && b instanceof Interval) return new Interval(a.months + sign * b.months, a.ms + sign * b.ms);
  }
  if (op === '*' && a instanceof Interval && typeof b === 'number') return new Interval(Math.trunc(a.months * b), a.ms * b);
  if (op === '*' && typeof a === 'number' && b instanceof Interval) return new Interval(Math.trunc(b.months * a), b.ms * a);
  throw evalError(site, `operator ${op} expects numbers but got ${describe(a)} and ${describe(b)}`);
}

class Compiler {
  private readonly text: string;
  private readonly constant = new Map<Expr, boolean>();
  private readonly compiled = new Map<Expr, Evaluator>();
  private readonly raw = new Map<Expr, Evaluator>();
  private readonly folded = new Map<Expr, { value: unknown } | null>();

  constructor(text: string) {
    this.text = text;
  }

  site(node: Expr): Site {
    return { text: this.text.slice(node.start, node.end), position: node.start };
  }

  private isConstant(node: Expr): boolean {
    const known = this.constant.get(node);
    if (known !== undefined) return known;
    let result: boolean;
    if (node.kind === 'column') result = false;
    else if (node.kind === 'literal') result = true;
    else {
      result = true;
      for (const child of children(node)) if (!this.isConstant(child)) result = false;
    }
    this.constant.set(node, result);
    return result;
  }

  /**
   * The evaluator of a node, memoised: constant folding compiles sub-trees while deciding, and without
   * the memo a chain of constants that fail to fold would be compiled exponentially often.
   */
  compile(node: Expr): Evaluator {
    const known = this.compiled.get(node);
    if (known) return known;
    let evaluator: Evaluator;
    const folded = node.kind !== 'literal' && node.kind !== 'column' ? this.constantValue(node) : null;
    if (folded) {
      // Every function here is deterministic, so constant sub-expressions are evaluated once.
      const value = folded.value;
      evaluator = () => value;
    } else {
      evaluator = this.raw.get(node) ?? this.compileNode(node);
    }
    this.compiled.set(node, evaluator);
    return evaluator;
  }

  /** The value of a constant sub-expression, or null when it depends on the row or fails (it then fails per event). */
  private constantValue(node: Expr): { value: unknown } | null {
    if (!this.isConstant(node)) return null;
    const known = this.folded.get(node);
    if (known !== undefined) return known;
    let result: { value: unknown } | null;
    try {
      const raw = this.raw.get(node) ?? this.compileNode(node);
      this.raw.set(node, raw);
      result = { value: raw(noRow) };
    } catch {
      result = null;
    }
    this.folded.set(node, result);
    return result;
  }

  private compileNode(node: Expr): Evaluator {
    switch (node.kind) {
      case 'literal': {
        const value = literalValue(node.literal);
        return () => value;
      }
      case 'column':
        return columnAccessor(node.path);
      case 'negate': {
        const f = this.compile(node.operand);
        const site = this.site(node);
        return (row) => {
          const v = f(row);
          if (typeof v === 'number') return -v;
          if (v === null) return null;
          if (v instanceof Interval) return new Interval(-v.months, -v.ms);
          throw evalError(site, `unary minus expects a number but got ${describe(v)}`);
        };
      }
      case 'not': {
        const f = this.compile(node.operand);
        const site = this.site(node);
        return (row) => {
          const v = f(row);
          if (v === true) return false;
          if (v === false) return true;
          if (v === null) return null;
          throw evalError(site, `NOT expects a boolean but got ${describe(v)}`);
        };
      }
      case 'binary':
        return this.binary(node);
      case 'logical':
        return this.logical(node);
      case 'is': {
        const f = this.compile(node.operand);
        const negated = node.negated;
        if (node.test === 'NULL') return negated ? (row) => f(row) != null : (row) => f(row) == null;
        const wanted = node.test === 'TRUE';
        return negated ? (row) => f(row) !== wanted : (row) => f(row) === wanted;
      }
      case 'in':
        return this.inList(node);
      case 'between':
        return this.between(node);
      case 'like':
        return this.like(node);
      case 'case':
        return this.caseWhen(node);
      case 'cast': {
        const f = this.compile(node.operand);
        const site = this.site(node);
        const type = node.type;
        if (node.safe) {
          return (row) => {
            const v = f(row);
            if (v === null) return null;
            try {
              return castValue(v, type, site);
            } catch {
              return null;
            }
          };
        }
        return (row) => {
          const v = f(row);
          return v === null ? null : castValue(v, type, site);
        };
      }
      case 'extract': {
        const f = this.compile(node.operand);
        const site = this.site(node);
        const unit = node.unit;
        return (row) => {
          const v = f(row);
          if (v === null) return null;
          return extractField(unit, requireTimestamp(v, site, `EXTRACT(${unit})`));
        };
      }
      case 'floorTime': {
        const f = this.compile(node.operand);
        const site = this.site(node);
        const { unit, ceil } = node;
        return (row) => {
          const v = f(row);
          if (v === null) return null;
          const ms = requireTimestamp(v, site, ceil ? 'CEIL(… TO unit)' : 'date_trunc()');
          return new Date(ceil ? ceilTime(unit, ms) : floorTime(unit, ms));
        };
      }
      case 'trim': {
        const f = this.compile(node.operand);
        const chars = node.chars ? this.compile(node.chars) : null;
        const site = this.site(node);
        const leading = node.mode !== 'TRAILING';
        const trailing = node.mode !== 'LEADING';
        return (row) => {
          const v = f(row);
          if (v === null) return null;
          const c = chars ? chars(row) : ' ';
          if (c === null) return null;
          return trimChars(requireString(v, site, 'TRIM'), requireString(c, site, 'TRIM characters'), leading, trailing);
        };
      }
      case 'call':
        return this.call(node);
    }
  }

  private binary(node: Extract<Expr, { kind: 'binary' }>): Evaluator {
    const site = this.site(node);
    const op = node.op;
    switch (op) {
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.comparison(node, op, site);
    }
    const l = this.compile(node.left);
    const r = this.compile(node.right);
    switch (op) {
      case '+':
        return (row) => {
          const a = l(row);
          if (a === null) return null;
          const b = r(row);
          if (b === null) return null;
          return typeof a === 'number' && typeof b === 'number' ? a + b : arithmeticOther(op, a, b, site);
        };
      case '-':
        return (row) => {
          const a = l(row);
          if (a === null) return null;
          const b = r(row);
          if (b === null) return null;
          return typeof a === 'number' && typeof b === 'number' ? a - b : arithmeticOther(op, a, b, site);
        };
      case '*':
        return (row) => {
          const a = l(row);
          if (a === null) return null;
          const b = r(row);
          if (b === null) return null;
          return typeof a === 'number' && typeof b === 'number' ? a * b : arithmeticOther(op, a, b, site);
        };
      case '/':
      case '%':
        return (row) => {
          const a = l(row);
          if (a === null) return null;
          const b = r(row);
          if (b === null) return null;
          if (typeof a !== 'number' || typeof b !== 'number') return arithmeticOther(op, a, b, site);
          if (b === 0) throw evalError(site, op === '/' ? 'division by zero' : 'modulo by zero');
          return op === '/' ? a / b : a % b;
        };
      case '||':
        return (row) => {
          const a = l(row);
          if (a === null) return null;
          const b = r(row);
          if (b === null) return null;
          return typeof a === 'string' && typeof b === 'string' ? a + b : toText(a) + toText(b);
        };
    }
  }

  private comparison(node: Extract<Expr, { kind: 'binary' }>, written: CompareOp, site: Site): Evaluator {
    let left = node.left;
    let right = node.right;
    let op = written;
    // Put a constant on the right so `0 < amount` gets the same fast path as `amount > 0`.
    if (this.isConstant(left) && !this.isConstant(right)) {
      [left, right] = [right, left];
      op = mirrored[op];
    }
    const l = this.compile(left);
    const test = tests[op];
    const constant = this.constantValue(right);
    if (constant && typeof constant.value === 'number') {
      const k = constant.value;
      const slow = (a: unknown): boolean | null => (a === null ? null : test(compareValues(a, k, site)));
      switch (op) {
        case '=':
          return (row) => {
            const a = l(row);
            return typeof a === 'number' ? a === k : slow(a);
          };
        case '<>':
          return (row) => {
            const a = l(row);
            return typeof a === 'number' ? a !== k : slow(a);
          };
        case '<':
          return (row) => {
            const a = l(row);
            return typeof a === 'number' ? a < k : slow(a);
          };
        case '<=':
          return (row) => {
            const a = l(row);
            return typeof a === 'number' ? a <= k : slow(a);
          };
        case '>':
          return (row) => {
            const a = l(row);
            return typeof a === 'number' ? a > k : slow(a);
          };
        case '>=':
          return (row) => {
            const a = l(row);
            return typeof a === 'number' ? a >= k : slow(a);
          };
      }
    }
    if (constant && typeof constant.value === 'string') {
      const k = constant.value;
      const kMs = parseTimestamp(k);
      if (op === '=') {
        return (row) => {
          const a = l(row);
          if (typeof a === 'string') return a === k;
          if (a === null) return null;
          if (a instanceof Date && kMs !== null && !Number.isNaN(a.getTime())) return a.getTime() === kMs;
          return compareValues(a, k, site) === 0;
        };
      }
      return (row) => {
        const a = l(row);
        if (typeof a === 'string') return test(a < k ? -1 : a > k ? 1 : 0);
        if (a === null) return null;
        if (a instanceof Date && kMs !== null) {
          const t = a.getTime();
          if (!Number.isNaN(t)) return test(t < kMs ? -1 : t > kMs ? 1 : 0);
        }
        return test(compareValues(a, k, site));
      };
    }
    const r = this.compile(right);
    return (row) => {
      const a = l(row);
      if (a === null) return null;
      const b = r(row);
      if (b === null) return null;
      if (typeof a === 'number' && typeof b === 'number') return numericCompare(op, a, b);
      return test(compareValues(a, b, site));
    };
  }

  private logical(node: Extract<Expr, { kind: 'logical' }>): Evaluator {
    const site = this.site(node);
    const fs = node.operands.map((o) => this.compile(o));
    const isAnd = node.op === 'AND';
    const stop = !isAnd;
    const [f0, f1] = fs as [Evaluator, Evaluator];
    if (fs.length === 2) {
      return (row) => {
        const a = f0(row);
        if (a === stop) return stop;
        if (a !== !stop && a !== null) logical(a, site, node.op);
        const b = f1(row);
        if (b === stop) return stop;
        if (b === !stop) return a;
        return logical(b, site, node.op);
      };
    }
    return (row) => {
      let sawNull = false;
      for (let i = 0; i < fs.length; i++) {
        const v = (fs[i] as Evaluator)(row);
        if (v === stop) return stop;
        if (v === null) sawNull = true;
        else if (v !== !stop) logical(v, site, node.op);
      }
      return sawNull ? null : !stop;
    };
  }

  private inList(node: Extract<Expr, { kind: 'in' }>): Evaluator {
    const site = this.site(node);
    const f = this.compile(node.operand);
    const negated = node.negated;
    const constants = node.list.map((e) => this.constantValue(e));
    const values = constants.map((c) => c?.value);
    const allConstant = constants.every((c) => c !== null);
    const list = node.list.map((e) => this.compile(e));
    const general = (v: unknown, row: Row): boolean | null => {
      let sawNull = false;
      for (const item of list) {
        const w = item(row);
        if (w === null) sawNull = true;
        else if (compareValues(v, w, site) === 0) return !negated;
      }
      return sawNull ? null : negated;
    };
    if (allConstant && values.every((v) => typeof v === 'number')) {
      const set = new Set(values as number[]);
      return (row) => {
        const v = f(row);
        if (typeof v === 'number') return set.has(v) !== negated;
        if (v === null) return null;
        return general(v, row);
      };
    }
    if (allConstant && values.every((v) => typeof v === 'string')) {
      const set = new Set(values as string[]);
      return (row) => {
        const v = f(row);
        if (typeof v === 'string') return set.has(v) !== negated;
        if (v === null) return null;
        return general(v, row);
      };
    }
    return (row) => {
      const v = f(row);
      return v === null ? null : general(v, row);
    };
  }

  private between(node: Extract<Expr, { kind: 'between' }>): Evaluator {
    const site = this.site(node);
    const f = this.compile(node.operand);
    const low = this.compile(node.low);
    const high = this.compile(node.high);
    const negated = node.negated;
    return (row) => {
      const x = f(row);
      if (x === null) return null;
      const lo = low(row);
      const hi = high(row);
      let ge: boolean | null;
      let le: boolean | null;
      if (typeof x === 'number' && typeof lo === 'number' && typeof hi === 'number') {
        ge = x >= lo;
        le = x <= hi;
      } else {
        ge = lo === null ? null : compareValues(x, lo, site) >= 0;
        le = hi === null ? null : compareValues(x, hi, site) <= 0;
      }
      const inside = ge === false || le === false ? false : ge === null || le === null ? null : true;
      return inside === null ? null : inside !== negated;
    };
  }

  private like(node: Extract<Expr, { kind: 'like' }>): Evaluator {
    const site = this.site(node);
    const f = this.compile(node.operand);
    const negated = node.negated;
    const escape = node.escape;
    const constant = this.constantValue(node.pattern);
    let fixed: LikeMatcher | null = null;
    if (constant && typeof constant.value === 'string') {
      const compiled = compileLike(constant.value, escape);
      if (typeof compiled === 'string') throw syntaxError(compiled, node.pattern.start, node.pattern.end - node.pattern.start);
      fixed = compiled;
    }
    if (fixed) {
      const match = fixed;
      return (row) => {
        const v = f(row);
        if (typeof v === 'string') return match(v) !== negated;
        if (v === null) return null;
        throw evalError(site, `LIKE expects a string but got ${describe(v)}`);
      };
    }
    const pattern = this.compile(node.pattern);
    let lastPattern: string | null = null;
    let lastMatcher: LikeMatcher = () => false;
    return (row) => {
      const v = f(row);
      if (v === null) return null;
      const p = pattern(row);
      if (p === null) return null;
      const s = requireString(v, site, 'LIKE');
      const text = requireString(p, site, 'LIKE pattern');
      if (text !== lastPattern) {
        const compiled = compileLike(text, escape);
        if (typeof compiled === 'string') throw evalError(site, compiled);
        lastPattern = text;
        lastMatcher = compiled;
      }
      return lastMatcher(s) !== negated;
    };
  }

  private caseWhen(node: Extract<Expr, { kind: 'case' }>): Evaluator {
    const site = this.site(node);
    const whens = node.whens.map((w) => this.compile(w.when));
    const thens = node.whens.map((w) => this.compile(w.then));
    const otherwise = node.otherwise ? this.compile(node.otherwise) : () => null;
    const n = whens.length;
    if (node.operand === null) {
      return (row) => {
        for (let i = 0; i < n; i++) {
          const c = (whens[i] as Evaluator)(row);
          if (c === true) return (thens[i] as Evaluator)(row);
          if (c !== false && c !== null) logical(c, site, 'CASE WHEN');
        }
        return otherwise(row);
      };
    }
    const operand = this.compile(node.operand);
    return (row) => {
      const v = operand(row);
      if (v !== null) {
        for (let i = 0; i < n; i++) {
          const w = (whens[i] as Evaluator)(row);
          if (w !== null && (v === w || compareValues(v, w, site) === 0)) return (thens[i] as Evaluator)(row);
        }
      }
      return otherwise(row);
    };
  }

  private call(node: Extract<Expr, { kind: 'call' }>): Evaluator {
    const site = this.site(node);
    const fs = node.args.map((a) => this.compile(a));
    const [f0, f1, f2] = fs as [Evaluator, Evaluator, Evaluator];
    switch (node.name) {
      case 'coalesce':
      case 'ifnull':
        return (row) => {
          for (let i = 0; i < fs.length; i++) {
            const v = (fs[i] as Evaluator)(row);
            if (v !== null) return v;
          }
          return null;
        };
      case 'if':
        return (row) => {
          const c = f0(row);
          if (c === true) return f1(row);
          if (c !== false && c !== null) logical(c, site, 'IF');
          return f2(row);
        };
    }
    const fn = scalarFunctions.get(node.name);
    if (!fn) throw new Error(`unreachable: the parser accepted unknown function ${node.name}`);
    // One argument buffer per call site, filled per evaluation: no allocation per event. A call site never
    // re-enters itself (the tree has no cycles), so reuse is safe.
    const buffer: unknown[] = new Array<unknown>(fs.length).fill(null);
    const n = fs.length;
    if (fn.strict && n === 1) {
      return (row) => {
        const v = f0(row);
        if (v === null) return null;
        buffer[0] = v;
        return fn.invoke(buffer, site) ?? null;
      };
    }
    if (fn.strict) {
      return (row) => {
        for (let i = 0; i < n; i++) {
          const v = (fs[i] as Evaluator)(row);
          if (v === null) return null;
          buffer[i] = v;
        }
        return fn.invoke(buffer, site) ?? null;
      };
    }
    return (row) => {
      for (let i = 0; i < n; i++) buffer[i] = (fs[i] as Evaluator)(row);
      return fn.invoke(buffer, site) ?? null;
    };
  }
}

/** Compiles a parsed tree of `text` to an evaluator. Throws ENG_EXPR_SYNTAX for a malformed constant LIKE pattern. */
export function compileTree(node: Expr, text: string): Evaluator {
  return new Compiler(text).compile(node);
}
