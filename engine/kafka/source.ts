// source.kafka: a kafkajs consumer that pushes one batch per fetched topic-partition batch (so watermarks
// are per partition) and never awaits per message. Exactly-once resumes come from the positions (next
// offset per topic-partition) saved with checkpoints and lake commits: restore() makes the consumer seek
// there, and messages below a known position are skipped, which also absorbs re-deliveries after a
// broker restart or a rebalance (kafkajs restarts from group offsets, which are committed only after a
// checkpoint is durable, for lag monitoring).
import type { Admin, Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { EngineError } from '../errors.ts';
import type { KafkaSourceConfig, NodeSpec } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { TimerHandle } from '../runtime/clock.ts';
import type { Fusion } from '../runtime/fusion.ts';
import type { Batch, NodeContext, SourceInstance, SourcePositions } from '../runtime/types.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import type { Decoded, Decoder } from './formats.ts';
import { createDecoder, usesRegistry } from './formats.ts';
import { Reachability } from './reachability.ts';
import type { KafkaRecord } from './records.ts';
import { RegistryClient } from './registry/client.ts';
import { commitEmptyGroupOffsets, EmptyGroupCommitter, type GroupOffset } from './source/group-offsets.ts';
import { checkPosition, groupOffsets } from './source/positions.ts';
import { batchRows, metadataFields, offsetOf, type MetadataField, type MetadataFlags } from './source/rows.ts';
import { consumerConfig, partitionsWithEvents, startPlan, type StartPlan } from './source/start.ts';
import { connectionFor } from './store.ts';
import { decodeValuesFused, decodeValuesPooled, refusedValues } from '../workers/kafka-values.ts';
import { DecodePool, decodeWorkers, workersAvailable } from '../workers/pool.ts';

/** Overrides of the pipeline config's stopAtEnd and maxMessageBytes, for code that embeds the source. */
export type KafkaSourceOptions = Pick<KafkaSourceConfig, 'stopAtEnd' | 'maxMessageBytes'>;

type Push = (batch: Batch, port?: 'out' | 'error') => Promise<void>;

/** How long the group-offsets connection opened at the end of the input waits for its commit. */
const committerIdleMs = 5000;

/** Resolves on a later turn of the event loop, after the I/O callbacks already due. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class KafkaSource implements SourceInstance {
  /** topic/partition → next offset to read. */
  private readonly next = new Map<string, number>();
  /** Partitions whose restored or requested start still has to be sought after (re)assignment. */
  private readonly pendingSeek = new Set<string>();
  /** Partitions assigned to this consumer now. */
  private assigned = new Set<string>();
  /**
   * Restored from a checkpoint: its positions are the only restore source. A partition missing from them
   * (created after the checkpoint) starts at its earliest offset, never at the group's offset, which is
   * informational only (lag tools) and may be past events no sink has.
   */
  private restored = false;
  /** The consumer connected at least once (group offsets can be set after it left). */
  private connected = false;
  /** With `restored`: each partition's earliest offset when the run started. */
  private readonly earliest = new Map<string, number>();
  /** What the windows were last told about each partition's backlog (Batch.backlog). */
  private readonly backlogs = new Map<string, boolean>();
  /** The announcement of the partitions of the latest assignment: batches wait for it. */
  private announcing: Promise<void> = Promise.resolve();
  private consumer: Consumer | undefined;
  private readonly stopAtEnd: boolean;
  private readonly maxMessageBytes: number | undefined;
  /** The group offset commits in flight, in order (and the consumer's leaving, after them). */
  private committing: Promise<void> = Promise.resolve();
  /**
   * The admin client of the start (topic pattern, start plan, first announcement), connected while the
   * consumer connects and joins, and shared by those calls: each used to connect and disconnect one.
   */
  private startAdmin: Promise<Admin> | undefined;
  /** Opened when the input ends, for the final checkpoint's group offsets (see EmptyGroupCommitter). */
  private committer: { client: EmptyGroupCommitter; idle: TimerHandle } | undefined;
  /** The disconnects of the start's admin client and of the committer, awaited by close(). */
  private closing: Promise<void> = Promise.resolve();
  private decoder: Decoder | undefined;
  private pool: DecodePool | undefined;
  /** Set when the pool runs the pipeline's chain and window too (runtime/fusion.ts). */
  private fused: Fusion | undefined;
  /** Batches delivered pre-aggregated rather than as rows. */
  fusedBatches = 0;
  /** Only Avro needs a look at a batch's payloads before decoding them (schema ids). */
  private preparing = false;
  /** The message metadata fields to set: all of them unless the pipeline is known to read only some. */
  private meta: MetadataFlags = { key: true, headers: true, topic: true, partition: true, offset: true, timestamp: true };
  /** Failed connection attempts, shown on the node while they last (NodeContext.report). */
  private readonly reach: Reachability;

  constructor(
    private readonly nodeId: string,
    private readonly config: KafkaSourceConfig,
    private readonly connection: ConnectionConfig,
    private readonly ctx: NodeContext,
    options: KafkaSourceOptions = {},
  ) {
    this.stopAtEnd = options.stopAtEnd ?? config.stopAtEnd ?? false;
    this.maxMessageBytes = options.maxMessageBytes ?? config.maxMessageBytes;
    this.reach = new Reachability(connection.brokers, ctx.report?.bind(ctx));
    if (!config.topics?.length && !config.topicPattern) {
      throw new EngineError('ENG_FORMAT_INVALID', `source.kafka "${nodeId}" needs "topics" or "topicPattern"`);
    }
  }

  positions(): SourcePositions {
    return Object.fromEntries(this.next);
  }

  restore(positions: SourcePositions): void {
    for (const [tp, offset] of Object.entries(positions)) {
      checkPosition(tp, offset);
      this.next.set(tp, offset);
      this.pendingSeek.add(tp);
    }
    this.restored = true;
  }

  private group(): string {
    return this.config.group ?? `streamlake-${this.ctx.pipelineName}-${this.nodeId}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  private async connectWithRetry(consumer: Consumer, signal: AbortSignal): Promise<boolean> {
    let delay = 500;
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.connect();
        this.reach.reached();
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        this.ctx.log('error', `Kafka at ${this.connection.brokers.join(', ')} (connection "${this.connection.name}") is not reachable: ${(error as Error).message}. Retry ${attempt} in ${Math.round(delay / 1000 * 10) / 10} s.`);
        await this.ctx.timers.sleep(delay, signal);
        if (signal.aborted) return false;
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  /** Connects the start's shared admin client, unless it is connected or connecting. */
  private openStartAdmin(): Promise<Admin> {
    if (!this.startAdmin) {
      const admin = kafkaClient(this.connection, { log: this.reach.wrap(this.ctx.log) }).admin();
      const connected = admin.connect().then(() => admin);
      this.startAdmin = connected;
      // A failed connect is reported by the call that uses it, and the next call connects anew.
      connected.catch(() => {
        if (this.startAdmin === connected) this.startAdmin = undefined;
      });
    }
    return this.startAdmin;
  }

  /**
   * Disconnects the start's admin client (close() awaits it, nothing else need); later calls
   * (rebalances) connect their own.
   */
  private closeStartAdmin(): void {
    const admin = this.startAdmin;
    this.startAdmin = undefined;
    if (admin) this.closing = Promise.all([this.closing, admin.then((a) => a.disconnect()).catch(() => {})]).then(() => {});
  }

  /** Takes the committer opened at the end of the input, if any; the caller closes it. */
  private takeCommitter(): EmptyGroupCommitter | undefined {
    const taken = this.committer;
    this.committer = undefined;
    taken?.idle.cancel();
    return taken?.client;
  }

  private closeCommitter(): void {
    const client = this.takeCommitter();
    if (client) this.closing = Promise.all([this.closing, client.close()]).then(() => {});
  }

  /**
   * Runs `use` with a connected admin client of this source's connection: the start's shared one while
   * the source starts, else one connected for this call and disconnected afterwards.
   */
  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.startAdmin) return use(await this.startAdmin);
    const admin = kafkaClient(this.connection, { log: this.reach.wrap(this.ctx.log) }).admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  }

  private async topicsToRead(): Promise<string[]> {
    if (this.config.topics?.length) return this.config.topics;
    const pattern = new RegExp(this.config.topicPattern ?? '');
    return this.withAdmin(async (admin) => (await admin.listTopics()).filter((t) => !t.startsWith('__') && pattern.test(t)));
  }

  /** Initial offsets for startFrom offset/timestamp, and end offsets for stopAtEnd. */
  private async plan(topics: string[]): Promise<StartPlan> {
    const from = this.config.startFrom;
    const needStart = typeof from === 'object';
    if (!needStart && !this.stopAtEnd && !this.restored) return { start: new Map<string, number>(), end: undefined };
    return this.withAdmin((admin) => startPlan(admin, topics, from, this.stopAtEnd, this.restored ? this.earliest : undefined));
  }

  async run(push: Push, signal: AbortSignal): Promise<void> {
    const registry = this.connection.schemaRegistry ? new RegistryClient(this.connection.schemaRegistry) : undefined;
    const read = this.ctx.fields;
    // Header JSON, key strings and timestamp Dates cost an allocation per message: skip the unread ones.
    if (read) for (const [name, field] of Object.entries(metadataFields)) this.meta[name as keyof typeof metadataFields] = read.includes(field);
    const valueFields = read?.filter((f) => !Object.values(metadataFields).includes(f as MetadataField));
    this.decoder = createDecoder(this.config.format, { columns: this.config.columns, registry, maxBytes: this.maxMessageBytes, fields: valueFields, encoding: this.config.encoding });
    this.preparing = usesRegistry(this.config.format);
    // JSON values can be decoded on worker threads (engine/workers). Workers decode with the default
    // encoding (strict UTF-8) only, so another encoding stays inline. The chain and window run on the
    // workers too when no row needs the message's metadata (runtime/fusion.ts): such a pipeline gets one
    // worker by default, as fused file pipelines do (engine/workers/README.md has the measurements: on
    // two cores shared with the broker the same wall time, within the bench's order effect, for half the
    // run's thread's CPU, which is the limit wherever cores are not all taken); rows handed back stay
    // off unless STREAMLAKE_WORKERS says.
    this.fused = this.ctx.fusion && read && !Object.values(this.meta).some(Boolean) ? this.ctx.fusion : undefined;
    const workers = this.config.format === 'json' && (this.config.encoding ?? 'utf-8') === 'utf-8' ? decodeWorkers(undefined, this.fused !== undefined) : 0;
    if (workers > 0 && workersAvailable()) {
      this.pool = new DecodePool(workers, { format: 'kafka-json', fields: valueFields, maxBytes: this.maxMessageBytes, ...(this.fused ? { fused: { plan: this.fused.plan, sample: 200 } } : {}) });
    }
    const kafka = kafkaClient(this.connection, {
      clientId: `streamlake-${this.nodeId}`,
      log: this.reach.wrap(this.ctx.log),
      retry: { initialRetryTime: 300, maxRetryTime: 3000, retries: 4, restartOnFailure: async () => true },
    });
    const consumer = kafka.consumer(consumerConfig(this.group()));
    this.consumer = consumer;
    // The start's metadata calls need no consumer: their admin connects alongside it.
    this.openStartAdmin().catch(() => {});
    if (!(await this.connectWithRetry(consumer, signal))) {
      this.closeStartAdmin();
      return;
    }
    this.connected = true;

    let topics: string[];
    let plan: StartPlan;
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        topics = await this.topicsToRead();
        plan = await this.plan(topics);
        break;
      } catch (error) {
        if (error instanceof EngineError) {
          this.closeStartAdmin();
          throw error;
        }
        this.ctx.log('error', `Kafka metadata for ${this.config.topics?.join(', ') ?? this.config.topicPattern} could not be read: ${(error as Error).message}. Retrying.`);
        await this.ctx.timers.sleep(delay, signal);
        if (signal.aborted) {
          this.closeStartAdmin();
          return;
        }
      }
    }
    for (const [tp, offset] of plan.start) {
      if (!this.next.has(tp)) {
        this.next.set(tp, offset);
        this.pendingSeek.add(tp);
      }
    }
    const end = plan.end;
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject; });
    const drained = (): boolean => {
      if (!end) return false;
      for (const [tp, high] of end) if ((this.next.get(tp) ?? 0) < high) return false;
      return true;
    };
    if (drained()) finish();
    const inFlight = new Map<string, Promise<void>>();

    const from = this.config.startFrom;
    const fromBeginning = from === 'earliest' || typeof from === 'object';
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.reach.reached();
      this.assigned = new Set(Object.entries(event.payload.memberAssignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}/${p}`)));
      // kafkajs fetches only after this event, and every batch handler waits for the announcement.
      const assigned = [...this.assigned];
      this.announcing = this.announcing.then(() => this.announce(topics, assigned, fromBeginning, push)).then(() => this.closeStartAdmin()).then(() => { if (drained()) finish(); }).catch(fail);
      // After every (re)assignment, put each partition where our positions say, not where the group is.
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
        for (const partition of partitions) {
          const tp = `${topic}/${partition}`;
          let offset = this.next.get(tp);
          if (offset === undefined && this.restored) {
            // Not in the checkpoint: the partition is newer than it, so all its events are still to come.
            offset = this.earliest.get(tp) ?? 0;
            this.next.set(tp, offset);
          }
          if (offset !== undefined) {
            this.pendingSeek.delete(tp);
            consumer.seek({ topic, partition, offset: String(offset) });
          }
        }
      }
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) fail(new EngineError('ENG_KAFKA_CONNECT', `The Kafka consumer stopped: ${event.payload.error.message}`));
      else this.ctx.log('warn', `Kafka consumer restarting after: ${event.payload.error.message}`);
    });

    // A fetch holding only transaction markers or aborted records never reaches eachBatch (kafkajs moves
    // on by itself): the position steps over them here, after the partition's batch in hand, or a
    // transactional topic would never count as drained (its end lies past its last commit marker).
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const { topic, partition, batchSize, lastOffset, highWatermark } = event.payload;
      if (batchSize !== 0) return;
      const tp = `${topic}/${partition}`;
      const after = Number(lastOffset) + 1;
      const work = (inFlight.get(tp) ?? Promise.resolve()).then(async () => {
        const position = this.next.get(tp);
        if (position === undefined || after > position) this.next.set(tp, after);
        await this.signalBacklog(tp, (this.next.get(tp) ?? after) < Number(highWatermark), push);
        if (drained()) finish();
      }).catch(fail);
      inFlight.set(tp, work);
    });

    // Without a checkpoint or committed group offsets, the catalog's default is 'latest'.
    await consumer.subscribe({ topics: topics!, fromBeginning });
    let ended = false;
    const onAbort = (): void => finish();
    signal.addEventListener('abort', onAbort, { once: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // One handler per partition, so a partition's batch in hand never waits for another partition's.
      partitionsConsumedConcurrently: 64,
      eachBatch: async (payload) => {
        // After the end, the consumer leaves in the background: what it still fetches is not delivered.
        if (ended) return;
        const { batch, resolveOffset, isStale } = payload;
        const tp = `${batch.topic}/${batch.partition}`;
        this.reach.reached();
        // kafkajs fetches again only once every handler of the last fetch has returned. Returning while
        // this batch is still being processed (one batch in hand per partition) lets the next fetch travel
        // meanwhile; partitions stay in order because a handler first waits for its partition's previous one.
        // The work starts on a later turn of the event loop: begun at once, it decoded the whole batch in
        // the microtasks that come before kafkajs sends the next fetch request, and the thread then sat
        // idle for that fetch (~16 % of a drain).
        await inFlight.get(tp);
        await this.announcing;
        if (signal.aborted || isStale()) return;
        const work = nextTurn().then(() => this.handleBatch(payload, push)).then(() => { if (drained()) finish(); }, fail);
        inFlight.set(tp, work);
        // kafkajs fetches from the resolved offset; group offsets are committed only in committed().
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
      },
    });
    try {
      await done;
    } finally {
      ended = true;
      signal.removeEventListener('abort', onAbort);
      this.consumer = undefined;
      // The run's end need not wait for the consumer to leave (its fetch in flight at the end of the log
      // is answered after maxWaitTimeInMs): it leaves after the commits in flight, and the final
      // checkpoint's offsets are set after it left (committed() chains on `committing`) through a
      // connection opened now, while the run takes that checkpoint.
      this.committing = this.committing.then(() => consumer.disconnect()).catch(() => {});
      if (!this.committer) {
        const client = new EmptyGroupCommitter(kafkaClient(this.connection, { log: this.reach.wrap(this.ctx.log) }), this.group());
        // Code that embeds the source may never commit nor close it: the connection does not outlive that.
        this.committer = { client, idle: this.ctx.timers.after(committerIdleMs, () => this.closeCommitter()) };
      }
      await Promise.all(inFlight.values());
      this.closeStartAdmin();
      await this.pool?.close();
      this.pool = undefined;
    }
  }

  private async handleBatch({ batch, heartbeat, isStale, isRunning }: EachBatchPayload, push: Push): Promise<void> {
    const { topic, partition } = batch;
    const tp = `${topic}/${partition}`;
    const messages = batch.messages as readonly (KafkaMessage | KafkaRecord)[];
    if (messages.length === 0 || isStale() || !isRunning()) return;
    const position = this.next.get(tp);
    let first = 0;
    if (position !== undefined) {
      while (first < messages.length && offsetOf(messages[first]!) < position) first++;
      if (first === messages.length) return;
    }
    // Under --max-events only the granted messages are delivered, and the position covers just those.
    const granted = this.ctx.budget ? this.ctx.budget(messages.length - first) : messages.length - first;
    if (granted <= 0) return;
    const until = first + granted;
    const decoder = this.decoder!;
    if (this.preparing) {
      const values: (Buffer | null)[] = new Array(until - first);
      for (let i = first; i < until; i++) values[i - first] = messages[i]!.value;
      await decoder.prepare(values);
    }

    const partitionId = `${this.nodeId}/${topic}/${partition}`;
    const last = messages[until - 1]!;
    // A whole batch also covers the transaction markers and aborted records after its last message.
    const through = until === messages.length ? Math.max(offsetOf(last), Number(batch.lastOffset())) : offsetOf(last);
    let pooled: Decoded[] | undefined;
    if (this.pool && this.fused) {
      // Pre-aggregated on the worker (runtime/fusion.ts): delivered in the step that moves the position,
      // unless the window refuses it; then, like a batch with failing messages, its values come as rows.
      const answer = await decodeValuesFused(this.pool, messages, first, until);
      if ('fused' in answer) {
        const delivered = this.fused.deliver(partitionId, answer.fused.batch);
        if (delivered) {
          answer.fused.release();
          this.next.set(tp, through + 1);
          this.fusedBatches++;
          const signalled = this.signalBacklog(tp, through + 1 < Number(batch.highWatermark), push);
          await delivered;
          await signalled;
          await heartbeat().catch((error: unknown) => this.ctx.log('debug', `Kafka heartbeat after a batch of ${tp}: ${(error as Error).message}`));
          return;
        }
        pooled = await refusedValues(answer.fused, until - first);
      } else pooled = answer.values;
    } else if (this.pool) pooled = await decodeValuesPooled(this.pool, messages, first, until);
    const { rows, errors } = batchRows(messages, first, until, pooled, decoder, this.meta, { nodeId: this.nodeId, topic, partition, clock: this.ctx.clock });
    // Positions cover the batch from the moment it is handed to push (the runtime's contract), and push
    // delivers synchronously: both ports are handed over in this same step, so no checkpoint can cover
    // error rows that are still waiting for room behind the batch's good rows.
    this.next.set(tp, through + 1);
    if (errors.length) this.ctx.metrics.addError(errors.length);
    const delivered: Promise<void>[] = [];
    if (rows.length) delivered.push(push({ rows, partition: partitionId }, 'out'));
    if (errors.length) delivered.push(push({ rows: errors, partition: partitionId }, 'error'));
    delivered.push(this.signalBacklog(tp, through + 1 < Number(batch.highWatermark), push));
    await Promise.all(delivered);
    // The heartbeat keeps the membership alive through slow pushes, but its errors are not this batch's
    // (it has been pushed) nor the run's: kafkajs' own loop, whose handler for this batch returned long
    // ago, sends the next heartbeat itself, meets the same rebalance or broker fault and rejoins, or
    // reports what it cannot recover from as a CRASH. Thrown from here, a rebalance (another consumer
    // joining the group) failed the run.
    await heartbeat().catch((error: unknown) => this.ctx.log('debug', `Kafka heartbeat after a batch of ${tp}: ${(error as Error).message}`));
  }

  /**
   * Announces every partition of the topics that has events to come (the position we will read from is
   * below the partition's end), assigned to us or not yet: after a crash the killed member keeps some
   * partitions until its session expires, and a window that did not wait for them would take their
   * events for late ones once they come back. An announced partition holds the watermark until it
   * delivers or goes idle. Where that cannot be told (the broker did not answer), the assigned
   * partitions are announced.
   */
  private async announce(topics: readonly string[], assigned: readonly string[], fromBeginning: boolean, push: Push): Promise<void> {
    let pending: string[];
    try {
      pending = await this.withEvents(topics, fromBeginning);
    } catch (error) {
      this.ctx.log('debug', `Kafka offsets for announcing ${assigned.join(', ')}: ${(error as Error).message}; announcing them all`);
      // Which of them have events to come is unknown: announced without a backlog, they may go idle.
      for (const tp of assigned) await push({ rows: [], partition: `${this.nodeId}/${tp}`, announce: true });
      return;
    }
    // Every partition of the topics is this pipeline's to read, so one with events to come has them at
    // hand even while the group still gives it to a killed member of an earlier run: it never goes idle.
    for (const tp of pending) await this.signalBacklog(tp, true, push);
  }

  /**
   * Tells the windows, when it changed, whether the partition has events at hand (Batch.backlog): after
   * a batch, whether its position is below the end (the high watermark) the broker gave with it. Events
   * of an open transaction count too: they come once it commits, or are stepped over once it aborts.
   * An announcement of a partition the windows do not know yet adds it, holding the watermark.
   */
  private signalBacklog(tp: string, backlog: boolean, push: Push): Promise<void> {
    // Unknown counts as none: a window knows of no backlog the source did not announce.
    if ((this.backlogs.get(tp) ?? false) === backlog) return Promise.resolve();
    this.backlogs.set(tp, backlog);
    return push({ rows: [], partition: `${this.nodeId}/${tp}`, announce: true, backlog });
  }

  /** The partitions of these topics with events to come (start/partitionsWithEvents). */
  private async withEvents(topics: readonly string[], fromBeginning: boolean): Promise<string[]> {
    return this.withAdmin((admin) => partitionsWithEvents(admin, topics, fromBeginning, this.next, this.restored, this.group()));
  }

  async committed(positions: SourcePositions): Promise<void> {
    const consumer = this.consumer;
    const offsets = groupOffsets(positions);
    if (offsets.length === 0 || (!consumer && !this.connected)) return;
    // The barrier (and so the next lake commit) need not wait for the broker's answer: commits are chained
    // so they land in order, and the consumer disconnects only after the last one. A failure never affects
    // what the lake holds. After the input ended (the final checkpoint comes after run() returned and the
    // consumer left the group) the offsets are set through the admin API, so lag tools see the end too.
    this.committing = this.committing
      .then(() => (consumer ? consumer.commitOffsets(offsets) : this.setGroupOffsets(offsets)))
      .catch((error: unknown) => this.ctx.log('warn', `Kafka group offsets not committed: ${(error as Error).message}`));
  }

  private async setGroupOffsets(offsets: readonly GroupOffset[]): Promise<void> {
    // One OffsetCommit for the now empty group, as Kafka's AdminClient does; kafkajs' admin.setOffsets
    // (the fallback) joins the group and takes ~5 s, which every run used to wait for at its end.
    const committer = this.takeCommitter();
    if (committer) {
      try {
        if (await committer.commit(offsets)) return;
      } catch (error) {
        // E.g. the coordinator moved since: the fresh lookup below finds it.
        this.ctx.log('debug', `Kafka group offsets over the connection opened ahead: ${(error as Error).message}; retrying`);
      } finally {
        this.closing = Promise.all([this.closing, committer.close()]).then(() => {});
      }
    }
    const kafka = kafkaClient(this.connection, { log: this.reach.wrap(this.ctx.log) });
    if (await commitEmptyGroupOffsets(kafka, this.group(), offsets)) return;
    const topics = [...new Set(offsets.map((o) => o.topic))];
    await this.withAdmin(async (admin) => {
      for (const topic of topics) {
        await admin.setOffsets({ groupId: this.group(), topic, partitions: offsets.filter((o) => o.topic === topic).map((o) => ({ partition: o.partition, offset: o.offset })) });
      }
    });
  }

  async close(): Promise<void> {
    await this.committing;
    await this.consumer?.disconnect().catch(() => {});
    this.closeStartAdmin();
    this.closeCommitter();
    await this.closing;
  }
}

export async function createKafkaSource(spec: Extract<NodeSpec, { type: 'source.kafka' }>, ctx: NodeContext, options: KafkaSourceOptions = {}): Promise<KafkaSource> {
  const connection = await connectionFor(spec.config.connection, ctx.homeDir);
  return new KafkaSource(spec.id, spec.config, connection, ctx, options);
}

registerNode('source.kafka', { kind: 'source', create: (spec, ctx) => createKafkaSource(spec, ctx) });
