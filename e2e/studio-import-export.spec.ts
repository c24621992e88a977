// Import and export: an invalid file opens a dialog listing each problem with its JSON path and leaves the
// canvas as it was; a valid one round-trips to exactly the canonical text the engine exports.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineDoc } from '../engine/format/pipeline.ts';
import { exportPipeline, validatePipeline } from '../engine/format/pipeline.ts';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';

let studio: Studio;
let page: Page;

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

const broken = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'broken',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders' } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > AND' } },
    { id: 'mystery', type: 'transform.teleport', config: {} },
    { id: 'per_min', type: 'window.tumbling', config: { size: '1m', aggregates: { n: 'count(*)' } } },
  ],
  edges: [
    { from: 'orders', to: 'valid' },
    { from: 'valid', to: 'per_min' },
    { from: 'valid', to: 'nowhere' },
  ],
};

const valid: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'orders-to-lake',
  description: 'Raw orders into the lake',
  nodes: [
    { id: 'orders', type: 'source.generator', label: 'Orders', config: { dataset: 'sales_orders', seed: 7, eventsPerSecond: 1000 } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0' } },
    { id: 'lake', type: 'sink.lake', config: { table: 'orders', commitInterval: '5s' } },
  ],
  edges: [
    { from: 'orders', to: 'valid' },
    { from: 'valid', to: 'lake' },
  ],
  layout: { orders: { x: 0, y: 0 }, valid: { x: 280, y: 0 }, lake: { x: 560, y: 40 } },
};

/** The same document with every object's keys in reverse order and no whitespace: not canonical. */
function scrambled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrambled);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, scrambled(v)]));
  return value;
}

test('an invalid file is refused with every problem listed, and the canvas is unchanged', async () => {
  const nodesBefore = await page.getByRole('group', { name: /^Node / }).count();
  const expected = validatePipeline(broken);
  assert.equal(expected.ok, false);
  assert.ok(expected.problems.length >= 3, 'the fixture has at least three problems');

  await importPipelineFile(page, 'broken.json', JSON.stringify(broken, null, 2));
  const dialog = page.getByRole('dialog', { name: 'Import problems' });
  await dialog.waitFor();
  const items = dialog.getByRole('list', { name: 'Problems' }).getByRole('listitem');
  assert.equal(await items.count(), expected.problems.length);
  const shown = await items.allInnerTexts();
  for (const problem of expected.problems) {
    assert.ok(shown.some((line) => line.includes(problem.path) && line.includes(problem.message)), `listed: ${problem.path} ${problem.message}`);
  }
  for (const path of ['/nodes/1/config/where', '/nodes/2/type', '/edges/2/to']) {
    assert.ok(shown.some((line) => line.startsWith(path)), `a problem at ${path}`);
  }
  await studio.screenshot('06-import-problems');
  await dialog.getByRole('button', { name: 'Close' }).click();
  assert.equal(await page.getByRole('group', { name: /^Node / }).count(), nodesBefore, 'the canvas kept its nodes');
  assert.equal(await page.getByRole('group', { name: 'Node mystery' }).count(), 0);
});

test('a valid file imports, and exports as exactly the canonical text', async () => {
  await importPipelineFile(page, 'orders.json', JSON.stringify(scrambled(valid)));
  await page.getByRole('group', { name: 'Node Orders' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Pipeline name' }).inputValue(), 'orders-to-lake');

  await page.getByRole('button', { name: 'File menu' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('menuitem', { name: 'Export JSON' }).click();
  const file = await download;
  const path = await file.path();
  const text = await readFile(path, 'utf8');
  assert.equal(text, exportPipeline(valid));
  assert.equal(file.suggestedFilename(), 'orders-to-lake.json');
});
