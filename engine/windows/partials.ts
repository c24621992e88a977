// Pre-aggregation for tumbling and hopping windows (local-global aggregation, Flink's two-phase
// aggregation): a decode worker folds a task's rows into one partial state per (window start, group
// key), and the run's thread merges those partials into the window operator (FixedWindowOperator.merge)
// instead of reading every row. Only rows whose effect on a window does not depend on what the window
// already holds or on the watermark can be folded ahead: `add` answers false for any other row, and the
// caller then hands the whole task over as rows, so such rows reach the operator exactly as inline.
import { durationMs } from '../format/duration.ts';
import type { HoppingConfig, TumblingConfig } from '../format/pipeline.ts';
import type { Row } from '../runtime/types.ts';
import { addRow, initStates, isMergeable, isOrdered } from './aggregates.ts';
import { groupKeyOf, groupOf, windowSettings, type WindowSettings } from './common.ts';
import { WindowInput } from './input.ts';

/** One window's share of a task: what process() would have added to it for the task's rows. */
export interface PartialWindow {
  start: number;
  /** groupKeyOf the rows (the operator's Map key). */
  key: string;
  /** Group-by values, for a window the operator does not hold yet. */
  group: unknown[];
  events: number;
  /** Aggregate states as initStates/addRow keep them (numbers, { sum, n }, null): structured-clone safe. */
  states: unknown[];
}

/** The pre-aggregated rows of one task, windows in the order process() would first have touched them. */
export interface WindowPartials {
  /** Rows that reached the window (all with a valid event time). */
  rows: number;
  /** Their latest event time; -Infinity without rows. */
  maxT: number;
  windows: PartialWindow[];
}

export type FixedWindowSpec = { type: 'window.tumbling'; config: TumblingConfig } | { type: 'window.hopping'; config: HoppingConfig };

/** Size and slide in ms of a tumbling or hopping window. */
export function windowShape(spec: FixedWindowSpec): { sizeMs: number; slideMs: number } {
  const sizeMs = durationMs(spec.config.size);
  return { sizeMs, slideMs: spec.type === 'window.hopping' ? durationMs(spec.config.slide) : sizeMs };
}

/**
 * Why this window cannot be pre-aggregated, or null when it can: every aggregate must merge exactly
 * from partial states (count(*), count(x), sum, avg, min, max; not count(distinct), first, last).
 */
export function preAggregationBlocker(spec: FixedWindowSpec): string | null {
  let settings: WindowSettings;
  try {
    settings = windowSettings(spec.config);
    const { sizeMs, slideMs } = windowShape(spec);
    if (!(sizeMs > 0) || !(slideMs > 0)) return 'the window size or slide is not positive';
  } catch (error) {
    return `the window's settings do not compile (${(error as Error).message})`;
  }
  const other = settings.aggregates.find((a) => !isMergeable(a));
  return other ? `aggregate ${other.text} does not merge from partial states` : null;
}

export class PartialAggregator {
  private readonly settings: WindowSettings;
  private readonly input: WindowInput;
  private readonly sizeMs: number;
  private readonly slideMs: number;
  /** Indexes of min/max aggregates: their values must be plain numbers to merge in any order. */
  private readonly ordered: number[];
  private windows = new Map<number, Map<string, PartialWindow>>();
  /**
   * The window start of the last row and its groups: events come mostly in time order, so most rows
   * fall in the window of the row before, and a Map lookup by a start (a double beyond the small-integer
   * range, hashed each time) is skipped.
   */
  private lastStart = Number.NaN;
  private lastGroups: Map<string, PartialWindow> | undefined;
  private list: PartialWindow[] = [];
  private rows = 0;
  private maxT = Number.NEGATIVE_INFINITY;

  constructor(spec: FixedWindowSpec, nodeId: string) {
    this.settings = windowSettings(spec.config);
    const shape = windowShape(spec);
    this.sizeMs = shape.sizeMs;
    this.slideMs = shape.slideMs;
    // The clock only stamps dead letters of refused rows, which are never used here (add answers false).
    this.input = new WindowInput(this.settings.time, this.settings.aggregates, { nodeId, clock: { now: () => 0 } });
    this.ordered = this.settings.aggregates.flatMap((a, i) => (isOrdered(a) ? [i] : []));
  }

  /**
   * Folds one row into its windows, or answers false (changing nothing) for a row the operator must read
   * itself: no valid event time, an argument an aggregate refuses, a min/max value that is not a number
   * (its fit depends on what the window holds) or NaN (its effect depends on the order of values).
   */
  add(row: Row): boolean {
    const input = this.input;
    const t = input.read(row);
    if (Number.isNaN(t)) {
      input.take();
      return false;
    }
    const args = input.args;
    const ordered = this.ordered;
    for (let k = 0; k < ordered.length; k++) {
      const v = args[ordered[k] as number];
      if (v != null && (typeof v !== 'number' || Number.isNaN(v))) return false;
    }
    const { groupBy, aggregates } = this.settings;
    const key = groupKeyOf(row, groupBy);
    const size = this.sizeMs;
    const slide = this.slideMs;
    // Newest first, as FixedWindowOperator.process visits them, so windows are listed in its order.
    for (let start = Math.floor(t / slide) * slide; start > t - size; start -= slide) {
      let map = start === this.lastStart ? this.lastGroups : this.windows.get(start);
      if (!map) {
        map = new Map();
        this.windows.set(start, map);
      }
      this.lastStart = start;
      this.lastGroups = map;
      let win = map.get(key);
      if (!win) {
        win = { start, key, group: groupBy.length === 0 ? [] : groupOf(row, groupBy).values, events: 0, states: initStates(aggregates) };
        map.set(key, win);
        this.list.push(win);
      }
      addRow(aggregates, win.states, args, t);
      win.events++;
    }
    this.rows++;
    if (t > this.maxT) this.maxT = t;
    return true;
  }

  /** The partials so far; starts over. */
  take(): WindowPartials {
    const out: WindowPartials = { rows: this.rows, maxT: this.maxT, windows: this.list };
    this.windows = new Map();
    this.lastStart = Number.NaN;
    this.lastGroups = undefined;
    this.list = [];
    this.rows = 0;
    this.maxT = Number.NEGATIVE_INFINITY;
    return out;
  }
}
