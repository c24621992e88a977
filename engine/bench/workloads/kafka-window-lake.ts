// kafka-window-lake: drain a 3-partition topic of 5 M sales events (~200-byte JSON) through filter →
// tumbling 1-minute window → lake, and in the same run time `kcat -C -e` (librdkafka) reading the same
// topic. The ratio says how close the engine's Kafka path is to a native consumer.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import { registerWorkload, type BenchResult } from '../workload.ts';
import { benchBroker, createTopic, drainingSource, loadTopic, salesFile } from './kafka-common.ts';

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

      const kcatStarted = monotonicMs();
      const kcatCode = await new Promise<number | null>((resolve) => {
        const child = spawn('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('exit', resolve);
      });
      const kcatSeconds = (monotonicMs() - kcatStarted) / 1000;
      if (kcatCode !== 0) throw new Error(`kcat -C exited ${kcatCode}`);

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
      const rss = ctx.trackRss();
      const started = monotonicMs();
      const run = createRun(doc, { lakeDir: join(ctx.workDir, 'lake'), homeDir: ctx.workDir, checkpointInterval: 0, nodes: { 'source.kafka': drainingSource(broker.connection) } });
      const summary = await run.start();
      const seconds = (monotonicMs() - started) / 1000;
      const peakRssMb = rss.stop();
      if (summary.status !== 'finished') throw new Error(`run ${summary.status}: ${summary.error?.message ?? ''}`);
      const events = summary.eventsIn;
      const rate = events / seconds;
      const kcatRate = count / kcatSeconds;
      return {
        events,
        seconds,
        eventsPerSecond: rate,
        peakRssMb,
        references: [
          { name: 'kcat -C -e (librdkafka), same topic', eventsPerSecond: kcatRate, seconds: kcatSeconds },
          { name: 'kcat -P load', eventsPerSecond: count / loadSeconds, seconds: loadSeconds },
        ],
        targets: { eventsPerSecond: kcatRate * 0.5 },
        notes: [`engine / kcat = ${(rate / kcatRate).toFixed(2)} (target ≥ 0.5)`, `window rows: ${run.metrics().nodes.per_min?.out.out ?? 0}`],
        ratioToKcat: rate / kcatRate,
      };
    } finally {
      await broker.stop();
    }
  },
});
