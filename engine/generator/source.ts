// The `source.generator` node: pushes generated events in batches, one partition id per stream, as fast
// as the pipeline takes them or at a set rate (timed with the injected timers, so tests control time).
import type { NodeSpec } from '../format/pipeline.ts';
import type { Batch, DeadLetter, NodeContext, Row, SourceInstance, SourcePositions } from '../runtime/types.ts';
import { batchSize, partitionStreams } from './stream.ts';
import type { PartitionStream } from './stream.ts';

export class GeneratorSource implements SourceInstance {
  private readonly streams: PartitionStream[];
  private readonly ids: string[];
  private readonly eventsPerSecond: number;

  constructor(spec: Extract<NodeSpec, { type: 'source.generator' }>, private readonly ctx: NodeContext) {
    this.streams = partitionStreams(spec.config.dataset, spec.config);
    this.ids = this.streams.map((s) => `${ctx.nodeId}/${s.partition}`);
    this.eventsPerSecond = spec.config.eventsPerSecond ?? 0;
  }

  async run(push: (batch: Batch, port?: 'out' | 'error') => Promise<void>, signal: AbortSignal): Promise<void> {
    const rated = this.eventsPerSecond > 0;
    // At a set rate, batches cover about 50 ms each so the stream looks smooth downstream.
    const size = rated ? Math.max(1, Math.min(batchSize, Math.round(this.eventsPerSecond / 20))) : batchSize;
    const started = this.ctx.clock.now();
    let emitted = 0;
    while (!signal.aborted && this.streams.some((s) => !s.done())) {
      for (const [index, stream] of this.streams.entries()) {
        if (signal.aborted) return;
        if (stream.done()) continue;
        if (rated) {
          const due = started + (emitted / this.eventsPerSecond) * 1000;
          const wait = due - this.ctx.clock.now();
          if (wait > 0) await this.ctx.timers.sleep(wait, signal);
          if (signal.aborted) return;
        }
        const partition = this.ids[index] ?? `${this.ctx.nodeId}/${index}`;
        const rows: Row[] = [];
        const dead: DeadLetter[] = [];
        // Under --max-events only granted events are generated, so the position covers just those.
        const budget = this.ctx.budget;
        let limited = false;
        for (let i = 0; i < size && !stream.done(); i++) {
          if (budget && budget(1) === 0) {
            limited = true;
            break;
          }
          const record = stream.next();
          if ('row' in record) rows.push(record.row);
          else dead.push({ reason: record.reason, node: this.ctx.nodeId, port: 'error', payload: record.raw, source: { partition, event: record.serial }, at: new Date(this.ctx.clock.now()) });
        }
        emitted += rows.length + dead.length;
        // The stream's state already covers both batches when they are handed over, and push delivers
        // synchronously: both ports go in this same step, so no checkpoint covers undelivered dead letters.
        const delivered: Promise<void>[] = [];
        if (rows.length > 0) delivered.push(push({ rows, partition }, 'out'));
        if (dead.length > 0) delivered.push(push({ rows: dead, partition }, 'error'));
        await Promise.all(delivered);
        if (limited) return;
        // push() resolves on microtasks while the sinks have room, so an unthrottled generator would never
        // let I/O, timers or the host's WebSocket run; hand the event loop a turn after every batch.
        if (!rated) await yieldToEventLoop();
      }
    }
  }

  positions(): SourcePositions {
    const out: SourcePositions = {};
    this.streams.forEach((stream, i) => { out[this.ids[i] ?? String(i)] = stream.position(); });
    return out;
  }

  restore(positions: SourcePositions): void {
    this.streams.forEach((stream, i) => {
      const position = positions[this.ids[i] ?? String(i)];
      if (position !== undefined) stream.restore(position);
    });
  }

  async close(): Promise<void> {}
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
