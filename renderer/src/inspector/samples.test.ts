// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { sampleValues } from './samples.ts';

test('distinct values per column, written as expression literals', () => {
  const values = sampleValues([
    { region: 'europe', amount: 12.5, paid: true, meta: { a: 1 } },
    { region: 'europe', amount: 3, paid: false, meta: null },
    { region: "o'hare", amount: 3, paid: true },
  ]);
  assert.deepEqual(values.get('region'), ["'europe'", "'o''hare'"]);
  assert.deepEqual(values.get('amount'), ['12.5', '3']);
  assert.deepEqual(values.get('paid'), ['TRUE', 'FALSE']);
  assert.equal(values.has('meta'), false);
  assert.deepEqual(sampleValues([{ n: 1 }, { n: 2 }, { n: 3 }], 2).get('n'), ['1', '2']);
});
