// kafka-window-lake: drain a 3-partition topic of 5 M sales events (~200-byte JSON) through filter →
// tumbling 1-minute window → lake, and in the same run time `kcat -C -e` (librdkafka) reading the same
// topic. The ratio says how close the engine's Kafka path is to a native consumer. Beside it: CPU time per
// event (load-independent; kcat's from the shell's `times`), and the Kafka source alone with the
// projection the runtime gives it (fetch + decode of the fields the pipeline reads).
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import type { PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { kafkaClient, type ConnectionConfig } from '../../kafka/connections.ts';
import { KafkaSource } from '../../kafka/source.ts';
import { consumerConfig } from '../../kafka/source/start.ts';
import { buildGraph } from '../../runtime/graph.ts';
import { sourceProjection } from '../../runtime/projection.ts';
import { createRun } from '../../runtime/run.ts';
import { testContext } from '../../testing/kafka.ts';
import { registerWorkload, type BenchResult } from '../workload.ts';
import { benchBroker, brokerPid, cpuOf, createTopic, drainingSource, loadTopic, mainThreadCpuSeconds, salesFile } from './kafka-common.ts';

/** Children's user + system seconds from the second line of the shell's `times` ("0m1.23s 0m0.45s"). */
function shellTimes(text: string): number | undefined {
  const line = text.trim().split('\n')[1];
  const parts = line?.match(/(\d+)m([\d.]+)s/g);
  if (!parts || parts.length < 2) return undefined;
  return parts.reduce((sum, part) => {
    const m = /(\d+)m([\d.]+)s/.exec(part);
    return sum + (m ? Number(m[1]) * 60 + Number(m[2]) : 0);
  }, 0);
}

interface Drain {
  seconds: number;
  /** CPU seconds of the reader (all its threads) and of the broker while it drained, when known. */
  cpu: number | undefined;
  broker: number | undefined;
}

/**
 * What the two cores allow each reader: its CPU and the broker's during its drain, over the cores, is the
 * shortest wall time that drain could have taken; the engine cannot match kcat's wall time while that
 * bound for the engine is above kcat's measured time.
 */
function cpuBound(o: { cores: number; events: number; kcat: Drain; engine: Drain; inline: Drain | undefined }): string[] {
  const perEvent = (seconds: number | undefined): string => (seconds === undefined ? 'n/a' : `${((seconds * 1e6) / o.events).toFixed(2)} µs`);
  const bound = (d: Drain): string => (d.cpu === undefined || d.broker === undefined ? 'n/a' : `${((d.cpu + d.broker) / o.cores).toFixed(2)} s`);
  const drains: [string, Drain][] = [['kcat', o.kcat], ['engine', o.engine], ...(o.inline ? [['run\'s thread alone', o.inline] as [string, Drain]] : [])];
  if (drains.every(([, d]) => d.broker === undefined)) return ['broker CPU: not measured (no local broker process found)'];
  return [
    `broker CPU per message: ${drains.map(([name, d]) => `${name} ${perEvent(d.broker)}`).join(', ')}`,
    `CPU bound on ${o.cores} cores ((reader + broker CPU) / cores) against the measured wall time: ${drains.map(([name, d]) => `${name} ${bound(d)} / ${d.seconds.toFixed(2)} s`).join(', ')}`,
  ];
}

/** Drains the topic with the source alone, handing it the fields the runtime would. */
async function sourceAlone(connection: ConnectionConfig, topic: string, fields: string[] | undefined): Promise<{ events: number; seconds: number; cpuSeconds: number; fields: string }> {
  const ctx = { ...testContext('orders'), fields };
  const source = new KafkaSource('orders', { connection: connection.name, topics: [topic], format: 'json', startFrom: 'earliest', group: `${topic}-alone` }, connection, ctx, { stopAtEnd: true });
  let events = 0;
  const cpu = process.cpuUsage();
  const started = monotonicMs();
  await source.run(async (batch, port) => { if (port !== 'error') events += batch.rows.length; }, new AbortController().signal);
  const used = process.cpuUsage(cpu);
  const seconds = (monotonicMs() - started) / 1000;
  // The consumer leaves the group and closes its connections here (after the figures), not while the
  // pipeline below runs.
  await source.close();
  return { events, seconds, cpuSeconds: (used.user + used.system) / 1e6, fields: fields?.join(', ') ?? 'all' };
}

/**
 * Drains the topic with the Kafka client alone (kafkajs with the engine's record decoder and consumer
 * settings, records counted, no value decoded): the floor under any pipeline built on it, to set beside
 * kcat's whole read.
 */
async function clientAlone(connection: ConnectionConfig, topic: string, count: number, brokerProcess: number | undefined): Promise<{ seconds: number; cpuSeconds: number; broker: number | undefined }> {
  const consumer = kafkaClient(connection).consumer(consumerConfig(`${topic}-client`));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const cpu = process.cpuUsage();
    const started = monotonicMs();
    const { cpuSeconds: broker } = await cpuOf(brokerProcess, () => new Promise<void>((resolve, reject) => {
      let seen = 0;
      consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 64,
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= count) resolve();
        },
      }).catch(reject);
    }));
    const used = process.cpuUsage(cpu);
    return { seconds: (monotonicMs() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, broker };
  } finally {
    await consumer.disconnect();
  }
}

registerWorkload({
  name: 'kafka-window-lake',
  description: '5 M sales events from a 3-partition Kafka topic → filter → tumbling window → lake, vs kcat -C -e',
  async run(ctx): Promise<BenchResult> {
    const count = Number(process.env.STREAMLAKE_BENCH_KAFKA_EVENTS ?? process.env.STREAMLAKE_BENCH_EVENTS ?? 5_000_000);
    const file = await salesFile(ctx, count);
    const broker = await benchBroker(ctx);
    try {
      const topic = `bench-sales-${process.pid}-${Math.round(monotonicMs())}`;
      await createTopic(broker.connection, topic, 3);
      const loadSeconds = loadTopic(broker.bootstrap, topic, file);
      ctx.log(`loaded ${count} events in ${loadSeconds.toFixed(1)} s`);

      // The broker shares the two cores: its CPU during each drain says what is left for the reader.
      const brokerProcess = brokerPid(broker);
      const kcatStarted = monotonicMs();
      let times = '';
      const { result: kcatCode, cpuSeconds: brokerForKcat } = await cpuOf(brokerProcess, () => new Promise<number | null>((resolve) => {
        // `times` prints the shell's and then its children's user and system time.
        const child = spawn('sh', ['-c', 'kcat -C -b "$1" -t "$2" -o beginning -e -q >/dev/null && times', 'sh', broker.bootstrap, topic], { stdio: ['ignore', 'pipe', 'inherit'] });
        child.stdout.on('data', (d: Buffer) => { times += d.toString(); });
        child.on('exit', resolve);
      }));
      const kcatSeconds = (monotonicMs() - kcatStarted) / 1000;
      if (kcatCode !== 0) throw new Error(`kcat -C exited ${kcatCode}`);
      const kcatCpuSeconds = shellTimes(times);

      const doc: PipelineDoc = {
        format: 'streamlake.pipeline',
        version: 1,
        name: 'bench-kafka-window-lake',
        nodes: [
          { id: 'orders', type: 'source.kafka', config: { connection: 'bench', topics: [topic], format: 'json', startFrom: 'earliest', group: 'bench-kafka-window-lake' } },
          { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
          { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', groupBy: ['region'], aggregates: { orders: 'count(*)', revenue: 'sum(amount)', max_order: 'max(amount)' } } },
          { id: 'out', type: 'sink.lake', config: { table: 'sales_by_region' } },
        ],
        edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
      };
      const client = await clientAlone(broker.connection, topic, count, brokerProcess);
      const alone = await sourceAlone(broker.connection, topic, sourceProjection(buildGraph(doc), 'orders'));
      const rss = ctx.trackRss();
      const cpuBefore = process.cpuUsage();
      const mainBefore = mainThreadCpuSeconds();
      // How much of the run the JS thread waited (broker, disk, timers): a run that idles while its
      // events are available lost time to a wait, not to CPU (the run's end once waited ~5 s for a
      // group join; see engine/kafka/source/group-offsets.ts).
      const loopBefore = performance.eventLoopUtilization();
      const started = monotonicMs();
      // Checkpoints as every CLI and studio run has them: a folder and the default 10 s interval.
      const run = createRun(doc, { lakeDir: join(ctx.workDir, 'lake'), homeDir: ctx.workDir, checkpointDir: join(ctx.workDir, 'checkpoints'), nodes: { 'source.kafka': drainingSource(broker.connection) } });
      const { result: summary, cpuSeconds: brokerForRun } = await cpuOf(brokerProcess, () => run.start());
      const seconds = (monotonicMs() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const loop = performance.eventLoopUtilization(loopBefore);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const mainAfter = mainThreadCpuSeconds();
      const mainSeconds = mainBefore === undefined || mainAfter === undefined ? undefined : mainAfter - mainBefore;
      const peakRssMb = rss.stop();
      if (summary.status !== 'finished') throw new Error(`run ${summary.status}: ${summary.error?.message ?? ''}`);
      const events = summary.eventsIn;
      const rate = events / seconds;
      const kcatRate = count / kcatSeconds;
      // The same pipeline on the run's thread alone (STREAMLAKE_WORKERS=0; by default its filter and window
      // are fused on one decode worker, engine/workers/README.md), its own group and checkpoints, unless
      // STREAMLAKE_WORKERS already chose for the run above.
      let other: { events: number; seconds: number; cpuSeconds: number; mainSeconds: number | undefined; broker: number | undefined } | undefined;
      if (process.env.STREAMLAKE_WORKERS === undefined) {
        process.env.STREAMLAKE_WORKERS = '0';
        try {
          const otherDoc: PipelineDoc = { ...doc, nodes: doc.nodes.map((n) => (n.type === 'source.kafka' ? { ...n, config: { ...n.config, group: 'bench-kafka-window-lake-inline' } } : n)) };
          const cpuAt = process.cpuUsage();
          const mainAt = mainThreadCpuSeconds();
          const at = monotonicMs();
          const { result: again, cpuSeconds: brokerForOther } = await cpuOf(brokerProcess, () => createRun(otherDoc, { lakeDir: join(ctx.workDir, 'lake-inline'), homeDir: ctx.workDir, checkpointDir: join(ctx.workDir, 'checkpoints-inline'), nodes: { 'source.kafka': drainingSource(broker.connection) } }).start());
          if (again.status !== 'finished') throw new Error(`run on the run's thread alone ${again.status}: ${again.error?.message ?? ''}`);
          const used = process.cpuUsage(cpuAt);
          const mainNow = mainThreadCpuSeconds();
          other = { events: again.eventsIn, seconds: (monotonicMs() - at) / 1000, cpuSeconds: (used.user + used.system) / 1e6, mainSeconds: mainAt === undefined || mainNow === undefined ? undefined : mainNow - mainAt, broker: brokerForOther };
        } finally {
          delete process.env.STREAMLAKE_WORKERS;
        }
      }
      const us = (secs: number | undefined, n: number): string => (secs === undefined ? 'n/a' : `${((secs * 1e6) / n).toFixed(2)} µs`);
      return {
        events,
        seconds,
        eventsPerSecond: rate,
        peakRssMb,
        references: [
          { name: 'end to end, per CPU-second (load-independent)', eventsPerSecond: events / cpuSeconds, note: `${((cpuSeconds * 1e6) / events).toFixed(2)} µs CPU per event` },
          { name: 'kcat -C -e (librdkafka), same topic', eventsPerSecond: kcatRate, seconds: kcatSeconds, note: kcatCpuSeconds === undefined ? undefined : `${((kcatCpuSeconds * 1e6) / count).toFixed(2)} µs CPU per message` },
          ...(other ? [{ name: 'end to end on the run\'s thread alone (STREAMLAKE_WORKERS=0)', eventsPerSecond: other.events / other.seconds, seconds: other.seconds, note: `${((other.cpuSeconds * 1e6) / other.events).toFixed(2)} µs CPU per event, all threads; run's thread ${us(other.mainSeconds, other.events)}; / kcat ${((other.events / other.seconds) / kcatRate).toFixed(2)}` }] : []),
          { name: 'Kafka client alone (kafkajs fetch and record parsing, no value decoded)', eventsPerSecond: count / client.seconds, seconds: client.seconds, note: `${((client.cpuSeconds * 1e6) / count).toFixed(2)} µs CPU per message${client.broker === undefined ? '' : `, broker ${((client.broker * 1e6) / count).toFixed(2)} µs`}` },
          { name: 'Kafka source alone (projected decode)', eventsPerSecond: alone.events / alone.seconds, seconds: alone.seconds, note: `${((alone.cpuSeconds * 1e6) / alone.events).toFixed(2)} µs CPU per event; fields ${alone.fields}` },
          { name: 'kcat -P load', eventsPerSecond: count / loadSeconds, seconds: loadSeconds },
        ],
        targets: { eventsPerSecond: kcatRate },
        notes: [`engine / kcat = ${(rate / kcatRate).toFixed(2)} (target ≥ 1.0, issue 16)`, ...cpuBound({ cores: availableParallelism(), events, kcat: { seconds: kcatSeconds, cpu: kcatCpuSeconds, broker: brokerForKcat }, engine: { seconds, cpu: cpuSeconds, broker: brokerForRun }, inline: other ? { seconds: other.seconds, cpu: other.cpuSeconds, broker: other.broker } : undefined }), `the run above: ${process.env.STREAMLAKE_WORKERS === undefined ? 'default workers' : `STREAMLAKE_WORKERS=${process.env.STREAMLAKE_WORKERS}`}; run's thread ${us(mainSeconds, events)} CPU per event, all threads ${us(cpuSeconds, events)}`, `machine load (1-minute average) ${(loadavg()[0] ?? 0).toFixed(1)} at the end, on ${availableParallelism()} cores`, `window rows: ${run.metrics().nodes.per_min?.out.out ?? 0}`, `checkpoints: ${summary.checkpoints} (default interval, with a checkpoint folder)`, `event loop busy ${(loop.utilization * 100).toFixed(0)} % of the run (idle ${(loop.idle / 1000).toFixed(1)} s)`],
        ratioToKcat: rate / kcatRate,
      };
    } finally {
      await broker.stop();
    }
  },
});
