// One run of a pipeline: its public handle (Run), its lifecycle (create the nodes, restore, run the sources,
// take the final checkpoint, close) and its timers. The run is built in layers, one concept per file
// under run/: core.ts (shared state, failure, events), delivery.ts (data path between nodes, backpressure,
// fused batches, counters and preview rings), checkpoints.ts (aligned barriers with a two-phase commit,
// restore; see README.md); this file adds the lifecycle on top.
import { EngineError } from '../errors.ts';
import type { PipelineDoc } from '../format/pipeline.ts';
import { nodeFactory } from '../nodes/registry.ts';
import { clearCheckpoints } from './checkpoint.ts';
import type { Graph } from './graph.ts';
import { buildGraph } from './graph.ts';
import { fusionPlan } from './fusion.ts';
import { sourceBytesReaders, sourceProjection } from './projection.ts';
import { inputUpsertKey } from './upsert-key.ts';
import type { MetricsSnapshot, NodeCounters } from './metrics.ts';
import { SinkQueue } from './queue.ts';
import { RowRing } from './ring.ts';
import { RunCheckpoints } from './run/checkpoints.ts';
import { nodeError, type Live } from './run/core.ts';
import type { NodeExplanation, NodeSummary, Run, RunOptions, RunStatus, RunSummary } from './run-types.ts';
import type { Batch, NodeContext, PortName, Row, SinkSummary } from './types.ts';

export type { NodeExplanation, NodeSummary, Run, RunEvent, RunOptions, RunStatus, RunSummary } from './run-types.ts';

export function createRun(doc: PipelineDoc, options: RunOptions): Run {
  return new PipelineRun(doc, options);
}

class PipelineRun extends RunCheckpoints implements Run {
  private startPromise: Promise<RunSummary> | null = null;
  private readonly queueCapacity: number;
  private readonly previewCapacity: number;

  constructor(pipeline: PipelineDoc, options: RunOptions) {
    super(pipeline, options);
    this.queueCapacity = Math.max(1, options.queueCapacity ?? 16);
    this.previewCapacity = Math.max(0, options.previewCapacity ?? 200);
  }

  status(): RunStatus {
    return this.state;
  }

  metrics(): MetricsSnapshot {
    return this.registry.snapshot();
  }

  prometheus(): string {
    return this.registry.toPrometheus();
  }

  preview(nodeId: string, port: PortName = 'out', limit?: number): Row[] {
    const node = this.live.get(nodeId);
    if (!node) {
      if (this.pipeline.nodes.some((n) => n.id === nodeId)) return [];
      throw new EngineError('ENG_RUN_STATE', `no node "${nodeId}" in pipeline "${this.pipeline.name}"`, { node: nodeId });
    }
    return node.rings[port].latest(limit ?? this.previewCapacity);
  }

  explain(nodeId: string): NodeExplanation {
    const spec = this.pipeline.nodes.find((n) => n.id === nodeId);
    if (!spec) throw new EngineError('ENG_RUN_STATE', `no node "${nodeId}" in pipeline "${this.pipeline.name}"`, { node: nodeId });
    const node = this.live.get(nodeId);
    return {
      node: nodeId,
      type: spec.type,
      watermark: node?.operator?.watermark?.() ?? null,
      details: node?.operator?.explain?.() ?? null,
    };
  }

  async resetState(): Promise<void> {
    if (this.state === 'running' || this.state === 'stopping') {
      throw new EngineError('ENG_RUN_STATE', 'cannot reset the state of a running pipeline; stop it first');
    }
    if (this.options.checkpointDir) await clearCheckpoints(this.options.checkpointDir);
  }

  start(): Promise<RunSummary> {
    if (this.state !== 'idle' || this.startPromise) {
      return Promise.reject(new EngineError('ENG_RUN_STATE', `the run is ${this.state}; create a new run to start again`));
    }
    this.startPromise = this.execute();
    return this.startPromise;
  }

  async stop(): Promise<void> {
    if (this.state === 'idle' && !this.startPromise) {
      this.setStatus('finished');
      return;
    }
    if (this.state === 'running') {
      this.stopRequested = true;
      this.setStatus('stopping');
      this.sourceAbort.abort();
      this.wakeProducers();
    }
    await this.startPromise?.catch(() => undefined);
  }

  // ---- lifecycle -------------------------------------------------------------------------------------

  private async execute(): Promise<RunSummary> {
    const startedAt = this.clock.now();
    this.setStatus('running');
    const writers: Promise<void>[] = [];
    try {
      this.graph = buildGraph(this.pipeline);
      await this.instantiate(this.graph);
      await this.restore();
      for (const node of this.live.values()) if (node.queue && node.sink) writers.push(this.writeLoop(node));
      this.scheduleTicks();
      this.scheduleCheckpoints();
      await this.runSources();
      this.cancelTimers();
      if (!this.failure && !this.stopRequested) this.finishOperators();
      if (!this.failure) await this.barrier(true);
    } catch (error) {
      this.fail(error, null);
    }
    this.cancelTimers();
    for (const node of this.live.values()) node.queue?.close();
    await Promise.all(writers);
    await this.closeAll();
    this.registry.sample();
    const summary = this.summarize(startedAt);
    this.setStatus(this.failure ? 'failed' : 'finished');
    this.emitEvent({ type: 'finished', summary, at: this.clock.now() });
    return summary;
  }

  private async instantiate(graph: Graph): Promise<void> {
    for (const id of graph.order) {
      const gnode = graph.nodes.get(id);
      if (!gnode) continue;
      const spec = gnode.spec;
      const counters = this.registry.node(id, spec.type, gnode.kind);
      const rings = { out: new RowRing(this.previewCapacity), error: new RowRing(this.previewCapacity), late: new RowRing(this.previewCapacity) };
      const node: Live = { spec, kind: gnode.kind, counters, rings, routes: gnode.routes, emit: () => undefined };
      node.emit = (port, batch) => this.emitFrom(node, port, batch);
      this.live.set(id, node);
      const factory = this.options.nodes?.[spec.type] ?? nodeFactory(spec.type);
      if (!factory) throw new EngineError('ENG_FORMAT_INVALID', `no implementation is registered for node type "${spec.type}" (node "${id}")`, { node: id });
      const ctx = this.context(id, counters);
      if (gnode.kind === 'source') {
        ctx.fields = sourceProjection(graph, id);
        ctx.bytesReaders = sourceBytesReaders(graph, id);
        const plan = fusionPlan(graph, id, (type) => this.options.nodes?.[type] !== undefined);
        if (typeof plan !== 'string') ctx.fusion = { plan, deliver: (partition, batch) => this.pushFused(node, plan, partition, batch) };
      }
      if (gnode.kind === 'sink') ctx.upsertKey = inputUpsertKey(graph, id);
      try {
        // The factory union is discriminated by kind; the registry keeps kind and create together.
        if (factory.kind === 'source') node.source = await factory.create(spec as never, ctx);
        else if (factory.kind === 'operator') node.operator = await factory.create(spec as never, ctx);
        else {
          node.sink = await factory.create(spec as never, ctx);
          node.queue = new SinkQueue(this.queueCapacity, () => this.wakeProducers());
        }
      } catch (error) {
        throw nodeError(error, id, `node "${id}" (${spec.type}) could not be created`);
      }
    }
  }

  private context(nodeId: string, counters: NodeCounters): NodeContext {
    return {
      nodeId,
      pipelineName: this.pipeline.name,
      clock: this.clock,
      timers: this.timers,
      lakeDir: this.options.lakeDir,
      homeDir: this.options.homeDir,
      metrics: counters,
      signal: this.runAbort.signal,
      budget: (wanted) => this.take(wanted),
      log: (level, message) => this.emitEvent({ type: 'log', level, node: nodeId, message, at: this.clock.now() }),
    };
  }

  private async runSources(): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const [id, node] of this.live) {
      const source = node.source;
      if (!source) continue;
      const push = (batch: Batch, port: 'out' | 'error' = 'out'): Promise<void> => this.push(node, batch, port);
      runs.push(source.run(push, this.sourceAbort.signal).catch((error: unknown) => this.fail(error, id)));
    }
    await Promise.all(runs);
  }

  private finishOperators(): void {
    for (const id of this.graph?.order ?? []) {
      const node = this.live.get(id);
      if (!node?.operator || this.failure) continue;
      try {
        node.operator.finish(node.emit);
        node.counters.setWatermark(node.operator.watermark?.() ?? null);
      } catch (error) {
        this.fail(error, id);
      }
    }
  }

  private async closeAll(): Promise<void> {
    // Topological order: a sink's rejected rows can still reach the sinks after it before they close.
    for (const id of this.graph?.order ?? [...this.live.keys()]) {
      const node = this.live.get(id);
      if (!node) continue;
      try {
        if (node.sink) {
          node.summary = await node.sink.close();
          this.drainRejected(node);
          await this.flushClosedQueues();
        }
        if (node.source) await node.source.close();
      } catch (error) {
        this.fail(error, id);
      }
    }
    this.runAbort.abort();
  }

  /** After the writer loops ended: writes what reached a sink queue late (rows rejected at close). */
  private async flushClosedQueues(): Promise<void> {
    for (const node of this.live.values()) {
      const queue = node.queue;
      if (!queue || !node.sink || node.summary || this.failure) continue;
      for (let item = await queue.next(); item; item = await queue.next()) {
        if (item.kind === 'batch') await node.sink.write(item.batch);
        queue.done();
        this.drainRejected(node);
      }
    }
  }

  // ---- time ------------------------------------------------------------------------------------------

  private scheduleTicks(): void {
    const interval = Math.max(1, this.options.tickInterval ?? 1000);
    const tick = (): void => {
      if (this.failure || this.state !== 'running') return;
      const now = this.clock.now();
      for (const id of this.graph?.order ?? []) {
        const node = this.live.get(id);
        const operator = node?.operator;
        if (!node || !operator?.tick) continue;
        try {
          operator.tick(now, node.emit);
          if (operator.watermark) node.counters.setWatermark(operator.watermark());
        } catch (error) {
          this.fail(error, id);
          return;
        }
      }
      this.registry.sample();
      this.timerHandles.push(this.timers.after(interval, tick));
    };
    this.timerHandles.push(this.timers.after(interval, tick));
  }

  private scheduleCheckpoints(): void {
    const interval = this.options.checkpointInterval ?? 10_000;
    // Barriers are taken even without a checkpoint folder (only the state file is skipped): sinks commit
    // at them, so an unbounded source shows up in the lake while it runs rather than only when it stops.
    if (interval <= 0) return;
    const due = (): void => {
      if (this.failure || this.state !== 'running') return;
      this.barrier().catch((error: unknown) => this.fail(error, null)).finally(() => {
        if (!this.failure && this.state === 'running') this.timerHandles.push(this.timers.after(interval, due));
      });
    };
    this.timerHandles.push(this.timers.after(interval, due));
  }

  private summarize(startedAt: number): RunSummary {
    const nodes: Record<string, NodeSummary> = {};
    const sinks: Record<string, SinkSummary> = {};
    let eventsIn = 0;
    for (const [id, node] of this.live) {
      const s = node.counters.snapshot();
      nodes[id] = { type: s.type, kind: s.kind, in: s.in, out: s.out, errors: s.errors, late: s.late };
      if (node.kind === 'source') eventsIn += s.in;
      if (node.summary) sinks[id] = node.summary;
    }
    const summary: RunSummary = {
      pipeline: this.pipeline.name,
      status: this.failure ? 'failed' : this.stopRequested ? 'stopped' : 'finished',
      startedAt,
      endedAt: this.clock.now(),
      eventsIn,
      nodes,
      sinks,
      checkpoints: this.registry.checkpointCount,
      lastCheckpointId: this.registry.lastCheckpointId,
      restoredFrom: this.restoredFrom,
    };
    if (this.failure) summary.error = this.failure;
    return summary;
  }
}
