// Protobuf payloads through protobufjs: a registered .proto text becomes a set of message types, addressed
// the Confluent way by message indexes (the position of the top-level message in the file, then of each
// nested message within its parent). Rows are plain objects: int64 as number, enums by name, bytes as
// Uint8Array, google.protobuf.Timestamp as Date, nested messages as objects, absent fields with presence
// as null.
import protobuf from 'protobufjs';
import type { Row } from '../../runtime/types.ts';

const wellKnown = ['google/protobuf/timestamp.proto', 'google/protobuf/duration.proto', 'google/protobuf/wrappers.proto', 'google/protobuf/struct.proto', 'google/protobuf/empty.proto', 'google/protobuf/any.proto'];
const timestampType = '.google.protobuf.Timestamp';

export class ProtobufSchema {
  private readonly root: protobuf.Root;
  /** The top-level messages in declaration order: index 0 is the first message of the file. */
  private readonly top: protobuf.Type[];

  constructor(text: string) {
    this.root = new protobuf.Root();
    // The registry stores the schema text alone; its well-known imports are protobufjs' bundled copies.
    for (const file of wellKnown) {
      const json = protobuf.common.get(file);
      if (json?.nested) this.root.addJSON(json.nested);
    }
    const parsed = protobuf.parse(text, this.root, { keepCase: true });
    this.root.resolveAll();
    const pkg = parsed.package ? this.root.lookup(parsed.package) : this.root;
    this.top = messagesOf(pkg as protobuf.Namespace);
    if (this.top.length === 0) throw new Error('the Protobuf schema declares no message');
  }

  /** The message type at these Confluent message indexes. */
  typeAt(indexes: readonly number[]): protobuf.Type | undefined {
    let type = this.top[indexes[0] ?? 0];
    for (const i of indexes.slice(1)) type = type ? messagesOf(type)[i] : undefined;
    return type;
  }

  /** The indexes of the message the sink writes: the first message of the file. */
  readonly writeIndexes: readonly number[] = [0];

  decode(body: Uint8Array, indexes: readonly number[]): Row {
    const type = this.typeAt(indexes);
    if (!type) throw new Error(`message indexes [${indexes.join(', ')}] name no message in the schema`);
    return toRow(type, type.decode(body));
  }

  encode(row: Row): Uint8Array {
    const type = this.top[0]!;
    return type.encode(type.fromObject(fromRow(type, row))).finish();
  }
}

function messagesOf(ns: protobuf.Namespace): protobuf.Type[] {
  return ns.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
}

function isTimestamp(field: protobuf.Field): boolean {
  return field.resolvedType instanceof protobuf.Type && field.resolvedType.fullName === timestampType;
}

function scalarOut(field: protobuf.Field, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (isTimestamp(field)) {
    const t = value as { seconds?: unknown; nanos?: unknown };
    return new Date(Number(t.seconds ?? 0) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6));
  }
  if (field.resolvedType instanceof protobuf.Enum) return field.resolvedType.valuesById[value as number] ?? value;
  if (field.resolvedType instanceof protobuf.Type) return toRow(field.resolvedType, value as protobuf.Message);
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) return Number(String(value));
  if (value instanceof Uint8Array) return new Uint8Array(value);
  return value;
}

function toRow(type: protobuf.Type, message: protobuf.Message | Record<string, unknown>): Row {
  const m = message as Record<string, unknown>;
  const row: Row = {};
  for (const field of type.fieldsArray) {
    const present = Object.hasOwn(m, field.name);
    const value = m[field.name];
    if (field.repeated) row[field.name] = present && Array.isArray(value) ? value.map((v) => scalarOut(field, v)) : [];
    else if (field.map) row[field.name] = present ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, scalarOut(field, v)])) : {};
    else if (present) row[field.name] = scalarOut(field, value);
    else row[field.name] = field.hasPresence ? null : scalarOut(field, field.typeDefault);
  }
  return row;
}

function scalarIn(field: protobuf.Field, value: unknown): unknown {
  if (isTimestamp(field)) {
    const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number(value);
    return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
  }
  if (field.resolvedType instanceof protobuf.Type) return fromRow(field.resolvedType, value as Row);
  // A nested value for a text field travels as its JSON text, as in the JSON sink.
  if (field.type === 'string' && typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value);
  if (field.type === 'string' && value instanceof Date) return value.toISOString();
  return value;
}

function fromRow(type: protobuf.Type, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = row[field.name];
    if (value === null || value === undefined) continue;
    out[field.name] = field.repeated && Array.isArray(value) ? value.map((v: unknown) => scalarIn(field, v)) : scalarIn(field, value);
  }
  return out;
}
