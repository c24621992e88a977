// One producer session of sink.kafka, built from kafkajs' own transaction manager (eosManager) and send
// path on a cluster of our own, because the public Producer hides what exactly once needs: the producer id
// and epoch of the open transaction. A checkpoint keeps them, so a restarted engine can commit the
// transaction the crashed one prepared (EndTxn with those ids, `commitPrepared`) before it starts a new
// session, whose InitProducerId then fences the old producer and aborts whatever else it left open. This
// is what Flink's Kafka sink does when it resumes a transaction with a producer id and epoch.
//
// kafkajs internals used (2.2.4): producer/eosManager, producer/messageProducer, retry,
// network/connectionStatus, and the client's private cluster factory (cluster.ts).
import { createRequire } from 'node:module';
import type { Kafka, Message } from 'kafkajs';
import { EngineError } from '../../errors.ts';
import { internalCluster, type InternalCluster } from '../cluster.ts';
import type { EncodedRecords } from './produce-request.ts';

const require = createRequire(import.meta.url);

/** kafkajs' KafkaJSProtocolError carries the broker's error name here. */
interface ProtocolError extends Error { type?: string; retriable?: boolean }

interface EosManager {
  getProducerId(): string | number;
  getProducerEpoch(): number;
  getSequence(topic: string, partition: number): number;
  updateSequence(topic: string, partition: number, increment: number): void;
  addPartitionsToTransaction(topics: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
  isInTransaction(): boolean;
}

interface TopicMessages { topic: string; messages: Message[] }
interface MessageProducer {
  sendBatch(args: { acks: number; timeout?: number; compression: number; topicMessages: TopicMessages[] }): Promise<unknown[]>;
}

type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: Message }) => number;

interface ProducingBroker {
  produce(args: {
    transactionalId?: string;
    producerId: string | number;
    producerEpoch: number;
    acks: number;
    timeout: number;
    compression: number;
    topicData: { topic: string; partitions: { partition: number; firstSequence: number; messages: never[]; encoded: EncodedRecords }[] }[];
  }): Promise<unknown>;
}

interface SessionCluster extends InternalCluster {
  logger: unknown;
  refreshMetadataIfNecessary(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findGroupCoordinator(args: { groupId: string; coordinatorType: number }): Promise<{
    endTxn(args: { transactionalId: string; producerId: string; producerEpoch: number; transactionResult: boolean }): Promise<unknown>;
  }>;
}

const createEosManager = require('kafkajs/src/producer/eosManager/index.js') as (args: {
  logger: unknown; cluster: unknown; transactionTimeout: number; transactional: boolean; transactionalId?: string;
}) => EosManager;
const createMessageProducer = require('kafkajs/src/producer/messageProducer.js') as (args: {
  logger: unknown; cluster: unknown; partitioner: Partitioner; eosManager: EosManager; idempotent: boolean; retrier: unknown; getConnectionStatus: () => string;
}) => MessageProducer;
const createRetry = require('kafkajs/src/retry/index.js') as (options: object) => unknown;
const { CONNECTION_STATUS } = require('kafkajs/src/network/connectionStatus.js') as { CONNECTION_STATUS: { CONNECTED: string } };
/** kafkajs' protocol/coordinatorTypes: TRANSACTION. */
const TRANSACTION_COORDINATOR = 1;

/** Broker errors that mean another producer with this transactional id took over (or the broker aborted ours). */
export const FENCED_ERRORS = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING', 'INVALID_TXN_STATE', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

export function protocolErrorType(error: unknown): string | undefined {
  return error instanceof Error ? (error as ProtocolError).type : undefined;
}

/** The ids a prepared transaction is committed with, from any process. */
export interface TransactionIds {
  transactionalId: string;
  /** An int64, kept as decimal text (kafkajs' own representation) so no id above 2^53 loses digits. */
  producerId: string;
  producerEpoch: number;
}

export interface SessionOptions {
  /** Transactional id for exactly once; absent = idempotent producer without transactions. */
  transactionalId?: string;
  /** transaction.timeout.ms: how long the broker lets a transaction stay open before aborting it. */
  transactionTimeoutMs: number;
  partitioner: Partitioner;
}

function clusterOf(kafka: Kafka): SessionCluster {
  const cluster = internalCluster(kafka);
  if (!cluster) throw new EngineError('ENG_KAFKA_TRANSACTION', 'sink.kafka needs kafkajs 2.2.4 internals (its cluster) for exactly once, and this kafkajs hides them');
  return cluster as SessionCluster;
}

/** A connected producer: idempotent always, transactional when given a transactional id. */
export class ProducerSession {
  private readonly producer: MessageProducer;
  /** The last AddPartitionsToTxn: the partitions' concurrent sends add theirs one after the other. */
  private adding: Promise<void> = Promise.resolve();

  private constructor(
    private readonly cluster: SessionCluster,
    private readonly eos: EosManager,
    readonly transactionalId: string | undefined,
    partitioner: Partitioner,
    private readonly transactionTimeoutMs?: number,
  ) {
    this.producer = createMessageProducer({
      logger: cluster.logger,
      cluster,
      partitioner,
      eosManager: eos,
      idempotent: true,
      // Retries re-send with the same sequence numbers, so the broker drops what it already has. After
      // ~40 s of failures the send fails and so does the run: a restart resumes from the checkpoint.
      retrier: createRetry({ retries: 10, initialRetryTime: 300, maxRetryTime: 5000, factor: 0.2, multiplier: 2 }),
      getConnectionStatus: () => CONNECTION_STATUS.CONNECTED,
    });
  }

  /**
   * Connects, without a producer id yet (init() gets it): metadata such as partitions() may be read
   * meanwhile, and records encoded, while the producer id is on its way.
   */
  static async connect(kafka: Kafka, options: SessionOptions): Promise<ProducerSession> {
    const cluster = clusterOf(kafka);
    await cluster.connect();
    const eos = createEosManager({
      logger: cluster.logger,
      cluster,
      transactionTimeout: options.transactionTimeoutMs,
      transactional: options.transactionalId !== undefined,
      transactionalId: options.transactionalId,
    });
    return new ProducerSession(cluster, eos, options.transactionalId, options.partitioner, options.transactionTimeoutMs);
  }

  /**
   * Gets the producer id, before any send. With a transactional id this is InitProducerId at the
   * transaction coordinator: it bumps the epoch (fencing any older producer with this id) and aborts the
   * transaction that producer left open, so a prepared transaction must be committed before. On failure
   * the session is closed.
   */
  async init(): Promise<void> {
    try {
      await this.eos.initProducerId();
    } catch (error) {
      await this.cluster.disconnect().catch(() => {});
      if (protocolErrorType(error) === 'INVALID_TRANSACTION_TIMEOUT') {
        throw new EngineError('ENG_KAFKA_TRANSACTION', `The broker refused transaction.timeout.ms = ${this.transactionTimeoutMs} ms: it is above the broker's transaction.max.timeout.ms. Lower the sink's transaction timeout or raise the broker setting.`);
      }
      throw error;
    }
  }

  /** connect() and init(). */
  static async open(kafka: Kafka, options: SessionOptions): Promise<ProducerSession> {
    const session = await ProducerSession.connect(kafka, options);
    await session.init();
    return session;
  }

  ids(): TransactionIds | undefined {
    if (this.transactionalId === undefined) return undefined;
    return { transactionalId: this.transactionalId, producerId: String(this.eos.getProducerId()), producerEpoch: this.eos.getProducerEpoch() };
  }

  /** Partition count of a topic (its metadata is fetched, and the topic created if the broker allows it). */
  async partitions(topic: string, sleep: (ms: number) => Promise<void>): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.cluster.addMultipleTargetTopics([topic]);
        const count = this.cluster.findTopicPartitionMetadata(topic).length;
        if (count > 0) return count;
      } catch (error) {
        // A topic the broker is creating for us (auto-creation) is unknown for a moment.
        if (!(error as ProtocolError).retriable || attempt >= 20) throw error;
      }
      if (attempt >= 20) throw new EngineError('ENG_KAFKA_CONNECT', `Kafka topic "${topic}" has no partitions the broker reports (does it exist, and may the broker create it?)`);
      await sleep(Math.min(100 * attempt, 1000));
    }
  }

  inTransaction(): boolean {
    return this.eos.isInTransaction();
  }

  begin(): void {
    this.eos.beginTransaction();
  }

  /** Sends and resolves once every partition leader has the messages from all in-sync replicas. */
  async send(topicMessages: TopicMessages[], compression: number): Promise<void> {
    await this.producer.sendBatch({ acks: -1, compression, topicMessages });
  }

  /**
   * Sends records the sink encoded itself (sink/builder.ts), one batch per partition, to each partition's
   * leader, with the session's producer id, epoch and sequence numbers (in its transaction when
   * transactional): kafkajs' send path without its Message objects. A retriable failure (leader moved,
   * connection lost) re-sends what was not acknowledged with the same sequence numbers, so the broker
   * keeps each batch once. Concurrent calls must be for different partitions (sink.ts keeps one per
   * partition), so each partition's sequence numbers go out in order.
   */
  async sendEncoded(topic: string, chunks: readonly (EncodedRecords & { partition: number })[], compression: number, sleep: (ms: number) => Promise<void>): Promise<void> {
    let pending = [...chunks];
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await this.cluster.refreshMetadataIfNecessary();
        const byPartition = new Map(pending.map((c) => [c.partition, c]));
        const leaders = this.cluster.findLeaderForPartitions(topic, [...byPartition.keys()]);
        const failures: unknown[] = [];
        await Promise.all(Object.entries(leaders).map(async ([nodeId, partitions]) => {
          const broker = (await this.cluster.findBroker({ nodeId })) as unknown as ProducingBroker;
          if (this.transactionalId !== undefined) await this.addToTransaction(topic, partitions);
          const entries = partitions.map((partition) => {
            const encoded = byPartition.get(partition)!;
            const firstSequence = this.eos.getSequence(topic, partition);
            this.eos.updateSequence(topic, partition, encoded.count);
            return { partition, firstSequence, messages: [] as never[], encoded };
          });
          try {
            await broker.produce({
              transactionalId: this.transactionalId,
              producerId: this.eos.getProducerId(),
              producerEpoch: this.eos.getProducerEpoch(),
              acks: -1,
              timeout: 30_000,
              compression,
              topicData: [{ topic, partitions: entries }],
            });
            for (const partition of partitions) byPartition.delete(partition);
          } catch (error) {
            for (const e of entries) this.eos.updateSequence(topic, e.partition, -e.encoded.count);
            failures.push(error);
          }
        }));
        pending = [...byPartition.values()];
        if (failures.length > 0) throw failures[0];
        if (pending.length > 0) throw Object.assign(new Error(`no leader known for partitions ${pending.map((c) => c.partition).join(', ')} of ${topic}`), { retriable: true });
      } catch (error) {
        const e = error as ProtocolError;
        const retriable = e.retriable === true || /Connection|Timeout|Metadata/.test(e.name);
        if (!retriable || attempt >= 10) throw error;
        // A retry frames its batches in a copy: the failed request may still sit in a socket's queue, and
        // framing again in place (a new timestamp, so a new CRC) would change the bytes it is sending.
        pending = pending.map((c) => ({ partition: c.partition, count: c.count, records: Buffer.from(c.records) }));
        await this.cluster.refreshMetadata().catch(() => {});
        await sleep(Math.min(300 * 2 ** (attempt - 1), 5000));
      }
    }
  }

  /**
   * AddPartitionsToTxn for partitions not yet in the transaction. Sends of several partitions run at once
   * (one per partition, sink.ts); chained, each call sees what the earlier ones added, and a partition is
   * added once.
   */
  private addToTransaction(topic: string, partitions: number[]): Promise<void> {
    const added = this.adding.then(() => this.eos.addPartitionsToTransaction([{ topic, partitions: partitions.map((partition) => ({ partition })) }]));
    this.adding = added.catch(() => {});
    return added;
  }

  async commit(): Promise<void> {
    await this.eos.commit();
  }

  async abort(): Promise<void> {
    await this.eos.abort();
  }

  async close(): Promise<void> {
    await this.cluster.disconnect();
  }
}

/**
 * Commits a transaction another session (an earlier, crashed process) prepared: EndTxn(commit) with its
 * transactional id, producer id and epoch, sent to the transaction coordinator. Committing a transaction
 * that is already committed with these ids succeeds again; one the broker aborted (it timed out, or a
 * newer producer fenced it) fails with one of FENCED_ERRORS.
 */
export async function commitPrepared(kafka: Kafka, ids: TransactionIds, sleep: (ms: number) => Promise<void>): Promise<void> {
  const cluster = clusterOf(kafka);
  await cluster.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const coordinator = await cluster.findGroupCoordinator({ groupId: ids.transactionalId, coordinatorType: TRANSACTION_COORDINATOR });
        await coordinator.endTxn({ ...ids, transactionResult: true });
        return;
      } catch (error) {
        // The coordinator is still writing the markers of an earlier EndTxn, or is moving: ask again.
        const type = protocolErrorType(error);
        if (type !== 'CONCURRENT_TRANSACTIONS' && type !== 'COORDINATOR_LOAD_IN_PROGRESS' && type !== 'NOT_COORDINATOR' && type !== 'COORDINATOR_NOT_AVAILABLE') throw error;
        if (attempt >= 30) throw error;
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  } finally {
    await cluster.disconnect().catch(() => {});
  }
}
