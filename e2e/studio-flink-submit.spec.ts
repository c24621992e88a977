// File → Export Flink SQL… → Submit to Flink: the studio submits the exported job to a real Flink 1.20.3 SQL
// Gateway (flink-sql-gateway from Maven Central, in one JVM with a MiniCluster), shows its job id and
// status, stops it, and shows why when the gateway cannot be reached.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startFlink } from '../engine/flink/testing/shell.ts';
import type { FlinkShell } from '../engine/flink/testing/shell.ts';
import { kafkaClient } from '../engine/kafka/connections.ts';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';

let studio: Studio;
let page: Page;
let flink: FlinkShell;
let endpoint: string;

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
}, { kafka: true });

before(async () => {
  flink = await startFlink((line) => console.log(line));
  endpoint = `http://127.0.0.1:${(await flink.gateway()).gateway}`;
  // the exported job reads the generator's stand-in topic on the `local` connection (the test broker)
  const admin = kafkaClient({ name: 'local', brokers: [process.env.STREAMLAKE_TEST_KAFKA ?? '127.0.0.1:9092'] }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'sales_orders', numPartitions: 1 }], waitForLeaders: true }).catch(() => false);
  await admin.disconnect();
});
after(() => flink.close());

test('submit the exported job to a Flink SQL Gateway, see it run and stop it', async () => {
  const text = await readFile(new URL('../resources/examples/sales-by-region.json', import.meta.url), 'utf8');
  await importPipelineFile(page, 'sales-by-region.json', text);
  await page.getByRole('group', { name: 'Node Sales orders' }).waitFor();
  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: 'Export Flink SQL…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export Flink SQL' });
  await dialog.getByLabel('Flink SQL preview').waitFor();

  await dialog.getByLabel('Flink SQL Gateway URL').fill('http://127.0.0.1:9');
  await dialog.getByRole('button', { name: 'Submit to Flink' }).click();
  await dialog.getByRole('alert').filter({ hasText: /cannot reach the Flink SQL Gateway at http:\/\/127\.0\.0\.1:9/ }).waitFor();

  await dialog.getByLabel('Flink SQL Gateway URL').fill(endpoint);
  await dialog.getByRole('button', { name: 'Submit to Flink' }).click();
  const job = dialog.getByRole('status', { name: 'Flink job' });
  await job.filter({ hasText: /^job [0-9a-f]{32}: RUNNING$/ }).waitFor({ timeout: 120_000 });
  await studio.screenshot('flink-submit-running');
  await dialog.getByRole('button', { name: 'Stop job' }).click();
  await job.filter({ hasText: /: (CANCELED|CANCELLING|FINISHED)$/ }).waitFor({ timeout: 60_000 });
  assert.equal(await dialog.getByRole('alert').count(), 0);
  assert.deepEqual(studio.pageErrors.filter((e) => !/127\.0\.0\.1:9/.test(e)), []);
});
