// Compatibility is tested, not assumed: tables the engine writes are read by Apache Iceberg Java 1.10.0
// (engine/lake/java/ReadIceberg.java) and what Java sees must equal what the engine reports: rows,
// snapshots with summaries, refs, schemas after evolution, partition values, file metrics and sort orders.
// The first run downloads the jars with Maven into ~/.cache/streamlake/iceberg-java (several minutes); later runs
// reuse them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualTime } from '../runtime/clock.ts';
import { openLake, type Lake } from './lake.ts';
import type { DataFileInfo, LakeTable, SnapshotRef } from './table/table.ts';
import { compare, javaRead, prepareReader, type JavaTable } from './testing/iceberg-java.ts';
import { tempDir } from './testing/tmp.ts';

async function buildTables(lake: Lake, time: ManualTime): Promise<Record<string, { table: LakeTable; key: string; reads: (SnapshotRef | undefined)[] }>> {
  const at = (iso: string): Date => new Date(iso);
  const tick = (): void => time.advance(1000);

  // 1. every type, two appends
  const plain = await lake.createTable('plain', {
    fields: [
      { name: 'id', required: true, type: 'long' },
      { name: 'amount', required: false, type: 'decimal(10, 2)' },
      { name: 'day', required: false, type: 'date' },
      { name: 'counts', required: false, type: { type: 'map', 'key-id': 0, key: 'string', 'value-id': 0, value: 'long', 'value-required': false } },
      { name: 'small', required: false, type: 'int' },
    ],
  });
  await plain.append([
    { id: 1, amount: '12.50', day: '2026-01-01', counts: { a: 1, b: 2 }, small: 7, name: 'alpha', score: 1.25, ok: true, ts: at('2026-01-01T10:00:00.123Z'), tags: ['x', 'y'], address: { city: 'Oslo', zip: 150 } },
    { id: 2, amount: -3, day: null, counts: {}, small: null, name: 'beta', score: Number.NaN, ok: false, ts: at('1969-12-31T23:59:59.999Z'), tags: [], address: null },
  ]);
  tick();
  await plain.append([{ id: 3, name: 'gamma "quoted" ünïcode', score: -0.5, ok: null, ts: null, tags: null, address: { city: null, zip: 1 } }]);
  tick();

  // 2. schema evolution: added columns, int→long and float→double, rename, drop
  const evolved = await lake.createTable('evolved', { fields: [{ name: 'id', required: false, type: 'int' }, { name: 'ratio', required: false, type: 'float' }, { name: 'gone', required: false, type: 'string' }] });
  await evolved.append([{ id: 1, ratio: 0.5, gone: 'a' }, { id: 2, ratio: 0.25, gone: 'b' }]);
  tick();
  await evolved.append([{ id: 5_000_000_000, ratio: 0.1, note: 'wide', gone: 'c' }]);
  tick();
  await evolved.renameColumn('note', 'comment');
  tick();
  await evolved.dropColumn('gone');
  tick();
  await evolved.append([{ id: 4, ratio: 2, comment: 'after rename' }]);
  tick();

  // 3. partitioned by day + bucket + truncate + identity
  const parted = await lake.createTable('parted', {
    fields: [
      { name: 'id', required: false, type: 'long' },
      { name: 'ts', required: false, type: 'timestamptz' },
      { name: 'name', required: false, type: 'string' },
      { name: 'region', required: false, type: 'string' },
    ],
    partitionBy: ['day(ts)', 'bucket(8, id)', 'truncate(2, name)', 'region'],
  });
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push({ id: i, ts: at(`2026-01-0${1 + (i % 3)}T0${i % 10}:00:00Z`), name: `n${i % 7}x`, region: i % 5 === 0 ? null : ['eu', 'us'][i % 2] });
  await parted.append(rows);
  tick();

  // 3b. hour() and identity on a date
  const hourly = await lake.createTable('hourly', {
    fields: [{ name: 'id', required: false, type: 'long' }, { name: 'ts', required: false, type: 'timestamptz' }, { name: 'd', required: false, type: 'date' }],
    partitionBy: ['hour(ts)', 'd'],
  });
  await hourly.append([
    { id: 1, ts: at('2026-01-01T00:59:59.999Z'), d: '2026-01-01' },
    { id: 2, ts: at('2026-01-01T01:00:00Z'), d: '2026-01-01' },
    { id: 3, ts: at('1969-12-31T23:30:00Z'), d: '1969-12-31' },
  ]);
  tick();

  // 4. tags and branches
  const refs = await lake.createTable('refs', { fields: [{ name: 'id', required: false, type: 'long' }, { name: 'v', required: false, type: 'string' }] });
  await refs.append([{ id: 1, v: 'one' }]);
  tick();
  await refs.createTag('v1');
  await refs.createBranch('dev');
  await refs.append([{ id: 2, v: 'dev only' }], { branch: 'dev' });
  tick();
  await refs.append([{ id: 3, v: 'main' }]);
  tick();
  await refs.createBranch('ff');
  await refs.append([{ id: 4, v: 'ff' }], { branch: 'ff' });
  tick();
  await refs.fastForward('main', 'ff');
  await refs.createTag('v2');
  await refs.createTag('doomed');
  await refs.deleteTag('doomed');

  // 5. upsert overwrite (copy-on-write)
  const upsert = await lake.createTable('upsert', { fields: [{ name: 'k', required: false, type: 'string' }, { name: 'n', required: false, type: 'long' }] });
  await upsert.append([{ k: 'a', n: 1 }, { k: 'b', n: 1 }, { k: 'c', n: 1 }], { upsertKey: ['k'] });
  tick();
  await upsert.append([{ k: 'b', n: 2 }, { k: 'd', n: 2 }, { k: 'b', n: 3 }], { upsertKey: ['k'] });
  tick();

  // 6. compaction
  const compacted = await lake.createTable('compacted', { fields: [{ name: 'id', required: false, type: 'long' }] });
  for (let i = 0; i < 5; i++) {
    await compacted.append([{ id: i * 2 }, { id: i * 2 + 1 }]);
    tick();
  }
  await compacted.compact({ targetFileSizeBytes: 64 * 1024 * 1024 });
  tick();

  // 7. sort orders: created sorted, re-sorted (metadata only), then compacted into the new order
  const sorted = await lake.createTable('sorted', {
    fields: [{ name: 'id', required: false, type: 'long' }, { name: 'ts', required: false, type: 'timestamptz' }, { name: 'region', required: false, type: 'string' }],
    partitionBy: ['region'],
    sortBy: ['day(ts) desc', 'id desc nulls first'],
  });
  await sorted.append([{ id: 1, ts: at('2026-01-01T10:00:00Z'), region: 'eu' }, { id: 2, ts: at('2026-01-02T10:00:00Z'), region: 'eu' }, { id: null, ts: null, region: 'us' }]);
  tick();
  await sorted.replaceSortOrder(['truncate(2, region)', 'id']);
  await sorted.append([{ id: 3, ts: at('2026-01-03T10:00:00Z'), region: 'eu' }]);
  tick();
  const beforeResort = sorted.resolve()?.snapshotId ?? 0n;
  await sorted.compact({ targetFileSizeBytes: 1 });
  tick();

  return {
    sorted: { table: sorted, key: 'id', reads: [undefined, { snapshotId: beforeResort }] },
    plain: { table: plain, key: 'id', reads: [undefined] },
    evolved: { table: evolved, key: 'id', reads: [undefined, { snapshotId: evolved.snapshots()[0]?.snapshotId ?? 0n }] },
    parted: { table: parted, key: 'id', reads: [undefined] },
    hourly: { table: hourly, key: 'id', reads: [undefined] },
    refs: { table: refs, key: 'id', reads: [undefined, { tag: 'v1' }, { branch: 'dev' }] },
    upsert: { table: upsert, key: 'k', reads: [undefined, { snapshotId: upsert.snapshots()[0]?.snapshotId ?? 0n }] },
    compacted: { table: compacted, key: 'id', reads: [undefined] },
  };
}

function request(dir: string, ref: SnapshotRef | undefined): string {
  if (ref === undefined) return dir;
  if ('snapshotId' in ref) return `${dir}#snapshot=${ref.snapshotId}`;
  if ('tag' in ref) return `${dir}#ref=${ref.tag}`;
  if ('branch' in ref) return `${dir}#ref=${ref.branch}`;
  throw new Error('as-of reads are compared through the engine only');
}

test('Apache Iceberg Java 1.10 reads what the engine writes', { timeout: 30 * 60_000 }, async (t) => {
  const log = (line: string): void => {
    process.stderr.write(`[iceberg-java] ${line}\n`);
  };
  await prepareReader(log);
  const time = new ManualTime(1_767_225_600_000);
  const lake = openLake(await tempDir(t, 'lake-compat-'), { clock: time });
  const tables = await buildTables(lake, time);

  const requests: { name: string; ref: SnapshotRef | undefined }[] = [];
  for (const [name, spec] of Object.entries(tables)) for (const ref of spec.reads) requests.push({ name, ref });
  const java = await javaRead(requests.map((r) => request(lake.tablePath(r.name), r.ref)));
  for (const [i, r] of requests.entries()) {
    const spec = tables[r.name];
    const result = java[i];
    assert.ok(spec && result);
    await t.test(`${r.name} ${r.ref ? JSON.stringify(r.ref, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) : 'main'}`, () => compare(result, spec.table, r.ref, spec.key));
  }

  // spot checks of what the comparisons above rely on
  const byName = (name: string): JavaTable => java[requests.findIndex((r) => r.name === name && r.ref === undefined)] as JavaTable;
  assert.equal(byName('plain').rows.length, 3);
  const evolvedSchema = byName('evolved').schema.fields.map((f) => [f.name, f.type]);
  assert.deepEqual(evolvedSchema, [['id', 'long'], ['ratio', 'double'], ['comment', 'string']]);
  assert.deepEqual(byName('upsert').rows.map((r) => [r.k, r.n]).sort(), [['a', 1], ['b', 3], ['c', 1], ['d', 2]]);
  assert.equal(byName('upsert').snapshots.at(-1)?.operation, 'overwrite');
  assert.equal(byName('compacted').files.length, 1);
  assert.equal(byName('compacted').snapshots.at(-1)?.operation, 'replace');
  const parted = byName('parted');
  assert.deepEqual(parted.spec.fields.map((f) => [f.name, f.transform]), [['ts_day', 'day'], ['id_bucket', 'bucket[8]'], ['name_trunc', 'truncate[2]'], ['region', 'identity']]);
  const partedTable = tables.parted?.table;
  assert.ok(partedTable);
  const engineParted: DataFileInfo[] = await partedTable.dataFiles(partedTable.resolve()?.snapshotId ?? 0n);
  for (const jf of parted.files) {
    const ef: DataFileInfo | undefined = engineParted.find((f) => f.uri === jf.path);
    assert.ok(ef);
    const p: Record<string, unknown> = ef.partition;
    // Java's partition tuples hold the internal form too: day → days since epoch
    assert.deepEqual(jf.partition, [p.ts_day, p.id_bucket, p.name_trunc, p.region]);
  }
  const hourlyFiles = byName('hourly').files.map((f) => f.partition).sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(hourlyFiles, [[-1, -1], [490896, 20454], [490897, 20454]], 'hours and days since the epoch, negative before it');
  const sortedJava = byName('sorted');
  assert.deepEqual(sortedJava.sortOrder, {
    'order-id': 2,
    fields: [
      { transform: 'truncate[2]', 'source-id': 3, direction: 'asc', 'null-order': 'nulls-first' },
      { transform: 'identity', 'source-id': 1, direction: 'asc', 'null-order': 'nulls-first' },
    ],
  });
  assert.deepEqual(sortedJava.files.map((f) => f.sortOrderId), [2, 2, 2], 'compaction re-sorted every file (each one alone: target 1 byte) in order 2');
  assert.equal(byName('plain').sortOrder['order-id'], 0);
  assert.ok(byName('plain').files.every((f) => f.sortOrderId === null));
  assert.deepEqual(byName('refs').refs.v1, { type: 'tag', snapshotId: tables.refs?.table.resolve({ tag: 'v1' })?.snapshotId });
});
