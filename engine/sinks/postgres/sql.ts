// SQL text for the PostgreSQL sink: quoting, column types inferred from row values, and the text format
// COPY reads. Types (documented in engine/sinks/README.md):
//   string → text, whole number → bigint, other number → double precision, boolean → boolean,
//   Date → timestamptz, Uint8Array → bytea, object or array → jsonb.
// A column keeps the type it was created with; a value that does not fit it (text in a bigint column)
// is refused by the server and the row goes to the error port with the server's message.
import type { Row } from '../../runtime/types.ts';
import { finishColumns as finishTypes, foldColumns as foldTypes, type TypeNames } from '../columns.ts';
import { isoText } from '../timestamps.ts';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table` quoted, from the sink's `table` (optionally `schema.table`). */
export function qualifiedName(table: string): { schema: string; table: string; sql: string } {
  const dot = table.indexOf('.');
  const schema = dot > 0 ? table.slice(0, dot) : 'public';
  const name = dot > 0 ? table.slice(dot + 1) : table;
  return { schema, table: name, sql: `${quoteIdent(schema)}.${quoteIdent(name)}` };
}

/** The PostgreSQL type a value asks for, or null for null/undefined (no evidence). */
export function pgTypeOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'bigint' : 'double precision';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'bigint') return 'bigint';
  if (value instanceof Date) return 'timestamptz';
  if (value instanceof Uint8Array) return 'bytea';
  return 'jsonb';
}

/**
 * Column → type for the columns these rows hold, in first-seen order. A column seen both as a whole and
 * a fractional number is double precision; a column only ever null is text.
 */
export function inferColumns(rows: readonly Row[]): Map<string, string> {
  return finishColumns(foldColumns(new Map(), rows));
}

const typeNames: TypeNames = { of: pgTypeOf, integer: 'bigint', fraction: 'double precision', text: 'text' };

/** inferColumns one batch at a time (columns.ts): folding batch after batch gives inferColumns of all rows. */
export function foldColumns(seen: Map<string, string>, rows: readonly Row[]): Map<string, string> {
  return foldTypes(typeNames, seen, rows);
}

/** The types of a fold, columns only ever null as text. */
export function finishColumns(seen: ReadonlyMap<string, string>): Map<string, string> {
  return finishTypes(typeNames, seen);
}

/** A value as node-postgres sends it as a query parameter. */
export function paramValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const copyEscape = (c: string): string => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r');

/** One value in COPY's text format (tab-separated, `\N` = null, backslash escapes). */
export function copyText(value: unknown): string {
  if (value === undefined || value === null) return '\\N';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  else if (typeof value === 'boolean') return value ? 't' : 'f';
  else if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid' : isoText(value);
  else if (value instanceof Uint8Array) return '\\\\x' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  else if (typeof value === 'bigint') return value.toString();
  else text = JSON.stringify(value);
  // most values need no escape; testing first skips building a new string for them
  return COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIALS, copyEscape) : text;
}

/** The COPY text lines for rows over these columns. */
export function copyLines(rows: readonly Row[], columns: readonly string[]): string {
  // a line per row joined once: appending every field to one string makes a deep rope that is slow to flatten
  const lines: string[] = new Array<string>(rows.length + 1);
  const first = columns[0];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Row;
    let line = first === undefined ? '' : copyText(row[first]);
    for (let i = 1; i < columns.length; i++) line += '\t' + copyText(row[columns[i] as string]);
    lines[r] = line;
  }
  lines[rows.length] = '';
  return lines.join('\n');
}
