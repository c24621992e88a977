import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../errors.ts';
import { sqlString, withConnection } from '../duckdb.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';
import { parseSortText } from './sort.ts';
import type { LakeTable } from './table.ts';

/** The rows of one data file in the order they are stored. */
async function fileRows(file: string): Promise<Record<string, unknown>[]> {
  return withConnection(async (connection) => {
    const result = await connection.runAndReadAll(`SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(file)}, file_row_number = true) ORDER BY file_row_number`);
    return result.getRowObjectsJS();
  });
}

async function headFiles(table: LakeTable): Promise<Awaited<ReturnType<LakeTable['dataFiles']>>> {
  return table.dataFiles(table.resolve()?.snapshotId ?? 0n);
}

function failure(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EngineError);
    return error;
  }
  assert.fail('expected an error');
}

async function rejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof EngineError && error.code === 'ENG_LAKE_SORT_ORDER' && message.test(error.message));
}

const shuffled = [
  { id: 3, region: 'us', amount: 5 },
  { id: 1, region: null, amount: 2 },
  { id: 7, region: 'eu', amount: null },
  { id: 2, region: 'eu', amount: 9 },
  { id: 6, region: 'us', amount: 1 },
  { id: 4, region: null, amount: null },
  { id: 5, region: 'eu', amount: 9 },
];

function salesTable(t: TestContext, sortBy?: string[], partitionBy?: string[]): Promise<LakeTable> {
  return tempDir(t).then((dir) =>
    openLake(dir).createTable('sales', {
      fields: [{ name: 'id', required: false, type: 'long' }, { name: 'region', required: false, type: 'string' }, { name: 'amount', required: false, type: 'long' }],
      ...(sortBy ? { sortBy } : {}),
      ...(partitionBy ? { partitionBy } : {}),
    }),
  );
}

test('sort texts: directions, spec null-order defaults, transforms', () => {
  assert.deepEqual(parseSortText('customer_id'), { column: 'customer_id', transform: 'identity', direction: 'asc', nullOrder: 'nulls-first' });
  assert.deepEqual(parseSortText('ts DESC'), { column: 'ts', transform: 'identity', direction: 'desc', nullOrder: 'nulls-last' });
  assert.deepEqual(parseSortText('amount desc nulls first'), { column: 'amount', transform: 'identity', direction: 'desc', nullOrder: 'nulls-first' });
  assert.deepEqual(parseSortText('amount nulls last'), { column: 'amount', transform: 'identity', direction: 'asc', nullOrder: 'nulls-last' });
  assert.deepEqual(parseSortText('day(ts) desc'), { column: 'ts', transform: 'day', direction: 'desc', nullOrder: 'nulls-last' });
  assert.deepEqual(parseSortText('truncate(4, name)'), { column: 'name', transform: 'truncate[4]', direction: 'asc', nullOrder: 'nulls-first' });
  const bad = failure(() => parseSortText('amount dsc'));
  assert.equal(bad.code, 'ENG_LAKE_SORT_ORDER');
  assert.match(bad.message, /"dsc" is not a direction/);
  assert.match(failure(() => parseSortText('ts desc nulls')).message, /"desc nulls" is not a direction/);
  assert.match(failure(() => parseSortText('  ')).message, /no column/);
});

test('createTable with sortBy writes the order into metadata; bad orders are refused naming the column', async (t) => {
  const table = await salesTable(t, ['region', 'amount desc nulls first']);
  const m = table.metadata();
  assert.deepEqual(m['sort-orders'], [
    { 'order-id': 0, fields: [] },
    {
      'order-id': 1,
      fields: [
        { transform: 'identity', 'source-id': 2, direction: 'asc', 'null-order': 'nulls-first' },
        { transform: 'identity', 'source-id': 3, direction: 'desc', 'null-order': 'nulls-first' },
      ],
    },
  ]);
  assert.equal(m['default-sort-order-id'], 1);
  assert.deepEqual(table.sortOrder(), { orderId: 1, fields: ['region asc nulls first', 'amount desc nulls first'] });

  const dir = await tempDir(t);
  const lake = openLake(dir);
  const fields = [{ name: 'id', required: false, type: 'long' as const }, { name: 'tags', required: false, type: { type: 'list' as const, 'element-id': 0, element: 'string' as const, 'element-required': false } }, { name: 'ts', required: false, type: 'timestamp' as const }];
  await rejects(lake.createTable('a', { fields, sortBy: ['nope'] }), /no column "nope"; the table has: id, tags, ts/);
  await rejects(lake.createTable('b', { fields, sortBy: ['tags'] }), /"tags" is a list, not a primitive column/);
  await rejects(lake.createTable('c', { fields, sortBy: ['bucket(4, id)'] }), /"bucket\[4\]" is not supported for sorting/);
  await rejects(lake.createTable('d', { fields, sortBy: ['day(id)'] }), /day\(\) needs a timestamp or date column, not long/);
  await rejects(lake.createTable('e', { fields, sortBy: ['id sideways'] }), /"sideways" is not a direction/);
  assert.equal(await lake.exists('a'), false, 'a refused order creates no table');
});

test('data files come out in the sort order (asc/desc, nulls first/last) and carry its sort_order_id', async (t) => {
  const table = await salesTable(t, ['region nulls last', 'amount desc', 'id']);
  await table.append(shuffled);
  const [file, ...others] = await headFiles(table);
  assert.ok(file);
  assert.equal(others.length, 0);
  assert.equal(file.sortOrderId, 1);
  assert.deepEqual((await fileRows(file.path)).map((r) => Number(r.id)), [2, 5, 7, 3, 6, 1, 4], 'eu (9, 9 by id, null last), us (5, 1), then null regions (2, null)');

  // partitioned: every partition's file is sorted
  const parted = await salesTable(t, ['amount desc nulls first', 'id desc'], ['region']);
  await parted.append(shuffled);
  const byRegion = new Map<unknown, number[]>();
  for (const f of await headFiles(parted)) {
    assert.equal(f.sortOrderId, 1);
    byRegion.set(f.partition.region, (await fileRows(f.path)).map((r) => Number(r.id)));
  }
  assert.deepEqual(Object.fromEntries(byRegion), { eu: [7, 5, 2], us: [3, 6], null: [4, 1] });
});

test('transform sort keys: day(ts) desc then id, truncate on strings', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('events', {
    fields: [{ name: 'id', required: false, type: 'long' }, { name: 'ts', required: false, type: 'timestamptz' }, { name: 's', required: false, type: 'string' }],
    sortBy: ['day(ts) desc', 'truncate(2, s)', 'id desc'],
  });
  await table.append([
    { id: 1, ts: new Date('2026-01-01T23:00:00Z'), s: 'bz' },
    { id: 2, ts: new Date('2026-01-02T01:00:00Z'), s: 'ab' },
    { id: 3, ts: new Date('2026-01-01T01:00:00Z'), s: 'aa1' },
    { id: 4, ts: new Date('1969-12-31T23:00:00Z'), s: 'zz' },
    { id: 5, ts: new Date('2026-01-02T22:00:00Z'), s: 'aa' },
    { id: 6, ts: new Date('2026-01-01T12:00:00Z'), s: 'aa2' },
  ]);
  const [file] = await headFiles(table);
  assert.ok(file);
  // Jan 2 (ab vs aa: "aa" first), Jan 1 ("aa" 6 and 3 by id desc, then "bz"), then 1969
  assert.deepEqual((await fileRows(file.path)).map((r) => Number(r.id)), [5, 2, 6, 3, 1, 4]);
});

test('unsorted tables write rows as they come, with no sort_order_id', async (t) => {
  const table = await salesTable(t);
  await table.append(shuffled);
  const [file] = await headFiles(table);
  assert.ok(file);
  assert.equal(file.sortOrderId, null);
  assert.deepEqual((await fileRows(file.path)).map((r) => Number(r.id)), shuffled.map((r) => r.id));
});

test('replaceSortOrder is a metadata-only commit that reuses equal orders', async (t) => {
  const table = await salesTable(t);
  await table.append(shuffled);
  const snapshots = table.snapshots().length;
  const version = table.version();
  await table.replaceSortOrder(['amount desc']);
  assert.equal(table.version(), version + 1);
  assert.equal(table.snapshots().length, snapshots, 'no snapshot');
  assert.deepEqual(table.sortOrder(), { orderId: 1, fields: ['amount desc nulls last'] });
  await table.replaceSortOrder(['amount desc nulls last']);
  assert.equal(table.version(), version + 1, 'the same order commits nothing');
  await table.replaceSortOrder(['id']);
  await table.replaceSortOrder(['amount DESC']);
  assert.equal(table.metadata()['sort-orders'].length, 3, 'unsorted, amount desc, id');
  assert.equal(table.metadata()['default-sort-order-id'], 1, 'the equal order keeps its id');
  await table.replaceSortOrder([]);
  assert.deepEqual(table.sortOrder(), { orderId: 0, fields: [] });
  await assert.rejects(table.replaceSortOrder(['nope']), /no column "nope"/);
  await table.replaceSortOrder(['region']);
  await assert.rejects(table.dropColumn('region'), /is in the sort order/);

  // new files use the new order; old ones keep theirs
  await table.append([{ id: 9, region: 'us', amount: 1 }, { id: 8, region: 'eu', amount: 1 }]);
  const files = await headFiles(table);
  assert.deepEqual(files.map((f) => f.sortOrderId).sort(), [3, null]);
});

test('copy-on-write rewrites are written in the table order', async (t) => {
  const table = await salesTable(t, ['amount desc nulls last']);
  await table.append(shuffled, { upsertKey: ['id'] });
  await table.replaceSortOrder(['id desc']);
  const r = await table.append([{ id: 4, region: 'eu', amount: 100 }], { upsertKey: ['id'] });
  assert.equal(r.replacedFiles, 1);
  const files = await headFiles(table);
  const rewrite = files.find((f) => f.recordCount === 6);
  assert.ok(rewrite);
  assert.equal(rewrite.sortOrderId, 2);
  assert.deepEqual((await fileRows(rewrite.path)).map((r) => Number(r.id)), [7, 6, 5, 3, 2, 1]);
});

test('compaction writes the current order and rewrites files of another order even when big enough', async (t) => {
  const table = await salesTable(t);
  await table.append(shuffled.slice(0, 3));
  await table.append(shuffled.slice(3));
  const before = await readRows(table, undefined, { orderBy: 'id' });
  assert.equal((await table.compact({ targetFileSizeBytes: 1 })).snapshotId, null, 'unsorted: every file is big enough');

  await table.replaceSortOrder(['amount desc', 'id']);
  const resorted = await table.compact({ targetFileSizeBytes: 1 });
  assert.equal(resorted.filesRewritten, 2);
  assert.equal(resorted.filesWritten, 2, 'each big-enough file is re-sorted on its own');
  for (const f of await headFiles(table)) {
    assert.equal(f.sortOrderId, 1);
    const amounts = (await fileRows(f.path)).map((r) => (r.amount === null ? null : Number(r.amount)));
    const sorted = [...amounts].sort((a, b) => (a === null ? 1 : b === null ? -1 : b - a));
    assert.deepEqual(amounts, sorted);
  }
  assert.equal((await table.compact({ targetFileSizeBytes: 1 })).snapshotId, null, 'files in the current order are left alone');

  const combined = await table.compact();
  assert.equal(combined.filesWritten, 1);
  const [file] = await headFiles(table);
  assert.ok(file);
  assert.equal(file.sortOrderId, 1);
  assert.deepEqual((await fileRows(file.path)).map((r) => Number(r.id)), [2, 5, 3, 1, 6, 4, 7]);
  assert.deepEqual(await readRows(table, undefined, { orderBy: 'id' }), before);
});
