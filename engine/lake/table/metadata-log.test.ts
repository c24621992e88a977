// Old metadata versions are deleted after commits (Iceberg's write.metadata.delete-after-commit.enabled
// and write.metadata.previous-versions-max), and never the current one or one metadata-log still lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../errors.ts';
import { DELETE_AFTER_COMMIT, PREVIOUS_VERSIONS_MAX } from '../format/metadata.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';
import { toLocalPath } from './store.ts';
import type { LakeTable } from './table.ts';

const fields = [{ name: 'n', required: false, type: 'long' as const }];

async function versions(table: LakeTable): Promise<number[]> {
  const names = await readdir(path.join(table.dir, 'metadata'));
  return names.map((n) => /^v(\d+)\.metadata\.json$/.exec(n)?.[1]).filter((v) => v !== undefined).map(Number).sort((a, b) => a - b);
}

function logged(table: LakeTable): number[] {
  const m = table.metadata();
  return m['metadata-log'].map((e) => Number(/v(\d+)\.metadata\.json$/.exec(toLocalPath(e['metadata-file'], m.location, table.dir))?.[1]));
}

test('tables the engine creates delete old metadata versions, keeping 100 by default', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields });
  assert.equal(table.metadata().properties[DELETE_AFTER_COMMIT], 'true');
  assert.equal(table.metadata().properties[PREVIOUS_VERSIONS_MAX], '100');
});

test('after each commit only the current version and the ones in metadata-log stay on disk', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields, properties: { [PREVIOUS_VERSIONS_MAX]: '3' } });
  for (let i = 0; i < 10; i++) await table.append([{ n: i }]);
  assert.equal(table.version(), 11);
  assert.deepEqual(logged(table), [8, 9, 10]);
  assert.deepEqual(await versions(table), [8, 9, 10, 11]);
  assert.equal(table.snapshots().length, 10, 'the snapshot history itself is untouched');
  assert.equal((await readRows(await openLake(path.dirname(table.dir)).table('t'))).length, 10);
});

test('versions a crashed commit left behind go at the next commit', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields, properties: { [PREVIOUS_VERSIONS_MAX]: '2' } });
  for (let i = 0; i < 3; i++) await table.append([{ n: i }]);
  assert.deepEqual(await versions(table), [2, 3, 4]);
  // A crash right after the new version was published: nothing was deleted for this commit or the next.
  table.hooks = { at: (step) => { if (step === 'after-hint') throw new Error('crash'); } };
  await assert.rejects(table.append([{ n: 3 }]), /crash/);
  await assert.rejects(table.append([{ n: 4 }]), /crash/);
  assert.deepEqual(await versions(table), [2, 3, 4, 5, 6]);
  table.hooks = undefined;
  await table.refresh();
  await table.append([{ n: 5 }]);
  assert.deepEqual(logged(table), [5, 6]);
  assert.deepEqual(await versions(table), [5, 6, 7]);
});

test('without delete-after-commit the log is still trimmed but every version file stays', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields, properties: { [DELETE_AFTER_COMMIT]: 'false', [PREVIOUS_VERSIONS_MAX]: '2' } });
  for (let i = 0; i < 4; i++) await table.append([{ n: i }]);
  assert.deepEqual(logged(table), [3, 4]);
  assert.deepEqual(await versions(table), [1, 2, 3, 4, 5]);
});

test('a previous-versions-max that is not an integer fails the commit with the property named', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields, properties: { [PREVIOUS_VERSIONS_MAX]: 'ten' } });
  await assert.rejects(table.append([{ n: 1 }]), (e: unknown) => e instanceof EngineError && e.code === 'ENG_LAKE_METADATA' && e.message.includes(PREVIOUS_VERSIONS_MAX));
});
