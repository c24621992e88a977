// What every window operator shares: its settings, group-by keys, output rows and the explanation the
// UI shows for windows that have not closed yet.
import { durationMs } from '../format/duration.ts';
import type { WindowCommon } from '../format/pipeline.ts';
import { formatTimestamp } from '../expr/values.ts';
import type { Row } from '../runtime/types.ts';
import { compileAggregates, results, type Aggregate } from './aggregates.ts';

export const defaultIdleTimeoutMs = 30_000;

export interface WindowSettings {
  time: string;
  delayMs: number;
  latenessMs: number;
  idleTimeoutMs: number;
  groupBy: string[];
  aggregates: Aggregate[];
}

export function windowSettings(config: WindowCommon): WindowSettings {
  return {
    time: config.time,
    delayMs: config.watermarkDelay ? durationMs(config.watermarkDelay) : 0,
    latenessMs: config.allowedLateness ? durationMs(config.allowedLateness) : 0,
    idleTimeoutMs: config.idleTimeout ? durationMs(config.idleTimeout) : defaultIdleTimeoutMs,
    groupBy: config.groupBy ?? [],
    aggregates: compileAggregates(config.aggregates),
  };
}

/** A field of a row; `a.b` reads nested objects when the row has no column literally named `a.b`. */
export function fieldOf(row: Row, name: string): unknown {
  if (name in row) return row[name];
  if (!name.includes('.')) return undefined;
  let value: unknown = row;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Row)[part];
  }
  return value;
}

/** Group-by values of a row, and a Map key that tells different values (and types) apart. */
export function groupOf(row: Row, groupBy: readonly string[]): { key: string; values: unknown[] } {
  return { key: groupKeyOf(row, groupBy), values: groupBy.map((g) => fieldOf(row, g)) };
}

/** Just the Map key of a row's group (the hot path: no allocation for one string field). */
export function groupKeyOf(row: Row, groupBy: readonly string[]): string {
  const n = groupBy.length;
  if (n === 0) return '';
  if (n === 1) {
    const name = groupBy[0] as string;
    // A string is the row's own field (no prototype property of a plain object is one): the common case
    // needs no `in` test (~10 ns a row of a fused window's ~75).
    const own = row[name];
    if (typeof own === 'string') return own;
    const v = name in row ? own : fieldOf(row, name);
    return typeof v === 'string' ? v : keyPart(v);
  }
  let key = keyPart(fieldOf(row, groupBy[0] as string));
  for (let i = 1; i < n; i++) key += '\u0001' + keyPart(fieldOf(row, groupBy[i] as string));
  return key;
}

function keyPart(v: unknown): string {
  if (typeof v === 'string') return `s${v}`;
  if (v == null) return '\u0000null';
  if (v instanceof Date) return `\u0000d${v.getTime()}`;
  if (typeof v === 'object') return `\u0000j${JSON.stringify(v)}`;
  return `\u0000${typeof v}${String(v)}`;
}

/** Output row: group-by fields, window_start, window_end, then the aggregates in config order. */
export function outputRow(settings: WindowSettings, group: readonly unknown[], start: number, end: number, states: readonly unknown[]): Row {
  const row = keyRow(settings, group, start);
  row.window_end = new Date(end);
  results(settings.aggregates, states, row);
  return row;
}

/** The upsert key of a window's row (see upsertKeyOf) without its aggregates: what a retraction names. */
export function keyRow(settings: WindowSettings, group: readonly unknown[], start: number): Row {
  const row: Row = {};
  for (let i = 0; i < settings.groupBy.length; i++) row[settings.groupBy[i] as string] = group[i] ?? null;
  row.window_start = new Date(start);
  return row;
}

export function upsertKeyOf(settings: WindowSettings): string[] {
  return [...settings.groupBy, 'window_start'];
}

export interface OpenWindowInfo {
  key: Row;
  start: number;
  end: number;
  closesAt: number;
  events: number;
}

export interface WindowExplanation {
  watermark: number | null;
  watermarkDelayMs: number;
  allowedLatenessMs: number;
  openWindows: OpenWindowInfo[];
  openCount: number;
  /** maxEventTime null: the partition was announced and has not delivered an event yet. */
  partitions: { partition: string; maxEventTime: number | null; idle: boolean }[];
  summary: string;
}

/** One plain sentence on why the oldest open window has not been emitted yet. */
export function explainSummary(settings: WindowSettings, watermark: number, oldest: OpenWindowInfo | undefined, partitions: WindowExplanation['partitions']): string {
  if (watermark === Number.POSITIVE_INFINITY) return 'The input ended: every window was emitted.';
  if (!oldest) return Number.isFinite(watermark) ? `No window is open; the watermark is at ${formatTimestamp(watermark)}.` : 'No event has arrived yet.';
  const at = formatTimestamp(oldest.closesAt);
  const active = partitions.filter((p) => !p.idle);
  const waiting = active.filter((p) => p.maxEventTime === null);
  const names = waiting.map((p) => p.partition).join(', ');
  const announced = waiting.length === 1 ? `partition ${names}, which has events to come and has not delivered one yet` : `partitions ${names}, which have events to come and have not delivered one yet`;
  if (!Number.isFinite(watermark)) return `The window ending ${at} waits for the watermark, which has not started${waiting.length ? `: it waits for ${announced}` : ''}.`;
  let holder = '';
  if (waiting.length) holder = `, held back by ${announced}`;
  else if (active.length > 1) {
    const slowest = active.reduce((a, b) => ((b.maxEventTime ?? 0) < (a.maxEventTime ?? 0) ? b : a));
    holder = `, held back by partition ${slowest.partition} (latest event ${formatTimestamp(slowest.maxEventTime ?? 0)})`;
  }
  const delay = settings.delayMs > 0 ? ` (latest event time minus the ${settings.delayMs} ms watermark delay${holder})` : holder ? ` (${holder.slice(2)})` : '';
  return `The window ending ${at} closes when the watermark reaches ${at}; the watermark is at ${formatTimestamp(watermark)}${delay}.`;
}
