// Table sort orders (spec §Sorting): the order data files are written in. Files sorted by the columns
// queries group and filter on are the clustering lever of a lake: DuckDB aggregates runs of equal keys
// faster, and each row group's min/max becomes narrow enough to prune. Order 0 is the unsorted order;
// other orders are kept in `sort-orders` and one is the default that writers (appends, copy-on-write
// rewrites, compaction) use. The writer turns an order into the ORDER BY of the COPY that writes a file.
import { EngineError } from '../../errors.ts';
import { sqlIdent } from '../duckdb.ts';
import { UNSORTED_ORDER_ID, type NestedField, type NullOrder, type PrimitiveType, type SortDirection, type SortField, type SortOrder, type StructType, type TableMetadata } from '../format/metadata.ts';
import { isPrimitive } from '../format/values.ts';
import { MICROS_PER_DAY, MICROS_PER_HOUR, parsePartitionText } from './partition.ts';

const SORT_TEXT = /^(.*?)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$/i;
const SYNTAX = 'use <column or transform(column)> [asc|desc] [nulls first|nulls last], e.g. "customer_id", "ts desc", "day(ts) asc nulls last"';

export interface SortText {
  column: string;
  /** Iceberg transform name: `identity`, `day`, `truncate[4]`, … */
  transform: string;
  direction: SortDirection;
  nullOrder: NullOrder;
}

function sortError(message: string, details: Record<string, unknown>): EngineError {
  return new EngineError('ENG_LAKE_SORT_ORDER', message, details);
}

/** `customer_id`, `ts desc`, `amount desc nulls last`, `day(ts)`; defaults per spec: asc → nulls first, desc → nulls last. */
export function parseSortText(text: string): SortText {
  const match = SORT_TEXT.exec(text.trim());
  const key = match?.[1]?.trim() ?? '';
  if (key === '') throw sortError(`sort "${text}": no column; ${SYNTAX}`, { sort: text });
  let parsed: { column: string; transform: string };
  try {
    parsed = parsePartitionText(key);
  } catch {
    // name the words that are neither a column nor a direction ("amount dsc" → "dsc")
    const rest = /^(?:\w+\s*\([^)]*\)|\S+)\s+(.*)$/.exec(key)?.[1];
    throw sortError(
      rest === undefined ? `sort "${text}": "${key}" is not a column or a transform of one; ${SYNTAX}` : `sort "${text}": "${rest}" is not a direction; ${SYNTAX}`,
      { sort: text },
    );
  }
  const direction = (match?.[2]?.toLowerCase() ?? 'asc') as SortDirection;
  const nulls = match?.[3]?.toLowerCase();
  const nullOrder: NullOrder = nulls === undefined ? (direction === 'asc' ? 'nulls-first' : 'nulls-last') : nulls === 'first' ? 'nulls-first' : 'nulls-last';
  return { ...parsed, direction, nullOrder };
}

/** Sort texts resolved against the table's columns; fails naming the text and the column. */
export function bindSortTexts(texts: readonly string[], struct: StructType, table: string): SortField[] {
  return texts.map((text) => {
    const s = parseSortText(text);
    const source = struct.fields.find((f) => f.name === s.column);
    if (!source) {
      throw sortError(`${table}: sort "${text}": no column "${s.column}"; the table has: ${struct.fields.map((f) => f.name).join(', ')}`, { table, sort: text, column: s.column });
    }
    const field: SortField = { transform: s.transform, 'source-id': source.id, direction: s.direction, 'null-order': s.nullOrder };
    sortKeySql(field, source, table); // fails now on a column or transform the writer cannot order by
    return field;
  });
}

/** The DuckDB expression whose order is the order of transform(column). */
function sortKeySql(field: SortField, source: NestedField, table: string): string {
  const fail = (why: string): never => {
    throw sortError(`${table}: cannot sort by ${fieldText(field, source.name)}: ${why}`, { table, column: source.name, transform: field.transform });
  };
  if (!isPrimitive(source.type)) return fail(`"${source.name}" is a ${source.type.type}, not a primitive column`);
  const type: PrimitiveType = source.type;
  const col = sqlIdent(source.name);
  const t = field.transform;
  const timestamp = type === 'timestamp' || type === 'timestamptz';
  if (t === 'identity') return col;
  if (t === 'day' && type === 'date') return col;
  if (t === 'day' || t === 'hour') {
    if (!timestamp) return fail(`${t}() needs a timestamp${t === 'day' ? ' or date' : ''} column, not ${type}`);
    // floor to the unit in UTC micros (epoch_us ignores the session time zone, date_trunc on timestamptz does not)
    const unit = t === 'day' ? MICROS_PER_DAY : MICROS_PER_HOUR;
    return `(epoch_us(${col}) - ((epoch_us(${col}) % ${unit}) + ${unit}) % ${unit})`;
  }
  if (t === 'month' || t === 'year') {
    if (type === 'date') return `date_trunc('${t}', ${col})`;
    if (timestamp) return `date_trunc('${t}', make_timestamp(epoch_us(${col})))`;
    return fail(`${t}() needs a timestamp or date column, not ${type}`);
  }
  const truncate = /^truncate\[(\d+)\]$/.exec(t);
  if (truncate) {
    const w = Number(truncate[1]);
    if (!(w > 0)) return fail('the width must be positive');
    if (type === 'int' || type === 'long') return `(${col} - ((${col} % ${w}) + ${w}) % ${w})`;
    if (type === 'string') return `left(${col}, ${w})`;
    return fail(`truncate() sorts int, long and string columns here, not ${type}`);
  }
  // bucket[N] orders by Iceberg's murmur3 hash, which DuckDB cannot compute; void orders nothing
  return fail(`the transform "${t}" is not supported for sorting (use identity, year, month, day, hour or truncate)`);
}

/** ORDER BY text for the fields (null when there are none), with the spec's NULLS FIRST/LAST. */
export function orderBySql(fields: readonly SortField[], struct: StructType, table: string): string | null {
  if (fields.length === 0) return null;
  return fields
    .map((f) => {
      const source = struct.fields.find((x) => x.id === f['source-id']);
      if (!source) throw sortError(`${table}: sort field source id ${f['source-id']} is not a column of the table`, { table, sourceId: f['source-id'] });
      return `${sortKeySql(f, source, table)} ${f.direction.toUpperCase()} ${f['null-order'] === 'nulls-first' ? 'NULLS FIRST' : 'NULLS LAST'}`;
    })
    .join(', ');
}

export function defaultSortOrder(m: TableMetadata): SortOrder {
  return m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']) ?? { 'order-id': UNSORTED_ORDER_ID, fields: [] };
}

/** What new data files of the table are written in: the order's id and ORDER BY, or none for unsorted tables. */
export interface WriteOrder {
  orderId: number | null;
  orderBy: string | null;
}

export const UNORDERED: WriteOrder = { orderId: null, orderBy: null };

/**
 * The write order of the table's default sort order. An order this writer cannot produce (a bucket order
 * another tool set) is not faked: such files are written unsorted and carry no sort_order_id.
 */
export function writeOrder(m: TableMetadata, struct: StructType, table: string): WriteOrder {
  const order = defaultSortOrder(m);
  if (order.fields.length === 0) return UNORDERED;
  try {
    return { orderId: order['order-id'], orderBy: orderBySql(order.fields, struct, table) };
  } catch (error) {
    if (error instanceof EngineError && error.code === 'ENG_LAKE_SORT_ORDER') return UNORDERED;
    throw error;
  }
}

function sameFields(a: readonly SortField[], b: readonly SortField[]): boolean {
  return a.length === b.length && a.every((f, i) => {
    const g = b[i];
    return g !== undefined && f.transform === g.transform && f['source-id'] === g['source-id'] && f.direction === g.direction && f['null-order'] === g['null-order'];
  });
}

/**
 * Metadata with `fields` as the default order, reusing the id of an equal order already in the list (as
 * Java's ReplaceSortOrder does); null when it already is the default, so no version is committed.
 */
export function withSortOrder(m: TableMetadata, fields: readonly SortField[]): TableMetadata | null {
  const existing = fields.length === 0 ? m['sort-orders'].find((o) => o['order-id'] === UNSORTED_ORDER_ID) : m['sort-orders'].find((o) => sameFields(o.fields, fields));
  if (existing) return existing['order-id'] === m['default-sort-order-id'] ? null : { ...m, 'default-sort-order-id': existing['order-id'] };
  const id = fields.length === 0 ? UNSORTED_ORDER_ID : Math.max(UNSORTED_ORDER_ID, ...m['sort-orders'].map((o) => o['order-id'])) + 1;
  return { ...m, 'sort-orders': [...m['sort-orders'], { 'order-id': id, fields: [...fields] }], 'default-sort-order-id': id };
}

/** Whether the order's fields are the same as the default order of `m`. */
export function isDefaultOrder(m: TableMetadata, fields: readonly SortField[]): boolean {
  return sameFields(defaultSortOrder(m).fields, fields);
}

function fieldText(f: SortField, column: string): string {
  const t = f.transform;
  const bucket = /^(bucket|truncate)\[(\d+)\]$/.exec(t);
  const key = t === 'identity' ? column : bucket ? `${bucket[1]}(${bucket[2]}, ${column})` : `${t}(${column})`;
  return `${key} ${f.direction} ${f['null-order'] === 'nulls-first' ? 'nulls first' : 'nulls last'}`;
}

/** The order as the texts `parseSortText` reads ("customer_id asc nulls first", …); empty when unsorted. */
export function sortOrderTexts(order: SortOrder, struct: StructType): string[] {
  return order.fields.map((f) => fieldText(f, struct.fields.find((x) => x.id === f['source-id'])?.name ?? `#${f['source-id']}`));
}
