// `sink.clickhouse`: ClickHouse over its HTTP interface, on the runtime's two-phase checkpoint protocol
// (engine/runtime/README.md). ClickHouse has no multi-statement transactions, so exactly-once comes from
// idempotent writes plus a commit log:
//
// - write(): appends are encoded as RowBinary right away (encoder.ts) and streamed into a stage table of
//   the interval (stage.ts); each batch goes to the staging file of the coming checkpoint as it arrives
//   (staging.ts append): as that RowBinary when it gives the rows back exactly (codec.ts), else as v8
//   rows. Windowed rows are staged as rows and kept in memory.
// - prepare(N): the staging file is made durable; chk-N.json names it as the pending segment; the
//   stage's body ends (the stage is only a shortcut: the staging file is what makes N durable).
// - commit(N): read max(checkpoint_id) of this pipeline and node in `streamlake_commits` (a MergeTree log);
//   at or above N nothing is done. Otherwise the rows reach the table as ONE block, then the log row is
//   inserted. Rows are never sent to the table itself: ClickHouse 18.16 keeps the part of a body it got
//   when the client dies mid-send, so they go to a private Memory stage table (streamed while the input
//   was read, or sent at commit), whose row count is checked, and then one `INSERT … SELECT` squashed into
//   one block moves them (stage.ts), whole or not at all; into an existing plain MergeTree, the stage is
//   a MergeTree of the table's shape instead, its parts written while rows arrive, and the commit attaches
//   them (ATTACH PARTITION tuple() FROM), its batch token recorded first in `streamlake_attaches`. A segment staged only as RowBinary whose stream
//   is gone (a restore) is sent from the staging file as it is into a stage and moved the same way
//   (commitStaged). A crash between the move and the log row is caught by the next attempt:
//   - appends (MergeTree) carry `_streamlake_batch` = "<pipeline>/<node>/<N>" (or an attached stage's
//     recorded token); if rows of that batch are already in the table, the insert is skipped and only the
//     log row is written (a token with only part of its rows, an attach cut short, is deleted first);
//   - windowed output (ReplacingMergeTree(_version) ORDER BY the upsert key) carries `_version` = N, so a
//     replayed block holds the same rows with the same version and collapses with them; a retracted key
//     (session merge) is written as a tombstone row with `_deleted` = 1.
//   Readers see exactly one row per key with `SELECT … FROM t FINAL WHERE _deleted = 0` (or
//   `argMax(col, _version)` grouped by the key, then dropping keys whose argMax(_deleted, _version) is 1).
// - a value a column cannot take fails the insert before anything lands (one block); the rows are then
//   parsed one by one into a Null-engine twin of the table, each refused row goes to the error port with
//   the server's message, and the others are inserted as one block.
// - connection errors are retried with backoff; then the run fails with ENG_CLICKHOUSE_UNAVAILABLE and the
//   rows stay in the checkpoint for the next run. A move or attach that got no answer may still run on the
//   server (or reach it later): the next attempt drops its stage before counting anything (settle).
import { EngineError } from '../../errors.ts';
import type { ClickHouseSinkConfig, NodeSpec } from '../../format/pipeline.ts';
import { registerNode } from '../../nodes/registry.ts';
import { faultPoint } from '../../runtime/faults.ts';
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row, SinkInstance, SinkSummary } from '../../runtime/types.ts';
import { mergeSegments, type Segment } from '../pending.ts';
import { withRetry, type RetryPolicy } from '../retry.ts';
import { StagedSink, type CommitWork } from '../staged.ts';
import type { StagedRef } from '../staging.ts';
import { clickhouseConnectionFor, type ClickHouseConnection } from './connections.ts';
import { clickhouse, clickhouseJson, ClickHouseError, isTransientClickHouse, type ClickHouseEndpoint } from './http.ts';
import { combineLayouts, layoutTypes, parseMeta, planFor, rowBinaryCodec, stageColumns } from './codec.ts';
import { RowBinaryEncoder } from './encoder.ts';
import { inferColumns, jsonEachRow, quoteIdent, quoteString } from './sql.ts';
import { attachStage, dropStage, dropStaleStages, moveStage, newBatchToken, newStageName, stagePrefix, StageStream, stageRows } from './stage.ts';

const PENDING_FORMAT = 'streamlake.clickhouse-pending';
const COMMITS_TABLE = 'streamlake_commits';
/** Batch tokens of attached stages, recorded before the attach (stage.ts): what a later attempt counts. */
const ATTACHES_TABLE = 'streamlake_attaches';
/** How long write() waits for the table's shape before an interval (readTarget). */
const TARGET_READ_MS = 5_000;
/** How long dropping an unsettled stage may wait for the move or attach still reading it (as long as a move may take). */
const SETTLE_MS = 600_000;
/** How long a repair waits for its ALTER … DELETE mutation. */
const MUTATION_WAIT_MS = 600_000;
const BATCH_COLUMN = '_streamlake_batch';
const VERSION_COLUMN = '_version';
const DELETED_COLUMN = '_deleted';
/** ClickHouse error codes of a value that does not parse or fit (the row goes to the error port). */
const DATA_ERRORS = new Set([6, 26, 27, 32, 38, 41, 53, 69, 70, 72, 117, 130, 131, 190, 321]);

export interface ClickHouseSinkOptions {
  connection?: ClickHouseConnection;
}

export class ClickHouseSink implements SinkInstance {
  /** Staging, segments, figures and refused rows (staged.ts); RowBinary of the appends (encoder.ts). */
  private readonly staged: StagedSink<RowBinaryEncoder>;
  private readonly retry: RetryPolicy;
  private endpoint: ClickHouseEndpoint | null = null;
  private tombstones = 0;
  /** Stage tables of this node: the prefix, the ones this process fills or holds, and the sweep done once. */
  private readonly stagePrefix: string;
  private readonly stages = new Set<string>();
  private swept = false;
  /**
   * Stages a move or attach was sent from without the server's answer (a dropped connection, a timeout):
   * that statement may still run, or its request reach the server later. The next attempt drops them
   * before it counts anything (settle).
   */
  private readonly unsettled = new Set<string>();
  /** Checkpoints this sink has begun to commit (a second attempt may find rows of the first). */
  private readonly tried = new Set<number>();
  /** The last committed id commit() read just before its first attempt (which need not read it again). */
  private justRead: { id: number; last: number | null } | null = null;
  private logReady = false;
  /** Prepared intervals whose stage holds their appends, by checkpoint id. */
  private readonly streamed = new Map<number, RowBinaryEncoder>();
  /**
   * The table's columns when a stage of its shape can be attached to it (readTarget), for the next
   * interval's encoder; undefined: to be read before the interval's first rows (again after each commit).
   */
  private target: ReadonlyMap<string, string> | null | undefined = undefined;
  private readonly keyed: boolean;
  private attachesReady = false;

  constructor(private readonly config: ClickHouseSinkConfig, private readonly ctx: NodeContext, private readonly options: ClickHouseSinkOptions = {}) {
    // the table's engine is fixed at creation, and a window's first emission carries no key: the sink's
    // own setting, else what the graph tells (a window upstream), decides from the first row
    const key = config.key && config.key.length > 0 ? config.key : ctx.upsertKey;
    this.keyed = key !== undefined && key.length > 0;
    this.stagePrefix = stagePrefix(config.table, ctx.pipelineName, ctx.nodeId);
    this.staged = new StagedSink(ctx, 'clickhouse', PENDING_FORMAT, () => new RowBinaryEncoder((columns, attach) => this.openStage(columns, attach), () => this.target ?? null), key, rowBinaryCodec);
    this.retry = {
      ctx, retries: config.retries ?? 5, transient: isTransientClickHouse,
      fatal: (error, what) => {
        const e = error as ClickHouseError;
        return new EngineError('ENG_CLICKHOUSE_WRITE', `sink "${ctx.nodeId}" could not ${what} in ${config.table}: ${e.message}${e.code === null || e.code === undefined ? '' : ` (code ${e.code})`}`, { node: ctx.nodeId, code: e.code }, { cause: error });
      },
      exhausted: (error, what, attempts) => new EngineError('ENG_CLICKHOUSE_UNAVAILABLE', `sink "${ctx.nodeId}" could not ${what}: ClickHouse did not answer after ${attempts} attempts (${(error as Error).message}). Nothing of this checkpoint is lost: it is written when the pipeline runs again.`, { node: ctx.nodeId }, { cause: error }),
      retried: () => this.staged.retried(),
    };
  }

  async write(batch: Batch): Promise<void> {
    if (this.target === undefined && !this.keyed) this.target = await this.readTarget();
    await this.staged.write(batch);
    await this.staged.encoder.drained();
  }

  async prepare(info: CheckpointInfo): Promise<{ format: string; segments: StagedRef[] }> {
    const encoder = this.staged.encoder;
    // the body ends first: the server parses what is left and writes the stage's last part while the
    // staging file is made durable (a stage that turns out not to be used is dropped below)
    encoder.seal();
    const { pending, encoded } = await this.staged.prepare(info);
    if (encoded) {
      this.streamed.set(info.id, encoder);
    } else {
      await this.forget(encoder);
    }
    return pending;
  }

  async commit(info: CheckpointInfo, pending: unknown): Promise<void> {
    const refs = this.staged.refs(info, pending);
    if (refs.length === 0) return;
    // Already in the target (a restore repeating the last commit): its staging files are gone, nothing to read.
    const committed = await this.lastCommittedId();
    if (committed === null || committed < info.id) {
      this.justRead = { id: info.id, last: committed };
      // one append-only segment staged by this process: its stage is filled; otherwise the staged rows
      const work = this.staged.work(info.id, refs);
      await this.staged.commit(this.retry, info.id, () => this.commitOnce(work, refs));
    }
    await this.staged.committed(info.id, refs);
    for (const id of this.tried) if (id <= info.id) this.tried.delete(id); // committed: never attempted again
    this.target = undefined; // the commit may have made the table or added columns
    for (const [id, encoder] of this.streamed) {
      if (id > info.id) continue;
      this.streamed.delete(id);
      await this.forget(encoder);
    }
  }

  async lastCommittedId(): Promise<number | null> {
    return withRetry(this.retry, 'read its last commit', async () => this.readLastCommitted(await this.connect()));
  }

  rejected(): DeadLetter[] {
    return this.staged.rejected();
  }

  async close(): Promise<SinkSummary> {
    for (const encoder of [this.staged.encoder, ...this.streamed.values()]) await this.forget(encoder);
    this.streamed.clear();
    await this.staged.close();
    const f = this.staged.figures;
    return { rows: f.rows, batches: f.batches, retries: f.retries, rejected: f.rejected, tombstones: this.tombstones, commitMs: f.commitMs };
  }

  private batchId(id: number): string {
    return `${this.ctx.pipelineName}/${this.ctx.nodeId}/${id}`;
  }

  /** A stage for an interval's appends, streamed from write() on (encoder.ts). */
  private openStage(columns: { name: string; type: string }[], attach: boolean): StageStream {
    const name = newStageName(this.stagePrefix);
    this.stages.add(name);
    const to = attach ? { target: this.config.table, batchColumn: BATCH_COLUMN, batch: newBatchToken(this.ctx.pipelineName, this.ctx.nodeId) } : null;
    return new StageStream(() => this.connect(), name, columns, to);
  }

  /**
   * The table's columns (name → full type, without the batch column) when appends can be attached to it:
   * a plain MergeTree without PARTITION BY that has the batch column. Null otherwise, or when it cannot be
   * read (the interval then uses a Memory stage and the move, as before).
   */
  private async readTarget(): Promise<ReadonlyMap<string, string> | null> {
    // write() waits for this once an interval: a server that does not answer soon only costs the shortcut
    const quick = async <R>(ep: ClickHouseEndpoint, sql: string): Promise<R[]> =>
      (await clickhouse(ep, `${sql} FORMAT JSONEachRow`, { timeoutMs: TARGET_READ_MS })).split('\n').filter(Boolean).map((line) => JSON.parse(line) as R);
    try {
      const ep = await this.connect();
      const [table] = await quick<{ engine: string; partition_key: string }>(ep, `SELECT engine, partition_key FROM system.tables WHERE database = currentDatabase() AND name = ${quoteString(this.config.table)}`);
      if (!table || table.engine !== 'MergeTree' || table.partition_key !== '') return null;
      const columns = await quick<{ name: string; type: string }>(ep, `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ${quoteString(this.config.table)}`);
      const types = new Map(columns.map((c) => [c.name, c.type]));
      if (types.get(BATCH_COLUMN) !== 'String') return null;
      types.delete(BATCH_COLUMN);
      return types;
    } catch {
      return null;
    }
  }

  /**
   * Runs a statement that reads `stage` (its move or attach). Without the server's own answer the stage
   * stays unsettled: ClickHouse runs such a statement to its end when the client goes away (an
   * `INSERT … SELECT` of 18.16 kept running and landed its block 1.7 s after the socket was destroyed),
   * so a retry that counted the batch's rows meanwhile saw none and wrote them again.
   */
  private async fromStage<R>(stage: string, statement: () => Promise<R>): Promise<R> {
    this.unsettled.add(stage);
    const result = await statement().catch((error: unknown) => {
      // a ClickHouse error code is the server's answer: the statement ended (a gateway's 502 is not)
      if (error instanceof ClickHouseError && error.code !== null) this.unsettled.delete(stage);
      throw error;
    });
    this.unsettled.delete(stage);
    return result;
  }

  /**
   * Drops the unsettled stages before anything is counted. A DROP waits for the statements reading the
   * table (the move or attach still running, whose rows are then in the table), and a request of one that
   * reaches the server only later finds no table: afterwards the counts are final. The stage's rows are
   * then written from the staging file if they are not in the table.
   */
  private async settle(ep: ClickHouseEndpoint): Promise<void> {
    for (const stage of this.unsettled) {
      this.ctx.log('info', `sink "${this.ctx.nodeId}": the last move or attach from ${stage} got no answer; dropping the stage (waiting for that statement, should it still run) before counting what landed`);
      await dropStage(ep, stage, SETTLE_MS).catch((error: unknown) => {
        if (error instanceof ClickHouseError && error.code !== null) throw error;
        // no answer again: said plainly, as a transient error (retried; in the end ENG_CLICKHOUSE_UNAVAILABLE)
        throw new ClickHouseError(`the stage ${stage} of an earlier attempt could not be dropped (its move or attach may still be running; DROP TABLE waits for it, here up to ${SETTLE_MS / 1000} s): ${(error as Error).message}`, null, null);
      });
      this.unsettled.delete(stage);
      this.stages.delete(stage);
    }
  }

  /** Drops a stage of the commit once it is done with; one that cannot be dropped stays unsettled when it was. */
  private async dropSent(ep: ClickHouseEndpoint, stage: string): Promise<void> {
    const dropped = await dropStage(ep, stage, SETTLE_MS).then(() => true, () => false);
    if (dropped) this.unsettled.delete(stage);
    this.stages.delete(stage);
  }

  /** Drops an interval's stage that will not be moved (the encoder is done with). */
  private async forget(encoder: RowBinaryEncoder): Promise<void> {
    const stage = encoder.stage;
    await encoder.discard();
    if (stage) this.stages.delete(stage.name);
  }

  private async commitOnce({ id, load, encoded }: CommitWork<RowBinaryEncoder>, refs: readonly StagedRef[]): Promise<DeadLetter[]> {
    const ep = await this.connect();
    await this.ensureCommitLog(ep);
    await this.settle(ep);
    if (!this.swept) {
      await dropStaleStages(ep, this.stagePrefix, this.stages);
      this.swept = true;
    }
    // the commit log has only this node's own rows for this pipeline: what commit() read stands until
    // an attempt of this process writes one (a retry reads it again)
    const known = this.justRead?.id === id ? this.justRead : null;
    this.justRead = null;
    const last = known ? known.last : await this.readLastCommitted(ep);
    if (last !== null && last >= id) return [];
    const rejected: DeadLetter[] = [];
    const first = !this.tried.has(id);
    this.tried.add(id);
    const written = encoded
      ? await this.commitEncoded(ep, id, encoded, load, rejected, first)
      : await this.commitStaged(ep, id, refs) ?? await this.commitRows(ep, id, mergeSegments(await load()), rejected);
    // crash tests die here: the rows landed, the log row did not (STREAMLAKE_FAULT=clickhouse.before-commit-log)
    faultPoint('clickhouse.before-commit-log');
    const log = JSON.stringify({ pipeline: this.ctx.pipelineName, node: this.ctx.nodeId, checkpoint_id: id, table_name: this.config.table, row_count: written });
    await clickhouse(ep, `INSERT INTO ${COMMITS_TABLE} (pipeline, node, checkpoint_id, table_name, row_count) FORMAT JSONEachRow`, { body: log + '\n' });
    this.staged.wrote(written);
    return rejected;
  }

  /**
   * Appends streamed into their stage while they arrived: the same table and batch check as for the
   * rows, then the stage moved as one block with the batch column. A stage the server did not take whole
   * (a refused value, a restart), or a table whose columns are not the types the stage was written for,
   * sends the staged rows as JSONEachRow instead (finding the refused ones). Returns rows written.
   *
   * `first`: the first attempt at this checkpoint, whose interval this process streamed: nothing of it
   * can be in the table yet (an earlier process never had these rows; the checkpoint is committed only
   * once it is durable, and a restore of it goes through commitStaged/commitRows, which count). So the
   * count is skipped; it reads the whole batch column of the table (no index on it), 0.2 s at 1 M rows
   * on the loaded test machine, growing with the table at every checkpoint.
   */
  private async commitEncoded(ep: ClickHouseEndpoint, id: number, encoded: RowBinaryEncoder, load: () => Promise<Segment[]>, rejected: DeadLetter[], first: boolean): Promise<number> {
    const columns = await this.ensureTable(ep, encoded.types(), undefined);
    const table = quoteIdent(this.config.table);
    const landed = first ? null : await this.landedRows(ep, table, id);
    if (landed !== null) return landed;
    const plan = encoded.plan(columns);
    const stage = encoded.stage;
    if (plan && stage && await stage.end() && await stageRows(ep, stage.name, stage.attach !== null) === encoded.rows) {
      if (stage.attach && await this.attachOrMove(ep, id, stage.name, stage.attach.batch, encoded.rows)) return encoded.rows;
      await this.fromStage(stage.name, () => moveStage(ep, stage.name, this.config.table, [...plan.columns, BATCH_COLUMN], [...plan.select, quoteString(this.batchId(id))], encoded.rows));
      return encoded.rows;
    }
    if (stage?.failed) this.ctx.log('info', `sink "${this.ctx.nodeId}": checkpoint ${id}'s appends are written from the staged rows (the stream into ClickHouse ended with: ${stage.failed.message})`);
    const { rows } = mergeSegments(await load());
    return this.insertScreened(ep, rows, columns, { [BATCH_COLUMN]: this.batchId(id) }, rejected);
  }

  /**
   * One segment staged only as RowBinary (a restore after a crash between the checkpoint and its commit,
   * or a lost stream whose encoder is gone): the staged bytes go as they are into a stage table and are
   * moved like a streamed stage. Null when the segment is not that, or the table does not take the values
   * as written, or the server refuses one: the caller writes the rows read back from it.
   */
  private async commitStaged(ep: ClickHouseEndpoint, id: number, refs: readonly StagedRef[]): Promise<number | null> {
    const ref = refs.length === 1 ? refs[0] : undefined;
    const records = ref ? await this.staged.staging.readEncoded(ref, this.ctx.nodeId) : null;
    const layout = records ? combineLayouts(records.map((r) => parseMeta(r.meta))) : null;
    if (!records || !layout) return null;
    const rows = records.reduce((n, r) => n + r.rows, 0);
    const columns = await this.ensureTable(ep, layoutTypes(layout), undefined);
    const landed = await this.landedRows(ep, quoteIdent(this.config.table), id);
    if (landed !== null) return landed;
    const plan = planFor(layout, columns);
    if (!plan) return null;
    const stage = newStageName(this.stagePrefix);
    this.stages.add(stage);
    try {
      await clickhouse(ep, `CREATE TABLE ${quoteIdent(stage)} (${stageColumns(layout).map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')}) ENGINE = Memory`);
      try {
        await clickhouse(ep, `INSERT INTO ${quoteIdent(stage)} FORMAT RowBinary`, { body: Buffer.concat(records.map((r) => r.bytes)), settings: { max_insert_block_size: Math.max(rows + 1, 1_048_576) }, timeoutMs: 600_000 });
      } catch (error) {
        if (!isDataError(error)) throw error;
        this.ctx.log('info', `sink "${this.ctx.nodeId}": checkpoint ${id}'s staged RowBinary was refused (${(error as Error).message}); writing its rows`);
        return null;
      }
      const staged = await stageRows(ep, stage);
      if (staged !== rows) throw new ClickHouseError(`the stage table ${stage} holds ${staged ?? 'no'} of ${rows} rows`, null, null);
      await this.fromStage(stage, () => moveStage(ep, stage, this.config.table, [...plan.columns, BATCH_COLUMN], [...plan.select, quoteString(this.batchId(id))], rows));
      this.ctx.log('info', `sink "${this.ctx.nodeId}": checkpoint ${id} written from its staged RowBinary (${rows} rows)`);
      return rows;
    } finally {
      await this.dropSent(ep, stage);
    }
  }

  /**
   * Records the stage's batch token, then attaches the stage's parts to the table (true). False when the
   * server refuses the attach (the table changed shape since the stage was made): the caller moves it.
   */
  private async attachOrMove(ep: ClickHouseEndpoint, id: number, stage: string, batch: string, rows: number): Promise<boolean> {
    if (!this.attachesReady) {
      await clickhouse(ep, `CREATE TABLE IF NOT EXISTS ${ATTACHES_TABLE} (pipeline String, node String, checkpoint_id UInt64, table_name String, batch String, row_count UInt64, attached_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY (pipeline, node, checkpoint_id)`);
      this.attachesReady = true;
    }
    const record = JSON.stringify({ pipeline: this.ctx.pipelineName, node: this.ctx.nodeId, checkpoint_id: id, table_name: this.config.table, batch, row_count: rows });
    await clickhouse(ep, `INSERT INTO ${ATTACHES_TABLE} (pipeline, node, checkpoint_id, table_name, batch, row_count) FORMAT JSONEachRow`, { body: record + '\n' });
    // crash tests die here: the token is recorded, nothing attached (the restore writes the staged rows)
    faultPoint('clickhouse.before-attach');
    try {
      await this.fromStage(stage, () => attachStage(ep, stage, this.config.table));
      return true;
    } catch (error) {
      if (!(error instanceof ClickHouseError) || error.status === null || isTransientClickHouse(error)) throw error;
      this.ctx.log('info', `sink "${this.ctx.nodeId}": checkpoint ${id}'s stage could not be attached to ${this.config.table} (${error.message}); moving it`);
      // a refused attach changes nothing; should any of its rows be there all the same, they go first
      const table = quoteIdent(this.config.table);
      const [left] = await clickhouseJson<{ n: string }>(ep, `SELECT count() AS n FROM ${table} WHERE ${quoteIdent(BATCH_COLUMN)} = ${quoteString(batch)}`);
      if (Number(left?.n ?? 0) > 0) await this.deleteBatch(ep, table, batch);
      return false;
    }
  }

  /** Batch tokens of stages recorded for this checkpoint (attachOrMove), with the rows each held. */
  private async attachesOf(ep: ClickHouseEndpoint, id: number): Promise<{ batch: string; rows: number }[]> {
    try {
      const rows = await clickhouseJson<{ batch: string; n: string }>(ep, `SELECT batch, any(row_count) AS n FROM ${ATTACHES_TABLE} WHERE pipeline = ${quoteString(this.ctx.pipelineName)} AND node = ${quoteString(this.ctx.nodeId)} AND checkpoint_id = ${id} AND table_name = ${quoteString(this.config.table)} GROUP BY batch`);
      return rows.map((r) => ({ batch: r.batch, rows: Number(r.n) }));
    } catch (error) {
      if (error instanceof ClickHouseError && error.code === 60) return []; // UNKNOWN_TABLE: nothing ever attached
      throw error;
    }
  }

  /**
   * Rows of this checkpoint already in the table (a crash before the log row), or null: its batch
   * (moved), or a recorded stage token with all its rows (attached). A token with only some of its rows
   * (a server crash in the middle of attaching several parts) is deleted first, so the caller writes the
   * checkpoint again.
   */
  private async landedRows(ep: ClickHouseEndpoint, table: string, id: number): Promise<number | null> {
    const attaches = await this.attachesOf(ep, id);
    const batches = [this.batchId(id), ...attaches.map((a) => a.batch)];
    const counted = await clickhouseJson<{ b: string; n: string }>(ep, `SELECT ${quoteIdent(BATCH_COLUMN)} AS b, count() AS n FROM ${table} WHERE ${quoteIdent(BATCH_COLUMN)} IN (${batches.map(quoteString).join(', ')}) GROUP BY b`);
    const counts = new Map(counted.map((c) => [c.b, Number(c.n)]));
    // the block landed before a crash kept the log row from being written; rows refused then went out then
    const moved = counts.get(this.batchId(id)) ?? 0;
    if (moved > 0) {
      this.ctx.log('info', `sink "${this.ctx.nodeId}": checkpoint ${id}'s rows are already in ${this.config.table}; recording the commit only`);
      return moved;
    }
    for (const { batch, rows } of attaches) {
      const n = counts.get(batch) ?? 0;
      if (n === 0) continue;
      if (n === rows) {
        this.ctx.log('info', `sink "${this.ctx.nodeId}": checkpoint ${id}'s stage is already attached to ${this.config.table}; recording the commit only`);
        return n;
      }
      this.ctx.log('warn', `sink "${this.ctx.nodeId}": checkpoint ${id}'s stage is in ${this.config.table} with ${n} of its ${rows} rows (an attach cut short); deleting them to write the checkpoint again`);
      await this.deleteBatch(ep, table, batch);
    }
    return null;
  }

  /** Deletes a batch's rows with a mutation and waits for it (18.16 has no synchronous mutations). */
  private async deleteBatch(ep: ClickHouseEndpoint, table: string, batch: string): Promise<void> {
    await clickhouse(ep, `ALTER TABLE ${table} DELETE WHERE ${quoteIdent(BATCH_COLUMN)} = ${quoteString(batch)}`);
    const until = this.ctx.clock.now() + MUTATION_WAIT_MS;
    for (;;) {
      const [left] = await clickhouseJson<{ n: string }>(ep, `SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = ${quoteString(this.config.table)} AND is_done = 0`);
      if (Number(left?.n ?? 0) === 0) break;
      if (this.ctx.clock.now() > until) throw new ClickHouseError(`the deletion of batch ${batch} from ${this.config.table} did not finish in ${MUTATION_WAIT_MS / 1000} s`, null, 500);
      await this.ctx.timers.sleep(100);
    }
    const [still] = await clickhouseJson<{ n: string }>(ep, `SELECT count() AS n FROM ${table} WHERE ${quoteIdent(BATCH_COLUMN)} = ${quoteString(batch)}`);
    if (Number(still?.n ?? 0) !== 0) throw new ClickHouseError(`batch ${batch} still has ${still?.n} rows in ${this.config.table} after its deletion`, null, 500);
  }

  /** Windowed rows, several segments, or appends without their TSV. Returns rows written. */
  private async commitRows(ep: ClickHouseEndpoint, id: number, merged: ReturnType<typeof mergeSegments>, rejected: DeadLetter[]): Promise<number> {
    let written = 0;
    if (merged.rows.length > 0 || merged.retract.length > 0) {
      const columns = await this.ensureTable(ep, inferColumns([...merged.rows, ...merged.retract]), merged.upsertKey);
      const table = quoteIdent(this.config.table);
      if (merged.upsertKey) {
        const extra = { [VERSION_COLUMN]: id, [DELETED_COLUMN]: 0 };
        const tombstones = jsonEachRow(merged.retract, columns, { [VERSION_COLUMN]: id, [DELETED_COLUMN]: 1 });
        written = await this.insertScreened(ep, merged.rows, columns, extra, rejected, tombstones, merged.retract.length);
        this.tombstones += merged.retract.length;
      } else {
        const extra = { [BATCH_COLUMN]: this.batchId(id) };
        written = (await this.landedRows(ep, table, id)) ?? await this.insertScreened(ep, merged.rows, columns, extra, rejected);
      }
    }
    return written;
  }

  /**
   * Inserts the rows (and `tail`, tombstones) as one block. When the server refuses a value, nothing
   * landed: the refused rows are found through the Null twin and the rest is inserted. Returns rows written.
   */
  private async insertScreened(ep: ClickHouseEndpoint, rows: Row[], columns: ReadonlyMap<string, string>, extra: Row, rejected: DeadLetter[], tail = '', tailRows = 0): Promise<number> {
    try {
      await this.insert(ep, rows.length + tailRows, jsonEachRow(rows, columns, extra) + tail, [...columns.keys(), ...Object.keys(extra)]);
      return rows.length;
    } catch (error) {
      if (!isDataError(error)) throw error;
    }
    const good = await this.screen(ep, rows, columns, extra, rejected);
    await this.insert(ep, good.length + tailRows, jsonEachRow(good, columns, extra) + tail, [...columns.keys(), ...Object.keys(extra)]);
    return good.length;
  }

  /**
   * One block, whole or not at all: the body goes into a stage table shaped like the target (a refused
   * value fails here, before anything reaches the table), and once the stage holds every row it is moved.
   */
  private async insert(ep: ClickHouseEndpoint, rows: number, body: string, names: readonly string[]): Promise<void> {
    if (rows === 0) return;
    const stage = newStageName(this.stagePrefix);
    this.stages.add(stage);
    try {
      await clickhouse(ep, `CREATE TABLE ${quoteIdent(stage)} AS ${quoteIdent(this.config.table)} ENGINE = Memory`);
      await clickhouse(ep, `INSERT INTO ${quoteIdent(stage)} FORMAT JSONEachRow`, { body, settings: { max_insert_block_size: Math.max(rows + 1, 1_048_576) } });
      const staged = await stageRows(ep, stage);
      // not all there (the server restarted in between): nothing was moved; the retry loop tries again
      if (staged !== rows) throw new ClickHouseError(`the stage table ${stage} holds ${staged ?? 'no'} of ${rows} rows`, null, null);
      const list = names.map(quoteIdent);
      await this.fromStage(stage, () => moveStage(ep, stage, this.config.table, names, list, rows));
    } finally {
      await this.dropSent(ep, stage);
    }
  }

  /**
   * The rows the table can take: each row is parsed alone into a Null-engine twin of the table (which
   * writes nothing), and the refused ones become dead letters with the server's message.
   */
  private async screen(ep: ClickHouseEndpoint, rows: Row[], columns: ReadonlyMap<string, string>, extra: Row, rejected: DeadLetter[]): Promise<Row[]> {
    if (rows.length === 0) return rows;
    const twin = quoteIdent(`${this.config.table}_streamlake_check`);
    await clickhouse(ep, `DROP TABLE IF EXISTS ${twin}`);
    await clickhouse(ep, `CREATE TABLE ${twin} AS ${quoteIdent(this.config.table)} ENGINE = Null`);
    try {
      const good: Row[] = [];
      const at = new Date(this.ctx.clock.now());
      for (const row of rows) {
        try {
          await clickhouse(ep, `INSERT INTO ${twin} FORMAT JSONEachRow`, { body: jsonEachRow([row], columns, extra) });
          good.push(row);
        } catch (error) {
          if (!isDataError(error)) throw error;
          const e = error as ClickHouseError;
          rejected.push({ reason: `ClickHouse refused the row for ${this.config.table}: ${e.message} (code ${e.code})`, node: this.ctx.nodeId, port: 'error', payload: row, at });
        }
      }
      return good;
    } finally {
      await clickhouse(ep, `DROP TABLE IF EXISTS ${twin}`).catch(() => undefined);
    }
  }

  /** Creates the table or adds missing columns; returns name → type of the columns rows are written to. */
  private async ensureTable(ep: ClickHouseEndpoint, inferred: Map<string, string>, upsertKey: string[] | undefined): Promise<Map<string, string>> {
    for (const k of upsertKey ?? []) if (!inferred.has(k)) inferred.set(k, 'String');
    const existing = await clickhouseJson<{ name: string; type: string }>(ep, `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ${quoteString(this.config.table)}`);
    const table = quoteIdent(this.config.table);
    const types = new Map<string, string>();
    if (existing.length === 0) {
      const key = new Set(upsertKey ?? []);
      const defs = [...inferred].map(([name, type]) => {
        const full = key.has(name) ? type : `Nullable(${type})`;
        types.set(name, full);
        return `${quoteIdent(name)} ${full}`;
      });
      const ddl = upsertKey
        ? `CREATE TABLE IF NOT EXISTS ${table} (${defs.join(', ')}, ${VERSION_COLUMN} UInt64, ${DELETED_COLUMN} UInt8) ENGINE = ReplacingMergeTree(${VERSION_COLUMN}) ORDER BY (${upsertKey.map(quoteIdent).join(', ')})`
        : `CREATE TABLE IF NOT EXISTS ${table} (${defs.join(', ')}, ${BATCH_COLUMN} String) ENGINE = MergeTree ORDER BY tuple()`;
      await clickhouse(ep, ddl);
      this.ctx.log('info', `sink "${this.ctx.nodeId}": created ClickHouse table ${this.config.table} with ${inferred.size} columns`);
      return types;
    }
    const have = new Map(existing.map((c) => [c.name, c.type]));
    if (!upsertKey && !have.has(BATCH_COLUMN)) {
      throw new EngineError('ENG_CLICKHOUSE_WRITE', `sink "${this.ctx.nodeId}": table ${this.config.table} has no ${BATCH_COLUMN} column, which appends need to stay exactly once; let the sink create the table, or add the column (String)`, { node: this.ctx.nodeId });
    }
    if (upsertKey && !have.has(VERSION_COLUMN)) {
      throw new EngineError('ENG_CLICKHOUSE_WRITE', `sink "${this.ctx.nodeId}": table ${this.config.table} has no ${VERSION_COLUMN} column; windowed output needs a ReplacingMergeTree(${VERSION_COLUMN}) ordered by ${upsertKey.join(', ')}. Drop the table made for appends; with a window feeding the sink directly or through filters the new one is keyed from the first commit, otherwise set the sink's "key" to ${JSON.stringify(upsertKey)} (a window marks its rows as keyed only once it re-emits)`, { node: this.ctx.nodeId });
    }
    for (const [name, type] of inferred) {
      const had = have.get(name);
      if (had) {
        types.set(name, had);
        continue;
      }
      // 18.16 has no ADD COLUMN IF NOT EXISTS; a concurrent add shows as code 44 (duplicate column)
      await clickhouse(ep, `ALTER TABLE ${table} ADD COLUMN ${quoteIdent(name)} Nullable(${type})`).catch((error: unknown) => {
        if (!(error instanceof ClickHouseError && error.code === 44)) throw error;
      });
      types.set(name, `Nullable(${type})`);
      this.ctx.log('info', `sink "${this.ctx.nodeId}": added column ${name} Nullable(${type}) to ${this.config.table}`);
    }
    return types;
  }

  /**
   * The commit log, created once per sink instance (one round trip less in each later commit; a log
   * dropped during a run fails its next commit with UNKNOWN_TABLE, and the next run creates it again).
   */
  private async ensureCommitLog(ep: ClickHouseEndpoint): Promise<void> {
    if (this.logReady) return;
    await clickhouse(ep, `CREATE TABLE IF NOT EXISTS ${COMMITS_TABLE} (pipeline String, node String, checkpoint_id UInt64, table_name String, row_count UInt64, committed_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY (pipeline, node, checkpoint_id)`);
    this.logReady = true;
  }

  private async readLastCommitted(ep: ClickHouseEndpoint): Promise<number | null> {
    try {
      const rows = await clickhouseJson<{ n: string; id: string }>(ep, `SELECT count() AS n, max(checkpoint_id) AS id FROM ${COMMITS_TABLE} WHERE pipeline = ${quoteString(this.ctx.pipelineName)} AND node = ${quoteString(this.ctx.nodeId)}`);
      return Number(rows[0]?.n ?? 0) === 0 ? null : Number(rows[0]?.id);
    } catch (error) {
      if (error instanceof ClickHouseError && error.code === 60) return null; // UNKNOWN_TABLE: never committed
      throw error;
    }
  }

  private async connect(): Promise<ClickHouseEndpoint> {
    if (this.endpoint) return this.endpoint;
    const c = this.options.connection ?? (await clickhouseConnectionFor(this.config.connection, this.ctx.homeDir));
    this.endpoint = { url: c.url, user: c.user, ...(c.password === undefined ? {} : { password: c.password }), ...(c.database ? { database: c.database } : {}) };
    return this.endpoint;
  }
}

function isDataError(error: unknown): boolean {
  return error instanceof ClickHouseError && error.code !== null && DATA_ERRORS.has(error.code);
}

registerNode('sink.clickhouse', {
  kind: 'sink',
  create: (spec: Extract<NodeSpec, { type: 'sink.clickhouse' }>, ctx) => new ClickHouseSink(spec.config, ctx),
});
