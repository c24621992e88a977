// The SQL that exposes one table version: read_parquet over exactly the snapshot's files with a schema
// keyed by Iceberg field id, so renamed columns keep their data, dropped ones vanish, widened ones are
// cast and columns added after a file was written read as NULL.
import { duckDbType } from './duckdb-type.ts';
import { quoteIdentifier } from './references.ts';
import type { SnapshotView } from './types.ts';

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The SELECT behind a view of `view` (files may be a pruned subset). */
export function viewSelect(view: SnapshotView, files = view.files): string {
  if (view.fields.length === 0) return 'SELECT NULL AS "_empty" WHERE false';
  if (files.length === 0) {
    const columns = view.fields.map((field) => `CAST(NULL AS ${duckDbType(field.type)}) AS ${quoteIdentifier(field.name)}`);
    return `SELECT ${columns.join(', ')} WHERE false`;
  }
  const schema = view.fields
    .map((field) => `${field.id}: {name: ${sqlString(field.name)}, type: ${sqlString(duckDbType(field.type))}, default_value: NULL}`)
    .join(', ');
  const paths = files.map((file) => sqlString(file.path)).join(', ');
  return `SELECT * FROM read_parquet([${paths}], schema = MAP {${schema}})`;
}

export function createViewStatement(name: string, select: string): string {
  return `CREATE OR REPLACE TEMP VIEW ${quoteIdentifier(name)} AS ${select}`;
}
