// Shared by the Kafka workloads: a broker (STREAMLAKE_BENCH_KAFKA, or one started for the run), the cached
// sales-event file, and a source.kafka factory that drains a topic.
import { spawnSync } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { generateEvents } from '../../generator/index.ts';
import { startBroker } from '../../kafka/broker/broker.ts';
import type { ConnectionConfig } from '../../kafka/connections.ts';
import { kafkaClient } from '../../kafka/connections.ts';
import { KafkaSource, type KafkaSourceOptions } from '../../kafka/source.ts';
import type { NodeFactory } from '../../nodes/registry.ts';
import { statCpuSeconds } from '../../workers/trace.ts';
import type { BenchContext } from '../workload.ts';

export interface BenchBroker { connection: ConnectionConfig; bootstrap: string; pid: number | null; stop(): Promise<void> }

export async function benchBroker(ctx: BenchContext): Promise<BenchBroker> {
  const given = process.env.STREAMLAKE_BENCH_KAFKA;
  if (given) {
    const connection: ConnectionConfig = { name: 'bench', brokers: [given] };
    // A broker shared with others keeps what the workload loaded (5 M events, ~1 GB a run) unless removed.
    return { connection, bootstrap: given, pid: null, stop: () => deleteCreatedTopics(connection) };
  }
  ctx.log('starting a Kafka broker for the benchmark');
  const broker = await startBroker({ dataDir: join(ctx.workDir, 'kafka'), saslSsl: false, heap: '1g' });
  return { connection: { name: 'bench', brokers: [broker.bootstrap] }, bootstrap: broker.bootstrap, pid: broker.pid, stop: () => broker.stop() };
}

/** The same JSON Lines file as file-window-lake (same name, count and seed), generated once. */
export async function salesFile(ctx: BenchContext, count: number, seed = 7): Promise<string> {
  const path = join(ctx.cacheDir, `sales_orders-seed${seed}-${count}.jsonl`);
  try {
    if ((await stat(path)).size > 0) return path;
  } catch {
    // not generated yet
  }
  ctx.log(`generating ${count.toLocaleString('en-US')} sales events into ${path}`);
  const temp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(temp);
  let lines: string[] = [];
  for (const row of generateEvents('sales_orders', { count, seed })) {
    lines.push(JSON.stringify(row));
    if (lines.length === 10_000) {
      if (!out.write(lines.join('\n') + '\n')) await once(out, 'drain');
      lines = [];
    }
  }
  if (lines.length > 0) out.write(lines.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  await rename(temp, path);
  return path;
}

/** Topics this process created, deleted again when a given (shared) broker is released. */
const createdTopics = new Set<string>();

export async function createTopic(connection: ConnectionConfig, topic: string, partitions: number): Promise<void> {
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    createdTopics.add(topic);
  } finally {
    await admin.disconnect();
  }
}

async function deleteCreatedTopics(connection: ConnectionConfig): Promise<void> {
  const topics = [...createdTopics];
  createdTopics.clear();
  if (topics.length === 0) return;
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** Loads a file into a topic with kcat (fast, and independent of the code being measured). */
export function loadTopic(bootstrap: string, topic: string, file: string): number {
  const started = performance.now();
  const r = spawnSync('kcat', ['-P', '-b', bootstrap, '-t', topic, '-X', 'linger.ms=50', '-X', 'batch.num.messages=10000', '-l', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kcat could not load ${topic}: ${r.stderr}`);
  return (performance.now() - started) / 1000;
}

export function drainingSource(connection: ConnectionConfig, options: KafkaSourceOptions = { stopAtEnd: true }): NodeFactory<'source.kafka'> {
  return { kind: 'source', create: (spec, ctx) => new KafkaSource(spec.id, spec.config, connection, ctx, options) };
}

/**
 * CPU seconds (user + system) of the process's main thread so far, the run's thread: with decode workers
 * it is the critical path, while process.cpuUsage() counts every thread. Linux only (/proc; Node 20 has
 * no process.threadCpuUsage); undefined elsewhere. Resolution: one clock tick (10 ms).
 */
export function mainThreadCpuSeconds(): number | undefined {
  return statCpuSeconds(`/proc/self/task/${process.pid}/stat`);
}

/**
 * The broker's process id: the one the bench started, else (a shared STREAMLAKE_BENCH_KAFKA broker) the
 * only local process running kafka.Kafka; undefined when there is none or more than one (a remote broker).
 */
export function brokerPid(broker: BenchBroker): number | undefined {
  if (broker.pid !== null) return broker.pid;
  const found: number[] = [];
  for (const entry of readdirSync('/proc', { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^\d+$/.test(entry.name)) continue;
    try {
      if (readFileSync(`/proc/${entry.name}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka')) found.push(Number(entry.name));
    } catch {
      // A process that ended meanwhile, or one we may not read.
    }
  }
  return found.length === 1 ? found[0] : undefined;
}

/** CPU seconds a process uses while `work` runs (undefined without /proc or without a pid). */
export async function cpuOf<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; cpuSeconds: number | undefined }> {
  const before = pid === undefined ? undefined : statCpuSeconds(`/proc/${pid}/stat`);
  const result = await work();
  const after = pid === undefined ? undefined : statCpuSeconds(`/proc/${pid}/stat`);
  return { result, cpuSeconds: before === undefined || after === undefined ? undefined : after - before };
}
