import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../errors.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';
import { coerceRow, evolveStruct, inferType, parseDeclaredType } from './schema.ts';

test('new fields add optional columns with new ids; nested structs grow too', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  await table.append([{ id: 1, user: { name: 'a' } }]);
  const first = table.schema();
  await table.append([{ id: 2, city: 'Oslo', user: { name: 'b', age: 30 } }]);
  const second = table.schema();
  assert.equal(second.schemaId, first.schemaId + 1);
  assert.deepEqual(second.fields.map((f) => [f.name, f.required]), [['id', false], ['user', false], ['city', false]]);
  const ids = JSON.stringify(second).match(/"id":\d+/g) ?? [];
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  assert.equal(table.metadata()['last-column-id'], 5);
  const rows = await readRows(table, undefined, { orderBy: 'id' });
  assert.deepEqual(rows, [
    { id: 1, user: { name: 'a', age: null }, city: null },
    { id: 2, user: { name: 'b', age: 30 }, city: 'Oslo' },
  ]);
  // the first snapshot still reads with its own schema
  const old = await readRows(table, { snapshotId: table.snapshots()[0]?.snapshotId ?? 0n });
  assert.deepEqual(old, [{ id: 1, user: { name: 'a' } }]);
});

test('int widens to long and float to double; old files read through the wider type', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'n', required: false, type: 'int' }, { name: 'f', required: false, type: 'float' }] });
  await table.append([{ n: 1, f: 0.5 }]);
  await table.append([{ n: 2 ** 40, f: 0.1 }]);
  assert.deepEqual(table.schema().fields.map((f) => f.type), ['long', 'double']);
  const rows = await readRows(table, undefined, { orderBy: 'n' });
  assert.deepEqual(rows, [{ n: 1, f: 0.5 }, { n: 2 ** 40, f: 0.1 }]);
  const files = await table.dataFiles(table.resolve()?.snapshotId ?? 0n);
  const lower = files.map((f) => f.lowerBounds[1]).sort();
  assert.deepEqual(lower, [1, 2 ** 40], 'a 4-byte int bound still decodes in a long column');
});

test('rename and drop through the API; old files stay readable by field id', async (t) => {
  const lake = openLake(await tempDir(t));
  const table = await lake.createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }, { name: 'a', required: false, type: 'string' }, { name: 'b', required: false, type: 'string' }] });
  await table.append([{ id: 1, a: 'x', b: 'y' }]);
  await table.renameColumn('a', 'alpha');
  await table.dropColumn('b');
  await table.append([{ id: 2, alpha: 'z', b: 'new b' }]); // "b" now comes back as a NEW column with a new id
  const fields = table.schema().fields;
  assert.deepEqual(fields.map((f) => [f.id, f.name]), [[1, 'id'], [2, 'alpha'], [4, 'b']]);
  const rows = await readRows(table, undefined, { orderBy: 'id' });
  assert.deepEqual(rows, [{ id: 1, alpha: 'x', b: null }, { id: 2, alpha: 'z', b: 'new b' }]);
  await assert.rejects(table.renameColumn('nope', 'x'), (e: unknown) => e instanceof EngineError && e.code === 'ENG_LAKE_SCHEMA');
  await assert.rejects(table.renameColumn('id', 'alpha'), /already exists/);
  const parted = await lake.createTable('p', { fields: [{ name: 'd', required: false, type: 'timestamptz' }], partitionBy: ['day(d)'] });
  await assert.rejects(parted.dropColumn('d'), /partition source/);
});

test('with evolution off, unknown columns are rejected rows', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  const result = await table.append([{ id: 1 }, { id: 2, surprise: true }], { evolve: false });
  assert.equal(result.rows, 1);
  assert.match(result.rejected[0]?.reason ?? '', /column "surprise" is not in the table schema/);
});

test('inference and declared types', () => {
  let id = 0;
  const ids = (): number => ++id;
  assert.equal(inferType(1, ids), 'long');
  assert.equal(inferType(1.5, ids), 'double');
  assert.equal(inferType(new Date(0), ids), 'timestamptz');
  assert.equal(inferType(null, ids), null);
  assert.deepEqual(inferType(['a'], ids), { type: 'list', 'element-id': 1, element: 'string', 'element-required': false });
  assert.equal(parseDeclaredType('timestamp'), 'timestamptz');
  assert.equal(parseDeclaredType('Decimal(10,2)'), 'decimal(10, 2)');
  assert.equal(parseDeclaredType('varchar'), null);
  // a column first seen as null waits for a real value
  const s = evolveStruct({ type: 'struct', fields: [] }, [{ a: null }, { b: 1 }], ids);
  assert.deepEqual(s.fields.map((f) => f.name), ['b']);
  const r = coerceRow({ type: 'struct', fields: [{ id: 1, name: 'x', required: true, type: 'long' }] }, { x: null });
  assert.deepEqual(r, { ok: false, reason: 'column "x" is required but the value is null' });
});

test('a new numeric column guessed as long becomes double when the same batch has fractions', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  const r = await table.append([{ id: 1, amount: 0 }, { id: 2, amount: 9.99 }]);
  assert.deepEqual(r.rejected, []);
  assert.equal(table.schema().fields.find((f) => f.name === 'amount')?.type, 'double');
  // once committed, a long column stays long: a fraction is then a rejected row
  await table.append([{ id: 3, whole: 1 }]);
  const r2 = await table.append([{ id: 4, whole: 1.5 }]);
  assert.match(r2.rejected[0]?.reason ?? '', /column "whole": number 1.5 does not fit type long/);
});
