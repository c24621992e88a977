// Where source.kafka starts reading: the consumer's settings, the start plan (offsets for a startFrom
// offset or timestamp, end offsets for stopAtEnd) and, at every assignment, the partitions with events to
// come, whose starts become positions. Each function gets a connected admin client (source.ts withAdmin).
import type { Admin, ConsumerConfig } from 'kafkajs';
import { EngineError } from '../../errors.ts';
import type { KafkaSourceConfig } from '../../format/pipeline.ts';

export interface StartPlan {
  /** topic/partition → the offset startFrom names. */
  start: Map<string, number>;
  /** With stopAtEnd: topic/partition → the partition's end when the run started. */
  end: Map<string, number> | undefined;
}

/** The consumer of a source with this group. */
export function consumerConfig(groupId: string): ConsumerConfig {
  return {
    groupId,
    // Committed data only (isolation level READ_COMMITTED, kafkajs' default made explicit): rows of a
    // transaction appear once it commits, never when it aborts, as an exactly-once sink.kafka upstream
    // requires. Positions step over the transaction markers (see source.ts handleBatch and END_BATCH_PROCESS).
    readUncommitted: false,
    // Small fetches, as librdkafka's defaults: every record of a fetch stays alive until its batch is
    // processed, and young-generation GC time grows with what is alive. Draining 5 M events through
    // filter → window → lake, 8 MiB per partition cost 1.6 µs CPU per event, 1 MiB 1.0 µs.
    maxBytesPerPartition: 1 << 20,
    maxBytes: 4 << 20,
    minBytes: 1,
    maxWaitTimeInMs: 100,
    // A crashed engine's member stays in the group until its session times out, and a restarted one gets
    // no partitions until then: restored window partitions go idle meanwhile (30 s of processing time)
    // and their watermark jumps past the events still to come. 10 s keeps that wait short.
    sessionTimeout: 10_000,
    rebalanceTimeout: 15_000,
    heartbeatInterval: 3000,
  };
}

/**
 * Initial offsets for startFrom offset/timestamp, and end offsets for stopAtEnd. `earliest` (given for a
 * restored source) gets each partition's earliest offset.
 */
export async function startPlan(admin: Admin, topics: readonly string[], from: KafkaSourceConfig['startFrom'], stopAtEnd: boolean, earliest: Map<string, number> | undefined): Promise<StartPlan> {
  const start = new Map<string, number>();
  const end = stopAtEnd ? new Map<string, number>() : undefined;
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    for (const o of offsets) end?.set(`${topic}/${o.partition}`, Number(o.high));
    if (earliest) for (const o of offsets) earliest.set(`${topic}/${o.partition}`, Number(o.low));
    if (from && typeof from === 'object' && 'offset' in from) {
      for (const o of offsets) start.set(`${topic}/${o.partition}`, Math.min(Math.max(from.offset, Number(o.low)), Number(o.high)));
    } else if (from && typeof from === 'object' && 'timestamp' in from) {
      const ms = Date.parse(from.timestamp);
      if (Number.isNaN(ms)) throw new EngineError('ENG_FORMAT_INVALID', `startFrom.timestamp "${from.timestamp}" is not an ISO-8601 time`);
      for (const o of await admin.fetchTopicOffsetsByTimestamp(topic, ms)) start.set(`${topic}/${o.partition}`, Number(o.offset));
    }
  }
  return { start, end };
}

/**
 * The partitions of these topics whose start is below their end. The start is our position (`next`);
 * without one, for a restored source the earliest offset, otherwise the group's offset, else earliest or
 * latest as configured: what the consumer resolves too. It becomes the partition's position, so
 * checkpoints hold every partition, empty ones included.
 */
export async function partitionsWithEvents(admin: Admin, topics: readonly string[], fromBeginning: boolean, next: Map<string, number>, restored: boolean, groupId: string): Promise<string[]> {
  const bounds = new Map<string, { low: number; high: number }>();
  for (const topic of topics) {
    for (const o of await admin.fetchTopicOffsets(topic)) bounds.set(`${topic}/${o.partition}`, { low: Number(o.low), high: Number(o.high) });
  }
  const committed = new Map<string, number>();
  if (!restored && [...bounds.keys()].some((tp) => !next.has(tp))) {
    for (const t of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      for (const p of t.partitions) if (Number(p.offset) >= 0) committed.set(`${t.topic}/${p.partition}`, Number(p.offset));
    }
  }
  const pending: string[] = [];
  for (const [tp, bound] of bounds) {
    const start = next.get(tp) ?? (restored ? bound.low : committed.get(tp) ?? (fromBeginning ? bound.low : bound.high));
    if (!next.has(tp)) next.set(tp, start);
    if (start < bound.high) pending.push(tp);
  }
  return pending;
}
