// The Cassandra section of the Connections rail without a server (a real Cassandra takes minutes to start;
// the sink's own tests run one): a connection made in the rail is tested layer by layer against a port
// nothing listens on, saved, and offered by a Cassandra sink node's picker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { freePort } from '../engine/sinks/postgres/server.ts';
import { canvasRegion, canvasSettled, clickNode } from './helpers/canvas.ts';
import { openStudio } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

before(async () => {
  studio = await openStudio();
  page = studio.page;
});

after(async () => {
  await studio?.close();
});

test('a Cassandra connection from the rail: a closed port fails at Network, saved, then offered on a sink.cassandra node', async () => {
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByRole('button', { name: 'Add Cassandra connection' }).click();
  const form = page.getByRole('form', { name: 'Cassandra connection' });
  await form.getByLabel('Name').fill('serving');
  await form.getByLabel('Keyspace').fill('bad-keyspace');
  await form.getByRole('button', { name: 'Test connection' }).click();
  await form.getByRole('note').filter({ hasText: 'Keyspace: letters, digits and underscores' }).waitFor();
  await form.getByLabel('Keyspace').fill('');
  const closed = await freePort();
  await form.getByLabel('Port').fill(String(closed));
  await form.getByRole('button', { name: 'Test connection' }).click();
  const result = form.getByRole('status', { name: 'Connection test result' });
  await result.waitFor();
  const layers = await result.getByRole('listitem').evaluateAll((items) => items.map((i) => i.getAttribute('aria-label') ?? ''));
  assert.deepEqual(layers, ['Host name: passed', 'Network: failed', 'TLS: unused', 'Sign-in: not tried', 'Rights: unused']);
  await result.scrollIntoViewIfNeeded();
  await studio.screenshot('cassandra-01-closed-port');
  await form.getByRole('button', { name: 'Save' }).click();
  const saved = page.getByRole('listitem', { name: 'Cassandra connection serving', exact: true });
  await saved.waitFor();
  assert.equal(await saved.getByRole('button', { name: 'Delete serving' }).count(), 1, 'a saved Cassandra connection can be deleted from the rail');

  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await canvasSettled(page);
  await page.getByRole('button', { name: 'Add Cassandra table' }).dragTo(canvasRegion(page), { targetPosition: { x: 380, y: 160 } });
  await clickNode(page, 'cassandra');
  const connection = page.getByRole('region', { name: 'Inspector' }).getByRole('combobox', { name: 'Connection' });
  // The inspector lists the connections once it has fetched them: read until there, not once.
  await eventually(page, 'the saved connection offered on the node', () => connection.locator('option').allInnerTexts(), (o) => o.includes(`serving — 127.0.0.1:${closed}`));
  await connection.selectOption('serving');
  await studio.screenshot('cassandra-02-node-picker');
  assert.deepEqual(studio.pageErrors, []);
});
