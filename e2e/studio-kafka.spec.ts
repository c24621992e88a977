// The Kafka browser against the real test broker: test the saved connection, list topics, peek messages
// (also from an offset), and see a consumer group's lag.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka } from 'kafkajs';
import type { Page } from 'playwright-core';
import { uniqueTopic, useTestBroker } from '../engine/testing/kafka.ts';
import type { TestBroker } from '../engine/testing/kafka.ts';
import { openStudio } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let broker: TestBroker;
let studio: Studio;
let page: Page;
const topic = uniqueTopic('studio-orders');
const group = `${topic}-readers`;
const perPartition = 20;
const committed = 5;

before(async () => {
  broker = await useTestBroker();
  const kafka = new Kafka({ clientId: 'studio-e2e', brokers: [broker.bootstrap], logLevel: 0 });
  const admin = kafka.admin();
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
        value: JSON.stringify({ order_id: `order-${partition}-${i}`, region: partition === 0 ? 'europe' : 'asia_pacific', amount: 10 + i }),
      })),
    });
  }
  await producer.disconnect();
  // A group that read the first messages of each partition and stopped: its lag is what remains.
  await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: String(committed) }, { partition: 1, offset: String(committed) }] });
  await admin.disconnect();

  studio = await openStudio({ kafka: true });
  page = studio.page;
});

after(async () => {
  await studio?.close();
  await broker?.release();
});

test('the saved connection tests fine in plain words', async () => {
  await page.getByRole('tab', { name: 'Kafka' }).click();
  await page.getByRole('option', { name: 'Connection local' }).waitFor();
  await page.getByRole('button', { name: 'Edit local' }).click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.getByRole('status', { name: 'Connection test result' });
  await result.waitFor();
  assert.match(await result.innerText(), /^✓/);
  await page.getByRole('form', { name: 'Kafka connection' }).getByRole('button', { name: 'Cancel' }).click();
});

test('topics are listed with partitions, and messages can be peeked and sought by offset', async () => {
  await page.getByRole('listbox', { name: 'Topics' }).getByRole('option', { name: new RegExp(topic) }).click();
  const partitions = page.getByRole('table', { name: 'Partitions' }).locator('tbody tr');
  await partitions.first().waitFor();
  assert.equal(await partitions.count(), 2);

  await page.getByRole('button', { name: 'Peek messages' }).click();
  const rows = page.getByRole('table', { name: 'Topic messages' }).locator('tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2 * perPartition);
  assert.match(await rows.first().innerText(), /order_id/);

  await page.getByRole('combobox', { name: 'Partition' }).selectOption('0');
  await page.getByRole('combobox', { name: 'Start from' }).selectOption('offset');
  await page.getByRole('textbox', { name: 'Offset' }).fill('15');
  await page.getByRole('button', { name: 'Peek messages' }).click();
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Topic messages"] tbody tr').length === 5);
  const first = (await rows.first().locator('td').allInnerTexts()).slice(0, 2);
  assert.deepEqual(first, ['0', '15']);
  await rows.first().click();
  assert.match(await page.getByLabel('Message detail').innerText(), /"order_id": "order-0-15"/);
  await studio.screenshot('08-kafka-topic');
});

test('a consumer group shows its lag per partition', async () => {
  await page.getByRole('listbox', { name: 'Consumer groups' }).getByRole('option', { name: new RegExp(group) }).click();
  const total = page.getByLabel('Total lag');
  await total.waitFor();
  assert.equal(await total.innerText(), String(2 * (perPartition - committed)));
  assert.equal(await page.getByRole('table', { name: 'Lag per partition' }).locator('tbody tr').count(), 2);
  await page.getByRole('figure', { name: 'Lag history' }).waitFor();
  await studio.screenshot('09-kafka-lag');
});

test('a Kafka node picks its connection from the saved ones and its topics from the broker', async () => {
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await page.getByRole('button', { name: 'Add Kafka', exact: true }).press('Enter');
  const source = page.getByRole('group', { name: 'Node kafka' });
  await source.waitFor();
  await page.getByRole('tab', { name: 'Config' }).click();

  const connection = page.getByRole('combobox', { name: 'Connection' });
  await eventually(page, 'the saved connection offered on the node', () => connection.locator('option').allInnerTexts(), (o) => o.some((t) => t.startsWith('local — ')));
  await connection.selectOption('local');
  await page.getByRole('status', { name: 'Topics list' }).filter({ hasText: /topics? on local/ }).waitFor();

  // Pick the topic from the broker's list, then add one that does not exist yet by typing it.
  const topics = page.getByRole('combobox', { name: 'Topics' });
  await topics.fill(topic);
  await page.getByRole('listbox', { name: 'Topics choices' }).getByRole('option', { name: new RegExp(topic) }).click();
  const chosen = page.getByRole('list', { name: 'Chosen topics' }).getByRole('listitem');
  await chosen.filter({ hasText: topic }).waitFor();
  await topics.fill('orders-not-created-yet');
  await topics.press('Enter');
  await chosen.filter({ hasText: 'orders-not-created-yet' }).waitFor();
  assert.equal(await chosen.count(), 2);
  assert.match(await source.innerText(), new RegExp(`${topic}, orders-not-created-yet`));
  await studio.screenshot('10-kafka-source-inspector');

  // A sink writes to one topic: picked from the same list.
  await page.getByRole('button', { name: 'Add Kafka topic' }).press('Enter');
  await page.getByRole('group', { name: 'Node kafka_2' }).waitFor();
  await page.getByRole('combobox', { name: 'Connection' }).selectOption('local');
  const sinkTopic = page.getByRole('combobox', { name: 'Topic', exact: true });
  await sinkTopic.fill(topic.slice(0, -2));
  await page.getByRole('listbox', { name: 'Topic choices' }).getByRole('option', { name: new RegExp(topic) }).click();
  assert.equal(await sinkTopic.inputValue(), topic);

  // The picker leads to the connection manager.
  await page.getByRole('button', { name: 'Manage Kafka connections' }).click();
  await page.getByRole('listbox', { name: 'Kafka connections' }).getByRole('option', { name: 'Connection local' }).waitFor();
  assert.equal(await page.getByRole('tab', { name: 'Kafka' }).getAttribute('aria-selected'), 'true');
});
