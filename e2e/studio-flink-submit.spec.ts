// File → Export Flink SQL… → Run on Flink: the studio creates a Flink connection (a real Flink 1.20.3 SQL
// Gateway from Maven Central, in one JVM with a MiniCluster), tests it layer by layer (a wrong port is named
// as such, the right one answers with Flink's version), saves it, submits the exported job through it,
// shows Flink's own error when Flink refuses the job, then the job id and status, and stops it.
import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startFlink } from '../engine/flink/testing/shell.ts';
import type { FlinkShell } from '../engine/flink/testing/shell.ts';
import { kafkaClient } from '../engine/kafka/connections.ts';
import { openLake } from '../engine/lake/lake.ts';
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

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('create and test a Flink connection, see Flink refuse a job in its own words, submit, watch it run and stop it', async () => {
  const text = await readFile(new URL('../resources/examples/sales-by-region.json', import.meta.url), 'utf8');
  await importPipelineFile(page, 'sales-by-region.json', text);
  await page.getByRole('group', { name: 'Node Sales orders' }).waitFor();
  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: 'Export Flink SQL…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export Flink SQL' });
  await dialog.getByLabel('Flink SQL preview').waitFor();

  // No connection yet: the form is open. A port nothing listens on fails at the TCP layer, in plain words.
  const form = dialog.getByRole('form', { name: 'Flink connection' });
  await form.getByLabel('Name').fill('local-flink');
  const closed = await closedPort();
  await form.getByLabel('SQL Gateway URL').fill(`http://127.0.0.1:${closed}`);
  await form.getByRole('button', { name: 'Test connection' }).click();
  const result = form.getByRole('status', { name: 'Flink connection test' });
  await result.filter({ hasText: new RegExp(`✕ tcp: Nothing is listening on 127\\.0\\.0\\.1:${closed}`) }).waitFor();
  await form.getByLabel('SQL Gateway URL').fill(endpoint);
  await form.getByRole('button', { name: 'Test connection' }).click();
  await result.filter({ hasText: /✓ Apache Flink 1\.20\.3 SQL Gateway at http:\/\/127\.0\.0\.1:\d+\./ }).waitFor();
  await studio.screenshot('flink-connection-tested');
  await form.getByRole('button', { name: 'Save connection' }).click();
  await dialog.getByLabel('Flink connection', { exact: true }).filter({ hasText: 'local-flink' }).waitFor();
  assert.equal((await stat(path.join(studio.homeDir, 'flink.json'))).mode & 0o777, 0o600);

  // A lake table of the same name with other columns: Flink refuses the INSERT and says why.
  await openLake(studio.lakeDir).createTable('sales_by_region', { fields: [{ name: 'region', required: false, type: 'long' }] });
  await dialog.getByRole('button', { name: 'Submit to Flink' }).click();
  const refused = dialog.getByRole('alert', { name: 'Flink error' });
  await refused.filter({ hasText: /^Flink: .*Column types of query result and sink for '?streamlake\.lake\.sales_by_region'? do not match/ }).waitFor({ timeout: 120_000 });
  await studio.screenshot('flink-submit-refused');
  await rm(path.join(studio.lakeDir, 'sales_by_region'), { recursive: true, force: true });

  await dialog.getByRole('button', { name: 'Submit to Flink' }).click();
  const job = dialog.getByRole('status', { name: 'Flink job' });
  await job.filter({ hasText: /^job [0-9a-f]{32}: RUNNING$/ }).waitFor({ timeout: 120_000 });
  assert.equal(await refused.count(), 0, 'the old error is gone');
  await studio.screenshot('flink-submit-running');
  await dialog.getByRole('button', { name: 'Stop job' }).click();
  await job.filter({ hasText: /: (CANCELED|CANCELLING|FINISHED)$/ }).waitFor({ timeout: 60_000 });
  assert.equal(await dialog.getByRole('alert').count(), 0);
  assert.deepEqual(studio.pageErrors, []);
});
