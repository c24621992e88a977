// Avro payloads through avsc: records decode to plain objects with long as number, and the
// timestamp-millis / timestamp-micros logical types as Dates.
import avro from 'avsc';
import type { Row } from '../../runtime/types.ts';

class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(v: number): Date { return new Date(v); }
  override _toValue(v: unknown): number | undefined { return v instanceof Date ? v.getTime() : typeof v === 'number' ? v : undefined; }
  override _resolve(type: avro.Type): ((v: number) => number) | undefined { return avro.Type.isType(type, 'long', 'int') ? (v) => v : undefined; }
}
class TimestampMicros extends avro.types.LogicalType {
  override _fromValue(v: number): Date { return new Date(Math.floor(v / 1000)); }
  override _toValue(v: unknown): number | undefined { return v instanceof Date ? v.getTime() * 1000 : typeof v === 'number' ? v : undefined; }
  override _resolve(type: avro.Type): ((v: number) => number) | undefined { return avro.Type.isType(type, 'long') ? (v) => v : undefined; }
}
export const avroLogicalTypes = { 'timestamp-millis': TimestampMillis, 'timestamp-micros': TimestampMicros };

export function avroType(schema: string): avro.Type {
  return avro.Type.forSchema(JSON.parse(schema) as avro.Schema, { logicalTypes: avroLogicalTypes, wrapUnions: false });
}

/** Decoded Avro values as plain data: records to objects, bytes to Uint8Array. */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(plain);
  const out: Row = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out;
}

/** The Avro body of a row: fields the schema lacks are left out, nested values become JSON text. */
export function encodeAvroBody(type: avro.Type, row: Row): Buffer {
  const record: Row = {};
  for (const field of (type as avro.types.RecordType).fields) {
    let v = row[field.name];
    if (v !== null && v !== undefined && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) v = JSON.stringify(v);
    if (v instanceof Uint8Array && !Buffer.isBuffer(v)) v = Buffer.from(v);
    record[field.name] = v ?? null;
  }
  return type.toBuffer(record);
}
