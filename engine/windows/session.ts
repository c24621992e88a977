// Session windows on event time: per group, events closer than `gap` belong to one session
// [first event, last event + gap). An event that falls between sessions bridges them and they merge.
// A session is emitted once the watermark reaches its end, kept until end + allowedLateness for late
// updates (re-emitted with an upsert key on [...groupBy, window_start]), then forgotten.
//
// A session's row is keyed on [...groupBy, window_start], and a late event can change that key: it can
// move a session's start earlier, or merge sessions that were each emitted already. The re-emitted row
// then carries `retract` keys for the rows it replaces under other starts, so a sink that honours them
// (sink.preview does) ends with exactly one row per final session.
import { formatTimestamp } from '../expr/values.ts';
import { durationMs } from '../format/duration.ts';
import type { SessionConfig } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import { deadLetter } from '../operators/dead-letter.ts';
import type { Batch, Emit, Row } from '../runtime/types.ts';
import { addRow, initStates, loadStates, mergeStates, saveStates } from './aggregates.ts';
import { explainSummary, groupOf, keyRow, outputRow, upsertKeyOf, type OpenWindowInfo, type WindowExplanation } from './common.ts';
import { WindowOperator, type WindowContext } from './operator.ts';

interface Session {
  key: string;
  group: unknown[];
  start: number;
  end: number;
  states: unknown[];
  events: number;
  emitted: boolean;
  dirty: boolean;
  /** window_start of the version of this session a sink holds, or null before its first emission. */
  emittedAt: number | null;
  /** window_starts of emitted sessions merged into this one: retracted when it is next emitted. */
  stale: number[];
}

export class SessionWindowOperator extends WindowOperator {
  /** group key → its sessions, ascending by start, never overlapping. */
  private groups = new Map<string, Session[]>();
  private open = new Set<Session>();
  private retained = new Set<Session>();
  private dirty: Session[] = [];

  constructor(config: SessionConfig, readonly gapMs: number, ctx: WindowContext) {
    super(config, ctx);
    if (!(gapMs > 0)) throw new RangeError(`session gap must be positive (got ${gapMs} ms)`);
  }

  process(batch: Batch, emit: Emit): void {
    const { groupBy, aggregates, latenessMs } = this.settings;
    const gap = this.gapMs;
    const wm = this.tracker.value();
    const input = this.input;
    const args = input.args;
    let maxT = Number.NEGATIVE_INFINITY;
    let late: Row[] | null = null;
    for (const row of batch.rows) {
      const t = input.read(row);
      if (Number.isNaN(t)) continue;
      if (t > maxT) maxT = t;
      const group = groupBy.length === 0 ? { key: '', values: [] } : groupOf(row, groupBy);
      const list = this.groups.get(group.key) ?? [];
      // Sessions this event touches: [t, t + gap) overlaps [start, end).
      let first = -1;
      let last = -1;
      for (let i = 0; i < list.length; i++) {
        const s = list[i] as Session;
        if (s.start < t + gap && t < s.end) {
          if (first < 0) first = i;
          last = i;
        } else if (s.start >= t + gap) break;
      }
      const start = first < 0 ? t : Math.min(t, (list[first] as Session).start);
      const end = first < 0 ? t + gap : Math.max(t + gap, (list[last] as Session).end);
      if (end + latenessMs <= wm) {
        (late ??= []).push(deadLetter(this.ctx, row, `event time ${formatTimestamp(t)} is beyond the allowed lateness: its session closed for good at watermark ${formatTimestamp(wm)}`, 'late'));
        continue;
      }
      let fits = true;
      if (first >= 0) for (let i = first; fits && i <= last; i++) fits = input.fits(row, (list[i] as Session).states);
      if (!fits) continue;
      const target: Session = first < 0
        ? { key: group.key, group: group.values, start, end, states: initStates(aggregates), events: 0, emitted: false, dirty: false, emittedAt: null, stale: [] }
        : list[first] as Session;
      if (first < 0) {
        let at = 0;
        while (at < list.length && (list[at] as Session).start < start) at++;
        list.splice(at, 0, target);
        if (list.length === 1) this.groups.set(group.key, list);
        // A late event opening a session that already ended: emitted with the re-emits.
        if (end <= wm) target.emitted = true;
        else this.open.add(target);
      } else {
        for (let i = first + 1; i <= last; i++) {
          const other = list[i] as Session;
          mergeStates(aggregates, target.states, other.states);
          target.events += other.events;
          target.stale.push(...other.stale);
          if (other.emittedAt !== null) target.stale.push(other.emittedAt);
          this.open.delete(other);
          this.retained.delete(other);
          if (other.dirty) this.dirty = this.dirty.filter((d) => d !== other);
        }
        list.splice(first + 1, last - first);
        target.start = start;
        target.end = end;
        // Open sessions end after the watermark, so the merge is open if any part of it was. Closed, it
        // is re-emitted below like any late update.
        if (end > wm && target.emitted) {
          this.retained.delete(target);
          this.open.add(target);
          target.emitted = false;
          target.dirty = false;
          this.dirty = this.dirty.filter((d) => d !== target);
        } else if (end <= wm) {
          target.emitted = true;
        }
      }
      addRow(aggregates, target.states, args, t);
      target.events++;
      if (target.emitted && !target.dirty) {
        target.dirty = true;
        this.dirty.push(target);
      }
    }
    this.endBatch(batch, maxT, late, emit);
  }

  protected fire(emit: Emit): void {
    const wm = this.tracker.value();
    const partition = this.ctx.nodeId;
    const closing = [...this.open].filter((s) => s.end <= wm).sort((a, b) => a.end - b.end || a.start - b.start);
    const fresh: Row[] = [];
    const replacing: Row[] = [];
    const retract: Row[] = [];
    for (const s of closing) {
      s.emitted = true;
      this.open.delete(s);
      this.retained.add(s);
      this.emitSession(s, s.emittedAt === null && s.stale.length === 0 ? fresh : replacing, retract);
    }
    for (const s of this.dirty) {
      s.dirty = false;
      this.retained.add(s);
      this.emitSession(s, replacing, retract);
    }
    this.dirty = [];
    if (fresh.length > 0) emit('out', { rows: fresh, partition });
    if (replacing.length > 0) {
      const upsertKey = upsertKeyOf(this.settings);
      emit('out', retract.length > 0 ? { rows: replacing, partition, upsertKey, retract } : { rows: replacing, partition, upsertKey });
    }
    for (const s of this.retained) {
      if (s.end + this.settings.latenessMs > wm) continue;
      this.retained.delete(s);
      const list = this.groups.get(s.key);
      if (!list) continue;
      const at = list.indexOf(s);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.groups.delete(s.key);
    }
  }

  protected emitOpen(emit: Emit): void {
    const rows: Row[] = [];
    const retract: Row[] = [];
    // emittedAt records the version the sink now holds; the session stays open, so when it closes (or
    // grows, or merges) in a later run its row replaces this one and stale starts are retracted.
    for (const s of [...this.open].sort((a, b) => a.end - b.end || a.start - b.start)) this.emitSession(s, rows, retract);
    if (rows.length === 0) return;
    const batch = { rows, partition: this.ctx.nodeId, upsertKey: upsertKeyOf(this.settings) };
    emit('out', retract.length > 0 ? { ...batch, retract } : batch);
  }

  /** The session's row into `rows`, and the keys of the rows it replaces under other starts into `retract`. */
  private emitSession(s: Session, rows: Row[], retract: Row[]): void {
    rows.push(outputRow(this.settings, s.group, s.start, s.end, s.states));
    for (const start of s.stale) if (start !== s.start) retract.push(keyRow(this.settings, s.group, start));
    if (s.emittedAt !== null && s.emittedAt !== s.start && !s.stale.includes(s.emittedAt)) retract.push(keyRow(this.settings, s.group, s.emittedAt));
    s.stale = [];
    s.emittedAt = s.start;
  }

  snapshot(): unknown {
    const sessions: unknown[] = [];
    for (const list of this.groups.values()) {
      // `replaces` (index 6) is what earlier versions kept instead of emittedAt.
      for (const s of list) sessions.push([s.group, s.start, s.end, saveStates(this.settings.aggregates, s.states), s.events, s.emitted, s.emittedAt !== null, s.emittedAt, s.stale]);
    }
    return this.saved('sessions', sessions);
  }

  restore(state: unknown): void {
    const entries = this.restoreWatermark(state, 'sessions');
    this.groups = new Map();
    this.open = new Set();
    this.retained = new Set();
    this.dirty = [];
    for (const entry of entries) {
      const [group, start, end, states, events, emitted, replaces, emittedAt, stale] = entry as [unknown[], number, number, unknown, number, boolean, boolean?, (number | null)?, number[]?];
      const key = groupOf(Object.fromEntries(this.settings.groupBy.map((g, i) => [g, group[i]])), this.settings.groupBy).key;
      // Checkpoints from before emittedAt: an emitted version is taken to be under the current start.
      const at = emittedAt !== undefined ? emittedAt : emitted || replaces === true ? start : null;
      const s: Session = { key, group, start, end, states: loadStates(this.settings.aggregates, states), events, emitted, dirty: false, emittedAt: at, stale: Array.isArray(stale) ? stale.filter((x) => typeof x === 'number') : [] };
      const list = this.groups.get(key) ?? [];
      list.push(s);
      list.sort((a, b) => a.start - b.start);
      this.groups.set(key, list);
      (emitted ? this.retained : this.open).add(s);
    }
  }

  explain(): WindowExplanation {
    const now = this.ctx.clock.now();
    const wm = this.tracker.value();
    const sorted = [...this.open].sort((a, b) => a.end - b.end);
    const open: OpenWindowInfo[] = sorted.slice(0, 50).map((s) => {
      const key: Row = {};
      this.settings.groupBy.forEach((g, j) => { key[g] = s.group[j] ?? null; });
      return { key, start: s.start, end: s.end, closesAt: s.end, events: s.events };
    });
    const partitions = this.tracker.describe(now);
    return {
      watermark: Number.isFinite(wm) ? wm : null,
      watermarkDelayMs: this.settings.delayMs,
      allowedLatenessMs: this.settings.latenessMs,
      openWindows: open,
      openCount: this.open.size,
      partitions,
      summary: explainSummary(this.settings, this.ended ? Number.POSITIVE_INFINITY : wm, open[0], partitions),
    };
  }
}

registerNode('window.session', {
  kind: 'operator',
  create: (spec, ctx) => new SessionWindowOperator(spec.config, durationMs(spec.config.gap), ctx),
});
