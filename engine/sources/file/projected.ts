// Decoding only the fields a pipeline reads, straight from the file's bytes. `JSON.parse` builds every
// field of every event (strings, numbers, the object) and then the source revives timestamps; at ~200-byte
// events that alone caps a core near 0.5 M events/s (shared/notes/performance.md). This decoder walks the
// bytes once, validates the whole line as JSON, and materialises just the wanted fields: numbers are
// computed from their digits, repeated short strings (regions, categories) come from a small cache, and
// ISO timestamps become Dates without building their text.
//
// It is an accelerator, not a second JSON parser with its own opinions: whatever it is not sure about
// (escapes in a wanted string or in a key, control characters, malformed JSON, deep nesting, a line that is
// not an object) makes it return `undefined`, and the caller decodes that line with JSON.parse as before.
// So every line it accepts is valid JSON and yields exactly the values JSON.parse (plus timestamp revival)
// would give for those fields.
import type { Row } from '../../runtime/types.ts';
import { parseTimestamp } from './values.ts';

/** Exact powers of ten (10^22 is the last one a double holds exactly). */
const pow10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const maxDepth = 64;
/** Key positions per object the layout cache remembers. */
const maxLayout = 64;
/** Distinct values a field's string cache keeps; beyond that (ids, names) strings are built each time. */
const cacheLimit = 64;
/** Misses after the cache filled up that mark a field as high-cardinality (ids), so lookups stop. */
const missLimit = 256;

interface Wanted {
  name: string;
  bytes: Buffer;
  /** Interned values of this field: their bytes and the string. */
  cached: Buffer[];
  values: string[];
  /** Strings that missed the full cache; past a limit the field is taken for an id and not looked up. */
  misses: number;
}

export class ProjectedJsonDecoder {
  private readonly byLength: (Wanted[] | undefined)[] = [];

  constructor(fields: readonly string[]) {
    const wanted = [...new Set(fields)].map((name) => ({ name, bytes: Buffer.from(name, 'utf8'), cached: [] as Buffer[], values: [] as string[], misses: 0 }));
    for (const w of wanted) (this.byLength[w.bytes.length] ??= []).push(w);
  }

  /**
   * Keys of the last object seen, by position, and the wanted field each one is. Lines of a file nearly
   * always repeat their keys in the same order, so a key is usually confirmed by one comparison against
   * its predecessor, which also proves it has no escapes, instead of a scan followed by a lookup.
   */
  private readonly layoutKeys: Buffer[] = [];
  private readonly layoutFields: (Wanted | undefined)[] = [];

  /** The wanted fields of the JSON object in buf[start, end), or undefined when JSON.parse must decide. */
  decode(buf: Buffer, start: number, end: number): Row | undefined {
    // Positions travel as return values (negative = give up) so the hot loops work on locals only.
    let p = space(buf, start, end);
    if (p >= end || buf[p] !== 0x7b /* { */) return undefined;
    p = space(buf, p + 1, end);
    const row: Row = {};
    if (p < end && buf[p] === 0x7d /* } */) return space(buf, p + 1, end) === end ? row : undefined;
    const layoutKeys = this.layoutKeys;
    const layoutFields = this.layoutFields;
    for (let k = 0; ; k++) {
      if (p >= end || buf[p] !== 0x22) return undefined;
      const keyStart = p + 1;
      let keyEnd = -1;
      let field: Wanted | undefined;
      const expected = layoutKeys[k];
      if (expected !== undefined && keyStart + expected.length < end && sameBytes(buf, keyStart, expected) && buf[keyStart + expected.length] === 0x22) {
        keyEnd = keyStart + expected.length;
        field = layoutFields[k];
      } else {
        keyEnd = plainString(buf, keyStart, end);
        if (keyEnd < 0) return undefined;
        const candidates = this.byLength[keyEnd - keyStart];
        field = candidates === undefined ? undefined : match(candidates, buf, keyStart);
        if (k < maxLayout) {
          layoutKeys[k] = Buffer.from(buf.subarray(keyStart, keyEnd));
          layoutFields[k] = field;
        }
      }
      p = keyEnd + 1;
      if (p < end && buf[p] !== 0x3a /* : */) p = space(buf, p, end);
      if (p >= end || buf[p] !== 0x3a) return undefined;
      p++;
      if (p < end && (buf[p] as number) <= 0x20) p = space(buf, p, end);
      if (p >= end) return undefined;
      if (field !== undefined) {
        p = value(field, buf, p, end, row);
      } else {
        const c = buf[p];
        if (c === 0x22) p = skipString(buf, p + 1, end);
        else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) p = number(buf, p, end);
        else p = skip(buf, p, end, 0);
      }
      if (p < 0) return undefined;
      if (p >= end) return undefined;
      let c = buf[p] as number;
      if (c <= 0x20) {
        p = space(buf, p, end);
        if (p >= end) return undefined;
        c = buf[p] as number;
      }
      if (c === 0x7d) return space(buf, p + 1, end) === end ? row : undefined;
      if (c !== 0x2c /* , */) return undefined;
      p++;
      if (p < end && (buf[p] as number) <= 0x20) p = space(buf, p, end);
    }
  }
}

/** buf holds `bytes` at `at` (the caller checked that they fit before the end of the line). */
function sameBytes(buf: Buffer, at: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

function space(buf: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = buf[p] as number;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    p++;
  }
  return p;
}

function match(candidates: Wanted[], buf: Buffer, start: number): Wanted | undefined {
  outer: for (let k = 0; k < candidates.length; k++) {
    const w = candidates[k] as Wanted;
    const bytes = w.bytes;
    for (let i = 0; i < bytes.length; i++) if (buf[start + i] !== bytes[i]) continue outer;
    return w;
  }
  return undefined;
}

/** Index of the closing quote of a string without escapes or control characters starting at `p`, or -1. */
function plainString(buf: Buffer, p: number, end: number): number {
  for (; p < end; p++) {
    const c = buf[p] as number;
    // One comparison for the common bytes: everything above the quote except the backslash.
    if (c > 0x22 && c !== 0x5c) continue;
    if (c === 0x22) return p;
    if (c === 0x5c || c < 0x20) return -1;
  }
  return -1;
}

/** Decodes a wanted field's value at p into row; the position after it, or -1 when JSON.parse must decide. */
function value(field: Wanted, buf: Buffer, p: number, end: number, row: Row): number {
  const c = buf[p];
  if (c === 0x22) {
    // Common shapes are recognised in the same pass that finds the closing quote: a timestamp whose
    // bytes all passed isoMs, or a cached value, holds no quote, backslash or control character.
    const q24 = p + 25;
    if (q24 < end && buf[q24] === 0x22) {
      const ms = isoMs(buf, p + 1, 24);
      if (!Number.isNaN(ms)) {
        row[field.name] = new Date(ms);
        return q24 + 1;
      }
    }
    if (field.misses < missLimit) {
      const cached = field.cached;
      const from = p + 1;
      outer: for (let i = 0; i < cached.length; i++) {
        const bytes = cached[i] as Buffer;
        const q = from + bytes.length;
        if (q >= end || buf[q] !== 0x22) continue;
        for (let j = 0; j < bytes.length; j++) if (buf[from + j] !== bytes[j]) continue outer;
        row[field.name] = field.values[i];
        return q + 1;
      }
    }
    const close = plainString(buf, p + 1, end);
    if (close < 0) return -1;
    row[field.name] = text(field, buf, p + 1, close);
    return close + 1;
  }
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
    const after = number(buf, p, end);
    if (after < 0) return -1;
    row[field.name] = numberValue;
    return after;
  }
  const after = skip(buf, p, end, 0);
  if (after < 0) return -1;
  // true, false, null, objects and arrays: validated above, decoded by the real parser.
  row[field.name] = JSON.parse(buf.toString('utf8', p, after));
  return after;
}

/** A wanted string: a Date when it is an ISO timestamp (as reviveTimestamps does), else the text. */
function text(field: Wanted, buf: Buffer, start: number, end: number): unknown {
  const n = end - start;
  if (n >= 20) {
    const ms = n === 24 || n === 20 ? isoMs(buf, start, n) : Number.NaN;
    if (!Number.isNaN(ms)) return new Date(ms);
    const text = buf.toString('utf8', start, end);
    return parseTimestamp(text) ?? text;
  }
  // value() already looked this string up in the cache and missed.
  const text = buf.toString('utf8', start, end);
  if (field.cached.length < cacheLimit) {
    field.cached.push(Buffer.from(buf.subarray(start, end)));
    field.values.push(text);
  } else {
    field.misses++;
  }
  return text;
}

/** The value of the last number() that succeeded. */
let numberValue = 0;

/** Validates a JSON number at p, sets numberValue exactly like JSON.parse; the position after it, or -1. */
function number(buf: Buffer, start: number, end: number): number {
  let p = start;
  const negative = buf[p] === 0x2d;
  if (negative) p++;
  let mantissa = 0;
  let digitCount = 0;
  let c = p < end ? (buf[p] as number) : -1;
  if (c === 0x30) {
    p++;
    digitCount = 1;
  } else if (c >= 0x31 && c <= 0x39) {
    do {
      mantissa = mantissa * 10 + (c - 0x30);
      digitCount++;
      p++;
      c = p < end ? (buf[p] as number) : -1;
    } while (c >= 0x30 && c <= 0x39);
  } else {
    return -1;
  }
  let scale = 0;
  c = p < end ? (buf[p] as number) : -1;
  if (c === 0x2e /* . */) {
    p++;
    c = p < end ? (buf[p] as number) : -1;
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    do {
      mantissa = mantissa * 10 + (c - 0x30);
      digitCount++;
      scale++;
      p++;
      c = p < end ? (buf[p] as number) : -1;
    } while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    p++;
    c = p < end ? (buf[p] as number) : -1;
    if (c === 0x2b || c === 0x2d) {
      p++;
      c = p < end ? (buf[p] as number) : -1;
    }
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    do {
      p++;
      c = p < end ? (buf[p] as number) : -1;
    } while (c >= 0x30 && c <= 0x39);
    numberValue = Number(buf.toString('latin1', start, p));
    return p;
  }
  // Up to 15 digits the mantissa is exact, and one division by an exact power of ten rounds correctly.
  if (digitCount <= 15) {
    const v = scale === 0 ? mantissa : mantissa / (pow10[scale] as number);
    numberValue = negative ? -v : v;
  } else {
    numberValue = Number(buf.toString('latin1', start, p));
  }
  return p;
}

/** Skips one JSON value at p, validating it; the position after it, or -1 when invalid (or too deep to bother). */
function skip(buf: Buffer, p: number, end: number, depth: number): number {
  if (p >= end) return -1;
  const c = buf[p] as number;
  if (c === 0x22) return skipString(buf, p + 1, end);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number(buf, p, end);
  if (c === 0x74) return literal(buf, p, end, literalTrue);
  if (c === 0x66) return literal(buf, p, end, literalFalse);
  if (c === 0x6e) return literal(buf, p, end, literalNull);
  if (depth >= maxDepth) return -1;
  if (c === 0x5b /* [ */) {
    p = space(buf, p + 1, end);
    if (p < end && buf[p] === 0x5d) return p + 1;
    for (;;) {
      p = skip(buf, space(buf, p, end), end, depth + 1);
      if (p < 0) return -1;
      p = space(buf, p, end);
      if (p >= end) return -1;
      const d = buf[p++];
      if (d === 0x5d) return p;
      if (d !== 0x2c) return -1;
    }
  }
  if (c === 0x7b) {
    p = space(buf, p + 1, end);
    if (p < end && buf[p] === 0x7d) return p + 1;
    for (;;) {
      p = space(buf, p, end);
      if (p >= end || buf[p] !== 0x22) return -1;
      p = skipString(buf, p + 1, end);
      if (p < 0) return -1;
      p = space(buf, p, end);
      if (p >= end || buf[p] !== 0x3a) return -1;
      p = skip(buf, space(buf, p + 1, end), end, depth + 1);
      if (p < 0) return -1;
      p = space(buf, p, end);
      if (p >= end) return -1;
      const d = buf[p++];
      if (d === 0x7d) return p;
      if (d !== 0x2c) return -1;
    }
  }
  return -1;
}

/** Skips the rest of a string whose opening quote is just before p (escapes allowed, validated). */
function skipString(buf: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = buf[p] as number;
    if (c > 0x22 && c !== 0x5c) {
      p++;
      continue;
    }
    if (c === 0x22) return p + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const e = p + 1 < end ? (buf[p + 1] as number) : -1;
      if (e === 0x75 /* u */) {
        for (let i = p + 2; i < p + 6; i++) if (i >= end || !isHex(buf[i] as number)) return -1;
        p += 6;
        continue;
      }
      if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
      p += 2;
      continue;
    }
    p++;
  }
  return -1;
}

function literal(buf: Buffer, p: number, end: number, bytes: Uint8Array): number {
  if (p + bytes.length > end) return -1;
  for (let i = 0; i < bytes.length; i++) if (buf[p + i] !== bytes[i]) return -1;
  return p + bytes.length;
}

const literalTrue = Buffer.from('true');
const literalFalse = Buffer.from('false');
const literalNull = Buffer.from('null');

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function twoDigits(buf: Buffer, at: number): number {
  const a = (buf[at] as number) - 0x30;
  const b = (buf[at + 1] as number) - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

let cachedDayKey = -1;
let cachedDayMs = 0;

/**
 * Epoch ms of `YYYY-MM-DDTHH:MM:SS.sssZ` (n = 24) or `YYYY-MM-DDTHH:MM:SSZ` (n = 20) bytes, NaN for any
 * other shape. Accepts exactly what parseTimestamp's fast path accepts, with the same results.
 */
function isoMs(buf: Buffer, at: number, n: number): number {
  if (buf[at + 4] !== 0x2d || buf[at + 7] !== 0x2d || buf[at + 10] !== 0x54 || buf[at + 13] !== 0x3a || buf[at + 16] !== 0x3a || buf[at + n - 1] !== 0x5a) return Number.NaN;
  const hi = twoDigits(buf, at);
  const lo = twoDigits(buf, at + 2);
  const month = twoDigits(buf, at + 5);
  const day = twoDigits(buf, at + 8);
  const hour = twoDigits(buf, at + 11);
  const minute = twoDigits(buf, at + 14);
  const second = twoDigits(buf, at + 17);
  let ms = 0;
  if (n === 24) {
    const frac = twoDigits(buf, at + 20);
    const last = (buf[at + 22] as number) - 0x30;
    if (buf[at + 19] !== 0x2e || frac < 0 || last < 0 || last > 9) return Number.NaN;
    ms = frac * 10 + last;
  }
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  const key = ((hi * 100 + lo) * 100 + month) * 100 + day;
  if (key !== cachedDayKey) {
    cachedDayMs = Date.UTC(hi * 100 + lo, month - 1, day);
    cachedDayKey = key;
  }
  return cachedDayMs + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}
