// The types of a run: its options, events, summary and the Run handle hosts hold (implementation in
// run.ts, which re-exports them).
import type { ErrorPayload } from '../errors.ts';
import type { NodeType, PipelineDoc } from '../format/pipeline.ts';
import type { NodeFactory } from '../nodes/registry.ts';
import type { Clock, Timers } from './clock.ts';
import type { MetricsSnapshot } from './metrics.ts';
import type { PortName, Row, SinkSummary } from './types.ts';

export interface RunOptions {
  /** Root folder of the lake. */
  lakeDir: string;
  /** STREAMLAKE_HOME. */
  homeDir: string;
  clock?: Clock;
  timers?: Timers;
  /**
   * Stop after exactly this many source events (all ports, all sources); the run then ends like bounded
   * input and the final checkpoint's positions cover exactly the events delivered.
   */
  maxEvents?: number;
  /**
   * Where chk-<id>.json files go; with it the run restores from the newest one on start. Without it
   * barriers still happen and every one of them flushes the sinks, but no state is kept (hosts always
   * pass one: `$STREAMLAKE_HOME/checkpoints/<pipeline>` unless moved).
   */
  checkpointDir?: string;
  /** Ms between periodic checkpoint barriers, with or without checkpointDir (default 10 000; 0 = only the final one). */
  checkpointInterval?: number;
  /** Batches each sink queue holds before sources wait (default 16). */
  queueCapacity?: number;
  /** Rows kept per node port for previews (default 200). */
  previewCapacity?: number;
  /** Ms of processing time between operator ticks and metric samples (default 1000). */
  tickInterval?: number;
  onEvent?: (event: RunEvent) => void;
  /** Node implementations that take precedence over the registry (tests, benchmarks, embedding hosts). */
  nodes?: Partial<Record<NodeType, NodeFactory>>;
}

export type RunStatus = 'idle' | 'running' | 'stopping' | 'finished' | 'failed';

export type RunEvent =
  | { type: 'status'; status: RunStatus; at: number }
  | { type: 'restored'; checkpointId: number; at: number }
  | { type: 'checkpoint'; checkpointId: number; path: string | null; durationMs: number; at: number }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; node: string | null; message: string; at: number }
  | { type: 'error'; node: string | null; error: ErrorPayload; at: number }
  | { type: 'finished'; summary: RunSummary; at: number };

export interface NodeSummary {
  type: string;
  kind: 'source' | 'operator' | 'sink';
  in: number;
  out: Record<PortName, number>;
  errors: number;
  late: number;
}

export interface RunSummary {
  pipeline: string;
  /** finished: input ended; stopped: stop() was called; failed: see `error`. */
  status: 'finished' | 'stopped' | 'failed';
  startedAt: number;
  endedAt: number;
  /** Events the sources produced (every port). */
  eventsIn: number;
  nodes: Record<string, NodeSummary>;
  /** What each sink reported on close. */
  sinks: Record<string, SinkSummary>;
  checkpoints: number;
  lastCheckpointId: number | null;
  restoredFrom: number | null;
  error?: ErrorPayload & { node: string | null };
}

export interface NodeExplanation {
  node: string;
  type: string;
  watermark: number | null;
  /** What the operator says about itself (windows: watermark vs open window ends). */
  details: unknown;
}

export interface Run {
  readonly pipeline: PipelineDoc;
  /** Runs until bounded sources end (after the final checkpoint and commit) or stop() is called. Never rejects for node failures: see summary.status. */
  start(): Promise<RunSummary>;
  /** Stops the sources, takes a final checkpoint (open windows are kept in it, not emitted) and closes the sinks. */
  stop(): Promise<void>;
  status(): RunStatus;
  metrics(): MetricsSnapshot;
  /** Metrics in Prometheus text exposition format. */
  prometheus(): string;
  /** The latest rows a node emitted on a port (sinks: rows received, on 'out'). */
  preview(nodeId: string, port?: PortName, limit?: number): Row[];
  explain(nodeId: string): NodeExplanation;
  /** Deletes the checkpoints, so the next run of this pipeline starts from scratch (not while running). */
  resetState(): Promise<void>;
}
