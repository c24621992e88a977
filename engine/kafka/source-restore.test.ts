// The Kafka source's side of exactly-once restores (issue #9), against the shared test broker:
// checkpoints hold every assigned partition's position (empty ones included), a restored source never
// starts a partition at the consumer group's offset, a batch's good rows and dead letters are handed over
// together, and --max-events positions cover exactly the events delivered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Batch, NodeContext, SourcePositions } from '../runtime/types.ts';
import { collect, testContext, uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import { KafkaSource } from './source.ts';

let broker: TestBroker;
let connection: ConnectionConfig;

before(async () => {
  broker = await useTestBroker();
  connection = { name: 'test', brokers: [broker.bootstrap] };
});
after(async () => { await broker.release(); });

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

async function produce(topic: string, partition: number, values: string[]): Promise<void> {
  const producer = kafkaClient(connection).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition })) });
  await producer.disconnect();
}

function source(topic: string, group: string, ctx: NodeContext = testContext('k')): KafkaSource {
  return new KafkaSource('k', { connection: 'test', topics: [topic], group, format: 'json', startFrom: 'earliest', stopAtEnd: true }, connection, ctx);
}

test('a restored source reads partitions that were empty at the checkpoint from the start, never from group offsets', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('restore-empty');
  const group = `${topic}-group`;
  await createTopic(topic, 2);
  await produce(topic, 0, ['{"n":0}', '{"n":1}', '{"n":2}']);
  const first = source(topic, group);
  const read = await collect(first);
  assert.equal(read.out.length, 3);
  const positions: SourcePositions = first.positions();
  assert.deepEqual(positions, { [`${topic}/0`]: 3, [`${topic}/1`]: 0 }, 'the empty partition has its position too');

  // Later events of partition 1, and group offsets past them: informational only, e.g. committed after a
  // checkpoint whose sink commit was then lost, or set by hand with a lag tool.
  await produce(topic, 1, ['{"n":10}', '{"n":11}']);
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '2' }] });
  await admin.disconnect();

  const restored = source(topic, group);
  restored.restore(positions);
  assert.deepEqual((await collect(restored)).out.map((r) => r.n), [10, 11]);

  // A checkpoint that lacks the partition altogether (it did not exist then): from its earliest offset.
  const older = source(topic, group);
  older.restore({ [`${topic}/0`]: 3 });
  assert.deepEqual((await collect(older)).out.map((r) => r.n), [10, 11]);
  assert.deepEqual(older.positions(), { [`${topic}/0`]: 3, [`${topic}/1`]: 2 });
});

test("a batch's dead letters are handed over in the same step as its good rows, before any wait for room", { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('restore-dead');
  await createTopic(topic, 1);
  await produce(topic, 0, ['{"n":0}', 'bad0', '{"n":1}', 'bad1']);
  const k = source(topic, `${topic}-group`);
  const handed: { port: string; rows: number; positions: SourcePositions }[] = [];
  const abort = new AbortController();
  const running = k.run((batch: Batch, port = 'out') => {
    if (batch.announce) return Promise.resolve();
    handed.push({ port, rows: batch.rows.length, positions: k.positions() });
    // The downstream is full: the good rows' push does not resolve (a checkpoint may come meanwhile).
    return port === 'out' ? new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve())) : Promise.resolve();
  }, abort.signal);
  const deadline = Date.now() + 60_000;
  while (!handed.some((h) => h.port === 'out') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  // What the downstream has while the good rows still wait for room, i.e. what a checkpoint now covers.
  const whileWaiting = handed.map((h) => [h.port, h.rows]);
  abort.abort();
  await running;
  assert.deepEqual(whileWaiting, [['out', 2], ['error', 2]], 'the dead letters did not wait behind the good rows');
  assert.deepEqual(handed[0]?.positions, { [`${topic}/0`]: 4 });
});

test('--max-events: the source delivers exactly the granted events and its position stops right after them', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('restore-budget');
  await createTopic(topic, 1);
  await produce(topic, 0, Array.from({ length: 25 }, (_, n) => JSON.stringify({ n })));
  let left = 23;
  const ctx: NodeContext = { ...testContext('k'), budget: (wanted) => { const granted = Math.min(wanted, left); left -= granted; return granted; } };
  const limited = source(topic, `${topic}-group`, ctx);
  const read = await collect(limited, (c) => c.out.length >= 23, 30_000);
  assert.deepEqual(read.out.map((r) => r.n), Array.from({ length: 23 }, (_, n) => n));
  assert.deepEqual(limited.positions(), { [`${topic}/0`]: 23 });
  const next = source(topic, `${topic}-group`);
  next.restore(limited.positions());
  assert.deepEqual((await collect(next)).out.map((r) => r.n), [23, 24], 'offsets 23 and 24 come with the next run');
});

test('group offsets are set after the final checkpoint too, when the consumer has already left (lag tools see the end)', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('restore-lag');
  const group = `${topic}-group`;
  await createTopic(topic, 2);
  await produce(topic, 0, ['{"n":0}', '{"n":1}']);
  const k = source(topic, group);
  await collect(k);
  // The runtime's final checkpoint comes after run() returned: the consumer is gone by then.
  await k.committed(k.positions());
  await k.close();
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  await admin.disconnect();
  assert.deepEqual(offsets?.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '2'], [1, '0']]);
});
