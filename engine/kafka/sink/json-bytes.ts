// A row as JSON bytes, written straight into the record buffer of its partition (sink/builder.ts): the same
// bytes as Buffer.from(jsonText(row)), without building the text. Producing JSON events, jsonText (a
// shallow copy for the Dates, then JSON.stringify) was a quarter of sink.kafka's CPU, and its strings were
// garbage the collector had to handle (measured: 2.4 µs of 6.3 µs CPU per 200-byte sales event).
//
// Rows of one stream nearly always have the same keys in the same order, so the bytes of `"key":` for
// each key are prepared once per key list (the shape) and reused while rows keep it. Values are written
// by type: short strings character by character (escaping and UTF-8 done here, exactly as JSON.stringify
// escapes: the two-character escapes, \u00XX for other control characters and for lone surrogates),
// integers and values with up to two decimals digit by digit, Dates as ISO text from their milliseconds.
// Other numbers go through String(n) (JSON's number text), long strings and anything nested through V8's
// own JSON.stringify for that one value, so the rules stay V8's.
import { isoText } from './json.ts';

/** Where the bytes go: a buffer, and growth that keeps everything written so far. */
export interface ByteOutput {
  buf: Buffer;
  /** Makes buf at least `end` bytes long. */
  ensure(end: number): void;
}

/** Strings up to this many characters are written here; longer ones through JSON.stringify and buf.write. */
const SHORT_STRING = 64;
const HEX = '0123456789abcdef';
/** JSON.stringify's two-character escapes, by character code (0 = none). */
const ESCAPE = new Uint8Array(128);
ESCAPE[0x08] = 0x62; // \b
ESCAPE[0x09] = 0x74; // \t
ESCAPE[0x0a] = 0x6e; // \n
ESCAPE[0x0c] = 0x66; // \f
ESCAPE[0x0d] = 0x72; // \r
ESCAPE[0x22] = 0x22; // \"
ESCAPE[0x5c] = 0x5c; // \\

const DAY_MS = 86_400_000;
const FIRST_FAST_MS = Date.UTC(1970, 0, 1);
const END_FAST_MS = Date.UTC(10000, 0, 1);

/** Bytes as base64, Buffers included: the value is looked up before its toJSON (which makes {type, data} of a Buffer). */
function bytesReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Uint8Array ? Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') : value;
}

/** One key list and the bytes of each key as written before its value: `"a":`, `"b":`… */
class Shape {
  readonly prefixes: Uint8Array[];
  constructor(readonly keys: readonly string[]) {
    this.prefixes = keys.map((key) => Buffer.from(JSON.stringify(key) + ':'));
  }
}

export class JsonRowWriter {
  private shape: Shape = new Shape([]);
  /** `"YYYY-MM-DDT` of the day last written, as bytes. */
  private day = Number.NaN;
  private readonly dayBytes = Buffer.alloc(12);

  /**
   * Writes the JSON of `row` at `at` (growing the output as needed) and returns the index after it.
   * Throws what JSON.stringify throws (a BigInt value; a cycle inside a nested value).
   */
  write(row: Record<string, unknown>, out: ByteOutput, start: number): number {
    // A row with its own toJSON is whatever that returns, as JSON.stringify has it.
    if (typeof row.toJSON === 'function') return this.fallback(row, out, start);
    // for-in with row[key] inside is V8's fast path (loads by the enum cache's field index, no lookup by
    // name and no key array); the keys are checked against the cached shape as they come.
    const keys = this.shape.keys;
    const prefixes = this.shape.prefixes;
    let at = start;
    out.ensure(at + 1);
    out.buf[at++] = 0x7b; // {
    let first = true;
    let i = 0;
    for (const key in row) {
      if (i >= keys.length || key !== keys[i]) return this.reshape(row, out, start);
      const value = row[key];
      const prefix = prefixes[i++]!;
      // Keys whose value JSON leaves out (undefined, functions, symbols) get no entry and no comma.
      const type = typeof value;
      if (type === 'undefined' || type === 'function' || type === 'symbol') continue;
      out.ensure(at + prefix.length + 1);
      const buf = out.buf;
      if (!first) buf[at++] = 0x2c; // ,
      first = false;
      for (let k = 0; k < prefix.length; k++) buf[at++] = prefix[k]!;
      const next = this.value(value, out, at);
      // A nested value whose toJSON gave undefined: JSON.stringify drops the key. Rare: the row is
      // written again the general way rather than keeping undo state for every key.
      if (next < 0) return this.fallback(row, out, start);
      at = next;
    }
    if (i !== keys.length) return this.reshape(row, out, start);
    out.ensure(at + 1);
    out.buf[at++] = 0x7d; // }
    return at;
  }

  /**
   * A row whose keys are not the cached shape's: the shape becomes its own keys (Object.keys: own
   * properties only, as JSON.stringify takes them) and the row is written from `start` again.
   */
  private reshape(row: Record<string, unknown>, out: ByteOutput, start: number): number {
    const keys = Object.keys(row);
    if (sameKeys(this.shape.keys, keys)) {
      // Own keys are the shape's, so for-in also met inherited enumerable ones: take own keys by name.
      return this.byName(row, keys, out, start);
    }
    this.shape = new Shape(keys);
    return this.write(row, out, start);
  }

  /** The row's own keys by name (a prototype with enumerable properties: for-in would list those too). */
  private byName(row: Record<string, unknown>, keys: readonly string[], out: ByteOutput, start: number): number {
    const prefixes = this.shape.prefixes;
    let at = start;
    out.ensure(at + 1);
    out.buf[at++] = 0x7b;
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const value = row[keys[i]!];
      const type = typeof value;
      if (type === 'undefined' || type === 'function' || type === 'symbol') continue;
      const prefix = prefixes[i]!;
      out.ensure(at + prefix.length + 1);
      const buf = out.buf;
      if (!first) buf[at++] = 0x2c;
      first = false;
      for (let k = 0; k < prefix.length; k++) buf[at++] = prefix[k]!;
      const next = this.value(value, out, at);
      if (next < 0) return this.fallback(row, out, start);
      at = next;
    }
    out.ensure(at + 1);
    out.buf[at++] = 0x7d;
    return at;
  }

  /** The whole row through JSON.stringify (with bytes as base64), written from `at`. */
  private fallback(row: Record<string, unknown>, out: ByteOutput, at: number): number {
    if (typeof row.toJSON === 'function') return writeText(JSON.stringify(row, bytesReplacer) ?? 'null', out, at);
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(row)) {
      const v = row[key];
      copy[key] = v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v;
    }
    return writeText(JSON.stringify(copy, bytesReplacer), out, at);
  }

  /** Writes one value; the index after it, or -1 when JSON would leave it out (a toJSON that gave undefined). */
  private value(value: unknown, out: ByteOutput, at: number): number {
    if (typeof value === 'string') return writeString(value, out, at);
    if (typeof value === 'number') return writeNumber(value, out, at);
    if (typeof value === 'boolean') return writeAscii(value ? 'true' : 'false', out, at);
    if (value === null) return writeAscii('null', out, at);
    if (value instanceof Date) return this.date(value, out, at);
    if (value instanceof Uint8Array) return writeAscii(`"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"`, out, at);
    const text = JSON.stringify(value, bytesReplacer) as string | undefined;
    if (text === undefined) return -1;
    return writeText(text, out, at);
  }

  private date(date: Date, out: ByteOutput, at: number): number {
    const ms = date.getTime();
    if (ms !== ms) return writeAscii('null', out, at); // NaN: an invalid Date is null in JSON
    if (ms < FIRST_FAST_MS || ms >= END_FAST_MS) return writeAscii(isoText(date), out, at);
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayBytes.write(`"${date.toISOString().slice(0, 11)}`, 0, 'latin1');
    }
    out.ensure(at + 26);
    const buf = out.buf;
    const dayBytes = this.dayBytes;
    for (let k = 0; k < 12; k++) buf[at++] = dayBytes[k]!;
    // Milliseconds into the day fit 32 bits: integer arithmetic (% on doubles is a call to fmod).
    let rest = (ms - day * DAY_MS) | 0;
    const milli = rest % 1000;
    rest = ((rest - milli) / 1000) | 0;
    const second = rest % 60;
    rest = ((rest - second) / 60) | 0;
    const minute = rest % 60;
    const hour = ((rest - minute) / 60) | 0;
    at = two(buf, at, hour);
    buf[at++] = 0x3a;
    at = two(buf, at, minute);
    buf[at++] = 0x3a;
    at = two(buf, at, second);
    buf[at++] = 0x2e;
    buf[at++] = 0x30 + ((milli / 100) | 0);
    buf[at++] = 0x30 + (((milli / 10) | 0) % 10);
    buf[at++] = 0x30 + (milli % 10);
    buf[at++] = 0x5a; // Z
    buf[at++] = 0x22;
    return at;
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function two(buf: Buffer, at: number, n: number): number {
  buf[at] = 0x30 + ((n / 10) | 0);
  buf[at + 1] = 0x30 + (n % 10);
  return at + 2;
}

/** ASCII text as it is. */
function writeAscii(text: string, out: ByteOutput, at: number): number {
  out.ensure(at + text.length);
  const buf = out.buf;
  for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
  return at;
}

/** Any text, as UTF-8 (through Buffer's encoder). */
function writeText(text: string, out: ByteOutput, at: number): number {
  // Never more than 3 bytes per UTF-16 unit.
  out.ensure(at + text.length * 3);
  return at + out.buf.write(text, at, 'utf8');
}

function writeNumber(n: number, out: ByteOutput, at: number): number {
  if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647) {
    out.ensure(at + 11);
    const buf = out.buf;
    // -0 is an integer here and JSON writes it as 0, like the plain 0 below.
    let v = n | 0;
    if (v < 0) {
      buf[at++] = 0x2d;
      if (v === -2147483648) return writeAscii('2147483648', out, at);
      v = -v;
    }
    if (v < 10) {
      buf[at++] = 0x30 + v;
      return at;
    }
    let digits = 1;
    for (let p = 10; p <= v && digits < 10; p *= 10) digits++;
    at += digits;
    let end = at;
    while (v > 0) {
      buf[--end] = 0x30 + (v % 10);
      v = (v / 10) | 0;
    }
    return at;
  }
  // Money-like values with up to two decimals, written without String(n). When m / 100 is exactly n, the
  // decimal m/100 reads back as n; below 2^43 doubles lie under 0.002 apart, so no other decimal of as
  // few digits (those differ by 0.01 or more) does, and m/100 without trailing zeros is the shortest
  // round-trip form JSON writes.
  const m = Math.round(n * 100);
  if (m / 100 === n && m > -CENTS_LIMIT && m < CENTS_LIMIT) return writeCents(m, out, at);
  // Non-finite numbers are null in JSON; the rest in JavaScript's shortest round-trip form, as JSON writes them.
  return writeAscii(Number.isFinite(n) ? String(n) : 'null', out, at);
}

/** |n| < 2^43, in hundredths: doubles there are spaced under 0.002. */
const CENTS_LIMIT = 2 ** 43 * 100;

/** m hundredths as JSON writes m / 100: no fraction when whole, no trailing zero. */
function writeCents(m: number, out: ByteOutput, at: number): number {
  out.ensure(at + 20);
  const buf = out.buf;
  if (m < 0) {
    buf[at++] = 0x2d;
    m = -m;
  }
  if (m <= 0x7fffffff) return writeSmallCents(m | 0, buf, at);
  const cents = m % 100;
  let whole = (m - cents) / 100;
  let digits = 1;
  for (let p = 10; p <= whole; p *= 10) digits++;
  at += digits;
  let end = at;
  do {
    const d = whole % 10;
    buf[--end] = 0x30 + d;
    whole = (whole - d) / 10;
  } while (whole > 0);
  if (cents !== 0) {
    buf[at++] = 0x2e;
    buf[at++] = 0x30 + ((cents / 10) | 0);
    if (cents % 10 !== 0) buf[at++] = 0x30 + (cents % 10);
  }
  return at;
}

/** A string value with its quotes, escaped as JSON.stringify escapes it, as UTF-8. */
function writeString(s: string, out: ByteOutput, at: number): number {
  const n = s.length;
  if (n > SHORT_STRING) return writeText(JSON.stringify(s), out, at);
  // Worst case per UTF-16 unit: six bytes (\u00XX, or a lone surrogate's \udXXX).
  out.ensure(at + 2 + n * 6);
  const buf = out.buf;
  buf[at++] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
        buf[at++] = c;
        continue;
      }
      buf[at++] = 0x5c;
      const e = ESCAPE[c]!;
      if (e !== 0) buf[at++] = e;
      else at = unicodeEscape(buf, at, c);
    } else if (c < 0x800) {
      buf[at++] = 0xc0 | (c >> 6);
      buf[at++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const code = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        buf[at++] = 0xf0 | (code >> 18);
        buf[at++] = 0x80 | ((code >> 12) & 0x3f);
        buf[at++] = 0x80 | ((code >> 6) & 0x3f);
        buf[at++] = 0x80 | (code & 0x3f);
        i++;
      } else {
        // A lone surrogate: well-formed JSON.stringify writes it as an escape.
        buf[at++] = 0x5c;
        at = unicodeEscape(buf, at, c);
      }
    } else {
      buf[at++] = 0xe0 | (c >> 12);
      buf[at++] = 0x80 | ((c >> 6) & 0x3f);
      buf[at++] = 0x80 | (c & 0x3f);
    }
  }
  buf[at++] = 0x22;
  return at;
}

/** writeCents for m < 2^31 (amounts below 21 million): integer arithmetic only. */
function writeSmallCents(m: number, buf: Buffer, at: number): number {
  const cents = m % 100;
  let whole = ((m - cents) / 100) | 0;
  let digits = 1;
  for (let p = 10; p <= whole; p *= 10) digits++;
  at += digits;
  let end = at;
  do {
    const next = (whole / 10) | 0;
    buf[--end] = 0x30 + (whole - next * 10);
    whole = next;
  } while (whole > 0);
  if (cents !== 0) {
    buf[at++] = 0x2e;
    buf[at++] = 0x30 + ((cents / 10) | 0);
    if (cents % 10 !== 0) buf[at++] = 0x30 + (cents % 10);
  }
  return at;
}

/** `uXXXX` (after the backslash), lower-case hex as JSON.stringify writes it. */
function unicodeEscape(buf: Buffer, at: number, c: number): number {
  buf[at++] = 0x75;
  buf[at++] = HEX.charCodeAt((c >> 12) & 0xf);
  buf[at++] = HEX.charCodeAt((c >> 8) & 0xf);
  buf[at++] = HEX.charCodeAt((c >> 4) & 0xf);
  buf[at++] = HEX.charCodeAt(c & 0xf);
  return at;
}
