import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManualTime } from '../../runtime/clock.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out.sort();
}

test('compaction combines small files per partition into a replace snapshot with the same rows', async (t) => {
  const time = new ManualTime(1_767_225_600_000);
  const table = await openLake(await tempDir(t), { clock: time }).createTable('t', {
    fields: [{ name: 'id', required: false, type: 'long' }, { name: 'g', required: false, type: 'string' }],
    partitionBy: ['g'],
  });
  for (let i = 0; i < 6; i++) await table.append([{ id: i, g: i % 2 ? 'odd' : 'even' }, { id: 100 + i, g: 'even' }]);
  const before = await readRows(table, undefined, { orderBy: 'id' });
  assert.equal((await table.dataFiles(table.resolve()?.snapshotId ?? 0n)).length, 9);
  const progress: [number, number, string][] = [];
  const result = await table.compact({ targetFileSizeBytes: 10 * 1024 * 1024 }, (done, total, message) => progress.push([done, total, message]));
  assert.equal(result.filesRewritten, 9);
  assert.equal(result.filesWritten, 2, 'one per partition');
  const head = table.resolve();
  assert.equal(head?.operation, 'replace');
  assert.equal(head?.summary['total-records'], '12');
  assert.equal(head?.summary['added-records'], head?.summary['deleted-records']);
  const after = await table.dataFiles(head?.snapshotId ?? 0n);
  assert.deepEqual(after.map((f) => f.partition.g).sort(), ['even', 'odd']);
  assert.deepEqual(await readRows(table, undefined, { orderBy: 'id' }), before);
  assert.deepEqual(progress.at(-1)?.slice(0, 2), [2, 2]);
  assert.equal(progress[0]?.[0], 0);
  // nothing left to combine
  assert.equal((await table.compact({ targetFileSizeBytes: 10 * 1024 * 1024 })).snapshotId, null);
});

test('compaction racing an append: the append survives and compaction re-plans', async (t) => {
  const dir = await tempDir(t);
  const lake = openLake(dir);
  const table = await lake.createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  for (let i = 0; i < 3; i++) await table.append([{ id: i }]);
  const other = await lake.table('t');
  let raced = false;
  table.hooks = { at: async (step) => { if (step === 'before-link' && !raced) { raced = true; await other.append([{ id: 99 }]); } } };
  await table.compact({});
  assert.ok(raced);
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'id' })).map((r) => r.id), [0, 1, 2, 99]);
  assert.equal(table.resolve()?.operation, 'replace');
});

test('expiry keeps tagged and recent snapshots and deletes files only expired snapshots used', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(1_767_225_600_000);
  const table = await openLake(dir, { clock: time }).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  for (let i = 0; i < 4; i++) {
    await table.append([{ id: i }]);
    time.advance(60_000);
  }
  const [s1, s2] = table.snapshots();
  assert.ok(s1 && s2);
  await table.createTag('keep', s1.snapshotId);
  await table.compact({}); // s5 replaces the four small files
  time.advance(60_000);
  const progress: number[] = [];
  const result = await table.expireSnapshots({ olderThanMs: 30_000, retainLast: 1 }, (done) => progress.push(done));
  assert.equal(result.expired, 3, 's2, s3 and s4 expire; s1 is tagged and s5 is main');
  assert.deepEqual(table.snapshots().map((s) => s.snapshotId), [s1.snapshotId, table.resolve()?.snapshotId]);
  assert.throws(() => table.resolve({ snapshotId: s2.snapshotId }), /no snapshot/);
  assert.deepEqual((await readRows(table, { tag: 'keep' })).map((r) => r.id), [0]);
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'id' })).map((r) => r.id), [0, 1, 2, 3]);
  // the small files of s2..s4 are gone; s1's file (tag) and the compacted file remain
  const data = (await files(path.join(dir, 't', 'data'))).filter((f) => f.endsWith('.parquet'));
  assert.equal(data.length, 2);
  assert.equal(result.filesDeleted, 3 + 3 + 3, 'three data files, three manifests and three manifest lists');
  assert.ok(progress.length > 0);
  // a younger cutoff expires nothing
  assert.equal((await table.expireSnapshots({ olderThanMs: 3_600_000 })).expired, 0);
});

test('orphan removal deletes unreferenced files older than the safety age only', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(Date.parse('2030-01-01T00:00:00Z'));
  const table = await openLake(dir, { clock: time }).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  await table.append([{ id: 1 }]);
  table.hooks = { at: (step) => { if (step === 'before-link') throw new Error('crash'); } };
  await assert.rejects(table.append([{ id: 2 }]), /crash/);
  table.hooks = undefined;
  const fresh = path.join(dir, 't', 'data', 'in-flight.parquet');
  await writeFile(fresh, 'x');
  const old = new Date('2029-01-01T00:00:00Z');
  for (const f of await files(path.join(dir, 't'))) if (f !== fresh) await utimes(f, old, old);
  const young = new Date(time.now() - 3_600_000); // one hour before "now" on the injected clock
  await utimes(fresh, young, young);
  const before = await files(path.join(dir, 't'));
  const { removed } = await table.removeOrphans({ olderThanMs: 86_400_000 });
  // the crashed commit left a data file, a manifest and a manifest list
  assert.equal(removed.length, 3);
  assert.ok(removed.every((f) => !f.endsWith('.metadata.json')));
  const after = await files(path.join(dir, 't'));
  assert.ok(after.includes(fresh), 'young files are kept');
  assert.equal(before.length - after.length, 3);
  assert.deepEqual((await readRows(table)).map((r) => r.id), [1]);
});
