// A 200-node pipeline stays smooth: dragging one node re-renders that node only, and nothing around the canvas. Renders are counted the
// way React DevTools sees them (a hook on every commit), so the check holds on any machine; frame times
// and main-thread CPU time of the same drag are printed as figures, never asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { NodeSpec, PipelineDoc } from '../engine/format/pipeline.ts';
import { canvasNode, canvasSettled } from './helpers/canvas.ts';
import { importPipelineFile } from './helpers/files.ts';
import { recordFrames } from './helpers/frames.ts';
import { renderHook, startCounting, stopCounting } from './helpers/renders.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';

let studio: Studio;
let page: Page;

/** 40 chains of five nodes (generator → filter → filter → window → lake), two chains a row. */
function bigPipeline(): PipelineDoc {
  const nodes: NodeSpec[] = [];
  const edges: PipelineDoc['edges'] = [];
  const layout: NonNullable<PipelineDoc['layout']> = {};
  for (let chain = 0; chain < 40; chain++) {
    const ids = [`orders_${chain}`, `valid_${chain}`, `large_${chain}`, `per_minute_${chain}`, `lake_${chain}`];
    const [orders, valid, large, perMinute, lake] = ids as [string, string, string, string, string];
    nodes.push(
      { id: orders, type: 'source.generator', config: { dataset: 'sales_orders', eventsPerSecond: 100 } },
      { id: valid, type: 'transform.filter', config: { where: 'amount > 0' } },
      { id: large, type: 'transform.filter', config: { where: 'amount > 100' } },
      { id: perMinute, type: 'window.tumbling', config: { time: 'event_time', size: '1m', groupBy: ['region'], aggregates: { orders: 'count(*)' } } },
      { id: lake, type: 'sink.lake', config: { table: `orders_${chain}` } },
    );
    for (let i = 0; i + 1 < ids.length; i++) edges.push({ from: ids[i] ?? '', to: ids[i + 1] ?? '' });
    ids.forEach((id, i) => {
      layout[id] = { x: ((chain % 2) * 5 + i) * 260, y: Math.floor(chain / 2) * 140 };
    });
  }
  return { format: 'streamlake.pipeline', version: 1, name: 'two-hundred-nodes', nodes, edges, layout };
}

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
}, { initScripts: [renderHook(['PipelineNode'])] });

test('dragging one node of 200 re-renders only that node', async () => {
  await importPipelineFile(page, 'two-hundred-nodes.json', JSON.stringify(bigPipeline()));
  await canvasNode(page, 'orders_0').waitFor();
  await canvasSettled(page);
  // Fit stops at a readable zoom, so 200 nodes do not all fit: zoom out with the wheel, anchored at the
  // pipeline's top left corner, until every node is drawn (only nodes in view are drawn past 120).
  const canvasBox = await page.getByRole('region', { name: 'Pipeline canvas' }).boundingBox();
  assert.ok(canvasBox);
  for (let i = 0; i < 30 && (await page.getByRole('group', { name: /^Node / }).count()) < 200; i++) {
    await page.mouse.move(canvasBox.x + 70, canvasBox.y + 70);
    await page.mouse.wheel(0, 400);
    await canvasSettled(page);
  }
  const dragged = 'valid_20';
  const target = canvasNode(page, dragged);
  await target.waitFor();
  assert.equal(await page.getByRole('group', { name: /^Node / }).count(), 200);
  await canvasSettled(page);
  // Select it first, so the drag measures moving, not the one-off cost of a new selection.
  await target.click({ position: { x: 10, y: 6 } });
  await page.locator(`.react-flow__node.selected[data-id="${dragged}"]`).waitFor();
  // The form fetches sample values of its input once per selection; let that land before measuring.
  await page.getByRole('note', { name: 'Sample source' }).waitFor();
  await canvasSettled(page);

  const box = await target.boundingBox();
  assert.ok(box, 'the node is on screen');
  const start = { x: box.x + box.width / 2, y: box.y + 4 };
  const moves = 60;
  const slowdown = 4;
  const wrapper = page.locator(`.react-flow__node[data-id="${dragged}"]`);
  const before = await wrapper.getAttribute('style');

  await page.mouse.move(start.x, start.y);
  await startCounting(page);
  const frames = await recordFrames(page, slowdown);
  await page.mouse.down();
  for (let i = 1; i <= moves; i++) await page.mouse.move(start.x + i * 3, start.y + i * 2);
  await page.mouse.up();
  await page.waitForFunction((previous) => document.querySelector('.react-flow__node[data-id="valid_20"]')?.getAttribute('style') !== previous, before);
  const figures = await frames.stop();
  const counts = await stopCounting(page);

  const renders = counts.byId.PipelineNode ?? {};
  console.log(`[canvas-drag] 200 nodes, ${moves} moves at ${slowdown}× CPU slowdown: frame p50 ${figures.p50} ms, p95 ${figures.p95} ms, max ${figures.max} ms over ${figures.frames} frames; main thread ${figures.taskMs} ms (script ${figures.scriptMs}, style+layout ${figures.layoutMs}) = ${(figures.taskMs / moves).toFixed(1)} ms a move; ${counts.commits} React commits, ${(counts.renders / moves).toFixed(1)} component renders a move`);
  console.log(`[canvas-drag] renders by component: ${JSON.stringify(Object.entries(counts.byComponent).sort((a, b) => b[1] - a[1]).slice(0, 40))}`);
  assert.ok((renders[dragged] ?? 0) > 0, `the dragged node re-rendered as it moved: ${JSON.stringify(renders)}`);
  assert.deepEqual(Object.keys(renders), [dragged], 'no other node re-rendered');
  // Moving is layout, not meaning: the window around the canvas and the dragged node's form stay put.
  assert.equal(counts.byComponent.Layout ?? 0, 0, 'the studio window did not re-render');
  assert.equal(counts.byComponent.Inspector ?? 0, 0, 'the inspector did not re-render');
  await studio.screenshot('10-two-hundred-nodes');
});
