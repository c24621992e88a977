// Appending rows: evolve the schema for new fields, coerce every row (misfits become rejected rows with a
// reason), split by partition, write one Parquet file per partition, and commit.
//
// Upserts (windowed re-emits, Batch.upsertKey) use copy-on-write so readers always see exactly one row
// per key with nothing but plain data files (every engine reads them, no delete-file support needed):
//   1. within the batch, the last row per key wins;
//   2. live files of the branch head whose key-column bounds overlap the incoming keys are candidates;
//   3. each candidate that really holds an incoming key is rewritten without those rows (same partition,
//      same spec) and both the old file (deleted) and the rewrite (added) go into one `overwrite`
//      snapshot together with the new rows.
// Retractions (`retract`: keys of rows emitted earlier that no longer exist, e.g. two session windows a late
// event merged) go through the same rewrite, with no new row for the key.
// On a commit conflict the whole change is recomputed against the new head, so a concurrent writer's
// rows with the same key are replaced too.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { EngineError } from '../../errors.ts';
import { idMap, type DataFileRecord } from '../format/avro.ts';
import type { NestedField, PrimitiveType, StructType } from '../format/metadata.ts';
import { compareValues, decodeValue, isPrimitive, type PrimitiveValue } from '../format/values.ts';
import { sqlIdent, sqlString, withConnection } from '../duckdb.ts';
import type { Row } from '../../runtime/types.ts';
import { commitChange, commitChanges, type AddedFile, type BuildContext, type Change, type CommitOptions } from './commit.ts';
import { fromIdMap } from '../format/avro.ts';
import { bindForRead, liveFiles, localPath, specById, type DataFileEntry, type TableFiles } from './manifests.ts';
import { compressionOf, dropTable, loadQuery, loadRows, readSchemaSql, writeTable, type FileMetrics } from './parquet.ts';
import { bindSpec, partitionOf, partitionPath, toAvroPartition, type BoundPartitionField } from './partition.ts';
import { coerceRow, evolveStruct } from './schema.ts';
import { writeOrder, type WriteOrder } from './sort.ts';
import { toUri } from './store.ts';
import { missingFiles, withPending } from './pending.ts';
import { applicable, liveDeleteFiles, partitionKeyOf, refuseDeletes } from './deletes.ts';
import { fileURLToPath } from 'node:url';
import type { Snapshot } from '../format/metadata.ts';

export interface RejectedRow {
  row: Row;
  reason: string;
}

export interface AppendOptions extends CommitOptions {
  branch?: string;
  upsertKey?: readonly string[];
  /**
   * With upsertKey: keys (rows of just the key columns) whose rows are removed from the branch in the same
   * snapshot. A key that also has a row in `rows` ends with that row.
   */
  retract?: readonly Row[];
  /** Extra snapshot summary keys (values are text). */
  summary?: Record<string, string>;
  /** When false, rows with new fields are rejected instead of adding columns. */
  evolve?: boolean;
  /** Commit a snapshot even when no rows are written (to record a checkpoint's source positions). */
  allowEmpty?: boolean;
}

export interface AppendResult {
  snapshot: Snapshot | null;
  rejected: RejectedRow[];
  /** Rows that went into the table (after in-batch upsert dedupe). */
  rows: number;
  /** Data files added (including copy-on-write rewrites). */
  files: number;
  /** Files removed by copy-on-write. */
  replacedFiles: number;
}

/** The manifest's data_file record; `sortOrderId` is the order the file was written in (null: unsorted). */
export function dataFileRecord(file: string, metrics: FileMetrics, partition: Record<string, unknown>, sortOrderId: number | null = null): DataFileRecord {
  return {
    content: 0,
    file_path: toUri(file),
    file_format: 'PARQUET',
    partition,
    record_count: metrics.recordCount,
    file_size_in_bytes: metrics.fileSizeBytes,
    column_sizes: null,
    value_counts: idMap(metrics.valueCounts),
    null_value_counts: idMap(metrics.nullCounts),
    nan_value_counts: idMap(metrics.nanCounts),
    lower_bounds: idMap(metrics.lowerBounds),
    upper_bounds: idMap(metrics.upperBounds),
    key_metadata: null,
    split_offsets: null,
    equality_ids: null,
    sort_order_id: sortOrderId,
  };
}

export function newDataPath(tableDir: string, partitionFolder: string): string {
  return path.join(tableDir, 'data', ...(partitionFolder ? partitionFolder.split('/') : []), `00000-0-${randomUUID()}.parquet`);
}

export async function appendRows(tableDir: string, rows: readonly Row[], options: AppendOptions): Promise<AppendResult> {
  // the pending marker keeps orphan removal off the files until the commit published them (pending.ts)
  return withPending(tableDir, 'append', async () => {
    const { build, result, added } = appendBuilder(rows, options);
    const { snapshot } = await commitChange(tableDir, options.branch ?? 'main', build, options);
    await requirePublished(tableDir, snapshot, added());
    return result(snapshot);
  });
}

/**
 * After the publish, while the marker still protects them: the snapshot's new files must all be there.
 * Only a cleaner that ignores pending markers could have removed one; then the run fails instead of
 * reporting a snapshot that cannot be read back.
 */
export async function requirePublished(tableDir: string, snapshot: Snapshot | null, added: readonly AddedFile[]): Promise<void> {
  if (!snapshot) return;
  const gone = await missingFiles(added.map((a) => fileURLToPath(a.record.file_path.replace(/^file:\/*/, 'file:///'))));
  if (gone.length > 0) {
    throw new EngineError('ENG_LAKE_MISSING_FILE', `${path.basename(tableDir)}: snapshot ${snapshot['snapshot-id']} was published but its data file ${gone[0]} was removed meanwhile (by a cleaner that ignores pending markers?); the snapshot cannot be read`, { table: path.basename(tableDir), file: gone[0], snapshotId: String(snapshot['snapshot-id']) });
  }
}

/**
 * Appends several batches as consecutive snapshots published in ONE metadata version (a transaction):
 * for bulk loads and benchmarks that would otherwise rewrite the growing metadata file per snapshot.
 */
export async function appendBatches(tableDir: string, batches: readonly (readonly Row[])[], options: AppendOptions): Promise<AppendResult[]> {
  return withPending(tableDir, 'append', async () => {
    const builders = batches.map((rows) => appendBuilder(rows, options));
    const { snapshots } = await commitChanges(tableDir, options.branch ?? 'main', builders.map((b) => b.build), options);
    for (const [i, b] of builders.entries()) await requirePublished(tableDir, snapshots[i] ?? null, b.added());
    return builders.map((b, i) => b.result(snapshots[i] ?? null));
  });
}

export function appendBuilder(rows: readonly Row[], options: AppendOptions): { build: (ctx: BuildContext) => Promise<Change | null>; result: (snapshot: Snapshot | null) => AppendResult; added: () => AddedFile[] } {
  let rejected: RejectedRow[] = [];
  let written = 0;
  let files = 0;
  let replaced = 0;
  // data files of an earlier attempt are reused when the base schema and spec did not change
  let reuse: { key: string; added: AddedFile[]; accepted: Row[]; struct: StructType } | null = null;
  let lastAdded: AddedFile[] = [];

  const build = async (ctx: BuildContext): Promise<Change | null> => {
    let nextId = ctx.base.metadata['last-column-id'];
    const ids = (): number => ++nextId;
    const struct: StructType = options.evolve === false ? ctx.schema : evolveStruct(ctx.schema, rows, ids);
    const specId = ctx.base.metadata['default-spec-id'];
    const order = writeOrder(ctx.base.metadata, struct, path.basename(ctx.files.tableDir));
    const key = `${specId}:${order.orderId ?? ''}:${JSON.stringify(struct.fields)}`;
    let added: AddedFile[];
    let accepted: Row[];
    // files of an earlier attempt are reused only while they are all still there: a commit never
    // publishes a file it cannot see right now (a cleaner ignoring markers may have taken it)
    if (reuse && reuse.key === key && (await missingFiles(reuse.added.map((a) => localPath(ctx.files, a.record.file_path)))).length === 0) {
      ({ added, accepted } = reuse);
    } else {
      rejected = [];
      accepted = [];
      for (const row of rows) {
        if (options.evolve === false) {
          const unknown = Object.keys(row).find((k) => row[k] !== undefined && row[k] !== null && !struct.fields.some((f) => f.name === k));
          if (unknown) {
            rejected.push({ row, reason: `column "${unknown}" is not in the table schema` });
            continue;
          }
        }
        const r = coerceRow(struct, row);
        if (r.ok) accepted.push(r.row);
        else rejected.push({ row, reason: r.reason });
      }
      if (options.upsertKey) accepted = lastPerKey(accepted, keyColumns(struct, options.upsertKey));
      const bound = bindSpec(specById(ctx.base.metadata, specId), struct);
      added = await writePartitioned(ctx.files, struct, bound, specId, accepted, order);
      reuse = { key, added, accepted, struct };
    }
    let deleted: DataFileEntry[] = [];
    let rewrites: AddedFile[] = [];
    if (options.upsertKey && ctx.parent) {
      const keys = keyColumns(struct, options.upsertKey);
      const gone = retractedKeys(keys, options.retract ?? []);
      if (accepted.length > 0 || gone.length > 0) ({ deleted, rewrites } = await copyOnWrite(ctx.files, ctx.parent, struct, keys, [...accepted, ...gone], order));
    }
    written = accepted.length;
    files = added.length + rewrites.length;
    replaced = deleted.length;
    lastAdded = [...added, ...rewrites];
    if (added.length === 0 && deleted.length === 0 && struct === ctx.schema && !options.allowEmpty) return null;
    return {
      operation: deleted.length > 0 ? 'overwrite' : 'append',
      added: [...added, ...rewrites],
      deleted,
      schema: struct === ctx.schema ? undefined : struct,
      summary: options.summary,
    };
  };
  return { build, result: (snapshot) => ({ snapshot, rejected, rows: written, files, replacedFiles: replaced }), added: () => lastAdded };
}

function keyColumns(struct: StructType, names: readonly string[]): NestedField[] {
  return names.map((name) => {
    const f = struct.fields.find((x) => x.name === name);
    if (!f || !isPrimitive(f.type)) throw new EngineError('ENG_LAKE_SCHEMA', `upsert key column "${name}" must be a top-level primitive column of the table`);
    return f;
  });
}

/** Text naming a row's values of the upsert key columns (bigints and bytes spelled out: JSON holds neither). */
export function upsertKeyText(row: Row, names: readonly string[]): string {
  return JSON.stringify(names.map((name) => {
    const v = row[name];
    return typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v ?? null;
  }));
}

/** Retracted keys coerced to the key columns' types; a key that cannot be one matches no row and is skipped. */
function retractedKeys(keys: readonly NestedField[], retract: readonly Row[]): Row[] {
  const keyStruct: StructType = { type: 'struct', fields: [...keys] };
  const out: Row[] = [];
  for (const key of retract) {
    const r = coerceRow(keyStruct, key);
    if (r.ok) out.push(r.row);
  }
  return out;
}

function lastPerKey(rows: readonly Row[], keys: readonly NestedField[]): Row[] {
  const names = keys.map((k) => k.name);
  const last = new Map<string, Row>();
  for (const row of rows) {
    const k = upsertKeyText(row, names);
    last.delete(k); // keep arrival order of the final versions
    last.set(k, row);
  }
  return [...last.values()];
}

export async function writePartitioned(files: TableFiles, struct: StructType, bound: BoundPartitionField[], specId: number, rows: readonly Row[], order: WriteOrder): Promise<AddedFile[]> {
  if (rows.length === 0) return [];
  const groups = new Map<string, { partition: Record<string, PrimitiveValue | null>; rows: Row[] }>();
  for (const row of rows) {
    const partition = partitionOf(bound, row);
    const folder = partitionPath(bound, partition);
    let g = groups.get(folder);
    if (!g) groups.set(folder, (g = { partition, rows: [] }));
    g.rows.push(row);
  }
  return withConnection(async (connection) => {
    const out: AddedFile[] = [];
    for (const [folder, g] of groups) {
      const table = await loadRows(connection, struct, g.rows);
      try {
        const file = newDataPath(files.tableDir, folder);
        await mkdir(path.dirname(file), { recursive: true });
        const metrics = await writeTable(connection, table, struct, file, compressionOf(files.metadata.properties), order.orderBy);
        out.push({ record: dataFileRecord(file, metrics, toAvroPartition(bound, g.partition), order.orderId), specId });
      } finally {
        await dropTable(connection, table);
      }
    }
    return out;
  });
}

/** True when the file's bounds for every key column could contain one of the incoming keys. */
function mayContain(file: DataFileEntry, keys: readonly NestedField[], ranges: Map<number, { min: PrimitiveValue; max: PrimitiveValue }>): boolean {
  const lower = fromIdMap(file.record.lower_bounds);
  const upper = fromIdMap(file.record.upper_bounds);
  for (const k of keys) {
    const range = ranges.get(k.id);
    if (!range) continue;
    const lo = lower.get(k.id);
    const hi = upper.get(k.id);
    const type = k.type as PrimitiveType;
    if (lo && compareValues(range.max, decodeValue(type, lo)) < 0) return false;
    if (hi && compareValues(range.min, decodeValue(type, hi)) > 0) return false;
    const nulls = fromIdMap(file.record.null_value_counts).get(k.id);
    const values = fromIdMap(file.record.value_counts).get(k.id);
    if (!lo && !hi && nulls !== undefined && values !== undefined && nulls === values) return false;
  }
  return true;
}

async function copyOnWrite(
  files: TableFiles,
  parent: Snapshot,
  struct: StructType,
  keys: readonly NestedField[],
  incoming: readonly Row[],
  order: WriteOrder,
): Promise<{ deleted: DataFileEntry[]; rewrites: AddedFile[] }> {
  const ranges = new Map<number, { min: PrimitiveValue; max: PrimitiveValue }>();
  for (const k of keys) {
    let min: PrimitiveValue | null = null;
    let max: PrimitiveValue | null = null;
    for (const row of incoming) {
      const v = row[k.name] as PrimitiveValue | null;
      if (v === null || v === undefined) continue;
      if (min === null || compareValues(v, min) < 0) min = v;
      if (max === null || compareValues(v, max) > 0) max = v;
    }
    if (min !== null && max !== null) ranges.set(k.id, { min, max });
  }
  const candidates = (await liveFiles(files, parent)).filter((f) => mayContain(f, keys, ranges));
  if (candidates.length === 0) return { deleted: [], rewrites: [] };
  // a rewrite that ignored another engine's delete files would bring deleted rows back
  const targets = candidates.map((f) => ({ path: localPath(files, f.record.file_path), uri: f.record.file_path, sequenceNumber: f.sequenceNumber, specId: f.specId, partitionKey: partitionKeyOf(f.record.partition) }));
  refuseDeletes(path.basename(files.tableDir), applicable(await liveDeleteFiles(files, parent), targets), 'an upsert (copy-on-write rewrite)');
  return withConnection(async (connection) => {
    const keyStruct: StructType = { type: 'struct', fields: [...keys] };
    const keyTable = await loadRows(connection, keyStruct, incoming);
    const deleted: DataFileEntry[] = [];
    const rewrites: AddedFile[] = [];
    try {
      const match = keys.map((k) => `k.${sqlIdent(k.name)} IS NOT DISTINCT FROM f.${sqlIdent(k.name)}`).join(' AND ');
      for (const file of candidates) {
        const source = `read_parquet(${sqlString(localPath(files, file.record.file_path))}, schema=${readSchemaSql(struct.fields)})`;
        const hits = await scalar(connection, `SELECT count(*) FROM ${source} f WHERE EXISTS (SELECT 1 FROM ${keyTable} k WHERE ${match})`);
        if (hits === 0) continue;
        deleted.push(file);
        if (hits === file.record.record_count) continue;
        const rest = await loadQuery(connection, `SELECT * FROM ${source} f WHERE NOT EXISTS (SELECT 1 FROM ${keyTable} k WHERE ${match})`);
        try {
          const bound = bindForRead(files.metadata, specById(files.metadata, file.specId));
          const folder = path.relative(path.join(files.tableDir, 'data'), path.dirname(localPath(files, file.record.file_path)));
          const out = newDataPath(files.tableDir, bound.length ? folder : '');
          // the rewrite is a new file: written in the table's current order, like new rows
          const metrics = await writeTable(connection, rest, struct, out, compressionOf(files.metadata.properties), order.orderBy);
          rewrites.push({ record: dataFileRecord(out, metrics, file.record.partition, order.orderId), specId: file.specId });
        } finally {
          await dropTable(connection, rest);
        }
      }
    } finally {
      await dropTable(connection, keyTable);
    }
    return { deleted, rewrites };
  });
}

export async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  const result = await connection.runAndReadAll(sql);
  return Number(result.getRowsJS()[0]?.[0] ?? 0);
}
