// Window aggregates: count(*), count(x), count(distinct x), sum, avg, min, max, first, last (by event
// time). Each keeps a small state per window, so memory grows with open windows, never with events.
// A row is checked against every aggregate before any state changes, so a bad value sends the whole row
// to the error port instead of leaving a window half-updated.
import { EngineError } from '../errors.ts';
import { parseAggregate, type CompiledExpression } from '../expr/index.ts';
import { describe } from '../expr/values.ts';

type Fn = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'last';

export interface Aggregate {
  /** Output column. */
  name: string;
  text: string;
  fn: Fn;
  distinct: boolean;
  /** Null for count(*). */
  arg: CompiledExpression | null;
}

interface Timed { v: unknown; t: number }
interface Avg { sum: number; n: number }

export function compileAggregates(config: Record<string, string>): Aggregate[] {
  return Object.entries(config).map(([name, text]) => {
    const parsed = parseAggregate(text);
    return { name, text: parsed.text, fn: parsed.fn, distinct: parsed.distinct, arg: parsed.star ? null : parsed.arg };
  });
}

/** Fresh state for each aggregate of a new window. */
export function initStates(aggs: readonly Aggregate[]): unknown[] {
  return aggs.map((a) => {
    if (a.fn === 'count') return a.distinct ? new Set<unknown>() : 0;
    if (a.fn === 'avg') return { sum: 0, n: 0 } satisfies Avg;
    return null;
  });
}

/** Evaluates the aggregate arguments of a row; throws EngineError for values an aggregate cannot take. */
export function argumentsOf(aggs: readonly Aggregate[], row: Record<string, unknown>, out: unknown[]): void {
  for (let i = 0; i < aggs.length; i++) {
    const a = aggs[i] as Aggregate;
    const v = a.arg ? a.arg.evaluate(row) : null;
    if (v != null && (a.fn === 'sum' || a.fn === 'avg') && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new EngineError('ENG_EXPR_TYPE', `${a.text} needs a number but got ${describe(v)}`, { aggregate: a.name });
    }
    if (v != null && (a.fn === 'min' || a.fn === 'max') && !(typeof v === 'number' || typeof v === 'string' || v instanceof Date || typeof v === 'boolean')) {
      throw new EngineError('ENG_EXPR_TYPE', `${a.text} cannot order ${describe(v)}`, { aggregate: a.name });
    }
    out[i] = v;
  }
}

/** Checks that min/max values are of the same kind as what the window already holds. */
export function checkAgainst(aggs: readonly Aggregate[], states: readonly unknown[], args: readonly unknown[]): void {
  for (let i = 0; i < aggs.length; i++) {
    const a = aggs[i] as Aggregate;
    if (a.fn !== 'min' && a.fn !== 'max') continue;
    const held = states[i];
    const v = args[i];
    if (held != null && v != null && kind(held) !== kind(v)) {
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
    const a = aggs[i] as Aggregate;
    const v = args[i];
    switch (a.fn) {
      case 'count':
        if (a.distinct) {
          if (v != null) (states[i] as Set<unknown>).add(distinctKey(v));
        } else if (a.arg === null || v != null) {
          states[i] = (states[i] as number) + 1;
        }
        break;
      case 'sum':
        if (v != null) states[i] = ((states[i] as number | null) ?? 0) + (v as number);
        break;
      case 'avg':
        if (v != null) {
          const s = states[i] as Avg;
          s.sum += v as number;
          s.n++;
        }
        break;
      case 'min':
        if (v != null && (states[i] == null || less(v, states[i]))) states[i] = v;
        break;
      case 'max':
        if (v != null && (states[i] == null || less(states[i], v))) states[i] = v;
        break;
      case 'first': {
        const s = states[i] as Timed | null;
        if (s === null || t < s.t) states[i] = { v, t };
        break;
      }
      case 'last': {
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
        a[i] = x == null ? y : y == null ? x : (x as number) + (y as number);
        break;
      case 'avg':
        (x as Avg).sum += (y as Avg).sum;
        (x as Avg).n += (y as Avg).n;
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
      case 'avg':
        into[a.name] = (s as Avg).n === 0 ? null : (s as Avg).sum / (s as Avg).n;
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

/** JSON-safe (Dates allowed) form of the states for checkpoints. */
export function saveStates(aggs: readonly Aggregate[], states: readonly unknown[]): unknown[] {
  return aggs.map((a, i) => (a.fn === 'count' && a.distinct ? [...(states[i] as Set<unknown>)] : states[i]));
}

export function loadStates(aggs: readonly Aggregate[], saved: unknown): unknown[] {
  if (!Array.isArray(saved) || saved.length !== aggs.length) {
    throw new EngineError('ENG_RUN_CHECKPOINT', `window state has ${Array.isArray(saved) ? saved.length : 'no'} aggregates, the node has ${aggs.length}`);
  }
  return aggs.map((a, i) => {
    const s = saved[i];
    if (a.fn === 'count' && a.distinct) return new Set(s as unknown[]);
    if (a.fn === 'avg') return { ...(s as Avg) };
    return s;
  });
}

/** Distinct values compare by value: timestamps by instant, objects by their JSON text. */
function distinctKey(v: unknown): unknown {
  if (v instanceof Date) return `\u0000date:${v.getTime()}`;
  if (typeof v === 'object') return `\u0000json:${JSON.stringify(v)}`;
  return v;
}
