// sink.kafka: rows to a Kafka topic, exactly once by default. Keys and headers come from SQL expressions
// evaluated per row; values are JSON, or Avro, Protobuf or JSON Schema in the Confluent wire format with
// the schema in the registry (schemas/writer.ts: derived from the rows and registered under the naming
// strategy's subject, or a chosen subject and version).
//
// Exactly once (delivery: exactly-once) is Kafka transactions driven by the runtime's two-phase commit:
// rows between two checkpoint barriers go into one transaction of a producer whose transactional id is
// stable per pipeline and node (`streamlake:<installation>/<pipeline>/<node>`, sink/scope.ts). prepare() at the barrier waits until
// every send is acknowledged, adds a record naming the checkpoint to the compacted topic
// __streamlake_sink_commits (sink/commits.ts) in the same transaction, and returns the transaction's
// ids; commit() after the checkpoint file is durable sends EndTxn(commit). A restarted engine commits
// the transaction of the checkpoint it restores from with the saved ids before its own producer starts
// (whose InitProducerId then fences the crashed one and aborts anything it left open), unless the
// commits topic, read with read_committed, shows that checkpoint committed already.
//
// The transaction timeout (transaction.timeout.ms, default 15 minutes, the broker's default maximum)
// must exceed the checkpoint interval plus the time a crashed run takes to be restarted: a transaction
// open longer is aborted by the broker, and a restore that finds its checkpoint's transaction aborted
// fails with ENG_KAFKA_TRANSACTION instead of losing rows quietly. Meanwhile read_committed consumers of
// the topic wait at the open transaction, so keep it no longer than needed.
//
// at-least-once: an idempotent producer without transactions; rows are visible as soon as they are sent,
// and a restore sends again everything after the restored checkpoint.
//
// Throughput: rows are partitioned by the sink itself (sink/partitioner.ts) and encoded at once into their
// partition's record buffer (sink/builder.ts; JSON rows are written there as bytes by sink/json-bytes.ts,
// without building their text; queued bytes live outside the JS heap). Each partition sends on its own:
// up to ~1 MB of its records as one produce request (sink/session.ts sendEncoded, with the session's
// sequence numbers), one request in flight per partition, while its next rows queue up, so the request
// size follows the load without a linger timer, and the partitions' requests overlap (the broker always
// has the next one while an acknowledgement travels back and the next batch is framed). One request per
// partition at a time keeps the idempotent retry simple and exact: a failed request is sent again with the
// same sequence numbers before anything after it in that partition.
//
// Rows whose source read them as exactly the JSON this sink writes (the file source's canonical lines,
// runtime/types.ts Batch.bytes) are not encoded again: their bytes are copied, keyless rows without
// headers a run at a time (RecordsBuilder.addRun). The output is the same bytes either way
// (sources/file/verbatim.test.ts, sink/verbatim.test.ts). Builders' buffers are shared memory, so each
// batch's CRC-32C is computed on a thread of its own (sink/crc-thread.ts) while this one reads on.
import type { Kafka, Message } from 'kafkajs';
import { EngineError } from '../errors.ts';
import { compileExpression } from '../expr/index.ts';
import type { CompiledExpression } from '../expr/index.ts';
import type { KafkaSinkConfig, NodeSpec } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import { systemTimers } from '../runtime/clock.ts';
import { faultPoint } from '../runtime/faults.ts';
import { LazyBatch, rowCount } from '../runtime/lazy.ts';
import type { Timers } from '../runtime/clock.ts';
import type { Batch, CheckpointInfo, NodeContext, Row, RowBytes, SinkInstance, SinkSummary } from '../runtime/types.ts';
import type { CompressionName } from './codecs.ts';
import { compressionType } from './codecs.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import { RegistryClient } from './registry/client.ts';
import { SchemaWriter } from './schemas/writer.ts';
import { COMMITS_TOPIC, commitKey, commitMessage, ensureCommitsTopic, readLastCommitted } from './sink/commits.ts';
import { BufferPool, RecordsBuilder } from './sink/builder.ts';
import { JsonRowWriter } from './sink/json-bytes.ts';
import { jsonText } from './sink/json.ts';
import { Partitioner } from './sink/partitioner.ts';
import { requestRoom, type EncodedRecords } from './sink/produce-request.ts';
import { commitPrepared, FENCED_ERRORS, ProducerSession, protocolErrorType } from './sink/session.ts';
import type { TransactionIds } from './sink/session.ts';
import { connectionFor } from './store.ts';
import { installationId } from './sink/scope.ts';

export type KafkaDelivery = 'exactly-once' | 'at-least-once';

export interface KafkaSinkOptions {
  compression?: CompressionName;
  /**
   * transaction.timeout.ms for exactly once (default 900 000 = 15 min, the broker's default
   * transaction.max.timeout.ms). Must exceed the checkpoint interval plus the time to restart a crashed run.
   */
  transactionTimeoutMs?: number;
  /**
   * Scopes the transactional id and the commit records (sink/scope.ts: the STREAMLAKE_HOME's installation
   * id), so pipelines of the same name from two homes on one broker never fence or read each other.
   */
  scope?: string;
}

/** What a checkpoint keeps of an exactly-once sink: the prepared transaction, committable from any process. */
export interface KafkaPendingCommit extends TransactionIds {
  checkpoint: number;
  topic: string;
}

export const DEFAULT_TRANSACTION_TIMEOUT_MS = 900_000;
/** Bytes of one partition's messages per produce request: under the broker's default message.max.bytes (1 MiB). */
const REQUEST_PARTITION_BYTES = 900_000;
/** librdkafka's batch.num.messages. */
const REQUEST_PARTITION_MESSAGES = 10_000;
/** Queued bytes above which write() waits for the send in flight. */
const QUEUE_LIMIT_BYTES = 16 << 20;

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function parsePending(value: unknown, node: string): KafkaPendingCommit {
  const v = value as Partial<KafkaPendingCommit> | null;
  const ok = typeof v === 'object' && v !== null
    && typeof v.transactionalId === 'string' && typeof v.producerId === 'string' && /^\d{1,19}$/.test(v.producerId) && Number.isInteger(v.producerEpoch)
    && Number.isInteger(v.checkpoint) && typeof v.topic === 'string';
  if (!ok) throw new EngineError('ENG_RUN_CHECKPOINT', `sink.kafka "${node}": the checkpoint's pending transaction ${JSON.stringify(value)} is not {transactionalId, producerId, producerEpoch, checkpoint, topic}`);
  return v as KafkaPendingCommit;
}

/** One partition's queued records: full builders sealed for sending, and the one being filled. */
interface PartitionQueue { sealed: EncodedRecords[]; builder: RecordsBuilder }

export class KafkaSink implements SinkInstance {
  readonly delivery: KafkaDelivery;
  private readonly kafka: Kafka;
  private readonly clientId: string;
  private readonly key: CompiledExpression | undefined;
  private readonly headers: [string, CompiledExpression][];
  private readonly compression: number;
  private readonly transactionalId: string | undefined;
  private readonly commitsKey: string | undefined;
  private schema: SchemaWriter | undefined;
  private session: ProducerSession | undefined;
  private opening: Promise<ProducerSession> | undefined;
  /** Resolves once the opening session knows the topic's partitions (rows can be queued). */
  private partitionsKnown: Promise<void> | undefined;
  private partitioner: Partitioner | undefined;
  private queues: PartitionQueue[] = [];
  private queuedBytes = 0;
  /** The send in flight per partition (at most one each), and all of them. */
  private inFlight: (Promise<void> | undefined)[] = [];
  private readonly sends = new Set<Promise<void>>();
  private failure: unknown;
  /** The transaction prepare() closed for a checkpoint, until commit() commits it. */
  private prepared: KafkaPendingCommit | undefined;
  private commitsTopicReady = false;
  /** The newest checkpoint this sink instance committed itself. */
  private committed: number | undefined;
  private rows = 0;
  private transactions = 0;
  private readonly json = new JsonRowWriter();
  /** Buffers of answered requests, for the builders (sink/builder.ts). */
  private readonly pool = new BufferPool();

  constructor(
    private readonly nodeId: string,
    private readonly config: KafkaSinkConfig,
    private readonly connection: ConnectionConfig,
    private readonly ctx: Pick<NodeContext, 'log'> & Partial<Pick<NodeContext, 'pipelineName' | 'timers'>>,
    private readonly options: KafkaSinkOptions = {},
  ) {
    if (!config.topic) throw new EngineError('ENG_FORMAT_INVALID', `sink.kafka "${nodeId}" needs a topic`);
    this.delivery = config.delivery ?? 'exactly-once';
    if (this.delivery !== 'exactly-once' && this.delivery !== 'at-least-once') {
      throw new EngineError('ENG_FORMAT_INVALID', `sink.kafka "${nodeId}": delivery must be exactly-once or at-least-once, not ${JSON.stringify(config.delivery)}`);
    }
    if (this.delivery === 'exactly-once') {
      if (!ctx.pipelineName) throw new EngineError('ENG_FORMAT_INVALID', `sink.kafka "${nodeId}": exactly-once delivery needs the pipeline's name (its transactional id is per pipeline and node)`);
      this.commitsKey = options.scope ? `${options.scope}/${commitKey(ctx.pipelineName, nodeId)}` : commitKey(ctx.pipelineName, nodeId);
      this.transactionalId = `streamlake:${this.commitsKey}`;
    }
    this.key = config.key ? compileExpression(config.key) : undefined;
    this.headers = Object.entries(config.headers ?? {}).map(([name, expr]) => [name, compileExpression(expr)]);
    this.compression = compressionType(options.compression);
    this.clientId = `streamlake-${nodeId}`;
    this.kafka = kafkaClient(connection, { clientId: this.clientId, log: ctx.log, retry: { initialRetryTime: 300, maxRetryTime: 5000 } });
  }

  private get timers(): Timers {
    return this.ctx.timers ?? systemTimers;
  }

  private get transactionTimeoutMs(): number {
    return this.options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  }

  /**
   * Opens the producer session on first use (for exactly once that fences older producers of this sink)
   * and resolves once rows can be queued: the topic's partitions are known. The producer id
   * (InitProducerId; for exactly once at the transaction coordinator, a few round trips) arrives
   * meanwhile, and sends start then (pump): the first rows are encoded while it is on its way instead
   * of after. A failure before the partitions are known rejects this; one after is the sink's failure
   * (thrown by the next write, drain or prepare, as it was thrown by the write that waited for it).
   */
  private ready(): Promise<void> {
    if (this.session) return Promise.resolve();
    if (!this.opening) {
      let laidOut: () => void = () => undefined;
      const partitionsKnown = new Promise<void>((resolve) => { laidOut = resolve; });
      let known = false;
      const opening = (async () => {
        if (this.transactionalId) await this.commitsTopic();
        const session = await ProducerSession.connect(this.kafka, {
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.transactionTimeoutMs,
          // Every message carries its partition (queued per partition).
          partitioner: ({ message }) => message.partition ?? 0,
        });
        let partitions: number;
        try {
          partitions = await session.partitions(this.config.topic, (ms) => this.timers.sleep(ms));
        } catch (error) {
          // Not yet this.session, so close() would not see it: a topic the broker refuses (a bad name, no
          // rights) must not leave the session's broker connections open in a studio that keeps running.
          await session.close().catch(() => {});
          throw error;
        }
        this.partitioner = new Partitioner(partitions);
        const room = requestRoom(this.clientId, this.transactionalId, this.config.topic);
        this.queues = Array.from({ length: partitions }, () => ({ sealed: [], builder: new RecordsBuilder(64 << 10, room, this.pool) }));
        known = true;
        laidOut();
        await session.init();
        this.session = session;
        this.pump();
        return session;
      })();
      this.opening = opening;
      opening.catch((error: unknown) => {
        if (this.opening === opening) this.opening = undefined;
        if (known) this.failure ??= error;
      });
      this.partitionsKnown = Promise.race([partitionsKnown, opening.then(() => undefined)]);
    }
    return this.partitionsKnown ?? Promise.resolve();
  }

  /** Until the session opening in progress (if any) has settled; its failure is this.failure. */
  private async opened(): Promise<void> {
    if (!this.session && this.opening) await this.opening.catch(() => undefined);
  }

  private async commitsTopic(): Promise<void> {
    if (this.commitsTopicReady) return;
    await ensureCommitsTopic(this.kafka);
    this.commitsTopicReady = true;
  }

  private async schemaFor(rows: readonly Row[]): Promise<SchemaWriter | undefined> {
    const { format } = this.config;
    if (format === 'json') return undefined;
    if (!this.schema) {
      const access = this.connection.schemaRegistry;
      if (!access) throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `sink.kafka "${this.nodeId}": ${format} needs a schema registry URL on connection "${this.connection.name}"`);
      this.schema = new SchemaWriter({ ...this.config, format }, new RegistryClient(access));
    }
    await this.schema.prepare(rows);
    return this.schema;
  }

  /** The Kafka messages for these rows (exported for the produce command and tests). */
  async encode(rows: readonly Row[]): Promise<Message[]> {
    const schema = await this.schemaFor(rows);
    const out: Message[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const message: Message = { value: schema ? schema.value(row) : jsonText(row) };
      if (this.key) message.key = text(this.key.evaluate(row));
      if (this.headers.length) message.headers = this.headerValues(row);
      out[i] = message;
    }
    return out;
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.prepared) throw new EngineError('ENG_RUN_STATE', `sink.kafka "${this.nodeId}" got rows between prepare and commit of checkpoint ${this.prepared.checkpoint}`);
  }

  async write(batch: Batch): Promise<void> {
    // A lazy batch (runtime/lazy.ts) decodes its rows only if they are read: here, only for a row
    // without bytes of its own, or for keys, headers and registry formats.
    const lazy = batch instanceof LazyBatch;
    const count = rowCount(batch);
    if (count === 0) return;
    this.check();
    await this.ready();
    const schema = this.config.format === 'json' ? undefined : await this.schemaFor(batch.rows);
    // Rows whose source bytes are already their JSON (file source, canonical lines) are copied, not
    // encoded: the same bytes either way (runtime/types.ts Batch.bytes), only while the batch still has
    // the very row array the bytes were taken for (a lazy batch's bytes are its own rows' by construction).
    const own = schema === undefined && batch.bytes !== undefined && (lazy || batch.bytes.rows === batch.rows) ? batch.bytes : undefined;
    const runs = own !== undefined && this.key === undefined && this.headers.length === 0;
    for (let i = 0; i < count; i++) {
      if (runs && own.buffers[i] !== undefined) {
        // Keyless rows without headers, with their bytes back to back: placed a run at a time.
        i = this.addRun(own, i, count) - 1;
        continue;
      }
      const row = lazy ? batch.rowAt(i) : batch.rows[i]!;
      const key = this.key ? text(this.key.evaluate(row)) : null;
      const headers = this.headers.length ? this.headerValues(row) : undefined;
      if (schema) this.add(key, schema.value(row), headers);
      else {
        const src = own?.buffers[i];
        if (src !== undefined) this.addSlice(key, src, own!.starts[i]!, own!.ends[i]!, headers);
        else this.addJson(key, row, headers);
      }
    }
    this.rows += count;
    await this.afterQueueing();
  }

  /** Sends payloads exactly as given (the produce command's deliberately broken events). */
  async writeRaw(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    this.check();
    await this.ready();
    for (const m of messages) this.add(m.key ?? null, m.value, undefined);
    this.rows += messages.length;
    await this.afterQueueing();
  }

  private headerValues(row: Row): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, expr] of this.headers) {
      const v = text(expr.evaluate(row));
      if (v !== null) headers[name] = v;
    }
    return headers;
  }

  /** Encodes one record into its partition's builder; a full builder is sealed as one request's worth. */
  private add(key: string | Buffer | null, value: string | Buffer | null, headers: Record<string, string> | undefined): void {
    const partition = this.partitioner!.partition(key);
    const queue = this.queues[partition]!;
    const builder = queue.builder;
    const before = builder.bytes;
    builder.add(key, value, headers);
    this.queuedBytes += builder.bytes - before;
    if (builder.bytes >= REQUEST_PARTITION_BYTES || builder.count >= REQUEST_PARTITION_MESSAGES) queue.sealed.push(builder.take());
  }

  /**
   * Keyless, headerless rows from `from` whose bytes lie back to back in one buffer (consecutive lines),
   * into their partitions' builders a run at a time (RecordsBuilder.addRun); the index after the last.
   */
  private addRun(own: RowBytes, from: number, to: number): number {
    const src = own.buffers[from]!;
    let stop = from + 1;
    // Lines are one newline (or CRLF) apart; anything else between (a blank or rejected line) ends the run.
    while (stop < to && own.buffers[stop] === src && own.starts[stop]! - own.ends[stop - 1]! <= 2 && own.starts[stop]! > own.ends[stop - 1]!) stop++;
    const partitioner = this.partitioner!;
    let i = from;
    while (i < stop) {
      const partition = partitioner.keyless();
      const queue = this.queues[partition]!;
      const builder = queue.builder;
      const before = builder.bytes;
      const taken = builder.addRun(src, own.starts, own.ends, i, Math.min(stop, i + partitioner.room()), REQUEST_PARTITION_BYTES, REQUEST_PARTITION_MESSAGES);
      partitioner.take(taken);
      this.queuedBytes += builder.bytes - before;
      if (builder.bytes >= REQUEST_PARTITION_BYTES || builder.count >= REQUEST_PARTITION_MESSAGES) queue.sealed.push(builder.take());
      i += taken;
    }
    return stop;
  }

  /** add() for a value that is src[start, end) (a row's own JSON bytes, copied). */
  private addSlice(key: string | null, src: Uint8Array, start: number, end: number, headers: Record<string, string> | undefined): void {
    const partition = this.partitioner!.partition(key);
    const queue = this.queues[partition]!;
    const builder = queue.builder;
    const before = builder.bytes;
    builder.addSlice(key, src, start, end, headers);
    this.queuedBytes += builder.bytes - before;
    if (builder.bytes >= REQUEST_PARTITION_BYTES || builder.count >= REQUEST_PARTITION_MESSAGES) queue.sealed.push(builder.take());
  }

  /** add() for a JSON value: the row's JSON is written straight into its partition's buffer (sink/json-bytes.ts). */
  private addJson(key: string | null, row: Row, headers: Record<string, string> | undefined): void {
    const partition = this.partitioner!.partition(key);
    const queue = this.queues[partition]!;
    const builder = queue.builder;
    const before = builder.bytes;
    builder.addJson(key, row, this.json, headers);
    this.queuedBytes += builder.bytes - before;
    if (builder.bytes >= REQUEST_PARTITION_BYTES || builder.count >= REQUEST_PARTITION_MESSAGES) queue.sealed.push(builder.take());
  }

  private async afterQueueing(): Promise<void> {
    // Before the producer has its id nothing is sent: queue up to the limit meanwhile.
    if (this.queuedBytes > QUEUE_LIMIT_BYTES) await this.opened();
    this.pump();
    // Backpressure: far more queued than one request takes, so wait for a send in flight.
    while (this.queuedBytes > QUEUE_LIMIT_BYTES && this.sends.size > 0) await Promise.race(this.sends);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Starts the next send of every partition that has records queued and no send in flight. */
  private pump(): void {
    if (this.queuedBytes === 0 || this.failure !== undefined) return;
    const session = this.session;
    if (!session) return;
    for (let partition = 0; partition < this.queues.length; partition++) {
      if (this.inFlight[partition]) continue;
      const queue = this.queues[partition]!;
      const chunk = queue.sealed.shift() ?? (queue.builder.count > 0 ? queue.builder.take() : undefined);
      if (!chunk) continue;
      if (this.transactionalId && !session.inTransaction()) {
        try {
          session.begin();
        } catch (error) {
          this.failure = this.describe(error, 'could not begin a transaction');
          return;
        }
        this.transactions++;
      }
      this.queuedBytes -= chunk.records.length;
      const settle = (): void => {
        this.inFlight[partition] = undefined;
        this.sends.delete(send);
      };
      const send: Promise<void> = session.sendEncoded(this.config.topic, [{ ...chunk, partition }], this.compression, (ms) => this.timers.sleep(ms)).then(
        () => {
          settle();
          // Answered: nothing reads the buffer any more (a retry sent a copy).
          if (chunk.frame) this.pool.give(chunk.frame);
          this.pump();
        },
        (error: unknown) => {
          settle();
          this.failure ??= this.describe(error, `could not send ${chunk.count} messages to partition ${partition} of topic "${this.config.topic}"`);
        },
      );
      this.inFlight[partition] = send;
      this.sends.add(send);
    }
  }

  private describe(error: unknown, what: string): Error {
    if (error instanceof EngineError) return error;
    const type = protocolErrorType(error);
    if (type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_EPOCH') {
      return new EngineError('ENG_KAFKA_FENCED', `sink.kafka "${this.nodeId}" ${what}: another producer with transactional id "${this.transactionalId}" (a newer run of pipeline "${this.ctx.pipelineName}") took over, so this run stops; its open transaction is aborted.`);
    }
    return new EngineError('ENG_KAFKA_CONNECT', `sink.kafka "${this.nodeId}" ${what}: ${(error as Error).message}`);
  }

  private async dropSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.opening = undefined;
    this.partitionsKnown = undefined;
    await session?.close().catch(() => {});
  }

  /** Resolves once everything queued has been sent and acknowledged (or throws the first failure, once no send is in flight). */
  private async drain(): Promise<void> {
    await this.opened();
    for (;;) {
      this.pump();
      if (this.sends.size === 0) break;
      await Promise.race(this.sends);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Phase one: every row written so far is acknowledged by the broker. Exactly once: inside the open
   * transaction, with this checkpoint's record on the commits topic; returns the transaction's ids, or
   * null when no row came since the last commit (nothing to commit). At least once: null.
   */
  async prepare(info: CheckpointInfo): Promise<KafkaPendingCommit | null> {
    if (this.prepared) throw new EngineError('ENG_RUN_STATE', `sink.kafka "${this.nodeId}": checkpoint ${this.prepared.checkpoint} was prepared and never committed`);
    await this.drain();
    const session = this.session;
    if (!this.transactionalId || !session?.inTransaction()) return null;
    const record = commitMessage(this.commitsKey!, { checkpoint: info.id, topic: this.config.topic, at: new Date().toISOString() });
    try {
      await session.send([{ topic: COMMITS_TOPIC, messages: [record] }], 0);
    } catch (error) {
      this.failure = this.describe(error, `could not prepare checkpoint ${info.id}`);
      throw this.failure;
    }
    const ids = session.ids()!;
    this.prepared = { ...ids, checkpoint: info.id, topic: this.config.topic };
    return this.prepared;
  }

  /**
   * Phase two, after the checkpoint file is durable: commits the transaction prepared for info.id. On a
   * restore (a new sink, or a session that never prepared it) the transaction is an earlier process's:
   * unless the commits topic shows it committed, it is committed with the saved ids before this sink
   * starts a producer of its own.
   */
  async commit(info: CheckpointInfo, pending: unknown): Promise<void> {
    if (pending === null || pending === undefined) return;
    const p = parsePending(pending, this.nodeId);
    const prepared = this.prepared;
    if (prepared && prepared.checkpoint === p.checkpoint && this.session) {
      try {
        faultPoint('kafka.before-txn-commit');
        await this.session.commit();
        faultPoint('kafka.after-txn-commit');
      } catch (error) {
        // An unknown outcome is settled by reading what the broker made visible.
        const last = await this.lastCommittedId();
        this.prepared = undefined;
        const failure = this.describe(error, `could not commit checkpoint ${p.checkpoint}`);
        if (last !== null && last >= p.checkpoint) {
          this.committed = p.checkpoint;
          // Committed, by this session or by a newer run that restored the checkpoint. A fenced session
          // must not send again; any other failure leaves kafkajs' transaction state unusable, so the
          // next write starts a new session.
          if ((failure as EngineError).code === 'ENG_KAFKA_FENCED') this.failure = failure;
          else await this.dropSession();
          return;
        }
        this.failure = failure;
        throw failure;
      }
      this.prepared = undefined;
      this.committed = p.checkpoint;
      if (info.flush) await this.untilVisible(p.checkpoint);
      return;
    }
    // Committed by this session already (the commit markers may still be on their way to the partitions).
    if (this.committed !== undefined && p.checkpoint <= this.committed) return;
    await this.recover(info, p);
  }

  /**
   * EndTxn returns once the coordinator has decided; the commit markers reach the partitions just after,
   * and only then do read_committed readers see the rows. A run's last commit waits for that (bounded), so
   * a finished run's rows are readable when it says finished.
   */
  private async untilVisible(checkpoint: number): Promise<void> {
    // The markers usually follow within milliseconds: look again soon, then every 100 ms (5 s in all).
    let waited = 0;
    for (let attempt = 0; waited < 5000; attempt++) {
      const last = await this.lastCommittedId();
      if (last !== null && last >= checkpoint) return;
      const ms = Math.min(100, 10 << attempt);
      await this.timers.sleep(ms);
      waited += ms;
    }
    this.ctx.log('warn', `sink.kafka "${this.nodeId}": checkpoint ${checkpoint} is committed but its commit markers were not visible after 5 s`);
  }

  private async recover(info: CheckpointInfo, p: KafkaPendingCommit): Promise<void> {
    const last = await this.lastCommittedId();
    if (last !== null && last >= p.checkpoint) {
      this.ctx.log('info', `sink.kafka "${this.nodeId}": checkpoint ${p.checkpoint} is already committed to "${p.topic}"`);
      return;
    }
    if (this.session) {
      throw new EngineError('ENG_KAFKA_TRANSACTION', `sink.kafka "${this.nodeId}": the transaction of checkpoint ${p.checkpoint} must be committed before this sink starts producing (its producer start aborted it)`);
    }
    try {
      faultPoint('kafka.before-txn-commit');
      await commitPrepared(this.kafka, p, (ms) => this.timers.sleep(ms));
      faultPoint('kafka.after-txn-commit');
      this.committed = p.checkpoint;
      await this.untilVisible(p.checkpoint);
      this.ctx.log('info', `sink.kafka "${this.nodeId}": committed the transaction of checkpoint ${p.checkpoint} (producer ${p.producerId}, epoch ${p.producerEpoch}) left open by an earlier run`);
    } catch (error) {
      const type = protocolErrorType(error);
      if (!type || !FENCED_ERRORS.has(type)) throw this.describe(error, `could not commit the transaction of checkpoint ${p.checkpoint} while restoring`);
      const again = await this.lastCommittedId();
      if (again !== null && again >= p.checkpoint) return;
      throw new EngineError(
        'ENG_KAFKA_TRANSACTION',
        `sink.kafka "${this.nodeId}": the transaction of checkpoint ${info.id} (transactional id "${p.transactionalId}", producer ${p.producerId}, epoch ${p.producerEpoch}) can no longer be committed (${type}): ` +
          `the broker aborted it, most likely because it stayed open longer than its transaction.timeout.ms (${this.transactionTimeoutMs} ms). ` +
          `That time must cover the checkpoint interval plus the time until a crashed run is restarted. The rows of that checkpoint are not in topic "${p.topic}"; ` +
          'raise the transaction timeout (up to the broker\'s transaction.max.timeout.ms) well above the checkpoint interval, and Reset the pipeline to produce them again.',
      );
    }
  }

  /** The newest checkpoint this pipeline and node committed, read back from Kafka (at least once: null, it cannot tell). */
  async lastCommittedId(): Promise<number | null> {
    if (!this.commitsKey) return null;
    await this.commitsTopic();
    return readLastCommitted(this.kafka, this.commitsKey);
  }

  /**
   * Commits nothing. At least once: sends what is queued (a run's final checkpoint already did; code that
   * embeds the sink without checkpoints relies on it). Exactly once: a transaction with rows after the last
   * prepare is aborted (the next run produces them again from the checkpoint); a prepared one stays open
   * for the restore to commit.
   */
  async close(): Promise<SinkSummary> {
    let error: unknown;
    // A session still opening is closed too, once open (its connections must not outlive the sink).
    await this.opened();
    const session = this.session;
    // Rows queued for a producer that never got its id were not sent: that is the close's failure too.
    if (!session && this.failure !== undefined && this.queuedBytes > 0) error = this.failure;
    if (session) {
      if (!this.transactionalId) {
        await this.drain().catch((e: unknown) => { error = e; });
      } else {
        await Promise.all(this.sends);
        if (session.inTransaction() && !this.prepared) await session.abort().catch((e: unknown) => this.ctx.log('warn', `sink.kafka "${this.nodeId}": the open transaction was not aborted (${(e as Error).message}); the broker aborts it after transaction.timeout.ms or when the pipeline runs again`));
      }
      await session.close().catch(() => {});
    }
    this.session = undefined;
    this.opening = undefined;
    this.partitionsKnown = undefined;
    if (error !== undefined) throw error;
    return { rows: this.rows, topic: this.config.topic, delivery: this.delivery, transactions: this.transactions };
  }
}

export async function createKafkaSink(spec: Extract<NodeSpec, { type: 'sink.kafka' }>, ctx: NodeContext): Promise<KafkaSink> {
  const connection = await connectionFor(spec.config.connection, ctx.homeDir);
  const scope = (spec.config.delivery ?? 'exactly-once') === 'exactly-once' ? await installationId(ctx.homeDir) : undefined;
  return new KafkaSink(spec.id, spec.config, connection, ctx, { scope });
}

registerNode('sink.kafka', { kind: 'sink', create: (spec, ctx) => createKafkaSink(spec, ctx) });
