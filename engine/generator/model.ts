// What a dataset contributes to the generator: how to make its next event, and how its events break.
// Timing, disorder and malformed payloads are shared and live in stream.ts.
import type { Row } from '../runtime/types.ts';
import type { Random } from './random.ts';

export interface EventContext {
  random: Random;
  /** Event time in epoch ms (already moved back for out-of-order and late events). */
  time: number;
  /** The stream's own time, which only moves forward (sessions and device drift follow it). */
  streamTime: number;
  /** Unique number of this event across all partitions, from 1. */
  serial: number;
  partition: number;
  partitions: number;
}

export interface DatasetModel<S = unknown> {
  /** Mean time between events of one stream at the dataset's natural rate, in ms. */
  meanIntervalMs: number;
  /** People follow a daily rhythm (more events by day); machines report at a flat rate. */
  diurnal: boolean;
  /** Per-partition state; must survive a JSON round trip (it is checkpointed). */
  initialState(partition: number, partitions: number): S;
  next(ctx: EventContext, state: S): Row;
  /** Gives one value the wrong type, as a buggy producer would (e.g. amount: "N/A"). */
  breakType(row: Row, random: Random): void;
  /** Fields every valid event has; a malformed event may lose one. */
  required: readonly string[];
}

/** Zero-padded serial numbers make ids sortable and readable: `ord-000000042`. */
export function serialId(prefix: string, serial: number, width = 9): string {
  return `${prefix}-${String(serial).padStart(width, '0')}`;
}
