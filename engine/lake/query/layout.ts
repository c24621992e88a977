// Whether a table version can be read by column name instead of through read_parquet's field-id schema
// map. The map is what makes evolved tables read right, but DuckDB pays for it on every scan: it hands
// string columns on as plain vectors instead of dictionary vectors, which made the lake-query group-by
// ~15% slower. When every file of the version has one and the same physical schema, and that schema
// holds each column of the version under its name, with its field id and the very type the map would
// give, selecting the columns by name reads exactly the same values (see layout.test.ts).
//
// Data files never change, so the answer is kept with the snapshot's file list (a WeakMap: it goes when
// the list is evicted from the source's cache).
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier } from './references.ts';
import type { SnapshotView, ViewFile } from './types.ts';
import { hasDeletes, viewSelect } from './view.ts';

const answers = new WeakMap<readonly ViewFile[], Map<string, boolean>>();

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The SELECT that reads `files` of `view` by column name (only valid when readsByName said so). */
export function namedSelect(view: SnapshotView, files: readonly ViewFile[]): string {
  const columns = view.fields.map((field) => quoteIdentifier(field.name)).join(', ');
  return `SELECT ${columns} FROM read_parquet([${files.map((file) => sqlString(file.path)).join(', ')}])`;
}

async function describe(connection: DuckDBConnection, select: string): Promise<string> {
  const result = await connection.runAndReadAll(`DESCRIBE ${select}`);
  return JSON.stringify(result.getRowsJS().map((row) => [row[0], row[1]]));
}

async function check(connection: DuckDBConnection, view: SnapshotView): Promise<boolean> {
  if (view.fields.length === 0 || view.fields.some((field) => typeof field.type !== 'string')) return false;
  const lower = new Set(view.fields.map((field) => field.name.toLowerCase()));
  if (lower.size !== view.fields.length) return false;
  const list = view.files.map((file) => sqlString(file.path)).join(', ');
  const schema = await connection.runAndReadAll(
    `SELECT file_name, name, type, type_length, repetition_type, num_children, converted_type, scale, precision, field_id, logical_type FROM parquet_schema([${list}])`,
  );
  const byFile = new Map<string, unknown[][]>();
  for (const row of schema.getRowsJS()) {
    const file = String(row[0]);
    byFile.set(file, [...(byFile.get(file) ?? []), row.slice(1)]);
  }
  const layouts = new Set([...byFile.values()].map((rows) => JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))));
  const [layout] = [...byFile.values()];
  if (byFile.size !== view.files.length || layouts.size !== 1 || !layout) return false;
  // Row 0 is the root; a flat file has one leaf per column and nothing nested.
  const columns = layout.slice(1);
  if (layout[0]?.[4] === null || columns.some((row) => row[4] !== null && Number(row[4]) !== 0)) return false;
  if (new Set(columns.map((row) => String(row[0]).toLowerCase())).size !== columns.length) return false;
  const ids = new Map(columns.map((row) => [String(row[0]), row[8] === null ? null : Number(row[8])]));
  if (view.fields.some((field) => ids.get(field.name) !== field.id)) return false;
  const first = view.files.slice(0, 1);
  return (await describe(connection, namedSelect(view, first))) === (await describe(connection, viewSelect(view, first)));
}

/** True when `view`'s files can be read by name with the same result as through the field-id map. */
export async function readsByName(connection: DuckDBConnection, view: SnapshotView): Promise<boolean> {
  if (view.files.length === 0 || hasDeletes(view)) return false;
  const key = JSON.stringify(view.fields);
  let known = answers.get(view.files);
  if (!known) answers.set(view.files, (known = new Map()));
  const hit = known.get(key);
  if (hit !== undefined) return hit;
  let answer: boolean;
  try {
    answer = await check(connection, view);
  } catch {
    // A footer DuckDB cannot describe is read through the map, which reports the problem properly.
    answer = false;
  }
  known.set(key, answer);
  return answer;
}
