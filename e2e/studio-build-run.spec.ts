// From an empty canvas: build the sales pipeline by drag and drop, configure it in the inspector, run it
// on the generator, watch a live preview fill, stop; then see the lake table's snapshots and chart a SQL
// query over it. Every control is found by its role and accessible name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { canvasNode, canvasRegion, canvasSettled, clickNode, connectPorts } from './helpers/canvas.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

function node(id: string): Locator {
  return canvasNode(page, id);
}

async function drop(item: string, x: number, y: number): Promise<void> {
  await canvasSettled(page);
  await page.getByRole('button', { name: `Add ${item}` }).dragTo(canvasRegion(page), { targetPosition: { x, y } });
}

/** Connects once the viewport and nodes have stopped moving (a drag during a fit drops beside its target). */
function connect(from: string, port: string, to: string): Promise<void> {
  return connectPorts(page, from, port, to);
}

test('build the sales pipeline by drag and drop on an empty canvas', async () => {
  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: 'New pipeline' }).click();
  assert.equal(await page.getByRole('group', { name: /^Node / }).count(), 0, 'the canvas starts empty');
  await page.getByRole('textbox', { name: 'Pipeline name' }).fill('sales-by-region');

  await drop('Generator', 130, 90);
  await drop('Filter', 380, 200);
  await drop('Tumbling window', 130, 310);
  await drop('Lake table', 380, 420);
  for (const id of ['generator', 'filter', 'tumbling', 'lake']) await node(id).waitFor();

  await connect('generator', 'out', 'filter');
  await connect('filter', 'out', 'tumbling');
  await connect('tumbling', 'out', 'lake');
  assert.equal(await page.locator('.react-flow__edge').count(), 3);
  await page.getByRole('button', { name: 'Auto layout' }).click();

  // A wrong connection is refused with the reason.
  await connect('tumbling', 'late', 'filter');
  await page.getByRole('alert').filter({ hasText: 'Connection refused: this would make a cycle' }).waitFor();
  assert.equal(await page.locator('.react-flow__edge').count(), 3, 'the cycle was not connected');
  await studio.screenshot('01-canvas-built');
});

test('configure each node in the inspector', async () => {
  await clickNode(page, 'generator');
  await page.getByRole('tab', { name: 'Config' }).click();
  await page.getByRole('combobox', { name: 'Dataset' }).selectOption('sales_orders');
  // At a set rate event time follows the wall clock, so the windows below are seconds long to close
  // within the test.
  await page.getByRole('spinbutton', { name: 'Events per second' }).fill('3000');

  await clickNode(page, 'filter');
  const where = page.getByRole('textbox', { name: 'Condition' });
  await where.fill('amount > 0 AND regio');
  await page.getByRole('listbox', { name: 'Condition completions' }).getByRole('option', { name: /region/ }).click();
  assert.equal(await where.inputValue(), 'amount > 0 AND region');
  await where.fill('amount > 0 AND regoin IS NOT NULL');
  await page.getByRole('alert').filter({ hasText: "unknown column 'regoin'" }).waitFor();
  await where.fill('amount > 0 AND region IS NOT NULL');
  assert.equal(await where.getAttribute('aria-invalid'), 'false');

  await clickNode(page, 'tumbling');
  assert.equal(await page.getByRole('combobox', { name: 'Time field' }).inputValue(), 'event_time');
  await page.getByRole('textbox', { name: 'Size', exact: true }).fill('5s');
  await page.getByRole('button', { name: 'Group by: region' }).click();
  await page.getByRole('button', { name: 'Add aggregate' }).click();
  await page.getByRole('textbox', { name: 'Aggregate 2 name' }).fill('revenue');
  await page.getByRole('textbox', { name: 'Aggregate revenue', exact: true }).fill('sum(amount)');
  assert.match(await node('tumbling').innerText(), /tumbling 5s by region/);

  await clickNode(page, 'lake');
  await page.getByRole('textbox', { name: 'Table' }).fill('sales_by_region');
  await page.getByRole('textbox', { name: 'Commit interval' }).fill('1s');

  await page.getByRole('tab', { name: /Problems/ }).click();
  await eventually(page, 'problems', () => page.getByRole('tab', { name: /Problems/ }).innerText(), (t) => /\b0\b/.test(t));
  await studio.screenshot('02-inspector');
});

test('run on the generator, watch the live preview fill, stop', async () => {
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await eventually(page, 'run status', () => page.getByRole('status', { name: 'Run status' }).innerText(), (t) => t.includes('running'));
  await clickNode(page, 'tumbling');
  await page.getByRole('tab', { name: 'Output' }).click();
  const rows = page.getByRole('table', { name: 'Output rows of tumbling' }).locator('tbody tr');
  await eventually(page, 'window output rows', () => rows.count(), (n) => n > 0);
  const first = await rows.count();
  await eventually(page, 'more window output', () => page.getByRole('region', { name: 'Live output' }).innerText(), (t) => /[1-9][\d,]* seen/.test(t));
  await page.getByRole('button', { name: 'Show JSON' }).click();
  assert.match(await page.getByLabel('Output JSON of tumbling').innerText(), /"revenue"/);
  await page.getByRole('button', { name: 'Show table' }).click();
  assert.ok(first > 0);
  // The lake sink commits every second: wait for a snapshot before stopping.
  await eventually(page, 'live badges', () => node('lake').innerText(), (t) => /\/s/.test(t));
  await eventually(page, 'a snapshot of sales_by_region', async () => (await studio.service.lakeTables()).find((t) => t.name === 'sales_by_region')?.snapshots ?? 0, (n) => n > 0);
  await studio.screenshot('03-running');
  await page.getByRole('button', { name: 'Stop pipeline' }).click();
  await eventually(page, 'stopped', () => page.getByRole('status', { name: 'Run status' }).innerText(), (t) => !/running|stopping/.test(t));
});

test('the lake explorer shows the table and its snapshots', async () => {
  await page.getByRole('tab', { name: 'Lake' }).click();
  await page.getByRole('option', { name: /sales_by_region/ }).click();
  const timeline = page.getByRole('list', { name: 'Snapshot timeline' });
  await eventually(page, 'snapshots', () => timeline.getByRole('listitem').count(), (n) => n > 0);
  assert.match(await page.getByRole('region', { name: 'Schema' }).innerText(), /revenue/);
  await studio.screenshot('04-lake-explorer');
});

test('a SQL query over the table shows a grid and a line chart with data', async () => {
  await page.getByRole('tab', { name: 'SQL' }).click();
  await page.getByRole('textbox', { name: 'SQL query' }).fill('SELECT window_start, region, revenue FROM sales_by_region ORDER BY window_start');
  await page.getByRole('button', { name: 'Run query' }).click();
  const grid = page.getByRole('table', { name: 'Query results' });
  await eventually(page, 'result rows', () => grid.locator('tbody tr').count(), (n) => n > 0);
  const chart = page.getByRole('figure', { name: /^line chart of/ });
  await chart.waitFor();
  await eventually(page, 'drawn lines', () => chart.locator('.recharts-line-curve').count(), (n) => n > 0);
  await studio.screenshot('05-sql-chart');
  assert.deepEqual(studio.pageErrors.filter((e) => !/Content Security Policy|favicon/.test(e)), []);
});
