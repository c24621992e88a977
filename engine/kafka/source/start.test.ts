// The Kafka source's broker connections at the start and the end of a run, against the shared test
// broker: the start's metadata calls (start plan, first announcement) share one admin client connected
// alongside the consumer, and the final group offsets go over a connection opened before they are known.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { collect, testContext, uniqueTopic, useTestBroker, type TestBroker } from '../../testing/kafka.ts';
import type { ConnectionConfig } from '../connections.ts';
import { kafkaClient } from '../connections.ts';
import { Kafka } from '../kafkajs.ts';
import { KafkaSource } from '../source.ts';
import { commitEmptyGroupOffsets, EmptyGroupCommitter } from './group-offsets.ts';

let broker: TestBroker;
let connection: ConnectionConfig;

before(async () => {
  broker = await useTestBroker();
  connection = { name: 'test', brokers: [broker.bootstrap] };
});
after(async () => { await broker.release(); });

async function createTopic(topic: string, partitions: number, values: string[]): Promise<void> {
  const kafka = kafkaClient(connection);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % partitions })) });
  await producer.disconnect();
}

async function groupOffsets(groupId: string, topic: string): Promise<[number, string][]> {
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).map((p): [number, string] => [p.partition, p.offset]).sort((a, b) => a[0] - b[0]);
  } finally {
    await admin.disconnect();
  }
}

/** Counts the admin clients made and connected while `use` runs. */
async function countingAdmins<T>(use: () => Promise<T>): Promise<{ made: number; connects: number; result: T }> {
  const proto = Kafka.prototype as unknown as { admin: (...args: unknown[]) => { connect(): Promise<void> } };
  const original = proto.admin;
  const counts = { made: 0, connects: 0 };
  proto.admin = function (this: unknown, ...args: unknown[]) {
    counts.made++;
    const admin = original.apply(this, args);
    const connect = admin.connect.bind(admin);
    admin.connect = () => { counts.connects++; return connect(); };
    return admin;
  };
  try {
    const result = await use();
    return { ...counts, result };
  } finally {
    proto.admin = original;
  }
}

/** Counts the TCP connections opened while `use` runs (kafkajs opens them with net.connect). */
async function countingSockets<T>(use: () => Promise<T>): Promise<{ opened: number; result: T }> {
  const original = net.connect;
  let opened = 0;
  (net as { connect: typeof net.connect }).connect = ((...args: Parameters<typeof net.connect>) => { opened++; return original(...args); }) as typeof net.connect;
  try {
    const result = await use();
    return { opened, result };
  } finally {
    (net as { connect: typeof net.connect }).connect = original;
  }
}

test('the start plan and the first announcement share one admin client, connected alongside the consumer', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('start-admin');
  const group = `${topic}-group`;
  await createTopic(topic, 3, Array.from({ length: 30 }, (_, n) => JSON.stringify({ n })));
  const source = new KafkaSource('k', { connection: 'test', topics: [topic], group, format: 'json', startFrom: 'earliest' }, connection, testContext('k'), { stopAtEnd: true });
  const { made, connects, result } = await countingAdmins(() => collect(source));
  await source.committed(source.positions());
  await source.close();
  assert.deepEqual(result.out.map((r) => r.n).sort((a, b) => Number(a) - Number(b)), Array.from({ length: 30 }, (_, n) => n));
  assert.deepEqual(source.positions(), { [`${topic}/0`]: 10, [`${topic}/1`]: 10, [`${topic}/2`]: 10 });
  // The plan (end offsets for stopAtEnd) and the announcement of the assigned partitions each used to
  // connect an admin client of their own, one after the other.
  assert.equal(made, 1, 'admin clients made during the start');
  assert.equal(connects, 1, 'admin connects during the start');
  assert.deepEqual(await groupOffsets(group, topic), [[0, '10'], [1, '10'], [2, '10']]);
});

test('a committer connected ahead commits an empty group\'s offsets without opening a connection', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('committer');
  const group = `${topic}-group`;
  await createTopic(topic, 2, []);
  const committer = new EmptyGroupCommitter(kafkaClient(connection), group);
  await committer.opened();
  const { opened, result } = await countingSockets(() => committer.commit([{ topic, partition: 0, offset: '0' }, { topic, partition: 1, offset: '0' }]));
  await committer.close();
  assert.equal(result, true);
  assert.equal(opened, 0, 'connections opened by the commit itself');
  assert.deepEqual(await groupOffsets(group, topic), [[0, '0'], [1, '0']]);
});

test('the coordinator of an empty group is found at the first attempt, with no retry for want of metadata', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('committer-lookup');
  const group = `${topic}-group`;
  await createTopic(topic, 1, []);
  // A cluster that only connected knows no broker yet: kafkajs' coordinator lookup then failed, refreshed
  // the metadata and retried after its initial retry time (300 ms), which every run's end waited for.
  // Without retries that first failure is final.
  const once = (): ReturnType<typeof kafkaClient> => kafkaClient(connection, { retry: { retries: 0 } });
  const committer = new EmptyGroupCommitter(once(), group);
  try {
    assert.equal(await committer.commit([{ topic, partition: 0, offset: '1' }]), true);
  } finally {
    await committer.close();
  }
  assert.equal(await commitEmptyGroupOffsets(once(), group, [{ topic, partition: 0, offset: '0' }]), true);
  assert.deepEqual(await groupOffsets(group, topic), [[0, '0']]);
});
