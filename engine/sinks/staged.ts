// What the database sinks share around the runtime's two-phase checkpoint protocol (engine/runtime/README.md):
//
// - write(): each batch goes to the staging file of the coming checkpoint as it arrives (staging.ts);
//   windowed rows (an upsert key) are also kept in memory for the commit, and appends are handed to the
//   sink's encoder, which builds the target's bulk text while the input is read (a column that appears
//   mid-interval, or a value it cannot carry, "spoils" it and the commit uses the staged rows). An
//   encoder may return a batch's text for the staging file when it gives the rows back exactly (its
//   codec reads it back): then the rows are not serialised a second time.
// - prepare(N): the staging file is made durable under N; the pending state the runtime stores in
//   chk-N.json names every segment not committed yet (cumulative).
// - commit(N): the segments up to N, skipped when the target already has N (lastCommittedId, read from
//   the target itself), else written by the sink's attempt under the retry loop (retry.ts); then their
//   staging files are deleted. Refused rows, run figures and /metrics are counted here.
//
// The sink keeps its own target logic: which errors are transient, how a commit is made idempotent, and
// what its encoder builds.
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row } from '../runtime/types.ts';
import { sinkStats, type SinkStats } from './metrics.ts';
import type { Segment } from './pending.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import { pendingRefs, Staging, type StagedEncoding, type StagedRef, type StagedRows, type StagingCodec } from './staging.ts';

const MAX_KEPT_REJECTED = 10_000;

/** Builds a target's bulk text for appends as they arrive (postgres/encoder.ts, clickhouse/encoder.ts). */
export interface AppendEncoder {
  readonly rows: number;
  readonly spoiled: boolean;
  /** May return the batch as encoded, for the staging file instead of the rows (the sink's codec reads it back). */
  add(rows: readonly Row[]): StagedEncoding | undefined | void;
  spoil(): void;
}

/** What one commit attempt gets: the staged rows on demand, and the appends' text when it is ready. */
export interface CommitWork<E> {
  id: number;
  load(): Promise<Segment[]>;
  encoded: E | undefined;
}

/** The figures every database sink reports per run (the summary) and per process (/metrics). */
export interface RunFigures {
  rows: number;
  batches: number;
  retries: number;
  rejected: number;
  commitMs: number;
  maxCommitMs: number;
}

export class StagedSink<E extends AppendEncoder> {
  upsertKey: string[] | undefined;
  /** Appends of the interval being written. */
  encoder: E;
  readonly staging: Staging;
  readonly counters: SinkStats;
  readonly figures: RunFigures = { rows: 0, batches: 0, retries: 0, rejected: 0, commitMs: 0, maxCommitMs: 0 };
  /** Rows of this interval kept for the commit (windowed output only; null: read the staging file). */
  private held: Row[] | null = null;
  private retracts: { position: number; keys: Row[] }[] = [];
  private readonly encoded = new Map<number, E>();
  /** Staged and not committed yet (what the next prepare returns again). */
  private segments: StagedRef[] = [];
  private dead: DeadLetter[] = [];

  /** @param codec reads back what the encoder's add() returns for staging (without one, rows are staged) */
  constructor(private readonly ctx: NodeContext, sink: string, private readonly format: string, private readonly newEncoder: () => E, upsertKey?: readonly string[], codec?: StagingCodec) {
    this.counters = sinkStats(ctx.pipelineName, ctx.nodeId, sink);
    this.staging = new Staging(ctx.homeDir, ctx.pipelineName, ctx.nodeId, codec);
    this.encoder = newEncoder();
    if (upsertKey && upsertKey.length > 0) this.upsertKey = [...upsertKey];
  }

  async write(batch: Batch): Promise<void> {
    if (batch.upsertKey) {
      if (this.upsertKey && this.upsertKey.join('\0') !== batch.upsertKey.join('\0')) {
        this.ctx.log('warn', `sink "${this.ctx.nodeId}": rows keyed by ${batch.upsertKey.join(', ')} but the sink's key is ${this.upsertKey.join(', ')}; using the sink's`);
      }
      this.upsertKey ??= [...batch.upsertKey];
    }
    const first = this.staging.appended === 0 && this.retracts.length === 0;
    if (first && this.upsertKey) this.held = [];
    const retract = batch.retract && batch.retract.length > 0 ? [{ position: this.staging.appended, keys: [...batch.retract] }] : [];
    let encoded: StagedEncoding | undefined;
    if (this.upsertKey || this.retracts.length > 0 || retract.length > 0) {
      this.encoder.spoil();
      if (this.held) for (const row of batch.rows) this.held.push(row);
    } else {
      encoded = this.encoder.add(batch.rows) ?? undefined;
    }
    await this.staging.append({ rows: batch.rows, retracts: retract, ...(this.upsertKey ? { upsertKey: this.upsertKey } : {}) }, encoded);
    this.retracts.push(...retract);
  }

  /** Phase one; also says whether the interval's appends text was kept for the commit. */
  async prepare(info: CheckpointInfo): Promise<{ pending: { format: string; segments: StagedRef[] }; encoded: boolean }> {
    await this.staging.sweep(this.segments);
    const hold = this.held ? { id: info.id, rows: this.held, retracts: this.retracts, ...(this.upsertKey ? { upsertKey: this.upsertKey } : {}) } : undefined;
    const ref = await this.staging.seal(info.id, hold);
    if (ref) {
      this.segments.push(ref);
      if (!this.encoder.spoiled && this.encoder.rows > 0 && this.encoder.rows === ref.rows) this.encoded.set(info.id, this.encoder);
    }
    this.held = null;
    this.retracts = [];
    this.encoder = this.newEncoder();
    return { pending: { format: this.format, segments: this.segments.slice() }, encoded: this.encoded.has(info.id) };
  }

  /** The staged segments of a pending state up to this checkpoint. */
  refs(info: CheckpointInfo, pending: unknown): StagedRef[] {
    return pendingRefs(pending, this.format, this.ctx.nodeId).filter((s) => s.id <= info.id);
  }

  /** The work of a commit: one append-only segment staged by this process has its text ready. */
  work(id: number, refs: readonly StagedRef[]): CommitWork<E> {
    const only = refs.length === 1 ? refs[0] : undefined;
    return { id, load: () => this.staging.read(refs, this.ctx.nodeId), encoded: only ? this.encoded.get(only.id) : undefined };
  }

  /** The staged rows of these segments one record at a time (Staging.parts: bounded memory). */
  parts(refs: readonly StagedRef[]): AsyncGenerator<StagedRows> {
    return this.staging.parts(refs, this.ctx.nodeId);
  }

  /** Runs a commit attempt under the retry loop, timed; counts what it refused. */
  async commit(policy: RetryPolicy, id: number, attempt: () => Promise<DeadLetter[]>): Promise<void> {
    const started = this.ctx.clock.now();
    const rejected = await withRetry(policy, `commit checkpoint ${id}`, attempt);
    const ms = this.ctx.clock.now() - started;
    this.figures.commitMs += ms;
    this.figures.maxCommitMs = Math.max(this.figures.maxCommitMs, ms);
    this.counters.observeCommit(ms);
    this.refused(rejected);
  }

  /** The target holds the segments up to this id: forget them and delete their staging files. */
  async committed(id: number, refs: readonly StagedRef[]): Promise<void> {
    this.segments = this.segments.filter((s) => s.id > id);
    for (const staged of this.encoded.keys()) if (staged <= id) this.encoded.delete(staged);
    await this.staging.remove(refs);
  }

  /** A commit wrote these rows in one transaction or block. */
  wrote(rows: number): void {
    this.figures.rows += rows;
    this.figures.batches += 1;
    this.counters.rows += rows;
    this.counters.batches += 1;
  }

  retried(): void {
    this.figures.retries += 1;
    this.counters.retries += 1;
  }

  private refused(rejected: DeadLetter[]): void {
    if (rejected.length === 0) return;
    this.figures.rejected += rejected.length;
    this.counters.rejected += rejected.length;
    this.ctx.metrics.addError(rejected.length);
    this.dead.push(...rejected);
    if (this.dead.length > MAX_KEPT_REJECTED) this.dead = this.dead.slice(-MAX_KEPT_REJECTED);
  }

  rejected(): DeadLetter[] {
    const out = this.dead;
    this.dead = [];
    return out;
  }

  /** At close: rows written after the last checkpoint are not committed (the next run replays them). */
  async close(): Promise<void> {
    const late = this.staging.appended;
    if (late > 0) this.ctx.log('warn', `sink "${this.ctx.nodeId}": ${late} rows arrived after the last checkpoint and were not committed; a restart replays them`);
    await this.staging.discard().catch(() => undefined);
  }
}
