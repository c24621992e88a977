// Message payloads ↔ rows. Decoding never throws for bad input: it returns a reason, and the source sends
// the message to its error port. Avro, Protobuf and JSON Schema use the Confluent wire format and the
// schema registry (schemas/decoder.ts).
import { asUtf8, type InputEncoding } from '../sources/encoding.ts';
import { EngineError } from '../errors.ts';
import type { Row } from '../runtime/types.ts';
import { ProjectedJsonDecoder } from '../sources/file/projected.ts';
import { reviveTimestamps } from '../sources/file/values.ts';
import type { RegistryClient } from './registry/client.ts';
import { registryDecoder } from './schemas/decoder.ts';

export type MessageFormat = 'json' | 'csv' | 'string' | 'bytes' | 'avro' | 'protobuf' | 'json-schema';
export const messageFormats: readonly MessageFormat[] = ['json', 'csv', 'string', 'bytes', 'avro', 'protobuf', 'json-schema'];

/** Formats whose values name a schema in the registry (Confluent wire format). */
export function usesRegistry(format: MessageFormat): format is 'avro' | 'protobuf' | 'json-schema' {
  return format === 'avro' || format === 'protobuf' || format === 'json-schema';
}

/** Larger payloads go to the error port instead of being decoded (the broker may allow more). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;

/** Why a message could not be decoded (rows are plain objects, never of this class). */
export class DecodeFailure {
  constructor(readonly reason: string) {}
}

export type Decoded = Row | DecodeFailure;

export interface Decoder {
  /** Fetches whatever decoding these payloads needs (registry schemas); call before decode. */
  prepare(values: readonly (Buffer | null)[]): Promise<void>;
  /**
   * The fields of the value in buf[start, end) (the whole buffer by default); null (a tombstone) decodes
   * to no fields. Taking a range lets the source decode straight from a fetched buffer.
   */
  decode(buf: Buffer | null, start?: number, end?: number): Decoded;
}

export interface DecoderOptions {
  columns?: string[];
  registry?: RegistryClient;
  maxBytes?: number;
  /**
   * The value fields the pipeline reads (NodeContext.fields less the message metadata): JSON rows then
   * carry only these, decoded by the projected decoder, with ISO timestamps revived.
   */
  fields?: readonly string[];
  /** json: fields whose ISO timestamps the projected decoder gives as epoch ms (ProjectedOptions.epoch). */
  epoch?: readonly string[];
  /** json, csv and string: how value bytes become text (default utf-8, strict). */
  encoding?: InputEncoding;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// ISO-8601 instants become Dates so windows can use them as event time; cheap shape checks first.
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
function reviveTimes(row: Row): Row {
  for (const key in row) reviveOne(row, key);
  return row;
}

function reviveOne(row: Row, key: string): void {
  const v = row[key];
  if (typeof v === 'string' && v.length >= 17 && v.length <= 35 && v.charCodeAt(4) === 45 && v.charCodeAt(10) === 84 && isoInstant.test(v)) {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) row[key] = new Date(ms);
  }
}

/** The read fields of a fully parsed row, timestamps revived as the projected decoder does. */
function pick(value: Row, fields: readonly string[]): Row {
  const row: Row = {};
  for (const name of fields) if (Object.hasOwn(value, name)) row[name] = value[name];
  return reviveTimestamps(row);
}

function range(buf: Buffer | null, start: number | undefined, end: number | undefined): Buffer | null {
  if (buf === null || ((start === undefined || start === 0) && (end === undefined || end === buf.length))) return buf;
  return buf.subarray(start, end);
}

function text(value: Buffer): string | undefined {
  try {
    return utf8.decode(value);
  } catch {
    return undefined;
  }
}

/** Splits one CSV record (RFC 4180 quoting); undefined when a quote is left open. */
export function splitCsv(line: string): string[] | undefined {
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { out.push(field); field = ''; }
    else if (c !== '\r' && c !== '\n') field += c;
    i++;
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}

const numeric = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
function csvValue(s: string): unknown {
  if (s === '') return null;
  if (numeric.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  if (isoInstant.test(s)) return new Date(Date.parse(s));
  return s;
}

export function describePayload(value: Buffer | null, limit = 512): string | null {
  if (value === null) return null;
  const head = value.subarray(0, limit);
  const t = text(head);
  const shown = t ?? `base64:${head.toString('base64')}`;
  return value.length > limit ? `${shown}… (${value.length} bytes)` : shown;
}

/** A value's text in the chosen encoding, or why it has none (strict UTF-8 names the first bad byte). */
function textIn(value: Buffer, encoding: InputEncoding | undefined): string | DecodeFailure {
  const range = asUtf8(value, 0, value.length, encoding);
  if (!range.ok) return new DecodeFailure(`value is not valid UTF-8: invalid byte at offset ${range.invalidAt} (set the source's encoding to latin1 or utf-8-replace to read such text)`);
  return range.buf.toString('utf8', range.start, range.end);
}

export function createDecoder(format: MessageFormat, opts: DecoderOptions = {}): Decoder {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const encoding = opts.encoding;
  const tooBig = (value: Buffer): Decoded | undefined =>
    value.length > maxBytes ? new DecodeFailure(`message of ${value.length} bytes exceeds the ${maxBytes}-byte limit`) : undefined;
  const none = async (): Promise<void> => {};

  switch (format) {
    case 'json': {
      const fields = opts.fields;
      // `__proto__` cannot be assigned like other keys, so such a pipeline keeps whole rows.
      const projected = fields && !fields.includes('__proto__') ? new ProjectedJsonDecoder(fields, { epoch: opts.epoch }) : undefined;
      const strict = (encoding ?? 'utf-8') === 'utf-8';
      return {
        prepare: none,
        decode(buf, start = 0, end = buf?.length ?? 0) {
          if (buf === null) return {};
          if (end - start > maxBytes) return new DecodeFailure(`message of ${end - start} bytes exceeds the ${maxBytes}-byte limit`);
          // Strict UTF-8 (the default): the projected decoder checks the bytes in its own scan; a value it
          // declines is checked and parsed below as before (it would decline it again, so it is not retried).
          if (projected && strict) {
            const row = projected.decodeUtf8(buf, start, end);
            if (row) return row;
          }
          const bytes = asUtf8(buf, start, end, encoding);
          if (!bytes.ok) return new DecodeFailure(`value is not valid UTF-8: invalid byte at offset ${bytes.invalidAt - start} (set the source's encoding to latin1 or utf-8-replace to read such text)`);
          if (projected && !strict) {
            const row = projected.decode(bytes.buf, bytes.start, bytes.end);
            if (row) return row;
          }
          // JSON.parse decides whatever the projected decoder is not sure about (escapes, bad JSON).
          let parsed: unknown;
          try {
            parsed = JSON.parse(bytes.buf.toString('utf8', bytes.start, bytes.end));
          } catch (error) {
            return new DecodeFailure(`invalid JSON: ${(error as Error).message}`);
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            return new DecodeFailure(`JSON value is ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}, expected an object`);
          }
          return fields ? pick(parsed as Row, fields) : reviveTimes(parsed as Row);
        },
      };
    }
    case 'csv': {
      const columns = opts.columns;
      if (!columns?.length) throw new EngineError('ENG_FORMAT_INVALID', 'The csv format needs the column names in order ("columns")');
      return {
        prepare: none,
        decode(buf, start, end) {
          const value = range(buf, start, end);
          if (value === null) return {};
          const big = tooBig(value);
          if (big) return big;
          const line = textIn(value, encoding);
          if (line instanceof DecodeFailure) return line;
          const cells = splitCsv(line);
          if (!cells) return new DecodeFailure('CSV value has an unclosed quote');
          if (cells.length !== columns.length) return new DecodeFailure(`CSV value has ${cells.length} fields, expected ${columns.length} (${columns.join(', ')})`);
          const row: Row = {};
          for (let i = 0; i < columns.length; i++) row[columns[i]!] = csvValue(cells[i]!);
          return row;
        },
      };
    }
    case 'string':
      return {
        prepare: none,
        decode(buf, start, end) {
          const value = range(buf, start, end);
          if (value === null) return { value: null };
          const big = tooBig(value);
          if (big) return big;
          const t = textIn(value, encoding);
          return t instanceof DecodeFailure ? t : { value: t };
        },
      };
    case 'bytes':
      return {
        prepare: none,
        decode(buf, start, end) {
          const value = range(buf, start, end);
          if (value === null) return { value: null };
          const big = tooBig(value);
          if (big) return big;
          return { value: new Uint8Array(value.buffer, value.byteOffset, value.length).slice() };
        },
      };
    case 'avro':
    case 'protobuf':
    case 'json-schema': {
      if (!opts.registry) throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `The ${format} format needs a schema registry URL on the Kafka connection`);
      return registryDecoder(format, opts.registry, maxBytes);
    }
  }
}

/** JSON text of a row; Dates as ISO-8601, bytes as base64. */
export function encodeJson(row: Row): Buffer {
  // A replacer makes stringify several times slower, so only rows that carry bytes pay for one.
  let hasBytes = false;
  for (const key in row) if (row[key] instanceof Uint8Array) { hasBytes = true; break; }
  if (!hasBytes) return Buffer.from(JSON.stringify(row));
  return Buffer.from(JSON.stringify(row, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
}
