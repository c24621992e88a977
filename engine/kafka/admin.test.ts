// Topic configuration, consumer-group offset reset and message search against the real broker. Expected
// figures come from what the test produced (offsets, times, payloads), never from an earlier engine answer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Admin } from 'kafkajs';
import { uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { TopicBrowser } from './browser.ts';
import { kafkaClient } from './connections.ts';
import { planOffsetReset, resetOffsets } from './offsets.ts';
import { messageFilter, parseJsonPath, searchMessages } from './search.ts';
import { alterTopicConfig, describeTopicConfig } from './topic-config.ts';

let broker: TestBroker;
let browser: TopicBrowser;
let admin: Admin;
// Recent, whole-minute message times: the broker's time-based retention (7 days) would delete older ones
// at its next check, in the middle of the tests.
const base = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
const topic = uniqueTopic('admin');
const perPartition = 40;

before(async () => {
  broker = await useTestBroker();
  browser = new TopicBrowser({ name: 'local', brokers: [broker.bootstrap] });
  const kafka = kafkaClient({ name: 'local', brokers: [broker.bootstrap] });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  for (const partition of [0, 1]) {
    await producer.send({
      topic,
      messages: Array.from({ length: perPartition }, (_, i) => ({
        partition,
        key: `order-${partition}-${i}`,
        value: JSON.stringify({ id: i, region: i % 4 === 0 ? 'europe' : 'asia', customer: { city: i === 7 ? 'Porto' : 'Lyon' }, items: [{ sku: `sku-${i}` }] }),
        headers: i % 10 === 0 ? { source: 'replay' } : { source: 'live' },
        timestamp: String(base + i * 60_000),
      })),
    });
  }
  await producer.disconnect();
});

after(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await browser.close();
  await broker.release();
});

test('topic configuration: overrides are set, kept across other changes, and removed', async () => {
  const before = await describeTopicConfig(admin, topic);
  const retention = before.find((e) => e.name === 'retention.ms');
  assert.ok(retention, 'retention.ms is listed');
  assert.equal(retention.overridden, false);

  await alterTopicConfig(admin, topic, { 'retention.ms': '3600000' });
  await alterTopicConfig(admin, topic, { 'cleanup.policy': 'compact' });
  const both = await describeTopicConfig(admin, topic);
  assert.deepEqual(both.filter((e) => e.overridden).map((e) => [e.name, e.value]), [['cleanup.policy', 'compact'], ['retention.ms', '3600000']],
    'the first override survives the second change (AlterConfigs replaces the whole set)');

  const reset = await alterTopicConfig(admin, topic, { 'retention.ms': null, 'cleanup.policy': null });
  assert.deepEqual(reset.filter((e) => e.overridden), []);
  assert.equal(reset.find((e) => e.name === 'retention.ms')?.value, retention.value);

  await assert.rejects(alterTopicConfig(admin, topic, { 'retention.mss': '1' }), /"retention\.mss" is not a configuration/);
  await assert.rejects(alterTopicConfig(admin, topic, { 'retention.ms': 'soon' }), /Kafka refused the configuration/);
});

test('offset reset: earliest, latest and by time move the committed offsets and the lag', async () => {
  const group = uniqueTopic('reset-group');
  await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '30' }, { partition: 1, offset: '35' }] });

  const plan = await planOffsetReset(admin, group, 'earliest');
  assert.deepEqual(plan.moves.map((m) => [m.partition, m.from, m.to, m.lagBefore, m.lagAfter]), [[0, 30, 0, 10, 40], [1, 35, 0, 5, 40]]);
  assert.deepEqual([plan.lagBefore, plan.lagAfter], [15, 80]);
  const committed = async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions.map((p) => Number(p.offset)).sort((a, b) => a - b);
  assert.deepEqual(await committed(), [30, 35], 'planning changes nothing');

  await resetOffsets(admin, group, 'earliest');
  assert.deepEqual(await committed(), [0, 0]);
  await resetOffsets(admin, group, 'latest', topic);
  assert.deepEqual(await committed(), [40, 40]);
  // The first message at or after minute 12.5 is i = 13 in both partitions.
  const byTime = await resetOffsets(admin, group, { timestamp: base + 12.5 * 60_000 });
  assert.deepEqual(await committed(), [13, 13]);
  assert.equal(byTime.lagAfter, 2 * (perPartition - 13));
  // After the last message: nothing left to read.
  await resetOffsets(admin, group, { timestamp: base + 1000 * 60_000 });
  assert.deepEqual(await committed(), [40, 40]);

  await assert.rejects(planOffsetReset(admin, uniqueTopic('never-committed'), 'earliest'), /no committed offsets/);
});

test('offset reset is refused while the group has live consumers', async () => {
  const group = uniqueTopic('live-group');
  const consumer = kafkaClient({ name: 'local', brokers: [broker.bootstrap] }).consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined!: () => void;
  const ready = new Promise<void>((resolve) => { joined = resolve; });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({ eachMessage: async () => {} });
  await ready;
  try {
    await assert.rejects(resetOffsets(admin, group, 'earliest', topic), (error: Error & { code?: string }) => error.code === 'ENG_KAFKA_GROUP_ACTIVE' && /1 active member.*stop its consumers/.test(error.message));
  } finally {
    await consumer.disconnect();
  }
});

test('JSON paths and the message filter', () => {
  assert.deepEqual(parseJsonPath('$.customer.city'), ['customer', 'city']);
  assert.deepEqual(parseJsonPath('items[0].sku'), ['items', 0, 'sku']);
  assert.deepEqual(parseJsonPath('$["order id"]'), ['order id']);
  assert.throws(() => parseJsonPath('$.a..b'), /not a JSON path/);
  assert.throws(() => messageFilter({ jsonValue: 'x' }), /needs a JSON path/);
  const m = { partition: 0, offset: 1, timestamp: new Date(base).toISOString(), key: 'K', headers: { trace: 'ABC' }, value: { n: 1, ok: true }, raw: '{"n":1,"ok":true}', sizeBytes: 10 };
  assert.equal(messageFilter({ jsonPath: '$.n', jsonValue: '1' })(m), true);
  assert.equal(messageFilter({ jsonPath: '$.ok', jsonValue: 'true' })(m), true);
  assert.equal(messageFilter({ jsonPath: '$.n', jsonValue: '2' })(m), false);
  assert.equal(messageFilter({ jsonPath: '$.missing' })(m), false);
  assert.equal(messageFilter({ header: 'abc' })(m), true);
  assert.equal(messageFilter({ key: 'k', fromMs: base, toMs: base + 1 })(m), true);
  assert.equal(messageFilter({ toMs: base })(m), false);
});

test('search: key, value text, JSON path and value, headers, time range, and the scan bound', async () => {
  const keys = async (req: Omit<Parameters<typeof searchMessages>[2], 'topic'>) => (await searchMessages(browser, admin, { topic, ...req })).matches.map((m) => m.key);

  assert.deepEqual(await keys({ key: 'ORDER-1-3' }), ['order-1-3', 'order-1-30', 'order-1-31', 'order-1-32', 'order-1-33', 'order-1-34', 'order-1-35', 'order-1-36', 'order-1-37', 'order-1-38', 'order-1-39']);
  assert.deepEqual(await keys({ text: 'porto' }), ['order-0-7', 'order-1-7']);
  assert.deepEqual(await keys({ jsonPath: '$.customer.city', jsonValue: 'Porto', partition: 1 }), ['order-1-7']);
  assert.deepEqual(await keys({ jsonPath: 'items[0].sku', jsonValue: 'sku-39' }), ['order-0-39', 'order-1-39']);
  // Minutes 10..19 of partition 0 where region = europe: i = 12 and 16.
  assert.deepEqual(await keys({ partition: 0, fromMs: base + 10 * 60_000, toMs: base + 20 * 60_000, jsonPath: '$.region', jsonValue: 'europe' }), ['order-0-12', 'order-0-16']);
  const replay = await searchMessages(browser, admin, { topic, header: 'replay' });
  assert.deepEqual(replay.matches.map((m) => m.key), ['order-0-0', 'order-1-0', 'order-0-10', 'order-1-10', 'order-0-20', 'order-1-20', 'order-0-30', 'order-1-30']);
  assert.deepEqual(replay.matches[0]?.headers, { source: 'replay' });
  assert.equal(replay.scanned, 2 * perPartition);
  assert.equal(replay.truncated, false);

  const bounded = await searchMessages(browser, admin, { topic, header: 'replay', maxScan: 25 });
  assert.equal(bounded.scanned, 25);
  assert.equal(bounded.truncated, true, 'a search cut short says so');
  assert.deepEqual(bounded.matches.map((m) => m.key), ['order-0-0', 'order-0-10', 'order-0-20']);
  const limited = await searchMessages(browser, admin, { topic, text: 'lyon', limit: 3 });
  assert.equal(limited.matches.length, 3);
  assert.equal(limited.truncated, true);
});

test('listing only named topics leaves the others and the missing ones out', async () => {
  const listed = await browser.listTopics({ only: [topic, uniqueTopic('missing')] });
  assert.deepEqual(listed.map((t) => [t.name, t.messages]), [[topic, 2 * perPartition]]);
});

test('calls made at once share one admin client, and close leaves no connection open', async () => {
  const fresh = new TopicBrowser({ name: 'local', brokers: [broker.bootstrap] });
  const port = Number(broker.bootstrap.split(':')[1]);
  const sockets = (): number => (process as unknown as { _getActiveHandles(): { remotePort?: number }[] })._getActiveHandles().filter((h) => h.remotePort === port).length;
  const before = sockets();
  await Promise.all([fresh.listTopics({ only: [topic] }), fresh.groups(), fresh.listTopics({ only: [topic] })]);
  await fresh.close();
  assert.equal(sockets(), before, 'every socket the browser opened is closed');
});
