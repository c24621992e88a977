// Iceberg table metadata (`metadata/v<N>.metadata.json`): the TypeScript type, the runtime validator and the
// format-version handling live together here, so a change to the saved shape is made in one place.
// Field names are the spec's kebab-case JSON keys, so what we validate is exactly what Java reads.
import { EngineError } from '../../errors.ts';
import { parseLosslessJson, stringifyLosslessJson } from './json.ts';
import { toSnapshotId, type SnapshotId } from './ids.ts';

export type { SnapshotId } from './ids.ts';

export type PrimitiveType =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'string'
  | 'uuid'
  | 'binary'
  | `decimal(${number}, ${number})`
  | `fixed[${number}]`;

export interface StructType {
  type: 'struct';
  fields: NestedField[];
}

export interface ListType {
  type: 'list';
  'element-id': number;
  element: IcebergType;
  'element-required': boolean;
}

export interface MapType {
  type: 'map';
  'key-id': number;
  key: IcebergType;
  'value-id': number;
  value: IcebergType;
  'value-required': boolean;
}

export type IcebergType = PrimitiveType | StructType | ListType | MapType;

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
}

export interface SchemaJson extends StructType {
  'schema-id': number;
  'identifier-field-ids'?: number[];
}

export interface PartitionField {
  'source-id': number;
  'field-id': number;
  name: string;
  /** `identity`, `year`, `month`, `day`, `hour`, `bucket[N]`, `truncate[W]`, `void`. */
  transform: string;
}

export interface PartitionSpec {
  'spec-id': number;
  fields: PartitionField[];
}

export type SortDirection = 'asc' | 'desc';
export type NullOrder = 'nulls-first' | 'nulls-last';

/** One sort key (spec §Sort Orders): rows are ordered by transform(source column). */
export interface SortField {
  /** Same transform names as partition fields: `identity`, `day`, `bucket[N]`, `truncate[W]`, … */
  transform: string;
  'source-id': number;
  direction: SortDirection;
  'null-order': NullOrder;
}

export interface SortOrder {
  /** 0 is reserved for the unsorted order (no fields). */
  'order-id': number;
  fields: SortField[];
}

/** The order every table has: id 0, no fields. */
export const UNSORTED_ORDER_ID = 0;

export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface Snapshot {
  'snapshot-id': SnapshotId;
  'parent-snapshot-id'?: SnapshotId;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: { operation: SnapshotOperation } & Record<string, string>;
  'schema-id'?: number;
}

export interface SnapshotRefJson {
  'snapshot-id': SnapshotId;
  type: 'branch' | 'tag';
  'min-snapshots-to-keep'?: number;
  'max-snapshot-age-ms'?: number;
  'max-ref-age-ms'?: number;
}

export interface TableMetadata {
  'format-version': 2;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: SchemaJson[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  properties: Record<string, string>;
  'current-snapshot-id'?: SnapshotId;
  snapshots: Snapshot[];
  'snapshot-log': { 'timestamp-ms': number; 'snapshot-id': SnapshotId }[];
  'metadata-log': { 'timestamp-ms': number; 'metadata-file': string }[];
  refs: Record<string, SnapshotRefJson>;
}

export const FORMAT_VERSION = 2;
/** PartitionSpec.unpartitionedLastAssignedId in Java: partition field ids start at 1000. */
export const UNPARTITIONED_LAST_PARTITION_ID = 999;
/** Java keeps this many previous metadata files in `metadata-log` (write.metadata.previous-versions-max). */
export const METADATA_LOG_MAX = 100;
/** Iceberg table property: delete metadata files that leave `metadata-log` once a commit succeeded. */
export const DELETE_AFTER_COMMIT = 'write.metadata.delete-after-commit.enabled';
/** Iceberg table property: how many previous metadata files `metadata-log` keeps (Java's default: 100). */
export const PREVIOUS_VERSIONS_MAX = 'write.metadata.previous-versions-max';

/** Iceberg table property: the Parquet codec of new data files (the writer's default: uncompressed, see parquet.ts). */
export const COMPRESSION_CODEC = 'write.parquet.compression-codec';

/** `metadata-log` length the table's properties ask for, read the way Java reads it (at least 1). */
export function previousVersionsMax(properties: Record<string, string>): number {
  const text = properties[PREVIOUS_VERSIONS_MAX];
  if (text === undefined) return METADATA_LOG_MAX;
  if (!/^\s*[+-]?\d+\s*$/.test(text)) {
    throw new EngineError('ENG_LAKE_METADATA', `table property ${PREVIOUS_VERSIONS_MAX} must be an integer, not ${JSON.stringify(text)}`, { property: PREVIOUS_VERSIONS_MAX });
  }
  return Math.max(1, Number(text));
}

/** Whether old metadata files are deleted after a commit (Java: Boolean.parseBoolean, default false). */
export function deleteAfterCommit(properties: Record<string, string>): boolean {
  return properties[DELETE_AFTER_COMMIT]?.toLowerCase() === 'true';
}

/** Reads and validates metadata text; every problem names the file and the field. */
export function parseTableMetadata(text: string, file: string): TableMetadata {
  let raw: unknown;
  try {
    // 64-bit longs (snapshot ids above all) must survive: JSON.parse rounds them above 2^53
    raw = parseLosslessJson(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new EngineError('ENG_LAKE_METADATA', `${file}: not valid JSON (truncated or corrupt): ${why}`, { file });
  }
  return validateTableMetadata(raw, file);
}

export function validateTableMetadata(raw: unknown, file: string): TableMetadata {
  const fail = (field: string, problem: string): never => {
    throw new EngineError('ENG_LAKE_METADATA', `${file}: field "${field}" ${problem}`, { file, field });
  };
  if (!isObject(raw)) return fail('(root)', 'must be a JSON object');
  const version = raw['format-version'];
  if (version === 1) raw = migrateV1(raw);
  else if (version !== FORMAT_VERSION) return fail('format-version', `must be 1 or 2, found ${JSON.stringify(version)}`);
  const m = raw as Record<string, unknown>;

  const str = (key: string): void => {
    if (typeof m[key] !== 'string') fail(key, 'must be a string');
  };
  const int = (key: string, value: unknown = m[key]): void => {
    if (typeof value === 'bigint') fail(key, `is ${value}, above 2^53, which this engine does not support for this field`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(key, 'must be an integer');
  };
  // Snapshot ids are 64-bit: read as bigints whatever their size, so all ids compare alike.
  const id = (key: string, value: unknown): SnapshotId => {
    const parsed = toSnapshotId(value);
    if (parsed === null) return fail(key, 'must be a 64-bit integer');
    return parsed;
  };
  str('table-uuid');
  str('location');
  for (const key of ['last-sequence-number', 'last-updated-ms', 'last-column-id', 'current-schema-id', 'default-spec-id', 'last-partition-id', 'default-sort-order-id']) int(key);

  const schemas = m.schemas;
  if (!Array.isArray(schemas) || schemas.length === 0) return fail('schemas', 'must be a non-empty array');
  schemas.forEach((schema, i) => {
    if (!isObject(schema)) fail(`schemas[${i}]`, 'must be an object');
    int(`schemas[${i}].schema-id`, (schema as Record<string, unknown>)['schema-id']);
    validateType(schema, `schemas[${i}]`, fail);
  });
  if (!schemas.some((s) => isObject(s) && s['schema-id'] === m['current-schema-id'])) fail('current-schema-id', 'names no schema in "schemas"');

  const specs = m['partition-specs'];
  if (!Array.isArray(specs) || specs.length === 0) return fail('partition-specs', 'must be a non-empty array');
  specs.forEach((spec, i) => {
    if (!isObject(spec) || !Array.isArray(spec.fields)) return fail(`partition-specs[${i}]`, 'must be an object with "fields"');
    int(`partition-specs[${i}].spec-id`, spec['spec-id']);
    spec.fields.forEach((f: unknown, j: number) => {
      const at = `partition-specs[${i}].fields[${j}]`;
      if (!isObject(f)) return fail(at, 'must be an object');
      int(`${at}.source-id`, f['source-id']);
      int(`${at}.field-id`, f['field-id']);
      if (typeof f.name !== 'string') fail(`${at}.name`, 'must be a string');
      if (typeof f.transform !== 'string') fail(`${at}.transform`, 'must be a string');
    });
  });
  if (!specs.some((s) => isObject(s) && s['spec-id'] === m['default-spec-id'])) fail('default-spec-id', 'names no spec in "partition-specs"');

  const orders = m['sort-orders'];
  if (!Array.isArray(orders) || orders.length === 0) return fail('sort-orders', 'must be a non-empty array');
  orders.forEach((order, i) => validateSortOrder(order, `sort-orders[${i}]`, fail));
  if (!orders.some((o) => isObject(o) && o['order-id'] === m['default-sort-order-id'])) fail('default-sort-order-id', 'names no order in "sort-orders"');

  if (m.properties === undefined) m.properties = {};
  if (!isObject(m.properties) || !Object.values(m.properties).every((v) => typeof v === 'string')) fail('properties', 'must map names to strings');

  if (m.snapshots === undefined) m.snapshots = [];
  const snapshots = m.snapshots;
  if (!Array.isArray(snapshots)) return fail('snapshots', 'must be an array');
  const ids = new Set<SnapshotId>();
  snapshots.forEach((s, i) => {
    const at = `snapshots[${i}]`;
    if (!isObject(s)) return fail(at, 'must be an object');
    s['snapshot-id'] = id(`${at}.snapshot-id`, s['snapshot-id']);
    int(`${at}.sequence-number`, s['sequence-number']);
    int(`${at}.timestamp-ms`, s['timestamp-ms']);
    if (s['parent-snapshot-id'] === null) delete s['parent-snapshot-id'];
    if (s['parent-snapshot-id'] !== undefined) s['parent-snapshot-id'] = id(`${at}.parent-snapshot-id`, s['parent-snapshot-id']);
    if (typeof s['manifest-list'] !== 'string') fail(`${at}.manifest-list`, 'must be a string');
    const summary = s.summary;
    if (!isObject(summary) || !['append', 'replace', 'overwrite', 'delete'].includes(summary.operation as string)) {
      fail(`${at}.summary.operation`, 'must be append, replace, overwrite or delete');
    }
    ids.add(s['snapshot-id'] as SnapshotId);
  });

  const current = m['current-snapshot-id'];
  if (current === -1 || current === null) delete m['current-snapshot-id'];
  else if (current !== undefined) {
    const currentId = id('current-snapshot-id', current);
    m['current-snapshot-id'] = currentId;
    if (!ids.has(currentId)) fail('current-snapshot-id', `names snapshot ${String(current)}, which is not in "snapshots"`);
  }
  if (m.refs === undefined) {
    m.refs = m['current-snapshot-id'] === undefined ? {} : { main: { 'snapshot-id': m['current-snapshot-id'], type: 'branch' } };
  }
  if (!isObject(m.refs)) return fail('refs', 'must be an object');
  for (const [name, ref] of Object.entries(m.refs)) {
    if (!isObject(ref) || (ref.type !== 'branch' && ref.type !== 'tag')) return fail(`refs.${name}`, 'must have type "branch" or "tag"');
    ref['snapshot-id'] = id(`refs.${name}.snapshot-id`, ref['snapshot-id']);
    if (!ids.has(ref['snapshot-id'] as SnapshotId)) fail(`refs.${name}.snapshot-id`, 'names a snapshot that is not in "snapshots"');
  }
  const main = (m.refs as Record<string, SnapshotRefJson>).main;
  if ((main?.['snapshot-id'] ?? undefined) !== m['current-snapshot-id']) fail('refs.main', 'must equal "current-snapshot-id"');

  if (m['snapshot-log'] === undefined) m['snapshot-log'] = [];
  if (m['metadata-log'] === undefined) m['metadata-log'] = [];
  if (!Array.isArray(m['snapshot-log'])) fail('snapshot-log', 'must be an array');
  (m['snapshot-log'] as unknown[]).forEach((entry, i) => {
    if (!isObject(entry)) return fail(`snapshot-log[${i}]`, 'must be an object');
    entry['snapshot-id'] = id(`snapshot-log[${i}].snapshot-id`, entry['snapshot-id']);
  });
  if (!Array.isArray(m['metadata-log'])) fail('metadata-log', 'must be an array');
  return m as unknown as TableMetadata;
}

function validateSortOrder(order: unknown, at: string, fail: (field: string, problem: string) => never): void {
  if (!isObject(order) || !Array.isArray(order.fields)) return fail(at, 'must be an object with "fields"');
  const id = order['order-id'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return fail(`${at}.order-id`, 'must be an integer');
  // Java's SortOrder.Builder refuses both: id 0 is the unsorted order and only it may have no fields
  if (id === UNSORTED_ORDER_ID && order.fields.length > 0) fail(`${at}.order-id`, 'is 0, which is reserved for the unsorted order (no fields)');
  if (id !== UNSORTED_ORDER_ID && order.fields.length === 0) fail(`${at}.fields`, `must not be empty: only order 0 is unsorted`);
  order.fields.forEach((f: unknown, j: number) => {
    const fat = `${at}.fields[${j}]`;
    if (!isObject(f)) return fail(fat, 'must be an object');
    if (typeof f.transform !== 'string') fail(`${fat}.transform`, 'must be a string');
    if (typeof f['source-id'] !== 'number' || !Number.isSafeInteger(f['source-id'])) fail(`${fat}.source-id`, 'must be an integer');
    if (f.direction !== 'asc' && f.direction !== 'desc') fail(`${fat}.direction`, `must be "asc" or "desc", found ${JSON.stringify(f.direction)}`);
    if (f['null-order'] !== 'nulls-first' && f['null-order'] !== 'nulls-last') fail(`${fat}.null-order`, `must be "nulls-first" or "nulls-last", found ${JSON.stringify(f['null-order'])}`);
  });
}

function validateType(type: unknown, at: string, fail: (field: string, problem: string) => never): void {
  if (typeof type === 'string') {
    if (!/^(boolean|int|long|float|double|date|time|timestamp|timestamptz|timestamp_ns|timestamptz_ns|string|uuid|binary|decimal\(\s*\d+\s*,\s*\d+\s*\)|fixed\[\d+\])$/.test(type)) {
      fail(at, `has unknown type "${type}"`);
    }
    return;
  }
  if (!isObject(type)) return fail(at, 'must be a type');
  if (type.type === 'struct') {
    if (!Array.isArray(type.fields)) return fail(`${at}.fields`, 'must be an array');
    type.fields.forEach((f: unknown, i: number) => {
      const fat = `${at}.fields[${i}]`;
      if (!isObject(f)) return fail(fat, 'must be an object');
      if (typeof f.id !== 'number' || !Number.isSafeInteger(f.id)) fail(`${fat}.id`, 'must be an integer');
      if (typeof f.name !== 'string') fail(`${fat}.name`, 'must be a string');
      if (typeof f.required !== 'boolean') fail(`${fat}.required`, 'must be a boolean');
      validateType(f.type, `${fat}.type`, fail);
    });
  } else if (type.type === 'list') {
    if (typeof type['element-id'] !== 'number') fail(`${at}.element-id`, 'must be an integer');
    validateType(type.element, `${at}.element`, fail);
  } else if (type.type === 'map') {
    if (typeof type['key-id'] !== 'number') fail(`${at}.key-id`, 'must be an integer');
    if (typeof type['value-id'] !== 'number') fail(`${at}.value-id`, 'must be an integer');
    validateType(type.key, `${at}.key`, fail);
    validateType(type.value, `${at}.value`, fail);
  } else fail(`${at}.type`, `has unknown type ${JSON.stringify(type.type)}`);
}

/** v1 → v2 (spec "Version 2" upgrade): single schema/spec become lists; sequence numbers start at 0. */
function migrateV1(raw: Record<string, unknown>): Record<string, unknown> {
  const m: Record<string, unknown> = { ...raw, 'format-version': 2 };
  if (m.schemas === undefined && isObject(m.schema)) {
    m.schemas = [{ 'schema-id': 0, ...m.schema }];
    m['current-schema-id'] ??= 0;
  }
  if (m['partition-specs'] === undefined && Array.isArray(m['partition-spec'])) {
    m['partition-specs'] = [{ 'spec-id': 0, fields: m['partition-spec'] }];
    m['default-spec-id'] ??= 0;
  }
  m['last-partition-id'] ??= UNPARTITIONED_LAST_PARTITION_ID;
  m['sort-orders'] ??= [{ 'order-id': 0, fields: [] }];
  m['default-sort-order-id'] ??= 0;
  m['last-sequence-number'] ??= 0;
  delete m.schema;
  delete m['partition-spec'];
  if (Array.isArray(m.snapshots)) {
    m.snapshots = m.snapshots.map((s: unknown) => (isObject(s) ? { 'sequence-number': 0, ...s } : s));
  }
  return m;
}

/** JSON text of metadata as written to disk: compact like Java's, since it grows with every snapshot. */
export function serializeTableMetadata(metadata: TableMetadata): string {
  const out: Record<string, unknown> = { ...metadata };
  if (metadata['current-snapshot-id'] === undefined) out['current-snapshot-id'] = -1;
  return stringifyLosslessJson(out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
