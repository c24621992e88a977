// The seams between the runtime and the node implementations (operators, sources, sinks). Sources and
// sinks for Kafka and the lake live in their own folders and register through engine/nodes/registry.ts.
import type { Clock, Timers } from './clock.ts';
import type { Fusion } from './fusion.ts';

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
  /**
   * On an announcement: whether the source has events of the partition at hand (Kafka: its position is
   * below the partition's end). While it has, the partition is slow, not silent, and a window never
   * counts it idle; once it has not, the window's idle clock runs from the partition's latest batch.
   * Absent: the source cannot tell.
   */
  backlog?: boolean;
  /**
   * Set by a source whose records are already, byte for byte, the JSON a sink would write for their rows
   * (sources/file/json-record.ts): each row's own bytes, for a JSON sink to copy instead of encoding the
   * row again. It describes `bytes.rows` only: a sink uses it only while `bytes.rows === rows` (operators
   * and the runtime build new arrays for anything they change, and rows are never modified in place).
   */
  bytes?: RowBytes;
}

/** The JSON text of a batch's rows where a source has it (Batch.bytes): row i is buffers[i][starts[i], ends[i]). */
export interface RowBytes {
  readonly rows: readonly Row[];
  /** undefined: this row has no bytes of its own (it must be encoded). */
  readonly buffers: readonly (Uint8Array | undefined)[];
  readonly starts: ArrayLike<number>;
  readonly ends: ArrayLike<number>;
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
  /**
   * Sources only (runtime/projection.ts sourceBytesReaders): undefined when no consumer reads Batch.bytes,
   * 'some' when a sink copies them beside readers of rows, 'only' when every consumer just copies them
   * (the source may then hand over rows decoded on first read, runtime/lazy.ts).
   */
  bytesReaders?: 'some' | 'only';
  signal: AbortSignal;
  /**
   * Sources only: before delivering a batch, a source asks how many of its next `wanted` events (all
   * ports) it may deliver; under `--max-events` it delivers exactly that many and its positions cover
   * just those (the rest are read again by the next run). Without a limit it returns `wanted`.
   */
  budget?(wanted: number): number;
  /**
   * Sources only: set when the source's stateless chain and window can run on its decode workers
   * (runtime/fusion.ts); a source without workers ignores it and pushes rows.
   */
  fusion?: Fusion;
  /**
   * Sinks only: the upsert key their input carries once a window upstream re-emits (its group-by fields
   * and window_start; upsert-key.ts), known from the graph before the first row; undefined = not keyed
   * or not known.
   */
  upsertKey?: readonly string[];
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
  announce?(partition: string, backlog?: boolean): void;
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
  /**
   * Positions covering every batch already pushed. push() delivers synchronously before its first
   * await: a batch with rows for several ports is pushed to all of them in the same synchronous step as
   * the position update (call push for each port, then await them together), so no checkpoint can cover
   * rows of one port that were not delivered yet.
   */
  positions(): SourcePositions;
  /** Resume after these positions (called before run). */
  restore(positions: SourcePositions): void;
  /** Called after a checkpoint is durable, e.g. to commit Kafka group offsets for lag monitoring. */
  committed?(positions: SourcePositions): Promise<void>;
  close(): Promise<void>;
}

export interface CheckpointInfo {
  id: number;
  /** Source node id → positions at this checkpoint (every assigned partition, empty ones included). */
  sources: Record<string, SourcePositions>;
  /**
   * Set on commit() when nothing may stay pending after it: the run's last checkpoint (end of input or
   * stop), a re-commit while restoring, and every checkpoint of a run without a checkpoint folder.
   */
  flush?: boolean;
}

export interface SinkSummary {
  rows: number;
  files?: number;
  snapshots?: number;
  [key: string]: unknown;
}

/**
 * A sink takes part in checkpoints with a two-phase commit keyed by checkpoint id (like Flink's
 * TwoPhaseCommitSinkFunction and its Iceberg committer). See engine/runtime/README.md for the protocol.
 *
 * 1. write(): rows arrive between barriers, in order.
 * 2. prepare(info) at the barrier, after every batch before it was written and before any after it:
 *    everything written so far becomes DURABLE but NOT VISIBLE (lake: Parquet files not in any snapshot;
 *    Kafka: sent inside an open transaction). It returns JSON-serialisable pending state, CUMULATIVE:
 *    all work not committed yet, including work an earlier prepare returned that is still pending. The
 *    runtime stores it in chk-<id>.json under `sinks[nodeId]`. Values go through the checkpoint encoding
 *    (Date and Uint8Array survive).
 * 3. commit(info, pending) only after chk-<id>.json is durable, with the pending state prepare returned
 *    for that id (or, when restoring, the one read back from the file, on a new sink instance that may
 *    never have seen a write). It must be IDEMPOTENT: it reads the highest checkpoint id this pipeline
 *    and node already committed to the target (lastCommittedId) and does nothing for ids at or below it.
 *    An outcome it cannot know (the commit call threw after maybe publishing) is resolved by reading the
 *    target again, never by committing twice. Without `info.flush` a sink with its own slower cadence
 *    (lake commitInterval) may keep the work pending: its next prepare returns it again. With `flush`
 *    it must publish everything pending.
 * 4. lastCommittedId(): the highest checkpoint id this pipeline and node committed, read from the
 *    target itself (lake: snapshot summaries on the target branch), null when it never committed.
 *
 * The runtime restores from the newest durable checkpoint and calls commit({...info, flush: true},
 * pending) for every sink with pending state in it before any source starts, so sinks that were behind
 * converge; a sink that never committed does not hold the restore back. Between prepare and commit of
 * one checkpoint the runtime calls nothing else on the sink (its queue waits).
 */
export interface SinkInstance {
  write(batch: Batch): Promise<void>;
  /** Phase one at the barrier: make what was written durable, not visible; return cumulative pending state. */
  prepare(info: CheckpointInfo): Promise<unknown>;
  /** Phase two once chk-<id>.json is durable: publish `pending` tagged with info.id, idempotently. */
  commit(info: CheckpointInfo, pending: unknown): Promise<void>;
  /** The highest checkpoint id this pipeline and node committed to the target (null = never). */
  lastCommittedId(): Promise<number | null>;
  /**
   * Releases resources. Commits nothing: the run's final checkpoint flushed what it covers, and what
   * came after it (a failed run) is replayed from the checkpoint by the next run.
   */
  close(): Promise<SinkSummary>;
  /** Rows kept for the UI (sink.preview). */
  preview?(): Row[];
  /**
   * Rows the sink could not write since the last call (e.g. a value that does not fit the table schema).
   * The runtime drains this after every write, prepare, commit and close and routes them out of the sink's
   * `error` port (kept for the UI when unconnected). The sink counts them itself (metrics.addError).
   */
  rejected?(): DeadLetter[];
}
