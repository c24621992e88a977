// The SQL that exposes one table version: read_parquet over exactly the snapshot's files with a schema
// keyed by Iceberg field id, so renamed columns keep their data, dropped ones vanish, widened ones are
// cast and columns added after a file was written read as NULL.
import { duckDbType } from './duckdb-type.ts';
import { quoteIdentifier } from './references.ts';
import type { SnapshotView, ViewFile } from './types.ts';
import { applicable, selectWithDeletes, type DeleteTarget } from '../table/deletes.ts';

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
  if (view.deletes?.length) return selectWithDeletes(files.map(deleteTarget), view.deletes, view.fields, `MAP {${schema}}`);
  const paths = files.map((file) => sqlString(file.path)).join(', ');
  return `SELECT * FROM read_parquet([${paths}], schema = MAP {${schema}})`;
}

/** A view file as delete files see it (files of lake views carry these; others get no deletes). */
export function deleteTarget(file: ViewFile): DeleteTarget {
  return { path: file.path, uri: file.uri ?? file.path, sequenceNumber: file.sequenceNumber ?? 0, specId: file.specId ?? 0, partitionKey: file.partitionKey ?? '{}' };
}

/** Whether delete files apply to any of `files` (then only the field-id read applies them). */
export function hasDeletes(view: SnapshotView, files: readonly ViewFile[] = view.files): boolean {
  return !!view.deletes?.length && applicable(view.deletes, files.map(deleteTarget)).length > 0;
}

export function createViewStatement(name: string, select: string): string {
  return `CREATE OR REPLACE TEMP VIEW ${quoteIdentifier(name)} AS ${select}`;
}
