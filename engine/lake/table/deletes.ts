// Format-v2 delete files other engines write (merge-on-read: Spark, Flink, Trino, Iceberg Java's
// RowDelta): which ones a snapshot has, which data files each one applies to, and the DuckDB SQL that
// reads data files with them applied. Spec §Scan Planning:
//  - a position delete (content 1) removes row `pos` of the data file `file_path`; it applies to data
//    files whose data sequence number is <= its own;
//  - an equality delete (content 2) removes every row whose `equality_ids` columns equal one of its rows
//    (null equals null); it applies to data files whose data sequence number is < its own, in the same
//    partition (same spec and tuple), or to every data file when its own spec is unpartitioned.
// What cannot be applied is refused with ENG_LAKE_DELETE_FILES naming the file and the feature, never
// silently skipped: reading past a delete would show rows that were deleted.
import { EngineError } from '../../errors.ts';
import { ENTRY_ADDED, ENTRY_DELETED, type DataFileRecord } from '../format/avro.ts';
import type { IcebergType, Snapshot } from '../format/metadata.ts';
import { localPath, readManifestOf, snapshotManifests, specById, type TableFiles } from './manifests.ts';
import { duckType } from './parquet.ts';

/** Reserved field ids of position delete files (spec §Position Delete Files). */
const FILE_PATH_ID = 2147483546;
const POS_ID = 2147483545;

export interface DeleteFileInfo {
  /** Absolute local path. */
  path: string;
  uri: string;
  /** 1: position deletes, 2: equality deletes. */
  content: 1 | 2;
  fileFormat: string;
  recordCount: number;
  /** Data sequence number of the delete file. */
  sequenceNumber: number;
  specId: number;
  /** The partition tuple as comparable text. */
  partitionKey: string;
  /** Equality deletes: the field ids rows are matched on. */
  equalityIds: number[];
  /** True when the delete's spec is unpartitioned (an equality delete then applies to every partition). */
  global: boolean;
}

/** What deletes need to know of a data file. */
export interface DeleteTarget {
  path: string;
  uri: string;
  sequenceNumber: number;
  specId: number;
  partitionKey: string;
}

export function partitionKeyOf(partition: Record<string, unknown>): string {
  return JSON.stringify(partition, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

/** Live delete files of a snapshot (entries not deleted, in delete manifests or tagged as deletes). */
export async function liveDeleteFiles(t: TableFiles, snapshot: Snapshot | null): Promise<DeleteFileInfo[]> {
  if (!snapshot) return [];
  const out: DeleteFileInfo[] = [];
  for (const m of await snapshotManifests(t, snapshot)) {
    if (m.content === 0) continue;
    for (const e of await readManifestOf(t, m)) {
      if (e.status === ENTRY_DELETED || e.data_file.content === 0) continue;
      const inherit = e.status === ENTRY_ADDED;
      const record: DataFileRecord = e.data_file;
      const spec = specById(t.metadata, m.partition_spec_id);
      out.push({
        path: localPath(t, record.file_path),
        uri: record.file_path,
        content: record.content === 2 ? 2 : 1,
        fileFormat: record.file_format,
        recordCount: record.record_count,
        sequenceNumber: e.sequence_number ?? (inherit ? m.sequence_number : m.min_sequence_number),
        specId: m.partition_spec_id,
        partitionKey: partitionKeyOf(record.partition),
        equalityIds: record.equality_ids ?? [],
        global: spec.fields.length === 0,
      });
    }
  }
  return out;
}

/** Whether delete file `d` applies to data file `f` (by sequence number and partition; paths are matched in SQL). */
export function applies(d: DeleteFileInfo, f: DeleteTarget): boolean {
  if (d.content === 1) return f.sequenceNumber <= d.sequenceNumber;
  if (f.sequenceNumber >= d.sequenceNumber) return false;
  return d.global || (d.specId === f.specId && d.partitionKey === f.partitionKey);
}

/** The delete files that apply to at least one of `files`. */
export function applicable(deletes: readonly DeleteFileInfo[], files: readonly DeleteTarget[]): DeleteFileInfo[] {
  return deletes.filter((d) => files.some((f) => applies(d, f)));
}

/** Fails naming the first delete file, for operations that do not apply deletes. */
export function refuseDeletes(table: string, deletes: readonly DeleteFileInfo[], operation: string): void {
  const [d] = deletes;
  if (!d) return;
  throw new EngineError(
    'ENG_LAKE_DELETE_FILES',
    `${table}: ${operation} is not supported while ${d.content === 1 ? 'position' : 'equality'} delete file ${d.path} (merge-on-read deletes from another engine) applies; compact the table first (compaction applies the deletes)`,
    { table, file: d.path, feature: d.content === 1 ? 'position-deletes' : 'equality-deletes' },
  );
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A column being read: equality deletes match on top-level primitive columns by field id. */
export interface ReadField {
  id: number;
  name: string;
  type: unknown;
}

function checkReadable(d: DeleteFileInfo, fields: readonly ReadField[]): void {
  const feature = d.content === 1 ? 'position deletes' : 'equality deletes';
  if (d.fileFormat.toUpperCase() !== 'PARQUET') {
    throw new EngineError('ENG_LAKE_DELETE_FILES', `delete file ${d.path}: ${feature} in ${d.fileFormat} format are not supported (only Parquet, and no deletion vectors)`, { file: d.path, feature: `${feature} (${d.fileFormat})` });
  }
  if (d.content === 2) {
    if (d.equalityIds.length === 0) throw new EngineError('ENG_LAKE_DELETE_FILES', `delete file ${d.path}: equality deletes without equality_ids`, { file: d.path, feature: 'equality deletes' });
    for (const id of d.equalityIds) {
      const field = fields.find((f) => f.id === id);
      if (!field || typeof field.type !== 'string') {
        throw new EngineError('ENG_LAKE_DELETE_FILES', `delete file ${d.path}: equality deletes on field id ${id}, which is not a top-level primitive column of the schema being read`, { file: d.path, feature: 'equality deletes', fieldId: id });
      }
    }
  }
}

/**
 * SELECT over `files` read through `schemaSql` (a read_parquet `schema = MAP {...}` argument, or null to
 * read by name) with every applicable delete file applied. Without applicable deletes it is the plain
 * read_parquet. `fields` are the columns being read (equality deletes match on them by field id).
 */
export function selectWithDeletes(files: readonly DeleteTarget[], deletes: readonly DeleteFileInfo[], fields: readonly ReadField[], schemaSql: string | null, columns = '*'): string {
  const list = files.map((f) => sqlString(f.path)).join(', ');
  const schemaArg = schemaSql === null ? '' : `, schema = ${schemaSql}`;
  const used = applicable(deletes, files);
  if (used.length === 0) return `SELECT ${columns} FROM read_parquet([${list}]${schemaArg})`;
  for (const d of used) checkReadable(d, fields);
  const ctes: string[] = [`__files(path, uri) AS (VALUES ${files.map((f) => `(${sqlString(f.path)}, ${sqlString(f.uri)})`).join(', ')})`];
  const where: string[] = [];
  const positions = used.filter((d) => d.content === 1);
  if (positions.length > 0) {
    const posSchema = `MAP {${FILE_PATH_ID}: {name: 'file_path', type: 'VARCHAR', default_value: NULL}, ${POS_ID}: {name: 'pos', type: 'BIGINT', default_value: NULL}}`;
    const parts = positions.map((d) => {
      const targets = files.filter((f) => applies(d, f)).map((f) => sqlString(f.uri));
      return `SELECT file_path, pos FROM read_parquet([${sqlString(d.path)}], schema = ${posSchema}) WHERE file_path IN (${targets.join(', ')})`;
    });
    ctes.push(`__pos AS (SELECT f.path, p.pos FROM (${parts.join(' UNION ALL ')}) p JOIN __files f ON f.uri = p.file_path)`);
    where.push('NOT EXISTS (SELECT 1 FROM __pos p WHERE p.path = d.filename AND p.pos = d.file_row_number)');
  }
  used.filter((d) => d.content === 2).forEach((d, i) => {
    const keyFields = d.equalityIds.map((id) => fields.find((f) => f.id === id) as ReadField);
    const keySchema = `MAP {${keyFields.map((f) => `${f.id}: {name: ${sqlString(`k${f.id}`)}, type: ${sqlString(duckType(f.type as IcebergType))}, default_value: NULL}`).join(', ')}}`;
    ctes.push(`__eq${i} AS (SELECT * FROM read_parquet([${sqlString(d.path)}], schema = ${keySchema}))`);
    const targets = files.filter((f) => applies(d, f)).map((f) => sqlString(f.path));
    const match = keyFields.map((f) => `e.${quote(`k${f.id}`)} IS NOT DISTINCT FROM d.${quote(f.name)}`).join(' AND ');
    where.push(`NOT (d.filename IN (${targets.join(', ')}) AND EXISTS (SELECT 1 FROM __eq${i} e WHERE ${match}))`);
  });
  const data = `read_parquet([${list}]${schemaArg}, filename = true, file_row_number = true)`;
  const projected = columns === '*' ? 'd.* EXCLUDE (filename, file_row_number)' : columns;
  return `WITH ${ctes.join(', ')} SELECT ${projected} FROM ${data} d WHERE ${where.join(' AND ')}`;
}
