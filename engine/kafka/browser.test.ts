// The topic browser against the real broker: topics with offsets and on-disk sizes, create/delete, peek
// by offset and by time (decoded, bad payloads explained), groups with lag, the lag history, test messages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualTime } from '../runtime/clock.ts';
import { uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { LagSampler, TopicBrowser } from './browser.ts';
import { kafkaClient } from './connections.ts';

let broker: TestBroker;
let browser: TopicBrowser;

before(async () => {
  broker = await useTestBroker();
  browser = new TopicBrowser({ name: 'local', brokers: [broker.bootstrap] });
});
after(async () => {
  await browser.close();
  await broker.release();
});

test('create, list with offsets and sizes, peek, groups with lag, delete', async () => {
  const topic = uniqueTopic('browse');
  await browser.createTopic({ name: topic, partitions: 2 });
  await assert.rejects(browser.createTopic({ name: topic }), /already exists/);
  // Record timestamps an hour back, on a whole second: a fixed date would fall outside the broker's
  // retention (7 days) and be deleted while the test reads.
  const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  const producer = kafkaClient({ name: 'local', brokers: [broker.bootstrap] }).producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ partition: 0, key: `k${i}`, value: i === 4 ? 'not json' : JSON.stringify({ i }), timestamp: String(base + i * 1000) })) });
  await producer.send({ topic, messages: [{ partition: 1, value: JSON.stringify({ i: 100 }) }] });
  await producer.disconnect();

  const info = (await browser.listTopics()).find((t) => t.name === topic);
  assert.ok(info);
  assert.deepEqual(info.partitions.map((p) => [p.partition, p.low, p.high, p.messages]), [[0, 0, 30, 30], [1, 0, 1, 1]]);
  assert.equal(info.messages, 31);
  assert.ok((info.partitions[0]!.sizeBytes ?? 0) > 30 * 8, `partition 0 has bytes on disk: ${info.partitions[0]!.sizeBytes}`);
  assert.ok(info.sizeBytes !== null && info.sizeBytes >= (info.partitions[0]!.sizeBytes ?? 0));

  const byOffset = await browser.peek({ topic, partition: 0, offset: 3, limit: 3 });
  assert.deepEqual(byOffset.map((m) => m.offset), [3, 4, 5]);
  assert.deepEqual(byOffset[0]!.value, { i: 3 });
  assert.equal(byOffset[0]!.key, 'k3');
  assert.match(byOffset[1]!.error ?? '', /invalid JSON/);
  assert.equal(byOffset[1]!.raw, 'not json');
  const byTime = await browser.peek({ topic, partition: 0, timestamp: new Date(base + 27_500).toISOString() });
  assert.deepEqual(byTime.map((m) => m.offset), [28, 29]);
  const tail = await browser.peek({ topic, partition: 0, limit: 2 });
  assert.deepEqual(tail.map((m) => m.offset), [28, 29]);

  // A group that committed 10 of partition 0 and nothing of partition 1.
  const group = uniqueTopic('group');
  const admin = kafkaClient({ name: 'local', brokers: [broker.bootstrap] }).admin();
  await admin.connect();
  await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '10' }] });
  await admin.disconnect();
  const time = new ManualTime(1000);
  const sampler = new LagSampler(browser, time, 2);
  for (let i = 0; i < 3; i++) {
    await sampler.sample();
    time.advance(1000);
  }
  const g = (await browser.groups()).find((x) => x.groupId === group);
  assert.ok(g);
  assert.deepEqual(g.partitions.map((p) => [p.partition, p.committed, p.high, p.lag]), [[0, 10, 30, 20]]);
  assert.equal(g.totalLag, 20);
  assert.deepEqual(sampler.samples(group).map((s) => [s.at, s.totalLag]), [[2000, 20], [3000, 20]], 'bounded history');

  const sent = await browser.produceTestMessage({ topic, key: 'hello', value: '{"i":999}', headers: { h: 'v' }, partition: 1 });
  assert.deepEqual(sent, { partition: 1, offset: 1 });
  const [peeked] = await browser.peek({ topic, partition: 1, offset: 1 });
  assert.deepEqual([peeked?.key, peeked?.headers, peeked?.value], ['hello', { h: 'v' }, { i: 999 }]);

  await browser.deleteTopic(topic);
  assert.equal((await browser.listTopics()).some((t) => t.name === topic), false);
});

test('a topic deleted by someone else after the browser listed it does not break group and topic listing', async () => {
  // kafkajs keeps every topic an admin has seen in its metadata requests; once one is gone, each later call
  // failed with "This server does not host this topic-partition" (seen in CI, another test deleting its topic).
  const own = new TopicBrowser({ name: 'local', brokers: [broker.bootstrap] });
  const topic = uniqueTopic('gone');
  const other = kafkaClient({ name: 'other', brokers: [broker.bootstrap] }).admin();
  await other.connect();
  try {
    const live = uniqueTopic('live');
    await other.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: live, numPartitions: 1 }], waitForLeaders: true });
    assert.ok((await own.listTopics()).some((t) => t.name === topic));
    // A group with offsets on both topics: the broker drops those of the deleted one, the other's lag is real.
    const group = uniqueTopic('gone-group');
    const producer = kafkaClient({ name: 'other', brokers: [broker.bootstrap] }).producer();
    await producer.connect();
    await producer.send({ topic: live, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
    await other.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '0' }] });
    await other.setOffsets({ groupId: group, topic: live, partitions: [{ partition: 0, offset: '1' }] });
    await other.deleteTopics({ topics: [topic] });
    const g = (await own.groups()).find((x) => x.groupId === group);
    assert.ok(g, 'the group is listed');
    assert.deepEqual(g.partitions.map((p) => [p.topic, p.partition, p.committed, p.high, p.lag]), [[live, 0, 1, 3, 2]], 'only the live topic, with its real lag');
    assert.equal(g.totalLag, 2);
    assert.ok(!(await own.listTopics()).some((t) => t.name === topic));
  } finally {
    await other.disconnect();
    await own.close();
  }
});
