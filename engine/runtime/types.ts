// The seams between the runtime and the node implementations (operators, sources, sinks). Sources and
// sinks for Kafka and the lake live in their own folders and register through engine/nodes/registry.ts.
import type { Clock, Timers } from './clock.ts';

/**
 * One event. Values are JSON-like plus `Date` for timestamps (UTC, millisecond precision in JS; the lake
 * stores microseconds), `bigint` never appears (longs above 2^53 are not supported), and `Uint8Array`
 * for raw bytes.
 */
export type Row = Record<string, unknown>;

export type PortName = 'out' | 'error' | 'late';

/** A batch of rows that came from one source partition (watermarks are tracked per partition). */
export interface Batch {
  rows: Row[];
  /** Stable id of the source partition, e.g. `orders/0` or `orders/topic-a/2`. */
  partition: string;
  /**
   * Set by window operators: these rows replace earlier rows with the same values of these columns
   * (a window re-emitted for a late event). Sinks must keep only the last row per key.
   */
  upsertKey?: readonly string[];
  /**
   * With upsertKey: keys (rows holding just the upsertKey columns) of rows emitted earlier that no longer
   * exist, e.g. the separate rows of two session windows a late event merged into one. A sink removes
   * its rows with these keys, in the same step as it applies this batch's rows.
   */
  retract?: readonly Row[];
  /**
   * Set by a source on an empty batch: its partition is assigned and has events to come. A window holds
   * its watermark for the partition until the partition delivers or goes idle, so events of a partition
   * that is slow to deliver its first batch are not taken for late ones. Operators that keep their
   * input's partitions pass it on (the runtime does it for them); sinks never see it.
   */
  announce?: true;
}

/**
 * What lands on an `error` or `late` port. Nothing is dropped silently: the original payload and the
 * reason travel with it.
 */
export interface DeadLetter extends Row {
  reason: string;
  node: string;
  port: 'error' | 'late';
  /** The original event, or the raw payload text when it could not be decoded. */
  payload: unknown;
  /** Source position where known (Kafka topic/partition/offset, file line). */
  source?: Row;
  at: Date;
}

export type Emit = (port: PortName, batch: Batch) => void;

export interface NodeMetrics {
  addIn(n: number): void;
  addOut(port: PortName, n: number): void;
  addError(n: number): void;
  addLate(n: number): void;
  setWatermark(ms: number | null): void;
  observeLatency(ms: number): void;
}

export interface NodeContext {
  nodeId: string;
  pipelineName: string;
  clock: Clock;
  timers: Timers;
  /** Root folder of the lake (sink.lake writes `<lakeDir>/<table>`). */
  lakeDir: string;
  /** STREAMLAKE_HOME; connections and other local config live here. */
  homeDir: string;
  metrics: NodeMetrics;
  /**
   * Sources only: the top-level fields the rest of the pipeline reads, when that is known and no whole
   * row leaves the pipeline (see runtime/projection.ts). A source may decode just these; undefined = all.
   */
  fields?: readonly string[];
  signal: AbortSignal;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /**
   * The node's current trouble in one line (its broker cannot be reached, and which retry this is), or
   * null once it is over. Hosts show it on the node; absent where nobody shows it (the CLI reads the log).
   */
  report?(problem: string | null): void;
}

/** An operator is synchronous per batch; its state must be serialisable for checkpoints. */
export interface OperatorInstance {
  process(batch: Batch, emit: Emit): void;
  /**
   * A source partition announced itself (Batch.announce). Operators that track partitions implement
   * it; for the others the runtime passes the announcement to the next operators.
   */
  announce?(partition: string): void;
  /** Called when processing time moves (idle partitions, watermark timeouts). */
  tick?(now: number, emit: Emit): void;
  /** End of bounded input: emit everything still open. */
  finish(emit: Emit): void;
  snapshot(): unknown;
  restore(state: unknown): void;
  /** Current event-time watermark in ms, where the operator has one. */
  watermark?(): number | null;
  /** Why open windows have not been emitted yet (for the UI). */
  explain?(): unknown;
}

/** Opaque, JSON-serialisable positions of a source (offsets per partition, lines read, rows generated). */
export type SourcePositions = Record<string, unknown>;

export interface SourceInstance {
  /**
   * Pushes batches until the source ends (bounded) or `signal` aborts. `push` resolves when the
   * downstream has room: awaiting it is the backpressure. Records that could not be decoded go to
   * port 'error' as DeadLetter rows.
   */
  run(push: (batch: Batch, port?: 'out' | 'error') => Promise<void>, signal: AbortSignal): Promise<void>;
  /** Positions covering every batch already pushed. */
  positions(): SourcePositions;
  /** Resume after these positions (called before run). */
  restore(positions: SourcePositions): void;
  /** Called after a checkpoint is durable, e.g. to commit Kafka group offsets for lag monitoring. */
  committed?(positions: SourcePositions): Promise<void>;
  close(): Promise<void>;
}

export interface CheckpointInfo {
  id: number;
  /** Source node id → positions at this checkpoint. */
  sources: Record<string, SourcePositions>;
}

export interface SinkSummary {
  rows: number;
  files?: number;
  snapshots?: number;
  [key: string]: unknown;
}

export interface SinkInstance {
  write(batch: Batch): Promise<void>;
  /**
   * Make everything written so far durable, tagged with this checkpoint. The lake sink commits a
   * snapshot whose summary carries the checkpoint id and source positions.
   */
  checkpoint(info: CheckpointInfo): Promise<void>;
  /** The last checkpoint this sink made durable, for exactly-once restarts. */
  lastCommitted?(): Promise<CheckpointInfo | null>;
  close(): Promise<SinkSummary>;
  /** Rows kept for the UI (sink.preview). */
  preview?(): Row[];
  /**
   * Rows the sink could not write since the last call (e.g. a value that does not fit the table schema).
   * The runtime drains this after every write, checkpoint and close and routes them out of the sink's
   * `error` port (kept for the UI when unconnected). The sink counts them itself (metrics.addError).
   */
  rejected?(): DeadLetter[];
}
