// The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then the payload.
// Protobuf payloads start with the message indexes: which message of the .proto file (and which nested one)
// this is, as a count and the indexes, each a zigzag varint; [0] (the first message) is the single byte 0.

export const HEADER_BYTES = 5;

/** The schema id of a framed value, or undefined when it is not in the wire format. */
export function schemaIdOf(value: Buffer): number | undefined {
  return value.length >= HEADER_BYTES && value[0] === 0 ? value.readUInt32BE(1) : undefined;
}

export function frame(schemaId: number, body: Uint8Array, indexes?: readonly number[]): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt32BE(schemaId, 1);
  return indexes ? Buffer.concat([head, writeMessageIndexes(indexes), body]) : Buffer.concat([head, body]);
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function writeVarint(out: number[], value: number): void {
  let v = zigzag(value);
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

export function writeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  writeVarint(out, indexes.length);
  for (const i of indexes) writeVarint(out, i);
  return Buffer.from(out);
}

/** Reads zigzag varints from `offset`; undefined when the bytes end first or a varint runs too long. */
function readVarint(buf: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let raw = 0;
  let scale = 1;
  for (let i = offset; i < buf.length && i < offset + 5; i++) {
    const byte = buf[i]!;
    raw += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value: raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, next: i + 1 };
  }
  return undefined;
}

/**
 * The message indexes at `offset` and where the message starts; undefined when they cannot be read
 * (negative or absurd counts, an index below 0, or the bytes end).
 */
export function readMessageIndexes(buf: Uint8Array, offset: number): { indexes: number[]; next: number } | undefined {
  const count = readVarint(buf, offset);
  if (!count || count.value < 0 || count.value > 64) return undefined;
  if (count.value === 0) return { indexes: [0], next: count.next };
  const indexes: number[] = [];
  let next = count.next;
  for (let i = 0; i < count.value; i++) {
    const index = readVarint(buf, next);
    if (!index || index.value < 0) return undefined;
    indexes.push(index.value);
    next = index.next;
  }
  return { indexes, next };
}
