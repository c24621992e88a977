// Avro manifest lists and manifests (Iceberg v2, spec §Manifests and §Manifest Lists). The schemas are raw
// objects on purpose: avsc only keeps `field-id` attributes in the file header when it is given the raw
// schema (not a parsed Type), and Java resolves every column by those ids.
import { randomBytes } from 'node:crypto';
import avro from 'avsc';
import { EngineError } from '../../errors.ts';
import type { SnapshotId } from './ids.ts';

type AvroSchema = Record<string, unknown>;

const optional = (type: unknown): unknown[] => ['null', type];

export const manifestListSchema: AvroSchema = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions',
      type: optional({
        type: 'array',
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: optional('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: optional('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: optional('bytes'), default: null, 'field-id': 511 },
          ],
        },
        'element-id': 508,
      }),
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: optional('bytes'), default: null, 'field-id': 519 },
  ],
};

export interface PartitionFieldSummary {
  contains_null: boolean;
  contains_nan: boolean | null;
  lower_bound: Buffer | null;
  upper_bound: Buffer | null;
}

export interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  content: number;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: SnapshotId;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  partitions: PartitionFieldSummary[] | null;
  key_metadata: Buffer | null;
}

/** Avro type of one partition field's value (the partition record's field), by Iceberg result type. */
export interface PartitionAvroField {
  fieldId: number;
  name: string;
  /** Avro type of the (optional) value: 'int', 'long', 'string', ... or a logical-type object. */
  avroType: unknown;
}

const intLongMap = (fieldId: number, keyId: number, valueId: number, name: string, valueType: string): unknown => ({
  name: name,
  type: optional({
    type: 'array',
    items: {
      type: 'record',
      name: `k${keyId}_v${valueId}`,
      fields: [
        { name: 'key', type: 'int', 'field-id': keyId },
        { name: 'value', type: valueType, 'field-id': valueId },
      ],
    },
    logicalType: 'map',
  }),
  default: null,
  'field-id': fieldId,
});

export function manifestEntrySchema(partitionFields: PartitionAvroField[]): AvroSchema {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: optional('long'), default: null, 'field-id': 1 },
      { name: 'sequence_number', type: optional('long'), default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: optional('long'), default: null, 'field-id': 4 },
      {
        name: 'data_file',
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'file_path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            {
              name: 'partition',
              type: {
                type: 'record',
                name: 'r102',
                fields: partitionFields.map((f) => ({ name: f.name, type: optional(f.avroType), default: null, 'field-id': f.fieldId })),
              },
              'field-id': 102,
            },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            intLongMap(108, 117, 118, 'column_sizes', 'long'),
            intLongMap(109, 119, 120, 'value_counts', 'long'),
            intLongMap(110, 121, 122, 'null_value_counts', 'long'),
            intLongMap(137, 138, 139, 'nan_value_counts', 'long'),
            intLongMap(125, 126, 127, 'lower_bounds', 'bytes'),
            intLongMap(128, 129, 130, 'upper_bounds', 'bytes'),
            { name: 'key_metadata', type: optional('bytes'), default: null, 'field-id': 131 },
            { name: 'split_offsets', type: optional({ type: 'array', items: 'long', 'element-id': 133 }), default: null, 'field-id': 132 },
            { name: 'equality_ids', type: optional({ type: 'array', items: 'int', 'element-id': 136 }), default: null, 'field-id': 135 },
            { name: 'sort_order_id', type: optional('int'), default: null, 'field-id': 140 },
          ],
        },
        'field-id': 2,
      },
    ],
  };
}

export type IdMap<V> = { key: number; value: V }[] | null;

export interface DataFileRecord {
  content: number;
  file_path: string;
  file_format: string;
  partition: Record<string, unknown>;
  record_count: number;
  file_size_in_bytes: number;
  column_sizes: IdMap<number>;
  value_counts: IdMap<number>;
  null_value_counts: IdMap<number>;
  nan_value_counts: IdMap<number>;
  lower_bounds: IdMap<Buffer>;
  upper_bounds: IdMap<Buffer>;
  key_metadata: Buffer | null;
  split_offsets: number[] | null;
  equality_ids: number[] | null;
  sort_order_id: number | null;
}

export const ENTRY_EXISTING = 0;
export const ENTRY_ADDED = 1;
export const ENTRY_DELETED = 2;

export interface ManifestEntry {
  status: number;
  snapshot_id: SnapshotId | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFileRecord;
}

// Avro `long` read exactly: every long decodes as a bigint (avsc's own long type refuses values above 2^53,
// which Java's snapshot ids usually are), and numbers or bigints both encode. `exactLongs` below then turns
// the longs that are counts back into numbers.
const bigLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: number | bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (n: number | string) => BigInt(n),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' || (typeof n === 'number' && Number.isSafeInteger(n)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

function exactType(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { registry: { long: bigLong } } as Parameters<typeof avro.Type.forSchema>[1]);
}

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const headerMeta = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const longType = avro.Type.forSchema('long');

/**
 * Encodes records into an Avro object container file held in memory (spec §Object Container Files: magic,
 * metadata map with the schema, sync marker, then one block). Written here rather than with avsc's
 * BlockEncoder so the schema in the header is the raw object (with every `field-id`) while the values go
 * through the exact long type.
 */
export async function encodeAvro(schema: AvroSchema, records: readonly unknown[], metadata: Record<string, string>): Promise<Buffer> {
  const type = exactType(schema);
  const meta: Record<string, Buffer> = { 'avro.schema': Buffer.from(JSON.stringify(schema), 'utf8'), 'avro.codec': Buffer.from('null', 'utf8') };
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v, 'utf8');
  const sync = randomBytes(16);
  const parts: Buffer[] = [MAGIC, headerMeta.toBuffer(meta), sync];
  if (records.length > 0) {
    const body = Buffer.concat(records.map((r) => type.toBuffer(r)));
    parts.push(longType.toBuffer(records.length), longType.toBuffer(body.length), body, sync);
  }
  return Promise.resolve(Buffer.concat(parts));
}

/** Longs that fit a double become numbers again; the ones above 2^53 stay bigints (callers that need an id ask for one). */
function exactLongs(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(exactLongs);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = exactLongs(v);
  return out;
}

function asId(value: unknown, file: string, field: string): SnapshotId {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new EngineError('ENG_LAKE_METADATA', `${file}: field ${field} must be a long, found ${String(value)}`, { file, field });
}

/** Decodes an Avro object container file; `file` names it in errors. Longs come back exact (see exactLongs). */
export async function decodeAvro(bytes: Buffer, file: string): Promise<{ records: unknown[]; metadata: Record<string, string> }> {
  const decoder = new avro.streams.BlockDecoder({ noDecode: false, parseHook: (schema: unknown) => exactType(schema) } as ConstructorParameters<typeof avro.streams.BlockDecoder>[0]);
  const records: unknown[] = [];
  const metadata: Record<string, string> = {};
  let sync: Buffer | null = null;
  const done = new Promise<void>((resolve, reject) => {
    decoder.on('metadata', (_type: unknown, _codec: unknown, header: { meta: Record<string, Buffer>; sync: Buffer }) => {
      for (const [k, v] of Object.entries(header.meta)) metadata[k] = v.toString('utf8');
      sync = header.sync;
    });
    decoder.on('data', (record: unknown) => records.push(exactLongs(record)));
    decoder.on('end', () => resolve());
    decoder.on('error', reject);
  });
  decoder.end(bytes);
  try {
    await done;
    // every block ends with the header's sync marker, so a file cut inside a block does not end with it
    if (!sync || !bytes.subarray(bytes.length - 16).equals(sync)) throw new Error('the file does not end with its sync marker');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new EngineError('ENG_LAKE_METADATA', `${file}: not a readable Avro file (truncated or corrupt): ${why}`, { file });
  }
  return { records, metadata };
}

export function encodeManifestList(files: readonly ManifestFile[], metadata: Record<string, string>): Promise<Buffer> {
  return encodeAvro(manifestListSchema, files, metadata);
}

export async function decodeManifestList(bytes: Buffer, file: string): Promise<ManifestFile[]> {
  const { records } = await decodeAvro(bytes, file);
  return records.map((r) => {
    const rec = r as ManifestFile;
    return { ...rec, added_snapshot_id: asId(rec.added_snapshot_id, file, 'added_snapshot_id'), partitions: rec.partitions ?? null, key_metadata: rec.key_metadata ?? null };
  });
}

export function encodeManifest(partitionFields: PartitionAvroField[], entries: readonly ManifestEntry[], metadata: Record<string, string>): Promise<Buffer> {
  return encodeAvro(manifestEntrySchema(partitionFields), entries, metadata);
}

export async function decodeManifest(bytes: Buffer, file: string): Promise<{ entries: ManifestEntry[]; metadata: Record<string, string> }> {
  const { records, metadata } = await decodeAvro(bytes, file);
  const entries = (records as ManifestEntry[]).map((e) => (e.snapshot_id === null || e.snapshot_id === undefined ? { ...e, snapshot_id: null } : { ...e, snapshot_id: asId(e.snapshot_id, file, 'snapshot_id') }));
  return { entries, metadata };
}

/** `[{key, value}]` ↔ Map helpers for the metric maps. */
export function idMap<V>(map: ReadonlyMap<number, V>): IdMap<V> {
  return map.size === 0 ? null : [...map].map(([key, value]) => ({ key, value }));
}

export function fromIdMap<V>(list: IdMap<V> | undefined): Map<number, V> {
  return new Map((list ?? []).map((e) => [e.key, e.value]));
}
