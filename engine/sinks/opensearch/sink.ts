// `sink.opensearch`: an OpenSearch index through the `_bulk` API, on the runtime's two-phase checkpoint
// protocol (engine/runtime/README.md). OpenSearch has no transactions; exactly-once comes from document ids
// that are the same every time a checkpoint is committed, plus a commit log:
//
// - write()/prepare(N): the rows go to the staging file of the coming checkpoint as they arrive, which
//   prepare(N) makes durable and names in chk-N.json (staged.ts). Of appends only their mapping is kept
//   (held.ts): the commit reads the staged rows back record by record and builds the bulk bodies as it
//   sends them (bulk.ts), so its memory is bounded by the chunks in flight, not the interval.
// - commit(N): read this pipeline and node's document in the `streamlake_commits` index (a realtime GET);
//   at or above N nothing is done. Otherwise: create the index with a mapping from the rows, or add the
//   new fields with a put-mapping; send the rows as `index` actions with their ids and the retracted keys
//   as `delete` actions in the same `_bulk`; then write N to the commit log. A crash between the bulk and
//   the log (fault point `opensearch.before-commit-log`) repeats the bulk, which overwrites the same
//   documents instead of adding copies.
// - ids: windowed rows by their upsert key, appends by the `id` expression or by a tag of pipeline and node,
//   checkpoint and position of the staged row (the same rows in the same order every time the checkpoint
//   is committed; mapping.ts positionId). A checkpoint an older version (pipeline/node/checkpoint/position
//   ids) may have half written keeps its ids: its log entry has no `ids: 2`.
// - a document OpenSearch refuses (mapper_parsing_exception, …) goes to the error port with OpenSearch's
//   reason; the others are committed. Items refused with 429/5xx are sent again after a backoff.
// - connection errors, 429 and 5xx are retried with backoff; then the run fails with
//   ENG_OPENSEARCH_UNAVAILABLE and the rows stay in the checkpoint for the next run.
import { EngineError } from '../../errors.ts';
import { compileExpression } from '../../expr/expression.ts';
import type { NodeSpec, OpenSearchSinkConfig } from '../../format/pipeline.ts';
import { registerNode } from '../../nodes/registry.ts';
import { faultPoint } from '../../runtime/faults.ts';
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row, SinkInstance, SinkSummary } from '../../runtime/types.ts';
import { commitStreamed, FoldedAppends, RowGauge, type StreamedWork } from '../held.ts';
import { mergeSegments, type Segment } from '../pending.ts';
import { withRetry, type RetryPolicy } from '../retry.ts';
import { StagedSink } from '../staged.ts';
import type { StagedRef } from '../staging.ts';
import { describeError, isTransientOpenSearch, openSearchClient, osRequest, reasonOf, statusOf, type Client } from './client.ts';
import { openSearchConnectionFor, type OpenSearchConnection } from './connections.ts';
import { appendChunks, appendIds, BULK_LIMITS, chunksOf, oneAhead, DocumentFold, type Action, type AppendId, type BulkLimits, type Chunk } from './bulk.ts';
import { inferMappings, keyId, type FieldMapping } from './mapping.ts';

const PENDING_FORMAT = 'streamlake.opensearch-pending';
export const COMMITS_INDEX = 'streamlake_commits';
const BASE_BACKOFF_MS = 200;
/** Written in the commit log entry: checkpoints after it have short positional ids (mapping.ts positionId). */
const IDS_VERSION = 2;

export interface OpenSearchSinkOptions {
  connection?: OpenSearchConnection;
  /** Chunk size and requests in flight (tests use small ones; default BULK_LIMITS). */
  limits?: BulkLimits;
  /** Counts the rows a commit holds at once (tests check the bound). */
  gauge?: RowGauge;
}

/**
 * Of a `_bulk` reply only what send() reads: each item's status and error, in the order of the actions
 * (every item has a status, so none drops out). The whole reply (index, id, version, shards, seq_no per
 * item) was about 10x the bytes to parse: 0.7 s of a 300,000-document commit's CPU went to parsing it.
 */
const BULK_REPLY_FIELDS = 'errors,items.*.status,items.*.error';

interface BulkItemResult {
  status: number;
  error?: unknown;
}

interface BulkReply {
  errors: boolean;
  items: Record<string, BulkItemResult>[];
}

export class OpenSearchSink implements SinkInstance {
  /** Staging, segments, the upsert key, figures and refused rows (staged.ts); the appends' mapping folded. */
  private readonly staged: StagedSink<FoldedAppends<DocumentFold>>;
  private readonly limits: BulkLimits;
  private readonly gauge: RowGauge;
  private readonly retry: RetryPolicy;
  private client: Client | null = null;
  /** Top-level fields the index is known to map (filled from the server, then kept). */
  private mapped: Set<string> | null = null;
  /** Appends' document ids (bulk.ts); `legacyId` those of versions before commit-log `ids: 2`. */
  private readonly appendId: AppendId;
  private readonly legacyId: AppendId;
  private readonly maxRetries: number;
  private readonly refresh: string;
  private connection: OpenSearchConnection | undefined;
  /** Rows without an upsert key arrived (a window's first emission looks like that). */
  private unkeyedSeen = false;
  /** The commit-log index is known to exist (checked once per client). */
  private commitLogReady = false;
  private deleted = 0;

  constructor(private readonly config: OpenSearchSinkConfig, private readonly ctx: NodeContext, private readonly options: OpenSearchSinkOptions = {}) {
    this.maxRetries = config.retries ?? 5;
    this.connection = options.connection;
    this.refresh = config.refresh ?? 'false';
    // A window's first emission carries no key: the sink's own setting, else what the graph tells (a window
    // upstream, runtime/upsert-key.ts), keys every document from the first row on.
    const key = config.key && config.key.length > 0 ? config.key : ctx.upsertKey;
    const expr = config.id ? { compiled: compileExpression(config.id), text: config.id } : undefined;
    this.appendId = appendIds(ctx.pipelineName, ctx.nodeId, expr);
    this.legacyId = expr ? this.appendId : appendIds(ctx.pipelineName, ctx.nodeId, undefined, true);
    this.limits = options.limits ?? BULK_LIMITS;
    this.gauge = options.gauge ?? new RowGauge();
    const accept = (row: Row): boolean => typeof this.appendId(row, 0, 0) === 'string';
    this.staged = new StagedSink(ctx, 'opensearch', PENDING_FORMAT, () => new FoldedAppends(new DocumentFold(accept)), key);
    this.retry = {
      ctx, retries: this.maxRetries, transient: isTransientOpenSearch, describe: describeError,
      fatal: (error, what) => new EngineError('ENG_OPENSEARCH_WRITE', `sink "${ctx.nodeId}" could not ${what} in ${config.index}: ${describeError(error)}`, { node: ctx.nodeId, status: statusOf(error) }, { cause: error }),
      exhausted: (error, what, attempts) => new EngineError('ENG_OPENSEARCH_UNAVAILABLE', `sink "${ctx.nodeId}" could not ${what}: OpenSearch did not answer after ${attempts} attempts (${describeError(error)}). Nothing of this checkpoint is lost: it is written when the pipeline runs again.`, { node: ctx.nodeId }, { cause: error }),
      // a fresh client: the old one's pool may hold the dead connection
      reset: async () => {
        const old = this.client;
        this.client = null;
        this.mapped = null;
        this.commitLogReady = false;
        await old?.close().catch(() => undefined);
      },
      retried: (_error, _retry, line) => {
        this.staged.retried();
        ctx.report?.(line);
      },
      recovered: () => ctx.report?.(null),
    };
  }

  async write(batch: Batch): Promise<void> {
    if (batch.upsertKey && !this.staged.upsertKey && this.unkeyedSeen) {
      this.ctx.log('warn', `sink "${this.ctx.nodeId}": rows now arrive keyed by ${batch.upsertKey.join(', ')} (a window's update) after rows without a key were indexed under positional ids; set the sink's "key" to ${JSON.stringify(batch.upsertKey)} so a window's first emission and its updates land on one document`);
    }
    if (!batch.upsertKey && batch.rows.length > 0) this.unkeyedSeen = true;
    await this.staged.write(batch);
  }

  async prepare(info: CheckpointInfo): Promise<{ format: string; segments: StagedRef[] }> {
    return (await this.staged.prepare(info)).pending;
  }

  async commit(info: CheckpointInfo, pending: unknown): Promise<void> {
    await commitStreamed(this.staged, this.retry, info, pending, () => this.lastCommittedId(), (work) => this.commitOnce(work));
  }

  async lastCommittedId(): Promise<number | null> {
    return this.retrying('read its last commit', async () => this.readLastCommitted(this.connect()));
  }

  rejected(): DeadLetter[] {
    return this.staged.rejected();
  }

  async close(): Promise<SinkSummary> {
    await this.staged.close();
    const client = this.client;
    this.client = null;
    await client?.close().catch(() => undefined);
    const f = this.staged.figures;
    return { rows: f.rows, batches: f.batches, retries: f.retries, rejected: f.rejected, deleted: this.deleted, commitMs: f.commitMs };
  }

  private commitDocId(): string {
    return encodeURIComponent(`${this.ctx.pipelineName}/${this.ctx.nodeId}`);
  }

  private async commitOnce(work: StreamedWork<DocumentFold>): Promise<DeadLetter[]> {
    const id = work.id;
    const client = this.connect();
    const last = await this.readLog(client);
    if (last !== null && last.checkpoint >= id) return [];
    // A log entry without `ids: 2` was written by a version with positional ids pipeline/node/checkpoint/
    // position, which may have half written this checkpoint before it stopped: its replay keeps those ids so
    // it overwrites them. The entry this commit writes says every later checkpoint takes the short ids.
    const appendId = last !== null && last.ids !== IDS_VERSION ? this.legacyId : this.appendId;
    const rejected: DeadLetter[] = [];
    const at = new Date(this.ctx.clock.now());
    const refuse = (row: Row, reason: string): void => {
      rejected.push({ reason, node: this.ctx.nodeId, port: 'error', payload: row, at });
    };
    let outcome = { indexed: 0, deleted: 0 };
    const appends = work.fold ?? (this.staged.upsertKey ? null : await this.survey(work));
    if (appends) {
      // appends: the mapping is known before the first row is sent; the rows are read back as chunks go out
      if (appends.any) {
        await this.ensureIndex(client, appends.mapping.fields);
        outcome = await this.bulk(client, appendChunks(work.parts(), appendId, refuse, this.config.index, this.limits, this.gauge), rejected);
      } else {
        // every row lacks an id: refused, and nothing is sent (nor the index created)
        for await (const part of work.parts()) {
          part.rows.forEach((row, i) => {
            const refused = appendId(row, part.segment, part.position + i);
            if (typeof refused !== 'string') refuse(row, refused.refused);
          });
        }
      }
    } else {
      // windowed rows: settled last row per key (bounded by the number of keys), then sent in chunks
      const { actions, rows } = this.keyedActions(await work.load(), refuse);
      if (actions.length > 0) {
        await this.ensureIndex(client, inferMappings(rows));
        outcome = await this.bulk(client, chunksOf(actions, this.config.index, this.limits, this.gauge), rejected);
      }
    }
    // crash tests die here: the documents landed, the log entry did not (STREAMLAKE_FAULT=opensearch.before-commit-log)
    faultPoint('opensearch.before-commit-log');
    await this.ensureCommitLog(client);
    await osRequest(client, 'PUT', `/${COMMITS_INDEX}/_doc/${this.commitDocId()}`, {
      body: { pipeline: this.ctx.pipelineName, node: this.ctx.nodeId, checkpoint_id: id, ids: IDS_VERSION, index: this.config.index, rows: outcome.indexed, deleted: outcome.deleted, committed_at: new Date(this.ctx.clock.now()).toISOString() },
    });
    this.staged.wrote(outcome.indexed);
    this.deleted += outcome.deleted;
    return rejected;
  }

  /**
   * A commit of staged segments this process did not fold (a restore, or several checkpoints at once):
   * one read of the staged rows for the mapping of the appends, or null when any row is keyed (then the
   * segments are settled as windowed output).
   */
  private async survey(work: StreamedWork<DocumentFold>): Promise<DocumentFold | null> {
    const fold = new DocumentFold((row) => typeof this.appendId(row, 0, 0) === 'string');
    for await (const part of work.parts()) {
      if (part.upsertKey) return null;
      fold.add(part.rows);
    }
    return fold;
  }

  /** The bulk actions of windowed segments: retracted keys as deletes, the last row per key; rows without their key are refused. */
  private keyedActions(segments: readonly Segment[], refuse: (row: Row, reason: string) => void): { actions: Action[]; rows: Row[] } {
    const sinkKey = this.staged.upsertKey;
    const merged = mergeSegments(sinkKey ? segments.map((s) => ({ ...s, upsertKey: sinkKey })) : segments);
    const key = merged.upsertKey ?? [];
    const rows = merged.rows.filter((row) => {
      const absent = key.filter((k) => !(k in row));
      if (absent.length === 0) return true;
      refuse(row, `the row has no ${absent.join(', ')}, part of the sink's key (${key.join(', ')}) that makes its document id`);
      return false;
    });
    return { actions: [...merged.retract.map((k) => ({ id: keyId(k, key) })), ...rows.map((row) => ({ id: keyId(row, key), row }))], rows };
  }

  /**
   * Sends the chunks as they are built (one built ahead), `limits.inFlight` requests at a time. Items refused for their
   * content become dead letters; items of a chunk refused with 429/5xx are sent again after a backoff,
   * `retries` times (per chunk, so a retry never holds more than its chunk).
   */
  private async bulk(client: Client, chunks: AsyncIterator<Chunk> | Iterator<Chunk>, rejected: DeadLetter[]): Promise<{ indexed: number; deleted: number }> {
    const counts = { indexed: 0, deleted: 0 };
    const queue = oneAhead(chunks);
    let failure: { error: unknown } | null = null;
    const worker = async (): Promise<void> => {
      while (failure === null) {
        let chunk: Chunk;
        try {
          const next = await queue.next();
          if (next.done) return;
          chunk = next.value;
        } catch (error) {
          failure ??= { error };
          return;
        }
        try {
          await this.send(client, chunk, rejected, counts);
        } catch (error) {
          failure ??= { error };
        } finally {
          this.gauge.drop(chunk.actions.length);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: this.limits.inFlight }, worker));
    } finally {
      // a failed commit closes the staged file the chunks were read from
      await queue.close();
    }
    if (failure !== null) throw (failure as { error: unknown }).error;
    return counts;
  }

  /** One chunk: sent, and its items refused for now (429/5xx) sent again after a backoff. */
  private async send(client: Client, first: Chunk, rejected: DeadLetter[], counts: { indexed: number; deleted: number }): Promise<void> {
    const at = new Date(this.ctx.clock.now());
    let chunk = first;
    for (let attempt = 0; ; attempt++) {
      const again: Action[] = [];
      let lastReason = '';
      const reply = await osRequest<BulkReply>(client, 'POST', '/_bulk', { ndjson: chunk.body, query: { refresh: this.refresh, filter_path: BULK_REPLY_FIELDS } });
      reply.body.items.forEach((item, i) => {
        const action = chunk.actions[i] as Action;
        const result = item.index ?? item.delete ?? Object.values(item)[0];
        if (!result) return;
        if (!result.error) {
          if (action.row) counts.indexed++;
          else counts.deleted++; // a key that was never written answers 404 not_found: gone either way
          return;
        }
        const reason = reasonOf(result.error);
        if (result.status === 429 || result.status >= 500) {
          again.push(action);
          lastReason = `HTTP ${result.status}: ${reason}`;
        } else if (action.row && (result.status === 400 || result.status === 409)) {
          rejected.push({ reason: `OpenSearch refused the document for ${this.config.index}: ${reason}`, node: this.ctx.nodeId, port: 'error', payload: action.row, at });
        } else {
          throw new EngineError('ENG_OPENSEARCH_WRITE', `sink "${this.ctx.nodeId}": OpenSearch refused to ${action.row ? 'index' : 'delete'} document ${action.id} in ${this.config.index} (HTTP ${result.status}): ${reason}`, { node: this.ctx.nodeId, status: result.status });
        }
      });
      if (again.length === 0) return;
      if (attempt >= this.maxRetries || this.ctx.signal.aborted) {
        throw new EngineError('ENG_OPENSEARCH_UNAVAILABLE', `sink "${this.ctx.nodeId}": OpenSearch still refused ${again.length} documents after ${attempt + 1} attempts (${lastReason}). Nothing of this checkpoint is lost: it is written when the pipeline runs again.`, { node: this.ctx.nodeId });
      }
      await this.backoff(attempt, `${again.length} documents were refused for now (${lastReason})`);
      // the same lines again (one chunk: the limits cannot split fewer actions than it had)
      chunk = chunksOf(again, this.config.index, { actions: Infinity, bytes: Infinity }).next().value as Chunk;
    }
  }

  /** Creates the index with this mapping (from the rows to send), or adds the fields it does not map yet. */
  private async ensureIndex(client: Client, inferred: ReadonlyMap<string, FieldMapping>): Promise<void> {
    if (this.mapped && [...inferred.keys()].every((f) => this.mapped?.has(f))) return;
    const index = encodeURIComponent(this.config.index);
    const current = await osRequest<Record<string, { mappings?: { properties?: Record<string, unknown> } }>>(client, 'GET', `/${index}/_mapping`, { ignore: [404] });
    if (current.status === 404) {
      const created = await osRequest<{ error?: unknown }>(client, 'PUT', `/${index}`, { body: { mappings: { properties: Object.fromEntries(inferred) } }, ignore: [400] });
      if (created.status === 200) {
        this.ctx.log('info', `sink "${this.ctx.nodeId}": created OpenSearch index ${this.config.index} with ${inferred.size} mapped fields`);
        this.mapped = new Set(inferred.keys());
        return;
      }
      const text = reasonOf(created.body.error);
      // another writer created it first: fall through to add what is missing
      if (!/resource_already_exists_exception/.test(text)) throw new EngineError('ENG_OPENSEARCH_WRITE', `sink "${this.ctx.nodeId}": OpenSearch would not create index ${this.config.index}: ${text}`, { node: this.ctx.nodeId });
      return this.ensureIndex(client, inferred);
    }
    const have = new Set<string>();
    for (const entry of Object.values(current.body)) for (const name of Object.keys(entry.mappings?.properties ?? {})) have.add(name);
    const missing: [string, FieldMapping][] = [...inferred].filter(([name]) => !have.has(name));
    if (missing.length > 0) {
      await osRequest(client, 'PUT', `/${index}/_mapping`, { body: { properties: Object.fromEntries(missing) } });
      this.ctx.log('info', `sink "${this.ctx.nodeId}": added ${missing.map(([name, m]) => `${name} (${String(m.type)})`).join(', ')} to the mapping of ${this.config.index}`);
      for (const [name] of missing) have.add(name);
    }
    this.mapped = have;
  }

  private async ensureCommitLog(client: Client): Promise<void> {
    if (this.commitLogReady) return;
    const exists = await osRequest(client, 'HEAD', `/${COMMITS_INDEX}`, { ignore: [404] });
    if (exists.status === 200) {
      this.commitLogReady = true;
      return;
    }
    await osRequest(client, 'PUT', `/${COMMITS_INDEX}`, {
      body: {
        settings: { number_of_shards: 1, 'auto_expand_replicas': '0-1' },
        mappings: { dynamic: false, properties: { pipeline: { type: 'keyword' }, node: { type: 'keyword' }, checkpoint_id: { type: 'long' }, index: { type: 'keyword' }, rows: { type: 'long' }, deleted: { type: 'long' }, committed_at: { type: 'date' } } },
      },
      ignore: [400],
    });
    this.commitLogReady = true;
  }

  private async readLastCommitted(client: Client): Promise<number | null> {
    return (await this.readLog(client))?.checkpoint ?? null;
  }

  /** This pipeline and node's commit log entry: the last checkpoint committed and the id scheme it wrote with. */
  private async readLog(client: Client): Promise<{ checkpoint: number; ids: unknown } | null> {
    // GET by id is realtime: it sees the entry written by the last commit without a refresh
    const reply = await osRequest<{ found?: boolean; _source?: { checkpoint_id?: unknown; ids?: unknown } }>(client, 'GET', `/${COMMITS_INDEX}/_doc/${this.commitDocId()}`, { ignore: [404] });
    if (reply.status === 404 || !reply.body.found) return null;
    const id = reply.body._source?.checkpoint_id;
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      throw new EngineError('ENG_OPENSEARCH_WRITE', `sink "${this.ctx.nodeId}": the commit log entry ${COMMITS_INDEX}/${decodeURIComponent(this.commitDocId())} has no whole checkpoint_id (${JSON.stringify(id)})`, { node: this.ctx.nodeId });
    }
    return { checkpoint: id, ids: reply.body._source?.ids };
  }

  private connect(): Client {
    if (this.client) return this.client;
    this.client = openSearchClient(this.connection ?? this.fail());
    return this.client;
  }

  private fail(): never {
    throw new EngineError('ENG_OPENSEARCH_CONNECTION_UNKNOWN', `sink "${this.ctx.nodeId}": connection "${this.config.connection}" was not loaded`);
  }

  /** The wait before items refused for now (429/5xx) are sent again, counted and shown as a retry. */
  private async backoff(n: number, why: string): Promise<void> {
    this.staged.retried();
    const wait = BASE_BACKOFF_MS * 2 ** n;
    const line = `sink "${this.ctx.nodeId}": ${why}; retry ${n + 1} of ${this.maxRetries} in ${wait} ms`;
    this.ctx.log('warn', line);
    this.ctx.report?.(line);
    await this.ctx.timers.sleep(wait, this.ctx.signal);
  }

  /** The retry loop (retry.ts), once the saved connection is loaded. */
  private async retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    this.connection ??= (await openSearchConnectionFor(this.config.connection, this.ctx.homeDir));
    return withRetry(this.retry, what, attempt);
  }
}

registerNode('sink.opensearch', {
  kind: 'sink',
  create: (spec: Extract<NodeSpec, { type: 'sink.opensearch' }>, ctx) => new OpenSearchSink(spec.config, ctx),
});
