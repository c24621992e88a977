// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { bestMatch } from './ComboInput.tsx';

test('Enter takes the best match of what was typed: exact, then prefix, then any shown', () => {
  const shown = [{ value: 'big-orders' }, { value: 'orders' }, { value: 'orders-eu' }];
  assert.equal(bestMatch(shown, 'ord'), 1, '"ord" picks "orders", not the literal');
  assert.equal(bestMatch(shown, 'orders-eu'), 2);
  assert.equal(bestMatch([{ value: 'big-orders' }], 'ord'), 0);
  assert.equal(bestMatch(shown, ''), -1);
  assert.equal(bestMatch([], 'x'), -1);
});
