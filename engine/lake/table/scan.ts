// Reading a snapshot's rows through DuckDB, mapping columns by field id so files written before a rename,
// drop or widening read with the snapshot's schema. Meant for tests, tools and small tables; the query
// layer builds its own paged views.
import { withConnection } from '../duckdb.ts';
import { selectWithDeletes } from './deletes.ts';
import type { Row } from '../../runtime/types.ts';
import { readSchemaSql } from './parquet.ts';
import type { LakeTable, SnapshotRef } from './table.ts';

export async function readRows(table: LakeTable, ref?: SnapshotRef, options: { orderBy?: string } = {}): Promise<Row[]> {
  const snapshot = table.resolve(ref);
  if (!snapshot) return [];
  const files = await table.dataFiles(snapshot.snapshotId);
  if (files.length === 0) return [];
  const schema = table.schema(table.metadata()['current-schema-id']);
  const branchOrMain = ref === undefined || 'branch' in ref;
  // time travel reads with the schema the snapshot was written with; main/branch heads with the current one
  const fields = branchOrMain ? schema.fields : table.schemaFor(snapshot.snapshotId).fields;
  // merge-on-read deletes other engines wrote are applied (deletes.ts)
  const deletes = await table.deleteFiles(snapshot.snapshotId);
  return withConnection(async (connection) => {
    const sql = `SELECT * FROM (${selectWithDeletes(files, deletes, fields, readSchemaSql(fields))})${options.orderBy ? ` ORDER BY ${options.orderBy}` : ''}`;
    const result = await connection.runAndReadAll(sql);
    return result.getRowObjectsJS().map((r) => plain(r) as Row);
  });
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Date || value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out;
}
