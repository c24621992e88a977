// Tumbling and hopping windows on event time: windows of `size` starting every `slide` (tumbling: slide =
// size), aligned to the Unix epoch. A window [start, end) is emitted once the watermark reaches its end;
// until end + allowedLateness it stays in memory and a late event updates it and re-emits it (with an
// upsert key, so sinks keep the last value); after that the event goes to the late port.
import { describe, formatTimestamp } from '../expr/values.ts';
import { durationMs } from '../format/duration.ts';
import type { HoppingConfig, TumblingConfig } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import { deadLetter, rowFailure } from '../operators/dead-letter.ts';
import type { Batch, Emit, NodeContext, OperatorInstance, Row } from '../runtime/types.ts';
import { addRow, argumentsOf, checkAgainst, initStates, loadStates, saveStates } from './aggregates.ts';
import { explainSummary, fieldOf, groupKeyOf, groupOf, outputRow, upsertKeyOf, windowSettings, type OpenWindowInfo, type WindowExplanation, type WindowSettings } from './common.ts';
import { eventTimeMs } from './time.ts';
import { WatermarkTracker } from './watermark.ts';

interface Window {
  group: unknown[];
  start: number;
  states: unknown[];
  events: number;
  emitted: boolean;
  dirty: boolean;
}

type Ctx = Pick<NodeContext, 'nodeId' | 'clock'>;

export class FixedWindowOperator implements OperatorInstance {
  private readonly settings: WindowSettings;
  private readonly tracker: WatermarkTracker;
  /** start → group key → window. */
  private byStart = new Map<number, Map<string, Window>>();
  /** Starts present in byStart, ascending. The first `fired` of them have ended (end <= watermark). */
  private starts: number[] = [];
  private fired = 0;
  private dirty: Window[] = [];
  private readonly args: unknown[];
  private readonly ordered: boolean;

  constructor(config: TumblingConfig | HoppingConfig, readonly sizeMs: number, readonly slideMs: number, private readonly ctx: Ctx) {
    this.settings = windowSettings(config);
    this.tracker = new WatermarkTracker(this.settings.delayMs, this.settings.idleTimeoutMs);
    this.args = new Array<unknown>(this.settings.aggregates.length);
    this.ordered = this.settings.aggregates.some((a) => a.fn === 'min' || a.fn === 'max');
    if (!(sizeMs > 0) || !(slideMs > 0)) throw new RangeError(`window size and slide must be positive (size ${sizeMs} ms, slide ${slideMs} ms)`);
  }

  process(batch: Batch, emit: Emit): void {
    const { time, groupBy, aggregates, latenessMs } = this.settings;
    const size = this.sizeMs;
    const slide = this.slideMs;
    const wm = this.tracker.value();
    const args = this.args;
    const many: Window[] = [];
    let maxT = Number.NEGATIVE_INFINITY;
    let failed: Row[] | null = null;
    let late: Row[] | null = null;
    let lastStart = Number.NaN;
    let lastMap: Map<string, Window> | undefined;
    const rows = batch.rows;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Row;
      const raw = time in row ? row[time] : fieldOf(row, time);
      const t = eventTimeMs(raw);
      if (Number.isNaN(t)) {
        (failed ??= []).push(deadLetter(this.ctx, row, `time field "${time}" is ${raw === undefined ? 'missing' : describe(raw)}, not a timestamp`));
        continue;
      }
      try {
        argumentsOf(aggregates, row, args);
      } catch (error) {
        (failed ??= []).push(deadLetter(this.ctx, row, rowFailure(error)));
        continue;
      }
      if (t > maxT) maxT = t;
      const key = groupKeyOf(row, groupBy);
      // Windows containing t, newest first; older ones may already be past their lateness.
      let hits = 0;
      let only: Window | undefined;
      for (let start = Math.floor(t / slide) * slide; start > t - size; start -= slide) {
        if (start + size + latenessMs <= wm) break;
        let map = start === lastStart ? lastMap : this.byStart.get(start);
        if (!map) map = this.addStart(start);
        lastStart = start;
        lastMap = map;
        let win = map.get(key);
        if (!win) {
          win = { group: groupBy.length === 0 ? [] : groupOf(row, groupBy).values, start, states: initStates(aggregates), events: 0, emitted: false, dirty: false };
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
      try {
        // Only min/max can refuse a value because of what a window already holds.
        if (this.ordered) {
          if (hits === 1) checkAgainst(aggregates, (only as Window).states, args);
          else for (const win of many) checkAgainst(aggregates, win.states, args);
        }
      } catch (error) {
        (failed ??= []).push(deadLetter(this.ctx, row, rowFailure(error)));
        continue;
      }
      if (hits === 1) this.add(only as Window, args, t);
      else for (const win of many) this.add(win, args, t);
    }
    const now = this.ctx.clock.now();
    if (maxT > Number.NEGATIVE_INFINITY) this.tracker.observe(batch.partition, maxT, now);
    this.tracker.advance(now);
    this.fire(emit);
    if (failed) emit('error', { rows: failed, partition: batch.partition });
    if (late) emit('late', { rows: late, partition: batch.partition });
  }

  private add(win: Window, args: readonly unknown[], t: number): void {
    addRow(this.settings.aggregates, win.states, args, t);
    win.events++;
    if (win.emitted && !win.dirty) {
      win.dirty = true;
      this.dirty.push(win);
    }
  }

  tick(now: number, emit: Emit): void {
    const before = this.tracker.value();
    if (this.tracker.advance(now) !== before) this.fire(emit);
  }

  finish(emit: Emit): void {
    this.tracker.close();
    this.fire(emit);
  }

  watermark(): number | null {
    const wm = this.tracker.value();
    return Number.isFinite(wm) ? wm : null;
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

  /** Emits windows the watermark has passed and late updates, then forgets windows past their lateness. */
  private fire(emit: Emit): void {
    const wm = this.tracker.value();
    const size = this.sizeMs;
    const partition = this.ctx.nodeId;
    const closed: Row[] = [];
    while (this.fired < this.starts.length && (this.starts[this.fired] as number) + size <= wm) {
      const start = this.starts[this.fired] as number;
      for (const win of (this.byStart.get(start) as Map<string, Window>).values()) {
        if (win.emitted) continue;
        win.emitted = true;
        closed.push(outputRow(this.settings, win.group, start, start + size, win.states));
      }
      this.fired++;
    }
    if (closed.length > 0) emit('out', { rows: closed, partition });
    if (this.dirty.length > 0) {
      const updated = this.dirty.map((win) => {
        win.dirty = false;
        return outputRow(this.settings, win.group, win.start, win.start + size, win.states);
      });
      this.dirty = [];
      emit('out', { rows: updated, partition, upsertKey: upsertKeyOf(this.settings) });
    }
    while (this.starts.length > 0 && (this.starts[0] as number) + size + this.settings.latenessMs <= wm && this.fired > 0) {
      this.byStart.delete(this.starts.shift() as number);
      this.fired--;
    }
  }

  snapshot(): unknown {
    const windows: unknown[] = [];
    for (const start of this.starts) {
      for (const win of (this.byStart.get(start) as Map<string, Window>).values()) {
        windows.push([start, win.group, saveStates(this.settings.aggregates, win.states), win.events, win.emitted]);
      }
    }
    return { watermark: this.tracker.save(), windows };
  }

  restore(state: unknown): void {
    const s = state as { watermark?: unknown; windows?: unknown } | null;
    if (!s || !Array.isArray(s.windows)) throw new TypeError('window state has no window list');
    this.tracker.load(s.watermark, this.ctx.clock.now());
    this.byStart = new Map();
    this.starts = [];
    this.fired = 0;
    this.dirty = [];
    for (const entry of s.windows as unknown[]) {
      const [start, group, states, events, emitted] = entry as [number, unknown[], unknown, number, boolean];
      const map = this.byStart.get(start) ?? this.addStart(start);
      const win: Window = { group, start, states: loadStates(this.settings.aggregates, states), events, emitted, dirty: false };
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
      summary: explainSummary(this.settings, wm, open[0], partitions),
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
