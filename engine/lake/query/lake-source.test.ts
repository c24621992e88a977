import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EngineError } from '../../errors.ts';
import type { Row } from '../../runtime/types.ts';
import { openLake, type LakeTable } from '../index.ts';
import { createLakeQuery, type LakeQuery } from './index.ts';

// Tables written by the real lake writer, read back through the query service.
let dir = '';
let lake: LakeQuery;
let sales: LakeTable;
const snapshots: bigint[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lake-source-'));
  const writer = openLake(dir);
  sales = await writer.createTable('sales', {
    fields: [
      { name: 'region', required: false, type: 'string' },
      { name: 'qty', required: false, type: 'int' },
      { name: 'ts', required: false, type: 'timestamptz' },
    ],
    partitionBy: ['region'],
  });
  await writer.createTable('empty_one', { fields: [{ name: 'k', required: false, type: 'string' }, { name: 'v', required: false, type: 'double' }] });
  await sales.append([
    { region: 'eu', qty: 1, ts: new Date('2026-01-01T00:00:00Z') },
    { region: 'us', qty: 2, ts: new Date('2026-01-01T01:00:00Z') },
  ]);
  snapshots.push(sales.resolve()!.snapshotId);
  await sales.createTag('first');
  // Widen qty to long, then rename it, then add a column.
  await sales.append([{ region: 'eu', qty: 5_000_000_000, ts: new Date('2026-01-02T00:00:00Z') }]);
  snapshots.push(sales.resolve()!.snapshotId);
  await sales.renameColumn('qty', 'quantity');
  await sales.createBranch('dev');
  await sales.append([{ region: 'apac', quantity: 7, note: 'late', ts: new Date('2026-01-03T00:00:00Z') }]);
  snapshots.push(sales.resolve()!.snapshotId);
  lake = createLakeQuery(dir);
});

after(() => {
  lake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows(sql: string, options = {}): Promise<Row[]> {
  const handle = await lake.query(sql, options);
  const out: Row[] = [];
  for (;;) {
    const page = await handle.nextPage();
    out.push(...page.rows);
    if (page.done) return out;
  }
}

test('the head of main reads every file through renamed, widened and added columns', async () => {
  assert.deepEqual(await rows('SELECT region, quantity, note FROM sales ORDER BY ts'), [
    { region: 'eu', quantity: 1, note: null },
    { region: 'us', quantity: 2, note: null },
    { region: 'eu', quantity: 5_000_000_000, note: null },
    { region: 'apac', quantity: 7, note: 'late' },
  ]);
});

test('snapshot ids, tags, branches and as-of pick the right version and its schema', async () => {
  // A tag is a fixed point: it reads with the schema of its snapshot (qty, before the rename).
  assert.deepEqual(await rows('SELECT sum(qty) AS s FROM sales@first'), [{ s: 3 }]);
  assert.deepEqual(await rows(`SELECT count(*) AS n FROM sales@${snapshots[1]}`), [{ n: 3 }]);
  // A branch head reads with the current schema.
  assert.deepEqual(await rows('SELECT sum(quantity) AS s FROM sales@dev'), [{ s: 5_000_000_003 }]);
  assert.deepEqual(await rows('SELECT count(*) AS n FROM sales', { branch: 'dev' }), [{ n: 3 }]);
  assert.deepEqual(await rows('SELECT count(*) AS n FROM sales', { snapshot: snapshots[0] }), [{ n: 2 }]);
  const at = sales.snapshots().find((s) => s.snapshotId === snapshots[1])!.timestampMs;
  assert.deepEqual(await rows('SELECT count(*) AS n FROM sales', { asOf: new Date(at).toISOString() }), [{ n: 3 }]);
  assert.deepEqual(await rows('SELECT count(*) AS n FROM sales@main'), [{ n: 4 }]);
});

test('table@<id> compares 64-bit ids exactly: a neighbour of a real id is no snapshot', async () => {
  // Ids are drawn from the whole 63-bit range; above 2^53 a double cannot tell id and id+1 apart, so
  // matching through Number() picked the wrong snapshot (or none) for real Java ids.
  const big = sales.snapshots().map((s) => s.snapshotId).find((id) => id > 2n ** 53n);
  assert.ok(big !== undefined, 'with 63-bit random ids one of three is above 2^53 all but once in 10^9 runs');
  const rowsAt = [2, 3, 4][sales.snapshots().findIndex((s) => s.snapshotId === big)];
  assert.deepEqual(await rows(`SELECT count(*) AS n FROM sales@${big}`), [{ n: rowsAt }]);
  await assert.rejects(lake.query(`SELECT * FROM sales@${big + 1n}`), (e: unknown) => e instanceof EngineError && e.code === 'ENG_LAKE_REF' && e.message.includes(String(big + 1n)));
});

test('a partition filter and time values come back as JS values', async () => {
  const found = await rows("SELECT region, ts FROM sales WHERE region = 'apac'");
  assert.deepEqual(found, [{ region: 'apac', ts: new Date('2026-01-03T00:00:00Z') }]);
});

test('a table with no snapshot is an empty view with its columns', async () => {
  const handle = await lake.query('SELECT * FROM empty_one');
  assert.deepEqual(handle.columns, [{ name: 'k', type: 'VARCHAR' }, { name: 'v', type: 'DOUBLE' }]);
  assert.deepEqual(await handle.nextPage(), { rows: [], done: true });
});

test('unknown refs and times before the first snapshot are ENG_LAKE_REF errors naming them', async () => {
  const isRef = (pattern: RegExp) => (error: unknown) => error instanceof EngineError && error.code === 'ENG_LAKE_REF' && pattern.test(error.message);
  await assert.rejects(lake.query('SELECT * FROM sales@nightly'), isRef(/"nightly".*first \(tag\)/));
  await assert.rejects(lake.query('SELECT * FROM sales', { tag: 'nope' }), isRef(/no tag "nope"/));
  await assert.rejects(lake.query('SELECT * FROM sales', { snapshot: 12345n }), isRef(/12345/));
  await assert.rejects(lake.query('SELECT * FROM sales', { asOf: '2000-01-01T00:00:00Z' }), isRef(/2000-01-01/));
});

test('the catalog lists every table with its current columns', async () => {
  const catalog = await lake.catalog();
  assert.deepEqual(
    catalog.map((entry) => [entry.table, entry.columns.map((c) => c.name), entry.refs.sort()]),
    [
      ['empty_one', ['k', 'v'], []],
      ['sales', ['region', 'quantity', 'ts', 'note'], ['dev', 'first', 'main']],
    ],
  );
});

test('a commit after a query is seen by the next query (the opened table is reused only while unchanged)', async () => {
  const writer = openLake(dir);
  const growing = await writer.createTable('growing', { fields: [{ name: 'n', required: false, type: 'long' }] });
  await growing.append([{ n: 1 }]);
  assert.deepEqual(await rows('SELECT count(*) AS c FROM growing'), [{ c: 1 }]);
  await growing.append([{ n: 2 }, { n: 3 }]);
  assert.deepEqual(await rows('SELECT count(*) AS c FROM growing'), [{ c: 3 }]);
  await (await writer.table('growing')).renameColumn('n', 'm');
  assert.deepEqual(await rows('SELECT sum(m) AS s FROM growing'), [{ s: 6 }]);
});
