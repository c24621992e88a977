// Rows as a columnar batch that crosses to another thread cheaply: per field a tag byte and a float64 per
// row (numbers, epoch milliseconds of Dates, indexes into a string table with each distinct string once),
// all in transferable typed arrays. Structured clone of row objects costs a property walk per row on both
// sides; this costs one copy of two typed arrays (transferred, not copied) and a short string list.
// Values of other kinds (nested objects, arrays) travel in `others` by structured clone.
import type { Row } from '../runtime/types.ts';

const absent = 0;
const undefinedValue = 1;
const nullValue = 2;
const numberValue = 3;
const stringValue = 4;
const dateValue = 5;
const trueValue = 6;
const falseValue = 7;
const otherValue = 8;

export interface ColumnBatch {
  count: number;
  fields: readonly string[];
  /** count × fields, row-major. */
  tags: Uint8Array;
  values: Float64Array;
  strings: string[];
  others: unknown[];
}

/** Rows that carry only `fields` (the projection) as columns; keys outside `fields` are not kept. */
export function toColumns(rows: readonly Row[], fields: readonly string[], into?: { tags: Uint8Array; values: Float64Array }): ColumnBatch {
  const width = fields.length;
  const count = rows.length;
  const fits = into !== undefined && into.tags.length >= count * width && into.values.length >= count * width;
  const tags = fits ? into.tags : new Uint8Array(count * width);
  const values = fits ? into.values : new Float64Array(count * width);
  const strings: string[] = [];
  const others: unknown[] = [];
  const index = new Map<string, number>();
  for (let r = 0; r < count; r++) {
    const row = rows[r] as Row;
    const at = r * width;
    for (let f = 0; f < width; f++) {
      const name = fields[f] as string;
      const v = row[name];
      let tag: number;
      if (v === undefined) tag = Object.hasOwn(row, name) ? undefinedValue : absent;
      else if (v === null) tag = nullValue;
      else if (typeof v === 'number') {
        tag = numberValue;
        values[at + f] = v;
      } else if (typeof v === 'string') {
        tag = stringValue;
        let i = index.get(v);
        if (i === undefined) {
          i = strings.length;
          strings.push(v);
          index.set(v, i);
        }
        values[at + f] = i;
      } else if (typeof v === 'boolean') tag = v ? trueValue : falseValue;
      else if (v instanceof Date) {
        tag = dateValue;
        values[at + f] = v.getTime();
      } else {
        tag = otherValue;
        values[at + f] = others.length;
        others.push(v);
      }
      tags[at + f] = tag;
    }
  }
  return { count, fields, tags, values, strings, others };
}

const templates = new Map<string, Row>();

/** Every field, undefined: spreading it gives each row the same hidden class in one step. */
function templateOf(fields: readonly string[]): Row {
  const key = fields.join('\u0000');
  let template = templates.get(key);
  if (!template) {
    if (templates.size > 64) templates.clear();
    template = Object.fromEntries(fields.map((name) => [name, undefined]));
    templates.set(key, template);
  }
  return template;
}

/**
 * The rows of a columnar batch, each with the keys it had, in the order of `fields`. Filled a column at a
 * time, so each store site sees one key on rows of one shape (a row at a time, one site stored every key
 * and was ~3x slower).
 */
export function fromColumns(batch: ColumnBatch): Row[] {
  const { count, fields, tags, values, strings, others } = batch;
  const width = fields.length;
  const template = templateOf(fields);
  const rows: Row[] = new Array(count);
  for (let r = 0; r < count; r++) rows[r] = { ...template };
  let missing: number[] | undefined;
  for (let f = 0; f < width; f++) {
    const name = fields[f] as string;
    for (let r = 0, at = f; r < count; r++, at += width) {
      const tag = tags[at];
      const row = rows[r] as Row;
      switch (tag) {
        case numberValue: row[name] = values[at]; break;
        case stringValue: row[name] = strings[values[at] as number]; break;
        case dateValue: row[name] = new Date(values[at] as number); break;
        case nullValue: row[name] = null; break;
        case trueValue: row[name] = true; break;
        case falseValue: row[name] = false; break;
        case undefinedValue: break;
        case absent: (missing ??= []).push(at); break;
        default: row[name] = others[values[at] as number];
      }
    }
  }
  // Rows that lacked a key (decoded by JSON.parse, which sets only the keys present) lose it again.
  if (missing) for (const at of missing) delete (rows[Math.floor(at / width)] as Row)[fields[at % width] as string];
  return rows;
}

/** The buffers toColumns made, to hand to postMessage's transfer list (shared ones travel as they are). */
export function transferables(batch: ColumnBatch): ArrayBuffer[] {
  return [batch.tags.buffer, batch.values.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
