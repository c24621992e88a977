// transform.dedupe: drops an event when an event with the same key was seen within the horizon before it.
// Time is event time (config.time) or processing time (the injected clock). State holds one entry per key
// seen within the horizon, evicted oldest first, so it stays bounded by the horizon, not the stream.
import { compileExpression, type CompiledExpression } from '../expr/index.ts';
import { describe } from '../expr/values.ts';
import { durationMs } from '../format/duration.ts';
import type { DedupeConfig } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { Batch, Emit, NodeContext, OperatorInstance, Row } from '../runtime/types.ts';
import { fieldOf } from '../windows/common.ts';
import { eventTimeMs } from '../windows/time.ts';
import { deadLetter, rowFailure } from './dead-letter.ts';
import { withRows } from './filter.ts';

export class DedupeOperator implements OperatorInstance {
  private readonly key: CompiledExpression;
  private readonly time: string | undefined;
  private readonly horizonMs: number;
  /** key → time it was first seen; Map order is (about) time order, which eviction relies on. */
  private seen = new Map<unknown, number>();
  private latest = Number.NEGATIVE_INFINITY;

  constructor(config: DedupeConfig, private readonly ctx: Pick<NodeContext, 'nodeId' | 'clock'>) {
    this.key = compileExpression(config.key);
    this.time = config.time;
    this.horizonMs = durationMs(config.horizon);
  }

  process(batch: Batch, emit: Emit): void {
    const kept: Row[] = [];
    let failed: Row[] | null = null;
    const now = this.ctx.clock.now();
    const horizon = this.horizonMs;
    for (const row of batch.rows) {
      let t = now;
      if (this.time !== undefined) {
        const raw = fieldOf(row, this.time);
        t = eventTimeMs(raw);
        if (Number.isNaN(t)) {
          (failed ??= []).push(deadLetter(this.ctx, row, `time field "${this.time}" is ${raw === undefined ? 'missing' : describe(raw)}, not a timestamp`));
          continue;
        }
      }
      let key: unknown;
      try {
        key = normalise(this.key.evaluate(row));
      } catch (error) {
        (failed ??= []).push(deadLetter(this.ctx, row, rowFailure(error)));
        continue;
      }
      if (t > this.latest) this.latest = t;
      const first = this.seen.get(key);
      if (first !== undefined && Math.abs(t - first) <= horizon) continue;
      if (first !== undefined) this.seen.delete(key);
      // An event older than the horizon behind the newest one could never be matched again: do not keep it.
      if (t >= this.latest - horizon) this.seen.set(key, t);
      kept.push(row);
    }
    this.evict();
    if (kept.length === batch.rows.length) emit('out', batch);
    else if (kept.length > 0 || batch.retract) emit('out', withRows(batch, kept));
    if (failed) emit('error', { rows: failed, partition: batch.partition });
  }

  tick(now: number): void {
    if (this.time === undefined && now > this.latest) {
      this.latest = now;
      this.evict();
    }
  }

  private evict(): void {
    const cutoff = this.latest - this.horizonMs;
    for (const [key, t] of this.seen) {
      if (t >= cutoff) break;
      this.seen.delete(key);
    }
  }

  /** Keys currently remembered (for tests and the UI). */
  size(): number {
    return this.seen.size;
  }

  finish(): void {}

  snapshot(): unknown {
    return { latest: Number.isFinite(this.latest) ? this.latest : null, seen: [...this.seen] };
  }

  restore(state: unknown): void {
    const s = state as { latest?: unknown; seen?: unknown } | null;
    if (!s || !Array.isArray(s.seen)) throw new TypeError('dedupe state has no key list');
    this.latest = typeof s.latest === 'number' ? s.latest : Number.NEGATIVE_INFINITY;
    this.seen = new Map(s.seen as [unknown, number][]);
  }

  explain(): unknown {
    return { keys: this.seen.size, horizonMs: this.horizonMs, latest: Number.isFinite(this.latest) ? this.latest : null, timeMode: this.time === undefined ? 'processing' : 'event' };
  }
}

/** Keys compare by value: timestamps by instant, objects and arrays by their JSON text. */
function normalise(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return `\u0000date:${v.getTime()}`;
  if (v !== null && typeof v === 'object') return `\u0000json:${JSON.stringify(v)}`;
  return v;
}

registerNode('transform.dedupe', { kind: 'operator', create: (spec, ctx) => new DedupeOperator(spec.config, ctx) });
