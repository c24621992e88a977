import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withConnection } from '../duckdb.ts';
import { pruneFiles, wherePredicates, type Predicate } from './prune.ts';
import type { SnapshotView } from './types.ts';

function predicates(sql: string, view = 'sales'): Promise<Predicate[]> {
  return withConnection((connection) => wherePredicates(connection, sql, view));
}

test('top-level AND-ed comparisons with constants become predicates', async () => {
  assert.deepEqual(await predicates("SELECT * FROM sales s WHERE s.region = 'eu' AND 10 < amount AND note IS NULL"), [
    { column: 'region', op: '=', value: 'eu', slack: 0 },
    { column: 'amount', op: '>', value: 10, slack: 0 },
  ]);
  assert.deepEqual(await predicates("SELECT count(*) FROM sales WHERE ts >= TIMESTAMPTZ '2026-01-01 00:00:00+00'"), [
    { column: 'ts', op: '>=', value: Date.UTC(2026, 0, 1) * 1000, slack: 1000, time: 'zoned' },
  ]);
  assert.deepEqual(await predicates("SELECT count(*) FROM sales WHERE ts < TIMESTAMP '2026-01-01 06:00:00'"), [
    { column: 'ts', op: '<', value: Date.UTC(2026, 0, 1, 6) * 1000, slack: 1000, time: 'naive' },
  ]);
  // Instants that depend on the session time zone are left alone.
  assert.deepEqual(await predicates("SELECT count(*) FROM sales WHERE ts < TIMESTAMPTZ '2026-01-01 06:00:00'"), []);
  assert.deepEqual(await predicates('SELECT * FROM "sales@v1" WHERE "sales@v1".id = 3', 'sales@v1'), [
    { column: 'id', op: '=', value: 3, slack: 0 },
  ]);
});

test('joins, ORs, CTEs, other tables and several statements give no predicates', async () => {
  assert.deepEqual(await predicates("SELECT * FROM sales WHERE region = 'eu' OR amount > 1"), []);
  assert.deepEqual(await predicates("SELECT * FROM sales JOIN other USING (id) WHERE region = 'eu'"), []);
  assert.deepEqual(await predicates("WITH x AS (SELECT 1) SELECT * FROM sales WHERE region = 'eu'"), []);
  assert.deepEqual(await predicates("SELECT * FROM other WHERE region = 'eu'"), []);
  assert.deepEqual(await predicates("SELECT 1; SELECT * FROM sales WHERE region = 'eu'"), []);
  assert.deepEqual(await predicates('SELECT * FROM sales WHERE'), []);
});

const view: SnapshotView = {
  table: 'sales',
  snapshotId: 1n,
  fields: [
    { id: 1, name: 'region', required: false, type: 'string' },
    { id: 2, name: 'amount', required: false, type: 'double' },
    { id: 3, name: 'qty', required: false, type: 'long' },
    { id: 4, name: 'ts', required: false, type: 'timestamptz' },
  ],
  files: [
    { path: 'eu.parquet', identityPartition: { 1: 'eu' }, lowerBounds: { 2: 1, 3: 1, 4: 0 }, upperBounds: { 2: 50, 3: 10, 4: 999_999 } },
    { path: 'us.parquet', identityPartition: { 1: 'us' }, lowerBounds: { 2: 60, 3: 20, 4: 1_000_000 }, upperBounds: { 2: 90, 3: 30, 4: 2_000_000 } },
    { path: 'unknown.parquet' },
  ],
};

function kept(...list: Predicate[]): string[] {
  return pruneFiles(view, list).map((file) => file.path);
}

test('files whose partition or bounds exclude a predicate are dropped', () => {
  assert.deepEqual(kept({ column: 'region', op: '=', value: 'eu', slack: 0 }), ['eu.parquet', 'unknown.parquet']);
  assert.deepEqual(kept({ column: 'qty', op: '>', value: 10, slack: 0 }), ['us.parquet', 'unknown.parquet']);
  assert.deepEqual(kept({ column: 'qty', op: '>=', value: 10, slack: 0 }), ['eu.parquet', 'us.parquet', 'unknown.parquet']);
  assert.deepEqual(kept({ column: 'qty', op: '<', value: 20, slack: 0 }), ['eu.parquet', 'unknown.parquet']);
  assert.deepEqual(kept({ column: 'amount', op: '<=', value: 55, slack: 0 }), ['eu.parquet', 'unknown.parquet']);
  // Timestamps keep files within the millisecond slack.
  assert.deepEqual(kept({ column: 'ts', op: '<', value: 1_000_500, slack: 1000, time: 'zoned' }), ['eu.parquet', 'us.parquet', 'unknown.parquet']);
  assert.deepEqual(kept({ column: 'ts', op: '<', value: 990_000, slack: 1000, time: 'zoned' }), ['eu.parquet', 'unknown.parquet']);
  // A naive literal against a zoned column depends on the session time zone: no pruning.
  assert.deepEqual(kept({ column: 'ts', op: '<', value: 990_000, slack: 1000, time: 'naive' }), ['eu.parquet', 'us.parquet', 'unknown.parquet']);
});

test('unsafe comparisons keep every file', () => {
  const all = ['eu.parquet', 'us.parquet', 'unknown.parquet'];
  // NaN sorts above every double in DuckDB, and bounds do not include it.
  assert.deepEqual(kept({ column: 'amount', op: '>', value: 95, slack: 0 }), all);
  // Type mismatch: a string constant against a number column, an unknown column.
  assert.deepEqual(kept({ column: 'qty', op: '=', value: '5', slack: 0 }), all);
  assert.deepEqual(kept({ column: 'nope', op: '=', value: 5, slack: 0 }), all);
});
