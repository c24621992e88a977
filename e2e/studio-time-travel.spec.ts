// Time travel: a pipeline writes two snapshots (two runs); picking the older one in the lake explorer makes
// the workbench query that snapshot, and its answer differs from the current table's. The sink's sort
// order shows in the explorer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineDoc } from '../engine/format/pipeline.ts';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

const pipeline: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'orders-history',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', seed: 3, eventsPerSecond: 2000 } },
    { id: 'lake', type: 'sink.lake', config: { table: 'orders_history', commitInterval: '1s', sortBy: ['amount desc'] } },
  ],
  edges: [{ from: 'orders', to: 'lake' }],
  layout: { orders: { x: 0, y: 0 }, lake: { x: 300, y: 0 } },
};

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

async function runOnce(): Promise<void> {
  const status = page.getByRole('status', { name: 'Run status' });
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await eventually(page, 'running', () => status.innerText(), (t) => t.includes('running'));
  await eventually(page, 'events reach the lake', () => page.getByLabel('Live metrics of lake').innerText().catch(() => ''), (t) => /[1-9][\d.]*k? ev/.test(t));
  await page.getByRole('button', { name: 'Stop pipeline' }).click();
  await eventually(page, 'stopped', () => status.innerText(), (t) => !/running|stopping|starting/.test(t));
}

async function firstCell(): Promise<string> {
  return page.getByRole('table', { name: 'Query results' }).locator('tbody tr td').first().innerText().catch(() => '');
}

test('an older snapshot gives a different answer than now', async () => {
  await importPipelineFile(page, 'history.json', JSON.stringify(pipeline));
  await page.getByRole('group', { name: 'Node orders' }).waitFor();
  await runOnce();
  await runOnce();

  await page.getByRole('tab', { name: 'Lake' }).click();
  await page.getByRole('listbox', { name: 'Lake tables' }).getByRole('option', { name: /orders_history/ }).click();
  const snapshots = page.getByRole('list', { name: 'Snapshot timeline' }).getByRole('listitem');
  await eventually(page, 'two snapshots', () => snapshots.count(), (n) => n >= 2);
  const oldest = snapshots.last();
  const oldestId = ((await oldest.getAttribute('aria-label')) ?? '').replace('Snapshot ', '');
  // The sink's sortBy became the table's sort order, which the explorer shows beside the partitioning.
  assert.match(await page.getByLabel('Sort order').innerText(), /^amount desc nulls last \(order 1;/);

  await page.getByRole('button', { name: `Query at snapshot ${oldestId}` }).click();
  await page.getByRole('status', { name: 'Time travel' }).filter({ hasText: oldestId }).waitFor();
  const then = Number(await eventually(page, 'count at the old snapshot', firstCell, (t) => /^\d+$/.test(t)));
  await studio.screenshot('07-time-travel');

  await page.getByRole('button', { name: 'Back to now' }).click();
  const now = Number(await eventually(page, 'count now', firstCell, (t) => /^\d+$/.test(t) && Number(t) !== then));
  assert.ok(then > 0, 'the old snapshot has rows');
  assert.ok(now > then, `now (${now}) has more rows than the older snapshot (${then})`);
});
