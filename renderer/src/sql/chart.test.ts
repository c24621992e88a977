// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { chartData, suggestChart } from './chart.ts';

test('a time column suggests a line chart, split by a text column', () => {
  const s = suggestChart([
    { name: 'region', type: 'VARCHAR' },
    { name: 'window_start', type: 'TIMESTAMP WITH TIME ZONE' },
    { name: 'window_end', type: 'TIMESTAMP' },
    { name: 'revenue', type: 'DOUBLE' },
  ]);
  assert.equal(s?.kind, 'line');
  assert.equal(s?.x, 'window_start');
  assert.equal(s?.series, 'region');
  assert.deepEqual(s?.y, ['revenue']);
});

test('a category with numbers suggests bars; two numbers a scatter; no numbers nothing', () => {
  assert.equal(suggestChart([{ name: 'region', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }])?.kind, 'bar');
  assert.equal(suggestChart([{ name: 'q', type: 'INTEGER' }, { name: 'amount', type: 'DECIMAL(18,2)' }])?.kind, 'scatter');
  assert.equal(suggestChart([{ name: 'region', type: 'VARCHAR' }]), undefined);
});

test('chart data pivots series values into keys and sorts by x', () => {
  const columns = [{ name: 'region', type: 'VARCHAR' }, { name: 't', type: 'TIMESTAMP' }, { name: 'v', type: 'DOUBLE' }];
  const s = suggestChart(columns);
  assert.ok(s);
  const { data, keys } = chartData(s, columns, [['EU', '2026-01-01 00:01', 2], ['US', '2026-01-01 00:00', 5], ['EU', '2026-01-01 00:00', 1]]);
  assert.deepEqual(keys, ['EU', 'US']);
  assert.deepEqual(data, [{ t: '2026-01-01 00:00', US: 5, EU: 1 }, { t: '2026-01-01 00:01', EU: 2 }]);
});
