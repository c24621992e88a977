// Editors that know the data: a filter refuses a type mismatch while it is typed, shows sample values of
// the columns it reads (from a short sample run before anything runs), completion shows types and values
// and never covers the error, and a window aggregate is any aggregate expression (sum(CASE WHEN … END)),
// checked as one. Problems are worded with the field's label, never its JSON key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineDoc } from '../engine/format/pipeline.ts';
import { canvasNode, clickNode } from './helpers/canvas.ts';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

const pipeline: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'editors',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', seed: 5, eventsPerSecond: 100 } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0' } },
    { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', groupBy: ['region'], aggregates: { orders: 'count(*)' } } },
    { id: 'lake', type: 'sink.lake', config: { table: 'editors_out' } },
  ],
  edges: [{ from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'lake' }],
  layout: { orders: { x: 0, y: 0 }, valid: { x: 300, y: 0 }, per_min: { x: 600, y: 0 }, lake: { x: 900, y: 0 } },
};

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

test('a type mismatch is refused while typing, and the message says why', async () => {
  await importPipelineFile(page, 'editors.json', JSON.stringify(pipeline));
  await clickNode(page, 'valid');
  await page.getByRole('tab', { name: 'Config' }).click();
  const where = page.getByRole('textbox', { name: 'Condition' });
  await where.fill('');
  await where.pressSequentially("amount > 'abc'");
  const error = page.getByRole('alert').filter({ hasText: "cannot compare amount (a number) with 'abc' (text)" });
  await error.waitFor();
  assert.equal(await where.getAttribute('aria-invalid'), 'true');
  assert.match(await error.innerText(), /CAST\('abc' AS DOUBLE\)/);
  // The validator reports it too, under the field's label and never its JSON key.
  await eventually(page, 'problem count', () => page.getByRole('tab', { name: /Problems/ }).innerText(), (t) => /\b1\b/.test(t));
  const inspector = page.getByRole('region', { name: 'Inspector' });
  assert.doesNotMatch(await inspector.innerText(), /"where"/);
  const onNode = page.getByRole('note', { name: 'Problem in valid' });
  await onNode.filter({ hasText: 'Condition' }).waitFor();
  assert.doesNotMatch(await onNode.innerText(), /where/);
  await studio.screenshot('30-editor-type-error');

  await where.fill('amount > 10');
  await eventually(page, 'valid again', () => where.getAttribute('aria-invalid'), (v) => v === 'false');
});

test('sample values of the columns in use show beside the condition, and in completion', async () => {
  const where = page.getByRole('textbox', { name: 'Condition' });
  await where.fill("region = 'EUROPE'");
  const samples = page.getByLabel('Condition sample values');
  await samples.waitFor();
  const text = await samples.innerText();
  assert.match(text, /region: '[a-z_]+'/, text);
  assert.match(text, /'europe'/, 'the real values are lower case');
  assert.match(await page.getByRole('note', { name: 'Sample source' }).innerText(), /sample run/);

  await where.fill("amount > 0 AND reg");
  const list = page.getByRole('listbox', { name: 'Condition completions' });
  const option = list.getByRole('option', { name: /region/ });
  await option.waitFor();
  assert.match(await option.innerText(), /string · '[a-z_]+'/);
  // The completion list opens below the error, never over it.
  const error = page.getByRole('alert').filter({ hasText: "unknown column 'reg'" });
  const [e, l] = [await error.boundingBox(), await list.boundingBox()];
  assert.ok(e && l, 'both are visible');
  assert.ok(l.y >= e.y + e.height - 1, `the list (top ${l.y}) starts below the error (bottom ${e.y + e.height})`);
  await studio.screenshot('31-editor-completion-below-error');
  await page.keyboard.press('Escape');
  await where.fill("region = 'europe'");
  await eventually(page, 'valid again', () => where.getAttribute('aria-invalid'), (v) => v === 'false');
});

test('a window aggregate is any aggregate expression, checked as one', async () => {
  await clickNode(page, 'per_min');
  await page.getByRole('button', { name: 'Add aggregate' }).click();
  await page.getByRole('textbox', { name: 'Aggregate 2 name' }).fill('europe_revenue');
  const aggregate = page.getByRole('textbox', { name: 'Aggregate europe_revenue', exact: true });
  await aggregate.fill("sum(CASE WHEN region = 'europe' THEN amount ELSE 0 END)");
  assert.equal(await aggregate.getAttribute('aria-invalid'), 'false');
  await eventually(page, 'no problems', () => page.getByRole('tab', { name: /Problems/ }).innerText(), (t) => /\b0\b/.test(t));
  assert.match(await canvasNode(page, 'per_min').innerText(), /tumbling/);

  await aggregate.fill('sum(region)');
  await page.getByRole('alert').filter({ hasText: 'sum() needs numbers, but region is text' }).waitFor();
  assert.equal(await aggregate.getAttribute('aria-invalid'), 'true');
  await studio.screenshot('32-editor-aggregate-expression');
  await aggregate.fill("sum(CASE WHEN region = 'europe' THEN amount ELSE 0 END)");
  await page.getByRole('tab', { name: /Problems/ }).click();
  await eventually(page, 'no problems', () => page.getByRole('tab', { name: /Problems/ }).innerText(), (t) => /\b0\b/.test(t)).catch(async (error: unknown) => {
    throw new Error(`${String(error)}: ${await page.getByLabel('Problems list').innerText().catch(() => '?')}`);
  });
});
