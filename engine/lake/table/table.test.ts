import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../errors.ts';
import { ManualTime } from '../../runtime/clock.ts';
import { withConnection, sqlString } from '../duckdb.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';
import { currentVersion } from './store.ts';

const day = (iso: string): Date => new Date(iso);

test('append writes Parquet with field ids and exact manifest metrics, and reads back', async (t) => {
  const lake = openLake(await tempDir(t), { clock: new ManualTime(1_767_225_600_000) });
  const table = await lake.createTable('orders', {
    fields: [
      { name: 'id', required: false, type: 'long' },
      { name: 'amount', required: false, type: 'decimal(10, 2)' },
      { name: 'ts', required: false, type: 'timestamptz' },
    ],
  });
  const rows = [
    { id: 1, amount: '12.50', ts: day('2026-01-01T00:00:00.123Z'), region: 'eu', score: 1.5, tags: ['a', 'b'], address: { city: 'Oslo', zip: 150 } },
    { id: 5, amount: 3, ts: day('2026-01-02T00:00:00Z'), region: null, score: Number.NaN, tags: [], address: null },
    { id: 3, amount: null, ts: null, region: 'us', score: -2, tags: null, address: { city: 'Lima', zip: null } },
  ];
  const result = await table.append(rows);
  assert.deepEqual(result.rejected, []);
  assert.equal(result.rows, 3);
  const snapshot = table.resolve();
  assert.ok(snapshot);
  assert.equal(snapshot.operation, 'append');
  assert.equal(snapshot.summary['added-records'], '3');
  assert.equal(snapshot.summary['total-records'], '3');
  const names = table.schema().fields.map((f) => f.name);
  assert.deepEqual(names, ['id', 'amount', 'ts', 'region', 'score', 'tags', 'address']);

  const [file, ...more] = await table.dataFiles(snapshot.snapshotId);
  assert.ok(file);
  assert.equal(more.length, 0);
  assert.equal(file.recordCount, 3);
  assert.equal(file.fileSizeBytes, (await stat(file.path)).size);
  assert.equal(snapshot.summary['total-files-size'], String(file.fileSizeBytes));
  const id = (name: string): number => table.schema().fields.find((f) => f.name === name)?.id ?? -1;
  assert.equal(file.lowerBounds[id('id')], 1);
  assert.equal(file.upperBounds[id('id')], 5);
  assert.equal(file.lowerBounds[id('amount')], 300n);
  assert.equal(file.upperBounds[id('amount')], 1250n);
  assert.equal(file.nullCounts[id('amount')], 1);
  assert.equal(file.lowerBounds[id('ts')], Date.parse('2026-01-01T00:00:00.123Z') * 1000);
  assert.equal(file.lowerBounds[id('score')], -2);
  assert.equal(file.upperBounds[id('score')], 1.5);
  assert.equal(file.nanCounts[id('score')], 1);
  assert.equal(file.valueCounts[id('region')], 3);
  assert.equal(file.nullCounts[id('region')], 1);
  const address = table.schema().fields.find((f) => f.name === 'address');
  assert.ok(address && typeof address.type === 'object' && address.type.type === 'struct');
  const city = address.type.fields.find((f) => f.name === 'city')?.id ?? -1;
  assert.equal(file.lowerBounds[city], 'Lima');
  assert.equal(file.nullCounts[city], 1);

  // the Parquet footer carries the Iceberg ids
  const footer = await withConnection(async (c) => (await c.runAndReadAll(`SELECT name, field_id FROM parquet_schema(${sqlString(file.path)}) WHERE field_id IS NOT NULL`)).getRowObjectsJS());
  const ids = new Map(footer.map((r) => [r.name, Number(r.field_id)]));
  assert.equal(ids.get('id'), id('id'));
  assert.equal(ids.get('city'), city);

  const back = await readRows(table, undefined, { orderBy: 'id' });
  assert.deepEqual(back.map((r) => r.id), [1, 3, 5]);
  assert.deepEqual(back[0]?.ts, day('2026-01-01T00:00:00.123Z'));
  assert.deepEqual(back[0]?.tags, ['a', 'b']);
  assert.deepEqual(back[0]?.address, { city: 'Oslo', zip: 150 });
});

test('values that do not fit the column come back as rejected rows with the reason', async (t) => {
  const lake = openLake(await tempDir(t));
  const table = await lake.createTable('t', { fields: [{ name: 'n', required: false, type: 'long' }, { name: 'd', required: false, type: 'decimal(5, 2)' }] });
  const result = await table.append([{ n: 1 }, { n: 'seven' }, { n: 2.5 }, { n: 3, d: '1.234' }, { n: 4, d: 12345.6 }, { n: 5, d: '99.99' }]);
  assert.equal(result.rows, 2);
  assert.deepEqual(result.rejected.map((r) => r.row.n), ['seven', 2.5, 3, 4]);
  assert.match(result.rejected[0]?.reason ?? '', /column "n": text "seven" does not fit type long/);
  assert.match(result.rejected[2]?.reason ?? '', /column "d".*decimal\(5, 2\)/);
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'n' })).map((r) => r.n), [1, 5]);
});

test('two concurrent writers: the loser re-applies its change on the new base', async (t) => {
  const dir = await tempDir(t);
  const lake = openLake(dir);
  await lake.createTable('t', { fields: [{ name: 'w', required: false, type: 'string' }, { name: 'n', required: false, type: 'long' }] });
  const a = await lake.table('t');
  const b = await lake.table('t');
  let raced = false;
  // A is stopped right before publishing; B commits meanwhile, so A's link of the same version fails
  a.hooks = {
    at: async (step) => {
      if (step === 'before-link' && !raced) {
        raced = true;
        await b.append([{ w: 'b', n: 2, extra: true }]);
      }
    },
  };
  await a.append([{ w: 'a', n: 1 }]);
  assert.ok(raced);
  await b.refresh();
  const snaps = b.snapshots();
  assert.equal(snaps.length, 2);
  assert.equal(snaps[0]?.summary['added-records'], '1');
  assert.equal(snaps[1]?.parentId, snaps[0]?.snapshotId);
  assert.equal(snaps[1]?.summary['total-records'], '2');
  assert.equal(await currentVersion(path.join(dir, 't')), 3);
  const rows = await readRows(b, undefined, { orderBy: 'n' });
  assert.deepEqual(rows.map((r) => [r.w, r.n, r.extra]), [['a', 1, null], ['b', 2, true]]);

  // truly parallel writers also all land
  const writers = await Promise.all([lake.table('t'), lake.table('t'), lake.table('t')]);
  await Promise.all(writers.map((w, i) => w.append([{ w: `p${i}`, n: 10 + i }])));
  const after = await lake.table('t');
  assert.equal(after.snapshots().length, 5);
  assert.equal(after.resolve()?.summary['total-records'], '5');
});

test('a crash before publishing leaves the previous snapshot and only orphan files', async (t) => {
  const dir = await tempDir(t);
  const lake = openLake(dir);
  const table = await lake.createTable('t', { fields: [{ name: 'n', required: false, type: 'long' }] });
  await table.append([{ n: 1 }]);
  const before = table.resolve();
  table.hooks = { at: (step) => { if (step === 'before-link') throw new Error('simulated crash'); } };
  await assert.rejects(table.append([{ n: 2 }]), /simulated crash/);
  const reopened = await lake.table('t');
  assert.equal(reopened.resolve()?.snapshotId, before?.snapshotId);
  assert.deepEqual((await readRows(reopened)).map((r) => r.n), [1]);
  // a partial temp metadata file from a crash mid-write is ignored by readers
  await writeFile(path.join(dir, 't', 'metadata', '0a1b-partial.metadata.json'), '{"format-version": 2, "tab');
  assert.equal((await lake.table('t')).version(), 2);
  const data = await readdir(path.join(dir, 't', 'data'));
  assert.equal(data.length, 2); // the committed file and the orphan
});

test('a crash after publishing but before the version hint: the commit is visible', async (t) => {
  const dir = await tempDir(t);
  const lake = openLake(dir);
  const table = await lake.createTable('t', { fields: [{ name: 'n', required: false, type: 'long' }] });
  table.hooks = { at: (step) => { if (step === 'after-link') throw new Error('simulated crash'); } };
  await assert.rejects(table.append([{ n: 1 }]), /simulated crash/);
  assert.equal((await readFile(path.join(dir, 't', 'metadata', 'version-hint.text'), 'utf8')), '1');
  const reopened = await lake.table('t');
  assert.equal(reopened.version(), 2);
  assert.deepEqual((await readRows(reopened)).map((r) => r.n), [1]);
});

test('broken tables are listed with an error naming the file; the others keep working', async (t) => {
  const dir = await tempDir(t);
  const lake = openLake(dir);
  const good = await lake.createTable('good', { fields: [{ name: 'n', required: false, type: 'long' }] });
  await good.append([{ n: 1 }]);
  const bad = await lake.createTable('bad', { fields: [{ name: 'n', required: false, type: 'long' }] });
  await bad.append([{ n: 1 }]);
  const text = await readFile(path.join(dir, 'bad', 'metadata', 'v2.metadata.json'), 'utf8');
  await writeFile(path.join(dir, 'bad', 'metadata', 'v3.metadata.json'), text.slice(0, 100));
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.join(dir, 'notatable'));
  const listed = await lake.tables();
  assert.deepEqual(listed.map((x) => [x.name, x.error?.code]), [['bad', 'ENG_LAKE_METADATA'], ['good', undefined], ['notatable', 'ENG_LAKE_NOT_TABLE']]);
  assert.match(listed[0]?.error?.message ?? '', /bad\/metadata\/v3\.metadata\.json/);
  await assert.rejects(lake.table('notatable'), (e: unknown) => e instanceof EngineError && e.code === 'ENG_LAKE_NOT_TABLE' && /notatable/.test(e.message));
  assert.deepEqual((await readRows(await lake.table('good'))).map((r) => r.n), [1]);
});

test('a missing data file is an error naming it', async (t) => {
  const dir = await tempDir(t);
  const table = await openLake(dir).createTable('t', { fields: [{ name: 'n', required: false, type: 'long' }] });
  await table.append([{ n: 1 }]);
  const [file] = await table.dataFiles(table.resolve()?.snapshotId ?? 0n);
  assert.ok(file);
  const { unlink } = await import('node:fs/promises');
  await unlink(file.path);
  await assert.rejects(table.dataFiles(table.resolve()?.snapshotId ?? 0n), (e: unknown) => e instanceof EngineError && e.code === 'ENG_LAKE_MISSING_FILE' && e.message.includes(file.path));
});

test('metadata is never rewritten in place: each commit adds a version file', async (t) => {
  const dir = await tempDir(t);
  const table = await openLake(dir).createTable('t', { fields: [{ name: 'n', required: false, type: 'long' }] });
  const v1 = await readFile(path.join(dir, 't', 'metadata', 'v1.metadata.json'), 'utf8');
  await table.append([{ n: 1 }]);
  await table.append([{ n: 2 }]);
  assert.equal(await readFile(path.join(dir, 't', 'metadata', 'v1.metadata.json'), 'utf8'), v1);
  const names = (await readdir(path.join(dir, 't', 'metadata'))).filter((n) => /^v\d+\.metadata\.json$/.test(n)).sort();
  assert.deepEqual(names, ['v1.metadata.json', 'v2.metadata.json', 'v3.metadata.json']);
  assert.equal(table.metadata()['metadata-log'].length, 2);
});

test('appendBatches publishes many snapshots in one metadata version', async (t) => {
  const time = new ManualTime(1_767_225_600_000);
  const lake = openLake(await tempDir(t), { clock: time });
  const table = await lake.createTable('t', { fields: [{ name: 'n', required: false, type: 'long' }] });
  const batches = Array.from({ length: 300 }, (_, i) => (i % 100 === 0 ? [{ n: i }] : []));
  const results = await table.appendBatches(batches, { allowEmpty: true });
  assert.equal(table.version(), 2);
  assert.equal(results.length, 300);
  const snaps = table.snapshots();
  assert.equal(snaps.length, 300);
  for (let i = 1; i < snaps.length; i++) {
    assert.equal(snaps[i]?.parentId, snaps[i - 1]?.snapshotId);
    assert.equal(snaps[i]?.sequenceNumber, i + 1);
  }
  assert.equal(table.resolve()?.summary['total-records'], '3');
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'n' })).map((r) => r.n), [0, 100, 200]);
  assert.deepEqual((await readRows(table, { snapshotId: snaps[150]?.snapshotId ?? 0n }, { orderBy: 'n' })).map((r) => r.n), [0, 100]);
  // the reopened table sees the same history
  assert.equal((await lake.table('t')).snapshots().length, 300);
});

test('manifest lists carry partition summaries; manifests carry partition tuples', async (t) => {
  const dir = await tempDir(t);
  const table = await openLake(dir).createTable('t', {
    fields: [{ name: 'id', required: false, type: 'long' }, { name: 'ts', required: false, type: 'timestamptz' }],
    partitionBy: ['day(ts)', 'bucket(4, id)'],
  });
  await table.append([{ id: 1, ts: day('2026-01-01T05:00:00Z') }, { id: 2, ts: day('2026-01-03T05:00:00Z') }, { id: 3, ts: null }]);
  const { readManifestList } = await import('./manifests.ts');
  const { localPath } = await import('./manifests.ts');
  const { decodeValue } = await import('../format/values.ts');
  const snapshot = table.metadata().snapshots[0];
  assert.ok(snapshot);
  const [m] = await readManifestList(localPath({ tableDir: path.join(dir, 't'), metadata: table.metadata() }, snapshot['manifest-list']));
  assert.ok(m?.partitions);
  const [dayField, bucketField] = m.partitions;
  assert.equal(dayField?.contains_null, true);
  assert.equal(decodeValue('date', dayField?.lower_bound ?? Buffer.alloc(4)), 20454);
  assert.equal(decodeValue('date', dayField?.upper_bound ?? Buffer.alloc(4)), 20456);
  assert.equal(bucketField?.contains_null, false);
  const files = await table.dataFiles(snapshot['snapshot-id']);
  assert.deepEqual(files.map((f) => f.partition.ts_day).sort(), [20454, 20456, null].sort());
  const { bucketHash } = await import('./partition.ts');
  for (const f of files) {
    const id = f.lowerBounds[1] as number;
    assert.equal(f.partition.id_bucket, (bucketHash('long', id) & 0x7fffffff) % 4);
  }
});
