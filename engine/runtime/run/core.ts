// The shared state of one run (run.ts) and what every layer of it needs: the live nodes, the failure
// that ends the run, status and events. delivery.ts, checkpoints.ts and run.ts build on it in that order.
import { EngineError, toErrorPayload, type ErrorPayload } from '../../errors.ts';
import type { NodeSpec, PipelineDoc } from '../../format/pipeline.ts';
import { systemClock, systemTimers, type Clock, type TimerHandle, type Timers } from '../clock.ts';
import type { Graph } from '../graph.ts';
import { MetricsRegistry, type NodeCounters } from '../metrics.ts';
import type { SinkQueue } from '../queue.ts';
import type { RowRing } from '../ring.ts';
import type { RunEvent, RunOptions, RunStatus } from '../run-types.ts';
import type { Emit, OperatorInstance, PortName, SinkInstance, SinkSummary, SourceInstance } from '../types.ts';

export interface Live {
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

export abstract class RunCore {
  protected state: RunStatus = 'idle';
  protected readonly clock: Clock;
  protected readonly timers: Timers;
  protected readonly registry: MetricsRegistry;
  protected readonly live = new Map<string, Live>();
  protected graph: Graph | null = null;
  protected readonly sourceAbort = new AbortController();
  protected readonly runAbort = new AbortController();
  protected stopRequested = false;
  protected failure: (ErrorPayload & { node: string | null }) | null = null;
  /** Rejects when the run fails, so nothing waits forever on a sink that will never answer. */
  protected readonly failed: Promise<never>;
  private rejectFailed: (error: Error) => void = () => undefined;
  protected timerHandles: TimerHandle[] = [];

  constructor(readonly pipeline: PipelineDoc, protected readonly options: RunOptions) {
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.registry = new MetricsRegistry(pipeline.name, () => this.clock.now());
    this.failed = new Promise<never>((_resolve, reject) => { this.rejectFailed = reject; });
    this.failed.catch(() => undefined);
  }

  /** Lets the sources waiting for room go on (delivery.ts). */
  protected abstract wakeProducers(): void;

  protected cancelTimers(): void {
    for (const handle of this.timerHandles) handle.cancel();
    this.timerHandles = [];
  }

  // ---- failure and reporting -------------------------------------------------------------------------

  protected fail(error: unknown, node: string | null): void {
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

  protected setStatus(status: RunStatus): void {
    this.state = status;
    this.emitEvent({ type: 'status', status, at: this.clock.now() });
  }

  protected emitEvent(event: RunEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not take the run down.
    }
  }
}

export function nodeError(error: unknown, node: string, message: string): EngineError {
  if (error instanceof EngineError) {
    const details = error.details && typeof error.details === 'object' ? { ...error.details, node } : { node, details: error.details };
    return new EngineError(error.code, error.message, details, { cause: error });
  }
  return new EngineError('ENG_RUN_NODE', `${message}: ${error instanceof Error ? error.message : String(error)}`, { node }, { cause: error });
}
