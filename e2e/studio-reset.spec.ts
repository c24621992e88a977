// Reset must not duplicate silently (issue 9). A bounded pipeline runs to its end; a second Run says there
// is nothing new since its checkpoint instead of quietly reading 0 events; Reset asks what to do with the
// table the pipeline writes: replace (the default) leaves exactly the input's rows after the next Run,
// append doubles them, as the user asked. The expected rows come from the generator's events computed
// here, the table is read from the lake folder the studio writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineDoc } from '../engine/format/pipeline.ts';
import { generateEvents } from '../engine/generator/index.ts';
import { openLake, readRows } from '../engine/lake/index.ts';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

const count = 3000;
const pipeline: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'orders-reset',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count, seed: 11 } },
    { id: 'lake', type: 'sink.lake', config: { table: 'reset_orders', commitInterval: '1s' } },
  ],
  edges: [{ from: 'orders', to: 'lake' }],
  layout: { orders: { x: 0, y: 0 }, lake: { x: 300, y: 0 } },
};
const inputIds = [...generateEvents('sales_orders', { count, seed: 11 })].map((r) => String(r.order_id)).sort();

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

async function runToEnd(): Promise<void> {
  const status = page.getByRole('status', { name: 'Run status' });
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await eventually(page, 'the bounded run finishes', () => status.innerText(), (t) => t.includes('finished'));
}

async function tableIds(): Promise<string[]> {
  const table = await openLake(studio.lakeDir).table('reset_orders');
  return (await readRows(table)).map((r) => String(r.order_id));
}

/** What the user sees in the SQL workbench: rows and distinct order ids of the table. */
async function queryCounts(expected: [number, number]): Promise<void> {
  await page.getByRole('tab', { name: 'SQL' }).click();
  await page.getByRole('textbox', { name: 'SQL query' }).fill(`SELECT count(*) AS order_rows, count(DISTINCT order_id) AS distinct_ids, ${expected[0]} AS asked FROM reset_orders`);
  await page.getByRole('button', { name: 'Run query' }).click();
  const cells = (): Promise<string[]> => page.getByRole('table', { name: 'Query results' }).locator('tbody tr').first().locator('td').allInnerTexts().catch(() => []);
  // The third column tells this query's answer from the previous one's.
  const seen = await eventually(page, 'the count query answers', cells, (c) => c.length === 3 && Number(c[2]?.replace(/\D/g, '')) === expected[0]);
  assert.deepEqual(seen.slice(0, 2).map((c) => Number(c.replace(/\D/g, ''))), expected);
}

async function reset(choice: 'Replace their contents' | 'Append again'): Promise<void> {
  await page.getByRole('button', { name: 'Reset state' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reset pipeline' });
  await dialog.waitFor();
  assert.deepEqual(await dialog.getByRole('list', { name: 'Tables the pipeline writes' }).getByRole('listitem').allInnerTexts(), ['reset_orders']);
  assert.equal(await dialog.getByRole('radio', { name: /Replace their contents/ }).isChecked(), true, 'replace is the default');
  await dialog.getByRole('radio', { name: new RegExp(choice) }).check();
  await studio.screenshot(`reset-dialog-${choice === 'Append again' ? 'append' : 'replace'}`);
  await dialog.getByRole('button', { name: /^Reset and / }).click();
  await dialog.waitFor({ state: 'detached' });
}

test('a second Run of a finished bounded input says nothing is new since its checkpoint', async () => {
  await importPipelineFile(page, 'reset.json', JSON.stringify(pipeline));
  await page.getByRole('group', { name: 'Node orders' }).waitFor();
  await runToEnd();
  assert.deepEqual((await tableIds()).sort(), inputIds);

  await runToEnd();
  const notice = page.getByRole('note', { name: 'Run notice' });
  await notice.waitFor();
  assert.match(await notice.innerText(), /^Nothing new since checkpoint \d+: .*Reset to start over\.$/);
  assert.equal((await tableIds()).length, count, 'and nothing was written');
  await studio.screenshot('reset-nothing-new');
});

test('Reset with replace, then Run: the table holds exactly the input', async () => {
  await reset('Replace their contents');
  await page.getByRole('status').filter({ hasText: /State reset: .*1 table emptied \(reset_orders: 3,000 rows\), history kept/ }).waitFor();
  assert.equal(await page.getByRole('note', { name: 'Run notice' }).count(), 0, 'the notice went with the reset');
  assert.deepEqual(await tableIds(), [], 'emptied before the run');
  await runToEnd();
  const ids = await tableIds();
  assert.equal(ids.length, count);
  assert.deepEqual([...new Set(ids)].sort(), inputIds);
  await queryCounts([count, count]);
  // History stays: the snapshot before the reset still has the first run's rows.
  const table = await openLake(studio.lakeDir).table('reset_orders');
  const emptied = table.snapshots().find((s) => s.operation === 'delete');
  assert.ok(emptied?.parentId, 'one delete snapshot emptied the table');
  assert.equal((await readRows(table, { snapshotId: emptied.parentId })).length, count);
  await studio.screenshot('reset-replaced-and-run');
});

test('Reset with append, then Run: the rows are there twice, as asked', async () => {
  await reset('Append again');
  await page.getByRole('status').filter({ hasText: /State reset: .*the next run appends to 1 table/ }).waitFor();
  assert.equal((await tableIds()).length, count, 'kept as it was');
  await runToEnd();
  const ids = await tableIds();
  assert.equal(ids.length, 2 * count);
  assert.deepEqual([...new Set(ids)].sort(), inputIds);
  await queryCounts([2 * count, count]);
  await studio.screenshot('reset-appended-and-run');
  assert.deepEqual(studio.pageErrors, []);
});
