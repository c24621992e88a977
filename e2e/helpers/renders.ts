// Counts which React components render, from outside the app, the way React DevTools does: a stand-in
// for `__REACT_DEVTOOLS_GLOBAL_HOOK__` installed before the bundle loads gets every commit (production
// builds report commits too), and a walk of the committed fiber tree finds the components whose render
// function ran. No test-only code ships in the renderer; components are named by their `displayName`.
import type { Page } from 'playwright-core';
import type { InitScript } from './studio.ts';

export interface RenderCounts {
  /** Commits React made while counting. */
  commits: number;
  /** Component renders of every kind, named or not. */
  renders: number;
  /** Renders per component, by display name, else function name (minified names are short and meaningless). */
  byComponent: Record<string, number>;
  /** Renders per `id` prop of the components named in `perId`. */
  byId: Record<string, Record<string, number>>;
}

interface Fiber {
  tag: number;
  flags: number;
  type: unknown;
  elementType: unknown;
  memoizedProps: unknown;
  child: Fiber | null;
  sibling: Fiber | null;
  alternate: Fiber | null;
}

declare global {
  interface Window {
    __REACT_DEVTOOLS_GLOBAL_HOOK__?: unknown;
    __renderCounts?: RenderCounts & { perId: string[]; counting: boolean };
  }
}

/** Runs in the page before any script: the hook React finds when it starts. */
function installHook(perId: string[]): void {
  // Function-like fiber tags: FunctionComponent 0, ClassComponent 1, ForwardRef 11, Memo 14, SimpleMemo 15.
  const componentTags = new Set([0, 1, 11, 14, 15]);
  const performedWork = 1;
  const state = { commits: 0, renders: 0, byComponent: {} as Record<string, number>, byId: {} as Record<string, Record<string, number>>, perId, counting: false };
  window.__renderCounts = state;
  const nameOf = (fiber: Fiber): string | undefined => {
    for (const candidate of [fiber.elementType, fiber.type]) {
      if (candidate && (typeof candidate === 'object' || typeof candidate === 'function')) {
        const named = candidate as { displayName?: unknown; name?: unknown };
        if (typeof named.displayName === 'string') return named.displayName;
        if (typeof named.name === 'string' && named.name.length > 2) return named.name;
      }
    }
    return undefined;
  };
  const rendered = (fiber: Fiber): void => {
    state.renders++;
    const name = nameOf(fiber);
    if (name === undefined) return;
    state.byComponent[name] = (state.byComponent[name] ?? 0) + 1;
    if (!state.perId.includes(name)) return;
    const id = (fiber.memoizedProps as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const counts = (state.byId[name] ??= {});
    counts[id] = (counts[id] ?? 0) + 1;
  };
  // A fiber rendered in this commit when it is new, or its render function ran (PerformedWork). Children
  // are visited only when the parent's child list was rebuilt: an untouched subtree keeps last commit's
  // fibers, whose flags still describe that older render.
  const visit = (fiber: Fiber): void => {
    const previous = fiber.alternate;
    if (componentTags.has(fiber.tag) && (previous === null || (fiber.flags & performedWork) !== 0)) rendered(fiber);
    if (previous !== null && fiber.child === previous.child) return;
    for (let child = fiber.child; child !== null; child = child.sibling) visit(child);
  };
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject: () => 1,
    onCommitFiberRoot: (_renderer: number, root: { current: Fiber }) => {
      if (!state.counting) return;
      state.commits++;
      visit(root.current);
    },
    onCommitFiberUnmount: () => undefined,
    onPostCommitFiberRoot: () => undefined,
  };
}

/** Installs the hook for pages opened after this call (use as a `launchStudio` init script). */
export function renderHook(perId: string[]): InitScript<string[]> {
  return { script: installHook, arg: perId };
}

/** Starts counting from zero. */
export async function startCounting(page: Page): Promise<void> {
  await page.evaluate(() => {
    const counts = window.__renderCounts;
    if (!counts) throw new Error('the render hook is not installed');
    Object.assign(counts, { commits: 0, renders: 0, byComponent: {}, byId: {}, counting: true });
  });
}

/** Stops counting and returns what was counted. */
export async function stopCounting(page: Page): Promise<RenderCounts> {
  return page.evaluate(() => {
    const counts = window.__renderCounts;
    if (!counts) throw new Error('the render hook is not installed');
    counts.counting = false;
    return { commits: counts.commits, renders: counts.renders, byComponent: counts.byComponent, byId: counts.byId };
  });
}
