// Delivery between the nodes of a run (run.ts). Sources run concurrently and push batches; each push is
// carried synchronously through the operators (fan-out and fan-in follow the edges) into bounded per-sink
// queues, and the push resolves only when every sink queue has room again: a slow sink therefore slows
// every source, and at most one batch per source plus the queues is ever in memory. Each node counts what
// passes and keeps the latest rows per port for previews as it hands them on. Fused sources (fusion.ts)
// hand over pre-aggregated batches instead of rows, counted as the rows would have been.
//
// Contract for sources: positions() must cover a batch from the moment push() is called for it, and
// push() delivers synchronously before its first await, so a source whose batch has rows for several
// ports calls push for all of them in the same synchronous step as its position update.
import type { FusedBatch, FusionPlan } from '../fusion.ts';
import { isMerging } from '../fusion.ts';
import { monotonicMs } from '../clock.ts';
import { LazyBatch, rowCount } from '../lazy.ts';
import type { SinkQueue } from '../queue.ts';
import type { RunOptions } from '../run-types.ts';
import type { Batch, PortName, SinkInstance } from '../types.ts';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { RunCore, type Live } from './core.ts';

export abstract class RunDelivery extends RunCore {
  private produced = 0;
  /** Events sources may still take under maxEvents (NodeContext.budget). */
  private budgetLeft = Infinity;
  private limitReached = false;
  private roomWaiters: (() => void)[] = [];

  constructor(pipeline: PipelineDoc, options: RunOptions) {
    super(pipeline, options);
    if (options.maxEvents !== undefined) this.budgetLeft = Math.max(0, options.maxEvents);
  }


  protected async push(node: Live, batch: Batch, port: 'out' | 'error'): Promise<void> {
    if (this.failure || this.limitReached) return;
    if (batch.announce) {
      for (const target of node.routes.out) this.announce(target, batch);
      return;
    }
    // Counted without decoding a lazy batch (lazy.ts).
    let n = rowCount(batch);
    if (n === 0) return;
    const max = this.options.maxEvents;
    if (max !== undefined && this.produced + n > max) {
      // A source that does not take its events from the budget: cut here (its positions may then cover
      // more than was delivered; every built-in source uses the budget instead).
      const rows = batch.rows.slice(0, Math.max(0, max - this.produced));
      batch = { ...batch, rows };
      n = rows.length;
    }
    this.produced += n;
    node.counters.addIn(n);
    if (n > 0) this.emitFrom(node, port, batch);
    if (max !== undefined && this.produced >= max) {
      this.limitReached = true;
      this.sourceAbort.abort();
    }
    await this.room();
  }

  /**
   * NodeContext.fusion: a task the source's worker decoded, filtered and pre-aggregated (fusion.ts), in
   * one synchronous step as push() would carry its rows: the window merges the partials (or refuses, and
   * the source pushes the rows), then each node counts what it would have counted. Null = push rows.
   */
  protected pushFused(node: Live, plan: FusionPlan, partition: string, batch: FusedBatch): Promise<void> | null {
    if (this.failure || this.limitReached || batch.records === 0) return Promise.resolve();
    const max = this.options.maxEvents;
    if (max !== undefined && this.produced + batch.records > max) return null;
    const window = this.live.get(plan.window.id);
    const operator = window?.operator;
    if (!window || !isMerging(operator)) return null;
    const reaching = batch.partials.rows;
    if (reaching > 0) {
      const started = monotonicMs();
      try {
        if (!operator.merge(batch.partials, partition, window.emit)) return null;
      } catch (error) {
        this.fail(error, plan.window.id);
        return Promise.resolve();
      }
      window.counters.addIn(reaching);
      window.counters.observeLatency(monotonicMs() - started);
      window.counters.setWatermark(operator.watermark?.() ?? null);
    }
    this.produced += batch.records;
    node.counters.addIn(batch.records);
    node.counters.addOut('out', batch.records);
    node.rings.out.add(batch.samples[0] ?? []);
    let rows = batch.records;
    for (let i = 0; i < plan.chain.length && rows > 0; i++) {
      const step = this.live.get((plan.chain[i] as FusionPlan['chain'][number]).id) as Live;
      step.counters.addIn(rows);
      rows = batch.passed[i] ?? 0;
      if (rows > 0) {
        step.counters.addOut('out', rows);
        step.rings.out.add(batch.samples[i + 1] ?? []);
      }
    }
    if (max !== undefined && this.produced >= max) {
      this.limitReached = true;
      this.sourceAbort.abort();
    }
    return this.room();
  }

  /** NodeContext.budget: how many of `wanted` events a source may still deliver under maxEvents. */
  protected take(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.budgetLeft));
    this.budgetLeft -= granted;
    return granted;
  }

  /** A node emitted a batch on a port: count it, keep it for previews, hand it downstream. */
  protected emitFrom(node: Live, port: PortName, batch: Batch): void {
    const n = rowCount(batch);
    // A batch of retractions alone still has to reach the sinks.
    if (n === 0 && !batch.retract?.length) return;
    node.counters.addOut(port, n);
    node.rings[port].add(batch instanceof LazyBatch ? batch : batch.rows);
    for (const target of node.routes[port]) this.deliver(target, batch);
  }

  /**
   * A source partition with events to come: windows hold their watermark for it; an operator that does
   * not track partitions keeps its input's, so the announcement goes on to the operators after it; sinks
   * have nothing to do with it.
   */
  private announce(id: string, batch: Batch): void {
    const node = this.live.get(id);
    const operator = node?.operator;
    if (!node || node.queue || !operator || this.failure) return;
    if (operator.announce) operator.announce(batch.partition, batch.backlog);
    else for (const target of node.routes.out) this.announce(target, batch);
  }

  private deliver(id: string, batch: Batch): void {
    const node = this.live.get(id);
    if (!node || this.failure) return;
    node.counters.addIn(rowCount(batch));
    if (node.queue) {
      node.rings.out.add(batch instanceof LazyBatch ? batch : batch.rows);
      node.queue.enqueue(batch);
      node.counters.queued = node.queue.size();
      return;
    }
    const operator = node.operator;
    if (!operator) return;
    const started = monotonicMs();
    try {
      operator.process(batch, node.emit);
    } catch (error) {
      this.fail(error, id);
      return;
    }
    node.counters.observeLatency(monotonicMs() - started);
    if (operator.watermark) node.counters.setWatermark(operator.watermark());
  }

  /**
   * Rows a sink refused go out of its error port. The sink counted them itself (metrics.addError), so
   * they are not counted again here; they are kept for the UI and routed like any dead letter.
   */
  protected drainRejected(node: Live): void {
    const rows = node.sink?.rejected?.();
    if (!rows || rows.length === 0) return;
    node.rings.error.add(rows);
    const batch: Batch = { rows, partition: node.spec.id };
    for (const target of node.routes.error) this.deliver(target, batch);
  }

  /** Resolves once every sink queue has room (or the run is ending). */
  private async room(): Promise<void> {
    for (;;) {
      if (this.failure) return;
      let full = false;
      for (const node of this.live.values()) if (node.queue && !node.queue.hasRoom()) full = true;
      if (!full) return;
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  protected override wakeProducers(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  protected async writeLoop(node: Live): Promise<void> {
    const queue = node.queue as SinkQueue;
    const sink = node.sink as SinkInstance;
    for (;;) {
      const item = await queue.next();
      if (!item) return;
      try {
        if (item.kind === 'batch') {
          await sink.write(item.batch);
          node.counters.observeLatency(monotonicMs() - item.enqueuedAt);
        } else {
          await item.run();
        }
        this.drainRejected(node);
      } catch (error) {
        this.fail(error, node.spec.id);
        return;
      } finally {
        queue.done();
        node.counters.queued = queue.size();
      }
    }
  }
}
