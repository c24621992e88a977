// Schemas derived from rows, for a sink that writes what its pipeline produces and for the studio's
// "infer a schema from this node's rows". Every field is optional (null when absent), so a later version
// that adds a column is BACKWARD compatible. Column types: an integer column stays long only while every
// value seen is a safe integer; nested values travel as JSON text.
import type { Row } from '../../runtime/types.ts';
import type { SchemaType } from '../registry/client.ts';

export type ColumnKind = 'long' | 'double' | 'boolean' | 'string' | 'bytes' | 'timestamp' | 'json';
export type Column = { name: string; kind: ColumnKind };

export const schemaFormats = ['avro', 'protobuf', 'json-schema'] as const;
export type SchemaFormat = (typeof schemaFormats)[number];

export function schemaTypeOf(format: SchemaFormat): SchemaType {
  return format === 'avro' ? 'AVRO' : format === 'protobuf' ? 'PROTOBUF' : 'JSON';
}

function kindOf(value: unknown): ColumnKind {
  if (value instanceof Date) return 'timestamp';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'long' : 'double';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'string' ? 'string' : 'json';
}

/** The columns of these rows in order of first appearance, after `known` (whose kinds are kept). */
export function inferColumns(rows: readonly Row[], known: readonly Column[] = []): Column[] {
  const columns = new Map<string, ColumnKind>(known.map((c) => [c.name, c.kind]));
  const fixed = new Set(known.map((c) => c.name));
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      if (value === null || value === undefined) continue;
      const seen = columns.get(name);
      if (seen === undefined) columns.set(name, kindOf(value));
      else if (seen === 'long' && !fixed.has(name) && typeof value === 'number' && !Number.isSafeInteger(value)) columns.set(name, 'double');
    }
  }
  return [...columns].map(([name, kind]) => ({ name, kind }));
}

/** A record name as each format allows it: letters, digits and _ not starting with a digit; dots separate a namespace. */
export function recordName(text: string): { name: string; namespace?: string; fullName: string } {
  const clean = (part: string): string => part.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([^A-Za-z_])/, '_$1') || '_';
  const parts = text.split('.').filter(Boolean).map(clean);
  const name = parts.pop() ?? 'Row';
  const namespace = parts.length ? parts.join('.') : undefined;
  return { name, namespace, fullName: namespace ? `${namespace}.${name}` : name };
}

const fieldName = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([^A-Za-z_])/, '_$1');

export function avroSchemaFor(columns: readonly Column[], record: string): string {
  const { name, namespace } = recordName(record);
  const type = (kind: ColumnKind): unknown => kind === 'timestamp' ? { type: 'long', logicalType: 'timestamp-millis' } : kind === 'json' ? 'string' : kind;
  return JSON.stringify({
    type: 'record', name, ...(namespace ? { namespace } : {}),
    fields: columns.map((c) => ({ name: fieldName(c.name), type: ['null', type(c.kind)], default: null })),
  });
}

export function protobufSchemaFor(columns: readonly Column[], record: string): string {
  const { name, namespace } = recordName(record);
  const type = (kind: ColumnKind): string => ({ long: 'int64', double: 'double', boolean: 'bool', string: 'string', bytes: 'bytes', timestamp: 'google.protobuf.Timestamp', json: 'string' })[kind];
  const lines = ['syntax = "proto3";', ''];
  if (namespace) lines.push(`package ${namespace};`, '');
  if (columns.some((c) => c.kind === 'timestamp')) lines.push('import "google/protobuf/timestamp.proto";', '');
  // Field numbers follow the column order, and columns only ever get appended, so numbers stay stable.
  lines.push(`message ${name} {`, ...columns.map((c, i) => `  optional ${type(c.kind)} ${fieldName(c.name)} = ${i + 1};`), '}', '');
  return lines.join('\n');
}

export function jsonSchemaFor(columns: readonly Column[], record: string): string {
  const { fullName } = recordName(record);
  const property = (kind: ColumnKind): Record<string, unknown> => {
    switch (kind) {
      case 'long': return { type: ['integer', 'null'] };
      case 'double': return { type: ['number', 'null'] };
      case 'boolean': return { type: ['boolean', 'null'] };
      case 'timestamp': return { type: ['string', 'null'], format: 'date-time' };
      case 'bytes': return { type: ['string', 'null'], contentEncoding: 'base64' };
      case 'json': return { type: ['object', 'array', 'null'] };
      default: return { type: ['string', 'null'] };
    }
  };
  return JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#', title: fullName, type: 'object',
    properties: Object.fromEntries(columns.map((c) => [c.name, property(c.kind)])),
  });
}

export function schemaFor(format: SchemaFormat, columns: readonly Column[], record: string): string {
  return format === 'avro' ? avroSchemaFor(columns, record) : format === 'protobuf' ? protobufSchemaFor(columns, record) : jsonSchemaFor(columns, record);
}

/** Derives a schema of this format from rows (the studio's "infer a schema"). */
export function inferSchema(format: SchemaFormat, rows: readonly Row[], record = 'Row'): string {
  return schemaFor(format, inferColumns(rows), record);
}
