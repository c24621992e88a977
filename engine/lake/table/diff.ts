// Row-level diff of two snapshots of one table. Files live in both snapshots hold the same rows on both
// sides and cancel out. When only one side has files of its own, their record counts are the answer. When
// both do (a copy-on-write rewrite, a compaction, a rollback past either), the rows of the differing files
// are compared as multisets (each distinct row counted on both sides): a rewrite that keeps N-1 of a
// file's N rows and adds one changed row is 1 added and 1 removed, and a compaction, which rewrites the
// same rows, is 0 and 0.
//
// Both sides are read with one schema keyed by field id (every id of either snapshot's schema, under a
// synthetic column name so renames cannot collide and a dropped or renamed column still compares), so a
// row only differs when a value does.
import { applicable, refuseDeletes } from './deletes.ts';
import { sqlString, withConnection } from '../duckdb.ts';
import type { NestedField } from '../format/metadata.ts';
import { duckType } from './parquet.ts';
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

function rowsOf(files: readonly DataFileInfo[], fields: readonly NestedField[], side: boolean): string {
  const schema = fields
    .map((field) => `${field.id}: {name: ${sqlString(`f${field.id}`)}, type: ${sqlString(duckType(field.type))}, default_value: NULL}`)
    .join(', ');
  const columns = fields.map((field) => `f${field.id}`).join(', ');
  return `SELECT ${side}, ${columns} FROM read_parquet([${files.map((file) => sqlString(file.path)).join(', ')}], schema = MAP {${schema}})`;
}

function sum(files: readonly DataFileInfo[]): number {
  return files.reduce((n, file) => n + file.recordCount, 0);
}

interface Group {
  added: DataFileInfo[];
  removed: DataFileInfo[];
}

/**
 * Equal rows have equal partition values under one spec, so when every differing file has the same spec
 * the rows only need comparing partition by partition: less memory, and a partition only one side
 * touches is just its record counts.
 */
function groups(added: readonly DataFileInfo[], removed: readonly DataFileInfo[]): Group[] {
  const specs = new Set([...added, ...removed].map((file) => file.specId));
  const key = (file: DataFileInfo): string =>
    specs.size === 1 ? JSON.stringify(file.partition, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)) : '';
  const out = new Map<string, Group>();
  for (const [list, side] of [[added, 'added'], [removed, 'removed']] as const) {
    for (const file of list) {
      const k = key(file);
      let group = out.get(k);
      if (!group) out.set(k, (group = { added: [], removed: [] }));
      group[side].push(file);
    }
  }
  return [...out.values()];
}

export async function diffSnapshots(table: LakeTable, from: bigint, to: bigint): Promise<RowDiff> {
  const [before, after] = await Promise.all([table.dataFiles(from), table.dataFiles(to)]);
  // row counts come from data files alone: merge-on-read deletes (other engines) would make them wrong
  const [deletesBefore, deletesAfter] = await Promise.all([table.deleteFiles(from), table.deleteFiles(to)]);
  refuseDeletes(table.name, [...applicable(deletesBefore, before), ...applicable(deletesAfter, after)], 'a snapshot diff');
  const beforePaths = new Set(before.map((file) => file.path));
  const afterPaths = new Set(after.map((file) => file.path));
  const added = after.filter((file) => !beforePaths.has(file.path));
  const removed = before.filter((file) => !afterPaths.has(file.path));
  const result: RowDiff = { rowsAdded: 0, rowsRemoved: 0, filesAdded: added.length, filesRemoved: removed.length };
  const fields = comparedFields(table.schemaFor(from).fields, table.schemaFor(to).fields);
  const compared: Group[] = [];
  for (const group of groups(added, removed)) {
    if (group.added.length > 0 && group.removed.length > 0 && fields.length > 0) {
      compared.push(group);
      continue;
    }
    // One side only, or rows without columns (indistinguishable): the counts are the answer.
    const delta = sum(group.added) - sum(group.removed);
    const oneSided = group.added.length === 0 || group.removed.length === 0;
    result.rowsAdded += oneSided ? sum(group.added) : Math.max(0, delta);
    result.rowsRemoved += oneSided ? sum(group.removed) : Math.max(0, -delta);
  }
  if (compared.length === 0) return result;
  const columns = fields.map((field) => `f${field.id}`).join(', ');
  await withConnection(async (connection) => {
    for (const group of compared) {
      // One pass: how often each distinct row occurs on either side; the surplus on a side is what it adds.
      const counts = await connection.runAndReadAll(
        `SELECT coalesce(sum(greatest(n_added - n_removed, 0)), 0), coalesce(sum(greatest(n_removed - n_added, 0)), 0)
         FROM (SELECT count(*) FILTER (WHERE side) AS n_added, count(*) FILTER (WHERE NOT side) AS n_removed
               FROM (${rowsOf(group.added, fields, true)} UNION ALL ${rowsOf(group.removed, fields, false)}) AS rows(side, ${columns})
               GROUP BY ${columns})`,
      );
      const [rowsAdded, rowsRemoved] = counts.getRowsJS()[0] ?? [];
      result.rowsAdded += Number(rowsAdded ?? 0);
      result.rowsRemoved += Number(rowsRemoved ?? 0);
    }
  });
  return result;
}
