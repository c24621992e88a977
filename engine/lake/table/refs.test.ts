import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../errors.ts';
import { ManualTime } from '../../runtime/clock.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';

const ids = async (table: Parameters<typeof readRows>[0], ref?: Parameters<typeof readRows>[1]): Promise<unknown[]> => (await readRows(table, ref, { orderBy: 'n' })).map((r) => r.n);

test('snapshots resolve by id, time, tag and branch; branches, fast-forward and rollback', async (t) => {
  const time = new ManualTime(1_000_000);
  const table = await openLake(await tempDir(t), { clock: time }).createTable('t', { fields: [{ name: 'n', required: false, type: 'long' }] });
  assert.equal(table.resolve(), null);
  time.advance(1000);
  await table.append([{ n: 1 }]);
  const s1 = table.resolve();
  time.advance(1000);
  await table.append([{ n: 2 }]);
  const s2 = table.resolve();
  assert.ok(s1 && s2);
  assert.equal(s2.parentId, s1.snapshotId);

  assert.deepEqual(await ids(table, { snapshotId: s1.snapshotId }), [1]);
  assert.deepEqual(await ids(table, { asOf: s1.timestampMs + 500 }), [1]);
  assert.deepEqual(await ids(table, { asOf: s2.timestampMs }), [1, 2]);
  assert.throws(() => table.resolve({ asOf: s1.timestampMs - 1 }), (e: unknown) => e instanceof EngineError && e.code === 'ENG_LAKE_REF');
  assert.throws(() => table.resolve({ snapshotId: 42n }), /no snapshot 42/);

  await table.createTag('first', s1.snapshotId);
  assert.deepEqual(await ids(table, { tag: 'first' }), [1]);
  await assert.rejects(table.createTag('first'), /already exists/);
  assert.throws(() => table.resolve({ branch: 'first' }), /no branch "first"/);

  await table.createBranch('dev');
  await table.append([{ n: 3 }], { branch: 'dev' });
  assert.deepEqual(await ids(table, { branch: 'dev' }), [1, 2, 3]);
  assert.deepEqual(await ids(table), [1, 2], 'main does not see dev');
  await assert.rejects(table.append([{ n: 9 }], { branch: 'first' }), /is a tag/);

  await table.fastForward('main', 'dev');
  assert.deepEqual(await ids(table), [1, 2, 3]);
  assert.equal(table.resolve()?.snapshotId, table.resolve({ branch: 'dev' })?.snapshotId);

  // main moves on; dev can no longer be fast-forwarded onto... main can't be fast-forwarded to a diverged dev
  await table.append([{ n: 4 }]);
  await table.append([{ n: 5 }], { branch: 'dev' });
  await assert.rejects(table.fastForward('main', 'dev'), /cannot fast-forward/);

  await table.rollback(s1.snapshotId);
  assert.deepEqual(await ids(table), [1]);
  assert.deepEqual(await ids(table, { tag: 'first' }), [1]);
  await assert.rejects(table.rollback(table.resolve({ branch: 'dev' })?.snapshotId ?? 0n), /not an ancestor/);
  // as-of follows main's history, including the rollback
  assert.deepEqual(await ids(table, { asOf: time.now() }), [1]);

  await table.deleteTag('first');
  assert.throws(() => table.resolve({ tag: 'first' }), /no tag "first"/);
  await assert.rejects(table.deleteTag('dev'), /no tag "dev"/);
  assert.deepEqual(table.refs().map((r) => [r.name, r.type]).sort(), [['dev', 'branch'], ['main', 'branch']]);
});

test('snapshot summaries list every standard key with exact totals', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'n', required: false, type: 'long' }] });
  await table.append([{ n: 1 }, { n: 2 }], { summary: { 'streamlake.checkpoint-id': '9' } });
  await table.append([{ n: 3 }]);
  const s = table.resolve()?.summary ?? {};
  for (const key of ['total-data-files', 'total-records', 'total-files-size', 'total-delete-files', 'total-position-deletes', 'total-equality-deletes', 'added-data-files', 'added-records', 'added-files-size', 'changed-partition-count']) {
    assert.ok(key in s, key);
  }
  assert.equal(s['total-records'], '3');
  assert.equal(s['total-data-files'], '2');
  const files = await table.dataFiles(table.resolve()?.snapshotId ?? 0n);
  assert.equal(s['total-files-size'], String(files.reduce((n, f) => n + f.fileSizeBytes, 0)));
  assert.equal(table.snapshots()[0]?.summary['streamlake.checkpoint-id'], '9');
});
