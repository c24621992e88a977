// `sink.cassandra`: Apache Cassandra through cassandra-driver, on the runtime's two-phase checkpoint
// protocol (engine/runtime/README.md). Cassandra has no multi-statement transactions; exactly-once comes
// from writes that are idempotent by primary key plus a commit record:
//
// - write()/prepare(N): the rows go to the staging file of the coming checkpoint as they arrive, which
//   prepare(N) makes durable and names in chk-N.json (staged.ts). Of appends only their columns are kept
//   (held.ts): the commit reads the staged rows back record by record and writes them as it reads, so its
//   memory is bounded by the batches in flight, not the interval.
// - commit(N): read the highest checkpoint id of this pipeline and node in `<keyspace>.streamlake_commits`;
//   at or above N nothing is done. Otherwise every row is written with a prepared INSERT (bounded
//   concurrent executes: each row is its own partition, so batches would not save round trips), retracted
//   keys are deleted, and only then the commit record is written. A crash in between (fault point
//   `cassandra.before-commit-log`) makes the next attempt write the same rows under the same primary keys:
//   they overwrite themselves. Windowed rows are keyed by the upsert key; appends by the sink's `key`, or by
//   `streamlake_id` = pipeline/node/<checkpoint of its segment>/<position>, fixed once the segment is staged.
// - a value a column cannot take is sent alone as a CQL literal, so Cassandra refuses it with its own
//   message; that row goes to the error port and the others are written.
// - timeouts, too few replicas and lost connections are retried with backoff; then the run fails with
//   ENG_CASSANDRA_UNAVAILABLE and the rows stay in the checkpoint for the next run.
import { types, type Client } from 'cassandra-driver';
import { EngineError } from '../../errors.ts';
import type { CassandraConsistency, CassandraSinkConfig, NodeSpec } from '../../format/pipeline.ts';
import { registerNode } from '../../nodes/registry.ts';
import { faultPoint } from '../../runtime/faults.ts';
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row, SinkInstance, SinkSummary } from '../../runtime/types.ts';
import { commitStreamed, FoldedAppends, RowGauge, type StreamedWork } from '../held.ts';
import { mergeSegments } from '../pending.ts';
import { withRetry, type RetryPolicy } from '../retry.ts';
import { StagedSink } from '../staged.ts';
import type { StagedRef, StagedRows } from '../staging.ts';
import { cassandraClient, cassandraMessage, closeClient, errorCodeText, isRefusal, isTransientCassandra } from './client.ts';
import { cassandraConnectionFor, type CassandraConnection } from './connections.ts';
import { boundValue, ColumnFold, fits, inferColumns, literal, quoteIdent } from './cql.ts';

const PENDING_FORMAT = 'streamlake.cassandra-pending';
const COMMITS_TABLE = 'streamlake_commits';
export const ID_COLUMN = 'streamlake_id';
/**
 * `inFlight`: batches (or single writes) in flight at once per sink, the bound on what one commit asks of
 * the cluster and on the rows it holds. `rows`/`bytes`: statements per unlogged batch and its rough size,
 * well under Cassandra's batch_size_fail_threshold (50 KiB by default), above its warn threshold (5 KiB),
 * which only logs.
 */
export interface BatchLimits {
  inFlight: number;
  rows: number;
  bytes: number;
}

export const BATCH_LIMITS: BatchLimits = { inFlight: 16, rows: 32, bytes: 24 * 1024 };

const levels: Record<CassandraConsistency, number> = {
  ANY: types.consistencies.any, ONE: types.consistencies.one, TWO: types.consistencies.two, THREE: types.consistencies.three,
  QUORUM: types.consistencies.quorum, ALL: types.consistencies.all, LOCAL_QUORUM: types.consistencies.localQuorum,
  EACH_QUORUM: types.consistencies.eachQuorum, LOCAL_ONE: types.consistencies.localOne,
};

export interface CassandraSinkOptions {
  connection?: CassandraConnection;
  /** Batch size and batches in flight (tests use small ones; default BATCH_LIMITS). */
  limits?: BatchLimits;
  /** Counts the rows a commit holds at once (tests check the bound). */
  gauge?: RowGauge;
}

interface TableShape {
  /** name → CQL type of the columns rows are written to. */
  columns: Map<string, string>;
  primaryKey: string[];
  /** Appends keyed by the sink's own row id. */
  withId: boolean;
}

type Write = { kind: 'upsert'; row: Row; id?: string } | { kind: 'delete'; key: Row };

export class CassandraSink implements SinkInstance {
  /** Staging, segments, the upsert key, figures and refused rows (staged.ts); the appends' columns folded. */
  private readonly staged: StagedSink<FoldedAppends<ColumnFold>>;
  private readonly limits: BatchLimits;
  private readonly gauge: RowGauge;
  private readonly retry: RetryPolicy;
  /** The sink's `key`, else the key the graph gives (NodeContext.upsertKey). */
  private readonly configuredKey: string[] | undefined;
  private client: Client | null = null;
  private commitTableReady = false;
  /** The table as last read or made (saves reading the schema on every commit). */
  private shape: TableShape | null = null;
  private readonly maxRetries: number;
  private readonly writeLevel: number;
  private readonly readLevel: number;
  private readonly target: string;
  private deleted = 0;

  constructor(private readonly config: CassandraSinkConfig, private readonly ctx: NodeContext, private readonly options: CassandraSinkOptions = {}) {
    this.maxRetries = config.retries ?? 5;
    const level = config.consistency ?? 'LOCAL_QUORUM';
    this.writeLevel = levels[level];
    // ANY is a write-only level; EACH_QUORUM reads are refused by current servers
    this.readLevel = level === 'ANY' ? types.consistencies.one : level === 'EACH_QUORUM' ? types.consistencies.quorum : levels[level];
    this.target = `${quoteIdent(config.keyspace)}.${quoteIdent(config.table)}`;
    // A primary key is fixed when the table is created and a window's first emission carries no key: the
    // sink's own setting, else what the graph tells (a window upstream, runtime/upsert-key.ts), decides
    // from the first row, like sink.clickhouse.
    this.configuredKey = config.key && config.key.length > 0 ? [...config.key] : ctx.upsertKey && ctx.upsertKey.length > 0 ? [...ctx.upsertKey] : undefined;
    // the sink's own `key` keys the table, not the rows: they stay appends until a window marks them keyed
    this.staged = new StagedSink(ctx, 'cassandra', PENDING_FORMAT, () => new FoldedAppends(new ColumnFold()), config.key?.length ? undefined : this.configuredKey);
    this.limits = options.limits ?? BATCH_LIMITS;
    this.gauge = options.gauge ?? new RowGauge();
    const table = `${config.keyspace}.${config.table}`;
    this.retry = {
      ctx, retries: this.maxRetries, transient: isTransientCassandra, describe: cassandraMessage,
      fatal: (error, what) => new EngineError('ENG_CASSANDRA_WRITE', `sink "${ctx.nodeId}" could not ${what} in ${table}: ${cassandraMessage(error)} (${errorCodeText(error)})`, { node: ctx.nodeId }, { cause: error }),
      exhausted: (error, what, attempts) => {
        ctx.report?.(null);
        return new EngineError('ENG_CASSANDRA_UNAVAILABLE', `sink "${ctx.nodeId}" could not ${what}: Cassandra did not answer after ${attempts} attempts (${cassandraMessage(error)}). Nothing of this checkpoint is lost: it is written when the pipeline runs again.`, { node: ctx.nodeId }, { cause: error });
      },
      retried: (error, retry) => {
        this.staged.retried();
        ctx.report?.(`Cassandra is not answering (${cassandraMessage(error)}); retry ${retry} of ${this.maxRetries}`);
      },
      recovered: () => ctx.report?.(null),
    };
  }

  async write(batch: Batch): Promise<void> {
    if (batch.upsertKey) {
      const key = this.configuredKey;
      if (key && [...key].sort().join('\0') !== [...batch.upsertKey].sort().join('\0')) {
        this.ctx.log('warn', `sink "${this.ctx.nodeId}": rows keyed by ${batch.upsertKey.join(', ')} but the sink's key is ${key.join(', ')}`);
      }
    }
    // once the sink has a key it keeps it (StagedSink would also warn when only the order differs)
    const own = this.staged.upsertKey;
    await this.staged.write(batch.upsertKey && own ? { ...batch, upsertKey: own } : batch);
  }

  async prepare(info: CheckpointInfo): Promise<{ format: string; segments: StagedRef[] }> {
    return (await this.staged.prepare(info)).pending;
  }

  async commit(info: CheckpointInfo, pending: unknown): Promise<void> {
    // a repeated attempt re-reads the commit record: its predecessor may have written it before failing
    let attempt = 0;
    await commitStreamed(this.staged, this.retry, info, pending, () => this.lastCommittedId(), (work) => this.commitOnce(work, attempt++ > 0));
  }

  async lastCommittedId(): Promise<number | null> {
    return withRetry(this.retry, 'read its last commit', async () => this.readLastCommitted(await this.connect()));
  }

  rejected(): DeadLetter[] {
    return this.staged.rejected();
  }

  async close(): Promise<SinkSummary> {
    await this.staged.close();
    const client = this.client;
    this.client = null;
    if (client) await closeClient(client);
    const f = this.staged.figures;
    return { rows: f.rows, batches: f.batches, retries: f.retries, rejected: f.rejected, deleted: this.deleted, commitMs: f.commitMs };
  }

  /** `recheck`: a repeated attempt, whose predecessor may have written the commit record before failing. */
  private async commitOnce(work: StreamedWork<ColumnFold>, recheck: boolean): Promise<DeadLetter[]> {
    const id = work.id;
    const client = await this.connect();
    await this.ensureCommitTable(client);
    if (recheck) {
      const last = await this.readLastCommitted(client);
      if (last !== null && last >= id) return [];
    }
    const rejected: DeadLetter[] = [];
    let written = 0;
    const appends = work.fold ?? (this.staged.upsertKey ? null : await this.survey(work));
    if (appends) {
      // appends: the columns are known before the first row is written; the rows are read back as batches go out
      if (appends.rows > 0) {
        const shape = await this.ensureTable(client, appends.columns, undefined);
        const { pipelineName: pipeline, nodeId: node } = this.ctx;
        // a segment's rows and positions are fixed once staged, whichever commit writes them
        const writes = mapParts(work.parts(), (part) => part.rows.map((row, i): Write => ({ kind: 'upsert', row, ...(shape.withId ? { id: `${pipeline}/${node}/${part.segment}/${part.position + i}` } : {}) })));
        written = await this.writeAll(client, shape, writes, rejected);
      }
    } else {
      // windowed rows: settled last row per key (bounded by the number of keys)
      const segments = await work.load();
      const merged = mergeSegments(segments);
      if (merged.rows.length > 0 || merged.retract.length > 0) {
        const shape = await this.ensureTable(client, inferColumns([...merged.rows, ...merged.retract]), merged.upsertKey);
        const writes: Write[] = [];
        if (merged.upsertKey) {
          for (const key of merged.retract) writes.push({ kind: 'delete', key });
          for (const row of merged.rows) writes.push({ kind: 'upsert', row });
        } else {
          // (segments staged by an earlier run with a key, restored by a sink without one)
          for (const s of segments) s.rows.forEach((row, i) => writes.push({ kind: 'upsert', row, ...(shape.withId ? { id: `${this.ctx.pipelineName}/${this.ctx.nodeId}/${s.id}/${i}` } : {}) }));
        }
        written = await this.writeAll(client, shape, [writes], rejected);
        this.deleted += merged.retract.length;
      }
    }
    // crash tests die here: the rows landed, the commit record did not (STREAMLAKE_FAULT=cassandra.before-commit-log)
    faultPoint('cassandra.before-commit-log');
    await client.execute(
      `INSERT INTO ${quoteIdent(this.config.keyspace)}.${COMMITS_TABLE} (pipeline, node, checkpoint_id, table_name, row_count, committed_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [this.ctx.pipelineName, this.ctx.nodeId, types.Long.fromNumber(id), this.config.table, types.Long.fromNumber(written), new Date(this.ctx.clock.now())],
      { prepare: true, consistency: this.writeLevel },
    );
    this.staged.wrote(written);
    return rejected;
  }

  /**
   * A commit of staged segments this process did not fold (a restore, or several checkpoints at once):
   * one read of the staged rows for the columns of the appends, or null when any row is keyed (then the
   * segments are settled as windowed output).
   */
  private async survey(work: StreamedWork<ColumnFold>): Promise<ColumnFold | null> {
    const fold = new ColumnFold();
    for await (const part of work.parts()) {
      if (part.upsertKey) return null;
      fold.add(part.rows);
    }
    return fold;
  }

  /**
   * Every write: those whose values plainly fit go in unlogged batches (at most BATCH_ROWS statements and
   * about BATCH_BYTES, IN_FLIGHT batches at once); a batch the server or driver refuses, and every other
   * write, goes alone. A transient error stops the rest and is thrown (the whole commit is then repeated:
   * each write overwrites itself). The writes come in groups (the staged records as they are read) and
   * batches are made as workers need them, so at most `inFlight` batches' rows are held at once. Returns
   * the rows written.
   */
  private async writeAll(client: Client, shape: TableShape, writes: AsyncIterable<readonly Write[]> | Iterable<readonly Write[]>, rejected: DeadLetter[]): Promise<number> {
    const limits = this.limits;
    const columns = [...shape.columns.keys()];
    const insert = `INSERT INTO ${this.target} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    const del = `DELETE FROM ${this.target} WHERE ${shape.primaryKey.map((k) => `${quoteIdent(k)} = ?`).join(' AND ')}`;
    const typeOf = (c: string): string => shape.columns.get(c) ?? 'text';
    const at = new Date(this.ctx.clock.now());
    let refused = 0;
    const rowOf = (w: Write): Row => (w.kind === 'upsert' ? (w.id === undefined ? w.row : { ...w.row, [ID_COLUMN]: w.id }) : w.key);
    const namesOf = (w: Write): string[] => (w.kind === 'upsert' ? columns : shape.primaryKey);
    const statement = (w: Write): { query: string; params: unknown[] } => {
      const row = rowOf(w);
      return { query: w.kind === 'upsert' ? insert : del, params: namesOf(w).map((c) => (c in row ? boundValue(row[c], typeOf(c)) : w.kind === 'upsert' ? types.unset : null)) };
    };
    // alone: prepared when the values fit, else (or when refused) as literals, so Cassandra judges the values as they are
    const alone = async (w: Write, plain: boolean): Promise<void> => {
      if (plain) {
        const { query, params } = statement(w);
        try {
          await client.execute(query, params, { prepare: true, consistency: this.writeLevel });
          return;
        } catch (error) {
          if (!isRefusal(error) && !(error instanceof TypeError) && !(error instanceof RangeError)) throw error;
        }
      }
      const row = rowOf(w);
      const names = namesOf(w);
      const present = names.filter((c) => c in row);
      const cql = w.kind === 'upsert'
        ? `INSERT INTO ${this.target} (${present.map(quoteIdent).join(', ')}) VALUES (${present.map((c) => literal(row[c])).join(', ')})`
        : `DELETE FROM ${this.target} WHERE ${names.map((k) => `${quoteIdent(k)} = ${literal(row[k])}`).join(' AND ')}`;
      try {
        await client.execute(cql, [], { consistency: this.writeLevel });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        refused++;
        rejected.push({ reason: `Cassandra refused the ${w.kind === 'upsert' ? 'row' : 'deletion of the key'} for ${this.config.keyspace}.${this.config.table}: ${error.message} (code ${errorCodeText(error)})`, node: this.ctx.nodeId, port: 'error', payload: w.kind === 'upsert' ? w.row : w.key, at });
      }
    };
    let upserts = 0;
    const gauge = this.gauge;
    const level = this.writeLevel;
    // a job per batch (or lone write), made when a worker asks for the next one
    async function* jobs(): AsyncGenerator<{ run: () => Promise<void>; rows: number }> {
      let group: Write[] = [];
      let bytes = 0;
      const flush = (): { run: () => Promise<void>; rows: number } => {
        const mine = group;
        group = [];
        bytes = 0;
        gauge.add(mine.length);
        return {
          rows: mine.length,
          run: async () => {
            if (mine.length === 1) return alone(mine[0] as Write, true);
            try {
              await client.batch(mine.map(statement), { prepare: true, logged: false, consistency: level });
            } catch (error) {
              if (!isRefusal(error) && !(error instanceof TypeError) && !(error instanceof RangeError)) throw error;
              for (const w of mine) await alone(w, true);
            }
          },
        };
      };
      for await (const some of writes) {
        for (const w of some) {
          if (w.kind === 'upsert') upserts++;
          const row = rowOf(w);
          if (!namesOf(w).every((c) => fits(row[c], typeOf(c)))) {
            gauge.add(1);
            yield { rows: 1, run: () => alone(w, false) };
            continue;
          }
          const size = sizeOf(row);
          if (group.length >= limits.rows || (group.length > 0 && bytes + size > limits.bytes)) yield flush();
          group.push(w);
          bytes += size;
        }
      }
      if (group.length > 0) yield flush();
    }
    const queue = jobs();
    let failure: { error: unknown } | null = null;
    const worker = async (): Promise<void> => {
      while (failure === null) {
        let job: { run: () => Promise<void>; rows: number };
        try {
          const next = await queue.next();
          if (next.done) return;
          job = next.value;
        } catch (error) {
          failure ??= { error };
          return;
        }
        try {
          await job.run();
        } catch (error) {
          failure ??= { error };
        } finally {
          gauge.drop(job.rows);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: limits.inFlight }, worker));
    } finally {
      // a failed commit closes the staged file the writes were read from
      await queue.return(undefined);
    }
    if (failure !== null) throw (failure as { error: unknown }).error;
    return upserts - refused;
  }

  /** Creates the table or adds missing columns; returns the columns rows are written to and the primary key. */
  private async ensureTable(client: Client, inferred: ReadonlyMap<string, string>, upsertKey: string[] | undefined): Promise<TableShape> {
    const cached = this.shape;
    if (cached && [...inferred.keys()].every((c) => cached.columns.has(c)) && (upsertKey ? sameSet(cached.primaryKey, upsertKey) && !cached.withId : true)) return cached;
    const configured = this.configuredKey;
    let existing = await this.readColumns(client);
    if (existing.columns.size === 0) {
      const keyspaces = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [this.config.keyspace], { prepare: true });
      if (keyspaces.rowLength === 0) {
        throw new EngineError('ENG_CASSANDRA_WRITE', `sink "${this.ctx.nodeId}": keyspace ${this.config.keyspace} does not exist. Create it first (its replication is yours to choose), e.g. CREATE KEYSPACE ${this.config.keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3}`, { node: this.ctx.nodeId });
      }
      const primaryKey = configured ?? upsertKey ?? [ID_COLUMN];
      const defs = new Map(inferred);
      for (const k of primaryKey) if (!defs.has(k)) defs.set(k, 'text');
      // every key column in the partition key: each key is its own partition, spread over the ring
      await client.execute(`CREATE TABLE IF NOT EXISTS ${this.target} (${[...defs].map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')}, PRIMARY KEY ((${primaryKey.map(quoteIdent).join(', ')})))`);
      this.ctx.log('info', `sink "${this.ctx.nodeId}": created Cassandra table ${this.config.keyspace}.${this.config.table} with primary key (${primaryKey.join(', ')})`);
      existing = await this.readColumns(client);
    }
    const { columns: have, primaryKey } = existing;
    if (upsertKey && !sameSet(primaryKey, upsertKey)) {
      throw new EngineError('ENG_CASSANDRA_WRITE', `sink "${this.ctx.nodeId}": table ${this.config.keyspace}.${this.config.table} has the primary key (${primaryKey.join(', ')}), but these windowed rows are upserted by (${upsertKey.join(', ')}). Set the sink's "key" to ${JSON.stringify(upsertKey)} so the table is created with that key from the first commit (a window marks its rows as keyed only once it re-emits), and drop the table made without it`, { node: this.ctx.nodeId });
    }
    const withId = !upsertKey && primaryKey.length === 1 && primaryKey[0] === ID_COLUMN;
    const columns = new Map<string, string>();
    for (const k of primaryKey) columns.set(k, have.get(k) ?? 'text');
    for (const [name, type] of inferred) {
      const had = have.get(name);
      if (had) {
        columns.set(name, had);
        continue;
      }
      try {
        await client.execute(`ALTER TABLE ${this.target} ADD ${quoteIdent(name)} ${type}`);
        this.ctx.log('info', `sink "${this.ctx.nodeId}": added column ${name} ${type} to ${this.config.keyspace}.${this.config.table}`);
        columns.set(name, type);
      } catch (error) {
        // added meanwhile by another writer: use the type it got
        if (!(isRefusal(error) && /already exist/i.test(error.message))) throw error;
        columns.set(name, (await this.readColumns(client)).columns.get(name) ?? type);
      }
    }
    this.shape = { columns, primaryKey, withId };
    return this.shape;
  }

  private async readColumns(client: Client): Promise<{ columns: Map<string, string>; primaryKey: string[] }> {
    const result = await client.execute('SELECT column_name, type, kind, position FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [this.config.keyspace, this.config.table], { prepare: true });
    const columns = new Map<string, string>();
    const keyParts: { name: string; kind: string; position: number }[] = [];
    for (const r of result.rows) {
      const name = String(r.column_name);
      columns.set(name, String(r.type));
      if (r.kind === 'partition_key' || r.kind === 'clustering') keyParts.push({ name, kind: String(r.kind), position: Number(r.position) });
    }
    keyParts.sort((a, b) => (a.kind === b.kind ? a.position - b.position : a.kind === 'partition_key' ? -1 : 1));
    return { columns, primaryKey: keyParts.map((p) => p.name) };
  }

  private async ensureCommitTable(client: Client): Promise<void> {
    if (this.commitTableReady) return;
    await client.execute(`CREATE TABLE IF NOT EXISTS ${quoteIdent(this.config.keyspace)}.${COMMITS_TABLE} (pipeline text, node text, checkpoint_id bigint, table_name text, row_count bigint, committed_at timestamp, PRIMARY KEY ((pipeline, node), checkpoint_id)) WITH CLUSTERING ORDER BY (checkpoint_id DESC)`);
    this.commitTableReady = true;
  }

  private async readLastCommitted(client: Client): Promise<number | null> {
    try {
      const result = await client.execute(`SELECT checkpoint_id FROM ${quoteIdent(this.config.keyspace)}.${COMMITS_TABLE} WHERE pipeline = ? AND node = ? LIMIT 1`, [this.ctx.pipelineName, this.ctx.nodeId], { prepare: true, consistency: this.readLevel });
      const row = result.first();
      return row ? Number(row.checkpoint_id) : null;
    } catch (error) {
      // never committed: the keyspace has no commit table yet
      if (isRefusal(error) && /unconfigured table|does not exist/i.test(error.message)) return null;
      throw error;
    }
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const c = this.options.connection ?? (await cassandraConnectionFor(this.config.connection, this.ctx.homeDir));
    const client = cassandraClient(c);
    try {
      await client.connect();
    } catch (error) {
      await closeClient(client);
      throw error;
    }
    this.client = client;
    return client;
  }
}

/** Each staged record's writes, made as the records are read. */
async function* mapParts<T>(parts: AsyncIterable<StagedRows>, map: (part: StagedRows) => T): AsyncGenerator<T> {
  for await (const part of parts) yield map(part);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join('\0') === [...b].sort().join('\0');
}

/** About how many bytes a row takes in a batch (strings by length, other values a few bytes). */
function sizeOf(row: Row): number {
  let n = 0;
  for (const [k, v] of Object.entries(row)) {
    n += k.length + 4;
    if (typeof v === 'string') n += v.length * 2;
    else if (v instanceof Uint8Array) n += v.byteLength;
    else if (typeof v === 'object' && v !== null && !(v instanceof Date)) n += JSON.stringify(v).length;
    else n += 8;
  }
  return n;
}

registerNode('sink.cassandra', {
  kind: 'sink',
  create: (spec: Extract<NodeSpec, { type: 'sink.cassandra' }>, ctx) => new CassandraSink(spec.config, ctx),
});
