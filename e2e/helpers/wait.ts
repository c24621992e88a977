// Waiting for state, never for time: every helper polls a condition, with a budget that is generous
// because CI machines are shared and slow (the budget is a safety net, not a timing claim).
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** Polls `read` until `check` holds and returns the last value; fails with it after `budgetMs`. */
export async function eventually<T>(page: Page, what: string, read: () => Promise<T>, check: (value: T) => boolean, budgetMs = 60_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(last)}`);
    await page.waitForTimeout(250);
    last = await read();
  }
  return last;
}
