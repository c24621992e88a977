// Partition transforms (spec §Partition Transforms and Appendix B for bucket hashing). Values are in the
// internal form of format/values.ts; the bucket hash must match Java's byte for byte, or other engines
// would prune the wrong files.
import { EngineError } from '../../errors.ts';
import type { IcebergType, PartitionField, PartitionSpec, PrimitiveType, StructType } from '../format/metadata.ts';
import { decimalBytes, decimalScale, isPrimitive, type PrimitiveValue } from '../format/values.ts';
import type { PartitionAvroField } from '../format/avro.ts';

export const MICROS_PER_HOUR = 3_600_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

/** Murmur3 x86 32-bit, seed 0 (what Guava's murmur3_32_fixed computes). */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = bytes.length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = (bytes[o] ?? 0) | ((bytes[o + 1] ?? 0) << 8) | ((bytes[o + 2] ?? 0) << 16) | ((bytes[o + 3] ?? 0) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  let k = 0;
  const rest = bytes.length & 3;
  if (rest > 0) {
    if (rest >= 3) k ^= (bytes[tail + 2] ?? 0) << 16;
    if (rest >= 2) k ^= (bytes[tail + 1] ?? 0) << 8;
    k ^= bytes[tail] ?? 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The bytes Iceberg hashes for a value of `type` (spec Appendix B). */
export function bucketBytes(type: PrimitiveType, value: PrimitiveValue): Uint8Array {
  switch (type) {
    case 'int':
    case 'long':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(value as number));
      return b;
    }
    case 'string':
      return Buffer.from(String(value), 'utf8');
    case 'uuid':
      return Buffer.from(String(value).replaceAll('-', ''), 'hex');
    case 'binary':
      return value as Uint8Array;
    default:
      if (decimalScale(type)) return decimalBytes(BigInt(value as bigint));
      if (type.startsWith('fixed[')) return value as Uint8Array;
      throw new EngineError('ENG_LAKE_SCHEMA', `bucket partitioning does not support type ${type}`);
  }
}

export function bucketHash(type: PrimitiveType, value: PrimitiveValue): number {
  return murmur3(bucketBytes(type, value));
}

export interface Transform {
  name: string;
  resultType(source: PrimitiveType): PrimitiveType;
  apply(source: PrimitiveType, value: PrimitiveValue): PrimitiveValue;
}

function timeUnit(source: PrimitiveType, value: PrimitiveValue, unit: 'day' | 'hour'): number {
  if (source === 'date') {
    if (unit === 'day') return value as number;
    throw new EngineError('ENG_LAKE_SCHEMA', 'hour() needs a timestamp column, not a date');
  }
  if (source !== 'timestamp' && source !== 'timestamptz') throw new EngineError('ENG_LAKE_SCHEMA', `${unit}() needs a timestamp or date column, not ${source}`);
  return Math.floor((value as number) / (unit === 'day' ? MICROS_PER_DAY : MICROS_PER_HOUR));
}

function civil(value: PrimitiveValue, source: PrimitiveType): Date {
  return new Date(source === 'date' ? (value as number) * 86_400_000 : Math.floor((value as number) / 1000));
}

export function parseTransform(text: string): Transform {
  const t = text.trim();
  if (t === 'identity') return { name: t, resultType: (s) => s, apply: (_s, v) => v };
  if (t === 'day') return { name: t, resultType: () => 'date', apply: (s, v) => timeUnit(s, v, 'day') };
  if (t === 'hour') return { name: t, resultType: () => 'int', apply: (s, v) => timeUnit(s, v, 'hour') };
  if (t === 'month') {
    return { name: t, resultType: () => 'int', apply: (s, v) => { const d = civil(v, s); return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth(); } };
  }
  if (t === 'year') return { name: t, resultType: () => 'int', apply: (s, v) => civil(v, s).getUTCFullYear() - 1970 };
  const bucket = /^bucket\[(\d+)\]$/.exec(t);
  if (bucket) {
    const n = Number(bucket[1]);
    return { name: t, resultType: () => 'int', apply: (s, v) => (bucketHash(s, v) & 0x7fffffff) % n };
  }
  const truncate = /^truncate\[(\d+)\]$/.exec(t);
  if (truncate) {
    const w = Number(truncate[1]);
    return {
      name: t,
      resultType: (s) => s,
      apply: (s, v) => {
        if (s === 'int' || s === 'long') return (v as number) - ((((v as number) % w) + w) % w);
        if (s === 'string') return [...(v as string)].slice(0, w).join('');
        if (s === 'binary') return (v as Uint8Array).slice(0, w);
        if (decimalScale(s)) {
          const x = v as bigint;
          const bw = BigInt(w);
          return x - (((x % bw) + bw) % bw);
        }
        throw new EngineError('ENG_LAKE_SCHEMA', `truncate does not support type ${s}`);
      },
    };
  }
  throw new EngineError('ENG_LAKE_SCHEMA', `unknown partition transform "${t}"`);
}

/** `region`, `day(ts)`, `hour(ts)`, `month(ts)`, `year(ts)`, `bucket(16, id)`, `truncate(4, s)` → column + transform. */
export function parsePartitionText(text: string): { column: string; transform: string } {
  const t = text.trim();
  const call = /^(\w+)\s*\(\s*(?:(\d+)\s*,\s*)?([^()]+?)\s*\)$/.exec(t);
  if (!call) {
    if (/^[^()\s,]+$/.test(t)) return { column: t, transform: 'identity' };
    throw new EngineError('ENG_LAKE_SCHEMA', `partition "${text}" is not one of: column, day(col), hour(col), month(col), year(col), bucket(N, col), truncate(W, col)`);
  }
  const [, fn = '', n, column = ''] = call;
  if ((fn === 'bucket' || fn === 'truncate') && n !== undefined) return { column, transform: `${fn}[${n}]` };
  if (['day', 'hour', 'month', 'year', 'identity'].includes(fn) && n === undefined) return { column, transform: fn };
  throw new EngineError('ENG_LAKE_SCHEMA', `partition "${text}" is not one of: column, day(col), hour(col), month(col), year(col), bucket(N, col), truncate(W, col)`);
}

/** Java's default partition field names (PartitionSpec.Builder). */
export function partitionFieldName(column: string, transform: string): string {
  if (transform === 'identity') return column;
  if (transform.startsWith('bucket')) return `${column}_bucket`;
  if (transform.startsWith('truncate')) return `${column}_trunc`;
  return `${column}_${transform}`;
}

export interface BoundPartitionField {
  field: PartitionField;
  sourceType: PrimitiveType;
  resultType: PrimitiveType;
  sourceName: string;
  transform: Transform;
}

/** Resolves a spec against a schema; only top-level primitive columns can be partition sources. */
export function bindSpec(spec: PartitionSpec, schema: StructType): BoundPartitionField[] {
  return spec.fields.map((field) => {
    const source = schema.fields.find((f) => f.id === field['source-id']);
    if (!source || !isPrimitive(source.type)) {
      throw new EngineError('ENG_LAKE_SCHEMA', `partition field "${field.name}" needs a top-level primitive source column (id ${field['source-id']})`);
    }
    const transform = parseTransform(field.transform);
    return { field, sourceType: source.type, resultType: transform.resultType(source.type), sourceName: source.name, transform };
  });
}

/** The partition tuple of one (coerced) row, keyed by partition field name. */
export function partitionOf(bound: readonly BoundPartitionField[], row: Record<string, unknown>): Record<string, PrimitiveValue | null> {
  const out: Record<string, PrimitiveValue | null> = {};
  for (const b of bound) {
    const v = row[b.sourceName];
    out[b.field.name] = v === null || v === undefined ? null : b.transform.apply(b.sourceType, v as PrimitiveValue);
  }
  return out;
}

/** Avro schema pieces for the manifest's partition record. */
export function partitionAvroFields(bound: readonly BoundPartitionField[]): PartitionAvroField[] {
  return bound.map((b) => ({ fieldId: b.field['field-id'], name: b.field.name, avroType: avroTypeOf(b.resultType) }));
}

function avroTypeOf(type: PrimitiveType): unknown {
  switch (type) {
    case 'boolean':
      return 'boolean';
    case 'int':
      return 'int';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'long':
      return 'long';
    case 'timestamp':
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': type === 'timestamptz' };
    case 'float':
      return 'float';
    case 'double':
      return 'double';
    case 'string':
      return 'string';
    case 'binary':
      return 'bytes';
    default: {
      const dec = decimalScale(type);
      // Java writes decimals as fixed; bytes carries the same two's-complement value and Java reads both.
      if (dec) return { type: 'bytes', logicalType: 'decimal', precision: dec.precision, scale: dec.scale };
      return 'bytes';
    }
  }
}

/** Partition values as Avro stores them (decimals become their two's-complement bytes). */
export function toAvroPartition(bound: readonly BoundPartitionField[], partition: Record<string, PrimitiveValue | null>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const b of bound) {
    const v = partition[b.field.name] ?? null;
    out[b.field.name] = v !== null && decimalScale(b.resultType) ? decimalBytes(v as bigint) : v instanceof Uint8Array ? Buffer.from(v) : v;
  }
  return out;
}

export function fromAvroPartition(bound: readonly BoundPartitionField[], partition: Record<string, unknown>): Record<string, PrimitiveValue | null> {
  const out: Record<string, PrimitiveValue | null> = {};
  for (const b of bound) {
    const v = partition[b.field.name];
    if (v === null || v === undefined) out[b.field.name] = null;
    else if (decimalScale(b.resultType) && v instanceof Uint8Array) {
      let x = 0n;
      for (const byte of v) x = (x << 8n) | BigInt(byte);
      if (v.length && (v[0] ?? 0) & 0x80) x -= 1n << BigInt(v.length * 8);
      out[b.field.name] = x;
    } else out[b.field.name] = v as PrimitiveValue;
  }
  return out;
}

/** Folder name for a partition tuple (Java's PartitionSpec.partitionToPath). */
export function partitionPath(bound: readonly BoundPartitionField[], partition: Record<string, PrimitiveValue | null>): string {
  return bound
    .map((b) => {
      const v = partition[b.field.name] ?? null;
      return `${encodeURIComponent(b.field.name)}=${encodeURIComponent(humanValue(b, v))}`;
    })
    .join('/');
}

function humanValue(b: BoundPartitionField, v: PrimitiveValue | null): string {
  if (v === null) return 'null';
  if (b.transform.name === 'day' || (b.transform.name === 'identity' && b.resultType === 'date')) return new Date((v as number) * 86_400_000).toISOString().slice(0, 10);
  if (b.transform.name === 'hour') return new Date((v as number) * 3_600_000).toISOString().slice(0, 13).replace('T', '-');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return String(v);
}

export function typeOfField(type: IcebergType): PrimitiveType | null {
  return isPrimitive(type) ? type : null;
}
