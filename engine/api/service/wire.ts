// Engine values → plain JSON for the boundary (contract.ts: WireValue). Both hosts use it, so a row looks
// the same in the desktop app and in the browser.
import type { WireRow, WireValue } from '../contract.ts';

export function toWire(value: unknown, depth = 0): WireValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON has no NaN or Infinity; the text keeps the value visible instead of a silent null.
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  if (depth > 32) return '[nested too deep]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map((item) => toWire(item, depth + 1));
  if (value instanceof Map) {
    const out: Record<string, WireValue> = {};
    for (const [k, v] of value) out[String(k)] = toWire(v, depth + 1);
    return out;
  }
  const out: Record<string, WireValue> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = toWire(v, depth + 1);
  return out;
}

export function toWireRow(row: Record<string, unknown>): WireRow {
  const out: WireRow = {};
  for (const [k, v] of Object.entries(row)) out[k] = toWire(v);
  return out;
}
