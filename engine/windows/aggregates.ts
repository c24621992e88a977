// Window aggregates: count(*), count(x), count(distinct x), sum, avg, min, max, first, last (by event
// time). Each keeps a small state per window, so memory grows with open windows, never with events.
// A row is checked against every aggregate before any state changes, so a bad value sends the whole row
// to the error port instead of leaving a window half-updated.
//
// These functions run once per event and aggregate, so they branch on a small integer (`op`) rather
// than on the function's name, and sums and averages add into a mutable { sum, n } in place (a bare
// number in the state array would be a fresh heap number per event).
import { EngineError } from '../errors.ts';
import { parseAggregate, type CompiledExpression } from '../expr/index.ts';
import { describe } from '../expr/values.ts';

type Fn = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'last';

const COUNT_ALL = 0;
const COUNT = 1;
const COUNT_DISTINCT = 2;
const SUM = 3;
const AVG = 4;
const MIN = 5;
const MAX = 6;
const FIRST = 7;
const LAST = 8;

export interface Aggregate {
  /** Output column. */
  name: string;
  text: string;
  fn: Fn;
  distinct: boolean;
  /** Null for count(*). */
  arg: CompiledExpression | null;
  /** fn and distinct as one of the constants above. */
  op: number;
  /** The argument when it is a plain top-level column, read straight off the row. */
  column: string | undefined;
}

const inherited: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

interface Timed { v: unknown; t: number }
/** Sum and avg: `n` counts the values added, so a sum of nothing stays NULL. */
interface Total { sum: number; n: number }

function opOf(fn: Fn, distinct: boolean, star: boolean): number {
  switch (fn) {
    case 'count': return star ? COUNT_ALL : distinct ? COUNT_DISTINCT : COUNT;
    case 'sum': return SUM;
    case 'avg': return AVG;
    case 'min': return MIN;
    case 'max': return MAX;
    case 'first': return FIRST;
    case 'last': return LAST;
  }
}

export function compileAggregates(config: Record<string, string>): Aggregate[] {
  return Object.entries(config).map(([name, text]) => {
    const parsed = parseAggregate(text);
    const arg = parsed.star ? null : parsed.arg;
    // Names every object inherits are left to the expression, which reads only a row's own fields.
    const column = arg?.column !== undefined && !inherited.has(arg.column) ? arg.column : undefined;
    return { name, text: parsed.text, fn: parsed.fn, distinct: parsed.distinct, arg, op: opOf(parsed.fn, parsed.distinct, parsed.star), column };
  });
}

/** Fresh state for each aggregate of a new window. */
export function initStates(aggs: readonly Aggregate[]): unknown[] {
  return aggs.map((a) => {
    if (a.op === COUNT_DISTINCT) return new Set<unknown>();
    if (a.op === COUNT_ALL || a.op === COUNT) return 0;
    if (a.op === SUM || a.op === AVG) return { sum: 0, n: 0 } satisfies Total;
    return null;
  });
}

/** Whether an aggregate orders its values (min, max), so a row's value must be of the kind a window holds. */
export function isOrdered(a: Aggregate): boolean {
  return a.op === MIN || a.op === MAX;
}

/**
 * Whether partial states of the aggregate merge (mergeStates) into exactly what adding the same rows one
 * by one gives: counts, sums and averages (up to the order of floating-point additions) and min/max over
 * numbers. count(distinct) keeps whole sets and first/last keep values with their times, so windows with
 * them are not pre-aggregated.
 */
export function isMergeable(a: Aggregate): boolean {
  return a.op === COUNT_ALL || a.op === COUNT || a.op === SUM || a.op === AVG || a.op === MIN || a.op === MAX;
}

/** Evaluates the aggregate arguments of a row; throws EngineError for values an aggregate cannot take. */
export function argumentsOf(aggs: readonly Aggregate[], row: Record<string, unknown>, out: unknown[]): void {
  for (let i = 0; i < aggs.length; i++) {
    const a = aggs[i] as Aggregate;
    const arg = a.arg;
    let v: unknown = null;
    if (a.column !== undefined) {
      v = row[a.column];
      if (v === undefined) v = null;
    } else if (arg !== null) {
      v = arg.evaluate(row);
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v) && (a.op === SUM || a.op === AVG)) throw new EngineError('ENG_EXPR_TYPE', `${a.text} needs a number but got ${describe(v)}`, { aggregate: a.name });
    } else if (v != null) {
      const op = a.op;
      if (op === SUM || op === AVG) throw new EngineError('ENG_EXPR_TYPE', `${a.text} needs a number but got ${describe(v)}`, { aggregate: a.name });
      if ((op === MIN || op === MAX) && !(typeof v === 'string' || v instanceof Date || typeof v === 'boolean')) {
        throw new EngineError('ENG_EXPR_TYPE', `${a.text} cannot order ${describe(v)}`, { aggregate: a.name });
      }
    }
    out[i] = v;
  }
}

/** Checks that min/max values are of the same kind as what the window already holds. */
export function checkAgainst(aggs: readonly Aggregate[], states: readonly unknown[], args: readonly unknown[]): void {
  for (let i = 0; i < aggs.length; i++) {
    const a = aggs[i] as Aggregate;
    if (a.op !== MIN && a.op !== MAX) continue;
    const held = states[i];
    const v = args[i];
    // Two numbers (the common case) need no closer look.
    if (held != null && v != null && !(typeof held === 'number' && typeof v === 'number') && kind(held) !== kind(v)) {
      throw new EngineError('ENG_EXPR_TYPE', `${a.text} got ${describe(v)} in a window that holds ${describe(held)}`, { aggregate: a.name });
    }
  }
}

function kind(v: unknown): string {
  return v instanceof Date ? 'date' : typeof v;
}

function less(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() < b.getTime();
  return (a as number) < (b as number);
}

/** Adds one row's (already checked) arguments at event time `t`. */
export function addRow(aggs: readonly Aggregate[], states: unknown[], args: readonly unknown[], t: number): void {
  for (let i = 0; i < aggs.length; i++) {
    const v = args[i];
    switch ((aggs[i] as Aggregate).op) {
      case COUNT_ALL:
        states[i] = (states[i] as number) + 1;
        break;
      case COUNT:
        if (v != null) states[i] = (states[i] as number) + 1;
        break;
      case COUNT_DISTINCT:
        if (v != null) (states[i] as Set<unknown>).add(distinctKey(v));
        break;
      case SUM:
      case AVG:
        if (v != null) {
          const s = states[i] as Total;
          s.sum += v as number;
          s.n++;
        }
        break;
      case MIN:
        if (v != null && (states[i] == null || less(v, states[i]))) states[i] = v;
        break;
      case MAX:
        if (v != null && (states[i] == null || less(states[i], v))) states[i] = v;
        break;
      case FIRST: {
        const s = states[i] as Timed | null;
        if (s === null || t < s.t) states[i] = { v, t };
        break;
      }
      case LAST: {
        const s = states[i] as Timed | null;
        if (s === null || t >= s.t) states[i] = { v, t };
        break;
      }
    }
  }
}

/** Merges window state `b` into `a` (session windows); `b` holds the later-arriving events on ties. */
export function mergeStates(aggs: readonly Aggregate[], a: unknown[], b: readonly unknown[]): void {
  for (let i = 0; i < aggs.length; i++) {
    const agg = aggs[i] as Aggregate;
    const x = a[i];
    const y = b[i];
    switch (agg.fn) {
      case 'count':
        if (agg.distinct) for (const k of y as Set<unknown>) (x as Set<unknown>).add(k);
        else a[i] = (x as number) + (y as number);
        break;
      case 'sum':
      case 'avg':
        (x as Total).sum += (y as Total).sum;
        (x as Total).n += (y as Total).n;
        break;
      case 'min':
        if (y != null && (x == null || less(y, x))) a[i] = y;
        break;
      case 'max':
        if (y != null && (x == null || less(x, y))) a[i] = y;
        break;
      case 'first':
        if (y != null && (x == null || (y as Timed).t < (x as Timed).t)) a[i] = y;
        break;
      case 'last':
        if (y != null && (x == null || (y as Timed).t >= (x as Timed).t)) a[i] = y;
        break;
    }
  }
}

export function results(aggs: readonly Aggregate[], states: readonly unknown[], into: Record<string, unknown>): void {
  for (let i = 0; i < aggs.length; i++) {
    const a = aggs[i] as Aggregate;
    const s = states[i];
    switch (a.fn) {
      case 'count':
        into[a.name] = a.distinct ? (s as Set<unknown>).size : s;
        break;
      case 'sum':
        into[a.name] = (s as Total).n === 0 ? null : (s as Total).sum;
        break;
      case 'avg':
        into[a.name] = (s as Total).n === 0 ? null : (s as Total).sum / (s as Total).n;
        break;
      case 'first':
      case 'last':
        into[a.name] = s == null ? null : (s as Timed).v;
        break;
      default:
        into[a.name] = s ?? null;
    }
  }
}

/** JSON-safe (Dates allowed) form of the states for checkpoints: a sum is saved as its value or null. */
export function saveStates(aggs: readonly Aggregate[], states: readonly unknown[]): unknown[] {
  return aggs.map((a, i) => {
    const s = states[i];
    if (a.op === COUNT_DISTINCT) return [...(s as Set<unknown>)];
    if (a.op === SUM) return (s as Total).n === 0 ? null : (s as Total).sum;
    if (a.op === AVG) return { ...(s as Total) };
    return s;
  });
}

export function loadStates(aggs: readonly Aggregate[], saved: unknown): unknown[] {
  if (!Array.isArray(saved) || saved.length !== aggs.length) {
    throw new EngineError('ENG_RUN_CHECKPOINT', `window state has ${Array.isArray(saved) ? saved.length : 'no'} aggregates, the node has ${aggs.length}`);
  }
  return aggs.map((a, i) => {
    const s = saved[i];
    if (a.op === COUNT_DISTINCT) return new Set(s as unknown[]);
    // Only whether a sum saw any value matters once it is restored: n says that.
    if (a.op === SUM) return typeof s === 'number' ? { sum: s, n: 1 } : { sum: 0, n: 0 };
    if (a.op === AVG) return { ...(s as Total) };
    return s;
  });
}

/** Distinct values compare by value: timestamps by instant, objects by their JSON text. */
function distinctKey(v: unknown): unknown {
  if (v instanceof Date) return `\u0000date:${v.getTime()}`;
  if (typeof v === 'object') return `\u0000json:${JSON.stringify(v)}`;
  return v;
}
