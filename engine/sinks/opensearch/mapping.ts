// Field types and documents for the OpenSearch sink (engine/sinks/README.md, "sink.opensearch"):
//   string → text with a `keyword` sub-field (ignore_above 256), as OpenSearch's own dynamic mapping does,
//   whole number → long, other number → double (a field that sees both in one commit is double),
//   boolean → boolean, timestamp → date (ISO 8601 with milliseconds), bytes → binary (base64),
//   object → object (its sub-fields mapped dynamically), array → the type of its first non-null element,
//   only nulls → not mapped until a value comes.
// Document ids: windowed rows by their upsert key (window bounds' start plus group keys), appends by the
// sink's `id` expression or, without one, by a tag of pipeline and node, checkpoint and position, so a
// commit that is repeated after a crash overwrites the same documents.
import { createHash } from 'node:crypto';
import type { Row } from '../../runtime/types.ts';

export type FieldMapping = Record<string, unknown>;

const textMapping: FieldMapping = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
const dateMapping: FieldMapping = { type: 'date', format: 'strict_date_optional_time||epoch_millis' };
const longMapping: FieldMapping = { type: 'long' };
const doubleMapping: FieldMapping = { type: 'double' };

/** The mapping of one value, or null for null (nothing to map yet). */
export function mappingOf(value: unknown): FieldMapping | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return textMapping;
  if (typeof value === 'number') return { ...(Number.isInteger(value) ? longMapping : doubleMapping) };
  if (typeof value === 'bigint') return { ...longMapping };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (value instanceof Date) return dateMapping;
  if (value instanceof Uint8Array) return { type: 'binary' };
  if (Array.isArray(value)) {
    for (const item of value) {
      const m = mappingOf(item);
      if (m) return m;
    }
    return null;
  }
  if (typeof value === 'object') return { type: 'object' };
  return null;
}

/**
 * Top-level field → mapping, folded row by row (batches in order give what all their rows at once
 * give); first-seen order, long widened to double.
 */
export class MappingFold {
  readonly fields = new Map<string, FieldMapping>();

  add(row: Row): void {
    const out = this.fields;
    for (const name in row) {
      const had = out.get(name);
      // only a long can still change (to double): a field mapped otherwise needs no look at its value
      if (had && had.type !== 'long') continue;
      const value = row[name];
      if (had) {
        if (typeof value === 'number' && !Number.isInteger(value)) out.set(name, { ...doubleMapping });
        else if (Array.isArray(value) && mappingOf(value)?.type === 'double') out.set(name, { ...doubleMapping });
        continue;
      }
      const m = mappingOf(value);
      if (m) out.set(name, m);
    }
  }
}

/** Whether `add(row)` would change the mapping (a field not mapped yet, or a long that becomes double). */
export function widens(fields: ReadonlyMap<string, FieldMapping>, row: Row): boolean {
  for (const name in row) {
    const had = fields.get(name);
    if (had && had.type !== 'long') continue;
    const value = row[name];
    if (had) {
      if (typeof value === 'number' && !Number.isInteger(value)) return true;
      if (Array.isArray(value) && mappingOf(value)?.type === 'double') return true;
      continue;
    }
    if (mappingOf(value)) return true;
  }
  return false;
}

/** Top-level field → mapping for these rows, first-seen order; long widened to double. */
export function inferMappings(rows: readonly Row[]): Map<string, FieldMapping> {
  const fold = new MappingFold();
  for (const row of rows) fold.add(row);
  return fold.fields;
}

/**
 * JSON.stringify replacer. It reads the holder's own value, because a Buffer's toJSON runs before the
 * replacer sees it ({type: 'Buffer', data: [...]}) and bytes must be base64 for a `binary` field.
 */
function jsonValue(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/**
 * The JSON source of a row (Dates as ISO 8601 through toJSON, bytes as base64, big integers exact). A row
 * of only strings, numbers, booleans, nulls and dates is stringified without the replacer, which gives the
 * same text: a replacer takes JSON.stringify off its fast path (about 1 µs a bench row). (Writing the text
 * field by field with timestamps.ts for the dates was slower still: 1.6x the commit's CPU.)
 */
export function documentJson(row: Row): string {
  for (const name in row) {
    const value = row[name];
    if (typeof value === 'bigint' || (typeof value === 'object' && value !== null && !(value instanceof Date))) return JSON.stringify(row, jsonValue);
  }
  return JSON.stringify(row);
}

/** OpenSearch keeps ids up to 512 bytes; longer ones are replaced by a hash of the text. */
function fitId(text: string): string {
  return Buffer.byteLength(text) <= 512 ? text : `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The document id of a keyed row: its key values as a JSON array (timestamps as ISO 8601). */
export function keyId(row: Row, key: readonly string[]): string {
  return fitId(JSON.stringify(key.map((k) => row[k] ?? null), jsonValue));
}

/** The document id an `id` expression gave, or null when it gave nothing usable. */
export function expressionId(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value, jsonValue) : String(value);
  return text === '' ? null : fitId(text);
}

/**
 * The id of an append without an `id` expression, stable for a checkpoint's staged rows:
 * `<node tag>.<checkpoint>.<position>` (numbers in base 36), the tag being 72 bits of SHA-256 of the
 * pipeline and node names (12 base64url characters, see nodeTag), so nodes writing one index keep apart.
 * About 20 bytes, where pipeline/node/checkpoint/position was 40 for the bench's names.
 */
export function positionId(tag: string, checkpoint: number, position: number): string {
  return `${tag}.${checkpoint.toString(36)}.${position.toString(36)}`;
}

/** The pipeline and node part of positional ids (positionId). */
export function nodeTag(pipeline: string, node: string): string {
  return createHash('sha256').update(JSON.stringify([pipeline, node])).digest('base64url').slice(0, 12);
}

/** Positional ids as sink versions before commit-log `ids: 2` wrote them, for a checkpoint such a version may have half written. */
export function legacyPositionId(pipeline: string, node: string, checkpoint: number, position: number): string {
  return fitId(`${pipeline}/${node}/${checkpoint}/${position}`);
}
