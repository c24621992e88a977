// The Kafka screens' side of the contract, over the topic browser (engine/kafka/browser.ts): topics,
// peeking, consumer groups with lag and a lag history sampled by the host, producing a test message, and
// producing a generator dataset to a topic (a small generator → sink.kafka pipeline run by the runtime).
import type { Admin } from 'kafkajs';
import { EngineError } from '../../errors.ts';
import type { ErrorPayload } from '../../errors.ts';
import type { GeneratorDataset, PipelineDoc } from '../../format/pipeline.ts';
import { LagSampler, TopicBrowser } from '../../kafka/browser.ts';
import type { PeekedMessage, PeekRequest } from '../../kafka/browser.ts';
import { kafkaClient } from '../../kafka/connections.ts';
import { planOffsetReset, resetOffsets } from '../../kafka/offsets.ts';
import { searchMessages } from '../../kafka/search.ts';
import { alterTopicConfig, describeTopicConfig } from '../../kafka/topic-config.ts';
import '../../nodes/index.ts';
import type { Clock, TimerHandle, Timers } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import type { Run } from '../../runtime/run.ts';
import type { KafkaGroupInfo, KafkaMessage, KafkaOffsetReset, KafkaOffsetTarget, KafkaPeekFrom, KafkaProduceResult, KafkaSearchParams, KafkaSearchResult, KafkaTopicConfigEntry, KafkaTopicInfo, LagPoint } from '../contract.ts';
import type { StudioConnections } from './connections.ts';
import type { EventHub } from './events.ts';
import { toWire } from './wire.ts';

/** Kafka protocol error codes of DeleteGroups. */
const NON_EMPTY_GROUP = 68;
const GROUP_ID_NOT_FOUND = 69;

const lagEveryMs = 5000;
/** Lag sampling of a connection stops when nobody asked for it for this long. */
const lagIdleMs = 10 * 60 * 1000;

interface Cluster {
  browser: TopicBrowser;
  admin: Admin;
  lag: LagSampler;
  lagTimer: TimerHandle | null;
  lastAsked: number;
}

export interface KafkaPartOptions {
  connections: StudioConnections;
  clock: Clock;
  timers: Timers;
  events: EventHub;
  lakeDir: string;
  homeDir: string;
}

export class KafkaScreens {
  private readonly clusters = new Map<string, Promise<Cluster>>();
  private readonly jobs = new Map<string, Run>();
  private jobCount = 0;
  /** Calls still running: close() waits for them, since a kafkajs admin call that outlives its client's disconnect reconnects it and keeps the process alive. */
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: KafkaPartOptions) {}

  /** Runs one call of the Kafka screens so that close() can wait for it. */
  track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new EngineError('ENG_HOST_UNAVAILABLE', 'The studio host is shutting down'));
    const running = work();
    this.inflight.add(running);
    const done = (): void => void this.inflight.delete(running);
    running.then(done, done);
    return running;
  }

  /** Drops cached clients of a connection (after it was edited or deleted). */
  async forget(name: string): Promise<void> {
    const cluster = this.clusters.get(name);
    this.clusters.delete(name);
    if (cluster) await close(await cluster.catch(() => null));
  }

  async topics(connection: string, only?: readonly string[]): Promise<KafkaTopicInfo[]> {
    const cluster = await this.cluster(connection);
    const topics = await cluster.browser.listTopics(only ? { only } : {});
    if (topics.length === 0) return [];
    // The browser reports leaders only; replicas come from the same metadata request clients use.
    const metadata = await cluster.admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    const replicas = new Map(metadata.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}/${p.partitionId}`, [...p.replicas]] as [string, number[]])));
    return topics.map((t) => ({
      name: t.name,
      internal: t.internal,
      messages: t.messages,
      sizeBytes: t.sizeBytes,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        replicas: replicas.get(`${t.name}/${p.partition}`) ?? [],
        earliestOffset: p.low,
        latestOffset: p.high,
        sizeBytes: p.sizeBytes,
      })),
    }));
  }

  async createTopic(connection: string, topic: string, partitions?: number, replicationFactor?: number, configs?: Record<string, string>): Promise<void> {
    const cluster = await this.cluster(connection);
    await cluster.browser.createTopic({ name: topic, ...(partitions === undefined ? {} : { partitions }), ...(replicationFactor === undefined ? {} : { replicationFactor }), ...(configs === undefined ? {} : { config: configs }) });
  }

  async deleteTopic(connection: string, topic: string): Promise<void> {
    const cluster = await this.cluster(connection);
    await cluster.browser.deleteTopic(topic);
  }

  /** One partition, or every partition merged by time when none is given; at most `limit` messages each. */
  async peek(params: { connection: string; topic: string; partition?: number; from?: KafkaPeekFrom; limit?: number; format?: 'auto' | KafkaMessage['format'] }): Promise<KafkaMessage[]> {
    const cluster = await this.cluster(params.connection);
    const limit = params.limit ?? 50;
    const format = params.format === undefined || params.format === 'auto' ? 'json' : params.format;
    let partitions: number[];
    if (params.partition !== undefined) partitions = [params.partition];
    else {
      const offsets = await cluster.admin.fetchTopicOffsets(params.topic).catch((error: unknown) => {
        throw new EngineError('ENG_HOST_NOT_FOUND', `Topic "${params.topic}" could not be read: ${(error as Error).message}`);
      });
      partitions = offsets.map((o) => o.partition).sort((a, b) => a - b);
    }
    const from = params.from ?? 'latest';
    const batches: KafkaMessage[][] = [];
    for (const partition of partitions) {
      const request: PeekRequest = { topic: params.topic, partition, limit, format };
      if (from === 'earliest') request.offset = 0;
      else if (from !== 'latest' && 'offset' in from) request.offset = from.offset;
      else if (from !== 'latest') request.timestamp = new Date(from.timestamp).toISOString();
      const messages = await cluster.browser.peek(request);
      batches.push(messages.map((m) => message(params.topic, m, format)));
    }
    const merged = batches.flat().sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
    // Across partitions keep the window the user asked for: the first messages from a start, the last ones for "latest".
    return from === 'latest' ? merged.slice(-limit) : merged.slice(0, limit);
  }

  async search(params: KafkaSearchParams): Promise<KafkaSearchResult> {
    const cluster = await this.cluster(params.connection);
    const format = params.format === undefined || params.format === 'auto' ? 'json' : params.format;
    const { connection: _connection, format: _format, ...request } = params;
    const found = await searchMessages(cluster.browser, cluster.admin, { ...request, format });
    return { messages: found.matches.map((m) => message(params.topic, m, format)), scanned: found.scanned, truncated: found.truncated };
  }

  async topicConfig(connection: string, topic: string): Promise<KafkaTopicConfigEntry[]> {
    return describeTopicConfig((await this.cluster(connection)).admin, topic);
  }

  async alterTopicConfig(connection: string, topic: string, set: Record<string, string | null>): Promise<KafkaTopicConfigEntry[]> {
    return alterTopicConfig((await this.cluster(connection)).admin, topic, set);
  }

  async resetOffsets(connection: string, groupId: string, to: KafkaOffsetTarget, topic: string | undefined, dryRun: boolean): Promise<KafkaOffsetReset> {
    const cluster = await this.cluster(connection);
    const plan = dryRun ? await planOffsetReset(cluster.admin, groupId, to, topic) : await resetOffsets(cluster.admin, groupId, to, topic);
    // The lag chart should show the jump at once rather than at the next 5-second sample.
    if (!dryRun) await cluster.lag.sample().catch(() => undefined);
    return { ...plan, moves: plan.moves.map((m) => ({ ...m })), applied: !dryRun };
  }

  async groups(connection: string): Promise<KafkaGroupInfo[]> {
    const cluster = await this.cluster(connection);
    this.watchLag(connection, cluster);
    const groups = await cluster.browser.groups();
    return groups.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      members: g.members,
      totalLag: g.totalLag,
      partitions: g.partitions.map((p) => ({ topic: p.topic, partition: p.partition, committedOffset: p.committed, latestOffset: p.high, lag: p.lag })),
    }));
  }

  /** Total lag of one consumer group over the topics it committed offsets for. */
  /**
   * Deletes a consumer group with its committed offsets (Reset: without a checkpoint the Kafka source
   * resumes from those offsets, so a reset pipeline would not start from the beginning). 'absent' when the
   * group does not exist; a group that still has members is refused, since someone is consuming with it.
   */
  async deleteGroup(connection: string, groupId: string): Promise<'deleted' | 'absent'> {
    const cluster = await this.cluster(connection);
    try {
      await cluster.admin.deleteGroups([groupId]);
      return 'deleted';
    } catch (error) {
      const codes = ((error as { groups?: { errorCode?: number }[] }).groups ?? []).map((g) => g.errorCode);
      if (codes.length > 0 && codes.every((c) => c === GROUP_ID_NOT_FOUND)) return 'absent';
      if (codes.includes(NON_EMPTY_GROUP)) {
        throw new EngineError('ENG_RUN_STATE', `Consumer group "${groupId}" on connection "${connection}" still has active members; stop what consumes with it before resetting`, { group: groupId });
      }
      throw new EngineError('ENG_KAFKA_CONNECT', `Consumer group "${groupId}" on connection "${connection}" could not be deleted: ${(error as Error).message}`, { group: groupId });
    }
  }

  groupLag(connection: string, groupId: string): Promise<number> {
    // Tracked like the screens' calls: a run's lag sample still in flight when the host closes would
    // otherwise open a new client after close() dropped them, and keep the process alive.
    return this.track(() => this.readGroupLag(connection, groupId));
  }

  private async readGroupLag(connection: string, groupId: string): Promise<number> {
    const cluster = await this.cluster(connection);
    const committed = await cluster.admin.fetchOffsets({ groupId });
    let lag = 0;
    const existing = new Set(await cluster.admin.listTopics());
    for (const topic of committed) {
      // A group keeps the offsets of topics deleted since; asking for their end offsets fails the whole
      // sample ("This server does not host this topic-partition"), and they have no lag to show.
      if (!existing.has(topic.topic)) continue;
      const highs = new Map((await cluster.admin.fetchTopicOffsets(topic.topic)).map((o) => [o.partition, Number(o.high)]));
      for (const p of topic.partitions) {
        const high = highs.get(p.partition) ?? 0;
        const offset = Number(p.offset);
        lag += offset >= 0 ? Math.max(0, high - offset) : high;
      }
    }
    return lag;
  }

  async lagHistory(connection: string, groupId: string, sinceMs?: number): Promise<LagPoint[]> {
    const cluster = await this.cluster(connection);
    if (cluster.lag.samples(groupId).length === 0) await cluster.lag.sample();
    this.watchLag(connection, cluster);
    return cluster.lag.samples(groupId).filter((s) => sinceMs === undefined || s.at > sinceMs).map((s) => ({ at: s.at, lag: s.totalLag }));
  }

  async produce(params: { connection: string; topic: string; key?: string | null; value: string | null; headers?: Record<string, string>; partition?: number }): Promise<KafkaProduceResult> {
    const cluster = await this.cluster(params.connection);
    const sent = await cluster.browser.produceTestMessage({
      topic: params.topic,
      value: params.value,
      ...(params.key === undefined ? {} : { key: params.key }),
      ...(params.headers === undefined ? {} : { headers: params.headers }),
      ...(params.partition === undefined ? {} : { partition: params.partition }),
    });
    return { topic: params.topic, partition: sent.partition, offset: sent.offset };
  }

  /** Runs generator → sink.kafka as its own small pipeline, reporting progress once a second. */
  async produceGenerator(params: { connection: string; topic: string; dataset: string; count: number; eventsPerSecond?: number; seed?: number; jobId?: string }): Promise<{ jobId: string; produced: number }> {
    await this.options.connections.resolve(params.connection);
    const jobId = params.jobId ?? `produce-${++this.jobCount}-${this.options.clock.now().toString(36)}`;
    if (this.jobs.has(jobId)) throw new EngineError('ENG_HOST_REQUEST', `Job "${jobId}" is already running`);
    const doc: PipelineDoc = {
      format: 'streamlake.pipeline',
      version: 1,
      name: `produce-${params.dataset}-to-${params.topic}`,
      nodes: [
        {
          id: 'generator',
          type: 'source.generator',
          config: {
            dataset: params.dataset as GeneratorDataset,
            count: params.count,
            ...(params.seed === undefined ? {} : { seed: params.seed }),
            ...(params.eventsPerSecond === undefined ? {} : { eventsPerSecond: params.eventsPerSecond }),
          },
        },
        // Test data for a topic: visible as it is produced (progress, peek), and two jobs into one topic
        // must not fence each other's transactions (one transactional id per pipeline name and node).
        { id: 'topic', type: 'sink.kafka', config: { connection: params.connection, topic: params.topic, format: 'json', delivery: 'at-least-once' } },
      ],
      edges: [{ from: 'generator', to: 'topic' }],
    };
    const label = `${params.dataset} → ${params.topic}`;
    const report = (done: number, phase: string, finished = false, error?: ErrorPayload): void =>
      this.options.events.emit({ type: 'job.progress', progress: { jobId, kind: 'produce', label, phase, done, total: params.count, finished, ...(error ? { error } : {}) } });
    const run = createRun(doc, { lakeDir: this.options.lakeDir, homeDir: this.options.homeDir, clock: this.options.clock, timers: this.options.timers });
    this.jobs.set(jobId, run);
    const produced = (): number => run.metrics().nodes.topic?.in ?? 0;
    let ticker: TimerHandle | null = null;
    const tick = (): void => {
      ticker = this.options.timers.after(1000, () => {
        report(produced(), 'producing');
        tick();
      });
    };
    report(0, 'starting');
    tick();
    try {
      const summary = await run.start();
      const count = summary.nodes.topic?.in ?? produced();
      if (summary.status === 'failed') {
        const error = summary.error ?? { code: 'ENG_KAFKA_CONNECT' as const, message: 'producing failed' };
        report(count, 'failed', true, error);
        throw new EngineError(error.code, error.message);
      }
      report(count, summary.status === 'stopped' ? 'cancelled' : 'done', true);
      return { jobId, produced: count };
    } finally {
      (ticker as TimerHandle | null)?.cancel();
      this.jobs.delete(jobId);
    }
  }

  async cancel(jobId: string): Promise<boolean> {
    const run = this.jobs.get(jobId);
    if (!run) return false;
    await run.stop();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.jobs.values()].map((run) => run.stop().catch(() => undefined)));
    // Let calls in flight finish (bounded) before their clients go: see `inflight`. The bound's timer is
    // cancelled once they have: left pending, it kept every host and test process alive 15 s after close.
    const bound = new AbortController();
    await Promise.race([Promise.allSettled([...this.inflight]), this.options.timers.sleep(15_000, bound.signal)]);
    bound.abort();
    const clusters = [...this.clusters.values()];
    this.clusters.clear();
    await Promise.all(clusters.map(async (c) => close(await c.catch(() => null))));
  }

  private cluster(name: string): Promise<Cluster> {
    let cluster = this.clusters.get(name);
    if (!cluster) {
      cluster = (async () => {
        const config = await this.options.connections.resolve(name);
        const browser = new TopicBrowser(config, undefined, this.options.timers);
        const admin = kafkaClient(config, { clientId: 'streamlake-studio', retry: { retries: 2 } }).admin();
        await admin.connect();
        return { browser, admin, lag: new LagSampler(browser, this.options.clock), lagTimer: null, lastAsked: this.options.clock.now() };
      })();
      this.clusters.set(name, cluster);
      // A failed connect must not stay cached: the next call tries again (the broker may be up by then).
      cluster.catch(() => {
        if (this.clusters.get(name) === cluster) this.clusters.delete(name);
      });
    }
    return cluster;
  }

  private watchLag(name: string, cluster: Cluster): void {
    cluster.lastAsked = this.options.clock.now();
    if (cluster.lagTimer) return;
    const loop = (): void => {
      cluster.lagTimer = this.options.timers.after(lagEveryMs, () => {
        if (this.options.clock.now() - cluster.lastAsked > lagIdleMs || !this.clusters.has(name)) {
          cluster.lagTimer = null;
          return;
        }
        if (this.closed) {
          cluster.lagTimer = null;
          return;
        }
        void this.track(() => cluster.lag.sample()).catch(() => undefined).finally(() => {
          if (!this.closed) loop();
        });
      });
    };
    loop();
  }
}

function message(topic: string, m: PeekedMessage, format: KafkaMessage['format']): KafkaMessage {
  const raw = format === 'string' || format === 'bytes';
  const out: KafkaMessage = {
    topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: Date.parse(m.timestamp),
    key: m.key,
    value: raw || m.value === undefined ? m.raw : toWire(m.value),
    format,
    headers: m.headers,
    sizeBytes: m.sizeBytes,
  };
  if (m.error !== undefined && !raw) out.decodeError = m.error;
  return out;
}

async function close(cluster: Cluster | null): Promise<void> {
  if (!cluster) return;
  cluster.lagTimer?.cancel();
  await cluster.browser.close().catch(() => undefined);
  await cluster.admin.disconnect().catch(() => undefined);
}
