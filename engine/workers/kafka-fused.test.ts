// Fused Kafka runs (runtime/fusion.ts: JSON values decoded, filtered and pre-aggregated on a worker)
// against runs on the run's thread, on a real broker: 3 partitions of random events with malformed values,
// values that fail the filter or the window, and out-of-order times. Which messages a fetch returns
// differs from run to run, so the comparison is of what must not depend on it: every node's counts and
// the final row of every window, both also checked against the test's own aggregation of what it
// produced; and a run stopped mid-way and restored with workers against an uninterrupted one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KafkaSourceConfig, PipelineDoc } from '../format/pipeline.ts';
import type { ConnectionConfig } from '../kafka/connections.ts';
import { kafkaClient } from '../kafka/connections.ts';
import { KafkaSource } from '../kafka/source.ts';
import '../operators/index.ts';
import { createRun, type RunOptions, type RunSummary } from '../runtime/run.ts';
import type { Row } from '../runtime/types.ts';
import { uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { RecordingSink, withWorkers } from '../testing/recording.ts';
import '../windows/index.ts';
import { workersAvailable } from './pool.ts';
import { randomFloats } from '../testing/random.ts';

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

const base = Date.UTC(2026, 5, 1);

/** Produces `count` values round-robin over 3 partitions; returns the events that are valid JSON. */
async function produce(topic: string, count: number, seed: number): Promise<Row[]> {
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafkaClient(local).producer();
  await producer.connect();
  const rnd = randomFloats(seed);
  const events: Row[] = [];
  let clock = base;
  let messages: { partition: number; value: string }[] = [];
  for (let i = 0; i < count; i++) {
    clock += Math.floor(rnd() * 30);
    const odd = rnd();
    let value: string;
    if (odd < 0.0001) value = '{"amount": ';
    else {
      const t = rnd() < 0.01 ? clock - 10_000 - Math.floor(rnd() * 60_000) : clock - Math.floor(rnd() * 2000);
      const event: Row = { id: i, event_time: new Date(t).toISOString(), region: ['eu', 'us', 'apac'][Math.floor(rnd() * 3)], amount: Math.floor(rnd() * 4000 - 500) / 4, note: 'café ☕' };
      if (odd < 0.0002) event.amount = 'x';
      else if (odd < 0.0003) delete event.event_time;
      events.push(event);
      value = JSON.stringify(event);
    }
    messages.push({ partition: i % 3, value });
    if (messages.length === 2000) {
      await producer.send({ topic, messages });
      messages = [];
    }
  }
  if (messages.length > 0) await producer.send({ topic, messages });
  await producer.disconnect();
  return events;
}

function pipeline(topic: string, group = `${topic}-g`): PipelineDoc {
  return {
    format: 'streamlake.pipeline', version: 1, name: `kafka-fused-${topic}`,
    nodes: [
      { id: 'src', type: 'source.kafka', config: { connection: 'local', topics: [topic], format: 'json', startFrom: 'earliest', group } },
      { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0' } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '2s', allowedLateness: '1h', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(amount)', high: 'max(amount)' } } },
      { id: 'out', type: 'sink.preview', config: {} },
    ],
    edges: [{ from: 'src', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' }],
  };
}

async function runOnce(doc: PipelineDoc, workers: string, options: Partial<RunOptions> = {}): Promise<{ summary: RunSummary; rows: Row[]; fused: number }> {
  const rows: Row[] = [];
  const sources: KafkaSource[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-kafka-fused-'));
  temps.push(dir);
  const summary = await withWorkers(workers, () => createRun(doc, {
    lakeDir: dir,
    homeDir: dir,
    checkpointInterval: 0,
    nodes: {
      'source.kafka': { kind: 'source', create: (spec, ctx) => { const s = new KafkaSource(spec.id, spec.config as KafkaSourceConfig, local, ctx, { stopAtEnd: true }); sources.push(s); return s; } },
      'sink.preview': { kind: 'sink', create: () => new RecordingSink((batch) => { rows.push(...batch.rows); }) },
    },
    ...options,
  }).start());
  assert.equal(summary.status, 'finished', summary.error?.message);
  return { summary, rows, fused: sources.reduce((n, s) => n + s.fusedBatches, 0) };
}

/** The last row of each window (re-emits replace earlier rows). */
function finalRows(rows: Row[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const row of rows) out.set(`${String(row.region)} ${(row.window_start as Date).toISOString()}`, row);
  return out;
}

function expected(events: Row[]): Map<string, { n: number; total: number; high: number }> {
  const out = new Map<string, { n: number; total: number; high: number }>();
  for (const e of events) {
    if (typeof e.amount !== 'number' || !(e.amount > 0) || typeof e.event_time !== 'string') continue;
    const start = Math.floor(Date.parse(e.event_time) / 60_000) * 60_000;
    const key = `${String(e.region)} ${new Date(start).toISOString()}`;
    const w = out.get(key) ?? { n: 0, total: 0, high: Number.NEGATIVE_INFINITY };
    w.n++;
    w.total += e.amount;
    w.high = Math.max(w.high, e.amount);
    out.set(key, w);
  }
  return out;
}

function pick(rows: Map<string, Row>): Map<string, { n: unknown; total: unknown; high: unknown }> {
  return new Map([...rows].map(([k, r]) => [k, { n: r.n, total: r.total, high: r.high }]));
}

function counts(summary: RunSummary): unknown {
  return Object.fromEntries(Object.entries(summary.nodes).filter(([id]) => id !== 'out').map(([id, n]) => [id, [n.in, n.out, n.errors]]));
}

test('Kafka: fused runs give the counts and windows of runs on the run\'s thread, and of the test\'s own aggregation', { skip: !workersAvailable(), timeout: 300_000 }, async () => {
  const topic = uniqueTopic('fused');
  const events = await produce(topic, 30_000, 5);
  const doc = pipeline(topic);
  const inline = await runOnce(doc, '0');
  // Its own group: the first run's final group offsets would make a run of the same group start at the end.
  const fused = await runOnce(pipeline(topic, `${topic}-w`), '1');
  assert.equal(inline.fused, 0);
  assert.ok(fused.fused > 0, 'some batches were pre-aggregated');
  assert.equal(inline.summary.eventsIn, 30_000);
  assert.equal(fused.summary.eventsIn, 30_000);
  assert.deepEqual(counts(fused.summary), counts(inline.summary));
  const want = expected(events);
  assert.deepEqual(pick(finalRows(inline.rows)), want);
  assert.deepEqual(pick(finalRows(fused.rows)), want);
});

test('Kafka: a fused run stopped mid-way and restored ends with the windows of an uninterrupted run', { skip: !workersAvailable(), timeout: 300_000 }, async () => {
  const topic = uniqueTopic('fused-restore');
  const events = await produce(topic, 20_000, 9);
  const doc = pipeline(topic);
  const checkpointDir = mkdtempSync(join(tmpdir(), 'streamlake-kafka-fused-chk-'));
  temps.push(checkpointDir);
  const first = await runOnce(doc, '1', { checkpointDir, maxEvents: 7_001 });
  const second = await runOnce(doc, '1', { checkpointDir });
  assert.equal(second.summary.restoredFrom, first.summary.lastCheckpointId);
  assert.equal(first.summary.eventsIn + second.summary.eventsIn, 20_000);
  assert.ok(first.fused + second.fused > 0);
  assert.deepEqual(pick(finalRows([...first.rows, ...second.rows])), expected(events));
});
