import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { windowKey, windowTable } from '../testing/windows.ts';
import type { LakeTable } from './table.ts';

function headId(table: LakeTable): bigint {
  const head = table.resolve();
  assert.ok(head, 'the table has a snapshot');
  return head.snapshotId;
}

test('appends: the new files are the added rows', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'k', required: false, type: 'long' }] });
  await table.append([{ k: 1 }, { k: 2 }]);
  const first = headId(table);
  await table.append([{ k: 3 }, { k: 4 }, { k: 5 }]);
  assert.deepEqual(await table.diff(first, headId(table)), { rowsAdded: 3, rowsRemoved: 0, filesAdded: 1, filesRemoved: 0 });
  assert.deepEqual(await table.diff(headId(table), first), { rowsAdded: 0, rowsRemoved: 3, filesAdded: 0, filesRemoved: 1 });
});

test('a late re-emit rewrites a file: only the replaced window row counts, not the whole rewritten file', async (t) => {
  const table = await windowTable(t);
  const key = windowKey;
  const at = (hour: number): Date => new Date(Date.UTC(2026, 0, 1, hour));
  const regions = ['eu', 'us', 'apac', 'latam'];
  await table.append(regions.flatMap((region) => [0, 1, 2].map((hour) => ({ region, window_start: at(hour), orders: 10 }))), { upsertKey: key });
  const first = headId(table);

  await table.append([{ region: 'us', window_start: at(1), orders: 11 }], { upsertKey: key });
  const reemitted = table.resolve();
  assert.equal(reemitted?.operation, 'overwrite');
  assert.equal(reemitted.summary['deleted-records'], '12', 'the file-level view: all 12 rows of the rewritten file');
  assert.deepEqual(await table.diff(first, reemitted.snapshotId), { rowsAdded: 1, rowsRemoved: 1, filesAdded: 2, filesRemoved: 1 });

  // Re-emitting the same value again replaces its file (it holds only that row) but changes no row.
  await table.append([{ region: 'us', window_start: at(1), orders: 11 }], { upsertKey: key });
  assert.deepEqual(await table.diff(reemitted.snapshotId, headId(table)), { rowsAdded: 0, rowsRemoved: 0, filesAdded: 1, filesRemoved: 1 });
  // A new window next to a changed one.
  await table.append([{ region: 'eu', window_start: at(2), orders: 12 }, { region: 'eu', window_start: at(3), orders: 1 }], { upsertKey: key });
  const diff = await table.diff(first, headId(table));
  assert.equal(diff.rowsAdded, 3, 'us@1 and eu@2 changed, eu@3 is new');
  assert.equal(diff.rowsRemoved, 2, 'the old us@1 and eu@2');
  // A re-emit in one day partition and a first window in another, in one commit.
  const beforeBoth = headId(table);
  await table.append([{ region: 'apac', window_start: at(0), orders: 9 }, { region: 'apac', window_start: at(30), orders: 1 }], { upsertKey: key });
  assert.deepEqual(await table.diff(beforeBoth, headId(table)), { rowsAdded: 2, rowsRemoved: 1, filesAdded: 3, filesRemoved: 1 });
});

test('compaction changes no row, even after a rename; duplicates count as rows', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('c', {
    fields: [
      { name: 'id', required: false, type: 'long' },
      { name: 'amount', required: false, type: 'double' },
    ],
  });
  await table.append([{ id: 1, amount: 1.5 }]);
  const first = headId(table);
  for (let i = 0; i < 4; i++) await table.append([{ id: i + 2, amount: i * 2.5 }, { id: 100, amount: null }]);
  await table.renameColumn('amount', 'total');
  const before = headId(table);
  const compacted = await table.compact();
  assert.equal(compacted.filesRewritten, 5);
  assert.ok(compacted.snapshotId !== null);
  assert.deepEqual(await table.diff(before, compacted.snapshotId), { rowsAdded: 0, rowsRemoved: 0, filesAdded: 1, filesRemoved: 5 });
  // From the first snapshot the compacted file holds the first row again plus 8 more, 4 of them the same
  // (id 100, no amount): a multiset difference, not a set one.
  assert.deepEqual(await table.diff(first, compacted.snapshotId), { rowsAdded: 8, rowsRemoved: 0, filesAdded: 1, filesRemoved: 1 });
});
