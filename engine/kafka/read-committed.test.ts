// source.kafka reads committed data only, and finishes (stopAtEnd) on topics written by transactions: the
// commit and abort markers take offsets of their own, so the end offset lies past the last record a
// consumer ever sees. Rows of an aborted transaction and of one still open are never delivered; what is
// delivered equals what kcat reads with isolation.level=read_committed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Row } from '../runtime/types.ts';
import { collect, testContext, uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import { KafkaSink } from './sink.ts';
import { KafkaSource } from './source.ts';

let broker: TestBroker;
let local: ConnectionConfig;

before(async () => {
  broker = await useTestBroker();
  local = { name: 'local', brokers: [broker.bootstrap] };
});
after(async () => { await broker.release(); });

function rows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({ n: from + i }));
}

function kcatCommitted(topic: string): number[] {
  const r = spawnSync('kcat', ['-C', '-b', broker.bootstrap, '-t', topic, '-X', 'isolation.level=read_committed', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => Number((JSON.parse(l) as Row).n)).sort((a, b) => a - b);
}

test('stopAtEnd finishes on a transactional topic and delivers only committed rows', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('txn-read');
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const pipeline = uniqueTopic('pipe');
  const sink = (): KafkaSink => new KafkaSink('out', { connection: 'local', topic, format: 'json' }, local, { ...testContext('out'), pipelineName: pipeline });
  const a = sink();
  await a.write({ rows: rows(0, 300), partition: 'p' });
  await a.commit({ id: 1, sources: {} }, await a.prepare({ id: 1, sources: {} }));
  // Aborted: rows after the last prepare when the sink closes.
  await a.write({ rows: rows(1000, 50), partition: 'p' });
  await a.close();
  const b = sink();
  await b.write({ rows: rows(300, 200), partition: 'p' });
  await b.commit({ id: 2, sources: {} }, await b.prepare({ id: 2, sources: {} }));
  await b.close();
  const want = rows(0, 500).map((r) => r.n);
  // The markers are written just after EndTxn returns.
  for (let i = 0; i < 50 && kcatCommitted(topic).length < want.length; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(kcatCommitted(topic), want);

  const source = new KafkaSource('in', { connection: 'local', topics: [topic], group: uniqueTopic('g'), format: 'json', startFrom: 'earliest' }, local, testContext('in'), { stopAtEnd: true });
  // Before the fix the source never finished here (the end offset is a marker it never sees).
  const { out } = await collect(source, undefined, 20_000);
  assert.deepEqual(out.map((r) => Number(r.n)).sort((x, y) => x - y), want);
  // The positions pass the markers: a restore starts after them, not at one.
  const positions = source.positions();
  const admin2 = kafkaClient(local).admin();
  await admin2.connect();
  const ends = await admin2.fetchTopicOffsets(topic);
  await admin2.disconnect();
  for (const o of ends) assert.equal(positions[`${topic}/${o.partition}`] ?? 0, Number(o.high), `partition ${o.partition} read to its end`);
});
