// The other direction of compatibility: Apache Iceberg Java 1.10 writes the tables too. One JVM
// (engine/lake/java/IcebergShell.java) appends with its own 63-bit snapshot ids, evolves schema and
// partition spec, writes merge-on-read position and equality deletes, tags, branches and expires; the
// engine then reads every snapshot and ref, appends, compacts and expires, and Java reads it all back equal
// to what the engine reports. Expected rows are computed here from what was written, independently of
// both readers. Java also reads version-hint.text through Hadoop's checksummed filesystem after the
// engine rewrote it (the stale .crc sidecar used to fail that read).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { openLake } from './lake.ts';
import { createLakeQuery } from './query/index.ts';
import { readRows } from './table/scan.ts';
import type { LakeTable, SnapshotRef } from './table/table.ts';
import type { Row } from '../runtime/types.ts';
import { compare, javaShell, prepareReader, type JavaShell } from './testing/iceberg-java.ts';
import { tempDir } from './testing/tmp.ts';

const log = (line: string): void => {
  process.stderr.write(`[iceberg-java] ${line}\n`);
};

// one JVM for the whole file: its start costs more than everything it does here
let shell: JavaShell | null = null;
const sharedShell = (): JavaShell => (shell ??= javaShell());
after(() => shell?.close());

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/** Java's answer (a JSON number, small ones parse as numbers) as an exact id. */
const idOf = (value: unknown): bigint => BigInt(value as number | bigint);

/** Every snapshot and ref of the table, read by Java and compared with the engine, one JVM request. */
async function compareAll(java: JavaShell, table: LakeTable, key: string): Promise<void> {
  await table.refresh();
  const reads: (SnapshotRef | undefined)[] = [undefined, ...table.snapshots().map((s) => ({ snapshotId: s.snapshotId })), ...table.refs().map((r) => (r.type === 'tag' ? { tag: r.name } : { branch: r.name }))];
  const requests = reads.map((ref) => {
    if (ref === undefined) return table.dir;
    if ('snapshotId' in ref) return `${table.dir}#snapshot=${ref.snapshotId}`;
    if ('tag' in ref) return `${table.dir}#ref=${ref.tag}`;
    if ('branch' in ref) return `${table.dir}#ref=${ref.branch}`;
    throw new Error('as-of reads are compared through the engine only');
  });
  const described = await java.read(requests);
  for (const [i, ref] of reads.entries()) {
    const result = described[i];
    assert.ok(result);
    await compare(result, table, ref, key);
  }
}

async function queryRows(dir: string, sql: string): Promise<Row[]> {
  const query = createLakeQuery(dir);
  try {
    const handle = await query.query(sql);
    const out: Row[] = [];
    for (;;) {
      const page = await handle.nextPage();
      out.push(...page.rows);
      if (page.done) return out;
    }
  } finally {
    query.close();
  }
}

const ids = (rows: readonly Row[]): number[] => rows.map((r) => Number(r.id)).sort((a, b) => a - b);

test('Iceberg Java co-writes an engine table: appends, evolution, partitioned appends, deletes, refs, expiry', { timeout: 20 * 60_000 }, async (t) => {
  await prepareReader(log);
  const java = sharedShell();
  const lake = openLake(await tempDir(t, 'lake-cowrite-'));
  const table = await lake.createTable('shared', {
    fields: [{ name: 'id', required: true, type: 'long' }, { name: 'name', required: false, type: 'string' }, { name: 'region', required: false, type: 'string' }],
  });
  const dir = table.dir;
  const written = new Map<number, string>(); // id → region, from what was appended
  const engineRows = [1, 2, 3, 4, 5, 6].map((id) => ({ id, name: `e${id}`, region: id % 2 ? 'eu' : 'us' }));
  await table.append(engineRows);
  for (const r of engineRows) written.set(r.id, r.region);

  // Java: a plain append with its own snapshot id (the issue: this made the table unreadable)
  const javaId = idOf(await java.send(['append', dir, JSON.stringify([{ id: 7, name: 'j7', region: 'eu' }, { id: 8, name: 'j8', region: 'us' }])]));
  written.set(7, 'eu').set(8, 'us');
  await table.refresh();
  assert.equal(table.resolve()?.snapshotId, javaId, 'the engine sees the exact 64-bit id Java drew');
  // Java evolves the schema and the spec, then appends into partitions
  await java.send(['renameColumn', dir, 'name', 'label']);
  await java.send(['addColumn', dir, 'score', 'double']);
  await java.send(['addPartitionField', dir, 'identity', 'region']);
  const later = [9, 10, 11, 12].map((id) => ({ id, label: `j${id}`, region: ['eu', 'us', 'apac'][id % 3] ?? 'eu', score: id / 4 }));
  await java.send(['append', dir, JSON.stringify(later)]);
  for (const r of later) written.set(r.id, r.region);
  await java.send(['tag', dir, 'java-tag']);
  await java.send(['branch', dir, 'java-branch']);
  // merge-on-read deletes: positions of ids 2 (engine's file) and 10 (Java's partitioned file), and id 4 by equality
  assert.equal(await java.send(['positionDelete', dir, 'id', 2, 10]), 2);
  await java.send(['equalityDelete', dir, 'id', 4]);
  for (const id of [2, 10, 4]) written.delete(id);
  await java.send(['expire', dir, 4]);

  await table.refresh();
  const expected = [...written.keys()].sort((a, b) => a - b);
  assert.deepEqual(ids(await readRows(table)), expected, 'the engine applies Java\'s position and equality deletes');
  assert.deepEqual(ids(await queryRows(lake.dir, 'SELECT id FROM shared')), expected, 'so do SQL views');
  const eu = [...written].filter(([, region]) => region === 'eu').map(([id]) => id).sort((a, b) => a - b);
  assert.deepEqual(ids(await queryRows(lake.dir, "SELECT id FROM shared WHERE region = 'eu'")), eu, 'pruning stays right across both specs');
  assert.equal(table.partitionSpecs().length, 2);
  await compareAll(java, table, 'id');

  // the engine writes on top: append, compact (applies the deletes), expire
  await table.append([{ id: 13, label: 'e13', region: 'eu', score: 3.25 }]);
  written.set(13, 'eu');
  assert.equal(await java.send(['hint', dir]), String(table.version()), 'Java reads the hint the engine rewrote (no stale .crc)');
  const hintSidecar = path.join(dir, 'metadata', '.version-hint.text.crc');
  assert.ok(!(await exists(hintSidecar)), 'the sidecar Java left is gone with the hint it described');
  // a copy-on-write rewrite or a diff that ignored the deletes would bring deleted rows back: refused
  const refusesDeletes = (e: unknown): boolean => (e as { code?: string }).code === 'ENG_LAKE_DELETE_FILES' && /delete file .*\.parquet \(merge-on-read deletes from another engine\)/.test((e as Error).message);
  await assert.rejects(table.append([{ id: 1, label: 'upserted', region: 'eu' }], { upsertKey: ['id'] }), refusesDeletes);
  await assert.rejects(table.diff(table.snapshots()[0]!.snapshotId, table.resolve()!.snapshotId), refusesDeletes);
  const compacted = await table.compact({ targetFileSizeBytes: 64 * 1024 * 1024 });
  assert.ok(compacted.snapshotId !== null && compacted.filesRewritten > 0);
  const after = [...written.keys()].sort((a, b) => a - b);
  assert.deepEqual(ids(await readRows(table)), after, 'compaction applied the deletes: same live rows');
  // the rewritten files are newer than every delete file, so upserts work again
  await table.append([{ id: 1, label: 'upserted', region: 'eu', score: 0.5 }], { upsertKey: ['id'] });
  assert.deepEqual((await readRows(table)).filter((r) => r.id === 1).map((r) => r.label), ['upserted']);
  await table.expireSnapshots({ olderThanMs: 0, retainLast: 2 });
  assert.deepEqual(ids(await readRows(table)), after);
  assert.deepEqual(ids(await readRows(table, { tag: 'java-tag' })), Array.from({ length: 12 }, (_, i) => i + 1), 'the tag Java made before its deletes still reads all 12 rows');
  await compareAll(java, table, 'id');
});

test('a table created entirely by Iceberg Java (partitioned, evolved, with deletes) is opened, queried and appended to', { timeout: 20 * 60_000 }, async (t) => {
  await prepareReader(log);
  const java = sharedShell();
  const root = await tempDir(t, 'lake-javatable-');
  const dir = path.join(root, 'orders');
  const schema = { type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamptz' },
    { id: 3, name: 'region', required: false, type: 'string' },
    { id: 4, name: 'amount', required: false, type: 'double' },
  ] };
  const spec = { 'spec-id': 0, fields: [{ name: 'ts_day', transform: 'day', 'source-id': 2, 'field-id': 1000 }, { name: 'region', transform: 'identity', 'source-id': 3, 'field-id': 1001 }] };
  await java.send(['create', dir, JSON.stringify(schema), JSON.stringify(spec)]);
  const first = Array.from({ length: 8 }, (_, i) => ({ id: i + 1, ts: `2026-03-0${1 + (i % 3)}T1${i}:00:00Z`, region: i % 2 ? 'eu' : 'us', amount: (i + 1) * 1.5 }));
  await java.send(['append', dir, JSON.stringify(first)]);
  await java.send(['addColumn', dir, 'note', 'string']);
  await java.send(['renameColumn', dir, 'amount', 'total']);
  await java.send(['addPartitionField', dir, 'bucket[4]', 'id']);
  const second = [9, 10, 11].map((id) => ({ id, ts: '2026-03-04T08:00:00Z', region: 'eu', total: id * 1.5, note: `n${id}` }));
  await java.send(['append', dir, JSON.stringify(second)]);
  await java.send(['positionDelete', dir, 'id', 3, 10]);
  // an equality delete is scoped to its partition: id 9 is deleted in (2026-03-04, eu, bucket) only, and a
  // row with the same id in another partition stays
  const twin = { id: 9, ts: '2026-03-05T08:00:00Z', region: 'us', total: 99, note: 'same id, other partition' };
  await java.send(['append', dir, JSON.stringify([twin])]);
  await java.send(['equalityDeleteIn', dir, 'id', JSON.stringify([second[0]])]);

  const table = await openLake(root).table('orders');
  const live = [
    ...first.map((r) => ({ id: r.id, region: r.region, total: r.amount })),
    ...second.map((r) => ({ id: r.id, region: r.region, total: r.total })).filter((r) => r.id !== 9),
    { id: twin.id, region: twin.region, total: twin.total },
  ].filter((r) => r.id !== 3 && r.id !== 10);
  assert.deepEqual(ids(await readRows(table)), live.map((r) => r.id).sort((a, b) => a - b));
  assert.deepEqual(table.schema().fields.map((f) => f.name), ['id', 'ts', 'region', 'total', 'note']);
  const sums = await queryRows(root, "SELECT region, sum(total) AS total, count(*) AS n FROM orders WHERE ts >= TIMESTAMPTZ '2026-03-02 00:00:00+00' GROUP BY region ORDER BY region");
  const tsOf = new Map<string, string>([...first, ...second, twin].map((w) => [`${w.id}|${w.region}`, w.ts]));
  const since = live.filter((r) => (tsOf.get(`${r.id}|${r.region}`) ?? '') >= '2026-03-02');
  const expect = ['eu', 'us'].map((region) => ({ region, total: since.filter((r) => r.region === region).reduce((n, r) => n + r.total, 0), n: since.filter((r) => r.region === region).length })).filter((g) => g.n > 0);
  assert.deepEqual(sums.map((r) => ({ region: r.region, total: Number(r.total), n: Number(r.n) })), expect);
  await compareAll(java, table, 'id');

  // the engine appends into Java's current spec (day, region, bucket) with Java's evolved columns
  const result = await table.append([{ id: 12, ts: new Date('2026-03-05T09:00:00Z'), region: 'us', total: 18, note: 'from the engine' }]);
  assert.equal(result.rejected.length, 0);
  const [file] = (await table.dataFiles(table.resolve()!.snapshotId)).filter((f) => f.snapshotId === result.snapshot?.['snapshot-id']);
  assert.equal(file?.specId, 1, 'written with the newest spec');
  assert.equal(await java.send(['hint', dir]), String(table.version()));
  await compareAll(java, table, 'id');
});
