// The SQL workbench as a code editor: DuckDB highlighting, completion of the lake's columns, tables and
// `table@tag` refs, Ctrl+Enter, results cleared when a query fails, a history that survives a reload and
// re-runs, several tabs with their own results, and a maximised mode. The table is written with the
// engine's lake API before the studio looks at it; expected counts come from those rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { openLake } from '../engine/lake/index.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

const editor = () => page.getByRole('textbox', { name: 'SQL query' });
const completions = () => page.locator('.cm-tooltip-autocomplete [role="listbox"]');
const firstCell = () => page.getByRole('table', { name: 'Query results' }).locator('tbody tr td').first().innerText().catch(() => '');

async function typeAndAccept(text: string, option: RegExp): Promise<void> {
  await page.keyboard.type(text);
  const choice = completions().getByRole('option', { name: option }).first();
  await choice.waitFor();
  await choice.click();
}

test('completion of columns, tables and tags; DuckDB highlighting; Ctrl+Enter runs', async () => {
  const lake = openLake(studio.lakeDir);
  const table = await lake.createTable('shop_orders', {
    fields: [
      { name: 'id', required: false, type: 'long' },
      { name: 'region', required: false, type: 'string' },
      { name: 'amount', required: false, type: 'double' },
    ],
  });
  await table.append([1, 2, 3, 4, 5].map((id) => ({ id, region: id % 2 === 0 ? 'europe' : 'asia', amount: id * 10 })));
  await table.createTag('nightly');
  await table.append([{ id: 6, region: 'europe', amount: 60 }]);

  await page.getByRole('tab', { name: 'SQL' }).click();
  await editor().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await typeAndAccept('SELECT count(*) AS n, sum(amou', /amount/);
  await page.keyboard.type(') AS total FROM shop_');
  const tableOption = completions().getByRole('option', { name: /shop_orders/ }).first();
  await tableOption.waitFor();
  assert.match(await tableOption.innerText(), /table · 3 columns · @nightly/);
  await tableOption.click();
  await typeAndAccept('@', /nightly/);
  assert.equal((await editor().innerText()).trim(), 'SELECT count(*) AS n, sum(amount) AS total FROM shop_orders@nightly');

  // Keywords and functions are coloured differently from plain names.
  const colours = await editor().evaluate((root) => {
    const colourOf = (text: string) => {
      const span = [...root.querySelectorAll('span')].find((s) => s.textContent === text);
      return span ? getComputedStyle(span).color : null;
    };
    return { keyword: colourOf('SELECT'), fn: colourOf('count'), plain: getComputedStyle(root.querySelector('.cm-line') as Element).color };
  });
  assert.ok(colours.keyword && colours.keyword !== colours.plain, `SELECT is highlighted: ${JSON.stringify(colours)}`);

  await page.keyboard.press('Control+Enter');
  // At the tag: ids 1..5 → 5 rows, total 150.
  await eventually(page, 'the result at the tag', firstCell, (t) => t === '5');
  await studio.screenshot('40-sql-editor-completion');
});

test('a failing query clears the previous results; the history keeps both and survives a reload', async () => {
  await editor().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('SELECT nope FROM shop_orders');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByRole('alert', { name: 'Query error' }).waitFor();
  assert.equal(await page.getByRole('table', { name: 'Query results' }).count(), 0, 'no grid from the earlier query beside the error');

  await page.reload();
  await page.getByRole('tab', { name: 'SQL' }).click();
  await page.getByRole('button', { name: 'Query history' }).click();
  const items = page.getByRole('list', { name: 'Query history list' }).getByRole('listitem');
  await items.first().waitFor();
  const texts = await items.allInnerTexts();
  assert.match(texts[0] ?? '', /SELECT nope FROM shop_orders/);
  assert.match(texts[0] ?? '', /nope/);
  assert.match(texts[1] ?? '', /1 row\b[\s\S]*shop_orders@nightly/);
  await page.getByRole('button', { name: 'Run again: SELECT count(*) AS n, sum(amount) AS total FROM shop_orders@nightly' }).click();
  await eventually(page, 'the re-run', firstCell, (t) => t === '5');
  assert.match(await editor().innerText(), /shop_orders@nightly/);
});

test('tabs keep their own query and results; the workbench can take the whole window', async () => {
  await page.getByRole('button', { name: 'New query tab' }).click();
  await page.getByRole('tab', { name: 'Query 2' }).waitFor();
  assert.equal(await page.getByRole('tab', { name: 'Query 2' }).getAttribute('aria-selected'), 'true');
  await editor().click();
  await page.keyboard.type('SELECT count(*) FROM shop_orders');
  await page.keyboard.press('Control+Enter');
  await eventually(page, 'the head count', firstCell, (t) => t === '6');

  await page.getByRole('tab', { name: 'Query 1' }).click();
  await eventually(page, 'tab 1 kept its result', firstCell, (t) => t === '5');
  assert.match(await editor().innerText(), /shop_orders@nightly/);

  await page.getByRole('button', { name: 'Maximise workbench' }).click();
  const box = await page.getByRole('region', { name: 'SQL workbench' }).boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box && viewport && box.height > viewport.height * 0.8 && box.width > viewport.width * 0.9, `maximised: ${JSON.stringify(box)}`);
  await studio.screenshot('41-sql-maximised');
  await page.getByRole('button', { name: 'Restore workbench' }).click();
  const restored = await page.getByRole('region', { name: 'SQL workbench' }).boundingBox();
  assert.ok(restored && viewport && restored.height < viewport.height * 0.6);
});
