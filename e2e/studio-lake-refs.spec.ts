// Tags and branches are created and deleted from the lake explorer through real dialogs (names checked
// while typing, a confirmation before deleting); after Compact the result reads as words and the
// snapshot comparison offers the new head.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { openLake } from '../engine/lake/index.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;
let first = '';

studioPerFile(async (opened) => {
  studio = opened;
  page = opened.page;
  // Two small appends: two snapshots and two data files, which Compact rewrites into one.
  const table = await openLake(opened.lakeDir).createTable('orders_refs', {
    fields: [
      { name: 'id', required: false, type: 'long' },
      { name: 'region', required: false, type: 'string' },
    ],
  });
  await table.append([{ id: 1, region: 'europe' }, { id: 2, region: 'asia' }]);
  await table.append([{ id: 3, region: 'europe' }]);
  first = String(table.snapshots()[0]!.snapshotId);
});

const refRows = () => page.getByRole('table', { name: 'Refs' }).locator('tbody tr td:first-child').allInnerTexts();

test('tag and branch a snapshot through dialogs, then delete them after a confirmation', async () => {
  await page.getByRole('tab', { name: 'Lake' }).click();
  await page.getByRole('option', { name: /orders_refs/ }).click();
  await eventually(page, 'main only', refRows, (names) => names.join() === 'main');

  await page.getByRole('button', { name: `Tag snapshot ${first}` }).click();
  const dialog = page.getByRole('dialog', { name: `Tag snapshot ${first}` });
  const field = dialog.getByRole('textbox', { name: 'Tag name' });
  await field.fill('main');
  await dialog.getByRole('alert').filter({ hasText: 'main already exists in this table' }).waitFor();
  await field.fill('night ly');
  await dialog.getByRole('alert').filter({ hasText: 'Use letters, digits and _ . -' }).waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Create tag' }).isDisabled(), true);
  await field.fill('nightly');
  await studio.screenshot('43-lake-tag-dialog');
  await dialog.getByRole('button', { name: 'Create tag' }).click();
  await eventually(page, 'the tag', refRows, (names) => names.includes('nightly'));

  await page.getByRole('button', { name: `Branch from snapshot ${first}` }).click();
  const branch = page.getByRole('dialog', { name: `Branch from snapshot ${first}` });
  await branch.getByRole('textbox', { name: 'Branch name' }).fill('dev');
  await page.keyboard.press('Enter');
  await eventually(page, 'the branch', refRows, (names) => names.includes('dev'));

  await page.getByRole('button', { name: 'Delete tag nightly' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete tag nightly?' });
  await confirm.waitFor();
  await studio.screenshot('44-lake-delete-tag');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  assert.ok((await refRows()).includes('nightly'), 'Cancel kept the tag');
  await page.getByRole('button', { name: 'Delete tag nightly' }).click();
  await confirm.getByRole('button', { name: 'Delete tag' }).click();
  await page.getByRole('button', { name: 'Delete branch dev' }).click();
  await page.getByRole('alertdialog', { name: 'Delete branch dev?' }).getByRole('button', { name: 'Delete branch' }).click();
  await eventually(page, 'main only again', refRows, (names) => names.join() === 'main');
  assert.equal(await page.getByRole('button', { name: 'Delete branch main' }).count(), 0, 'main cannot be deleted');
});

test('after Compact the result is in words and the comparison offers the new head', async () => {
  const maintenance = page.getByRole('region', { name: 'Maintenance' }).or(page.locator('section[aria-label="Maintenance"]'));
  await maintenance.getByRole('button', { name: 'Compact' }).click();
  const result = maintenance.getByRole('status').filter({ hasText: 'rewritten' });
  await result.waitFor();
  const text = await result.innerText();
  const match = /^2 files rewritten, 1 written, new snapshot (\d+)$/.exec(text);
  assert.ok(match, `result in words: ${text}`);
  const head = match[1]!;
  const to = page.getByRole('combobox', { name: 'Diff to snapshot' });
  await eventually(page, 'the new head offered', () => to.inputValue(), (v) => v === head);
  await page.getByRole('button', { name: 'Compare' }).click();
  const diff = page.getByRole('status', { name: 'Diff result' });
  await diff.waitFor();
  // From the first snapshot (2 rows) to the compacted head (all 3 rows in one new file).
  assert.match(await diff.innerText(), /^\+1\s+rows added\s+−0\s+rows removed\s+\+1 \/ −1\s+files$/);
  await studio.screenshot('45-lake-compact-result');
});
