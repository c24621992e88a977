// Unit tests run under node:test, outside the browser sandbox the renderer rule protects.
// eslint-disable-next-line no-restricted-imports
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports
import { test } from 'node:test';
import { addHistory, historyLimit, readHistory } from './history.ts';
import type { TextStorage } from './history.ts';
import { refAt } from './duckdb.ts';

function memory(initial?: string): TextStorage & { data: Map<string, string> } {
  const data = new Map<string, string>(initial === undefined ? [] : [['streamlake.sql.history', initial]]);
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

test('history is newest first, without repeats, bounded, and survives a new reader', () => {
  const storage = memory();
  addHistory(storage, { sql: 'SELECT 1', at: 1, outcome: '1 row', ok: true });
  addHistory(storage, { sql: 'SELECT 2', at: 2, outcome: 'boom', ok: false });
  addHistory(storage, { sql: '  SELECT 1 ', at: 3, outcome: '1 row', ok: true });
  assert.deepEqual(readHistory(memory(storage.data.get('streamlake.sql.history'))).map((e) => [e.sql, e.at]), [['SELECT 1', 3], ['SELECT 2', 2]]);
  for (let i = 0; i < historyLimit + 5; i++) addHistory(storage, { sql: `SELECT ${i + 10}`, at: i, outcome: '', ok: true });
  assert.equal(readHistory(storage).length, historyLimit);
});

test('bad stored history is dropped, not trusted', () => {
  assert.deepEqual(readHistory(memory('not json')), []);
  assert.deepEqual(readHistory(memory('{"sql":1}')), []);
  assert.deepEqual(readHistory(memory('[{"sql":"SELECT 1","at":1,"outcome":"","ok":true},{"sql":2}]')).length, 1);
});

test('a table@ref being typed is recognised', () => {
  assert.deepEqual(refAt('SELECT * FROM sales_by_region@nig'), { table: 'sales_by_region', partial: 'nig' });
  assert.deepEqual(refAt('FROM t@'), { table: 't', partial: '' });
  assert.equal(refAt('SELECT a FROM t'), undefined);
});
