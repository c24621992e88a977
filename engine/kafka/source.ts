// source.kafka: a kafkajs consumer that pushes one batch per fetched topic-partition batch (so watermarks
// are per partition) and never awaits per message. Exactly-once resumes come from the positions (next
// offset per topic-partition) saved with checkpoints and lake commits: restore() makes the consumer seek
// there, and messages below a known position are skipped, which also absorbs re-deliveries after a
// broker restart or a rebalance (kafkajs restarts from group offsets, which are committed only after a
// checkpoint is durable, for lag monitoring).
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { EngineError } from '../errors.ts';
import type { KafkaSourceConfig, NodeSpec } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { Batch, DeadLetter, NodeContext, Row, SourceInstance, SourcePositions } from '../runtime/types.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import type { Decoder } from './formats.ts';
import { createDecoder, describePayload } from './formats.ts';
import { RegistryClient } from './registry/client.ts';
import { connectionFor } from './store.ts';

/** Options beyond the pipeline config: tests, benchmarks and hosts that embed the source directly. */
export interface KafkaSourceOptions {
  /** Stop once every partition reaches the end offset it had when the source started (drain a topic). */
  stopAtEnd?: boolean;
  maxMessageBytes?: number;
}

type Push = (batch: Batch, port?: 'out' | 'error') => Promise<void>;

/**
 * Headers as JSON text of a name → value object (null when there are none): a column of one stable type
 * that every sink can store, whatever header names each message carries.
 */
function headersOf(headers: IHeaders | undefined): string | null {
  if (!headers) return null;
  let out: Record<string, string> | undefined;
  for (const name in headers) {
    const v = headers[name];
    out ??= {};
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    out[name] = one === undefined ? '' : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out ? JSON.stringify(out) : null;
}

export class KafkaSource implements SourceInstance {
  /** topic/partition → next offset to read. */
  private readonly next = new Map<string, number>();
  /** Partitions whose restored or requested start still has to be sought after (re)assignment. */
  private readonly pendingSeek = new Set<string>();
  /** Partitions assigned to this consumer now, and those that have pushed at least one row this run. */
  private assigned = new Set<string>();
  private readonly introduced = new Set<string>();
  private introductions: { arrived: Set<string>; open: () => void; gate: Promise<void> } | undefined;
  private consumer: Consumer | undefined;
  private decoder: Decoder | undefined;
  private wantHeaders = true;

  constructor(
    private readonly nodeId: string,
    private readonly config: KafkaSourceConfig,
    private readonly connection: ConnectionConfig,
    private readonly ctx: NodeContext,
    private readonly options: KafkaSourceOptions = {},
  ) {
    if (!config.topics?.length && !config.topicPattern) {
      throw new EngineError('ENG_FORMAT_INVALID', `source.kafka "${nodeId}" needs "topics" or "topicPattern"`);
    }
  }

  positions(): SourcePositions {
    return Object.fromEntries(this.next);
  }

  restore(positions: SourcePositions): void {
    for (const [tp, offset] of Object.entries(positions)) {
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || !/\/\d+$/.test(tp)) {
        throw new EngineError('ENG_RUN_CHECKPOINT', `Kafka position ${JSON.stringify(tp)}: ${JSON.stringify(offset)} is not a topic/partition with an offset`);
      }
      this.next.set(tp, offset);
      this.pendingSeek.add(tp);
    }
  }

  private group(): string {
    return this.config.group ?? `streamlake-${this.ctx.pipelineName}-${this.nodeId}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  private async connectWithRetry(consumer: Consumer, signal: AbortSignal): Promise<boolean> {
    let delay = 500;
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.connect();
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

  private async topicsToRead(): Promise<string[]> {
    if (this.config.topics?.length) return this.config.topics;
    const admin = kafkaClient(this.connection, { log: this.ctx.log }).admin();
    await admin.connect();
    try {
      const pattern = new RegExp(this.config.topicPattern ?? '');
      return (await admin.listTopics()).filter((t) => !t.startsWith('__') && pattern.test(t));
    } finally {
      await admin.disconnect();
    }
  }

  /** Initial offsets for startFrom offset/timestamp, and end offsets for stopAtEnd. */
  private async plan(topics: string[]): Promise<{ start: Map<string, number>; end: Map<string, number> | undefined }> {
    const start = new Map<string, number>();
    const from = this.config.startFrom;
    const needStart = typeof from === 'object';
    if (!needStart && !this.options.stopAtEnd) return { start, end: undefined };
    const end = this.options.stopAtEnd ? new Map<string, number>() : undefined;
    const admin = kafkaClient(this.connection, { log: this.ctx.log }).admin();
    await admin.connect();
    try {
      for (const topic of topics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        for (const o of offsets) end?.set(`${topic}/${o.partition}`, Number(o.high));
        if (from && typeof from === 'object' && 'offset' in from) {
          for (const o of offsets) start.set(`${topic}/${o.partition}`, Math.min(Math.max(from.offset, Number(o.low)), Number(o.high)));
        } else if (from && typeof from === 'object' && 'timestamp' in from) {
          const ms = Date.parse(from.timestamp);
          if (Number.isNaN(ms)) throw new EngineError('ENG_FORMAT_INVALID', `startFrom.timestamp "${from.timestamp}" is not an ISO-8601 time`);
          for (const o of await admin.fetchTopicOffsetsByTimestamp(topic, ms)) start.set(`${topic}/${o.partition}`, Number(o.offset));
        }
      }
    } finally {
      await admin.disconnect();
    }
    return { start, end };
  }

  async run(push: Push, signal: AbortSignal): Promise<void> {
    const registry = this.connection.schemaRegistry ? new RegistryClient(this.connection.schemaRegistry) : undefined;
    this.decoder = createDecoder(this.config.format, { columns: this.config.columns, registry, maxBytes: this.options.maxMessageBytes, fields: this.ctx.fields });
    // Headers cost a JSON text per message: skip them when the pipeline is known not to read them.
    this.wantHeaders = !this.ctx.fields || this.ctx.fields.includes('_headers');
    const kafka = kafkaClient(this.connection, {
      clientId: `streamlake-${this.nodeId}`,
      log: this.ctx.log,
      retry: { initialRetryTime: 300, maxRetryTime: 3000, retries: 4, restartOnFailure: async () => true },
    });
    const consumer = kafka.consumer({
      groupId: this.group(),
      maxBytesPerPartition: 4 << 20,
      maxBytes: 16 << 20,
      minBytes: 1,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 3000,
    });
    this.consumer = consumer;
    if (!(await this.connectWithRetry(consumer, signal))) return;

    let topics: string[];
    let plan: Awaited<ReturnType<KafkaSource['plan']>>;
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        topics = await this.topicsToRead();
        plan = await this.plan(topics);
        break;
      } catch (error) {
        if (error instanceof EngineError) throw error;
        this.ctx.log('error', `Kafka metadata for ${this.config.topics?.join(', ') ?? this.config.topicPattern} could not be read: ${(error as Error).message}. Retrying.`);
        await this.ctx.timers.sleep(delay, signal);
        if (signal.aborted) return;
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

    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.assigned = new Set(Object.entries(event.payload.memberAssignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}/${p}`)));
      // After every (re)assignment, put each partition where our positions say, not where the group is.
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
        for (const partition of partitions) {
          const tp = `${topic}/${partition}`;
          const offset = this.next.get(tp);
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

    const from = this.config.startFrom;
    // Without a checkpoint or committed group offsets, the catalog's default is 'latest'.
    await consumer.subscribe({ topics: topics!, fromBeginning: from === 'earliest' || typeof from === 'object' });
    const onAbort = (): void => finish();
    signal.addEventListener('abort', onAbort, { once: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Concurrent per-partition handlers let the first rows of every partition be introduced together.
      partitionsConsumedConcurrently: 64,
      eachBatch: async (payload) => {
        if (signal.aborted) return;
        await this.handleBatch(payload, push);
        if (drained()) finish();
      },
    });
    try {
      await done;
    } finally {
      signal.removeEventListener('abort', onAbort);
      await consumer.disconnect().catch(() => {});
      this.consumer = undefined;
    }
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isStale, isRunning }: EachBatchPayload, push: Push): Promise<void> {
    const { topic, partition } = batch;
    const tp = `${topic}/${partition}`;
    const messages = batch.messages;
    if (messages.length === 0 || isStale() || !isRunning()) return;
    const position = this.next.get(tp);
    let first = 0;
    if (position !== undefined) {
      while (first < messages.length && Number(messages[first]!.offset) < position) first++;
      if (first === messages.length) {
        resolveOffset(messages[messages.length - 1]!.offset);
        return;
      }
    }
    const decoder = this.decoder!;
    const values: (Buffer | null)[] = new Array(messages.length - first);
    for (let i = first; i < messages.length; i++) values[i - first] = messages[i]!.value;
    await decoder.prepare(values);

    const rows: Row[] = [];
    const errors: Row[] = [];
    const at = new Date(this.ctx.clock.now());
    for (let i = first; i < messages.length; i++) {
      const m: KafkaMessage = messages[i]!;
      const offset = Number(m.offset);
      const decoded = decoder.decode(m.value);
      if ('error' in decoded) {
        const letter: DeadLetter = {
          reason: decoded.error,
          node: this.nodeId,
          port: 'error',
          payload: describePayload(m.value),
          source: { topic, partition, offset, key: m.key ? m.key.toString('utf8') : null },
          at,
        };
        errors.push(letter);
        continue;
      }
      const row = decoded.row;
      row._key = m.key === null ? null : m.key.toString('utf8');
      row._headers = this.wantHeaders ? headersOf(m.headers) : null;
      row._topic = topic;
      row._partition = partition;
      row._offset = offset;
      row._timestamp = new Date(Number(m.timestamp));
      rows.push(row);
    }
    const last = messages[messages.length - 1]!;
    const partitionId = `${this.nodeId}/${topic}/${partition}`;
    if (!this.introduced.has(tp) && rows.length > 0) {
      // Watermarks are per partition, but only for partitions a window has seen: if one partition's
      // first fetch (minutes of event time) went through before the others showed up, their older events
      // would all be late. So every partition's first row is pushed alone, together, before the rest.
      await this.introduction(tp);
      const firstRow = rows.shift()!;
      const firstOffset = firstRow._offset as number;
      const before = errors.filter((e) => ((e.source as Row).offset as number) < firstOffset);
      this.introduced.add(tp);
      this.next.set(tp, firstOffset + 1);
      await push({ rows: [firstRow], partition: partitionId }, 'out');
      if (before.length) {
        errors.splice(0, before.length);
        this.ctx.metrics.addError(before.length);
        await push({ rows: before, partition: partitionId }, 'error');
      }
    }
    // Positions cover the batch from the moment it is handed to push (the runtime's contract).
    this.next.set(tp, Number(last.offset) + 1);
    if (rows.length) await push({ rows, partition: partitionId }, 'out');
    if (errors.length) {
      this.ctx.metrics.addError(errors.length);
      await push({ rows: errors, partition: partitionId }, 'error');
    }
    resolveOffset(last.offset);
    await heartbeat();
  }

  /**
   * Waits until every assigned partition has a batch in hand (handlers run concurrently), or 1 s of
   * processing time for partitions that have no data at all.
   */
  private introduction(tp: string): Promise<void> {
    if (!this.introductions) {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => { open = resolve; });
      this.introductions = { arrived: new Set(), open, gate };
      void this.ctx.timers.sleep(1000, this.ctx.signal).then(open);
    }
    const round = this.introductions;
    round.arrived.add(tp);
    const waiting = [...this.assigned].filter((p) => !this.introduced.has(p) && !round.arrived.has(p));
    if (waiting.length === 0) {
      round.open();
      this.introductions = undefined;
    }
    return round.gate;
  }

  async committed(positions: SourcePositions): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const offsets = Object.entries(positions).flatMap(([tp, offset]) => {
      const i = tp.lastIndexOf('/');
      return typeof offset === 'number' ? [{ topic: tp.slice(0, i), partition: Number(tp.slice(i + 1)), offset: String(offset) }] : [];
    });
    if (offsets.length === 0) return;
    // Lag monitoring only: a failure here never affects what the lake holds.
    await consumer.commitOffsets(offsets).catch((error: unknown) => this.ctx.log('warn', `Kafka group offsets not committed: ${(error as Error).message}`));
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect().catch(() => {});
  }
}

export async function createKafkaSource(spec: Extract<NodeSpec, { type: 'source.kafka' }>, ctx: NodeContext, options: KafkaSourceOptions = {}): Promise<KafkaSource> {
  const connection = await connectionFor(spec.config.connection, ctx.homeDir);
  const extra = spec.config as KafkaSourceConfig & KafkaSourceOptions;
  return new KafkaSource(spec.id, spec.config, connection, ctx, { stopAtEnd: extra.stopAtEnd, maxMessageBytes: extra.maxMessageBytes, ...options });
}

registerNode('source.kafka', { kind: 'source', create: (spec, ctx) => createKafkaSource(spec, ctx) });
