// COPY text as bytes, written value by value straight into one growing buffer, and read back into rows.
// The bytes are exactly UTF-8 of copyText/copyLines (sql.ts), the simple form kept for the commit's
// fallback paths; building them as strings per field, joining, and converting to bytes cost ~1 µs a row
// at bulk rates (bench file-append-postgres), this ~0.3.
//
// Each value also reports its kind, folded into the column types exactly as columns.ts folds them, and
// whether the text gives the value back exactly (`decodeCopy`): strings, numbers, booleans, valid Dates and
// nulls do; undefined (read back as null), -0, lone surrogates (written as U+FFFD, as Buffer.from does),
// dates outside years 1000–9999, byte arrays, bigints and objects do not. A batch whose every value does
// can be staged as these bytes instead of v8-serialised rows (staging.ts).
import type { Row } from '../../runtime/types.ts';
import { isoInRange, isoText, writeIso } from '../timestamps.ts';

/** Value kinds, in the order of TYPE_NAMES; OPAQUE is added when the text does not give the value back. */
export const NULL = 0;
export const TEXT = 1;
export const BIGINT = 2;
export const DOUBLE = 3;
export const BOOLEAN = 4;
export const TIMESTAMPTZ = 5;
export const BYTEA = 6;
export const JSONB = 7;
export const OPAQUE = 8;

/** The PostgreSQL type of each kind (pgTypeOf's names; a column only ever null is 'null' until finished). */
export const TYPE_NAMES = ['null', 'text', 'bigint', 'double precision', 'boolean', 'timestamptz', 'bytea', 'jsonb'] as const;

const BACKSLASH = 0x5c;
const HEX = Buffer.from('0123456789abcdef');

/** A growing byte buffer the encoder writes COPY text into. */
export class CopyBytes {
  buf: Buffer;
  at = 0;

  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes. */
  room(n: number): void {
    if (this.at + n < this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n + 1));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** A copy of the bytes from `start`; the buffer is then reused from `start`. */
  take(start: number): Buffer {
    const out = Buffer.allocUnsafe(this.at - start);
    this.buf.copy(out, 0, start, this.at);
    this.at = start;
    return out;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  /** ASCII text as it is (numbers, `\N`, booleans). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.at = at;
  }

  /** A string with COPY's escapes (backslash, tab, newline, carriage return) as UTF-8; false for a lone surrogate. */
  text(s: string): boolean {
    const n = s.length;
    this.room(n * 3);
    const buf = this.buf;
    let at = this.at;
    let exact = true;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c > 13 && c !== BACKSLASH) buf[at++] = c;
        else if (c === BACKSLASH) { buf[at++] = BACKSLASH; buf[at++] = BACKSLASH; }
        else if (c === 9) { buf[at++] = BACKSLASH; buf[at++] = 0x74; }
        else if (c === 10) { buf[at++] = BACKSLASH; buf[at++] = 0x6e; }
        else if (c === 13) { buf[at++] = BACKSLASH; buf[at++] = 0x72; }
        else buf[at++] = c;
      } else if (c < 0x800) {
        buf[at++] = 0xc0 | (c >> 6);
        buf[at++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[at++] = 0xe0 | (c >> 12);
        buf[at++] = 0x80 | ((c >> 6) & 0x3f);
        buf[at++] = 0x80 | (c & 0x3f);
      } else {
        const low = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && low >= 0xdc00 && low <= 0xdfff) {
          const p = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          buf[at++] = 0xf0 | (p >> 18);
          buf[at++] = 0x80 | ((p >> 12) & 0x3f);
          buf[at++] = 0x80 | ((p >> 6) & 0x3f);
          buf[at++] = 0x80 | (p & 0x3f);
          i++;
        } else {
          buf[at++] = 0xef; buf[at++] = 0xbf; buf[at++] = 0xbd; // U+FFFD, as Buffer.from writes a lone surrogate
          exact = false;
        }
      }
    }
    this.at = at;
    return exact;
  }

  /** A 32-bit integer's digits (-2^31 included: its magnitude still divides in 32-bit steps). */
  int(v: number): void {
    this.room(11);
    const buf = this.buf;
    if (v < 0) {
      buf[this.at++] = 0x2d;
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) digits++;
    let at = this.at + digits;
    this.at = at;
    do {
      const q = (v / 10) | 0;
      buf[--at] = 48 + v - q * 10;
      v = q;
    } while (v > 0);
  }

  /**
   * A number as String(v) writes it. Whole numbers in 32 bits and fractions with at most two decimals
   * (prices, amounts: v·100 a 32-bit integer k with k/100 === v) are written from their digits: such a
   * v's shortest round-trip text is that decimal, because below 2^31/100 no other number with two
   * decimals or fewer digits lies within half a unit in the last place. Others go through String(v).
   */
  number(v: number): void {
    if ((v | 0) === v) {
      this.int(v);
      return;
    }
    const k = v * 100;
    const whole = k | 0;
    if (whole === k && whole / 100 === v) {
      let u = whole;
      if (u < 0) {
        this.byte(0x2d);
        u = -u;
      }
      const cents = u % 100;
      this.int((u - cents) / 100);
      this.room(3);
      const buf = this.buf;
      buf[this.at++] = 0x2e;
      buf[this.at++] = 48 + Math.floor(cents / 10);
      if (cents % 10 !== 0) buf[this.at++] = 48 + (cents % 10);
      return;
    }
    this.ascii(Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN');
  }

  bytes(value: Uint8Array): void {
    const n = value.length;
    this.room(3 + n * 2);
    const buf = this.buf;
    let at = this.at;
    buf[at++] = BACKSLASH;
    buf[at++] = BACKSLASH;
    buf[at++] = 0x78;
    for (let i = 0; i < n; i++) {
      const b = value[i] as number;
      buf[at++] = HEX[b >> 4] as number;
      buf[at++] = HEX[b & 15] as number;
    }
    this.at = at;
  }

  /** One value as copyText writes it; returns its kind, plus OPAQUE when the text does not give it back. */
  value(v: unknown): number {
    if (typeof v === 'string') return this.text(v) ? TEXT : TEXT | OPAQUE;
    if (typeof v === 'number') {
      this.number(v);
      const kind = Number.isInteger(v) ? BIGINT : DOUBLE;
      return v === 0 && 1 / v < 0 ? kind | OPAQUE : kind;
    }
    if (v === null || v === undefined) {
      this.room(2);
      this.buf[this.at++] = BACKSLASH;
      this.buf[this.at++] = 0x4e;
      return v === null ? NULL : NULL | OPAQUE;
    }
    if (v instanceof Date) {
      const ms = v.getTime();
      if (isoInRange(ms)) {
        this.room(24);
        this.at = writeIso(this.buf, this.at, ms);
        return TIMESTAMPTZ;
      }
      this.ascii(Number.isNaN(ms) ? 'invalid' : isoText(v));
      return TIMESTAMPTZ | OPAQUE;
    }
    if (typeof v === 'boolean') {
      this.byte(v ? 0x74 : 0x66);
      return BOOLEAN;
    }
    if (v instanceof Uint8Array) {
      this.bytes(v);
      return BYTEA | OPAQUE;
    }
    if (typeof v === 'bigint') {
      this.ascii(v.toString());
      return BIGINT | OPAQUE;
    }
    this.text(String(JSON.stringify(v)));
    return JSONB | OPAQUE;
  }
}

/** Folds one value's kind into its column's (columns.ts rules); false when the column's type would read it back as something else. */
export function foldKind(kinds: number[], column: number, kind: number): boolean {
  const k = kind & 7;
  const had = kinds[column] as number;
  if (k === had || k === NULL) return kind < OPAQUE;
  if (had === NULL) kinds[column] = k;
  else if (had === BIGINT && k === DOUBLE) kinds[column] = DOUBLE;
  else return had === DOUBLE && k === BIGINT && kind < OPAQUE;
  return kind < OPAQUE;
}

/** The kind of a value (pgTypeOf as a kind). */
export function valueKind(v: unknown): number {
  if (v === null || v === undefined) return NULL;
  if (typeof v === 'string') return TEXT;
  if (typeof v === 'number') return Number.isInteger(v) ? BIGINT : DOUBLE;
  if (typeof v === 'boolean') return BOOLEAN;
  if (typeof v === 'bigint') return BIGINT;
  if (v instanceof Date) return TIMESTAMPTZ;
  if (v instanceof Uint8Array) return BYTEA;
  return JSONB;
}

/** The kind code of a type name, or -1. */
export function kindOfType(type: string): number {
  return (TYPE_NAMES as readonly string[]).indexOf(type);
}

/**
 * Rows back from COPY text lines whose values were all exact (CopyBytes.value): each column read as its
 * type. Throws on anything else (a field count, a value its type cannot hold, `rows` lines).
 */
export function decodeCopy(bytes: Buffer, names: readonly string[], types: readonly string[], rows: number): Row[] {
  const kinds = types.map(kindOfType);
  if (names.length === 0 || kinds.length !== names.length || kinds.some((k) => k < 0 || k === BYTEA || k === JSONB)) throw new Error(`columns ${JSON.stringify(names)} of types ${JSON.stringify(types)} cannot be read back`);
  const out: Row[] = [];
  let at = 0;
  const end = bytes.length;
  while (at < end) {
    const row: Row = {};
    for (let c = 0; c < names.length; c++) {
      let stop = at;
      while (stop < end && bytes[stop] !== 9 && bytes[stop] !== 10) stop++;
      const last = c === names.length - 1;
      if (stop === end || (bytes[stop] === 10) !== last) throw new Error(`line ${out.length + 1} does not have ${names.length} fields`);
      row[names[c] as string] = field(bytes, at, stop, kinds[c] as number, names[c] as string);
      at = stop + 1;
    }
    out.push(row);
  }
  if (out.length !== rows) throw new Error(`${out.length} lines instead of ${rows}`);
  return out;
}

const UNESCAPE: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

function field(bytes: Buffer, start: number, stop: number, kind: number, name: string): unknown {
  if (stop - start === 2 && bytes[start] === BACKSLASH && bytes[start + 1] === 0x4e) return null;
  const text = bytes.toString('utf8', start, stop);
  const bad = (): Error => new Error(`"${text}" is not a ${TYPE_NAMES[kind] ?? '?'} value of column ${name}`);
  switch (kind) {
    case TEXT:
      return text.includes('\\') ? text.replace(/\\(.)/gs, (_, c: string) => { const u = UNESCAPE[c]; if (u === undefined) throw bad(); return u; }) : text;
    case BIGINT:
    case DOUBLE: {
      const n = Number(text);
      if (text === '' || (Number.isNaN(n) && text !== 'NaN')) throw bad();
      return n;
    }
    case BOOLEAN:
      if (text === 't') return true;
      if (text === 'f') return false;
      throw bad();
    case TIMESTAMPTZ: {
      const date = new Date(text);
      if (Number.isNaN(date.getTime())) throw bad();
      return date;
    }
    default:
      throw bad();
  }
}
