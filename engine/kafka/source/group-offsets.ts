// Sets a consumer group's offsets while the group has no members, the way Kafka's own AdminClient does
// (alterConsumerGroupOffsets): one OffsetCommit to the group coordinator with generation -1 and no member
// id, which the broker accepts for an empty group only. kafkajs' admin.setOffsets instead joins the group
// with a consumer of its own, pauses it and waits for its first fetch round to stop it; with every
// partition paused that round is a sleep of the consumer's maxWaitTime (5 s by default). The Kafka
// source sets the final checkpoint's offsets after its consumer left the group, so every run ended
// about 5 s after its last event (kafka-window-lake: 0.67x kcat down to 0.25x).
import type { Cluster, Kafka } from 'kafkajs';

export interface GroupOffset {
  topic: string;
  partition: number;
  /** The next offset to read, as kafkajs takes offsets (decimal text). */
  offset: string;
}

type ClusterFactory = (options: { allowAutoTopicCreation?: boolean }) => Cluster;

/**
 * kafkajs 2.2.4 builds clusters with a private method of the Kafka instance (the same one its admin,
 * consumer and producer use, so the connection's brokers, TLS, SASL and retries apply). Undefined for
 * another kafkajs that has no such method.
 */
function clusterFactory(kafka: Kafka): ClusterFactory | undefined {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const create: unknown = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key];
  return typeof create === 'function' ? (create as ClusterFactory) : undefined;
}

/**
 * Commits `offsets` for `groupId`, which must have no members (the broker refuses otherwise, e.g. with
 * UNKNOWN_MEMBER_ID, and so does this). Returns false when this kafkajs has no way to send the commit
 * without joining; the caller then falls back to admin.setOffsets.
 */
export async function commitEmptyGroupOffsets(kafka: Kafka, groupId: string, offsets: readonly GroupOffset[]): Promise<boolean> {
  const create = clusterFactory(kafka);
  if (!create) return false;
  const cluster = create({ allowAutoTopicCreation: false });
  await cluster.connect();
  try {
    // A cluster that only connected knows no broker: kafkajs' coordinator lookup would fail, refresh the
    // metadata and retry after its initial retry time (300 ms), a wait at the end of every run.
    await cluster.refreshMetadata();
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    await coordinator.offsetCommit({
      groupId,
      groupGenerationId: -1,
      memberId: '',
      topics: byTopic(offsets),
    });
  } finally {
    await cluster.disconnect();
  }
  return true;
}

/**
 * A connection to a group's coordinator opened ahead of an empty-group commit: the Kafka source opens it
 * when its input ends, while its consumer leaves the group and the run takes its final checkpoint, so
 * the final offsets commit is one OffsetCommit instead of a connect, a coordinator lookup and a commit
 * that the end of every run waited for (~0.1–0.3 s).
 */
export class EmptyGroupCommitter {
  private readonly ready: Promise<{ cluster: Cluster; coordinator: Awaited<ReturnType<Cluster['findGroupCoordinator']>> } | undefined>;

  constructor(kafka: Kafka, private readonly groupId: string) {
    const create = clusterFactory(kafka);
    this.ready = create
      ? (async () => {
          const cluster = create({ allowAutoTopicCreation: false });
          try {
            await cluster.connect();
            // As in commitEmptyGroupOffsets: no 300 ms retry of the coordinator lookup.
            await cluster.refreshMetadata();
            return { cluster, coordinator: await cluster.findGroupCoordinator({ groupId }) };
          } catch (error) {
            await cluster.disconnect().catch(() => undefined);
            throw error;
          }
        })()
      : Promise.resolve(undefined);
    // Failures surface in commit(); close() must not throw for them either.
    this.ready.catch(() => undefined);
  }

  /** Resolves once the connection to the coordinator is open (or could not be opened). */
  async opened(): Promise<void> {
    await this.ready.catch(() => undefined);
  }

  /** As commitEmptyGroupOffsets, over the connection opened ahead. */
  async commit(offsets: readonly GroupOffset[]): Promise<boolean> {
    const opened = await this.ready;
    if (!opened) return false;
    await opened.coordinator.offsetCommit({ groupId: this.groupId, groupGenerationId: -1, memberId: '', topics: byTopic(offsets) });
    return true;
  }

  async close(): Promise<void> {
    const opened = await this.ready.catch(() => undefined);
    await opened?.cluster.disconnect().catch(() => undefined);
  }
}

function byTopic(offsets: readonly GroupOffset[]): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = topics.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: o.offset });
    topics.set(o.topic, list);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}
