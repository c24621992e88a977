// Which checkpoint an exactly-once sink.kafka last committed, kept by Kafka itself: every transaction
// also writes one record to the compacted topic `__streamlake_sink_commits`, keyed `<pipeline>/<node>`
// with the checkpoint id as value. The record becomes visible exactly when the transaction's rows do, so
// reading which of the topic's transactions committed answers "is checkpoint N committed?" without
// trusting anything the engine remembers: an unknown outcome (a crash around EndTxn) is resolved by reading.
import type { Kafka, Message } from 'kafkajs';
import { EngineError } from '../../errors.ts';
import { internalCluster, type InternalFetchPartition } from '../cluster.ts';

export const COMMITS_TOPIC = '__streamlake_sink_commits';
/** One partition: a reader finds a sink's records without hashing, and the topic stays small (compacted). */
const COMMITS_PARTITION = 0;
/** kafkajs' protocol/isolationLevel. */
const READ_UNCOMMITTED = 0;

export interface CommitRecord {
  checkpoint: number;
  topic: string;
  /** Wall-clock time of the prepare, for people reading the topic. */
  at: string;
}

export function commitKey(pipeline: string, node: string): string {
  return `${pipeline}/${node}`;
}

/** The record a transaction carries for its checkpoint. */
export function commitMessage(key: string, record: CommitRecord): Message {
  return { key, value: JSON.stringify(record), partition: COMMITS_PARTITION };
}

function parseRecord(value: Buffer | null): CommitRecord | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value.toString('utf8')) as Partial<CommitRecord>;
    return typeof v.checkpoint === 'number' && Number.isInteger(v.checkpoint) ? { checkpoint: v.checkpoint, topic: String(v.topic ?? ''), at: String(v.at ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the commits topic (compacted, one partition) unless it exists. */
export async function ensureCommitsTopic(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(COMMITS_TOPIC)) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{
        topic: COMMITS_TOPIC,
        numPartitions: 1,
        // Compaction keeps the newest record per sink; hourly segments let it run.
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.ms', value: String(3_600_000) }],
      }],
    });
  } catch (error) {
    // Another sink created it meanwhile.
    if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test((error as Error).message)) throw error;
  } finally {
    await admin.disconnect();
  }
}

type FetchWithIsolation = (args: {
  isolationLevel: number;
  maxWaitTime: number;
  minBytes: number;
  maxBytes: number;
  topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
}) => Promise<{ responses: { topicName: string; partitions: InternalFetchPartition[] }[] }>;

/** What both kafkajs' records and ours (records.ts) expose of a fetched record. */
interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Absent on messages of the legacy (pre-0.11) format, which has no transactions. */
  batchContext?: { producerId: string; inTransaction: boolean; isControlBatch: boolean };
}

/** A control record's key: version (int16) then type (int16), 0 = abort, 1 = commit. */
function isCommitMarker(key: Buffer | null): boolean {
  return key !== null && key.length >= 4 && key.readInt16BE(2) === 1;
}

/**
 * The highest checkpoint id committed under this key, null when the sink never committed. The topic
 * must exist (ensureCommitsTopic).
 *
 * The topic is read to its high watermark with isolation level read_uncommitted, pairing every
 * transactional record with its producer's next control record: a record counts once a commit marker
 * follows it, and never when an abort marker does or none has come yet (an open transaction). That is
 * what read_committed shows, without its wait at the last stable offset: the topic is shared by every
 * exactly-once sink, and one crashed pipeline's prepared transaction would otherwise hide every other
 * pipeline's newer commits until it is committed or times out.
 */
export async function readLastCommitted(kafka: Kafka, key: string): Promise<number | null> {
  const cluster = internalCluster(kafka);
  if (!cluster) throw new EngineError('ENG_KAFKA_TRANSACTION', 'sink.kafka needs kafkajs 2.2.4 internals (its cluster) to read its commits');
  await cluster.connect();
  try {
    await cluster.addTargetTopic(COMMITS_TOPIC);
    let last: number | null = null;
    const open = new Map<string, number[]>();
    // Only compaction touches this topic, which keeps offsets: its log starts at 0 unless someone deleted records.
    const [earliest] = await (cluster as unknown as { fetchTopicsOffset(t: object[]): Promise<{ partitions: { offset: string }[] }[]> })
      .fetchTopicsOffset([{ topic: COMMITS_TOPIC, partitions: [{ partition: COMMITS_PARTITION }], fromBeginning: true }]);
    let offset = Number(earliest?.partitions[0]?.offset ?? 0);
    let end = Number.POSITIVE_INFINITY;
    let empty = 0;
    while (offset < end) {
      const leaders = cluster.findLeaderForPartitions(COMMITS_TOPIC, [COMMITS_PARTITION]);
      const leader = Object.keys(leaders)[0];
      if (leader === undefined) throw new EngineError('ENG_KAFKA_CONNECT', `${COMMITS_TOPIC} has no leader`);
      const broker = await cluster.findBroker({ nodeId: leader });
      const fetch = broker.fetch as unknown as FetchWithIsolation;
      const response = await fetch.call(broker, {
        isolationLevel: READ_UNCOMMITTED,
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: 4 << 20,
        topics: [{ topic: COMMITS_TOPIC, partitions: [{ partition: COMMITS_PARTITION, fetchOffset: String(offset), maxBytes: 4 << 20 }] }],
      });
      const data = response.responses[0]?.partitions[0];
      if (!data) throw new EngineError('ENG_KAFKA_CONNECT', `${COMMITS_TOPIC}: the fetch at offset ${offset} returned no partition`);
      end = Number(data.highWatermark);
      const records = data.messages as FetchedRecord[];
      if (records.length === 0) {
        if (offset >= end) break;
        if (++empty > 20) throw new EngineError('ENG_KAFKA_CONNECT', `${COMMITS_TOPIC} returned nothing at offset ${offset} below its end ${end}`);
        continue;
      }
      empty = 0;
      for (const record of records) {
        const at = Number(record.offset);
        if (at < offset) continue;
        offset = at + 1;
        const batch = record.batchContext ?? { producerId: '', inTransaction: false, isControlBatch: false };
        if (batch.isControlBatch) {
          const ids = open.get(batch.producerId);
          open.delete(batch.producerId);
          if (ids && isCommitMarker(record.key)) for (const id of ids) if (last === null || id > last) last = id;
          continue;
        }
        if (record.key?.toString('utf8') !== key) continue;
        const parsed = parseRecord(record.value);
        if (!parsed) continue;
        if (!batch.inTransaction) {
          if (last === null || parsed.checkpoint > last) last = parsed.checkpoint;
          continue;
        }
        const ids = open.get(batch.producerId);
        if (ids) ids.push(parsed.checkpoint);
        else open.set(batch.producerId, [parsed.checkpoint]);
      }
    }
    return last;
  } finally {
    await cluster.disconnect().catch(() => {});
  }
}
