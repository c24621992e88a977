import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { windowKey, windowTable } from '../testing/windows.ts';
import { readRows } from './scan.ts';

test('within one commit the last row per key wins', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'k', required: false, type: 'string' }, { name: 'v', required: false, type: 'long' }] });
  const r = await table.append([{ k: 'a', v: 1 }, { k: 'b', v: 1 }, { k: 'a', v: 2 }], { upsertKey: ['k'] });
  assert.equal(r.rows, 2);
  assert.equal(table.resolve()?.operation, 'append');
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'k' })).map((x) => [x.k, x.v]), [['a', 2], ['b', 1]]);
});

test('re-emitted keys replace committed rows in an overwrite snapshot; files without the keys are not touched', async (t) => {
  const table = await windowTable(t);
  const key = windowKey;
  const w = (iso: string): Date => new Date(iso);
  await table.append([{ region: 'eu', window_start: w('2026-01-01T00:00:00Z'), orders: 1 }, { region: 'us', window_start: w('2026-01-01T00:00:00Z'), orders: 1 }], { upsertKey: key });
  await table.append([{ region: 'eu', window_start: w('2026-01-05T00:00:00Z'), orders: 7 }], { upsertKey: key });
  const untouched = (await table.dataFiles(table.resolve()?.snapshotId ?? 0n)).find((f) => f.partition.window_start_day === 20458);
  assert.ok(untouched);

  const r = await table.append([{ region: 'eu', window_start: w('2026-01-01T00:00:00Z'), orders: 2 }], { upsertKey: key });
  assert.equal(r.replacedFiles, 1, 'only the file holding the key is rewritten (the 2026-01-05 file is pruned by bounds)');
  const head = table.resolve();
  assert.equal(head?.operation, 'overwrite');
  assert.equal(head?.summary['deleted-data-files'], '1');
  assert.equal(head?.summary['deleted-records'], '2');
  assert.equal(head?.summary['added-records'], '2', 'the rewrite keeps "us" and adds the new "eu"');
  assert.equal(head?.summary['total-records'], '3');
  const rows = await readRows(table, undefined, { orderBy: 'window_start, region' });
  assert.deepEqual(rows.map((x) => [x.region, (x.window_start as Date).toISOString().slice(0, 10), x.orders]), [
    ['eu', '2026-01-01', 2],
    ['us', '2026-01-01', 1],
    ['eu', '2026-01-05', 7],
  ]);
  const files = await table.dataFiles(head?.snapshotId ?? 0n);
  assert.ok(files.some((f) => f.path === untouched.path));

  // time travel still shows the superseded value
  const before = await readRows(table, { snapshotId: head?.parentId ?? 0n }, { orderBy: 'window_start, region' });
  assert.equal(before[0]?.orders, 1);
});

test('a key that replaces every row of a file deletes the file without a rewrite', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'k', required: false, type: 'long' }, { name: 'v', required: false, type: 'string' }] });
  await table.append([{ k: 1, v: 'a' }], { upsertKey: ['k'] });
  const r = await table.append([{ k: 1, v: 'b' }], { upsertKey: ['k'] });
  assert.equal(r.replacedFiles, 1);
  assert.equal(r.files, 1);
  assert.deepEqual((await readRows(table)).map((x) => x.v), ['b']);
  assert.equal(table.resolve()?.summary['total-data-files'], '1');
});

test('retracted keys are removed in the same snapshot as the new rows; a key both retracted and written keeps the row', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'k', required: false, type: 'long' }, { name: 'v', required: false, type: 'string' }] });
  await table.append([{ k: 1, v: 'a' }, { k: 2, v: 'b' }, { k: 3, v: 'c' }], { upsertKey: ['k'] });
  const r = await table.append([{ k: 3, v: 'C' }], { upsertKey: ['k'], retract: [{ k: 2 }, { k: 3 }, { k: 99 }] });
  assert.equal(r.replacedFiles, 1);
  const head = table.resolve();
  assert.equal(head?.operation, 'overwrite');
  assert.equal(head?.summary['total-records'], '2');
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'k' })).map((x) => [x.k, x.v]), [[1, 'a'], [3, 'C']]);

  // a retraction alone, with no new rows, is still an overwrite
  await table.append([], { upsertKey: ['k'], retract: [{ k: 1 }] });
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'k' })).map((x) => [x.k, x.v]), [[3, 'C']]);
});
