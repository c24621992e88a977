// File → Export Flink SQL… → "Use a Kafka topic instead": the generator's events (same dataset and seed) are
// produced to a real Kafka topic, the generator becomes a Kafka source on that topic in one undoable edit,
// and the export no longer lists the generator as a difference.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { kafkaClient } from '../engine/kafka/connections.ts';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';

let studio: Studio;
let page: Page;

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
}, { kafka: true });

/** Messages in the topic, from the broker's own offsets (independent of the studio). */
async function messagesIn(topic: string): Promise<number> {
  const admin = kafkaClient({ name: 'check', brokers: [process.env.STREAMLAKE_TEST_KAFKA ?? '127.0.0.1:9092'] }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

test('a generator is replaced by a Kafka topic holding its events in one action, and one undo brings it back', async () => {
  const text = await readFile(new URL('../resources/examples/sales-by-region.json', import.meta.url), 'utf8');
  await importPipelineFile(page, 'sales-by-region.json', text);
  const node = page.getByRole('group', { name: 'Node Sales orders' });
  await node.waitFor();
  assert.equal(await node.locator('.flow-node-type').innerText(), 'Generator');

  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: 'Export Flink SQL…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export Flink SQL' });
  await dialog.getByLabel('Flink SQL preview').waitFor();
  const differences = dialog.getByRole('list', { name: 'Differences' });
  const generatorLine = differences.getByRole('listitem').filter({ hasText: /orders the built-in generator does not exist in Flink/ });
  const before = await differences.getByRole('listitem').count();
  // once, on the generator's own line (not on the node's error-port line)
  assert.equal(await dialog.getByRole('button', { name: 'Use a Kafka topic instead' }).count(), 1);
  await generatorLine.getByRole('button', { name: 'Use a Kafka topic instead' }).click();

  const form = generatorLine.getByRole('form', { name: 'Kafka topic for orders' });
  // defaults: the local connection, the dataset's name, the bounded generator's own count
  assert.equal(await form.getByLabel('Connection').inputValue(), 'local');
  assert.equal(await form.getByLabel('Topic').inputValue(), 'sales_orders');
  assert.equal(await form.getByLabel('Events').inputValue(), '100000');
  // a unique topic on the shared broker, and a count small enough to keep the spec short
  // a name Kafka refuses: the error is shown in words and the generator stays
  await form.getByLabel('Topic').fill('no spaces allowed!');
  await form.getByRole('button', { name: 'Produce and replace' }).click();
  const refused = form.getByRole('alert');
  await refused.waitFor({ timeout: 60_000 });
  assert.match(await refused.innerText(), /^Could not produce to no spaces allowed! on local: .+\. The generator is unchanged\.$/);
  assert.equal(await node.locator('.flow-node-type').innerText(), 'Generator');
  await studio.screenshot('flink-generator-refused');

  const topic = `flink-generator-${Date.now().toString(36)}`;
  const count = 3000;
  await form.getByLabel('Topic').fill(topic);
  await form.getByLabel('Events').fill(String(count));
  await studio.screenshot('flink-generator-form');
  await form.getByRole('button', { name: 'Produce and replace' }).click();

  // the generator line goes once the events are in the topic and the node is swapped
  await generatorLine.waitFor({ state: 'detached', timeout: 120_000 });
  await dialog.getByLabel('Flink SQL preview').filter({ hasText: `'topic' = '${topic}'` }).waitFor();
  const lines = await differences.getByRole('listitem').allInnerTexts();
  assert.ok(!lines.some((line) => /generator/.test(line)), lines.join('\n'));
  // only the generator's line went; the Kafka source's error port to the dead-letter sink still differs
  assert.equal(lines.length, before - 1, lines.join('\n'));
  await studio.screenshot('flink-generator-replaced');
  assert.equal(await messagesIn(topic), count);

  await dialog.getByRole('button', { name: 'Close' }).click();
  assert.equal(await node.locator('.flow-node-type').innerText(), 'Kafka');
  assert.match(await node.locator('.flow-node-summary').innerText(), new RegExp(topic));
  // the edges stayed: the node still feeds "Valid orders" and the dead-letter sink
  assert.equal(await page.locator('.react-flow__edge[data-testid^="rf__edge-orders:"]').count(), 2);
  await studio.screenshot('flink-generator-canvas');

  await page.getByRole('button', { name: 'Undo' }).click();
  assert.equal(await node.locator('.flow-node-type').innerText(), 'Generator');
  assert.deepEqual(studio.pageErrors, []);
});
