// Reading and writing manifests and manifest lists. Reading resolves Iceberg's inheritance: ADDED entries
// carry no snapshot id or sequence numbers, they come from the manifest-list entry that added them.
import { readFile, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { EngineError } from '../../errors.ts';
import {
  ENTRY_ADDED,
  ENTRY_DELETED,
  ENTRY_EXISTING,
  decodeManifest,
  decodeManifestList,
  encodeManifest,
  encodeManifestList,
  type DataFileRecord,
  type ManifestEntry,
  type ManifestFile,
  type PartitionFieldSummary,
} from '../format/avro.ts';
import type { PartitionSpec, SchemaJson, Snapshot, SnapshotId, TableMetadata } from '../format/metadata.ts';
import { compareValues, encodeValue, type PrimitiveValue } from '../format/values.ts';
import { bindSpec, fromAvroPartition, partitionAvroFields, type BoundPartitionField } from './partition.ts';
import { metadataDir, toLocalPath, toUri, writeNewFile } from './store.ts';

/** A live data file with its inherited snapshot and sequence numbers resolved. */
export interface DataFileEntry {
  record: DataFileRecord;
  specId: number;
  snapshotId: SnapshotId;
  sequenceNumber: number;
  fileSequenceNumber: number;
}

const cache = new Map<string, unknown>();
const CACHE_MAX = 4000;

async function readCached<T>(file: string, decode: (bytes: Buffer) => Promise<T>): Promise<T> {
  const hit = cache.get(file);
  if (hit !== undefined) return hit as T;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EngineError('ENG_LAKE_MISSING_FILE', `${file} is referenced by the table but missing`, { file });
    }
    throw error;
  }
  const value = await decode(bytes);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(file, value);
  return value;
}

export function readManifestList(file: string): Promise<ManifestFile[]> {
  return readCached(file, (b) => decodeManifestList(b, file));
}

/** Reads a manifest named by a manifest-list entry, checking its length as Java does. */
export async function readManifestOf(t: TableFiles, m: ManifestFile): Promise<ManifestEntry[]> {
  const file = localPath(t, m.manifest_path);
  const entries = await readManifest(file);
  const size = (await stat(file)).size;
  if (size !== m.manifest_length) {
    throw new EngineError('ENG_LAKE_METADATA', `${file}: ${size} bytes on disk but the manifest list says ${m.manifest_length} (truncated or replaced)`, { file });
  }
  return entries;
}

export function readManifest(file: string): Promise<ManifestEntry[]> {
  return readCached(file, async (b) => (await decodeManifest(b, file)).entries);
}

export interface TableFiles {
  tableDir: string;
  metadata: TableMetadata;
}

export function localPath(t: TableFiles, uri: string): string {
  return toLocalPath(uri, t.metadata.location, t.tableDir);
}

export async function snapshotManifests(t: TableFiles, snapshot: Snapshot): Promise<ManifestFile[]> {
  return readManifestList(localPath(t, snapshot['manifest-list']));
}

/** Live (not deleted) data files of a snapshot. */
export async function liveFiles(t: TableFiles, snapshot: Snapshot | null): Promise<DataFileEntry[]> {
  if (!snapshot) return [];
  const manifests = await snapshotManifests(t, snapshot);
  const lists = await Promise.all(manifests.map(async (m) => ({ m, entries: await readManifestOf(t, m) })));
  const out: DataFileEntry[] = [];
  for (const { m, entries } of lists) {
    for (const e of entries) {
      if (e.status === ENTRY_DELETED || e.data_file.content !== 0) continue;
      out.push(resolveEntry(m, e));
    }
  }
  return out;
}

function resolveEntry(m: ManifestFile, e: ManifestEntry): DataFileEntry {
  const inherit = e.status === ENTRY_ADDED;
  return {
    record: e.data_file,
    specId: m.partition_spec_id,
    snapshotId: e.snapshot_id ?? m.added_snapshot_id,
    sequenceNumber: e.sequence_number ?? (inherit ? m.sequence_number : m.min_sequence_number),
    fileSequenceNumber: e.file_sequence_number ?? (inherit ? m.sequence_number : m.min_sequence_number),
  };
}

export function specById(metadata: TableMetadata, specId: number): PartitionSpec {
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === specId);
  if (!spec) throw new EngineError('ENG_LAKE_METADATA', `partition spec ${specId} is not in the table metadata`);
  return spec;
}

export function currentSchema(metadata: TableMetadata): SchemaJson {
  const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);
  if (!schema) throw new EngineError('ENG_LAKE_METADATA', `current schema ${metadata['current-schema-id']} is not in the table metadata`);
  return schema;
}

/**
 * Binds a spec for reading partition tuples. Source columns are looked up in every schema, newest first,
 * so a partition on a column that was later dropped or renamed still decodes.
 */
export function bindForRead(metadata: TableMetadata, spec: PartitionSpec): BoundPartitionField[] {
  const schemas = [...metadata.schemas].reverse();
  return spec.fields.map((field) => {
    const schema = schemas.find((s) => s.fields.some((f) => f.id === field['source-id'])) ?? currentSchema(metadata);
    const [bound] = bindSpec({ 'spec-id': spec['spec-id'], fields: [field] }, schema);
    if (!bound) throw new EngineError('ENG_LAKE_METADATA', `partition field ${field.name} cannot be bound`);
    return bound;
  });
}

export interface ManifestWrite {
  status: number;
  /** Explicit values for EXISTING and DELETED entries; null for ADDED (inherited). */
  snapshotId: SnapshotId | null;
  sequenceNumber: number | null;
  fileSequenceNumber: number | null;
  record: DataFileRecord;
}

/** Writes one manifest for `specId` and returns its manifest-list entry. */
export async function writeManifest(
  t: TableFiles,
  specId: number,
  schema: SchemaJson,
  snapshotId: SnapshotId,
  sequenceNumber: number,
  entries: readonly ManifestWrite[],
): Promise<ManifestFile> {
  const spec = specById(t.metadata, specId);
  const bound = bindForRead(t.metadata, spec);
  const file = path.join(metadataDir(t.tableDir), `${randomUUID()}-m0.avro`);
  const bytes = await encodeManifest(
    partitionAvroFields(bound),
    entries.map((e) => ({ status: e.status, snapshot_id: e.snapshotId, sequence_number: e.sequenceNumber, file_sequence_number: e.fileSequenceNumber, data_file: e.record })),
    {
      schema: JSON.stringify(schema),
      'schema-id': String(schema['schema-id']),
      'partition-spec': JSON.stringify(spec.fields),
      'partition-spec-id': String(specId),
      'format-version': '2',
      content: 'data',
    },
  );
  await writeNewFile(file, bytes);
  const count = (status: number): number => entries.filter((e) => e.status === status).length;
  const rows = (status: number): number => entries.filter((e) => e.status === status).reduce((n, e) => n + e.record.record_count, 0);
  const seqs = entries.map((e) => e.sequenceNumber ?? sequenceNumber);
  return {
    manifest_path: toUri(file),
    manifest_length: bytes.length,
    partition_spec_id: specId,
    content: 0,
    sequence_number: sequenceNumber,
    min_sequence_number: seqs.length ? Math.min(...seqs) : sequenceNumber,
    added_snapshot_id: snapshotId,
    added_files_count: count(ENTRY_ADDED),
    existing_files_count: count(ENTRY_EXISTING),
    deleted_files_count: count(ENTRY_DELETED),
    added_rows_count: rows(ENTRY_ADDED),
    existing_rows_count: rows(ENTRY_EXISTING),
    deleted_rows_count: rows(ENTRY_DELETED),
    partitions: partitionSummaries(bound, entries.filter((e) => e.status !== ENTRY_DELETED).map((e) => e.record)),
    key_metadata: null,
  };
}

function partitionSummaries(bound: readonly BoundPartitionField[], records: readonly DataFileRecord[]): PartitionFieldSummary[] | null {
  if (bound.length === 0) return [];
  return bound.map((b) => {
    let containsNull = false;
    let containsNan = false;
    let lower: PrimitiveValue | null = null;
    let upper: PrimitiveValue | null = null;
    for (const r of records) {
      const v = fromAvroPartition([b], r.partition)[b.field.name] ?? null;
      if (v === null) {
        containsNull = true;
        continue;
      }
      if (typeof v === 'number' && Number.isNaN(v)) {
        containsNan = true;
        continue;
      }
      if (lower === null || compareValues(v, lower) < 0) lower = v;
      if (upper === null || compareValues(v, upper) > 0) upper = v;
    }
    return {
      contains_null: containsNull,
      contains_nan: containsNan,
      lower_bound: lower === null ? null : encodeValue(b.resultType, lower),
      upper_bound: upper === null ? null : encodeValue(b.resultType, upper),
    };
  });
}

export async function writeManifestList(
  t: TableFiles,
  snapshotId: SnapshotId,
  parentId: SnapshotId | undefined,
  sequenceNumber: number,
  manifests: readonly ManifestFile[],
): Promise<string> {
  const file = path.join(metadataDir(t.tableDir), `snap-${snapshotId}-1-${randomUUID()}.avro`);
  const bytes = await encodeManifestList(manifests, {
    'snapshot-id': String(snapshotId),
    'parent-snapshot-id': parentId === undefined ? 'null' : String(parentId),
    'sequence-number': String(sequenceNumber),
    'format-version': '2',
  });
  await writeNewFile(file, bytes);
  return toUri(file);
}
