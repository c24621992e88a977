// Iceberg type → DuckDB type text, used in read_parquet's field-id schema and in empty-table views.
import { EngineError } from '../../errors.ts';
import { quoteIdentifier } from './references.ts';
import type { IcebergType } from './types.ts';

const primitives: Record<string, string> = {
  boolean: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  string: 'VARCHAR',
  date: 'DATE',
  time: 'TIME',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  timestamp_ns: 'TIMESTAMP_NS',
  timestamptz_ns: 'TIMESTAMPTZ',
  uuid: 'UUID',
  binary: 'BLOB',
};

export function duckDbType(type: IcebergType): string {
  if (typeof type === 'string') {
    const primitive = primitives[type];
    if (primitive) return primitive;
    const decimal = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    if (/^fixed\[\d+\]$/.test(type)) return 'BLOB';
    throw new EngineError('ENG_LAKE_SCHEMA', `Unsupported Iceberg type "${type}"`);
  }
  switch (type.type) {
    case 'struct':
      return `STRUCT(${type.fields.map((field) => `${quoteIdentifier(field.name)} ${duckDbType(field.type)}`).join(', ')})`;
    case 'list':
      return `${duckDbType(type.element)}[]`;
    case 'map':
      return `MAP(${duckDbType(type.key)}, ${duckDbType(type.value)})`;
  }
}
