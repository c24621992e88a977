// Iceberg's single-value binary serialization (spec Appendix D), used for column lower/upper bounds in
// manifests and partition summaries in manifest lists. Values here are in the table's internal form:
// int/long/float/double → number, date → days since epoch, time/timestamp → microseconds (number),
// decimal → unscaled bigint, string → string, binary/fixed → Uint8Array, uuid → string.
import type { IcebergType, PrimitiveType } from './metadata.ts';

export type PrimitiveValue = boolean | number | bigint | string | Uint8Array;

export function isPrimitive(type: IcebergType): type is PrimitiveType {
  return typeof type === 'string';
}

export function decimalScale(type: string): { precision: number; scale: number } | null {
  const m = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(type);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : null;
}

export function encodeValue(type: PrimitiveType, value: PrimitiveValue): Buffer {
  switch (type) {
    case 'boolean':
      return Buffer.from([value ? 1 : 0]);
    case 'int':
    case 'date': {
      const b = Buffer.alloc(4);
      b.writeInt32LE(Number(value));
      return b;
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(value as number));
      return b;
    }
    case 'float': {
      const b = Buffer.alloc(4);
      b.writeFloatLE(Number(value));
      return b;
    }
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(value));
      return b;
    }
    case 'string':
      return Buffer.from(String(value), 'utf8');
    case 'uuid':
      return Buffer.from(String(value).replaceAll('-', ''), 'hex');
    case 'binary':
      return Buffer.from(value as Uint8Array);
    default:
      if (type.startsWith('fixed[')) return Buffer.from(value as Uint8Array);
      if (decimalScale(type)) return decimalBytes(BigInt(value as bigint));
      throw new Error(`no binary serialization for type ${type}`);
  }
}

/** Reads a bound; a 4-byte bound in a long/double column comes from a file written before widening. */
export function decodeValue(type: PrimitiveType, bytes: Uint8Array): PrimitiveValue {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'boolean':
      return b[0] !== 0;
    case 'int':
    case 'date':
      return b.readInt32LE(0);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return b.length === 4 ? b.readInt32LE(0) : Number(b.readBigInt64LE(0));
    case 'float':
      return b.readFloatLE(0);
    case 'double':
      return b.length === 4 ? b.readFloatLE(0) : b.readDoubleLE(0);
    case 'string':
      return b.toString('utf8');
    case 'uuid': {
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    default:
      if (decimalScale(type)) return decimalFromBytes(b);
      return new Uint8Array(b);
  }
}

/** Minimal big-endian two's-complement bytes of an unscaled decimal (also what bucket[N] hashes). */
export function decimalBytes(unscaled: bigint): Buffer {
  let hex = (unscaled < 0n ? -unscaled : unscaled).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (unscaled >= 0n) {
    if (bytes.length === 0 || (bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return bytes;
  }
  // two's complement of the magnitude, in the fewest bytes that keep the sign bit set
  let n = bytes.length;
  const limit = 1n << BigInt(n * 8 - 1);
  if (-unscaled > limit) n += 1;
  const out = Buffer.alloc(n);
  let v = (1n << BigInt(n * 8)) + unscaled;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function decimalFromBytes(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  if ((b[0] ?? 0) & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

/** Total order used for bounds and pruning (strings compare by UTF-8 bytes, as Java does). */
export function compareValues(a: PrimitiveValue, b: PrimitiveValue): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = BigInt(a as bigint);
    const y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
