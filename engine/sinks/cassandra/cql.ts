// CQL text and values for the Cassandra sink. Types (engine/sinks/README.md):
//   string → text, whole number → bigint, other number → double (a column that sees both is double),
//   boolean → boolean, timestamp → timestamp (milliseconds), bytes → blob, object or array → text (JSON),
//   only nulls → text.
// A value goes through a prepared statement only when it plainly fits its column (`fits`): the driver
// coerces leniently (3.5 into a bigint becomes 3, '12abc' into an int becomes 12), which would change data
// without a word. Anything else is sent as a CQL literal (`literal`) so Cassandra itself accepts it or
// refuses it with its own message.
import type { Row } from '../../runtime/types.ts';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export function cqlTypeOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'bigint' : 'double';
  if (typeof value === 'bigint') return 'bigint';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Date) return 'timestamp';
  if (value instanceof Uint8Array) return 'blob';
  return 'text';
}

/**
 * Column → CQL type, folded batch by batch (batches in order give what all their rows at once give):
 * first-seen order, bigint widened to double, only nulls → text.
 */
export class ColumnFold {
  private readonly seen = new Map<string, string>();
  /** Rows folded. */
  rows = 0;

  add(rows: readonly Row[]): void {
    this.rows += rows.length;
    const out = this.seen;
    for (const row of rows) {
      for (const name in row) {
        const had = out.get(name);
        // a column typed other than bigint cannot change any more: no look at its value
        if (had !== undefined && had !== 'null' && had !== 'bigint') continue;
        const type = cqlTypeOf(row[name]);
        if (had === undefined || had === 'null') out.set(name, type ?? 'null');
        else if (type === 'double') out.set(name, type);
      }
    }
  }

  get columns(): Map<string, string> {
    const out = new Map(this.seen);
    for (const [name, type] of out) if (type === 'null') out.set(name, 'text');
    return out;
  }
}

/** Column → CQL type for these rows, first-seen order (bigint widened to double; only nulls → text). */
export function inferColumns(rows: readonly Row[]): Map<string, string> {
  const fold = new ColumnFold();
  fold.add(rows);
  return fold.columns;
}

const INT_RANGE: Record<string, [number, number]> = { int: [-(2 ** 31), 2 ** 31 - 1], smallint: [-32768, 32767], tinyint: [-128, 127] };

/** Does the value plainly fit a column of this CQL type, so the prepared path cannot alter it? */
export function fits(value: unknown, type: string): boolean {
  if (value === null || value === undefined) return true;
  switch (type) {
    case 'text':
    case 'varchar':
      return typeof value === 'string' || isJson(value);
    case 'ascii':
      return typeof value === 'string' && /^[\x00-\x7f]*$/.test(value);
    case 'bigint':
    case 'varint':
      return typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value));
    case 'int':
    case 'smallint':
    case 'tinyint': {
      const [lo, hi] = INT_RANGE[type] as [number, number];
      return typeof value === 'number' && Number.isInteger(value) && value >= lo && value <= hi;
    }
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return value instanceof Date && !Number.isNaN(value.getTime());
    case 'blob':
      return value instanceof Uint8Array;
    default:
      return false;
  }
}

function isJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !(value instanceof Uint8Array);
}

/** The value as the driver should encode it for a column of this type (objects become JSON text). */
export function boundValue(value: unknown, type: string): unknown {
  if (value === undefined) return null;
  if ((type === 'text' || type === 'varchar') && isJson(value)) return JSON.stringify(value);
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/** A CQL literal of the value as it is (the server decides whether its column takes it). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : String(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? quoteString('Invalid Date') : String(value.getTime());
  if (value instanceof Uint8Array) return `0x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  // objects and arrays are JSON text, as the prepared path sends them to text columns
  return quoteString(JSON.stringify(value) ?? String(value));
}
