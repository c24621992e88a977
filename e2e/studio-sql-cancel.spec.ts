// Cancel in the SQL workbench stops a query that is still running on the host: the run is named up front,
// Cancel sends that name, DuckDB is interrupted and the pending sqlRun answers ENG_LAKE_CANCELLED.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;
const sent: string[] = [];
const received: string[] = [];

studioPerFile(async (opened) => {
  studio = opened;
  page = opened.page;
  // Frames are collected from the start, so the app's WebSocket is already watched when the page loads.
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => sent.push(String(frame.payload)));
    socket.on('framereceived', (frame) => received.push(String(frame.payload)));
  });
  await page.reload();
  await page.getByRole('tab', { name: 'SQL' }).waitFor();
});

test('Cancel interrupts a running query on the host and says so in the results', async () => {
  await page.getByRole('tab', { name: 'SQL' }).click();
  const editor = page.getByRole('textbox', { name: 'SQL query' });
  await editor.fill('SELECT count(*) AS n FROM range(1000000000000) a, range(3) b WHERE a.range % 7 = b.range');
  await page.getByRole('button', { name: 'Run query' }).click();
  const cancel = page.getByRole('button', { name: 'Cancel query' });
  await assert.doesNotReject(cancel.click());
  await page.getByRole('status', { name: 'Query status' }).filter({ hasText: 'Query cancelled' }).waitFor();

  const run = sent.map((frame) => JSON.parse(frame) as Record<string, unknown>).find((message) => JSON.stringify(message).includes('"sqlRun"'));
  const queryId = /"queryId":"([A-Za-z0-9_-]+)"/.exec(JSON.stringify(run))?.[1];
  assert.ok(queryId, `sqlRun was sent with a queryId: ${JSON.stringify(run)}`);
  assert.ok(sent.some((frame) => frame.includes('"sqlCancel"') && frame.includes(queryId)), 'Cancel sent sqlCancel with the run\'s id');
  // The host interrupted DuckDB: the pending run answers with the cancel error (it would otherwise run on).
  await eventually(page, 'the pending sqlRun rejected with ENG_LAKE_CANCELLED', async () => received.some((frame) => frame.includes('ENG_LAKE_CANCELLED')), (seen) => seen);

  // The host is free again: a small query answers.
  await editor.fill('SELECT 42 AS answer');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByRole('table', { name: 'Query results' }).locator('tbody td').filter({ hasText: '42' }).first().waitFor();
  assert.deepEqual(studio.pageErrors, []);
});
