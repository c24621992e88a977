// commitEmptyGroupOffsets against the shared test broker: the offsets land, the group is never joined
// (kafkajs' admin.setOffsets joins it with a consumer, which cost every Kafka run ~5 s at its end), and a
// group with a member refuses the commit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueTopic, useTestBroker, type TestBroker } from '../../testing/kafka.ts';
import type { ConnectionConfig } from '../connections.ts';
import { kafkaClient } from '../connections.ts';
import { commitEmptyGroupOffsets } from './group-offsets.ts';

let broker: TestBroker;
let connection: ConnectionConfig;

before(async () => {
  broker = await useTestBroker();
  connection = { name: 'test', brokers: [broker.bootstrap] };
});
after(async () => { await broker.release(); });

async function withAdmin<T>(use: (admin: ReturnType<ReturnType<typeof kafkaClient>['admin']>) => Promise<T>): Promise<T> {
  const admin = kafkaClient(connection).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  await withAdmin((admin) => admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }));
}

async function groupOffsets(groupId: string, topic: string): Promise<[number, string][]> {
  const [offsets] = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  return (offsets?.partitions ?? []).map((p): [number, string] => [p.partition, p.offset]).sort((a, b) => a[0] - b[0]);
}

test('the offsets of an empty group are committed without joining it', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('group-offsets');
  const group = `${topic}-group`;
  await createTopic(topic, 2);
  const done = await commitEmptyGroupOffsets(kafkaClient(connection), group, [
    { topic, partition: 0, offset: '0' },
    { topic, partition: 1, offset: '0' },
  ]);
  assert.equal(done, true, 'kafkajs 2.2.4 has the cluster factory this relies on');
  assert.deepEqual(await groupOffsets(group, topic), [[0, '0'], [1, '0']]);
  // A group some consumer joined (as kafkajs' admin.setOffsets does) keeps the consumer protocol type.
  const { groups } = await withAdmin((admin) => admin.describeGroups([group]));
  assert.equal(groups[0]?.state, 'Empty');
  assert.equal(groups[0]?.protocolType, '', 'no consumer ever joined the group');
});

test('a group with a member refuses the commit and keeps its offsets', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('group-offsets-busy');
  const group = `${topic}-group`;
  await createTopic(topic, 1);
  const kafka = kafkaClient(connection);
  await commitEmptyGroupOffsets(kafka, group, [{ topic, partition: 0, offset: '0' }]);
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  try {
    let joined!: () => void;
    const member = new Promise<void>((resolve) => { joined = resolve; });
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({ autoCommit: false, eachBatch: async () => {} });
    await member;
    await assert.rejects(commitEmptyGroupOffsets(kafka, group, [{ topic, partition: 0, offset: '5' }]));
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(await groupOffsets(group, topic), [[0, '0']]);
});
