// Reading one input row of a window operator: its event time and its aggregate arguments, or the dead
// letter that says why it cannot be counted. Tumbling, hopping and session windows all read rows this
// way, so a row is refused for the same reasons, with the same words, whichever window it meets.
import { describe } from '../expr/values.ts';
import { deadLetter, rowFailure } from '../operators/dead-letter.ts';
import type { NodeContext, Row } from '../runtime/types.ts';
import { argumentsOf, checkAgainst, isOrdered, type Aggregate } from './aggregates.ts';
import { fieldOf } from './common.ts';
import { eventTimeMs } from './time.ts';

export class WindowInput {
  /** The aggregate arguments of the row read last. */
  readonly args: unknown[];
  /** Rows refused since the last take(), as dead letters for the error port. */
  private failed: Row[] | null = null;
  /** Indexes of the min/max aggregates. */
  private readonly ordered: number[];

  constructor(private readonly time: string, private readonly aggregates: readonly Aggregate[], private readonly ctx: Pick<NodeContext, 'nodeId' | 'clock'>) {
    this.args = new Array<unknown>(aggregates.length);
    this.ordered = aggregates.flatMap((a, i) => (isOrdered(a) ? [i] : []));
  }

  /** The row's event time in epoch ms with `args` filled in, or NaN when the row was refused. */
  read(row: Row): number {
    const time = this.time;
    let raw = row[time];
    if (raw === undefined && !(time in row)) raw = fieldOf(row, time);
    const t = eventTimeMs(raw);
    if (Number.isNaN(t)) {
      this.refuse(row, `time field "${time}" is ${raw === undefined ? 'missing' : describe(raw)}, not a timestamp`);
      return Number.NaN;
    }
    try {
      argumentsOf(this.aggregates, row, this.args);
    } catch (error) {
      this.refuse(row, rowFailure(error));
      return Number.NaN;
    }
    return t;
  }

  /**
   * Whether the row's arguments fit a window's state (min/max hold values of one kind); refuses the row
   * when they do not. Windows without min or max accept everything.
   */
  fits(row: Row, states: readonly unknown[]): boolean {
    const ordered = this.ordered;
    const args = this.args;
    let plain = true;
    // Nothing held yet, no value, or two numbers: fits without a closer look (the common case).
    for (let k = 0; k < ordered.length && plain; k++) {
      const i = ordered[k] as number;
      const held = states[i];
      const v = args[i];
      plain = held == null || v == null || (typeof held === 'number' && typeof v === 'number');
    }
    if (plain) return true;
    try {
      checkAgainst(this.aggregates, states, this.args);
      return true;
    } catch (error) {
      this.refuse(row, rowFailure(error));
      return false;
    }
  }

  private refuse(row: Row, reason: string): void {
    (this.failed ??= []).push(deadLetter(this.ctx, row, reason));
  }

  /** The dead letters collected since the last call, or null. */
  take(): Row[] | null {
    const failed = this.failed;
    this.failed = null;
    return failed;
  }
}
