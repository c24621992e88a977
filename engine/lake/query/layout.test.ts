import { dirname } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withConnection } from '../duckdb.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import type { LakeTable } from '../table/table.ts';
import { namedSelect, readsByName } from './layout.ts';
import { lakeSource } from './lake-source.ts';
import type { SnapshotView } from './types.ts';
import { viewSelect } from './view.ts';

async function headView(table: LakeTable): Promise<SnapshotView> {
  return lakeSource(openLake(dirname(table.dir))).view(table.name);
}

function byName(view: SnapshotView): Promise<boolean> {
  return withConnection((connection) => readsByName(connection, view));
}

/** Every row through both SELECTs, in one order, with DuckDB's column types. */
async function bothWays(view: SnapshotView): Promise<{ named: unknown; mapped: unknown }> {
  return withConnection(async (connection) => {
    const read = async (select: string): Promise<unknown> => {
      const result = await connection.runAndReadAll(`SELECT * FROM (${select}) ORDER BY ALL`);
      return { types: result.columnTypes().map(String), names: result.columnNames(), rows: result.getRowsJS() };
    };
    return { named: await read(namedSelect(view, view.files)), mapped: await read(viewSelect(view)) };
  });
}

test('files written with one schema read by name, with the very values and types of the field-id map', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', {
    fields: [
      { name: 'id', required: true, type: 'long' },
      { name: 'n', required: false, type: 'int' },
      { name: 'x', required: false, type: 'double' },
      { name: 'ok', required: false, type: 'boolean' },
      { name: 'name', required: false, type: 'string' },
      { name: 'at', required: false, type: 'timestamptz' },
      { name: 'day', required: false, type: 'date' },
      { name: 'price', required: false, type: 'decimal(10, 2)' },
    ],
    partitionBy: ['name'],
  });
  await table.append([
    { id: 1, n: 7, x: 0.5, ok: true, name: 'a', at: new Date('2026-01-01T00:00:00Z'), day: 20454, price: 1234n },
    { id: 2, n: null, x: Number.NaN, ok: false, name: 'b', at: null, day: null, price: null },
  ]);
  await table.append([{ id: 3, n: -1, x: -0, ok: null, name: null, at: new Date('2026-02-01T12:34:56.789Z'), day: 0, price: -5n }]);
  const view = await headView(table);
  assert.equal(await byName(view), true);
  const { named, mapped } = await bothWays(view);
  assert.deepEqual(named, mapped);
});

test('a rename, an added column, a widening or a nested column keep the field-id map', async (t) => {
  const lake = openLake(await tempDir(t));
  const renamed = await lake.createTable('renamed', { fields: [{ name: 'a', required: false, type: 'long' }] });
  await renamed.append([{ a: 1 }]);
  await renamed.renameColumn('a', 'b');
  await renamed.append([{ b: 2 }]);

  const added = await lake.createTable('added', { fields: [{ name: 'a', required: false, type: 'long' }] });
  await added.append([{ a: 1 }]);
  await added.append([{ a: 2, c: 'new' }]);

  const widened = await lake.createTable('widened', { fields: [{ name: 'n', required: false, type: 'int' }] });
  await widened.append([{ n: 1 }]);
  await widened.append([{ n: 2 ** 40 }]);

  const nested = await lake.createTable('nested', {
    fields: [{ name: 's', required: false, type: { type: 'struct', fields: [{ id: 2, name: 'k', required: false, type: 'long' }] } }],
  });
  await nested.append([{ s: { k: 1 } }]);

  for (const table of [renamed, added, widened, nested]) assert.equal(await byName(await headView(table)), false, table.name);

  // Before the rename every file still had one schema: that version reads by name.
  const first = renamed.snapshots()[0];
  assert.ok(first);
  const old = await lakeSource(lake).view('renamed', { snapshot: first.snapshotId });
  assert.equal(await byName(old), true);
  const { named, mapped } = await bothWays(old);
  assert.deepEqual(named, mapped);
});
