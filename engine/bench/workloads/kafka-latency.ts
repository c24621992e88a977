// kafka-latency: kcat publishes at a steady 50 k events/s (fed paced lines by a small pacer process;
// kafkajs' idempotent producer in `streamlake produce` tops out well below that on 2 cores) while a
// pipeline writes the topic into the lake with frequent commits. Latency per event = the commit time of the
// first lake snapshot whose recorded source positions cover the event's offset (from then on a lake query
// sees it) minus the event's Kafka CreateTime set by the producer.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { openLake, readRows, SUMMARY_POSITIONS } from '../../lake/index.ts';
import '../../nodes/index.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import { percentiles, registerWorkload, type BenchResult } from '../workload.ts';
import { benchBroker, createTopic, drainingSource, salesFile } from './kafka-common.ts';

/** Copies a JSON Lines file to stdout at a steady rate, in 20 ms slices. */
const pacer = `
const fs = require('fs');
const [file, rate] = [process.argv[1], Number(process.argv[2])];
const lines = fs.readFileSync(file, 'utf8').split('\\n').filter(Boolean);
const perTick = Math.max(1, Math.round(rate / 50));
const start = Date.now();
let sent = 0;
(function next() {
  if (sent >= lines.length) return;
  const chunk = lines.slice(sent, sent + perTick);
  sent += chunk.length;
  const ok = process.stdout.write(chunk.join('\\n') + '\\n');
  const wait = start + (sent / rate) * 1000 - Date.now();
  const go = () => setTimeout(next, Math.max(0, wait));
  if (ok) go(); else process.stdout.once('drain', go);
})();
`;


registerWorkload({
  name: 'kafka-latency',
  description: 'steady 50 k events/s into Kafka → lake; event → visible in a lake snapshot, p50/p99',
  async run(ctx): Promise<BenchResult> {
    const rate = Number(process.env.STREAMLAKE_BENCH_KAFKA_RATE ?? 50_000);
    const seconds = Number(process.env.STREAMLAKE_BENCH_KAFKA_SECONDS ?? 20);
    const count = rate * seconds;
    const file = await salesFile(ctx, count, 11);
    const broker = await benchBroker(ctx);
    const abort = new AbortController();
    try {
      const topic = `bench-latency-${process.pid}-${Math.round(monotonicMs())}`;
      await createTopic(broker.connection, topic, 3);
      const doc: PipelineDoc = {
        format: 'streamlake.pipeline',
        version: 1,
        name: 'bench-kafka-latency',
        nodes: [
          { id: 'orders', type: 'source.kafka', config: { connection: 'bench', topics: [topic], format: 'json', startFrom: 'earliest', group: 'bench-kafka-latency' } },
          { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', amount: 'amount', kafka_partition: '_partition', kafka_offset: '_offset', kafka_time: '_timestamp' } } },
          { id: 'out', type: 'sink.lake', config: { table: 'latency', commitInterval: '200ms' } },
        ],
        edges: [{ from: 'orders', to: 'pick' }, { from: 'pick', to: 'out' }],
      };
      const lakeDir = join(ctx.workDir, 'lake');
      const run = createRun(doc, { lakeDir, homeDir: ctx.workDir, checkpointDir: join(ctx.workDir, 'checkpoints'), checkpointInterval: 200, nodes: { 'source.kafka': drainingSource(broker.connection, {}) } });
      const rss = ctx.trackRss();
      const running = run.start();
      const started = monotonicMs();
      // The pacer runs in its own process so producing does not compete with the engine's event loop.
      const producer = spawn('sh', ['-c', `node -e "$PACER" "$1" "$2" | kcat -P -b "$3" -t "$4" -X linger.ms=5`, 'sh', file, String(rate), broker.bootstrap, topic], {
        stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PACER: pacer }, signal: abort.signal,
      });
      const producerExit = new Promise<number | null>((resolve) => producer.on('exit', resolve));
      const producerCode = await producerExit;
      const produceSeconds = (monotonicMs() - started) / 1000;
      if (producerCode !== 0) throw new Error(`kcat -P exited ${producerCode}`);
      // Let the last events reach a snapshot, then stop.
      const lake = openLake(lakeDir);
      for (let i = 0; i < 300; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const table = await lake.exists('latency') ? await lake.table('latency') : null;
        const last = table?.snapshots().at(-1);
        const positions = last ? (JSON.parse(last.summary[SUMMARY_POSITIONS] ?? '{}') as Record<string, Record<string, number>>).orders ?? {} : {};
        if (Object.values(positions).reduce((s, n) => s + n, 0) >= count) break;
      }
      await run.stop();
      await running;
      const peakRssMb = rss.stop();

      const table = await lake.table('latency');
      const snapshots = table.snapshots().map((s) => ({ at: s.timestampMs, positions: (JSON.parse(s.summary[SUMMARY_POSITIONS] ?? '{}') as Record<string, Record<string, number>>).orders ?? {} }));
      const rows = await readRows(table);
      const latencies: number[] = [];
      for (const row of rows) {
        const key = `${topic}/${String(row.kafka_partition)}`;
        const offset = Number(row.kafka_offset);
        const visible = snapshots.find((s) => (s.positions[key] ?? 0) > offset);
        if (visible) latencies.push(visible.at - (row.kafka_time as Date).getTime());
      }
      return {
        events: rows.length,
        seconds: produceSeconds,
        eventsPerSecond: rows.length / produceSeconds,
        latencyMs: percentiles(latencies),
        peakRssMb,
        notes: [`producer asked for ${rate} events/s for ${seconds} s and achieved ${Math.round(count / produceSeconds)}/s`, `${snapshots.length} lake snapshots; target p99 < 1000 ms`],
      };
    } finally {
      abort.abort();
      await broker.stop();
    }
  },
});
