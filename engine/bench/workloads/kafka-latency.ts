// kafka-latency: kcat publishes at a steady 50 k events/s (fed paced lines by a small pacer process;
// kafkajs' idempotent producer in `streamlake produce` tops out well below that on 2 cores) while a
// pipeline writes the topic into the lake with frequent commits. Latency per event = the moment a reader
// polling the table (every 25 ms, as a lake query would open it) first sees the first snapshot whose
// recorded source positions cover the event's offset, minus the event's Kafka CreateTime set by the
// producer. The snapshot's own commit timestamp is reported beside it.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { openLake, readRows, SUMMARY_POSITIONS } from '../../lake/index.ts';
import '../../nodes/index.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { createRun } from '../../runtime/run.ts';
import { percentiles, registerWorkload, type BenchResult } from '../workload.ts';
import type { ConnectionConfig } from '../../kafka/connections.ts';
import { kafkaClient } from '../../kafka/connections.ts';
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


async function firstBytes(path: string, length: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function groupReady(connection: ConnectionConfig, groupId: string): Promise<void> {
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const { groups } = await admin.describeGroups([groupId]);
      if (groups[0]?.state === 'Stable' && groups[0].members.length > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`consumer group ${groupId} did not become stable in 30 s`);
  } finally {
    await admin.disconnect();
  }
}

registerWorkload({
  name: 'kafka-latency',
  description: 'steady 50 k events/s into Kafka → lake; event → visible in a lake snapshot, p50/p99',
  async run(ctx): Promise<BenchResult> {
    const rate = Number(process.env.STREAMLAKE_BENCH_KAFKA_RATE ?? 50_000);
    const durationSeconds = Number(process.env.STREAMLAKE_BENCH_KAFKA_SECONDS ?? 20);
    const barrierInterval = Number(process.env.STREAMLAKE_BENCH_KAFKA_BARRIER_MS ?? 100);
    // The first seconds at full rate warm the pipeline up (JIT, the first large commits): not measured.
    const warmupSeconds = Number(process.env.STREAMLAKE_BENCH_KAFKA_WARMUP_SECONDS ?? 2);
    const count = rate * (durationSeconds + warmupSeconds);
    const partitions = 3;
    const file = await salesFile(ctx, count, 11);
    const broker = await benchBroker(ctx);
    const abort = new AbortController();
    try {
      const topic = `bench-latency-${process.pid}-${Math.round(monotonicMs())}`;
      await createTopic(broker.connection, topic, partitions);
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
      const barriers: number[] = [];
      const run = createRun(doc, {
        lakeDir, homeDir: ctx.workDir, checkpointDir: join(ctx.workDir, 'checkpoints'), checkpointInterval: barrierInterval,
        nodes: { 'source.kafka': drainingSource(broker.connection, {}) },
        onEvent: (event) => { if (event.type === 'checkpoint') barriers.push(event.durationMs); },
      });
      const rss = ctx.trackRss();
      const cpuBefore = process.cpuUsage();
      const running = run.start();
      const started = monotonicMs();
      // A reader that opens the table the way a query does and notes when each snapshot became visible.
      const lake = openLake(lakeDir);
      const seen = new Map<bigint, number>();
      let covered = 0;
      let reading = true;
      const reader = (async () => {
        while (reading) {
          const table = await lake.exists('latency') ? await lake.table('latency') : null;
          const now = Date.now();
          for (const s of table?.snapshots() ?? []) {
            if (seen.has(s.snapshotId)) continue;
            seen.set(s.snapshotId, now);
            const positions = (JSON.parse(s.summary[SUMMARY_POSITIONS] ?? '{}') as Record<string, Record<string, number>>).orders ?? {};
            covered = Math.max(covered, Object.values(positions).reduce((sum, n) => sum + n, 0));
          }
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      // Produce only once the source has joined its group and holds the partitions: the figure is about a
      // running pipeline, not its start.
      await groupReady(broker.connection, 'bench-kafka-latency');
      // Warm up: one event per partition must reach a snapshot (the table exists, every partition has been
      // seen by the source) before the measured events start; they are left out of the figures.
      const warmup = (await firstBytes(file, 16_384)).split('\n').slice(0, partitions);
      const warmProducer = kafkaClient(broker.connection).producer();
      await warmProducer.connect();
      await warmProducer.send({ topic, messages: warmup.map((value, partition) => ({ value, partition })) });
      await warmProducer.disconnect();
      for (let i = 0; i < 300 && covered < partitions; i++) await new Promise((r) => setTimeout(r, 50));
      if (covered < partitions) throw new Error('the warm-up events did not reach the lake in 15 s');
      // The pacer runs in its own process so producing does not compete with the engine's event loop.
      const producer = spawn('sh', ['-c', `node -e "$PACER" "$1" "$2" | kcat -P -b "$3" -t "$4" -X linger.ms=5`, 'sh', file, String(rate), broker.bootstrap, topic], {
        stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PACER: pacer }, signal: abort.signal,
      });
      const producerCode = await new Promise<number | null>((resolve) => producer.on('exit', resolve));
      if (producerCode !== 0) throw new Error(`kcat -P exited ${producerCode}`);
      // Let the last events reach a snapshot, then stop.
      for (let i = 0; i < 300 && covered < count + partitions; i++) await new Promise((r) => setTimeout(r, 100));
      reading = false;
      await reader;
      const cpu = process.cpuUsage(cpuBefore);
      const seconds = (monotonicMs() - started) / 1000;
      await run.stop();
      await running;
      const peakRssMb = rss.stop();

      const table = await lake.table('latency');
      const snapshots = table.snapshots().map((s) => ({ committed: s.timestampMs, visible: seen.get(s.snapshotId) ?? s.timestampMs, positions: (JSON.parse(s.summary[SUMMARY_POSITIONS] ?? '{}') as Record<string, Record<string, number>>).orders ?? {} }));
      const rows = await readRows(table);
      // Offset 0 of each partition is its warm-up event; the paced ones start after.
      let pacedFrom = Number.POSITIVE_INFINITY;
      for (const row of rows) if (Number(row.kafka_offset) > 0) pacedFrom = Math.min(pacedFrom, (row.kafka_time as Date).getTime());
      const measuredFrom = pacedFrom + warmupSeconds * 1000;
      const latencies: number[] = [];
      const toCommit: number[] = [];
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const row of rows) {
        const key = `${topic}/${String(row.kafka_partition)}`;
        const offset = Number(row.kafka_offset);
        const created = (row.kafka_time as Date).getTime();
        if (created < measuredFrom) continue;
        first = Math.min(first, created);
        last = Math.max(last, created);
        const visible = snapshots.find((s) => (s.positions[key] ?? 0) > offset);
        if (!visible) continue;
        latencies.push(visible.visible - created);
        toCommit.push(visible.committed - created);
      }
      const produced = latencies.length / Math.max(0.001, (last - first) / 1000);
      const commit = percentiles(toCommit);
      const barrier = percentiles(barriers);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      return {
        events: latencies.length,
        seconds,
        eventsPerSecond: produced,
        latencyMs: percentiles(latencies),
        peakRssMb,
        notes: [
          `producer asked for ${rate} events/s for ${warmupSeconds} s of warm-up (not measured) + ${durationSeconds} s; measured event CreateTimes span ${Math.round(produced)} events/s`,
          `${snapshots.length} lake snapshots; target p99 < 1000 ms (visible to a reader polling every 25 ms)`,
          `to the snapshot's commit timestamp: p50 ${Math.round(commit.p50)} p99 ${Math.round(commit.p99)} ms`,
          `checkpoint barriers every ${barrierInterval} ms took p50 ${Math.round(barrier.p50)} p99 ${Math.round(barrier.p99)} ms`,
          `engine process CPU ${(cpuSeconds * 1e6 / Math.max(1, rows.length)).toFixed(1)} µs/event (incl. the polling reader)`,
        ],
      };
    } finally {
      abort.abort();
      await broker.stop();
    }
  },
});
