// `sink.lake`: buffers rows and commits them as Iceberg snapshots at checkpoint barriers, on its own
// cadence (commitInterval, or when targetRows are buffered) so a fast checkpoint interval does not flood
// the table with small files. Every snapshot carries the pipeline, node, checkpoint id and source
// positions, atomically with the data, so a restart resumes exactly after the last committed snapshot.
//
// What the runtime must know:
// - `lastCommitted()` may be OLDER than the newest checkpoint (the sink skipped commits in between), so
//   checkpoint files must be kept back to the sinks' last committed id for restores to be exact.
// - rows this sink cannot write (a value that does not fit the column type) are kept as DeadLetters and
//   drained with `rejected()`; the runtime forwards them to the node's error port.
// - at close(), rows covered by the last checkpoint that were not committed yet are committed with that
//   checkpoint's id; rows that arrived after the last checkpoint (a failed run) are not committed, since a
//   restart replays them from that checkpoint.
// - retracted keys (Batch.retract: a late event merged emitted session windows) drop buffered rows of
//   those keys that came before them and are removed from the table in the same snapshot as the rows.
// - `sortBy` is the table's sort order: set when the sink creates the table, and made the default order
//   (logged, metadata only) of a table that exists with another one, since the pipeline is where the user
//   said how the table should be clustered; files already written keep their order until a compaction.
import { EngineError } from '../errors.ts';
import { durationMs } from '../format/duration.ts';
import type { LakeSinkConfig, NodeSpec } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row, SinkInstance, SinkSummary, SourcePositions } from '../runtime/types.ts';
import type { NestedField } from './format/metadata.ts';
import { Lake } from './lake.ts';
import { evolveStruct, parseDeclaredType } from './table/schema.ts';
import type { LakeTable } from './table/table.ts';
import { upsertKeyText } from './table/write.ts';

export const SUMMARY_PIPELINE = 'streamlake.pipeline';
export const SUMMARY_NODE = 'streamlake.node';
export const SUMMARY_CHECKPOINT = 'streamlake.checkpoint-id';
export const SUMMARY_POSITIONS = 'streamlake.source-positions';

const DEFAULT_INTERVAL_MS = 10_000;
const DEFAULT_TARGET_ROWS = 1_000_000;
const MAX_KEPT_REJECTED = 10_000;

export class LakeSink implements SinkInstance {
  private readonly config: LakeSinkConfig;
  private readonly ctx: NodeContext;
  private readonly lake: Lake;
  private readonly branch: string;
  private readonly intervalMs: number;
  private readonly targetRows: number;
  private table: LakeTable | null = null;
  /** Rows not yet committed; `covered` of them came before the last checkpoint call. */
  private buffer: Row[] = [];
  private covered = 0;
  private upsertKey: readonly string[] | undefined;
  /** Retracted keys in arrival order; `position` counts the buffered rows that came before them. */
  private retracts: { position: number; keys: readonly Row[] }[] = [];
  private retractsCovered = 0;
  private lastInfo: CheckpointInfo | null = null;
  private committedPositions = '';
  private lastCommitAt: number;
  private dead: DeadLetter[] = [];
  private stats = { rows: 0, files: 0, snapshots: 0, rejected: 0, replacedFiles: 0 };

  constructor(config: LakeSinkConfig, ctx: NodeContext) {
    this.config = config;
    this.ctx = ctx;
    this.lake = new Lake(ctx.lakeDir, ctx.clock);
    this.lake.tablePath(config.table); // validates the name now, not at the first commit
    this.branch = config.branch ?? 'main';
    this.intervalMs = config.commitInterval ? durationMs(config.commitInterval) : DEFAULT_INTERVAL_MS;
    this.targetRows = config.targetRows ?? DEFAULT_TARGET_ROWS;
    this.lastCommitAt = ctx.clock.now();
    for (const [column, type] of Object.entries(config.schema ?? {})) {
      if (!parseDeclaredType(type)) throw new EngineError('ENG_LAKE_SCHEMA', `sink "${ctx.nodeId}": column "${column}" has unknown type "${type}"`, { node: ctx.nodeId, column });
    }
  }

  async write(batch: Batch): Promise<void> {
    if (batch.upsertKey) {
      if (this.upsertKey && this.upsertKey.join('\0') !== batch.upsertKey.join('\0')) {
        this.ctx.log('warn', `sink "${this.ctx.nodeId}": batches with different upsert keys (${this.upsertKey.join(',')} / ${batch.upsertKey.join(',')}); using the first`);
      }
      this.upsertKey ??= batch.upsertKey;
    }
    if (batch.retract && batch.retract.length > 0) this.retracts.push({ position: this.buffer.length, keys: batch.retract });
    for (const row of batch.rows) this.buffer.push(row);
  }

  async prepare(info: CheckpointInfo): Promise<null> {
    this.lastInfo = info;
    this.covered = this.buffer.length;
    this.retractsCovered = this.retracts.length;
    return null;
  }

  async commit(info: CheckpointInfo, _pending: unknown): Promise<void> {
    const due = info.flush || this.ctx.clock.now() - this.lastCommitAt >= this.intervalMs || this.buffer.length >= this.targetRows;
    if (due) await this.publish(info);
  }

  private positionsText(info: CheckpointInfo): string {
    return JSON.stringify(info.sources);
  }

  private async publish(info: CheckpointInfo): Promise<void> {
    const positions = this.positionsText(info);
    const covered = this.covered;
    const { rows, retract } = this.settleRetracts(this.buffer.slice(0, covered), this.retracts.slice(0, this.retractsCovered));
    if (rows.length === 0 && retract.length === 0 && positions === this.committedPositions) {
      this.lastCommitAt = this.ctx.clock.now();
      return;
    }
    const table = await this.openTable(rows);
    if (!table) return;
    const result = await table.append(rows, {
      branch: this.branch,
      upsertKey: this.upsertKey,
      retract,
      allowEmpty: true,
      summary: {
        [SUMMARY_PIPELINE]: this.ctx.pipelineName,
        [SUMMARY_NODE]: this.ctx.nodeId,
        [SUMMARY_CHECKPOINT]: String(info.id),
        [SUMMARY_POSITIONS]: positions,
      },
    });
    this.buffer = this.buffer.slice(covered);
    this.covered = 0;
    this.retracts = this.retracts.slice(this.retractsCovered).map((r) => ({ position: r.position - covered, keys: r.keys }));
    this.retractsCovered = 0;
    this.committedPositions = positions;
    this.lastCommitAt = this.ctx.clock.now();
    this.stats.rows += result.rows;
    this.stats.files += result.files;
    this.stats.replacedFiles += result.replacedFiles;
    if (result.snapshot) this.stats.snapshots += 1;
    if (result.rejected.length > 0) {
      this.stats.rejected += result.rejected.length;
      this.ctx.metrics.addError(result.rejected.length);
      const at = new Date(this.ctx.clock.now());
      for (const r of result.rejected) this.dead.push({ reason: r.reason, node: this.ctx.nodeId, port: 'error', payload: r.row, at });
      if (this.dead.length > MAX_KEPT_REJECTED) {
        // every rejected row is counted in metrics; only the newest are kept when nobody drains them
        this.ctx.log('warn', `sink "${this.ctx.nodeId}": ${this.dead.length - MAX_KEPT_REJECTED} undrained rejected rows discarded (counted as errors)`);
        this.dead = this.dead.slice(-MAX_KEPT_REJECTED);
      }
    }
  }

  /** Rows not retracted by a later key in the same commit, and every key retracted in it. */
  private settleRetracts(rows: Row[], retracts: readonly { position: number; keys: readonly Row[] }[]): { rows: Row[]; retract: Row[] } {
    const key = this.upsertKey;
    if (retracts.length === 0 || !key) return { rows, retract: [] };
    const keyOf = (row: Row): string => upsertKeyText(row, key);
    const lastRetractAt = new Map<string, number>();
    const retract = new Map<string, Row>();
    for (const r of retracts) {
      for (const k of r.keys) {
        const text = keyOf(k);
        lastRetractAt.set(text, r.position);
        retract.set(text, k);
      }
    }
    return { rows: rows.filter((row, i) => (lastRetractAt.get(keyOf(row)) ?? -1) <= i), retract: [...retract.values()] };
  }

  /** The table, created on first use from the declared schema and the first rows. */
  private async openTable(rows: readonly Row[]): Promise<LakeTable | null> {
    if (this.table) return this.table;
    if (await this.lake.exists(this.config.table)) {
      this.table = await this.applySortOrder(await this.lake.table(this.config.table));
      return this.table;
    }
    const declared: NestedField[] = Object.entries(this.config.schema ?? {}).map(([name, type], i) => ({
      id: i + 1,
      name,
      required: false,
      type: parseDeclaredType(type) ?? 'string',
    }));
    // a dead-letter table: payload and source positions come in every shape, so they are kept as JSON text
    if (rows.length > 0 && rows.every((r) => 'reason' in r && 'payload' in r && 'node' in r)) {
      for (const name of ['payload', 'source']) {
        if (!declared.some((f) => f.name === name)) declared.push({ id: declared.length + 1, name, required: false, type: 'string' });
      }
    }
    let next = declared.length;
    const struct = evolveStruct({ type: 'struct', fields: declared }, rows, () => ++next);
    if (struct.fields.length === 0) return null;
    const table = await this.lake.createTable(this.config.table, { fields: struct.fields, partitionBy: this.config.partitionBy ?? [], sortBy: this.config.sortBy ?? [] });
    this.ctx.log('info', `created lake table ${this.config.table} with ${struct.fields.length} columns`);
    // a concurrent creator may have won with another order
    this.table = await this.applySortOrder(table);
    return this.table;
  }

  /** Makes the configured sortBy the table's order when it is not already (an absent or empty one changes nothing). */
  private async applySortOrder(table: LakeTable): Promise<LakeTable> {
    const sortBy = this.config.sortBy ?? [];
    if (sortBy.length === 0) return table;
    const before = table.sortOrder();
    await table.replaceSortOrder(sortBy);
    const after = table.sortOrder();
    if (after.orderId !== before.orderId) {
      const text = (fields: string[]): string => (fields.length ? fields.join(', ') : 'unsorted');
      this.ctx.log('info', `sink "${this.ctx.nodeId}": table ${table.name} sort order changed from ${text(before.fields)} to ${text(after.fields)}; files written before keep their order until the table is compacted`);
    }
    return table;
  }

  async lastCommittedId(): Promise<number | null> {
    if (!(await this.lake.exists(this.config.table))) return null;
    const table = await this.lake.table(this.config.table);
    return lastCommittedCheckpoint(table, this.branch, this.ctx.pipelineName, this.ctx.nodeId)?.id ?? null;
  }

  /** Rows the table refused since the last call, as dead letters for the error port. */
  rejected(): DeadLetter[] {
    const out = this.dead;
    this.dead = [];
    return out;
  }

  async close(): Promise<SinkSummary> {
    if (this.buffer.length > 0) {
      this.ctx.log('warn', `sink "${this.ctx.nodeId}": ${this.buffer.length} rows arrived after the last checkpoint and were not committed; a restart replays them`);
    }
    return { ...this.stats };
  }
}

/**
 * The newest checkpoint this pipeline node committed on a branch: walks the branch's history back past
 * snapshots other writers (another pipeline, compaction) made.
 */
export function lastCommittedCheckpoint(table: LakeTable, branch: string, pipeline: string, node: string): CheckpointInfo | null {
  const byId = new Map(table.snapshots().map((s) => [s.snapshotId, s]));
  let at = branch === 'main' ? table.resolve() : table.refs().some((r) => r.name === branch) ? table.resolve({ branch }) : table.resolve();
  while (at) {
    const s = at.summary;
    const id = s[SUMMARY_CHECKPOINT];
    if (id !== undefined && s[SUMMARY_PIPELINE] === pipeline && (s[SUMMARY_NODE] ?? node) === node) {
      let sources: Record<string, SourcePositions> = {};
      try {
        sources = JSON.parse(s[SUMMARY_POSITIONS] ?? '{}') as Record<string, SourcePositions>;
      } catch {
        throw new EngineError('ENG_LAKE_METADATA', `${table.name}: snapshot ${at.snapshotId} has unreadable ${SUMMARY_POSITIONS}`, { snapshotId: at.snapshotId });
      }
      return { id: Number(id), sources };
    }
    at = at.parentId === null ? null : (byId.get(at.parentId) ?? null);
  }
  return null;
}

registerNode('sink.lake', {
  kind: 'sink',
  create: (spec: Extract<NodeSpec, { type: 'sink.lake' }>, ctx) => new LakeSink(spec.config, ctx),
});
