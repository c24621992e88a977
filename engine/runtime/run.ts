// One run of a pipeline. Sources run concurrently and push batches; each push is carried synchronously
// through the operators (fan-out and fan-in follow the edges) into bounded per-sink queues, and the push
// resolves only when every sink queue has room again: a slow sink therefore slows every source, and at
// most one batch per source plus the queues is ever in memory.
//
// Checkpoints are aligned barriers with a two-phase commit (see README.md): at one synchronous point the
// runtime snapshots every operator and every source position, then drops a marker into every sink
// queue. At its marker each sink prepares (what came before it becomes durable, not visible, and its
// pending state comes back); once every sink has prepared, the checkpoint file with operator state,
// positions and pending state is written durably, and only then does each sink commit that checkpoint
// id. What came after the marker is written after the commit. Sources never stop for a checkpoint.
//
// Contract for sources: positions() must cover a batch from the moment push() is called for it, and
// push() delivers synchronously before its first await, so a source whose batch has rows for several
// ports calls push for all of them in the same synchronous step as its position update.
import { EngineError, toErrorPayload, type ErrorPayload } from '../errors.ts';
import type { NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import { nodeFactory } from '../nodes/registry.ts';
import { checkpointPath, clearCheckpoints, encodeCheckpoint, encodeState, listCheckpoints, pruneCheckpoints, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { faultPoint } from './faults.ts';
import { monotonicMs, systemClock, systemTimers, type Clock, type TimerHandle, type Timers } from './clock.ts';
import { buildGraph, type Graph } from './graph.ts';
import { fusionPlan, isMerging, type FusedBatch, type FusionPlan } from './fusion.ts';
import { sourceProjection } from './projection.ts';
import { inputUpsertKey } from './upsert-key.ts';
import { MetricsRegistry, type MetricsSnapshot, type NodeCounters } from './metrics.ts';
import { SinkQueue } from './queue.ts';
import { RowRing } from './ring.ts';
import type { NodeExplanation, NodeSummary, Run, RunEvent, RunOptions, RunStatus, RunSummary } from './run-types.ts';
import type { Batch, CheckpointInfo, Emit, NodeContext, OperatorInstance, PortName, Row, SinkInstance, SinkSummary, SourceInstance, SourcePositions } from './types.ts';

export type { NodeExplanation, NodeSummary, Run, RunEvent, RunOptions, RunStatus, RunSummary } from './run-types.ts';

export function createRun(doc: PipelineDoc, options: RunOptions): Run {
  return new PipelineRun(doc, options);
}

interface Live {
  spec: NodeSpec;
  kind: 'source' | 'operator' | 'sink';
  counters: NodeCounters;
  rings: Record<PortName, RowRing>;
  routes: Record<PortName, string[]>;
  emit: Emit;
  operator?: OperatorInstance;
  source?: SourceInstance;
  sink?: SinkInstance;
  queue?: SinkQueue;
  summary?: SinkSummary;
}

class PipelineRun implements Run {
  private state: RunStatus = 'idle';
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly registry: MetricsRegistry;
  private readonly live = new Map<string, Live>();
  private graph: Graph | null = null;
  private readonly sourceAbort = new AbortController();
  private readonly runAbort = new AbortController();
  private stopRequested = false;
  private failure: (ErrorPayload & { node: string | null }) | null = null;
  /** Rejects when the run fails, so nothing waits forever on a sink that will never answer. */
  private readonly failed: Promise<never>;
  private rejectFailed: (error: Error) => void = () => undefined;
  private produced = 0;
  /** Events sources may still take under maxEvents (NodeContext.budget). */
  private budgetLeft = Infinity;
  private limitReached = false;
  private nextCheckpointId = 1;
  private restoredFrom: number | null = null;
  private barrierInFlight: Promise<void> | null = null;
  private roomWaiters: (() => void)[] = [];
  private timerHandles: TimerHandle[] = [];
  private startPromise: Promise<RunSummary> | null = null;
  private readonly queueCapacity: number;
  private readonly previewCapacity: number;

  constructor(readonly pipeline: PipelineDoc, private readonly options: RunOptions) {
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.registry = new MetricsRegistry(pipeline.name, () => this.clock.now());
    this.queueCapacity = Math.max(1, options.queueCapacity ?? 16);
    this.previewCapacity = Math.max(0, options.previewCapacity ?? 200);
    this.failed = new Promise<never>((_resolve, reject) => { this.rejectFailed = reject; });
    this.failed.catch(() => undefined);
    if (options.maxEvents !== undefined) this.budgetLeft = Math.max(0, options.maxEvents);
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

  /**
   * Restores from the newest checkpoint file, whatever each sink committed: sinks that are behind commit
   * the pending work the file holds for them (their commit skips ids they already have), so every sink
   * converges on that checkpoint before any source starts. A sink that never committed vetoes nothing.
   */
  private async restore(): Promise<void> {
    const committed: number[] = [];
    for (const node of this.live.values()) {
      const id = await node.sink?.lastCommittedId();
      if (typeof id === 'number') committed.push(id);
    }
    const dir = this.options.checkpointDir;
    const available = dir ? await listCheckpoints(dir) : [];
    // New ids stay above every id a sink committed, also after the checkpoint files were deleted (Reset).
    this.nextCheckpointId = Math.max(0, available[0] ?? 0, ...committed) + 1;
    const chosen = available[0];
    if (!dir || chosen === undefined) return;
    const file = await readCheckpoint(dir, chosen);
    for (const [id, node] of this.live) {
      try {
        if (node.operator && id in file.operators) node.operator.restore(file.operators[id]);
        const positions = file.sources[id];
        if (node.source && positions) node.source.restore(positions);
      } catch (error) {
        throw new EngineError('ENG_RUN_CHECKPOINT', `node "${id}" could not restore from ${checkpointPath(dir, chosen)}: ${(error as Error).message}`, { node: id, checkpoint: chosen });
      }
    }
    const info: CheckpointInfo = { id: chosen, sources: file.sources, flush: true };
    for (const [id, node] of this.live) {
      if (!node.sink || !(id in file.sinks)) continue;
      try {
        await this.commitSink(node.sink, info, file.sinks[id]);
      } catch (error) {
        throw nodeError(error, id, `sink "${id}" could not commit checkpoint ${chosen} while restoring`);
      }
      this.drainRejected(node);
    }
    this.restoredFrom = chosen;
    this.emitEvent({ type: 'restored', checkpointId: chosen, at: this.clock.now() });
  }

  /** Phase two for one sink, between the fault points the crash tests kill the process at. */
  private async commitSink(sink: SinkInstance, info: CheckpointInfo, pending: unknown): Promise<void> {
    faultPoint('sink.before-commit');
    await sink.commit(info, pending);
    faultPoint('sink.after-commit');
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

  // ---- data path -------------------------------------------------------------------------------------

  private async push(node: Live, batch: Batch, port: 'out' | 'error'): Promise<void> {
    if (this.failure || this.limitReached) return;
    if (batch.announce) {
      for (const target of node.routes.out) this.announce(target, batch);
      return;
    }
    let rows = batch.rows;
    if (rows.length === 0) return;
    const max = this.options.maxEvents;
    if (max !== undefined && this.produced + rows.length > max) {
      // A source that does not take its events from the budget: cut here (its positions may then cover
      // more than was delivered; every built-in source uses the budget instead).
      rows = rows.slice(0, Math.max(0, max - this.produced));
      batch = { ...batch, rows };
    }
    this.produced += rows.length;
    node.counters.addIn(rows.length);
    if (rows.length > 0) this.emitFrom(node, port, batch);
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
  private pushFused(node: Live, plan: FusionPlan, partition: string, batch: FusedBatch): Promise<void> | null {
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
  private take(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.budgetLeft));
    this.budgetLeft -= granted;
    return granted;
  }

  /** A node emitted a batch on a port: count it, keep it for previews, hand it downstream. */
  private emitFrom(node: Live, port: PortName, batch: Batch): void {
    const n = batch.rows.length;
    // A batch of retractions alone still has to reach the sinks.
    if (n === 0 && !batch.retract?.length) return;
    node.counters.addOut(port, n);
    node.rings[port].add(batch.rows);
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
    if (operator.announce) operator.announce(batch.partition);
    else for (const target of node.routes.out) this.announce(target, batch);
  }

  private deliver(id: string, batch: Batch): void {
    const node = this.live.get(id);
    if (!node || this.failure) return;
    node.counters.addIn(batch.rows.length);
    if (node.queue) {
      node.rings.out.add(batch.rows);
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
  private drainRejected(node: Live): void {
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

  private wakeProducers(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private async writeLoop(node: Live): Promise<void> {
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

  private cancelTimers(): void {
    for (const handle of this.timerHandles) handle.cancel();
    this.timerHandles = [];
  }

  // ---- checkpoints -----------------------------------------------------------------------------------

  /** Takes a checkpoint; concurrent calls wait for the one in flight and then take their own. */
  private async barrier(final = false): Promise<void> {
    while (this.barrierInFlight) await this.barrierInFlight;
    const work = this.takeBarrier(final);
    this.barrierInFlight = work.finally(() => { this.barrierInFlight = null; });
    await this.barrierInFlight;
  }

  private async takeBarrier(final: boolean): Promise<void> {
    const started = monotonicMs();
    const id = this.nextCheckpointId++;
    const dir = this.options.checkpointDir;
    // The synchronous cut: everything pushed so far has been processed, nothing after it has. Operator
    // state is encoded now, so later changes cannot leak into it.
    const sources: Record<string, SourcePositions> = {};
    const operators: Record<string, unknown> = {};
    for (const [nodeId, node] of this.live) {
      if (node.source) sources[nodeId] = node.source.positions();
      if (dir && node.operator) operators[nodeId] = node.operator.snapshot();
    }
    const cut = dir ? { operators: encodeState(operators), sources: encodeState(sources) } : null;
    // Without a folder nothing could restore pending work, so every barrier publishes everything.
    const info: CheckpointInfo = { id, sources, flush: final || !dir };
    let path: string | null = null;
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { openGate = resolve; });
    const gated = Promise.race([gate, this.failed]);
    gated.catch(() => undefined);
    const prepared: Promise<[string, unknown]>[] = [];
    const commits: Promise<void>[] = [];
    for (const node of this.live.values()) {
      const queue = node.queue;
      const sink = node.sink;
      if (!queue || !sink) continue;
      const nodeId = node.spec.id;
      let prepareDone: (value: [string, unknown]) => void = () => undefined;
      let prepareFailed: (error: Error) => void = () => undefined;
      let commitDone: () => void = () => undefined;
      let commitFailed: (error: Error) => void = () => undefined;
      prepared.push(new Promise((resolve, reject) => { prepareDone = resolve; prepareFailed = reject; }));
      commits.push(new Promise((resolve, reject) => { commitDone = resolve; commitFailed = reject; }));
      queue.enqueueBarrier(async () => {
        try {
          const pending = await sink.prepare(info);
          prepareDone([nodeId, pending]);
          this.drainRejected(node);
          await gated;
          await this.commitSink(sink, info, pending);
          commitDone();
        } catch (error) {
          const wrapped = error instanceof EngineError ? error : nodeError(error, nodeId, `sink "${nodeId}" could not take part in checkpoint ${id}`);
          prepareFailed(wrapped);
          commitFailed(wrapped);
          throw wrapped;
        }
      });
    }
    for (const p of [...prepared, ...commits]) p.catch(() => undefined);
    const pendings = await Promise.race([Promise.all(prepared), this.failed]);
    if (dir && cut) {
      const text = encodeCheckpoint({ id, pipeline: this.pipeline.name, createdAt: this.clock.now(), ...cut, sinks: encodeState(Object.fromEntries(pendings)) });
      faultPoint('checkpoint.before-write');
      path = await writeCheckpoint(dir, id, text);
      faultPoint('checkpoint.after-write');
    }
    openGate();
    await Promise.race([Promise.all(commits), this.failed]);
    // Group offsets are informational (lag tools): restores read the checkpoint file. Without a folder
    // every sink has just published everything, so the offsets are where the next run may start.
    for (const node of this.live.values()) await node.source?.committed?.(sources[node.spec.id] ?? {});
    // A restore needs only the newest complete checkpoint: its pending state is cumulative.
    if (dir) await pruneCheckpoints(dir, id);
    const durationMs = monotonicMs() - started;
    this.registry.recordCheckpoint(id, this.clock.now(), durationMs);
    this.emitEvent({ type: 'checkpoint', checkpointId: id, path, durationMs, at: this.clock.now() });
  }

  // ---- failure and reporting -------------------------------------------------------------------------

  private fail(error: unknown, node: string | null): void {
    if (this.failure) return;
    const payload = toErrorPayload(error);
    this.failure = { ...payload, node };
    this.emitEvent({ type: 'error', node, error: payload, at: this.clock.now() });
    this.rejectFailed(new EngineError(payload.code, payload.message, payload.details));
    this.sourceAbort.abort();
    this.runAbort.abort();
    this.cancelTimers();
    for (const live of this.live.values()) live.queue?.clear();
    this.wakeProducers();
  }

  private setStatus(status: RunStatus): void {
    this.state = status;
    this.emitEvent({ type: 'status', status, at: this.clock.now() });
  }

  private emitEvent(event: RunEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not take the run down.
    }
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

function nodeError(error: unknown, node: string, message: string): EngineError {
  if (error instanceof EngineError) {
    const details = error.details && typeof error.details === 'object' ? { ...error.details, node } : { node, details: error.details };
    return new EngineError(error.code, error.message, details, { cause: error });
  }
  return new EngineError('ENG_RUN_NODE', `${message}: ${error instanceof Error ? error.message : String(error)}`, { node }, { cause: error });
}
