// The swapped kafkajs record decoding against the real broker: what kafkajs now hands out (KafkaRecords)
// must read exactly as kcat (librdkafka, an independent client) reads the same messages, in every codec,
// with keys, null keys and values, repeated headers and timestamps before and after the batch's first;
// log-append time; and aborted transactions with their control records left out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestTopic, uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { kcat } from '../testing/kcat.ts';
import { internalCluster } from './cluster.ts';
import { compressionType, registerCodecs, type CompressionName } from './codecs.ts';
import { kafkaClient } from './connections.ts';
import { fetchedBatch, KafkaRecord } from './records.ts';

let broker: TestBroker;

before(async () => { broker = await useTestBroker(); });
after(async () => { await broker.release(); });

const connection = (): { name: string; brokers: string[] } => ({ name: 'local', brokers: [broker.bootstrap] });


/** Every record of partition 0 from `from` on, as kafkajs' consumer Batch gives them (read committed). */
async function fetchAll(topic: string, from = 0): Promise<ReturnType<typeof fetchedBatch>['messages']> {
  const cluster = internalCluster(kafkaClient(connection()));
  assert.ok(cluster, 'kafkajs exposes its cluster');
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const [leader] = Object.keys(cluster.findLeaderForPartitions(topic, [0]));
    assert.ok(leader !== undefined);
    const b = await cluster.findBroker({ nodeId: leader });
    const out: ReturnType<typeof fetchedBatch>['messages'] = [];
    for (let offset = from, round = 0; round < 20; round++) {
      const response = await b.fetch({ maxWaitTime: 100, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: String(offset), maxBytes: 1 << 20 }] }] });
      const data = response.responses[0]?.partitions[0];
      assert.ok(data);
      const batch = fetchedBatch(topic, offset, data);
      out.push(...batch.messages);
      const next = Number(batch.lastOffset()) + 1;
      if (next >= Number(data.highWatermark) || next <= offset) break;
      offset = next;
    }
    return out;
  } finally {
    await cluster.disconnect();
  }
}

interface KcatRecord { offset: number; ts: number; key: string | null; payload: string | null; headers?: string[] }

function kcatRead(topic: string): KcatRecord[] {
  return kcat(['-C', '-b', broker.bootstrap, '-t', topic, '-J', '-e', '-q']).trim().split('\n').map((line) => JSON.parse(line) as KcatRecord);
}

/** kafkajs' header object in kcat's flat [name, value, …] form. */
function flatHeaders(headers: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) out.push(name, Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  }
  return out;
}

test('kafkajs hands out KafkaRecords that read as kcat reads them, in every codec', async () => {
  registerCodecs();
  // kafkajs takes the lexically smallest timestamp as a batch's first, so times either side of 10^10 ms
  // give records that are earlier than their batch's first timestamp (negative deltas).
  const base = 1e10 - 25_000;
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionName[]) {
    const topic = uniqueTopic(`records-${codec}`);
    // Timestamps of 1970 are far past the broker's 7-day retention: its periodic check deleted a topic's
    // records between the send and the fetch once (OffsetOutOfRange in CI). Kept for good here.
    await createTestTopic(broker.bootstrap, topic, 1, { 'retention.ms': '-1' });
    const producer = kafkaClient(connection()).producer();
    await producer.connect();
    // One batch per send.
    for (let send = 0; send < 3; send++) {
      await producer.send({
        topic,
        compression: compressionType(codec),
        messages: Array.from({ length: 40 }, (_, i) => ({
          key: i % 9 === 4 ? null : `k${send}-${i}`,
          value: i % 13 === 6 ? null : JSON.stringify({ send, i, s: 'é'.repeat(i) }),
          timestamp: String(base + send * 5000 + ((i * 7919) % 40) * 1000),
          headers: i % 5 === 0 ? { twice: ['one', 'two'], once: `h${i}` } : undefined,
        })),
      });
    }
    await producer.disconnect();

    const ours = await fetchAll(topic);
    const theirs = kcatRead(topic);
    assert.equal(ours.length, 120, codec);
    assert.equal(theirs.length, 120, codec);
    ours.forEach((m, n) => {
      const k = theirs[n]!;
      assert.ok(m instanceof KafkaRecord, `${codec}: kafkajs' record decoder is the swapped one`);
      assert.equal(m.offset, String(k.offset), codec);
      assert.equal(m.timestamp, String(k.ts), `${codec}: timestamp of ${k.offset}`);
      assert.equal(m.key === null ? null : m.key.toString('utf8'), k.key, codec);
      assert.equal(m.value === null ? null : m.value.toString('utf8'), k.payload, codec);
      assert.deepEqual(flatHeaders(m.headers), k.headers ?? [], `${codec}: headers of ${k.offset}`);
      assert.equal(m.hasHeaders(), (k.headers ?? []).length > 0, codec);
      if (m.value !== null) assert.deepEqual(m.buffer.subarray(m.valueStart, m.valueEnd), m.value, codec);
    });
    // From the middle of a batch: the records before the fetched offset are left out.
    assert.deepEqual((await fetchAll(topic, 45)).map((m) => Number(m.offset)), Array.from({ length: 75 }, (_, i) => 45 + i), codec);
  }
});

test('log-append time replaces the producer timestamps', async () => {
  const topic = uniqueTopic('records-append');
  await createTestTopic(broker.bootstrap, topic, 1, { 'message.timestamp.type': 'LogAppendTime' });
  const producer = kafkaClient(connection()).producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'a', timestamp: '1000' }, { value: 'b', timestamp: '2000' }] });
  await producer.disconnect();
  const ours = await fetchAll(topic);
  const theirs = kcatRead(topic);
  assert.deepEqual(ours.map((m) => m.timestamp), theirs.map((k) => String(k.ts)));
  assert.ok(Number(ours[0]!.timestamp) > 1_700_000_000_000, 'the broker time, not the producer one');
});

test('aborted transactions and control records are left out', async () => {
  const topic = uniqueTopic('records-txn');
  await createTestTopic(broker.bootstrap, topic);
  const producer = kafkaClient(connection()).producer({ transactionalId: `${topic}-tx`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const send = async (values: string[], commit: boolean): Promise<void> => {
    const tx = await producer.transaction();
    await tx.send({ topic, messages: values.map((value) => ({ value })) });
    if (commit) await tx.commit();
    else await tx.abort();
  };
  await send(['c1', 'c2'], true);
  await send(['a1', 'a2', 'a3'], false);
  await send(['c3'], true);
  await producer.disconnect();
  const ours = await fetchAll(topic);
  assert.deepEqual(ours.map((m) => m.value?.toString()), ['c1', 'c2', 'c3']);
  assert.ok(ours.every((m) => m instanceof KafkaRecord));
});
