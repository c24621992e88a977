// SQL and values for the ClickHouse sink, kept to what ClickHouse 18.16 (Debian bookworm) and current
// ClickHouse both accept. Types (engine/sinks/README.md):
//   string → String, whole number → Int64, other number → Float64, boolean → UInt8, timestamp →
//   DateTime('UTC') (whole seconds: 18.16 has no DateTime64), bytes → String (base64), object or array →
//   String (JSON text). Columns outside the key are Nullable.
import type { Row } from '../../runtime/types.ts';
import { finishColumns as finishTypes, foldColumns as foldTypes, type TypeNames } from '../columns.ts';

export function quoteIdent(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

export function quoteString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function chTypeOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return 'String';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Int64' : 'Float64';
  if (typeof value === 'boolean') return 'UInt8';
  if (value instanceof Date) return "DateTime('UTC')";
  return 'String';
}

/** Column → base type for these rows, first-seen order (Int64 widened to Float64; only nulls → String). */
export function inferColumns(rows: readonly Row[]): Map<string, string> {
  return finishColumns(foldColumns(new Map(), rows));
}

const typeNames: TypeNames = { of: chTypeOf, integer: 'Int64', fraction: 'Float64', text: 'String' };

/** inferColumns one batch at a time (columns.ts): folding batch after batch gives inferColumns of all rows. */
export function foldColumns(seen: Map<string, string>, rows: readonly Row[]): Map<string, string> {
  return foldTypes(typeNames, seen, rows);
}

/** The types of a fold, columns only ever null as String. */
export function finishColumns(seen: ReadonlyMap<string, string>): Map<string, string> {
  return finishTypes(typeNames, seen);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD hh:mm:ss` in UTC: the DateTime text every ClickHouse version parses. */
export function dateTimeText(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A value for JSONEachRow into a column of this type (its base type, Nullable stripped). */
export function jsonValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  const base = type.replace(/^Nullable\((.*)\)$/, '$1');
  if (value instanceof Date) return base.startsWith('DateTime') ? dateTimeText(value) : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (base === 'String') return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** JSONEachRow lines for rows over these columns (name → type), plus fixed extra fields. */
export function jsonEachRow(rows: readonly Row[], columns: ReadonlyMap<string, string>, extra: Row = {}): string {
  let out = '';
  for (const row of rows) {
    const o: Record<string, unknown> = {};
    for (const [name, type] of columns) if (name in row) o[name] = jsonValue(row[name], type);
    Object.assign(o, extra);
    out += JSON.stringify(o) + '\n';
  }
  return out;
}
