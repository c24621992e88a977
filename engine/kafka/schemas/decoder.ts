// Decoding values in the Confluent wire format for the three registry formats. Each message names its
// schema by id; `prepare` fetches the ids of a batch that are new (schemas are immutable per id), and
// `decode` then works synchronously. A value in the wrong format, or with an id the registry does not know,
// becomes a DecodeFailure for the error port, never an exception.
import type avro from 'avsc';
import type { Row } from '../../runtime/types.ts';
import { parseTimestamp } from '../../sources/file/values.ts';
import type { Decoded, Decoder } from '../formats.ts';
import { DecodeFailure } from '../formats.ts';
import type { RegistryClient, SchemaType } from '../registry/client.ts';
import { avroType, plain } from './avro.ts';
import type { SchemaFormat } from './infer.ts';
import { schemaTypeOf } from './infer.ts';
import { ProtobufSchema } from './protobuf.ts';
import { HEADER_BYTES, readMessageIndexes } from './wire.ts';

type Reader =
  | { kind: 'avro'; type: avro.Type }
  | { kind: 'protobuf'; schema: ProtobufSchema }
  | { kind: 'json'; timestamps: string[] }
  | { kind: 'mismatch'; actual: SchemaType }
  | { kind: 'broken'; reason: string }
  | { kind: 'unknown' };

const label: Record<SchemaType, string> = { AVRO: 'an Avro', PROTOBUF: 'a Protobuf', JSON: 'a JSON Schema' };

/** The properties a JSON Schema declares as date-time: their ISO text becomes Dates. */
function dateTimeProperties(schema: string): string[] {
  try {
    const properties = (JSON.parse(schema) as { properties?: Record<string, { format?: unknown }> }).properties ?? {};
    return Object.entries(properties).filter(([, p]) => p?.format === 'date-time').map(([name]) => name);
  } catch {
    return [];
  }
}

function readerFor(format: SchemaFormat, schemaType: SchemaType, schema: string): Reader {
  if (schemaType !== schemaTypeOf(format)) return { kind: 'mismatch', actual: schemaType };
  try {
    if (schemaType === 'AVRO') return { kind: 'avro', type: avroType(schema) };
    if (schemaType === 'PROTOBUF') return { kind: 'protobuf', schema: new ProtobufSchema(schema) };
    return { kind: 'json', timestamps: dateTimeProperties(schema) };
  } catch (error) {
    return { kind: 'broken', reason: (error as Error).message };
  }
}

function asRow(value: unknown): Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) ? value as Row : { value };
}

function decodeProtobuf(schema: ProtobufSchema, id: number, body: Buffer): Decoded {
  const framed = readMessageIndexes(body, 0);
  let first: Error | undefined;
  if (framed) {
    try {
      return schema.decode(body.subarray(framed.next), framed.indexes);
    } catch (error) {
      first = error as Error;
    }
  }
  // Some producers leave the message indexes out (@kafkajs/confluent-schema-registry up to 4.x, its
  // issue #152): their payload is the first message of the file straight after the schema id.
  try {
    return schema.decode(body, [0]);
  } catch {
    return new DecodeFailure(`Protobuf payload does not match schema ${id}: ${first?.message ?? 'unreadable message indexes'}`);
  }
}

export function registryDecoder(format: SchemaFormat, registry: RegistryClient, maxBytes: number): Decoder {
  const readers = new Map<number, Reader>();
  const name = label[schemaTypeOf(format)];
  return {
    async prepare(values) {
      // Unknown ids are looked up again with the next batch: the schema may be registered meanwhile.
      for (const [id, r] of readers) if (r.kind === 'unknown') readers.delete(id);
      for (const v of values) {
        if (v === null || v.length < HEADER_BYTES || v[0] !== 0) continue;
        const id = v.readUInt32BE(1);
        if (readers.has(id)) continue;
        const found = await registry.schemaById(id);
        readers.set(id, found ? readerFor(format, found.schemaType, found.schema) : { kind: 'unknown' });
      }
    },
    decode(buf, start = 0, end = buf?.length ?? 0) {
      if (buf === null) return {};
      if (end - start > maxBytes) return new DecodeFailure(`message of ${end - start} bytes exceeds the ${maxBytes}-byte limit`);
      const value = buf.subarray(start, end);
      if (value.length < HEADER_BYTES || value[0] !== 0) return new DecodeFailure(`not in the Confluent wire format (magic byte 0 and a 4-byte schema id) that ${name} schema needs`);
      const id = value.readUInt32BE(1);
      const reader = readers.get(id);
      const body = value.subarray(HEADER_BYTES);
      switch (reader?.kind) {
        case undefined:
        case 'unknown': return new DecodeFailure(`unknown schema id ${id}`);
        case 'mismatch': return new DecodeFailure(`schema id ${id} is ${label[reader.actual]} schema, not ${name} one`);
        case 'broken': return new DecodeFailure(`schema id ${id} cannot be used: ${reader.reason}`);
        case 'avro':
          try {
            return asRow(plain(reader.type.fromBuffer(body)));
          } catch (error) {
            return new DecodeFailure(`Avro payload does not match schema ${id}: ${(error as Error).message}`);
          }
        case 'protobuf': return decodeProtobuf(reader.schema, id, body);
        case 'json': {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body.toString('utf8'));
          } catch (error) {
            return new DecodeFailure(`invalid JSON after schema id ${id}: ${(error as Error).message}`);
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return new DecodeFailure(`JSON value after schema id ${id} is not an object`);
          const row = parsed as Row;
          for (const key of reader.timestamps) {
            const text = row[key];
            if (typeof text === 'string') row[key] = parseTimestamp(text) ?? text;
          }
          return row;
        }
      }
    },
  };
}
