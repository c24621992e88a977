import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { ManualTime } from '../../runtime/clock.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';

test('truncate empties a branch in one delete snapshot; earlier snapshots, their files and other branches keep their rows', async (t) => {
  const clock = new ManualTime(1_767_225_600_000);
  const lake = openLake(await tempDir(t), { clock });
  const table = await lake.createTable('orders', { fields: [{ name: 'id', required: false, type: 'long' }], partitionBy: [] });
  await table.append([{ id: 1 }, { id: 2 }]);
  clock.advance(1000);
  await table.append([{ id: 3 }]);
  const before = table.resolve();
  assert.ok(before);
  await table.createBranch('audit');
  const files = await table.dataFiles(before.snapshotId);

  clock.advance(1000);
  const result = await table.truncate({ summary: { 'streamlake.reset': 'replace' } });
  assert.equal(result.rows, 3);
  assert.equal(result.files, 2);
  const head = table.resolve();
  assert.ok(head && result.snapshot);
  assert.equal(head.snapshotId, result.snapshot['snapshot-id']);
  assert.equal(head.parentId, before.snapshotId);
  assert.equal(head.operation, 'delete');
  assert.equal(head.summary['deleted-records'], '3');
  assert.equal(head.summary['total-records'], '0');
  assert.equal(head.summary['streamlake.reset'], 'replace');
  assert.deepEqual(await readRows(table), []);

  // history stays: time travel, the other branch and the data files themselves
  assert.deepEqual((await readRows(table, { snapshotId: before.snapshotId })).map((r) => r.id).sort(), [1, 2, 3]);
  assert.deepEqual((await readRows(table, { branch: 'audit' })).map((r) => r.id).sort(), [1, 2, 3]);
  for (const f of files) await access(f.path);

  // appending after it starts from empty
  await table.append([{ id: 9 }]);
  assert.deepEqual((await readRows(table)).map((r) => r.id), [9]);
});

test('truncate of an empty branch commits nothing unless asked to record the snapshot', async (t) => {
  const lake = openLake(await tempDir(t), { clock: new ManualTime(1_767_225_600_000) });
  const table = await lake.createTable('empty', { fields: [{ name: 'id', required: false, type: 'long' }], partitionBy: [] });
  const none = await table.truncate();
  assert.equal(none.snapshot, null);
  assert.equal(table.snapshots().length, 0);
  const marked = await table.truncate({ allowEmpty: true, summary: { 'streamlake.reset': 'replace' } });
  assert.ok(marked.snapshot);
  assert.equal(table.snapshots().length, 1);
  assert.equal(table.resolve()?.summary['streamlake.reset'], 'replace');
});
