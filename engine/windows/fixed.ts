// Tumbling and hopping windows on event time: windows of `size` starting every `slide` (tumbling: slide =
// size), aligned to the Unix epoch. A window [start, end) is emitted once the watermark reaches its end;
// until end + allowedLateness it stays in memory and a late event updates it and re-emits it (with an
// upsert key, so sinks keep the last value); after that the event goes to the late port.
import { formatTimestamp } from '../expr/values.ts';
import { durationMs } from '../format/duration.ts';
import type { HoppingConfig, TumblingConfig } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import { deadLetter } from '../operators/dead-letter.ts';
import type { Batch, Emit, Row } from '../runtime/types.ts';
import { addRow, initStates, isOrdered, loadStates, mergeStates, saveStates } from './aggregates.ts';
import { explainSummary, groupKeyOf, groupOf, outputRow, upsertKeyOf, type OpenWindowInfo, type WindowExplanation } from './common.ts';
import { WindowOperator, type WindowContext } from './operator.ts';
import type { WindowPartials } from './partials.ts';

interface Window {
  group: unknown[];
  start: number;
  states: unknown[];
  events: number;
  emitted: boolean;
  dirty: boolean;
  /** Its row was emitted at an end of input while it was still open: its final row is an upsert. */
  provisional: boolean;
}

export class FixedWindowOperator extends WindowOperator {
  /** start → group key → window. */
  private byStart = new Map<number, Map<string, Window>>();
  /** Starts present in byStart, ascending. The first `fired` of them have ended (end <= watermark). */
  private starts: number[] = [];
  private fired = 0;
  private dirty: Window[] = [];
  /** Indexes of the min/max aggregates (merge). */
  private readonly ordered: number[];

  constructor(config: TumblingConfig | HoppingConfig, readonly sizeMs: number, readonly slideMs: number, ctx: WindowContext) {
    super(config, ctx);
    this.ordered = this.settings.aggregates.flatMap((a, i) => (isOrdered(a) ? [i] : []));
    if (!(sizeMs > 0) || !(slideMs > 0)) throw new RangeError(`window size and slide must be positive (size ${sizeMs} ms, slide ${slideMs} ms)`);
  }

  process(batch: Batch, emit: Emit): void {
    const { groupBy, aggregates, latenessMs } = this.settings;
    const size = this.sizeMs;
    const slide = this.slideMs;
    const wm = this.tracker.value();
    const input = this.input;
    const args = input.args;
    const many: Window[] = [];
    let maxT = Number.NEGATIVE_INFINITY;
    let late: Row[] | null = null;
    let lastStart = Number.NaN;
    let lastMap: Map<string, Window> | undefined;
    /** The newest window start of the previous row: most rows fall in the same slide, so no division. */
    let slot = Number.NaN;
    const rows = batch.rows;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Row;
      const t = input.read(row);
      if (Number.isNaN(t)) continue;
      if (t > maxT) maxT = t;
      const key = groupKeyOf(row, groupBy);
      // Windows containing t, newest first; older ones may already be past their lateness.
      let hits = 0;
      let only: Window | undefined;
      if (!(t >= slot && t < slot + slide)) slot = Math.floor(t / slide) * slide;
      for (let start = slot; start > t - size; start -= slide) {
        if (start + size + latenessMs <= wm) break;
        let map = start === lastStart ? lastMap : this.byStart.get(start);
        if (!map) map = this.addStart(start);
        lastStart = start;
        lastMap = map;
        let win = map.get(key);
        if (!win) {
          win = { group: groupBy.length === 0 ? [] : groupOf(row, groupBy).values, start, states: initStates(aggregates), events: 0, emitted: false, dirty: false, provisional: false };
          // A late event opening a window that already ended: it is emitted with the re-emits.
          if (start + size <= wm) win.emitted = true;
          map.set(key, win);
        }
        if (hits === 0) only = win;
        else {
          if (hits === 1) {
            many.length = 0;
            many.push(only as Window);
          }
          many.push(win);
        }
        hits++;
      }
      if (hits === 0) {
        (late ??= []).push(deadLetter(this.ctx, row, `event time ${formatTimestamp(t)} is beyond the allowed lateness: its window${size === slide ? '' : 's'} closed for good at watermark ${formatTimestamp(wm)}`, 'late'));
        continue;
      }
      // Only min/max can refuse a value because of what a window already holds.
      if (hits === 1 ? !input.fits(row, (only as Window).states) : !many.every((win) => input.fits(row, win.states))) continue;
      if (hits === 1) this.add(only as Window, args, t);
      else for (const win of many) this.add(win, args, t);
    }
    this.endBatch(batch, maxT, late, emit);
  }

  /**
   * A batch pre-aggregated by a decode worker (partials.ts): its windows' partial states are merged as
   * process() would have added the batch's rows, then the batch ends as process() ends it (watermark,
   * fire). Answers false, changing nothing, when the rows must be read one by one instead: a window is
   * past its lateness (its rows go to the late port, or count only in newer windows of a hop), or a
   * window holds min/max values that are not numbers (the rows' numbers would be refused).
   */
  merge(partials: WindowPartials, partition: string, emit: Emit): boolean {
    const { aggregates, latenessMs } = this.settings;
    const size = this.sizeMs;
    const wm = this.tracker.value();
    const ordered = this.ordered;
    for (const p of partials.windows) {
      if (p.start + size + latenessMs <= wm) return false;
      if (ordered.length === 0) continue;
      const held = this.byStart.get(p.start)?.get(p.key)?.states;
      if (held && ordered.some((i) => held[i] != null && typeof held[i] !== 'number' && p.states[i] != null)) return false;
    }
    for (const p of partials.windows) {
      const map = this.byStart.get(p.start) ?? this.addStart(p.start);
      let win = map.get(p.key);
      if (!win) {
        win = { group: p.group, start: p.start, states: initStates(aggregates), events: 0, emitted: p.start + size <= wm, dirty: false, provisional: false };
        map.set(p.key, win);
      }
      mergeStates(aggregates, win.states, p.states);
      win.events += p.events;
      if (win.emitted && !win.dirty) {
        win.dirty = true;
        this.dirty.push(win);
      }
    }
    this.endBatch({ rows: [], partition }, partials.maxT, null, emit);
    return true;
  }

  private add(win: Window, args: readonly unknown[], t: number): void {
    addRow(this.settings.aggregates, win.states, args, t);
    win.events++;
    if (win.emitted && !win.dirty) {
      win.dirty = true;
      this.dirty.push(win);
    }
  }

  private addStart(start: number): Map<string, Window> {
    const map = new Map<string, Window>();
    this.byStart.set(start, map);
    const starts = this.starts;
    if (starts.length === 0 || start > (starts[starts.length - 1] as number)) starts.push(start);
    else {
      let i = starts.length;
      while (i > 0 && (starts[i - 1] as number) > start) i--;
      starts.splice(i, 0, start);
      if (i < this.fired) this.fired++;
    }
    return map;
  }

  protected fire(emit: Emit): void {
    const wm = this.tracker.value();
    const size = this.sizeMs;
    const partition = this.ctx.nodeId;
    const closed: Row[] = [];
    const updated: Row[] = [];
    while (this.fired < this.starts.length && (this.starts[this.fired] as number) + size <= wm) {
      const start = this.starts[this.fired] as number;
      for (const win of (this.byStart.get(start) as Map<string, Window>).values()) {
        if (win.emitted) continue;
        win.emitted = true;
        (win.provisional ? updated : closed).push(outputRow(this.settings, win.group, start, start + size, win.states));
      }
      this.fired++;
    }
    if (closed.length > 0) emit('out', { rows: closed, partition });
    for (const win of this.dirty) {
      win.dirty = false;
      updated.push(outputRow(this.settings, win.group, win.start, win.start + size, win.states));
    }
    this.dirty = [];
    if (updated.length > 0) emit('out', { rows: updated, partition, upsertKey: upsertKeyOf(this.settings) });
    while (this.starts.length > 0 && (this.starts[0] as number) + size + this.settings.latenessMs <= wm && this.fired > 0) {
      this.byStart.delete(this.starts.shift() as number);
      this.fired--;
    }
  }

  protected emitOpen(emit: Emit): void {
    const rows: Row[] = [];
    for (let i = this.fired; i < this.starts.length; i++) {
      const start = this.starts[i] as number;
      for (const win of (this.byStart.get(start) as Map<string, Window>).values()) {
        if (win.emitted) continue;
        win.provisional = true;
        rows.push(outputRow(this.settings, win.group, start, start + this.sizeMs, win.states));
      }
    }
    if (rows.length > 0) emit('out', { rows, partition: this.ctx.nodeId, upsertKey: upsertKeyOf(this.settings) });
  }

  snapshot(): unknown {
    const windows: unknown[] = [];
    for (const start of this.starts) {
      for (const win of (this.byStart.get(start) as Map<string, Window>).values()) {
        windows.push([start, win.group, saveStates(this.settings.aggregates, win.states), win.events, win.emitted, win.provisional]);
      }
    }
    return this.saved('windows', windows);
  }

  restore(state: unknown): void {
    const entries = this.restoreWatermark(state, 'windows');
    this.byStart = new Map();
    this.starts = [];
    this.fired = 0;
    this.dirty = [];
    for (const entry of entries) {
      const [start, group, states, events, emitted, provisional] = entry as [number, unknown[], unknown, number, boolean, boolean?];
      const map = this.byStart.get(start) ?? this.addStart(start);
      const win: Window = { group, start, states: loadStates(this.settings.aggregates, states), events, emitted, dirty: false, provisional: provisional === true };
      map.set(groupOf(Object.fromEntries(this.settings.groupBy.map((g, i) => [g, group[i]])), this.settings.groupBy).key, win);
    }
    const wm = this.tracker.value();
    while (this.fired < this.starts.length && (this.starts[this.fired] as number) + this.sizeMs <= wm) this.fired++;
  }

  explain(): WindowExplanation {
    const now = this.ctx.clock.now();
    const wm = this.tracker.value();
    const open: OpenWindowInfo[] = [];
    let openCount = 0;
    for (let i = this.fired; i < this.starts.length; i++) {
      const start = this.starts[i] as number;
      for (const win of (this.byStart.get(start) as Map<string, Window>).values()) {
        if (win.emitted) continue;
        openCount++;
        if (open.length < 50) {
          const key: Row = {};
          this.settings.groupBy.forEach((g, j) => { key[g] = win.group[j] ?? null; });
          open.push({ key, start, end: start + this.sizeMs, closesAt: start + this.sizeMs, events: win.events });
        }
      }
    }
    const partitions = this.tracker.describe(now);
    return {
      watermark: Number.isFinite(wm) ? wm : null,
      watermarkDelayMs: this.settings.delayMs,
      allowedLatenessMs: this.settings.latenessMs,
      openWindows: open,
      openCount,
      partitions,
      summary: explainSummary(this.settings, this.ended ? Number.POSITIVE_INFINITY : wm, open[0], partitions),
    };
  }
}

registerNode('window.tumbling', {
  kind: 'operator',
  create: (spec, ctx) => {
    const size = durationMs(spec.config.size);
    return new FixedWindowOperator(spec.config, size, size, ctx);
  },
});

registerNode('window.hopping', {
  kind: 'operator',
  create: (spec, ctx) => new FixedWindowOperator(spec.config, durationMs(spec.config.size), durationMs(spec.config.slide), ctx),
});
