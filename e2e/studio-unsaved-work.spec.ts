// Work is never thrown away without asking: with unsaved edits, New pipeline and opening an example ask
// first (a real dialog, Cancel focused); a reload restores the edits from the autosave and keeps them
// counted as unsaved; Save as and Open are dialogs listing saved pipelines and examples.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { canvasSettled, clickNode } from './helpers/canvas.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

const nodes = () => page.getByRole('group', { name: /^Node / }).count();
const name = () => page.getByRole('textbox', { name: 'Pipeline name' }).inputValue();
const saveState = () => page.getByLabel('Save state').innerText();

async function fileMenu(item: string): Promise<void> {
  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

test('with unsaved edits, New pipeline and an example ask before replacing them', async () => {
  assert.equal(await saveState(), 'not saved yet', 'the example as opened has nothing to lose');
  await page.getByRole('textbox', { name: 'Pipeline name' }).fill('my-edits');
  assert.equal(await saveState(), 'unsaved changes');

  await fileMenu('New pipeline');
  const ask = page.getByRole('alertdialog', { name: 'Discard unsaved changes?' });
  await ask.waitFor();
  assert.match(await ask.innerText(), /"my-edits" has changes that are not saved\. A new pipeline replaces them, and undo cannot bring them back\./);
  // The safe answer has the focus: Enter right away keeps the work.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
  await studio.screenshot('30-unsaved-work-confirm');
  await page.keyboard.press('Enter');
  await ask.waitFor({ state: 'detached' });
  assert.equal(await nodes(), 7);
  assert.equal(await name(), 'my-edits');

  await fileMenu('Open the sales example');
  await ask.waitFor();
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'detached' });
  assert.equal(await name(), 'my-edits', 'Escape kept the edits');

  await fileMenu('New pipeline');
  await ask.getByRole('button', { name: 'Discard changes' }).click();
  await eventually(page, 'an empty canvas', nodes, (n) => n === 0);
  assert.equal(await name(), 'untitled');
});

test('a reload restores the edits from the autosave, still unsaved, after the leave question', async () => {
  await fileMenu('Open the sales example');
  await page.getByRole('group', { name: 'Node Sales orders' }).waitFor();
  await page.getByRole('textbox', { name: 'Pipeline name' }).fill('kept-across-reload');
  // A structural edit too (the pipeline stays valid, so it can be saved and opened again below).
  await clickNode(page, 'Dead letters');
  await page.keyboard.press('Delete');
  await eventually(page, 'the sink deleted', nodes, (n) => n === 6);

  let asked = '';
  page.once('dialog', (dialog) => {
    asked = dialog.type();
    void dialog.accept();
  });
  await page.reload();
  assert.equal(asked, 'beforeunload', 'leaving with unsaved work asked first');
  await page.getByRole('group', { name: /^Node / }).first().waitFor();
  await canvasSettled(page);
  assert.equal(await name(), 'kept-across-reload');
  assert.equal(await nodes(), 6);
  assert.equal(await saveState(), 'unsaved changes', 'restored work still counts as unsaved');
  await fileMenu('New pipeline');
  await page.getByRole('alertdialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await nodes(), 6);
});

test('Save as and Open are dialogs with the saved pipelines and the examples', async () => {
  await fileMenu('Save as…');
  const saveAs = page.getByRole('dialog', { name: 'Save pipeline as' });
  const field = saveAs.getByRole('textbox', { name: 'File name' });
  assert.equal(await field.inputValue(), 'kept-across-reload.json');
  await field.fill('sub/dir');
  await saveAs.getByRole('alert').filter({ hasText: 'A name only' }).waitFor();
  assert.equal(await saveAs.getByRole('button', { name: 'Save' }).isDisabled(), true);
  await field.fill('first save');
  await saveAs.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved first save.json' }).waitFor();
  assert.equal(await saveState(), 'saved · first save.json');

  await fileMenu('Save as…');
  await saveAs.getByRole('option', { name: /first save\.json/ }).click();
  await saveAs.getByRole('alert').filter({ hasText: 'first save.json exists' }).waitFor();
  await saveAs.getByRole('button', { name: 'Replace' }).waitFor();
  await studio.screenshot('31-save-as-dialog');
  await saveAs.getByRole('button', { name: 'Cancel' }).click();

  await fileMenu('Open…');
  const open = page.getByRole('dialog', { name: 'Open pipeline' });
  await open.getByRole('option', { name: 'Open first save.json' }).waitFor();
  const examples = open.getByRole('listbox', { name: 'Examples' }).getByRole('option');
  await eventually(page, 'the examples', () => examples.count(), (n) => n >= 6);
  await studio.screenshot('32-open-dialog');
  await open.getByRole('option', { name: 'Open example Fraud flags' }).click();
  await eventually(page, 'the fraud example', name, (n) => n !== 'kept-across-reload');
  assert.equal(await page.getByRole('alertdialog').count(), 0, 'nothing unsaved, nothing asked');

  // Edited, then Open of the saved file asks first, and Discard opens it.
  await page.getByRole('textbox', { name: 'Pipeline name' }).fill('fraud-edited');
  await eventually(page, 'the edit counted', saveState, (t) => t === 'unsaved changes');
  await fileMenu('Open…');
  await open.getByRole('option', { name: 'Open first save.json' }).click();
  await page.getByRole('alertdialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Discard changes' }).click();
  await eventually(page, 'the saved pipeline', name, (n) => n === 'kept-across-reload');
  assert.equal(await nodes(), 6);
  assert.equal(await saveState(), 'saved · first save.json');

  // Saved and untouched, a reload asks nothing and restores it as saved (the autosave matches the file).
  let asked = false;
  page.once('dialog', (dialog) => {
    asked = true;
    void dialog.accept();
  });
  await eventually(page, 'the autosave of the opened file', async () => {
    const slot = await studio.service.autosaveRead();
    return `${slot?.path} ${slot?.doc.name}`;
  }, (t) => t === 'first save.json kept-across-reload');
  await page.reload();
  await page.getByRole('group', { name: /^Node / }).first().waitFor();
  await eventually(page, 'the saved state', saveState, (t) => t === 'saved · first save.json');
  assert.equal(asked, false);
});
