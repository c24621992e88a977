// DuckDB values → JSON-friendly JS: what the studio, IPC and the CLI can carry without BigInt or class
// instances. Timestamps stay `Date` (the engine's row convention); integers beyond 2^53 and wide decimals
// become strings so no digit is silently lost.
import {
  createDuckDBValueConverter,
  DuckDBDecimalValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';

export type PlainValue = null | boolean | number | string | Date | PlainValue[] | { [key: string]: PlainValue };

function integer(value: DuckDBValue): number | string {
  const big = typeof value === 'bigint' ? value : BigInt(String(value));
  return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big.toString();
}

function decimal(value: DuckDBValue): number | string {
  if (!(value instanceof DuckDBDecimalValue)) return String(value);
  return value.width <= 15 ? value.toDouble() : value.toString();
}

function text(value: DuckDBValue): string {
  return String(value);
}

function plainDelegate(value: DuckDBValue, type: DuckDBType, converter: DuckDBValueConverter<PlainValue>): PlainValue {
  // Dates, booleans, doubles, strings, lists and structs convert the same way in the stock JS converter;
  // it recurses through `converter`, so nested values still go through our overrides.
  return JSDuckDBValueConverter(value, type, converter as unknown as DuckDBValueConverter<JS>) as PlainValue;
}

function map(value: DuckDBValue, type: DuckDBType, converter: DuckDBValueConverter<PlainValue>): PlainValue {
  const entries = plainDelegate(value, type, converter);
  if (!Array.isArray(entries)) return entries;
  const out: Record<string, PlainValue> = {};
  for (const entry of entries) {
    if (entry && typeof entry === 'object' && !Array.isArray(entry) && !(entry instanceof Date)) {
      out[String(entry['key'])] = entry['value'] ?? null;
    }
  }
  return out;
}

const overrides: Partial<Record<DuckDBTypeId, DuckDBValueConverter<PlainValue>>> = {
  [DuckDBTypeId.BIGINT]: integer,
  [DuckDBTypeId.UBIGINT]: integer,
  [DuckDBTypeId.HUGEINT]: integer,
  [DuckDBTypeId.UHUGEINT]: integer,
  [DuckDBTypeId.BIGNUM]: integer,
  [DuckDBTypeId.DECIMAL]: decimal,
  [DuckDBTypeId.TIME]: text,
  [DuckDBTypeId.TIME_NS]: text,
  [DuckDBTypeId.TIME_TZ]: text,
  [DuckDBTypeId.INTERVAL]: text,
  // DuckDB's own escaped text form (`\xAB…`) for binary: readable and lossless.
  [DuckDBTypeId.BLOB]: text,
  [DuckDBTypeId.BIT]: text,
  [DuckDBTypeId.MAP]: map,
};

const byTypeId = {} as Record<DuckDBTypeId, DuckDBValueConverter<PlainValue> | undefined>;
for (const id of Object.values(DuckDBTypeId)) {
  if (typeof id !== 'number') continue;
  byTypeId[id as DuckDBTypeId] = overrides[id as DuckDBTypeId] ?? plainDelegate;
}

/** Converts any DuckDB value (recursively) to a PlainValue. */
export const plainValueConverter: DuckDBValueConverter<PlainValue> = createDuckDBValueConverter(byTypeId);
