// `sink.lake`: the lake side of the runtime's two-phase checkpoint protocol (engine/runtime/README.md).
//
// - prepare(checkpoint N): the rows (and retracted keys) written since the last prepare are written to a
//   staging file, fsynced, and added to the pending segments; the cumulative list of segments is the
//   pending state the runtime keeps in chk-N.json. Nothing is visible in the table yet.
// - commit(N, pending): if the table's snapshots on the target branch already carry a checkpoint id >= N
//   for this pipeline and node, there is nothing to do (a repeat after a crash, or an earlier commit whose
//   outcome was unknown). Otherwise, once the sink's own cadence is due (commitInterval, targetRows) or
//   the runtime asks for a flush (final checkpoint, restore), every pending segment is published in ONE
//   snapshot whose summary carries checkpoint id N and the source positions, and the staging files are
//   deleted. Upserts and retractions go through the table's copy-on-write append as before: the staged
//   rows are replayed in order and settled exactly as if they had been buffered in memory.
// - a commit that throws after maybe publishing (e.g. the version-hint write failed) is resolved by
//   reading the table again, never by committing a second time.
//
// Staging files live in `<lake>/.pending/<table>/<pipeline>/<node>/chk-<id>-<uuid>.v8` (v8 serialisation:
// Dates, byte arrays and bigints survive). They are outside every table folder, so `lake clean` (which
// walks a table's data/ and metadata/) never sees them and no half-created table shows up in the lake.
// The Parquet files staged for plain rows are inside the table's data/ folder, unreferenced until the
// commit: a pending reservation of the table owned by `sink:<pipeline>/<node>` keeps `lake clean` off
// them until they are published (table/staged.ts, table/pending.ts).
// The sink deletes them once published, and at its first prepare of a run deletes leftovers no
// checkpoint refers to (a crash between prepare and the checkpoint write).
//
// Also: rows this sink cannot write (a value that does not fit the column type) become DeadLetters
// drained with `rejected()`; `sortBy` is the table's sort order: set when the sink creates the table,
// and made the default order (logged, metadata only) of a table that exists with another one.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { EngineError } from '../errors.ts';
import { durationMs } from '../format/duration.ts';
import type { LakeSinkConfig, NodeSpec } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row, SinkInstance, SinkSummary, SourcePositions } from '../runtime/types.ts';
import type { NestedField } from './format/metadata.ts';
import { Lake } from './lake.ts';
import { evolveStruct, parseDeclaredType } from './table/schema.ts';
import type { LakeTable } from './table/table.ts';
import type { AddedFile } from './table/commit.ts';
import { publishStaged, stageFiles, type StagedPart } from './table/staged.ts';
import { toLocalPath, writeNewFile, type CommitHooks } from './table/store.ts';
import type { RejectedRow } from './table/write.ts';
import { upsertKeyText } from './table/write.ts';

export const SUMMARY_PIPELINE = 'streamlake.pipeline';
export const SUMMARY_NODE = 'streamlake.node';
export const SUMMARY_CHECKPOINT = 'streamlake.checkpoint-id';
export const SUMMARY_POSITIONS = 'streamlake.source-positions';

const DEFAULT_INTERVAL_MS = 10_000;
const DEFAULT_TARGET_ROWS = 1_000_000;
const MAX_KEPT_REJECTED = 10_000;
const PENDING_FORMAT = 'streamlake.lake-pending';

/**
 * One prepare's work until a commit publishes it. `files`: plain rows already written as Parquet data
 * files of the table (no snapshot names them yet); `file` lists them. `rows`: rows with an upsert key or
 * retractions, kept as they came (copy-on-write needs the table as it is at commit time); `file` holds them.
 */
interface Segment {
  /** The checkpoint whose prepare staged it. */
  id: number;
  file: string;
  rows: number;
  kind?: 'rows' | 'files';
}

/** The pending state kept in chk-<id>.json: every segment not committed yet, oldest first. */
interface LakePending {
  format: typeof PENDING_FORMAT;
  segments: Segment[];
}

/** What the staging list of a `files` segment holds. */
interface StagedList {
  added: AddedFile[];
}

/** What a staging file holds. */
interface Staged {
  rows: Row[];
  upsertKey?: readonly string[];
  /** Retracted keys; `position` counts the rows of this segment that came before them. */
  retracts: { position: number; keys: readonly Row[] }[];
}

export interface LakeSinkOptions {
  /** Test seam: called between the steps of each table commit (a throw simulates a failure there). */
  hooks?: CommitHooks;
}

export class LakeSink implements SinkInstance {
  private readonly config: LakeSinkConfig;
  private readonly ctx: NodeContext;
  private readonly lake: Lake;
  private readonly branch: string;
  private readonly intervalMs: number;
  private readonly targetRows: number;
  private table: LakeTable | null = null;
  /** Rows written since the last prepare. */
  private buffer: Row[] = [];
  private upsertKey: readonly string[] | undefined;
  /** Retracted keys in arrival order; `position` counts the buffered rows that came before them. */
  private retracts: { position: number; keys: readonly Row[] }[] = [];
  /** Staged and not committed yet (what the next prepare returns again). */
  private segments: Segment[] = [];
  private readonly pendingDir: string;
  /** Owner of the table's pending reservation for staged data files (table/staged.ts). */
  private readonly owner: string;
  private swept = false;
  private lastCommitAt: number;
  private dead: DeadLetter[] = [];
  private stats = { rows: 0, files: 0, snapshots: 0, rejected: 0, replacedFiles: 0 };

  constructor(config: LakeSinkConfig, ctx: NodeContext, private readonly options: LakeSinkOptions = {}) {
    this.config = config;
    this.ctx = ctx;
    this.lake = new Lake(ctx.lakeDir, ctx.clock);
    this.lake.tablePath(config.table); // validates the name now, not at the first commit
    this.branch = config.branch ?? 'main';
    this.intervalMs = config.commitInterval ? durationMs(config.commitInterval) : DEFAULT_INTERVAL_MS;
    this.targetRows = config.targetRows ?? DEFAULT_TARGET_ROWS;
    this.lastCommitAt = ctx.clock.now();
    const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_');
    this.pendingDir = path.join(path.resolve(ctx.lakeDir), '.pending', config.table, safe(ctx.pipelineName), safe(ctx.nodeId));
    this.owner = `sink:${ctx.pipelineName}/${ctx.nodeId}`;
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

  async prepare(info: CheckpointInfo): Promise<LakePending> {
    if (!this.swept) await this.sweep();
    if (this.buffer.length > 0 || this.retracts.length > 0) {
      const file = path.join(this.pendingDir, `chk-${info.id}-${randomUUID()}.v8`);
      let bytes: Buffer;
      let rows = this.buffer.length;
      let kind: Segment['kind'] = 'rows';
      if (!this.upsertKey && this.retracts.length === 0) {
        // Plain rows: the Parquet files are written now, the work a commit would do anyway.
        const table = await this.openTable(this.buffer);
        const staged = table ? await stageFiles(this.lake.tablePath(this.config.table), this.buffer, { clock: this.ctx.clock, hooks: this.options.hooks, owner: this.owner }) : { added: [], rejected: [], rows: 0 };
        this.reject(staged.rejected);
        bytes = serialize({ added: staged.added } satisfies StagedList);
        rows = staged.rows;
        kind = 'files';
      } else {
        bytes = serialize({ rows: this.buffer, upsertKey: this.upsertKey, retracts: this.retracts } satisfies Staged);
      }
      // Another sink of the pipeline may remove an empty parent folder right then: one retry recreates it.
      await writeNewFile(file, bytes).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        return writeNewFile(file, bytes);
      });
      await syncDir(this.pendingDir);
      this.segments.push({ id: info.id, file, rows, kind });
      this.buffer = [];
      this.retracts = [];
    }
    return { format: PENDING_FORMAT, segments: this.segments.slice() };
  }

  async commit(info: CheckpointInfo, pending: unknown): Promise<void> {
    const segments = pendingSegments(pending, this.ctx.nodeId);
    const rows = segments.reduce((n, segment) => n + segment.rows, 0);
    const due = info.flush || this.ctx.clock.now() - this.lastCommitAt >= this.intervalMs || rows >= this.targetRows;
    if (!due) return;
    if (segments.length === 0) {
      this.lastCommitAt = this.ctx.clock.now();
      return;
    }
    // Idempotence: the table says what is in it.
    const committed = await this.lastCommittedId();
    if (committed !== null && committed >= info.id) {
      // Already in the table (a repeat after a crash, or a commit whose outcome was unknown).
      await this.published(info.id, segments);
      return;
    }
    await this.publish(info, segments);
  }

  /** Segments at or below `id` are in the table: forget them and delete their staging files. */
  private async published(id: number, segments: readonly Segment[]): Promise<void> {
    this.segments = this.segments.filter((s) => s.id > id);
    this.lastCommitAt = this.ctx.clock.now();
    for (const segment of segments) if (segment.id <= id) await rm(segment.file, { force: true });
    if (this.segments.length === 0) await this.removeEmptyFolders();
  }

  /** The staging folders, once empty, up to `<lake>/.pending`: nothing is left behind in the lake. */
  private async removeEmptyFolders(): Promise<void> {
    const top = path.join(path.resolve(this.ctx.lakeDir), '.pending');
    for (let dir = this.pendingDir; dir.startsWith(top); dir = path.dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (another sink's work) or already gone
      }
    }
  }

  /** Staging files in this sink's folder that no pending segment refers to: left by a crash before a checkpoint was written. */
  private async sweep(): Promise<void> {
    this.swept = true;
    let names: string[];
    try {
      names = await readdir(this.pendingDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const keep = new Set(this.segments.map((s) => path.basename(s.file)));
    const tableDir = this.lake.tablePath(this.config.table);
    for (const name of names) {
      if (keep.has(name)) continue;
      const file = path.join(this.pendingDir, name);
      // Data files a leftover list names were never published: they go with it.
      const list = await readFile(file).then((b) => deserialize(b) as Partial<StagedList>).catch(() => null);
      if (list && Array.isArray(list.added)) {
        for (const a of list.added) await rm(toLocalPath(a.record.file_path, tableDir, tableDir), { force: true });
      }
      await rm(file, { force: true });
    }
  }

  private async readSegment<T>(segment: Segment): Promise<T> {
    try {
      return deserialize(await readFile(segment.file)) as T;
    } catch (error) {
      throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${this.ctx.nodeId}": staged work of checkpoint ${segment.id} cannot be read from ${segment.file}: ${(error as Error).message}`, { node: this.ctx.nodeId, file: segment.file });
    }
  }

  /** The segments as parts to publish in order; consecutive row segments are settled together. */
  private async stagedParts(segments: readonly Segment[]): Promise<{ parts: StagedPart[]; firstRows: Row[] }> {
    const parts: StagedPart[] = [];
    let firstRows: Row[] = [];
    let group: Staged | null = null;
    const flush = (): void => {
      if (!group) return;
      this.upsertKey ??= group.upsertKey;
      const { rows, retract } = this.settleRetracts(group.rows, group.retracts);
      if (firstRows.length === 0) firstRows = rows;
      parts.push({ kind: 'rows', rows, upsertKey: this.upsertKey, retract });
      group = null;
    };
    for (const segment of segments) {
      if (segment.kind === 'files') {
        flush();
        const list = await this.readSegment<Partial<StagedList>>(segment);
        if (!list || !Array.isArray(list.added)) throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${this.ctx.nodeId}": ${segment.file} is not a list of staged data files`, { node: this.ctx.nodeId, file: segment.file });
        // consecutive file segments become one snapshot
        const last = parts[parts.length - 1];
        if (last?.kind === 'files') parts[parts.length - 1] = { kind: 'files', added: [...last.added, ...list.added] };
        else if (list.added.length > 0) parts.push({ kind: 'files', added: list.added });
        continue;
      }
      const staged = await this.readSegment<Partial<Staged>>(segment);
      if (!staged || !Array.isArray(staged.rows) || !Array.isArray(staged.retracts) || staged.rows.length !== segment.rows) {
        throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${this.ctx.nodeId}": ${segment.file} does not hold the ${segment.rows} staged rows of checkpoint ${segment.id}`, { node: this.ctx.nodeId, file: segment.file });
      }
      const into: Staged = group ?? (group = { rows: [], retracts: [] });
      for (const r of staged.retracts) into.retracts.push({ position: r.position + into.rows.length, keys: r.keys });
      for (const row of staged.rows) into.rows.push(row);
      into.upsertKey ??= staged.upsertKey;
    }
    flush();
    return { parts, firstRows };
  }

  private async publish(info: CheckpointInfo, segments: readonly Segment[]): Promise<void> {
    const { parts, firstRows } = await this.stagedParts(segments);
    const table = parts.length > 0 ? await this.openTable(firstRows) : null;
    if (!table) {
      await this.published(info.id, segments);
      return;
    }
    const summary = {
      [SUMMARY_PIPELINE]: this.ctx.pipelineName,
      [SUMMARY_NODE]: this.ctx.nodeId,
      [SUMMARY_CHECKPOINT]: String(info.id),
      [SUMMARY_POSITIONS]: JSON.stringify(info.sources),
    };
    let result: Awaited<ReturnType<typeof publishStaged>>;
    try {
      result = await publishStaged(this.lake.tablePath(this.config.table), this.branch, parts, summary, { clock: this.ctx.clock, hooks: this.options.hooks, owner: this.owner });
    } catch (error) {
      // The outcome is unknown (the version may be published and only a later step failed): read it.
      const now = await this.lastCommittedId().catch(() => null);
      if (now === null || now < info.id) throw error;
      this.ctx.log('warn', `sink "${this.ctx.nodeId}": checkpoint ${info.id} is in table ${this.config.table} although its commit reported: ${(error as Error).message}`);
      await this.published(info.id, segments);
      return;
    }
    await this.published(info.id, segments);
    this.stats.rows += result.rows;
    this.stats.files += result.files;
    this.stats.replacedFiles += result.replacedFiles;
    this.stats.snapshots += result.snapshots.filter((snapshot) => snapshot !== null).length;
    this.reject(result.rejected);
  }

  /** Rows the table refused: counted, and kept as dead letters for the error port. */
  private reject(rejected: readonly RejectedRow[]): void {
    if (rejected.length === 0) return;
    this.stats.rejected += rejected.length;
    this.ctx.metrics.addError(rejected.length);
    const at = new Date(this.ctx.clock.now());
    for (const r of rejected) this.dead.push({ reason: r.reason, node: this.ctx.nodeId, port: 'error', payload: r.row, at });
    if (this.dead.length > MAX_KEPT_REJECTED) {
      // every rejected row is counted in metrics; only the newest are kept when nobody drains them
      this.ctx.log('warn', `sink "${this.ctx.nodeId}": ${this.dead.length - MAX_KEPT_REJECTED} undrained rejected rows discarded (counted as errors)`);
      this.dead = this.dead.slice(-MAX_KEPT_REJECTED);
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
      this.table.hooks = this.options.hooks;
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
    this.table.hooks = this.options.hooks;
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
    if (this.segments.length > 0) {
      const rows = this.segments.reduce((n, segment) => n + segment.rows, 0);
      this.ctx.log('warn', `sink "${this.ctx.nodeId}": ${rows} staged rows of checkpoint ${this.segments[this.segments.length - 1]?.id} are not committed yet; the next run commits them when it restores`);
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
        throw new EngineError('ENG_LAKE_METADATA', `${table.name}: snapshot ${at.snapshotId} has unreadable ${SUMMARY_POSITIONS}`, { snapshotId: String(at.snapshotId) });
      }
      return { id: Number(id), sources };
    }
    at = at.parentId === null ? null : (byId.get(at.parentId) ?? null);
  }
  return null;
}

/** The segments of a pending state read back from a checkpoint file (it crossed a storage boundary). */
function pendingSegments(pending: unknown, node: string): Segment[] {
  if (pending === null || pending === undefined) return [];
  const p = pending as Partial<LakePending>;
  const ok = typeof p === 'object' && p.format === PENDING_FORMAT && Array.isArray(p.segments)
    && p.segments.every((s: Partial<Segment>) => typeof s === 'object' && s !== null && Number.isInteger(s.id) && typeof s.file === 'string' && Number.isInteger(s.rows)
      && (s.kind === undefined || s.kind === 'rows' || s.kind === 'files'));
  if (!ok) throw new EngineError('ENG_RUN_CHECKPOINT', `sink "${node}": the pending state in the checkpoint is not a lake sink's`, { node });
  return p.segments as Segment[];
}

async function syncDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

registerNode('sink.lake', {
  kind: 'sink',
  create: (spec: Extract<NodeSpec, { type: 'sink.lake' }>, ctx) => new LakeSink(spec.config, ctx),
});
