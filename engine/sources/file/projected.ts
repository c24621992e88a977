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
import { isUtf8 } from 'node:buffer';
import type { Row } from '../../runtime/types.ts';
import { dayMs, parseTimestamp } from './values.ts';

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
  /** Index in the row template (the order of `fields`). */
  slot: number;
  bytes: Buffer;
  /** Interned values of this field: their bytes with the quotes, and the string. */
  cached: Run[];
  values: string[];
  /**
   * Indexes into `cached` by the first byte after the opening quote: a lookup compares a few candidates
   * instead of every cached value (a product name among ~40 took ~20 comparisons).
   */
  buckets: (number[] | undefined)[];
  /** Strings that missed the full cache; past a limit the field is taken for an id and not looked up. */
  misses: number;
  /** ISO timestamps become epoch ms instead of Dates (ProjectedOptions.epoch). */
  epoch: boolean;
}

/** Fields up to this many get rows of one fixed shape, stored through one property site each. */
const maxSlots = 16;

/**
 * Bytes to recognise, such as a key from its opening quote to the colon (`"region":`) or a cached value
 * with its quotes (`"europe"`), kept as 8-byte words (the last one overlapping) so a match costs two
 * loads up to 16 bytes instead of a comparison per byte. Runs of 4–7 bytes are compared as two 4-byte
 * words, shorter ones byte by byte.
 */
class Run {
  readonly length: number;
  /** The first and the last word (they overlap below 16 bytes); the hot comparisons read only these. */
  readonly first: number;
  readonly last: number;
  /** Every word, for runs over 16 bytes. */
  readonly words: Float64Array;
  readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    const length = bytes.length;
    const view = new DataView(bytes.buffer, bytes.byteOffset, length);
    const wide = length >= 8;
    const size = wide ? 8 : 4;
    const count = length < 4 ? 0 : Math.ceil(length / size);
    const words = new Float64Array(count);
    // Words at 0, size, 2·size…, the last one ending exactly at the end of the run.
    for (let i = 0; i < count; i++) {
      const at = Math.min(i * size, length - size);
      words[i] = wide ? view.getFloat64(at, true) : view.getInt32(at, true);
    }
    this.length = length;
    this.first = count > 0 ? (words[0] as number) : 0;
    this.last = count > 0 ? (words[count - 1] as number) : 0;
    this.words = words;
    this.bytes = bytes;
  }
}

/**
 * One key of the previous line's layout, and the wanted field it names. A class, like Run, so that every
 * decoder's objects share one shape: object literals and spreads had shapes that drifted apart between
 * decoder instances, and the hot paths of every decoder then slowed down to handle both.
 */
class LayoutKey extends Run {
  /** `"key":` with nothing between the closing quote and the colon (as JSON.stringify writes a key). */
  readonly tight: boolean;
  constructor(bytes: Buffer, readonly field: Wanted | undefined) {
    super(bytes);
    this.tight = bytes[bytes.length - 2] === 0x22;
  }
}

export interface ProjectedOptions {
  /**
   * The fields are all the row has, in this order: a line with another key, or its keys in another order,
   * is left to JSON.parse. Whole rows are then decoded here with JSON.parse's keys, order and values.
   */
  complete?: boolean;
  /**
   * Fields whose ISO timestamps are decoded as epoch milliseconds (numbers) instead of Dates: for a
   * reader that only takes their time, as a fused window's event time (workers/decoder.ts). A Date
   * costs ~65 ns of a line's ~350 ns to build, and as much again to collect. Other timestamp forms
   * (parseTimestamp's slower shapes, JSON.parse's fallback) still give Dates.
   */
  epoch?: readonly string[];
}

export class ProjectedJsonDecoder {
  private readonly byLength: (Wanted[] | undefined)[] = [];
  private readonly complete: boolean;
  private readonly wanted: Wanted[];
  /** Every wanted field, undefined: copying it gives every row the same hidden class. */
  private readonly template: Row | undefined;
  private readonly allSeen: number;
  private readonly names: string[];

  constructor(fields: readonly string[], options: ProjectedOptions = {}) {
    this.complete = options.complete === true;
    this.wanted = [...new Set(fields)].map((name, slot) => ({ name, slot, bytes: Buffer.from(name, 'utf8'), cached: [] as Run[], values: [] as string[], buckets: new Array<number[] | undefined>(256).fill(undefined), misses: 0, epoch: options.epoch?.includes(name) === true }));
    for (const w of this.wanted) (this.byLength[w.bytes.length] ??= []).push(w);
    this.names = this.wanted.map((w) => w.name);
    // `__proto__` in a literal sets the prototype instead of a field, so such a decoder builds rows key by key.
    if (this.wanted.length <= maxSlots && !this.names.includes('__proto__')) {
      this.template = Object.fromEntries(this.names.map((name) => [name, undefined]));
    }
    this.allSeen = (1 << this.wanted.length) - 1;
  }

  /**
   * Keys of the last object seen, by position. Lines of a file nearly always repeat their keys in the
   * same order, so a key is usually confirmed against its predecessor, which also proves it has no
   * escapes, instead of a scan followed by a lookup.
   */
  private readonly layout: (LayoutKey | undefined)[] = [];
  /** A view of the buffer the last line came from (word loads need one). */
  private viewOf: Buffer | undefined;
  private view: DataView = new DataView(new ArrayBuffer(8));

  /** The wanted fields of the JSON object in buf[start, end), or undefined when JSON.parse must decide. */
  decode(buf: Buffer, start: number, end: number): Row | undefined {
    // Positions travel as return values (negative = give up) so the hot loops work on locals only.
    verbatim = true;
    high = 0;
    let p = space(buf, start, end);
    if (p >= end || buf[p] !== 0x7b /* { */) return undefined;
    if (p !== start) verbatim = false;
    p = space(buf, p + 1, end);
    const template = this.template;
    const row: Row = template === undefined ? {} : { ...template };
    let seen = 0;
    if (p < end && buf[p] === 0x7d /* } */) {
      if (p !== start + 1 || p + 1 !== end) verbatim = false;
      return space(buf, p + 1, end) === end ? this.finish(row, 0) : undefined;
    }
    if (buf[p - 1] !== 0x7b) verbatim = false;
    // Lines come many to a buffer: the view is made once per buffer.
    if (buf !== this.viewOf) {
      this.viewOf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    }
    const view = this.view;
    const layout = this.layout;
    for (let k = 0; ; k++) {
      if (p >= end || buf[p] !== 0x22) return undefined;
      let field: Wanted | undefined;
      const expected = layout[k];
      if (expected !== undefined && p + expected.length < end && sameRun(view, p, expected)) {
        field = expected.field;
        p += expected.length;
        if (!expected.tight) verbatim = false;
      } else {
        const keyStart = p + 1;
        const keyEnd = plainString(buf, keyStart, end);
        if (keyEnd < 0) return undefined;
        const candidates = this.byLength[keyEnd - keyStart];
        field = candidates === undefined ? undefined : match(candidates, buf, keyStart);
        p = keyEnd + 1;
        if (p < end && buf[p] !== 0x3a /* : */) {
          p = space(buf, p, end);
          verbatim = false;
        }
        if (p >= end || buf[p] !== 0x3a) return undefined;
        p++;
        if (k < maxLayout) layout[k] = p - keyStart + 1 <= 256 ? layoutKey(copy(buf, keyStart - 1, p), field) : undefined;
      }
      if (p < end && (buf[p] as number) <= 0x20) {
        p = space(buf, p, end);
        verbatim = false;
      }
      if (p >= end) return undefined;
      // Whole rows: the k-th key must be the k-th field (no other key, no repeat, JSON.parse's order).
      if (this.complete && (field === undefined || field.slot !== k)) return undefined;
      if (field !== undefined) {
        p = value(field, buf, view, p, end);
        if (p < 0) return undefined;
        if (template === undefined) row[field.name] = decoded;
        else {
          // One property site per slot (see store), written out here because decode is too big for the
          // compiler to inline a call.
          const names = this.names;
          const slot = field.slot;
          switch (slot) {
            case 0: row[names[0] as string] = decoded; break;
            case 1: row[names[1] as string] = decoded; break;
            case 2: row[names[2] as string] = decoded; break;
            case 3: row[names[3] as string] = decoded; break;
            default: store(row, slot, names, decoded);
          }
          seen |= 1 << slot;
        }
      } else {
        const c = buf[p];
        if (c === 0x22) p = skipPlainString(view, buf, p + 1, end);
        else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) p = skipNumber(buf, p, end);
        else p = skip(buf, p, end, 0);
        if (p < 0) return undefined;
      }
      if (p >= end) return undefined;
      let c = buf[p] as number;
      if (c <= 0x20) {
        p = space(buf, p, end);
        verbatim = false;
        if (p >= end) return undefined;
        c = buf[p] as number;
      }
      if (c === 0x7d) {
        if (p + 1 !== end) verbatim = false;
        return space(buf, p + 1, end) === end ? (template === undefined ? row : this.finish(row, seen)) : undefined;
      }
      if (c !== 0x2c /* , */) return undefined;
      p++;
      if (p < end && (buf[p] as number) <= 0x20) {
        p = space(buf, p, end);
        verbatim = false;
      }
    }
  }

  /**
   * decode() for bytes not yet known to be UTF-8 (Kafka values): also undefined when they are not, so the
   * caller's own check names the bad byte. The scan already reads every byte of the line, so it notes
   * whether any was above 0x7f; only such a line pays for a validity check. A separate ASCII scan of
   * every value cost ~0.1 µs per 200-byte event, a tenth of the Kafka source's CPU.
   */
  decodeUtf8(buf: Buffer, start: number, end: number): Row | undefined {
    const row = this.decode(buf, start, end);
    if (row === undefined || (high & 0x80) === 0 || isUtf8(buf.subarray(start, end))) return row;
    return undefined;
  }

  /**
   * Whether the record the last decode() accepted is, byte for byte, what sink.kafka's JSON encoder
   * (kafka/sink/json-bytes.ts, JSON.stringify's text) writes for the row it gave: a complete projection
   * (every key, in order, once), no insignificant whitespace, strings without escapes, numbers as
   * JavaScript prints them, timestamps in toISOString's form of a real calendar day, nested values as
   * JSON.stringify writes them again, and valid UTF-8. Such a record's bytes may be sent instead of
   * encoding its row again; anything unsure answers false (the row is encoded as always).
   */
  verbatim(buf: Buffer, start: number, end: number): boolean {
    return this.complete && verbatim && ((high & 0x80) === 0 || isUtf8(buf.subarray(start, end)));
  }

  /**
   * Whether decode() would accept the record in buf[start, end) and verbatim() then answer true, found
   * without building the row (no strings, numbers or Dates): for a source whose rows nobody reads
   * unless asked (runtime/lazy.ts), which keeps the bytes and decodes them only on demand. Complete
   * decoders only. Conservative: false for anything decode() might treat otherwise (whitespace,
   * escapes, nested values, a string that could be a timestamp in another form); the caller then decodes
   * the record now, as always.
   */
  scan(buf: Buffer, start: number, end: number): boolean {
    if (!this.complete || end - start < 2 || buf[start] !== 0x7b || buf[end - 1] !== 0x7d) return false;
    verbatim = true;
    high = 0;
    let p = start + 1;
    if (p === end - 1) return true;
    if (buf !== this.viewOf) {
      this.viewOf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    }
    const view = this.view;
    const layout = this.layout;
    const wanted = this.wanted;
    for (let k = 0; ; k++) {
      if (buf[p] !== 0x22) return false;
      let field: Wanted | undefined;
      const expected = layout[k];
      if (expected !== undefined && p + expected.length < end && sameRun(view, p, expected)) {
        if (!expected.tight) return false;
        field = expected.field;
        p += expected.length;
      } else {
        const keyStart = p + 1;
        const keyEnd = plainString(buf, keyStart, end);
        if (keyEnd < 0) return false;
        const candidates = this.byLength[keyEnd - keyStart];
        field = candidates === undefined ? undefined : match(candidates, buf, keyStart);
        p = keyEnd + 1;
        if (p >= end || buf[p] !== 0x3a) return false;
        p++;
        if (k < maxLayout) layout[k] = p - keyStart + 1 <= 256 ? layoutKey(copy(buf, keyStart - 1, p), field) : undefined;
      }
      if (field === undefined || field !== wanted[k] || p >= end) return false;
      const c = buf[p] as number;
      if (c === 0x22) {
        const close = plainStringWords(view, buf, p + 1, end);
        if (close < 0) return false;
        const n = close - p - 1;
        if (n === 24) {
          // The encoder's own form of a real calendar day; any other 24-byte timestamp is not verbatim.
          if (!Number.isNaN(isoMs(buf, p + 1, 24))) {
            if (!isoExact) return false;
          } else if (timestampLike(buf, p + 1, n)) return false;
        } else if (timestampLike(buf, p + 1, n)) return false;
        p = close + 1;
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        p = canonicalNumber(buf, p, end);
        if (p < 0) return false;
      } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
        p = literal(buf, p, end, c === 0x74 ? literalTrue : c === 0x66 ? literalFalse : literalNull);
        if (p < 0) return false;
      } else {
        return false;
      }
      if (p >= end) return false;
      const d = buf[p];
      if (d === 0x7d) return p + 1 === end && ((high & 0x80) === 0 || isUtf8(buf.subarray(start, end)));
      if (d !== 0x2c) return false;
      p++;
    }
  }

  /** A templated row with the fields the line lacked removed, as JSON.parse would not have them. */
  private finish(row: Row, seen: number): Row {
    if (this.template === undefined || seen === this.allSeen) return row;
    const out: Row = {};
    for (const w of this.wanted) if ((seen & (1 << w.slot)) !== 0) out[w.name] = row[w.name];
    return out;
  }
}

/** Stores through one property site per slot, so each site only ever sees one key and one shape. */
function store(row: Row, slot: number, names: readonly string[], value: unknown): void {
  switch (slot) {
    case 0: row[names[0] as string] = value; break;
    case 1: row[names[1] as string] = value; break;
    case 2: row[names[2] as string] = value; break;
    case 3: row[names[3] as string] = value; break;
    case 4: row[names[4] as string] = value; break;
    case 5: row[names[5] as string] = value; break;
    case 6: row[names[6] as string] = value; break;
    case 7: row[names[7] as string] = value; break;
    case 8: row[names[8] as string] = value; break;
    case 9: row[names[9] as string] = value; break;
    case 10: row[names[10] as string] = value; break;
    case 11: row[names[11] as string] = value; break;
    case 12: row[names[12] as string] = value; break;
    case 13: row[names[13] as string] = value; break;
    case 14: row[names[14] as string] = value; break;
    case 15: row[names[15] as string] = value; break;
    default: row[names[slot] as string] = value;
  }
}

/**
 * A layout key, unless its bytes are not UTF-8: bytes matched against a remembered run are not scanned
 * again, so a run may only hold bytes decodeUtf8 accepts (concatenations of valid runs split at ASCII
 * quotes and colons are valid).
 */
function layoutKey(bytes: Buffer, field: Wanted | undefined): LayoutKey | undefined {
  return isUtf8(bytes) ? new LayoutKey(bytes, field) : undefined;
}

/** buf[from, to) in a buffer of its own (a run must not keep a whole read chunk alive). */
function copy(buf: Buffer, from: number, to: number): Buffer {
  return Buffer.from(buf.subarray(from, to));
}

/**
 * Whether the bytes at `at` are `run` (the caller checked that it fits). Doubles compare equal only for
 * equal bits here: NaN patterns never compare equal (a needless fallback at worst), and the ±0 pair
 * would need zero bytes, which no run holds (they come from keys and strings without control bytes).
 */
function sameRun(view: DataView, at: number, run: Run): boolean {
  const length = run.length;
  if (length >= 8) {
    if (view.getFloat64(at, true) !== run.first) return false;
    if (length > 16) {
      const words = run.words;
      for (let i = 1; i < words.length - 1; i++) if (view.getFloat64(at + i * 8, true) !== words[i]) return false;
    }
    return view.getFloat64(at + length - 8, true) === run.last;
  }
  if (length >= 4) return view.getInt32(at, true) === run.first && view.getInt32(at + length - 4, true) === run.last;
  const bytes = run.bytes;
  for (let i = 0; i < length; i++) if (view.getUint8(at + i) !== bytes[i]) return false;
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
  let bits = 0;
  for (; p < end; p++) {
    const c = buf[p] as number;
    // One comparison for the common bytes: everything above the quote except the backslash.
    if (c > 0x22 && c !== 0x5c) {
      bits |= c;
      continue;
    }
    if (c === 0x22) {
      high |= bits;
      return p;
    }
    if (c === 0x5c || c < 0x20) return -1;
  }
  return -1;
}

/** Buffer's own native slice, which toString('utf8', start, end) reaches through two wrappers. */
interface NativeSlices { utf8Slice?: (start: number, end: number) => string }
const nativeUtf8 = typeof (Buffer.prototype as NativeSlices).utf8Slice === 'function';

/**
 * buf.toString('utf8', start, end) for a range known to lie inside buf: the strings of ids (order and
 * customer ids, new on every line) went through toString's argument checks and encoding switch, ~0.1 µs
 * of a line's ~0.7. Node has had utf8Slice on every Buffer since v0.x (undocumented), else toString.
 */
function utf8(buf: Buffer, start: number, end: number): string {
  return nativeUtf8 ? (buf as Buffer & Required<NativeSlices>).utf8Slice(start, end) : buf.toString('utf8', start, end);
}

/** The value of the last value() that succeeded. */
let decoded: unknown;
/** Cleared by anything in the current line that JSON.stringify would write otherwise (see verbatim()). */
let verbatim = true;
/**
 * The bytes the scans of the current line passed over, OR-ed (bit 7 set: one was above 0x7f). Only the
 * string scans add to it: every other byte of an accepted line is checked against an exact ASCII value
 * (digits, punctuation, literals) or is part of a remembered run, which holds valid UTF-8 only.
 */
let high = 0;

/** Decodes a wanted field's value at p into `decoded`; the position after it, or -1 when JSON.parse must decide. */
function value(field: Wanted, buf: Buffer, view: DataView, p: number, end: number): number {
  const c = buf[p];
  if (c === 0x22) {
    // Common shapes are recognised in the same pass that finds the closing quote: a timestamp whose
    // bytes all passed isoMs, or a cached value, holds no quote, backslash or control character.
    const q24 = p + 25;
    if (q24 < end && buf[q24] === 0x22) {
      const ms = isoMs(buf, p + 1, 24);
      if (!Number.isNaN(ms)) {
        if (!isoExact) verbatim = false;
        decoded = field.epoch ? ms : new Date(ms);
        return q24 + 1;
      }
    }
    const bucket = field.misses < missLimit ? field.buckets[buf[p + 1] as number] : undefined;
    if (bucket !== undefined) {
      const cached = field.cached;
      for (let k = 0; k < bucket.length; k++) {
        const i = bucket[k] as number;
        const known = cached[i] as Run;
        const after = p + known.length;
        if (after < end && buf[after - 1] === 0x22 && sameRun(view, p, known)) {
          decoded = field.values[i];
          return after;
        }
      }
    }
    const close = plainString(buf, p + 1, end);
    if (close < 0) return -1;
    decoded = text(field, buf, p + 1, close);
    return close + 1;
  }
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
    const after = number(buf, p, end);
    if (after < 0) return -1;
    decoded = numberValue;
    return after;
  }
  const after = skip(buf, p, end, 0);
  if (after < 0) return -1;
  // true, false, null, objects and arrays: validated above, decoded by the real parser.
  const json = buf.toString('utf8', p, after);
  decoded = JSON.parse(json);
  // Nested values are written by JSON.stringify: verbatim only when that gives these very bytes back.
  if ((c === 0x7b || c === 0x5b) && JSON.stringify(decoded) !== json) verbatim = false;
  return after;
}

/** A wanted string: a Date when it is an ISO timestamp (as reviveTimestamps does), else the text. */
function text(field: Wanted, buf: Buffer, start: number, end: number): unknown {
  const n = end - start;
  if (n >= 20) {
    const ms = n === 24 || n === 20 ? isoMs(buf, start, n) : Number.NaN;
    if (!Number.isNaN(ms)) {
      // The encoder writes milliseconds always: `…:SSZ` comes back as `…:SS.000Z`.
      if (n !== 24 || !isoExact) verbatim = false;
      return field.epoch ? ms : new Date(ms);
    }
    const text = utf8(buf, start, end);
    const date = parseTimestamp(text);
    if (date === undefined) return text;
    verbatim = false;
    return date;
  }
  // value() already looked this string up in the cache and missed.
  const text = utf8(buf, start, end);
  if (field.cached.length < cacheLimit) {
    // Only valid UTF-8 is remembered (see layoutKey): a line's bytes are known valid only after decode.
    const bytes = copy(buf, start - 1, end + 1);
    if (isUtf8(bytes)) {
      (field.buckets[bytes[1] as number] ??= []).push(field.cached.length);
      field.cached.push(new Run(bytes));
      field.values.push(text);
    }
  } else {
    field.misses++;
  }
  return text;
}

/**
 * Whether a string of n bytes at `at` might be a timestamp parseTimestamp() accepts (its first shape
 * test, on bytes): such a string is decoded as a Date, and written back in another form.
 */
function timestampLike(buf: Buffer, at: number, n: number): boolean {
  return n >= 20 && n <= 35 && buf[at + 4] === 0x2d && buf[at + 7] === 0x2d && buf[at + 10] === 0x54 && buf[at + 13] === 0x3a;
}

/** The value of the last number() that succeeded. */
let numberValue = 0;

function digitAt(buf: Buffer, p: number, end: number): boolean {
  if (p >= end) return false;
  const c = buf[p] as number;
  return c >= 0x30 && c <= 0x39;
}

/**
 * Validates a JSON number at p without computing it (fields nobody reads: setting numberValue would cost
 * a heap number each time); the position after it, or -1.
 */
function skipNumber(buf: Buffer, p: number, end: number): number {
  if (buf[p] === 0x2d) p++;
  if (!digitAt(buf, p, end)) return -1;
  if (buf[p++] !== 0x30) while (digitAt(buf, p, end)) p++;
  if (p < end && buf[p] === 0x2e) {
    if (!digitAt(buf, ++p, end)) return -1;
    while (digitAt(buf, p, end)) p++;
  }
  if (p < end && (buf[p] === 0x65 || buf[p] === 0x45)) {
    p++;
    if (p < end && (buf[p] === 0x2b || buf[p] === 0x2d)) p++;
    if (!digitAt(buf, p, end)) return -1;
    while (digitAt(buf, p, end)) p++;
  }
  return p;
}

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
    // JavaScript prints exponents only outside [1e-7, 1e21), and then as `1e+21`: not worth matching.
    verbatim = false;
    return p;
  }
  // Up to 15 digits the mantissa is exact, and one division by an exact power of ten rounds correctly.
  if (digitCount <= 15) {
    const v = scale === 0 ? mantissa : mantissa / (pow10[scale] as number);
    numberValue = negative ? -v : v;
    // Such a decimal is the only one of up to 15 significant digits for its double, so it is the
    // shortest round trip String(n) prints, unless written longer than needed: a trailing zero in the
    // fraction, `-0` (printed `0`), or below 1e-6 (printed with an exponent).
    if (mantissa === 0 ? negative || scale > 0 : scale > 0 && (buf[p - 1] === 0x30 || v < 1e-6)) verbatim = false;
  } else {
    numberValue = Number(buf.toString('latin1', start, p));
    verbatim = false;
  }
  return p;
}

/**
 * A JSON number at p written as String() prints its value (number()'s verbatim rules, without computing
 * the value: storing it in numberValue allocated a heap number per non-integer); the position after it,
 * or -1 when it is not valid JSON or not written that way (up to 15 digits, no exponent, no `-0`, no
 * trailing zero in the fraction, nothing below 1e-6).
 */
function canonicalNumber(buf: Buffer, start: number, end: number): number {
  let p = start;
  if (buf[p] === 0x2d) p++;
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
  if (c === 0x65 || c === 0x45 || digitCount > 15) return -1;
  if (mantissa === 0) return buf[start] === 0x2d || scale > 0 ? -1 : p;
  if (scale > 0 && (buf[p - 1] === 0x30 || mantissa / (pow10[scale] as number) < 1e-6)) return -1;
  return p;
}

/** Skips one JSON value at p, validating it; the position after it, or -1 when invalid (or too deep to bother). */
function skip(buf: Buffer, p: number, end: number, depth: number): number {
  if (p >= end) return -1;
  const c = buf[p] as number;
  if (c === 0x22) return skipString(buf, p + 1, end);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return skipNumber(buf, p, end);
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

/** Bytes below lane i of a little-endian word: what precedes the i-th byte. */
const lanesBelow = [0, 0xff, 0xffff, 0xffffff];

/**
 * Skips a string whose opening quote is just before p, 4-byte words at a time while they hold no quote,
 * backslash or control byte: the strings of fields nobody reads (ids, names) are most of a line's bytes.
 * In the word that ends the run, the first such byte is found from the flags; a quote there ends the
 * string at once, anything else goes to skipString byte by byte. The position after the closing quote,
 * or -1.
 */
function skipPlainString(view: DataView, buf: Buffer, p: number, end: number): number {
  let bits = 0;
  while (p + 4 <= end) {
    const w = view.getUint32(p, true);
    const quote = w ^ 0x22222222;
    const backslash = w ^ 0x5c5c5c5c;
    // Bit 7 of a lane: a zero byte in `quote` or `backslash`, or a byte below 0x20 in w. The lowest flag is
    // exact (a borrow only travels up from a flagged byte), higher ones may not be.
    const special = (((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash) | ((w - 0x20202020) & ~w)) & 0x80808080;
    if (special !== 0) {
      const lane = (31 - Math.clz32(special & -special)) >> 3;
      if (buf[p + lane] !== 0x22) break;
      bits |= w & (lanesBelow[lane] as number);
      high |= bits | (bits >>> 8) | (bits >>> 16) | (bits >>> 24);
      return p + lane + 1;
    }
    bits |= w;
    p += 4;
  }
  // A byte above 0x7f sets bit 7 of its lane; decodeUtf8 looks at the lowest lane only.
  high |= bits | (bits >>> 8) | (bits >>> 16) | (bits >>> 24);
  return skipString(buf, p, end);
}

/**
 * plainString() 4-byte words at a time (as skipPlainString): the index of the closing quote of a string
 * without escapes or control characters starting at p, or -1.
 */
function plainStringWords(view: DataView, buf: Buffer, p: number, end: number): number {
  let bits = 0;
  while (p + 4 <= end) {
    const w = view.getUint32(p, true);
    const quote = w ^ 0x22222222;
    const backslash = w ^ 0x5c5c5c5c;
    const special = (((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash) | ((w - 0x20202020) & ~w)) & 0x80808080;
    if (special !== 0) {
      const lane = (31 - Math.clz32(special & -special)) >> 3;
      if (buf[p + lane] !== 0x22) return -1;
      bits |= w & (lanesBelow[lane] as number);
      high |= bits | (bits >>> 8) | (bits >>> 16) | (bits >>> 24);
      return p + lane;
    }
    bits |= w;
    p += 4;
  }
  high |= bits | (bits >>> 8) | (bits >>> 16) | (bits >>> 24);
  return plainString(buf, p, end);
}

/** Skips the rest of a string whose opening quote is just before p (escapes allowed, validated). */
function skipString(buf: Buffer, p: number, end: number): number {
  let bits = 0;
  while (p < end) {
    const c = buf[p] as number;
    if (c > 0x22 && c !== 0x5c) {
      bits |= c;
      p++;
      continue;
    }
    if (c === 0x22) {
      high |= bits;
      return p + 1;
    }
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
let cachedDayExact = false;
/**
 * Whether the last isoMs() that succeeded named a real calendar day (Date.UTC takes February 30th for
 * March 1st or 2nd): only then does toISOString give its text back.
 */
let isoExact = false;

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
    cachedDayMs = dayMs(hi * 100 + lo, month, day);
    cachedDayExact = new Date(cachedDayMs).getUTCDate() === day;
    cachedDayKey = key;
  }
  isoExact = cachedDayExact;
  return cachedDayMs + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

