// What tumbling, hopping and session windows share as operators: settings, the watermark, how a row is
// read, and what happens after each batch and on each tick. Subclasses decide which windows a row joins
// and what `fire` emits once the watermark has moved.
import type { WindowCommon } from '../format/pipeline.ts';
import type { Batch, Emit, NodeContext, OperatorInstance, Row } from '../runtime/types.ts';
import { windowSettings, type WindowSettings } from './common.ts';
import { WindowInput } from './input.ts';
import { WatermarkTracker } from './watermark.ts';

export type WindowContext = Pick<NodeContext, 'nodeId' | 'clock'>;

export abstract class WindowOperator implements OperatorInstance {
  protected readonly settings: WindowSettings;
  protected readonly tracker: WatermarkTracker;
  protected readonly input: WindowInput;
  /** finish() ran: every window was emitted, open ones as they stood (not saved: a restored run goes on). */
  protected ended = false;

  constructor(config: WindowCommon, protected readonly ctx: WindowContext) {
    this.settings = windowSettings(config);
    this.tracker = new WatermarkTracker(this.settings.delayMs, this.settings.idleTimeoutMs);
    this.input = new WindowInput(this.settings.time, this.settings.aggregates, ctx);
  }

  abstract process(batch: Batch, emit: Emit): void;
  abstract snapshot(): unknown;
  abstract restore(state: unknown): void;
  abstract explain(): unknown;
  /** Emits what the watermark has closed and what late events updated; forgets what is past its lateness. */
  protected abstract fire(emit: Emit): void;

  /** The end of a batch whose latest event time was maxT: the watermark moves, then come closed windows, refused rows and late rows. */
  protected endBatch(batch: Batch, maxT: number, late: Row[] | null, emit: Emit): void {
    const now = this.ctx.clock.now();
    if (maxT > Number.NEGATIVE_INFINITY) this.tracker.observe(batch.partition, maxT, now);
    this.tracker.advance(now);
    this.fire(emit);
    const failed = this.input.take();
    if (failed) emit('error', { rows: failed, partition: batch.partition });
    if (late) emit('late', { rows: late, partition: batch.partition });
  }

  /** A snapshot: the watermark and the operator's saved windows under `list`. */
  protected saved(list: 'windows' | 'sessions', entries: unknown[]): unknown {
    return { watermark: this.tracker.save(), [list]: entries };
  }

  /** The saved windows of a snapshot (see saved), once its watermark is restored. */
  protected restoreWatermark(state: unknown, list: 'windows' | 'sessions'): unknown[] {
    const s = state as Record<string, unknown> | null;
    const entries = s?.[list];
    if (!Array.isArray(entries)) throw new TypeError(`${list === 'windows' ? 'window' : 'session window'} state has no ${list.slice(0, -1)} list`);
    this.tracker.load(s?.watermark, this.ctx.clock.now());
    return entries as unknown[];
  }

  announce(partition: string, backlog?: boolean): void {
    this.tracker.announce(partition, this.ctx.clock.now(), backlog);
  }

  tick(now: number, emit: Emit): void {
    const before = this.tracker.value();
    if (this.tracker.advance(now) !== before) this.fire(emit);
  }

  /**
   * End of input: emits what the watermark has closed, then every window still open as it stands. The
   * watermark does not jump to the end of time and open windows stay in the state: the final checkpoint
   * holds them, so a later run over more of the same stream (a topic that grew) updates and re-emits them
   * with the upsert key instead of sending its events to the late port.
   */
  finish(emit: Emit): void {
    this.ended = true;
    this.fire(emit);
    this.emitOpen(emit);
  }

  /** Emits every open window's current row, keyed for upsert, and remembers it did so. */
  protected abstract emitOpen(emit: Emit): void;

  watermark(): number | null {
    const wm = this.tracker.value();
    return Number.isFinite(wm) ? wm : null;
  }
}
