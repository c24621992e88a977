// The topic browser behind the studio's Kafka screens and `streamlake kafka`: topics with offsets and sizes,
// create/delete, peeking decoded messages, consumer groups with lag, a bounded lag history for charts,
// and producing one test message.
import type { Admin, Kafka } from 'kafkajs';
import { EngineError } from '../errors.ts';
import type { Clock, Timers } from '../runtime/clock.ts';
import { systemTimers } from '../runtime/clock.ts';
import type { Row } from '../runtime/types.ts';
import type { ConnectionConfig, KafkaLog } from './connections.ts';
import { kafkaClient } from './connections.ts';
import type { MessageFormat } from './formats.ts';
import { internalCluster } from './cluster.ts';
import { createDecoder, DecodeFailure, describePayload, usesRegistry } from './formats.ts';
import { partitionSizes } from './logdirs.ts';
import { fetchedBatch } from './records.ts';
import { RegistryClient } from './registry/client.ts';

export interface PartitionInfo {
  partition: number;
  leader: number;
  /** Earliest offset still stored. */
  low: number;
  /** Offset the next message will get. */
  high: number;
  messages: number;
  /** Bytes on disk; null when the cluster does not say. */
  sizeBytes: number | null;
}

export interface TopicInfo {
  name: string;
  internal: boolean;
  partitions: PartitionInfo[];
  messages: number;
  sizeBytes: number | null;
}

export interface PeekRequest {
  topic: string;
  partition: number;
  /** Start at this offset, or at the first message at/after this ISO time; default: the last `limit`. */
  offset?: number;
  timestamp?: string;
  limit?: number;
  format?: MessageFormat;
  columns?: string[];
}

export interface PeekedMessage {
  partition: number;
  offset: number;
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  /** Decoded value fields, when decoding worked. */
  value?: Row;
  /** Why decoding failed, with the raw payload shown as text or base64. */
  error?: string;
  raw: string | null;
  sizeBytes: number;
}

export interface GroupPartitionLag { topic: string; partition: number; committed: number | null; high: number; lag: number }

export interface GroupInfo {
  groupId: string;
  state: string;
  members: number;
  partitions: GroupPartitionLag[];
  totalLag: number;
}

function headerText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

export class TopicBrowser {
  private readonly kafka: Kafka;
  /** One admin client, created by the first call; a promise so calls made at once share it (two would leak one). */
  private admin: Promise<Admin> | undefined;

  constructor(private readonly connection: ConnectionConfig, private readonly log?: KafkaLog, private readonly timers: Timers = systemTimers) {
    this.kafka = kafkaClient(connection, { clientId: 'streamlake-browser', log, retry: { retries: 2 } });
  }

  private client(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      const connected = admin.connect().then(() => admin);
      this.admin = connected;
      // A failed connect is not kept: the next call tries again.
      connected.catch(() => {
        if (this.admin === connected) this.admin = undefined;
      });
    }
    return this.admin;
  }

  /**
   * kafkajs keeps every topic an admin has touched in each later metadata request, so once any of them is
   * deleted (by anyone, e.g. another tool) every call of that admin fails with UNKNOWN_TOPIC_OR_PARTITION
   * until it is replaced. Such a call runs once more on a fresh admin, which has no such memory; a topic
   * that is really missing fails again and that error is the one reported.
   */
  private async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = await this.client();
    try {
      return await fn(admin);
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      const stale = this.admin;
      this.admin = undefined;
      void stale?.then((a) => a.disconnect()).catch(() => undefined);
      return fn(await this.client());
    }
  }

  /** Every topic, or only those named in `only` (ones that do not exist are left out). */
  async listTopics(opts: { includeInternal?: boolean; only?: readonly string[] } = {}): Promise<TopicInfo[]> {
    return this.withAdmin(async (admin) => {
      const existing = await admin.listTopics();
      const wanted = opts.only ? new Set(opts.only) : undefined;
      const names = existing.filter((t) => (opts.includeInternal || !t.startsWith('__')) && (!wanted || wanted.has(t))).sort();
      if (names.length === 0) return [];
      const [{ topics }, sizes] = await Promise.all([admin.fetchTopicMetadata({ topics: names }), partitionSizes(this.kafka)]);
      const result: TopicInfo[] = [];
      for (const meta of topics) {
        const offsets = await admin.fetchTopicOffsets(meta.name);
        const partitions = meta.partitions.map((p): PartitionInfo => {
          const o = offsets.find((x) => x.partition === p.partitionId);
          const low = Number(o?.low ?? 0);
          const high = Number(o?.high ?? 0);
          return { partition: p.partitionId, leader: p.leader, low, high, messages: high - low, sizeBytes: sizes?.get(meta.name)?.get(p.partitionId) ?? null };
        }).sort((a, b) => a.partition - b.partition);
        result.push({
          name: meta.name,
          internal: meta.name.startsWith('__'),
          partitions,
          messages: partitions.reduce((s, p) => s + p.messages, 0),
          sizeBytes: sizes ? partitions.reduce((s, p) => s + (p.sizeBytes ?? 0), 0) : null,
        });
      }
      return result;
    });
  }

  async createTopic(opts: { name: string; partitions?: number; replicationFactor?: number; config?: Record<string, string> }): Promise<void> {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(opts.name)) throw new EngineError('ENG_HOST_REQUEST', `"${opts.name}" is not a valid topic name (letters, digits, ".", "_", "-")`);
    const admin = await this.client();
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{
        topic: opts.name,
        numPartitions: opts.partitions ?? 1,
        replicationFactor: opts.replicationFactor ?? -1,
        configEntries: Object.entries(opts.config ?? {}).map(([name, value]) => ({ name, value })),
      }],
    });
    if (!created) throw new EngineError('ENG_HOST_REQUEST', `Topic "${opts.name}" already exists`);
  }

  async deleteTopic(name: string): Promise<void> {
    const admin = await this.client();
    await admin.deleteTopics({ topics: [name] });
  }

  /** Reads up to `limit` messages of one partition without joining a consumer group. */
  async peek(req: PeekRequest): Promise<PeekedMessage[]> {
    const admin = await this.client();
    const limit = Math.max(1, Math.min(req.limit ?? 20, 500));
    const offsets = await admin.fetchTopicOffsets(req.topic);
    const po = offsets.find((o) => o.partition === req.partition);
    if (!po) throw new EngineError('ENG_HOST_NOT_FOUND', `Topic "${req.topic}" has no partition ${req.partition}`);
    const low = Number(po.low);
    const high = Number(po.high);
    let start: number;
    if (req.offset !== undefined) start = req.offset;
    else if (req.timestamp !== undefined) {
      const ms = Date.parse(req.timestamp);
      if (Number.isNaN(ms)) throw new EngineError('ENG_HOST_REQUEST', `"${req.timestamp}" is not an ISO-8601 time`);
      const found = (await admin.fetchTopicOffsetsByTimestamp(req.topic, ms)).find((o) => o.partition === req.partition);
      start = Number(found?.offset ?? high);
    } else start = high - limit;
    start = Math.max(low, Math.min(start, high));
    if (start >= high) return [];
    const end = Math.min(high, start + limit);

    const registry = this.connection.schemaRegistry ? new RegistryClient(this.connection.schemaRegistry) : undefined;
    const format = req.format ?? 'json';
    const decoder = usesRegistry(format) && !registry ? undefined : createDecoder(format, { columns: req.columns, registry });
    // Fetch from the partition's leader directly: a consumer would first join a group, which takes
    // seconds (the broker delays a new group's first rebalance), and leave a group behind.
    const cluster = internalCluster(this.kafka);
    if (!cluster) throw new EngineError('ENG_KAFKA_CONNECT', 'This kafkajs version does not expose its cluster; peeking needs kafkajs 2.x');
    const out: PeekedMessage[] = [];
    await cluster.connect();
    try {
      await cluster.addTargetTopic(req.topic);
      const [leader] = Object.keys(cluster.findLeaderForPartitions(req.topic, [req.partition]));
      if (leader === undefined) throw new EngineError('ENG_HOST_NOT_FOUND', `Topic "${req.topic}" has no partition ${req.partition}`);
      const broker = await cluster.findBroker({ nodeId: leader });
      // Offsets can be missing (compaction, transaction markers), so go by the last offset each fetch
      // covered; a bounded number of rounds, whatever the broker answers.
      for (let offset = start, round = 0; offset < end && out.length < end - start && round < 50; round++) {
        const response = await broker.fetch({
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 4 << 20,
          topics: [{ topic: req.topic, partitions: [{ partition: req.partition, fetchOffset: String(offset), maxBytes: 1 << 20 }] }],
        });
        const data = response.responses.find((r) => r.topicName === req.topic)?.partitions.find((p) => p.partition === req.partition);
        if (!data) break;
        const batch = fetchedBatch(req.topic, offset, data);
        const messages = batch.messages.filter((m) => Number(m.offset) >= start && Number(m.offset) < end);
        await decoder?.prepare(messages.map((m) => m.value));
        for (const m of messages) {
          if (out.length >= end - start) break;
          const decoded = decoder?.decode(m.value);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = headerText(Array.isArray(v) ? v[v.length - 1] : v);
          out.push({
            partition: req.partition,
            offset: Number(m.offset),
            timestamp: new Date(Number(m.timestamp)).toISOString(),
            key: m.key === null ? null : m.key.toString('utf8'),
            headers,
            ...(decoded === undefined ? { error: `${format} needs a schema registry on the connection` } : decoded instanceof DecodeFailure ? { error: decoded.reason } : { value: decoded }),
            raw: describePayload(m.value, 4096),
            sizeBytes: m.value?.length ?? 0,
          });
        }
        const next = Number(batch.lastOffset()) + 1;
        if (!(next > offset)) break;
        offset = next;
      }
    } finally {
      await cluster.disconnect().catch(() => {});
    }
    return out;
  }

  async groups(): Promise<GroupInfo[]> {
    return this.withAdmin(async (admin) => {
      const { groups } = await admin.listGroups();
      const ids = groups.map((g) => g.groupId).filter((id) => !id.startsWith('streamlake-peek-')).sort();
      if (ids.length === 0) return [];
      const described = await admin.describeGroups(ids);
      // The broker drops a deleted topic's offsets from its groups, but not at once (service/kafka.ts
      // readGroupLag met them): those have no end offset and no lag, so they are left out. A topic deleted
      // after this list fails with UNKNOWN_TOPIC_OR_PARTITION, which withAdmin answers by asking again.
      const existing = new Set(await admin.listTopics());
      const highs = new Map<string, Map<number, number>>();
      const result: GroupInfo[] = [];
      for (const g of described.groups) {
        const committed = await admin.fetchOffsets({ groupId: g.groupId });
        const partitions: GroupPartitionLag[] = [];
        for (const t of committed) {
          if (!existing.has(t.topic)) continue;
          if (!highs.has(t.topic)) {
            // A failure here fails the call: an end offset of 0 in its place showed a lag of 0, as if the
            // group were caught up.
            const offsets = await admin.fetchTopicOffsets(t.topic);
            highs.set(t.topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
          }
          for (const p of t.partitions) {
            const high = highs.get(t.topic)?.get(p.partition) ?? 0;
            const c = Number(p.offset);
            const known = c >= 0;
            partitions.push({ topic: t.topic, partition: p.partition, committed: known ? c : null, high, lag: known ? Math.max(0, high - c) : high });
          }
        }
        partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        result.push({ groupId: g.groupId, state: g.state, members: g.members.length, partitions, totalLag: partitions.reduce((s, p) => s + p.lag, 0) });
      }
      return result;
    });
  }

  async produceTestMessage(msg: { topic: string; key?: string | null; value: string | null; headers?: Record<string, string>; partition?: number }): Promise<{ partition: number; offset: number }> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const [meta] = await producer.send({ topic: msg.topic, acks: -1, messages: [{ key: msg.key ?? null, value: msg.value, headers: msg.headers, partition: msg.partition }] });
      if (!meta) throw new EngineError('ENG_KAFKA_CONNECT', `The broker did not acknowledge the message to "${msg.topic}"`);
      return { partition: meta.partition, offset: Number(meta.baseOffset ?? meta.offset ?? -1) };
    } finally {
      await producer.disconnect();
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await (await admin?.catch(() => undefined))?.disconnect();
  }
}

export interface LagSample { at: number; totalLag: number; partitions: GroupPartitionLag[] }

/** Lag per group over time, keeping the last `capacity` samples per group for charts. */
export class LagSampler {
  private readonly history = new Map<string, LagSample[]>();

  constructor(private readonly browser: Pick<TopicBrowser, 'groups'>, private readonly clock: Clock, private readonly capacity = 360) {}

  async sample(): Promise<Map<string, LagSample>> {
    const at = this.clock.now();
    const latest = new Map<string, LagSample>();
    for (const g of await this.browser.groups()) {
      const s: LagSample = { at, totalLag: g.totalLag, partitions: g.partitions };
      const list = this.history.get(g.groupId) ?? [];
      list.push(s);
      if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
      this.history.set(g.groupId, list);
      latest.set(g.groupId, s);
    }
    return latest;
  }

  samples(groupId: string): readonly LagSample[] {
    return this.history.get(groupId) ?? [];
  }

  groups(): string[] {
    return [...this.history.keys()].sort();
  }
}
