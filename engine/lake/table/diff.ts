// Row-level diff of two snapshots of one table. Files live in both snapshots hold the same rows on both
// sides and cancel out. When only one side has files of its own, their record counts are the answer. When
// both do (a copy-on-write rewrite, a compaction, a rollback past either), the rows of the differing files
// are compared as multisets with EXCEPT ALL: a rewrite that keeps N-1 of a file's N rows and adds one
// changed row is 1 added and 1 removed, and a compaction, which rewrites the same rows, is 0 and 0.
//
// Both sides are read with one schema keyed by field id (every id of either snapshot's schema, under a
// synthetic column name so renames cannot collide and a dropped or renamed column still compares), so a
// row only differs when a value does.
import { sqlString, withConnection } from '../duckdb.ts';
import type { NestedField } from '../format/metadata.ts';
import { duckType } from './parquet.ts';
import { scalar } from './write.ts';
import type { DataFileInfo, LakeTable } from './table.ts';

export interface RowDiff {
  rowsAdded: number;
  rowsRemoved: number;
  filesAdded: number;
  filesRemoved: number;
}

/** Every field of either schema by id; the `to` schema's type wins (it is the widened one). */
function comparedFields(from: readonly NestedField[], to: readonly NestedField[]): NestedField[] {
  const byId = new Map<number, NestedField>();
  for (const field of from) byId.set(field.id, field);
  for (const field of to) byId.set(field.id, field);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function rowsOf(files: readonly DataFileInfo[], fields: readonly NestedField[]): string {
  const schema = fields
    .map((field) => `${field.id}: {name: ${sqlString(`f${field.id}`)}, type: ${sqlString(duckType(field.type))}, default_value: NULL}`)
    .join(', ');
  const columns = fields.map((field) => `f${field.id}`).join(', ');
  return `SELECT ${columns} FROM read_parquet([${files.map((file) => sqlString(file.path)).join(', ')}], schema = MAP {${schema}})`;
}

function sum(files: readonly DataFileInfo[]): number {
  return files.reduce((n, file) => n + file.recordCount, 0);
}

export async function diffSnapshots(table: LakeTable, from: number, to: number): Promise<RowDiff> {
  const [before, after] = await Promise.all([table.dataFiles(from), table.dataFiles(to)]);
  const beforePaths = new Set(before.map((file) => file.path));
  const afterPaths = new Set(after.map((file) => file.path));
  const added = after.filter((file) => !beforePaths.has(file.path));
  const removed = before.filter((file) => !afterPaths.has(file.path));
  const files = { filesAdded: added.length, filesRemoved: removed.length };
  if (added.length === 0 || removed.length === 0) return { ...files, rowsAdded: sum(added), rowsRemoved: sum(removed) };
  const fields = comparedFields(table.schemaFor(from).fields, table.schemaFor(to).fields);
  if (fields.length === 0) {
    // Rows without columns are indistinguishable: only the counts can differ.
    const delta = sum(added) - sum(removed);
    return { ...files, rowsAdded: Math.max(0, delta), rowsRemoved: Math.max(0, -delta) };
  }
  const newRows = rowsOf(added, fields);
  const oldRows = rowsOf(removed, fields);
  return withConnection(async (connection) => ({
    ...files,
    rowsAdded: await scalar(connection, `SELECT count(*) FROM (${newRows} EXCEPT ALL ${oldRows})`),
    rowsRemoved: await scalar(connection, `SELECT count(*) FROM (${oldRows} EXCEPT ALL ${newRows})`),
  }));
}
