// One JSON Lines record → a row, or why it is not one. Shared by the file source's inline decoding and the
// decode workers (engine/workers), so both give the same rows and the same reasons for the same bytes.
import type { Row } from '../../runtime/types.ts';
import type { ProjectedJsonDecoder } from './projected.ts';
import { reviveTimestamps } from './values.ts';

/** A record that is not a JSON object: what is wrong (without the line, which the caller knows) and its text. */
export class JsonRejection {
  constructor(readonly problem: string, readonly text: string) {}
}

/**
 * Decodes buf[start, end): the row (only `fields` when given, timestamps revived), a rejection, or
 * undefined for a blank record (skipped, as before).
 */
export function decodeJsonRecord(buf: Buffer, start: number, end: number, projected: ProjectedJsonDecoder | undefined, fields: readonly string[] | undefined): Row | JsonRejection | undefined {
  if (projected) {
    const row = projected.decode(buf, start, end);
    if (row) return row;
  }
  const text = buf.toString('utf8', start, end);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (text.trim() === '') return undefined;
    return new JsonRejection(`invalid JSON: ${(error as Error).message}`, text);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new JsonRejection(`expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, text);
  }
  return fields ? pick(value as Row, fields) : reviveTimestamps(value as Row);
}

/** The read fields of a fully decoded row, timestamps revived, as the projected decoder would give them. */
function pick(value: Row, fields: readonly string[]): Row {
  const row: Row = {};
  for (const name of fields) if (Object.hasOwn(value, name)) row[name] = value[name];
  return reviveTimestamps(row);
}
