// File → Export → Flink SQL: the dialog lists what does not carry over on its node, previews exactly the
// script the exporter writes for this studio's lake, and downloads it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { exportFlink } from '../engine/flink/export.ts';
import { localConnection } from '../engine/kafka/connections.ts';
import type { PipelineDoc } from '../engine/format/pipeline.ts';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';

let studio: Studio;
let page: Page;

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

test('Export Flink SQL previews the script, lists the differences per node and downloads it', async () => {
  const text = await readFile(new URL('../resources/examples/sales-by-region.json', import.meta.url), 'utf8');
  const doc = JSON.parse(text) as PipelineDoc;
  await importPipelineFile(page, 'sales-by-region.json', text);
  await page.getByRole('group', { name: 'Node Sales orders' }).waitFor();

  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: 'Export Flink SQL…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export Flink SQL' });
  const preview = dialog.getByLabel('Flink SQL preview');
  await preview.waitFor();

  const expected = exportFlink(doc, { lakeDir: studio.lakeDir, connections: [localConnection()] });
  assert.equal(await preview.innerText(), expected.sql);
  assert.match(expected.sql, new RegExp(`'warehouse' = 'file://${studio.homeDir.replaceAll('/', '\\/')}'`));
  const items = await dialog.getByRole('list', { name: 'Differences' }).getByRole('listitem').allInnerTexts();
  assert.equal(items.length, expected.problems.length);
  assert.ok(items.some((line) => /^differs\s+per_min allowed lateness 30s/.test(line)), items.join('\n'));
  assert.ok(items.some((line) => /^left out\s+dead this sink only receives error or late events/.test(line)), items.join('\n'));
  assert.ok(items.some((line) => /^differs\s+orders the built-in generator does not exist in Flink/.test(line)));
  await studio.screenshot('flink-export-dialog');

  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Download .sql' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'sales-by-region.flink.sql');
  assert.equal(await readFile(await file.path(), 'utf8'), expected.sql);
  await dialog.getByRole('button', { name: 'Close' }).click();
  assert.equal(await page.getByRole('dialog', { name: 'Export Flink SQL' }).count(), 0);
  assert.deepEqual(studio.pageErrors, []);
});
