// `sink.postgres`: exactly-once delivery into a PostgreSQL table on the runtime's two-phase checkpoint
// protocol (engine/runtime/README.md).
//
// - write(): appends are turned into COPY text bytes right away (encoder.ts) and streamed into the live
//   transaction (live.ts); every batch goes to the staging file of the coming checkpoint (staging.ts
//   append), as that text when it gives the rows back exactly, else as rows; windowed rows are also kept
//   in memory. The runtime's bounded sink queue is the backpressure, and one transaction at a time is in
//   flight.
// - prepare(N): the staging file is made durable; the pending state the runtime stores in chk-N.json
//   names it (durable, not visible: nothing has reached the server yet).
// - commit(N, pending): ONE transaction holds every pending segment and the row (pipeline, node, N) in
//   `streamlake_commits` of the table's schema. It first takes an advisory lock for the pipeline and node
//   and reads the highest id committed there; at or above N it does nothing. So a commit whose outcome was
//   unknown (the connection died during COMMIT) is resolved by the next attempt reading that table, never
//   by writing the rows twice. Appends go through COPY (a segment staged as COPY text is sent as it is);
//   windowed output (Batch.upsertKey) through INSERT … ON CONFLICT (key) DO UPDATE, with the keys a
//   session merge retracted deleted first.
// - the table is created from the rows' fields when missing (with the upsert key as primary key), and
//   columns are added when rows grow new fields, inside the same transaction (PostgreSQL DDL is
//   transactional). A value the column cannot take (SQLSTATE class 22 or 23) fails a savepoint; the
//   batch is then written row by row under savepoints and each refused row goes to the error port with
//   the server's own message.
// - connection errors are retried with exponential backoff (a fresh connection and transaction each time,
//   idempotent by the commit table); after the last attempt the run fails with ENG_POSTGRES_UNAVAILABLE
//   and the rows stay in the checkpoint, written by the next run's restore.
import pg from 'pg';
import type { Client, DatabaseError } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { EngineError } from '../../errors.ts';
import type { NodeSpec, PostgresSinkConfig } from '../../format/pipeline.ts';
import { registerNode } from '../../nodes/registry.ts';
import { mergeSegments } from '../pending.ts';
import { withRetry, type RetryPolicy } from '../retry.ts';
import { StagedSink, type CommitWork } from '../staged.ts';
import type { StagedRef } from '../staging.ts';
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row, SinkInstance, SinkSummary } from '../../runtime/types.ts';
import { postgresConnectionFor, postgresTls, type PostgresConnection } from './connections.ts';
import { copyCodec, CopyEncoder } from './encoder.ts';
import { aloneOn, claimTable, LiveCopy } from './live.ts';
import { copyLines, inferColumns, paramValue, qualifiedName, quoteIdent } from './sql.ts';

const PENDING_FORMAT = 'streamlake.postgres-pending';
const COMMITS_TABLE = 'streamlake_commits';
const MAX_PARAMS = 30_000;
/**
 * COPY text a live transaction may have queued for the socket before write() waits: waiting at the
 * stream's default 16 KiB made every batch wait for the server, so reading and the server's parsing
 * took turns instead of overlapping.
 */
const LIVE_BUFFER_BYTES = 8 << 20;

interface PostgresPending {
  format: typeof PENDING_FORMAT;
  segments: StagedRef[];
}

export interface PostgresSinkOptions {
  /** Resolved connection (tests); otherwise looked up by the config's name under ctx.homeDir. */
  connection?: PostgresConnection;
}

export class PostgresSink implements SinkInstance {
  private client: Client | null = null;
  /** Staging, segments, figures and refused rows (staged.ts); COPY text of the appends (encoder.ts). */
  private readonly staged: StagedSink<CopyEncoder>;
  private readonly retry: RetryPolicy;
  /** The transaction this interval's appends stream into (live.ts); refused: not this interval. */
  private live: LiveCopy | null = null;
  private liveRefused = false;
  private readonly target: ReturnType<typeof qualifiedName>;
  /** The table as other sinks of this process name it (live transactions only for a lone writer). */
  private readonly tableKey: string;
  private readonly release: () => void;
  private deleted = 0;

  constructor(private readonly config: PostgresSinkConfig, private readonly ctx: NodeContext, private readonly options: PostgresSinkOptions = {}) {
    this.target = qualifiedName(config.table);
    const c = options.connection;
    this.tableKey = `${c ? `${c.host}:${c.port}/${c.database}` : `connection ${config.connection}`}|${this.target.sql}`;
    this.release = claimTable(this.tableKey);
    this.staged = new StagedSink(ctx, 'postgres', PENDING_FORMAT, () => new CopyEncoder(), undefined, copyCodec);
    this.retry = {
      ctx, retries: config.retries ?? 5, transient: isTransient,
      fatal: (error, what) => {
        const e = error as DatabaseError;
        return new EngineError('ENG_POSTGRES_WRITE', `sink "${ctx.nodeId}" could not ${what} in ${config.table}: ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ''}`, { node: ctx.nodeId, sqlstate: e.code }, { cause: error });
      },
      exhausted: (error, what, attempts) => new EngineError('ENG_POSTGRES_UNAVAILABLE', `sink "${ctx.nodeId}" could not ${what}: PostgreSQL did not answer after ${attempts} attempts (${(error as Error).message}). Nothing of this checkpoint is lost: it is written when the pipeline runs again.`, { node: ctx.nodeId }, { cause: error }),
      reset: () => this.dropClient(),
      retried: () => this.staged.retried(),
    };
  }

  async write(batch: Batch): Promise<void> {
    await this.staged.write(batch);
    const encoder = this.staged.encoder;
    if (!encoder.spoiled && encoder.rows > 0) await this.stream();
    else if (this.live) await this.dropLive();
  }

  /** Sends the interval's new COPY text into the live transaction, beginning it on the first rows. */
  private async stream(): Promise<void> {
    if (this.live && this.live.id !== null) await this.dropLive(); // prepared and never committed: not for these rows
    if (!this.live) {
      // a window feeds this sink (ctx.upsertKey): its rows become keyed, and keyed rows are not streamed
      if (this.liveRefused || this.ctx.upsertKey || !aloneOn(this.tableKey)) return;
      try {
        this.live = await this.beginLive();
      } catch (error) {
        this.ctx.log('debug', `sink "${this.ctx.nodeId}": appends wait for the checkpoint (${(error as Error).message})`);
        await this.dropClient();
      }
      if (!this.live) {
        this.liveRefused = true;
        return;
      }
    }
    const encoder = this.staged.encoder;
    await this.live.send(encoder.chunks);
    encoder.release(this.live.sent);
  }

  /** The transaction of commitOnce up to its COPY, begun for the interval's first rows; null when the table lacks columns. */
  private async beginLive(): Promise<LiveCopy | null> {
    const client = await this.connect();
    const { schema, table, sql } = this.target;
    await ensureCommitsTable(client, schema);
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}/${this.ctx.pipelineName}/${this.ctx.nodeId}`]);
      const last = await readLastCommitted(client, schema, this.ctx.pipelineName, this.ctx.nodeId);
      const types = this.staged.encoder.types();
      const existing = await client.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [schema, table]);
      const have = new Set(existing.rows.map((r) => r.column_name));
      if (have.size > 0 && [...types.keys()].some((c) => !have.has(c))) {
        await client.query('ROLLBACK');
        return null;
      }
      const columns = have.size > 0 ? [...types.keys()] : await this.ensureTable(client, types, undefined);
      const stream = client.query(copyFrom(`COPY ${sql} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`, { highWaterMark: LIVE_BUFFER_BYTES }));
      return new LiveCopy(client, last, have.size > 0 ? null : types, stream);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Ends the live transaction's connection: the server rolls it back. */
  private async dropLive(): Promise<void> {
    const live = this.live;
    this.live = null;
    if (!live) return;
    if (this.client === live.client) this.client = null;
    await live.client.end().catch(() => undefined);
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /**
   * Commits the live transaction for checkpoint `id`: ends its COPY, adds the commit row, COMMIT.
   * Null when it cannot be used (a value refused, the columns changed): it is dropped and the caller
   * writes the rows as before.
   */
  private async commitLive(id: number, live: LiveCopy, encoded: CopyEncoder): Promise<DeadLetter[] | null> {
    const sameColumns = live.created === null || sameTypes(live.created, encoded.types());
    if (live.broken || !sameColumns || live.sent !== encoded.chunks.length || this.client !== live.client) {
      this.live = live;
      await this.dropLive();
      return null;
    }
    const client = live.client;
    try {
      await live.finish();
    } catch (error) {
      if (!isDataError(error)) throw error;
      this.live = live;
      await this.dropLive();
      return null;
    }
    if (live.last !== null && live.last >= id) {
      await client.query('ROLLBACK');
      return [];
    }
    const { schema } = this.target;
    await client.query(`INSERT INTO ${quoteIdent(schema)}.${COMMITS_TABLE} (pipeline, node, checkpoint_id, table_name, row_count) VALUES ($1, $2, $3, $4, $5)`,
      [this.ctx.pipelineName, this.ctx.nodeId, id, this.config.table, encoded.rows]);
    await client.query('COMMIT');
    this.staged.wrote(encoded.rows);
    return [];
  }

  async prepare(info: CheckpointInfo): Promise<PostgresPending> {
    const { pending, encoded } = await this.staged.prepare(info);
    if (this.live && encoded && this.live.id === null) this.live.id = info.id;
    else await this.dropLive();
    this.liveRefused = false;
    return { format: PENDING_FORMAT, segments: pending.segments };
  }

  async commit(info: CheckpointInfo, pending: unknown): Promise<void> {
    const refs = this.staged.refs(info, pending);
    if (refs.length === 0) return;
    // one append-only segment staged by this process: its COPY text is ready, maybe already sent
    const work = this.staged.work(info.id, refs);
    let live = work.encoded && this.live && this.live.id === refs[0]?.id ? this.live : null;
    if (!live) await this.dropLive();
    // Already in the target (a restore repeating the last commit): its staging files are gone, nothing to read.
    const committed = await this.lastCommittedId();
    if (committed !== null && committed >= info.id) {
      await this.dropLive();
      await this.staged.committed(info.id, refs);
      return;
    }
    // a restore of one segment staged as COPY text: the staged bytes are sent as they are
    const only = refs.length === 1 ? refs[0] : undefined;
    if (!work.encoded && only) work.encoded = await this.fromStaged(only);
    await this.staged.commit(this.retry, info.id, async () => {
      if (live && work.encoded) {
        const use = live;
        live = null;
        this.live = null;
        const done = await this.commitLive(info.id, use, work.encoded);
        if (done) return done;
      }
      // the text sent into the live transaction was dropped from memory: the staging file has it
      if (work.encoded && work.encoded.released > 0) work.encoded = only && await this.fromStaged(only);
      return this.commitOnce(work);
    });
    await this.staged.committed(info.id, refs);
  }

  /** The COPY text of a segment staged as text only (records of one column list), or undefined. */
  private async fromStaged(ref: StagedRef): Promise<CopyEncoder | undefined> {
    const records = await this.staged.staging.readEncoded(ref, this.ctx.nodeId);
    const restored = records ? CopyEncoder.restore(records) : null;
    if (!restored) return undefined;
    this.ctx.log('debug', `sink "${this.ctx.nodeId}": checkpoint ${ref.id} from its staged COPY text (${restored.rows} rows)`);
    return restored;
  }

  async lastCommittedId(): Promise<number | null> {
    // the live transaction read it under the advisory lock it holds, and its COPY has the connection
    if (this.live) return this.live.last;
    return withRetry(this.retry, 'read its last commit', async () => {
      const client = await this.connect();
      return readLastCommitted(client, this.target.schema, this.ctx.pipelineName, this.ctx.nodeId);
    });
  }

  rejected(): DeadLetter[] {
    return this.staged.rejected();
  }

  async close(): Promise<SinkSummary> {
    this.release();
    await this.staged.close();
    await this.dropLive();
    await this.dropClient();
    const f = this.staged.figures;
    return { rows: f.rows, batches: f.batches, commits: f.batches, retries: f.retries, rejected: f.rejected, deleted: this.deleted, commitMs: f.commitMs, maxCommitMs: f.maxCommitMs };
  }

  /** One transaction: skip if committed, else table, rows, retractions and the commit row. Returns refused rows. */
  private async commitOnce({ id, load, encoded }: CommitWork<CopyEncoder>): Promise<DeadLetter[]> {
    const client = await this.connect();
    const { schema, sql: table } = this.target;
    await ensureCommitsTable(client, schema);
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}/${this.ctx.pipelineName}/${this.ctx.nodeId}`]);
      const last = await readLastCommitted(client, schema, this.ctx.pipelineName, this.ctx.nodeId);
      if (last !== null && last >= id) {
        await client.query('ROLLBACK');
        return [];
      }
      const rejected: DeadLetter[] = [];
      let written = encoded ? await this.copyEncoded(client, encoded) : null;
      if (written === null) {
        // the rows themselves: windowed output, several segments, or a value the COPY text could not take
        const merged = mergeSegments(await load());
        if (merged.rows.length > 0 || merged.retract.length > 0) {
          const columns = await this.ensureTable(client, inferColumns(merged.rows), merged.upsertKey);
          if (merged.upsertKey && merged.retract.length > 0) this.deleted += await deleteKeys(client, table, merged.upsertKey, merged.retract);
          if (merged.rows.length > 0) {
            if (merged.upsertKey) await this.guarded(client, merged.rows, rejected, (rows) => upsert(client, table, columns, merged.upsertKey as string[], rows));
            else await this.guarded(client, merged.rows, rejected, (rows) => copyRows(client, table, columns, rows));
          }
        }
        written = merged.rows.length - rejected.length;
      }
      await client.query(`INSERT INTO ${quoteIdent(schema)}.${COMMITS_TABLE} (pipeline, node, checkpoint_id, table_name, row_count) VALUES ($1, $2, $3, $4, $5)`,
        [this.ctx.pipelineName, this.ctx.nodeId, id, this.config.table, written]);
      await client.query('COMMIT');
      this.staged.wrote(written);
      return rejected;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends as COPY text built while the rows arrived: the table made or grown for its columns, the text
   * streamed under a savepoint. Null when the server refused a value (rolled back to the savepoint; the
   * caller then writes the staged rows, finding the refused ones).
   */
  private async copyEncoded(client: Client, encoded: CopyEncoder): Promise<number | null> {
    if (encoded.rows === 0) return 0;
    const columns = await this.ensureTable(client, encoded.types(), undefined);
    await client.query('SAVEPOINT streamlake_batch');
    try {
      const stream = client.query(copyFrom(`COPY ${this.target.sql} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`));
      await streamPipeline(Readable.from(encoded.chunks, { objectMode: false }), stream);
      await client.query('RELEASE SAVEPOINT streamlake_batch');
      return encoded.rows;
    } catch (error) {
      if (!isDataError(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT streamlake_batch');
      return null;
    }
  }

  /**
   * Writes rows under a savepoint; when the server refuses a value, writes them one by one under a
   * savepoint each and turns the refused ones into dead letters with the server's message.
   */
  private async guarded(client: Client, rows: Row[], rejected: DeadLetter[], write: (rows: Row[]) => Promise<void>): Promise<void> {
    await client.query('SAVEPOINT streamlake_batch');
    try {
      await write(rows);
      await client.query('RELEASE SAVEPOINT streamlake_batch');
      return;
    } catch (error) {
      if (!isDataError(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT streamlake_batch');
    }
    const at = new Date(this.ctx.clock.now());
    for (const row of rows) {
      await client.query('SAVEPOINT streamlake_row');
      try {
        await write([row]);
        await client.query('RELEASE SAVEPOINT streamlake_row');
      } catch (error) {
        if (!isDataError(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT streamlake_row');
        const e = error as DatabaseError;
        rejected.push({ reason: `PostgreSQL refused the row for ${this.config.table}: ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ''}`, node: this.ctx.nodeId, port: 'error', payload: row, at });
      }
    }
  }

  /** Creates the table or adds missing columns; returns the columns the rows are written to. */
  private async ensureTable(client: Client, inferred: Map<string, string>, upsertKey: string[] | undefined): Promise<string[]> {
    const { schema, table, sql } = this.target;
    for (const k of upsertKey ?? []) if (!inferred.has(k)) inferred.set(k, 'text');
    const existing = await client.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [schema, table]);
    if (existing.rows.length === 0) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      const defs = [...inferred].map(([name, type]) => `${quoteIdent(name)} ${type}`);
      if (upsertKey) defs.push(`PRIMARY KEY (${upsertKey.map(quoteIdent).join(', ')})`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${sql} (${defs.join(', ')})`);
      this.ctx.log('info', `sink "${this.ctx.nodeId}": created PostgreSQL table ${this.config.table} with ${inferred.size} columns`);
    } else {
      const have = new Set(existing.rows.map((r) => r.column_name));
      for (const [name, type] of inferred) {
        if (have.has(name)) continue;
        await client.query(`ALTER TABLE ${sql} ADD COLUMN IF NOT EXISTS ${quoteIdent(name)} ${type}`);
        this.ctx.log('info', `sink "${this.ctx.nodeId}": added column ${name} ${type} to ${this.config.table}`);
      }
      if (upsertKey) await ensureUniqueKey(client, schema, table, sql, upsertKey);
    }
    return [...inferred.keys()];
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const c = this.options.connection ?? (await postgresConnectionFor(this.config.connection, this.ctx.homeDir));
    const client = new pg.Client({
      host: c.host, port: c.port, user: c.user, password: c.password, database: c.database, ssl: postgresTls(c),
      connectionTimeoutMillis: 10_000, query_timeout: 300_000, keepAlive: true, application_name: `streamlake ${this.ctx.pipelineName}/${this.ctx.nodeId}`,
    });
    // A dropped connection is reported here too; the next call reconnects.
    client.on('error', (error: Error) => {
      this.ctx.log('warn', `sink "${this.ctx.nodeId}": PostgreSQL connection lost: ${error.message}`);
      if (this.client === client) this.client = null;
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }
}

async function copyRows(client: Client, table: string, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`));
  const chunk = 5_000;
  async function* lines(): AsyncGenerator<string> {
    for (let i = 0; i < rows.length; i += chunk) yield copyLines(rows.slice(i, i + chunk), columns);
  }
  await streamPipeline(Readable.from(lines()), stream);
}

async function upsert(client: Client, table: string, columns: readonly string[], key: readonly string[], rows: readonly Row[]): Promise<void> {
  const rest = columns.filter((c) => !key.includes(c));
  const action = rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}`;
  const per = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  for (let i = 0; i < rows.length; i += per) {
    const slice = rows.slice(i, i + per);
    const values: unknown[] = [];
    const tuples = slice.map((row) => `(${columns.map((c) => { values.push(paramValue(row[c])); return `$${values.length}`; }).join(', ')})`);
    await client.query(`INSERT INTO ${table} (${columns.map(quoteIdent).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${key.map(quoteIdent).join(', ')}) ${action}`, values);
  }
}

async function deleteKeys(client: Client, table: string, key: readonly string[], keys: readonly Row[]): Promise<number> {
  let deleted = 0;
  const per = Math.max(1, Math.floor(MAX_PARAMS / key.length));
  for (let i = 0; i < keys.length; i += per) {
    const values: unknown[] = [];
    const tuples = keys.slice(i, i + per).map((k) => `(${key.map((c) => { values.push(paramValue(k[c])); return `$${values.length}`; }).join(', ')})`);
    const result = await client.query(`DELETE FROM ${table} WHERE (${key.map(quoteIdent).join(', ')}) IN (${tuples.join(', ')})`, values);
    deleted += result.rowCount ?? 0;
  }
  return deleted;
}

async function ensureCommitsTable(client: Client, schema: string): Promise<void> {
  const exists = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, COMMITS_TABLE]);
  if (exists.rows.length > 0) return;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch(() => undefined);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.${COMMITS_TABLE} (pipeline text NOT NULL, node text NOT NULL, checkpoint_id bigint NOT NULL, table_name text, row_count bigint, committed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (pipeline, node, checkpoint_id))`);
  } catch (error) {
    // two sinks creating it at once: one wins with a unique violation on the catalog
    if ((error as DatabaseError).code !== '23505') throw error;
  }
}

async function readLastCommitted(client: Client, schema: string, pipeline: string, node: string): Promise<number | null> {
  try {
    const result = await client.query<{ id: string | null }>(`SELECT max(checkpoint_id)::text AS id FROM ${quoteIdent(schema)}.${COMMITS_TABLE} WHERE pipeline = $1 AND node = $2`, [pipeline, node]);
    const id = result.rows[0]?.id;
    return id === null || id === undefined ? null : Number(id);
  } catch (error) {
    if ((error as DatabaseError).code === '42P01') return null; // no commit table: never committed
    throw error;
  }
}

/** ON CONFLICT needs a unique index on exactly the key; a table made elsewhere may lack one. */
async function ensureUniqueKey(client: Client, schema: string, table: string, sql: string, key: readonly string[]): Promise<void> {
  const found = await client.query(`SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass($1) AND i.indisunique
    AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) = $2::text[]`,
  [`${quoteIdent(schema)}.${quoteIdent(table)}`, [...key].sort()]);
  if (found.rows.length > 0) return;
  await client.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(`${table}_streamlake_key`)} ON ${sql} (${key.map(quoteIdent).join(', ')})`);
}

function sameTypes(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, type]) => b.get(name) === type);
}

/** A value or row the table cannot take (SQLSTATE class 22 data exception, 23 integrity constraint). */
function isDataError(error: unknown): boolean {
  const code = (error as DatabaseError).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** Errors a new connection may not see again: the server or network went away, or a conflict to retry. */
function isTransient(error: unknown): boolean {
  if (error instanceof EngineError) return false;
  const code = (error as DatabaseError).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return code.startsWith('08') || ['57P01', '57P02', '57P03', '40001', '40P01', '53300'].includes(code);
  }
  // node errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE …) and node-postgres' own connection messages
  return typeof code === 'string' || /connection|terminated|timeout|ECONN|closed/i.test((error as Error).message ?? '');
}

registerNode('sink.postgres', {
  kind: 'sink',
  create: (spec: Extract<NodeSpec, { type: 'sink.postgres' }>, ctx) => new PostgresSink(spec.config, ctx),
});
