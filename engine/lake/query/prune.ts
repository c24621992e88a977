// File pruning: for a query that reads one lake table once, the top-level WHERE conjuncts of the form
// `column <op> constant` drop files whose identity partition value or column bounds prove no row can
// match. DuckDB parses the SQL (json_serialize_sql), so quoting and precedence are DuckDB's, not ours;
// anything we do not fully understand simply keeps every file.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SnapshotView, ViewFile } from './types.ts';

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface Predicate {
  /** Lower-cased column name. */
  column: string;
  op: CompareOp;
  value: number | string;
  /** Timestamps compare as epoch microseconds parsed with millisecond precision, so they get 1 ms of slack. */
  slack: number;
  /** For timestamp literals: `naive` (TIMESTAMP) or `zoned` (TIMESTAMPTZ with an explicit offset). */
  time?: 'naive' | 'zoned';
}

const ops: Record<string, CompareOp> = {
  COMPARE_EQUAL: '=',
  COMPARE_NOTEQUAL: '!=',
  COMPARE_LESSTHAN: '<',
  COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHAN: '>',
  COMPARE_GREATERTHANOREQUALTO: '>=',
};
const flipped: Record<CompareOp, CompareOp> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function object(value: Json | undefined): Record<string, Json> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
}

function constantOf(node: Record<string, Json>): Omit<Predicate, 'column' | 'op'> | null {
  if (node['class'] === 'CONSTANT') {
    const value = object(node['value']);
    if (!value || value['is_null'] !== false) return null;
    const id = object(value['type'])?.['id'];
    const raw = value['value'];
    if ((id === 'INTEGER' || id === 'BIGINT' || id === 'DOUBLE' || id === 'SMALLINT' || id === 'TINYINT') && typeof raw === 'number') {
      return Number.isSafeInteger(raw) || !Number.isInteger(raw) ? { value: raw, slack: 0 } : null;
    }
    if (id === 'VARCHAR' && typeof raw === 'string') return { value: raw, slack: 0 };
    return null;
  }
  if (node['class'] === 'CAST' && node['try_cast'] === false) {
    const target = object(node['cast_type'])?.['id'];
    const child = object(node['child']);
    const inner = child ? constantOf(child) : null;
    if (!inner || typeof inner.value !== 'string') return null;
    if (target === 'TIMESTAMP' || target === 'TIMESTAMP WITH TIME ZONE' || target === 'TIMESTAMPWITHTIMEZONE') {
      const naive = target === 'TIMESTAMP';
      const micros = timestampMicros(inner.value, naive);
      return micros === null ? null : { value: micros, slack: 1000, time: naive ? 'naive' : 'zoned' };
    }
  }
  return null;
}

/**
 * DuckDB timestamp text → epoch µs (ms precision), or null when the instant depends on the session time
 * zone: a TIMESTAMPTZ literal without an offset is read in that zone, and so is a naive TIMESTAMP with one.
 */
function timestampMicros(text: string, naive: boolean): number | null {
  let iso = text.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00';
  iso = iso.replace(/([+-]\d{2})$/, '$1:00');
  const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(iso);
  if (naive === zoned) return null;
  const ms = Date.parse(naive ? `${iso}Z` : iso);
  return Number.isFinite(ms) ? ms * 1000 : null;
}

function columnOf(node: Record<string, Json>, names: Set<string>): string | null {
  if (node['class'] !== 'COLUMN_REF') return null;
  const parts = node['column_names'];
  if (!Array.isArray(parts) || parts.some((part) => typeof part !== 'string')) return null;
  if (parts.length === 1) return (parts[0] as string).toLowerCase();
  if (parts.length === 2 && names.has((parts[0] as string).toLowerCase())) return (parts[1] as string).toLowerCase();
  return null;
}

function conjuncts(node: Record<string, Json>, names: Set<string>, out: Predicate[]): void {
  if (node['type'] === 'CONJUNCTION_AND' && Array.isArray(node['children'])) {
    for (const child of node['children']) {
      const next = object(child);
      if (next) conjuncts(next, names, out);
    }
    return;
  }
  const op = typeof node['type'] === 'string' ? ops[node['type']] : undefined;
  const left = object(node['left']);
  const right = object(node['right']);
  if (node['class'] !== 'COMPARISON' || !op || !left || !right) return;
  const direct = columnOf(left, names);
  const constant = direct !== null ? constantOf(right) : null;
  if (direct !== null && constant) {
    out.push({ column: direct, op, ...constant });
    return;
  }
  const reversed = columnOf(right, names);
  const reversedConstant = reversed !== null ? constantOf(left) : null;
  if (reversed !== null && reversedConstant) out.push({ column: reversed, op: flipped[op], ...reversedConstant });
}

/**
 * The predicates that bind every row of `viewName` in `sql`, or [] when the statement is not a single
 * SELECT whose FROM is exactly that one table (joins, set operations, CTEs keep every file).
 */
export async function wherePredicates(connection: DuckDBConnection, sql: string, viewName: string, serialized?: string): Promise<Predicate[]> {
  // Without the word there is no WHERE to read, and parsing costs a round trip per query.
  if (!/where/i.test(sql)) return [];
  let tree: Json;
  try {
    // `serialized`: the tree the read-only check already asked DuckDB for (sandbox.ts), saving a round trip.
    // The argument must be a literal (a parameter has no type at bind time).
    const text = serialized ?? String((await connection.runAndReadAll(`SELECT json_serialize_sql('${sql.replaceAll("'", "''")}')`)).getRows()[0]?.[0]);
    tree = JSON.parse(text) as Json;
  } catch {
    return [];
  }
  const root = object(tree);
  const statements = root?.['statements'];
  if (!root || root['error'] !== false || !Array.isArray(statements) || statements.length !== 1) return [];
  const node = object(object(statements[0] ?? null)?.['node']);
  const from = object(node?.['from_table']);
  if (!node || node['type'] !== 'SELECT_NODE' || !from || from['type'] !== 'BASE_TABLE') return [];
  const cteMap = object(node['cte_map'])?.['map'];
  if (Array.isArray(cteMap) && cteMap.length > 0) return [];
  if (from['schema_name'] !== '' || from['catalog_name'] !== '' || from['at_clause'] !== null) return [];
  if (typeof from['table_name'] !== 'string' || from['table_name'].toLowerCase() !== viewName.toLowerCase()) return [];
  const where = object(node['where_clause']);
  if (!where) return [];
  const names = new Set([viewName.toLowerCase()]);
  if (typeof from['alias'] === 'string' && from['alias'] !== '') names.add(from['alias'].toLowerCase());
  const out: Predicate[] = [];
  conjuncts(where, names, out);
  return out;
}

type Bound = number | string;

function comparable(value: unknown): Bound | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : null;
  if (typeof value === 'string') return value;
  return null;
}

/** Iceberg orders strings by their UTF-8 bytes, which JS `<` on UTF-16 does not always match. */
function compare(a: Bound, b: Bound): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
}

function cannotMatch(predicate: Predicate, low: Bound, high: Bound): boolean {
  const v = predicate.value;
  if (typeof v !== typeof low || typeof v !== typeof high) return false;
  const s = predicate.slack;
  const belowLow = (x: Bound) => (typeof x === 'number' ? x + s < (low as number) : compare(x, low) < 0);
  const aboveHigh = (x: Bound) => (typeof x === 'number' ? x - s > (high as number) : compare(x, high) > 0);
  switch (predicate.op) {
    case '=':
      return belowLow(v) || aboveHigh(v);
    case '!=':
      return s === 0 && compare(low, high) === 0 && compare(low, v) === 0;
    case '<':
      return typeof v === 'number' ? (low as number) >= v + s : compare(low, v) >= 0;
    case '<=':
      return belowLow(v);
    case '>':
      return typeof v === 'number' ? (high as number) <= v - s : compare(high, v) <= 0;
    case '>=':
      return aboveHigh(v);
  }
}

/** Files of `view` that may hold rows matching every predicate. */
export function pruneFiles(view: SnapshotView, predicates: readonly Predicate[]): ViewFile[] {
  if (predicates.length === 0) return view.files;
  const fieldIds = new Map(view.fields.map((field) => [field.name.toLowerCase(), field]));
  const usable = predicates.flatMap((predicate) => {
    const field = fieldIds.get(predicate.column);
    if (!field || typeof field.type !== 'string') return [];
    const numeric = /^(int|long|float|double|timestamp|timestamptz)$/.test(field.type);
    const text = field.type === 'string';
    const isTime = field.type.startsWith('timestamp');
    // DuckDB sorts NaN above every number but bounds leave NaN out: only <, <= and = are safe on floats.
    if ((field.type === 'float' || field.type === 'double') && !['<', '<=', '='].includes(predicate.op)) return [];
    // A timestamp column only compares with a timestamp literal of its own kind (a naive literal against a
    // zoned column is converted in the session time zone), a number column with a number.
    if (numeric && (typeof predicate.value !== 'number' || isTime !== (predicate.time !== undefined))) return [];
    if (field.type === 'timestamp' && predicate.time !== 'naive') return [];
    if (field.type === 'timestamptz' && predicate.time !== 'zoned') return [];
    if (text && typeof predicate.value !== 'string') return [];
    if (!numeric && !text) return [];
    return [{ predicate, id: field.id }];
  });
  if (usable.length === 0) return view.files;
  return view.files.filter((file) =>
    usable.every(({ predicate, id }) => {
      const partition = file.identityPartition?.[id];
      if (partition !== undefined && partition !== null) {
        const value = comparable(partition);
        if (value !== null && cannotMatch(predicate, value, value)) return false;
      }
      const low = comparable(file.lowerBounds?.[id]);
      const high = comparable(file.upperBounds?.[id]);
      return low === null || high === null || !cannotMatch(predicate, low, high);
    }),
  );
}
