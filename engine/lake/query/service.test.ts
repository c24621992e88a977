import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EngineError, type ErrorPayload } from '../../errors.ts';
import { sharedDuckDb, withConnection } from '../duckdb.ts';
import { createLakeQueryService, parseAsOf, versionFromOptions, type LakeQuery } from './service.ts';
import type { IcebergField, SnapshotView, TableSource, VersionSelector } from './types.ts';

// A source over hand-listed versions of real Parquet files: the query layer's contract without the
// Iceberg metadata layer (covered by lake-source.test.ts on tables the writer produced).
class ListedSource implements TableSource {
  readonly versions = new Map<string, Map<string, SnapshotView>>();

  add(ref: string, view: SnapshotView): void {
    let table = this.versions.get(view.table);
    if (!table) this.versions.set(view.table, (table = new Map()));
    table.set(ref, view);
  }

  async tables(): Promise<{ name: string; error?: ErrorPayload }[]> {
    return [...this.versions.keys()].map((name) => ({ name }));
  }

  async view(table: string, version?: VersionSelector): Promise<SnapshotView> {
    const versions = this.versions.get(table);
    if (!versions) throw new EngineError('ENG_LAKE_NOT_TABLE', `No table "${table}"`);
    const key = version === undefined ? 'main' : 'ref' in version ? version.ref : 'tag' in version ? version.tag : JSON.stringify(version);
    const view = versions.get(key);
    if (!view) throw new EngineError('ENG_LAKE_REF', `Table "${table}" has no version "${key}"`);
    return view;
  }
}

let dir = '';
const source = new ListedSource();
let lake: LakeQuery;

async function writeParquet(name: string, select: string, fieldIds: string): Promise<string> {
  const path = join(dir, name);
  await withConnection((c) => c.run(`COPY (${select}) TO '${path}' (FORMAT PARQUET, FIELD_IDS {${fieldIds}})`));
  return path;
}

const v1Fields: IcebergField[] = [
  { id: 1, name: 'id', required: true, type: 'int' },
  { id: 2, name: 'name', required: false, type: 'string' },
];
// v2: id widened to long, name renamed to full_name, score added.
const v2Fields: IcebergField[] = [
  { id: 1, name: 'id', required: true, type: 'long' },
  { id: 2, name: 'full_name', required: false, type: 'string' },
  { id: 3, name: 'score', required: false, type: 'double' },
];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lake-query-'));
  const old = await writeParquet('old.parquet', "SELECT i::INTEGER AS id, 'n' || i AS name FROM range(3) t(i)", 'id: 1, name: 2');
  const fresh = await writeParquet(
    'new.parquet',
    "SELECT (i + 5000000000)::BIGINT AS id, 'm' || i AS full_name, i * 0.5 AS score FROM range(2) t(i)",
    'id: 1, full_name: 2, score: 3',
  );
  const many = await writeParquet('many.parquet', 'SELECT i::BIGINT AS n FROM range(10000) t(i)', 'n: 1');
  source.add('v1', { table: 'people', snapshotId: 1n, fields: v1Fields, files: [{ path: old }] });
  source.add('main', { table: 'people', snapshotId: 2n, fields: v2Fields, files: [{ path: old }, { path: fresh }] });
  source.add('main', { table: 'numbers', snapshotId: 7n, fields: [{ id: 1, name: 'n', required: true, type: 'long' }], files: [{ path: many }] });
  const eu = await writeParquet('eu.parquet', "SELECT 'eu' AS region, i::BIGINT AS amount FROM range(4) t(i)", 'region: 1, amount: 2');
  source.add('main', {
    table: 'regions',
    snapshotId: 3n,
    fields: [
      { id: 1, name: 'region', required: false, type: 'string' },
      { id: 2, name: 'amount', required: false, type: 'long' },
    ],
    // The us file does not exist: a query can only succeed if pruning left it out.
    files: [{ path: eu, identityPartition: { 1: 'eu' } }, { path: join(dir, 'missing-us.parquet'), identityPartition: { 1: 'us' } }],
  });
  source.add('main', {
    table: 'empty',
    snapshotId: null,
    fields: [
      { id: 1, name: 'region', required: false, type: 'string' },
      { id: 2, name: 'amount', required: false, type: 'decimal(10,2)' },
    ],
    files: [],
  });
  lake = createLakeQueryService({ source, instance: sharedDuckDb });
});

after(() => {
  lake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function all(sql: string, options = {}) {
  const handle = await lake.query(sql, options);
  const rows = [];
  for (;;) {
    const page = await handle.nextPage();
    rows.push(...page.rows);
    if (page.done) return { columns: handle.columns, rows };
  }
}

test('columns map by field id across a rename, an added column and int→long widening', async () => {
  const { columns, rows } = await all('SELECT id, full_name, score FROM people ORDER BY id');
  assert.deepEqual(columns, [
    { name: 'id', type: 'BIGINT' },
    { name: 'full_name', type: 'VARCHAR' },
    { name: 'score', type: 'DOUBLE' },
  ]);
  assert.deepEqual(rows, [
    { id: 0, full_name: 'n0', score: null },
    { id: 1, full_name: 'n1', score: null },
    { id: 2, full_name: 'n2', score: null },
    { id: 5000000000, full_name: 'm0', score: 0 },
    { id: 5000000001, full_name: 'm1', score: 0.5 },
  ]);
});

test('table@ref reads that version next to the head in one query', async () => {
  const { rows } = await all(
    "SELECT (SELECT count(*) FROM people@v1) AS old_rows, (SELECT count(*) FROM people) AS rows, 'ann@people@v1' AS literal",
  );
  assert.deepEqual(rows, [{ old_rows: 3, rows: 5, literal: 'ann@people@v1' }]);
  const old = await all('SELECT * FROM people@v1 ORDER BY id');
  assert.deepEqual(old.columns.map((c) => c.name), ['id', 'name']);
});

test('options choose the version of every table in the query', async () => {
  const { rows } = await all('SELECT count(*) AS n FROM people', { tag: 'v1' });
  assert.deepEqual(rows, [{ n: 3 }]);
  // numbers has no v1: that only matters when the query really reads the table, not for a column of that name.
  assert.deepEqual((await all('SELECT count(*) AS numbers FROM people', { tag: 'v1' })).rows, [{ numbers: 3 }]);
  await assert.rejects(all('SELECT count(*) FROM numbers', { tag: 'v1' }), (error: unknown) =>
    error instanceof EngineError && error.code === 'ENG_LAKE_REF' && /numbers/.test(error.message));
});

test('pages hold at most pageSize rows and together hold every row once', async () => {
  const handle = await lake.query('SELECT n FROM numbers ORDER BY n', { pageSize: 300 });
  const sizes: number[] = [];
  let expected = 0;
  for (;;) {
    const page = await handle.nextPage();
    sizes.push(page.rows.length);
    for (const row of page.rows) assert.equal(row['n'], expected++);
    if (page.done) break;
  }
  assert.equal(expected, 10000);
  assert.equal(sizes.length, Math.ceil(10000 / 300));
  assert.ok(sizes.slice(0, -1).every((size) => size === 300), `page sizes ${sizes.join(',')}`);
  await assert.rejects(handle.nextPage(), /closed/);
});

test('an empty table is a view with its columns and no rows', async () => {
  const { columns, rows } = await all('SELECT * FROM empty');
  assert.deepEqual(columns, [
    { name: 'region', type: 'VARCHAR' },
    { name: 'amount', type: 'DECIMAL(10,2)' },
  ]);
  assert.deepEqual(rows, []);
});

test('cancel interrupts a running query with ENG_LAKE_CANCELLED', { timeout: 60_000 }, async () => {
  // 10^16 joined rows: this never finishes unless the interrupt works.
  const handle = await lake.query('SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000000) b, numbers');
  const page = handle.nextPage();
  await new Promise((resolve) => setImmediate(resolve));
  handle.cancel();
  await assert.rejects(page, (error: unknown) => error instanceof EngineError && error.code === 'ENG_LAKE_CANCELLED');
  await assert.rejects(handle.nextPage(), (error: unknown) => error instanceof EngineError && error.code === 'ENG_LAKE_CANCELLED');
  // The service still answers afterwards.
  assert.deepEqual((await all('SELECT count(*) AS n FROM numbers')).rows, [{ n: 10000 }]);
});

test('a reused connection never keeps a view the query did not ask for, nor one a statement replaced', async () => {
  assert.deepEqual((await all('SELECT count(*) AS n FROM numbers')).rows, [{ n: 10000 }]);
  const numbers = source.versions.get('numbers');
  assert.ok(numbers);
  source.versions.delete('numbers');
  try {
    await assert.rejects(all('SELECT count(*) AS n FROM numbers'), /numbers/);
  } finally {
    source.versions.set('numbers', numbers);
  }
  assert.deepEqual((await all('SELECT count(*) AS n FROM numbers')).rows, [{ n: 10000 }]);
  await all('CREATE OR REPLACE TEMP VIEW numbers AS SELECT 42 AS n');
  assert.deepEqual((await all('SELECT count(*) AS n FROM numbers')).rows, [{ n: 10000 }]);
  // The pruned view of regions replaces the whole one on the same connection, and back.
  assert.deepEqual((await all("SELECT count(*) AS n FROM regions WHERE region = 'eu'")).rows, [{ n: 4 }]);
  await assert.rejects(all('SELECT count(*) AS n FROM regions'), /missing-us/);
  assert.deepEqual((await all("SELECT count(*) AS n FROM regions WHERE region = 'eu'")).rows, [{ n: 4 }]);
});

test('bad SQL, unknown refs and conflicting options are clear errors', async () => {
  await assert.rejects(lake.query('SELEC * FROM people'), (error: unknown) =>
    error instanceof EngineError && error.code === 'ENG_LAKE_QUERY' && /syntax error/i.test(error.message));
  await assert.rejects(lake.query('SELECT * FROM no_such_table'), (error: unknown) =>
    error instanceof EngineError && error.code === 'ENG_LAKE_QUERY' && /no_such_table/.test(error.message));
  await assert.rejects(lake.query('SELECT * FROM people@nope'), (error: unknown) =>
    error instanceof EngineError && error.code === 'ENG_LAKE_REF' && /nope/.test(error.message));
  await assert.rejects(lake.query('SELECT 1; SELECT 2'), /several SQL statements; run one statement at a time/);
  assert.throws(() => versionFromOptions({ tag: 'a', branch: 'b' }), /at most one/);
});

test('as-of accepts ISO text and epoch milliseconds, and rejects anything else', () => {
  assert.equal(parseAsOf('2026-01-31T12:00:00Z'), Date.UTC(2026, 0, 31, 12));
  assert.equal(parseAsOf('1767225600123'), 1767225600123);
  assert.equal(parseAsOf(5), 5);
  assert.throws(() => parseAsOf('yesterday'), /not a timestamp/);
  assert.deepEqual(versionFromOptions({ asOf: '2026-01-31T12:00:00Z' }), { asOf: Date.UTC(2026, 0, 31, 12) });
});

test('the catalog lists tables with their current columns', async () => {
  const catalog = await lake.catalog();
  const people = catalog.find((entry) => entry.table === 'people');
  assert.deepEqual(people?.columns.map((c) => `${c.name}:${c.type}`), ['id:BIGINT', 'full_name:VARCHAR', 'score:DOUBLE']);
});

test('a WHERE on a partition column reads only the matching files', async () => {
  assert.deepEqual((await all("SELECT count(*) AS n FROM regions r WHERE r.region = 'eu' AND amount >= 1")).rows, [{ n: 3 }]);
  // Read twice (the subquery would see a narrowed view), or without the filter: every file is read.
  await assert.rejects(all("SELECT count(*) FROM regions WHERE region = 'eu' AND amount < (SELECT max(amount) FROM regions)"), /missing-us/);
  await assert.rejects(all('SELECT count(*) FROM regions'), /missing-us/);
});

test('values come back JSON-friendly: safe integers as numbers, others as exact text', async () => {
  const { rows } = await all(`SELECT 42::BIGINT AS small, 9007199254740993::BIGINT AS big, 12.34::DECIMAL(10,2) AS price,
    12345678901234567.8::DECIMAL(20,1) AS wide, [1, 2]::BIGINT[] AS list, {'a': 1::BIGINT, 'b': 'x'} AS struct,
    MAP {'k': 1::BIGINT} AS map, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS ts, DATE '2026-01-02' AS day, NULL AS nothing`);
  assert.deepEqual(rows, [
    {
      small: 42,
      big: '9007199254740993',
      price: 12.34,
      wide: '12345678901234567.8',
      list: [1, 2],
      struct: { a: 1, b: 'x' },
      map: { k: 1 },
      ts: new Date('2026-01-01T00:00:00Z'),
      day: new Date('2026-01-02T00:00:00Z'),
      nothing: null,
    },
  ]);
});
