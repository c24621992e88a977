// A run stalled behind a slow sink for longer than its window's idle timeout calls no event late: the
// Kafka source says which partitions still have events to read (Batch.backlog), and a window never
// counts those idle. Before, every partition went idle during the stall, the watermark jumped to the
// partition furthest ahead, and the others' events came late. Run with and without the decode worker
// (the fused path signals the backlog as the row path does), on a real broker.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KafkaSourceConfig, PipelineDoc } from '../format/pipeline.ts';
import '../operators/index.ts';
import { createRun, type RunSummary } from '../runtime/run.ts';
import type { Row } from '../runtime/types.ts';
import { createTestTopic, uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { RecordingSink, withWorkers } from '../testing/recording.ts';
import '../windows/index.ts';
import { workersAvailable } from '../workers/pool.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import { KafkaSource } from './source.ts';

let broker: TestBroker;
let local: ConnectionConfig;
const temps: string[] = [];

before(async () => {
  broker = await useTestBroker();
  local = { name: 'local', brokers: [broker.bootstrap] };
});
after(async () => {
  await broker.release();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const events = 300_000;
/** Consecutive events per partition, as a sticky partitioner writes them: 500 s of event time each. */
const run = 5_000;
const base = Date.UTC(2026, 2, 1);

/** Events 100 ms apart, in runs of `run` per partition, each partition in time order. */
async function produce(topic: string): Promise<void> {
  await createTestTopic(broker.bootstrap, topic, 3);
  const producer = kafkaClient(local).producer();
  await producer.connect();
  for (let from = 0; from < events; from += run) {
    const messages = Array.from({ length: run }, (_, k) => ({
      partition: (from / run) % 3,
      value: JSON.stringify({ id: from + k, event_time: new Date(base + (from + k) * 100).toISOString(), amount: 1 }),
    }));
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
}

async function runStalled(topic: string, workers: string): Promise<{ summary: RunSummary; rows: Row[]; fused: number }> {
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline', version: 1, name: `backlog-${topic}-${workers}`,
    nodes: [
      { id: 'src', type: 'source.kafka', config: { connection: 'local', topics: [topic], format: 'json', startFrom: 'earliest', group: `${topic}-${workers}` } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', idleTimeout: '1s', aggregates: { n: 'count(*)' } } },
      { id: 'out', type: 'sink.preview', config: {} },
    ],
    edges: [{ from: 'src', to: 'per_min' }, { from: 'per_min', to: 'out' }],
  };
  const rows: Row[] = [];
  const sources: KafkaSource[] = [];
  // Its second write takes 2.5 s: with a queue of one, that stops the sources.
  const sink = new RecordingSink(async (batch, write) => {
    if (write === 2) await new Promise((resolve) => setTimeout(resolve, 2_500));
    rows.push(...batch.rows);
  });
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-backlog-'));
  temps.push(dir);
  const summary = await withWorkers(workers, () => createRun(doc, {
    lakeDir: dir,
    homeDir: dir,
    checkpointInterval: 0,
    queueCapacity: 1,
    nodes: {
      'source.kafka': { kind: 'source', create: (spec, ctx) => { const s = new KafkaSource(spec.id, spec.config as KafkaSourceConfig, local, ctx, { stopAtEnd: true }); sources.push(s); return s; } },
      'sink.preview': { kind: 'sink', create: () => sink },
    },
  }).start());
  assert.equal(summary.status, 'finished', summary.error?.message);
  return { summary, rows, fused: sources.reduce((n, s) => n + s.fusedBatches, 0) };
}

test('a run stalled longer than the idle timeout calls no event late: partitions with events to read are not idle', { timeout: 300_000 }, async (t) => {
  const topic = uniqueTopic('backlog');
  await produce(topic);
  const want = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const start = new Date(Math.floor((base + i * 100) / 60_000) * 60_000).toISOString();
    want.set(start, (want.get(start) ?? 0) + 1);
  }
  for (const workers of workersAvailable() ? ['0', '1'] : ['0']) {
    const { summary, rows, fused } = await runStalled(topic, workers);
    assert.equal(summary.eventsIn, events);
    assert.equal(fused > 0, workers === '1', `workers ${workers}: ${fused} batches pre-aggregated on the worker`);
    assert.equal(summary.nodes.per_min?.late, 0, `workers ${workers}: no event is late`);
    // The last row of each window: windows open at the end are emitted as they stand, then final.
    const got = new Map<string, number>();
    for (const row of rows) got.set((row.window_start as Date).toISOString(), Number(row.n));
    assert.deepEqual(got, want, `workers ${workers}: every window has all its events`);
    t.diagnostic(`workers ${workers}: ${got.size} windows`);
  }
});
