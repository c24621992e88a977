// The pipeline canvas as the specs see it: nodes found by their accessible names, and a wait for the
// canvas to stop moving before anything is dragged, since positions read mid-animation miss their target.
import type { Locator, Page } from 'playwright-core';

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
 * Clicks a node once the canvas is still, until the node shows as selected. Selecting a node opens the
 * inspector, which narrows the canvas and re-fits it; a click during that fit (or during an opened
 * example's fit) lands beside its target, as it did on a busy machine with two specs running at once,
 * and once more with one spec beside two CPU-heavy test files (the canvas looked still for five frames,
 * then moved). So the selection is checked, and the click repeated on a still canvas, three times at most.
 */
export async function clickNode(page: Page, id: string): Promise<void> {
  const node = canvasNode(page, id);
  const selected = node.and(page.locator('.selected'));
  for (let attempt = 1; ; attempt++) {
    await canvasSettled(page);
    await node.click();
    try {
      await selected.waitFor({ timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw new Error(`node ${id} is not selected after ${attempt} clicks on a still canvas`, { cause: error });
    }
  }
}
