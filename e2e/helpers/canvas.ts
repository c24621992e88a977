// The pipeline canvas as the specs see it: nodes found by their accessible names, and a wait for the
// canvas to stop moving before anything is dragged, since positions read mid-animation miss their target.
import type { Locator, Page } from 'playwright-core';
import { fitMargins } from '../../renderer/src/canvas/margins.ts';

export function canvasRegion(page: Page): Locator {
  return page.getByRole('region', { name: 'Pipeline canvas' });
}

export function canvasNode(page: Page, id: string): Locator {
  return page.getByRole('group', { name: `Node ${id}` });
}

declare global {
  interface Window {
    __canvasSettle?: { last: string; same: number };
  }
}

/**
 * Resolves once the canvas says it is not busy (a fit or a layout is not pending or animating) and the
 * viewport and every node kept their place for several animation frames in a row.
 */
export async function canvasSettled(page: Page): Promise<void> {
  await page.waitForFunction((frames) => {
    const region = document.querySelector('[aria-label="Pipeline canvas"]');
    const viewport = region?.querySelector('.react-flow__viewport')?.getAttribute('style') ?? '';
    const nodes = [...(region?.querySelectorAll('.react-flow__node') ?? [])].map((n) => n.getAttribute('style') ?? '');
    const now = [viewport, ...nodes].join('|');
    const state = (window.__canvasSettle ??= { last: '', same: 0 });
    if (region?.getAttribute('aria-busy') === 'true' || now !== state.last) {
      state.last = now;
      state.same = 0;
      return false;
    }
    state.same++;
    if (state.same < frames) return false;
    delete window.__canvasSettle;
    return true;
  }, 5, { polling: 'raf' });
}

/** Drags one port handle onto another node's input, once the canvas is still. */
export async function connectPorts(page: Page, from: string, port: string, to: string): Promise<void> {
  await canvasSettled(page);
  await page.getByLabel(`${from} ${port} port`).dragTo(page.getByLabel(`${to} input`));
}

/**
 * Pans the canvas the way a user does, dragging an empty spot of it, until the element lies inside the
 * frame a fit keeps clear (renderer/src/canvas/margins.ts: the toolbar above, the zoom controls left,
 * the minimap right). A pipeline wider than the canvas at the readable zoom starts at its left edge, so
 * its sinks can be out of view. Playwright brings such a node into view by scrolling React Flow's wrapper, and React
 * Flow scrolls it straight back on the scroll event: in a CI run under load that came between the press
 * and the release, so the node was pressed and the pane clicked, and the node was never selected.
 */
export async function panIntoView(page: Page, target: Locator): Promise<void> {
  const canvas = await canvasRegion(page).locator('.react-flow').first().boundingBox();
  const box = await target.boundingBox();
  if (!canvas || !box) throw new Error('the canvas or the element to bring into view has no box');
  const margins = fitMargins((await canvasRegion(page).getByLabel('Minimap').count()) > 0);
  const clear = { left: canvas.x + margins.left, top: canvas.y + margins.top, right: canvas.x + canvas.width - margins.right, bottom: canvas.y + canvas.height - margins.bottom };
  if (box.x >= clear.left && box.y >= clear.top && box.x + box.width <= clear.right && box.y + box.height <= clear.bottom) return;
  const dx = Math.round((clear.left + clear.right) / 2 - (box.x + box.width / 2));
  const dy = Math.round((clear.top + clear.bottom) / 2 - (box.y + box.height / 2));
  // A spot of bare pane whose drag by (dx, dy) ends inside the canvas.
  const start = await page.evaluate(({ canvas, dx, dy }) => {
    for (let y = canvas.y + 8; y < canvas.y + canvas.height - 8; y += 16) {
      for (let x = canvas.x + 8; x < canvas.x + canvas.width - 8; x += 16) {
        const endX = x + dx;
        const endY = y + dy;
        if (endX < canvas.x || endY < canvas.y || endX > canvas.x + canvas.width || endY > canvas.y + canvas.height) continue;
        if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane')) return { x, y };
      }
    }
    return undefined;
  }, { canvas, dx, dy });
  if (!start) throw new Error(`no bare spot of the canvas to drag it by ${dx}, ${dy}`);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + dx, start.y + dy, { steps: 8 });
  await page.mouse.up();
  await canvasSettled(page);
}

/**
 * Clicks a node once the canvas is still, until the node shows as selected. Selecting a node opens the
 * inspector, which narrows the canvas and re-fits it; a click during that fit (or during an opened
 * example's fit) lands beside its target, as it did on a busy machine with two specs running at once,
 * and once more with one spec beside two CPU-heavy test files (the canvas looked still for five frames,
 * then moved). So the selection is checked, and the click repeated on a still canvas, three times at most.
 * A node out of view is first panned into it (panIntoView).
 */
export async function clickNode(page: Page, id: string): Promise<void> {
  const node = canvasNode(page, id);
  const selected = node.and(page.locator('.selected'));
  for (let attempt = 1; ; attempt++) {
    await canvasSettled(page);
    await panIntoView(page, node);
    await node.click();
    try {
      await selected.waitFor({ timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw new Error(`node ${id} is not selected after ${attempt} clicks on a still canvas`, { cause: error });
    }
  }
}
