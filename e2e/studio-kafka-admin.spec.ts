// The Kafka manager against the real test broker: topics created and deleted from the studio, a topic's
// configuration changed, messages searched (JSON path, key, header, time) with their headers shown, a
// consumer group's offsets reset behind a confirmation (its lag moves), live sidebar counts, the topic
// picker taking the highlighted match, and the File menu closing on Escape or an outside click. Every
// expectation comes from what the spec produced or from the broker itself (kafkajs), not from the studio.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka } from 'kafkajs';
import type { Admin } from 'kafkajs';
import type { Page } from 'playwright-core';
import { uniqueTopic, useTestBroker } from '../engine/testing/kafka.ts';
import type { TestBroker } from '../engine/testing/kafka.ts';
import { openStudio } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';

let broker: TestBroker;
let studio: Studio;
let page: Page;
let kafka: Kafka;
let admin: Admin;
const topic = uniqueTopic('manager-orders');
const group = `${topic}-billing`;
const perPartition = 20;
// Message times start three hours ago on a whole minute: recent enough that the broker's time-based
// retention (7 days) keeps them for the whole spec, old enough to be before "now".
const base = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
/** `YYYY-MM-DD HH:MM` (UTC), as a user types a time into the studio. */
const minuteText = (minutes: number): string => new Date(base + minutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');

async function produce(partition: number, from: number, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, k) => {
      const i = from + k;
      return {
        partition,
        key: `order-${partition}-${i}`,
        value: JSON.stringify({ order_id: `order-${partition}-${i}`, region: partition === 0 ? 'europe' : 'asia_pacific', amount: 10 + i, customer: { tier: i % 5 === 0 ? 'gold' : 'basic' } }),
        headers: { trace: i === 3 ? 'needle-trace' : `t-${i}` },
        timestamp: String(base + i * 60_000),
      };
    }),
  });
  await producer.disconnect();
}

before(async () => {
  broker = await useTestBroker();
  kafka = new Kafka({ clientId: 'studio-e2e-manager', brokers: [broker.bootstrap], logLevel: 0 });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  for (const partition of [0, 1]) await produce(partition, 0, perPartition);
  await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '5' }] });
  studio = await openStudio({ kafka: true });
  page = studio.page;
  await page.getByRole('tab', { name: 'Kafka' }).click();
  await page.getByRole('option', { name: 'Connection local' }).waitFor();
});

after(async () => {
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
  await studio?.close();
  await broker?.release();
});

const topicsList = () => page.getByRole('listbox', { name: 'Topics' });

test('a topic is created from the sidebar and deleted after a confirmation', async () => {
  const created = uniqueTopic('made-in-studio');
  await page.getByRole('button', { name: 'New topic' }).click();
  const form = page.getByRole('form', { name: 'New topic' });
  await form.getByLabel('Topic name').fill(created);
  await form.getByLabel('Partitions').fill('3');
  await form.getByRole('button', { name: 'Create' }).click();
  await topicsList().getByRole('option', { name: new RegExp(created) }).waitFor();
  const meta = await admin.fetchTopicMetadata({ topics: [created] });
  assert.equal(meta.topics[0]?.partitions.length, 3, 'the broker has the topic with 3 partitions');
  await page.getByRole('table', { name: 'Partitions' }).locator('tbody tr').nth(2).waitFor();

  await page.getByRole('button', { name: 'Delete topic' }).click();
  const dialog = page.getByRole('alertdialog', { name: `Delete topic ${created}?` });
  await dialog.waitFor();
  await studio.screenshot('20-kafka-delete-topic-dialog');
  // Escape backs out and nothing is deleted.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok((await admin.listTopics()).includes(created));

  await page.getByRole('button', { name: 'Delete topic' }).click();
  await dialog.getByRole('button', { name: 'Delete topic' }).click();
  await topicsList().getByRole('option', { name: new RegExp(created) }).waitFor({ state: 'detached' });
  for (let i = 0; i < 50 && (await admin.listTopics()).includes(created); i++) await new Promise((r) => setTimeout(r, 200));
  assert.equal((await admin.listTopics()).includes(created), false, 'the broker no longer has the topic');
});

test('messages are found by JSON path and value, key, header and time range, with their headers', async () => {
  await topicsList().getByRole('option', { name: new RegExp(topic) }).click();
  const search = page.getByRole('form', { name: 'Search messages' });
  await search.waitFor();
  const results = page.getByRole('table', { name: 'Search results' }).locator('tbody tr');
  const summary = search.getByRole('status', { name: 'Search summary' });
  const run = async () => {
    await search.getByRole('button', { name: 'Search' }).click();
    await summary.waitFor();
    return summary.innerText();
  };

  // gold tier: i % 5 === 0 → i = 0, 5, 10, 15 in each partition; only europe (partition 0) → 4.
  await search.getByLabel('JSON path', { exact: true }).fill('$.customer.tier');
  await search.getByLabel('JSON path equals').fill('gold');
  await search.getByLabel('Value contains').fill('europe');
  assert.match(await run(), /^4 matches in 40 messages read/);
  assert.equal(await results.count(), 4);
  assert.deepEqual(await results.locator('td:nth-child(4)').allInnerTexts(), ['order-0-0', 'order-0-5', 'order-0-10', 'order-0-15']);
  // Numbers sit right under right-aligned headers.
  const align = await page.getByRole('table', { name: 'Search results' }).evaluate((table) => {
    const th = table.querySelector('th:nth-child(2)') as HTMLElement;
    const td = table.querySelector('tbody td:nth-child(2)') as HTMLElement;
    return [getComputedStyle(th).textAlign, getComputedStyle(td).textAlign];
  });
  assert.deepEqual(align, ['right', 'right']);

  // A header value, then a time range on top of a key text.
  for (const field of ['JSON path', 'JSON path equals', 'Value contains']) await search.getByLabel(field, { exact: true }).fill('');
  await search.getByLabel('Header contains').fill('needle');
  assert.match(await run(), /^2 matches/);
  assert.deepEqual(await results.locator('td:nth-child(6)').allInnerTexts(), ['trace=needle-trace', 'trace=needle-trace']);
  await results.first().click();
  assert.match(await page.getByLabel('Message headers').innerText(), /"trace": "needle-trace"/);
  await studio.screenshot('21-kafka-search-headers');

  await search.getByLabel('Header contains').fill('');
  await search.getByLabel('Key contains').fill('order-1-');
  await search.getByLabel('From time').fill(minuteText(10));
  await search.getByLabel('To time').fill(minuteText(13));
  assert.match(await run(), /^3 matches/);
  assert.deepEqual(await results.locator('td:nth-child(4)').allInnerTexts(), ['order-1-10', 'order-1-11', 'order-1-12']);
  await search.getByLabel('From time').fill('yesterday-ish');
  await search.getByRole('button', { name: 'Search' }).click();
  assert.match(await search.getByRole('alert').innerText(), /From: "yesterday-ish" is not a date and time/);
});

test('a topic configuration override is set and reset', async () => {
  // A retention far longer than the test messages' age: a short one would let the broker delete them,
  // and the offset-reset test below needs them.
  const config = page.getByRole('region', { name: 'Topic configuration' });
  await config.getByRole('table', { name: 'Topic configs' }).waitFor();
  await config.getByLabel('Config name').fill('retention.ms');
  await config.getByLabel('Config value').fill('999999999999');
  await config.getByRole('button', { name: 'Set config' }).click();
  await config.getByRole('status', { name: 'Config status' }).waitFor();
  const read = async () => {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }] });
    return resources[0]?.configEntries[0];
  };
  assert.equal((await read())?.configValue, '999999999999');
  await config.getByRole('button', { name: 'Reset retention.ms to default' }).click();
  await config.getByRole('status', { name: 'Config status' }).filter({ hasText: 'back to default' }).waitFor();
  assert.equal((await read())?.isDefault, true);
});

test('the sidebar counts follow new messages without a manual refresh', async () => {
  const option = topicsList().getByRole('option', { name: new RegExp(topic) });
  assert.match(await option.innerText(), /2p · 40\b/);
  await produce(1, perPartition, 5);
  await option.filter({ hasText: /2p · 45\b/ }).waitFor({ timeout: 20_000 });
});

test('resetting a group to earliest, after a confirmation, moves its lag', async () => {
  await page.getByRole('listbox', { name: 'Consumer groups' }).getByRole('option', { name: new RegExp(group) }).click();
  const total = page.getByLabel('Total lag');
  // 40 in partition 0+1 before the 5 more of the previous test, committed 5 each: 15 + 20.
  await page.waitForFunction(() => document.querySelector('[aria-label="Total lag"]')?.textContent === '35');

  const reset = page.getByRole('region', { name: 'Reset offsets' });
  await reset.getByRole('combobox', { name: 'Reset to', exact: true }).selectOption('earliest');
  await reset.getByRole('button', { name: 'Reset offsets…' }).click();
  const dialog = page.getByRole('alertdialog', { name: `Reset offsets of ${group}?` });
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel('Lag after reset').innerText(), '45');
  assert.equal(await dialog.getByRole('table', { name: 'Offset moves' }).locator('tbody tr').count(), 2);
  await studio.screenshot('22-kafka-offset-reset-dialog');
  const committed = async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions.map((p) => Number(p.offset)).sort((a, b) => a - b);
  assert.deepEqual(await committed(), [5, 5], 'nothing moves before the confirmation');

  await dialog.getByRole('button', { name: 'Reset offsets' }).click();
  await page.getByRole('status', { name: 'Reset result' }).waitFor();
  assert.deepEqual(await committed(), [0, 0]);
  await page.waitForFunction(() => document.querySelector('[aria-label="Total lag"]')?.textContent === '45');

  // To a time: the first message at or after minute 15 is i = 15 in both partitions → lag 5 + 10.
  await reset.getByRole('combobox', { name: 'Reset to', exact: true }).selectOption('time');
  await reset.getByLabel('Reset time').fill(minuteText(15));
  await reset.getByRole('button', { name: 'Reset offsets…' }).click();
  await dialog.getByRole('button', { name: 'Reset offsets' }).click();
  await page.waitForFunction(() => document.querySelector('[aria-label="Total lag"]')?.textContent === '15');
  assert.deepEqual(await committed(), [15, 15]);
  assert.equal(await total.innerText(), '15');
  await studio.screenshot('23-kafka-offset-reset-done');
});

test('the topic picker takes the highlighted match on Enter, and Escape keeps the typed text', async () => {
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await page.getByRole('button', { name: 'Add Kafka', exact: true }).press('Enter');
  await page.getByRole('tab', { name: 'Config' }).click();
  await page.getByRole('combobox', { name: 'Connection' }).selectOption('local');
  await page.getByRole('status', { name: 'Topics list' }).filter({ hasText: /topics? on local/ }).waitFor();
  const topics = page.getByRole('combobox', { name: 'Topics' });
  const chosen = page.getByRole('list', { name: 'Chosen topics' }).getByRole('listitem');
  // A prefix of the topic name, typed key by key as a user does.
  await topics.click();
  await topics.pressSequentially(topic.slice(0, -3));
  await page.getByRole('listbox', { name: 'Topics choices' }).getByRole('option', { name: new RegExp(topic), selected: true }).waitFor();
  await topics.press('Enter');
  await chosen.filter({ hasText: topic }).waitFor();
  assert.equal(await chosen.count(), 1, `picked ${topic}, not the typed prefix`);

  // Escape closes the list, so Enter keeps exactly what was typed (a topic to be created later).
  const literal = `${topic.slice(0, -4)}`;
  await topics.pressSequentially(literal);
  await topics.press('Escape');
  await topics.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Chosen topics"] [role="listitem"]').length === 2);
  assert.deepEqual((await chosen.allInnerTexts()).map((t) => t.replace('✕', '').trim()), [topic, literal]);
});

test('the File menu closes on Escape and on a click outside it', async () => {
  const menu = page.getByRole('menu', { name: 'File' });
  await page.getByRole('button', { name: 'File menu' }).click();
  await menu.waitFor();
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'File menu' }).click();
  await menu.waitFor();
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await menu.waitFor({ state: 'detached' });
});
