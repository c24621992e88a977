// The canvas reads at 100 %: the first screen draws nodes at a readable zoom, the minimap shows the
// pipeline from the first paint without covering a node (and can be hidden), titles are not cut when
// they fit, the inspector folds away, and dropped nodes never land on each other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { canvasNode, canvasRegion, canvasSettled } from './helpers/canvas.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

type Box = { x: number; y: number; width: number; height: number };

function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function box(locator: Locator): Promise<Box> {
  const b = await locator.boundingBox();
  assert.ok(b, 'on screen');
  return b;
}

/** The viewport's zoom, from React Flow's transform. */
async function zoom(): Promise<number> {
  const style = (await page.locator('.react-flow__viewport').getAttribute('style')) ?? '';
  return Number(/scale\(([\d.]+)\)/.exec(style)?.[1] ?? 'NaN');
}

test('first paint: readable zoom, and a minimap with every node that covers none', async () => {
  // Nothing clicked yet: this is the first screen as it opens.
  await page.locator('.react-flow__minimap').waitFor();
  assert.equal(await page.locator('.react-flow__minimap-node').count(), 7, 'the minimap draws all 7 nodes before any click');
  assert.ok((await zoom()) >= 0.8, `zoom ${await zoom()} is readable`);
  const map = await box(page.locator('.react-flow__minimap'));
  const canvas = await box(canvasRegion(page));
  for (const node of await page.getByRole('group', { name: /^Node / }).all()) {
    const b = await box(node);
    if (!intersects(b, canvas)) continue;
    assert.ok(!intersects(b, map), `${await node.getAttribute('aria-label')} is not under the minimap`);
  }
  // The longest title has room on its node: drawn whole, not "Per region p…".
  const title = canvasNode(page, 'Per region per minute').locator('.flow-node-title');
  assert.ok(await title.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the title is not cut');
  await studio.screenshot('33-canvas-first-paint');

  await page.getByRole('button', { name: 'Hide minimap' }).click();
  assert.equal(await page.locator('.react-flow__minimap').count(), 0);
  await page.getByRole('button', { name: 'Show minimap' }).click();
  await page.locator('.react-flow__minimap').waitFor();
});

test('the inspector folds away and the canvas takes its room', async () => {
  const before = (await box(canvasRegion(page))).width;
  await page.getByRole('button', { name: 'Hide inspector' }).click();
  const wider = await eventually(page, 'a wider canvas', async () => (await box(canvasRegion(page))).width, (w) => w > before + 300);
  assert.ok(wider > before + 300);
  await page.getByRole('button', { name: 'Show inspector' }).click();
  await page.getByRole('complementary', { name: 'Right panel' }).waitFor();
});

test('nodes dropped on the same spot, or 300 px apart, never overlap', async () => {
  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: 'New pipeline' }).click();
  await eventually(page, 'an empty canvas', () => page.getByRole('group', { name: /^Node / }).count(), (n) => n === 0);
  const drops: [string, number, number][] = [['Filter', 200, 200], ['Map', 200, 200], ['Filter', 320, 230], ['Map', 500, 200]];
  for (const [item, x, y] of drops) {
    await canvasSettled(page);
    await page.getByRole('button', { name: `Add ${item}` }).dragTo(canvasRegion(page), { targetPosition: { x, y } });
  }
  const all = page.getByRole('group', { name: /^Node / });
  await eventually(page, 'four nodes', () => all.count(), (n) => n === 4);
  await canvasSettled(page);
  const boxes = await Promise.all((await all.all()).map(box));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) assert.ok(!intersects(boxes[i]!, boxes[j]!), `drops ${i} and ${j} overlap`);
  }
  await studio.screenshot('34-canvas-drops');
});

test('a small window keeps the canvas first: inspector folded, minimap out of the way', async () => {
  await page.setViewportSize({ width: 1024, height: 700 });
  page.once('dialog', (dialog) => void dialog.accept());
  await page.reload();
  await page.getByRole('group', { name: /^Node / }).first().waitFor();
  await canvasSettled(page);
  const canvas = await box(canvasRegion(page));
  assert.ok(canvas.width >= 600, `canvas ${canvas.width}×${canvas.height}`);
  assert.ok(canvas.height >= 400, `canvas ${canvas.width}×${canvas.height}`);
  assert.ok((await zoom()) >= 0.8);
  await page.getByRole('button', { name: 'Show inspector' }).waitFor();
  await studio.screenshot('35-canvas-1024x700');
});
