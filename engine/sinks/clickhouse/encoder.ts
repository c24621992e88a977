// RowBinary of an append-only checkpoint interval, built as the rows arrive (sink.clickhouse write()) into
// preallocated buffers and streamed into the interval's stage table (stage.ts) while the input is read;
// the commit then only moves the stage into the target. Binary fields cost a fraction of text: no number
// or date formatting, no escaping, no string concatenation, and the server does not parse text.
//
// It carries exactly what the JSONEachRow rows of the commit would (jsonValue), under the column types
// inferColumns gives for all the interval's rows (types()). The stage's columns are typed by the kind of
// each column's first non-null value: text (String), number (Float64, booleans as 1/0), boolean (UInt8),
// timestamp (DateTime('UTC'), whole seconds); a column only null so far waits (a null is the same byte
// in every Nullable type), and the stage is created once every kind is known, or after OPEN_AFTER rows
// with the unknown ones as String (a later value that is not text then spoils the encoder).
// A number column the target holds as Int64 is cast in the move, only when every value was whole and
// below 2^63 (a JS number is a double: nothing is lost). Anything the binary cannot say as JSONEachRow
// would — a value whose kind does not match its column (a string in a number column), a new column after
// the first batch, a timestamp outside DateTime's range, a bigint outside text — "spoils" the encoder, and
// the commit writes the staged rows as JSONEachRow instead (through a stage too).
//
// Given an existing table (`TargetColumns`) that has every field of the first batch as a type written
// here, the kinds are the table's from the start: a Nullable(Int64) column is written as 8-byte integers
// (whole doubles below 2^63, exact) instead of Float64 cast in the move, so the stage can be a table of
// the target's own shape and be attached at the commit (stage.ts); a value the column cannot take as
// written (a fraction or NaN in Int64, a value of another kind) spoils the encoder as above.
//
// add() also returns the batch's bytes for the staging file (codec.ts) when they give its rows back
// exactly; a batch that is not exact (a missing key, a value written as text of another kind, NaN, a
// lone surrogate) is staged as rows, and the encoder goes on.
import type { Row } from '../../runtime/types.ts';
import type { StagedEncoding } from '../staging.ts';
import { isoText } from '../timestamps.ts';
import { layoutTypes, planFor, STAGE_TYPE, type Kind, type RowBinaryMeta, type StagePlan } from './codec.ts';
import type { StageStream } from './stage.ts';

const CHUNK = 1 << 20;
/** Rows after which the stage opens even with columns only null so far. */
const OPEN_AFTER = 10_000;
const TWO_63 = 2 ** 63;
const TWO_32 = 2 ** 32;

// What add() writes inline per column, chosen once per column (small integers: a jump table, not string
// compares); anything else a value can be goes through field(), the general path.
const UNKNOWN = 0;
const TEXT = 1;
const NUMBER = 2;
const BOOLEAN = 3;
const TIME = 4;
/** A column the stage made String before any value was seen: its first value is checked by field(). */
const UNSURE = 5;
const INT64 = 6;
const CODE: Record<Kind, number> = { String: TEXT, Float64: NUMBER, UInt8: BOOLEAN, DateTime: TIME, Int64: INT64 };
/** The kind written for each column type of an existing table that a stage of its own shape can hold. */
const TARGET_KIND: Readonly<Record<string, Kind>> = { 'Nullable(String)': 'String', 'Nullable(Float64)': 'Float64', 'Nullable(Int64)': 'Int64', 'Nullable(UInt8)': 'UInt8', "Nullable(DateTime('UTC'))": 'DateTime' };

function kindOf(value: unknown): Kind | undefined {
  switch (typeof value) {
    case 'string': case 'bigint': return 'String';
    case 'number': return 'Float64';
    case 'boolean': return 'UInt8';
    case 'object': return value instanceof Date ? 'DateTime' : 'String';
    default: return undefined;
  }
}

/** A value as text in a String column, as jsonValue gives it. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return isoText(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Opens the stage of an interval once its columns are known. `attach`: the columns are typed as the
 * existing table's (the target the encoder was given), so the stage can be a table of the target's own
 * shape whose parts are attached at commit instead of rewritten (stage.ts).
 */
export type OpenStage = (columns: { name: string; type: string }[], attach: boolean) => StageStream;

/**
 * The existing table's columns (name → full type) when a stage of its shape can be attached to it, read
 * by the sink before the interval's first rows; null: unknown, no table yet, or not attachable.
 */
export type TargetColumns = () => ReadonlyMap<string, string> | null;

export class RowBinaryEncoder {
  rows = 0;
  spoiled = false;
  private names: string[] | null = null;
  private nameSet = new Set<string>();
  private kinds: (Kind | undefined)[] = [];
  /** Per column: what add() writes inline (CODE of its kind, UNKNOWN or UNSURE). */
  private codes: number[] = [];
  /** The current row's values in column order (reused: no array per row). */
  private values: unknown[] = [];
  /** Per number column: every value whole (Int64 in inferColumns) and every whole value below 2^63. */
  private whole: boolean[] = [];
  private big: boolean[] = [];
  /** Columns the stage made String before any value was seen (their first value must be text). */
  private unsure: boolean[] = [];
  private buffer = Buffer.allocUnsafe(CHUNK);
  /** Doubles and UInt32s go into `buffer` through this view (no bounds check beyond the view's own). */
  private view = viewOf(this.buffer);
  /** Rows in the current batch, and the row being written. */
  private batch = 0;
  private row = 0;
  private at = 0;
  /** Full chunks written before the stage opened. */
  private waiting: Buffer[] = [];
  private stream: StageStream | null = null;
  /** The current batch: where it starts in `buffer` (-1: not in add()), its bytes in chunks flushed so far. */
  private mark = -1;
  private parts: Buffer[] = [];
  /** The current batch's bytes give its rows back exactly (codec.ts). */
  private exact = true;
  /** Milliseconds of the current batch's DateTime values, per column index (u16 per row). */
  private millis: (Uint16Array | null)[] = [];
  /** Every column's kind came from the existing table's type (start()): the stage can be attached. */
  private attach = false;

  constructor(private readonly openStage?: OpenStage, private readonly target?: TargetColumns) {}

  /** The stage being filled (null until every column's kind is known). */
  get stage(): StageStream | null {
    return this.stream;
  }

  /** Encodes a batch; returns its bytes for the staging file when they give the rows back exactly. */
  add(rows: readonly Row[]): StagedEncoding | undefined {
    if (this.spoiled || rows.length === 0) return undefined;
    const names = this.names ?? this.start(rows);
    const kinds = this.kinds;
    const codes = this.codes;
    const whole = this.whole;
    const big = this.big;
    const count = names.length;
    const values = this.values;
    // room for a whole row but its strings (9 bytes a value at most), made once per row and after each
    // string or general write, so the inline writes below check no bounds
    const bound = 9 * count;
    this.mark = this.at;
    this.parts = [];
    this.exact = true;
    const millis: (Uint16Array | null)[] = (this.millis = []);
    this.batch = rows.length;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Row;
      this.row = r;
      // the values in column order: while the keys are the columns in order (rows of one source share a
      // layout), for…in reads them by the object's own key list instead of a lookup by name each
      let k = 0;
      let keyed = true;
      for (const key in row) {
        if (key !== names[k]) {
          keyed = false;
          break;
        }
        values[k++] = row[key];
      }
      if (!keyed || k !== count) {
        keyed = false;
        for (let i = 0; i < count; i++) values[i] = row[names[i] as string];
      }
      if (this.at + bound > this.buffer.length) this.room(bound);
      let buffer = this.buffer;
      let view = this.view;
      let at = this.at;
      let present = 0;
      for (let i = 0; i < count; i++) {
        const value = values[i];
        if (value === undefined || value === null) {
          if (value === null) present++;
          buffer[at++] = 1;
          continue;
        }
        present++;
        switch (codes[i]) {
          case TEXT:
            if (typeof value !== 'string') break;
            if (value.length < 43) {
              // at most 126 bytes: a one-byte length; ASCII copied here, anything else by Buffer#write
              const n = value.length;
              if (at + 2 + 3 * n + bound > buffer.length) {
                this.at = at;
                this.room(2 + 3 * n + bound);
                buffer = this.buffer;
                view = this.view;
                at = this.at;
              }
              const start = at + 2;
              let p = start;
              for (let c = 0; c < n; c++) {
                const code = value.charCodeAt(c);
                if (code >= 0x80) {
                  p = start + buffer.write(value, start, 'utf8');
                  if (!wellFormed(value, c)) this.exact = false;
                  break;
                }
                buffer[p++] = code;
              }
              buffer[at] = 0;
              buffer[at + 1] = p - start;
              at = p;
            } else {
              this.at = at;
              this.string(value);
              this.room(bound);
              buffer = this.buffer;
              view = this.view;
              at = this.at;
            }
            continue;
          case NUMBER:
            if (typeof value !== 'number') break;
            if (Number.isInteger(value)) {
              if (value >= TWO_63 || value < -TWO_63) big[i] = true;
            } else if (value - value === 0) {
              whole[i] = false;
            } else {
              break; // NaN and infinities: field()
            }
            buffer[at] = 0;
            view.setFloat64(at + 1, value, true);
            at += 9;
            continue;
          case INT64: {
            // whole and below 2^63 (else field(): -0, booleans, or give up); two exact 32-bit halves
            if (typeof value !== 'number' || !Number.isInteger(value) || value >= TWO_63 || value < -TWO_63 || (value === 0 && 1 / value < 0)) break;
            const hi = Math.floor(value / TWO_32);
            buffer[at] = 0;
            view.setUint32(at + 1, value - hi * TWO_32, true);
            view.setInt32(at + 5, hi, true);
            at += 9;
            continue;
          }
          case BOOLEAN:
            if (typeof value !== 'boolean') break;
            buffer[at] = 0;
            buffer[at + 1] = value ? 1 : 0;
            at += 2;
            continue;
          case TIME: {
            if (!(value instanceof Date)) break;
            const t = value.getTime();
            const s = Math.floor(t / 1000);
            if (!(s >= 0 && s < TWO_32)) break;
            // the stage keeps whole seconds; the staging record keeps the milliseconds (codec.ts)
            const ms = millis[i] ?? (millis[i] = new Uint16Array(rows.length));
            ms[r] = t - s * 1000;
            buffer[at] = 0;
            view.setUint32(at + 1, s, true);
            at += 5;
            continue;
          }
        }
        // the first value of a column, an unsure column, or a value not of its column's kind
        this.at = at;
        const kind = kinds[i] ?? (kinds[i] = kindOf(value));
        if (codes[i] === UNSURE) {
          if (kindOf(value) !== 'String') return this.giveUp();
          this.unsure[i] = false;
        }
        if (!this.field(value, kind, i)) return this.giveUp();
        codes[i] = CODE[kind as Kind];
        this.room(bound);
        buffer = this.buffer;
        view = this.view;
        at = this.at;
      }
      this.at = at;
      // every column present and no more keys than columns: the row has no new column
      if (present !== count || !(keyed || sameKeys(row, count))) {
        // a missing key reads back as null: the batch is staged as rows
        this.exact = false;
        if (!this.onlyKnown(row)) return this.giveUp();
      }
    }
    values.fill(null);
    this.rows += rows.length;
    const staged = this.exact ? this.staged(rows.length) : undefined;
    this.mark = -1;
    this.parts = [];
    if (!this.stream && this.openStage && (this.rows >= OPEN_AFTER || kinds.every((k) => k !== undefined))) this.open();
    return staged;
  }

  /** The current batch's bytes (no copy unless it spans chunks) and the meta that reads them back. */
  private staged(rows: number): StagedEncoding {
    const tail = this.buffer.subarray(this.mark, this.at);
    const bytes = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    const ms: Record<string, string> = {};
    this.millis.forEach((m, i) => {
      if (m) ms[String(i)] = Buffer.from(m.buffer, m.byteOffset, m.byteLength).toString('base64');
    });
    // the layout so far (kinds never change once set; whole/big only narrow): codec.ts combines them
    const meta: RowBinaryMeta = { names: this.names as string[], kinds: this.kinds.map((k) => k ?? null), whole: this.whole.slice(), big: this.big.slice(), ms };
    return { meta, bytes, rows };
  }

  /** Spoils the encoder in the middle of add(): nothing of the batch is staged as bytes. */
  private giveUp(): undefined {
    this.spoil();
    return undefined;
  }

  spoil(): void {
    this.mark = -1;
    this.parts = [];
    if (this.spoiled) return;
    this.spoiled = true;
    this.waiting = [];
    this.buffer = Buffer.alloc(0);
    this.view = viewOf(this.buffer);
    this.at = 0;
    const stream = this.stream;
    if (stream) void stream.drop();
  }

  /** Waits while much of the stream is not sent yet (the sink's write() backpressure). */
  async drained(): Promise<void> {
    if (this.stream) await this.stream.drained();
  }

  /** At prepare: the rest goes out and the body ends (the commit awaits the server's answer). */
  seal(): void {
    if (this.spoiled) return;
    if (!this.stream && this.openStage && this.names) this.open();
    this.flush();
    if (this.stream) void this.stream.end();
  }

  /** The interval's rows left no trace: its stage (if any) is dropped. */
  async discard(): Promise<void> {
    this.spoiled = true;
    this.waiting = [];
    await this.stream?.drop();
  }

  /** Column → base type for the table, in the order of the fields (what inferColumns gives). */
  types(): Map<string, string> {
    return layoutTypes(this.layout());
  }

  private layout(): { names: string[]; kinds: (Kind | null)[]; whole: boolean[]; big: boolean[] } {
    return { names: this.names ?? [], kinds: this.kinds.map((k) => k ?? null), whole: this.whole, big: this.big };
  }

  /**
   * How the stage goes into a table with these columns (name → full type), or null when the table does
   * not take the values as written: every column Nullable, of the stage's type, or Int64 for whole numbers.
   */
  plan(columns: ReadonlyMap<string, string>): StagePlan | null {
    if (this.spoiled || !this.names) return null;
    return planFor(this.layout(), columns);
  }

  /**
   * The fields of the first batch: first-seen order over its rows, as foldColumns. When the table exists
   * with a type this encoder writes for every one of them, the kinds are the table's from the start (a
   * whole number column Int64, not Float64 cast in the move), so the stage can take the table's shape.
   */
  private start(rows: readonly Row[]): string[] {
    const names: string[] = [];
    for (const row of rows) {
      for (const name in row) {
        if (!Object.hasOwn(row, name) || this.nameSet.has(name)) continue;
        this.nameSet.add(name);
        names.push(name);
      }
    }
    this.names = names;
    const target = this.target?.() ?? null;
    const preset = target ? names.map((name) => TARGET_KIND[target.get(name) ?? '']) : [];
    this.attach = target !== null && names.length > 0 && preset.every((k) => k !== undefined);
    this.kinds = this.attach ? preset : names.map(() => undefined);
    this.whole = names.map(() => true);
    this.big = names.map(() => false);
    this.codes = this.kinds.map((k) => (k ? CODE[k] : UNKNOWN));
    this.values = names.map(() => null);
    return names;
  }

  /** A row with null or missing columns, or more keys: true when every own key is a known column. */
  private onlyKnown(row: Row): boolean {
    for (const name in row) if (Object.hasOwn(row, name) && !this.nameSet.has(name)) return false;
    return true;
  }

  /** Writes one non-null value of column i; false when its kind does not fit the column's. */
  private field(value: unknown, kind: Kind | undefined, i: number): boolean {
    switch (kind) {
      case 'String': {
        if (typeof value === 'string') {
          this.string(value);
        } else {
          this.exact = false; // text of another kind
          this.string(text(value));
        }
        return true;
      }
      case 'Float64': {
        let n: number;
        if (typeof value === 'number') n = value;
        else if (typeof value === 'boolean') { n = value ? 1 : 0; this.exact = false; }
        else return false;
        if (!Number.isInteger(n)) {
          this.whole[i] = false;
          if (!Number.isFinite(n)) { // NaN and infinities are null in JSON
            this.exact = false;
            this.room(1);
            this.buffer[this.at++] = 1;
            return true;
          }
        } else if (n >= TWO_63 || n < -TWO_63) {
          this.big[i] = true;
        }
        this.room(9);
        this.buffer[this.at] = 0;
        this.buffer.writeDoubleLE(n, this.at + 1);
        this.at += 9;
        return true;
      }
      case 'Int64': {
        // jsonValue gives 1/0 for a boolean; a fraction, NaN or a number past 2^63 the column cannot take
        // as written: give up (the commit writes the staged rows)
        let n: number;
        if (typeof value === 'number') n = value;
        else if (typeof value === 'boolean') { n = value ? 1 : 0; this.exact = false; }
        else return false;
        if (!Number.isInteger(n) || n >= TWO_63 || n < -TWO_63) return false;
        if (n === 0 && 1 / n < 0) this.exact = false; // -0 reads back as 0
        const hi = Math.floor(n / TWO_32);
        this.room(9);
        this.buffer[this.at] = 0;
        this.buffer.writeUInt32LE(n - hi * TWO_32, this.at + 1);
        this.buffer.writeInt32LE(hi, this.at + 5);
        this.at += 9;
        return true;
      }
      case 'UInt8': {
        if (typeof value !== 'boolean') return false;
        this.room(2);
        this.buffer[this.at] = 0;
        this.buffer[this.at + 1] = value ? 1 : 0;
        this.at += 2;
        return true;
      }
      case 'DateTime': {
        if (!(value instanceof Date)) return false;
        const t = value.getTime();
        const s = Math.floor(t / 1000);
        if (!(s >= 0 && s < TWO_32)) return false;
        // the stage keeps whole seconds; the staging record keeps the milliseconds (codec.ts)
        const ms = this.millis[i] ?? (this.millis[i] = new Uint16Array(this.batch));
        ms[this.row] = t - s * 1000;
        this.room(5);
        this.buffer[this.at] = 0;
        this.buffer.writeUInt32LE(s, this.at + 1);
        this.at += 5;
        return true;
      }
      default:
        return false;
    }
  }

  /** Not null, then the UTF-8 length as a LEB128 varint, then the bytes. */
  private string(s: string): void {
    const n = s.length;
    if (n < 43) {
      // at most 126 bytes: a one-byte length; ASCII copied here, anything else by Buffer#write
      this.room(2 + 3 * n);
      const buffer = this.buffer;
      const start = this.at + 2;
      let p = start;
      for (let k = 0; k < n; k++) {
        const c = s.charCodeAt(k);
        if (c >= 0x80) {
          p = start + buffer.write(s, start, 'utf8');
          if (!wellFormed(s, k)) this.exact = false;
          break;
        }
        buffer[p++] = c;
      }
      buffer[this.at] = 0;
      buffer[this.at + 1] = p - start;
      this.at = p;
      return;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    if (bytes !== n && !wellFormed(s, 0)) this.exact = false;
    this.room(1 + 5 + bytes);
    this.buffer[this.at++] = 0;
    let v = bytes;
    while (v >= 0x80) {
      this.buffer[this.at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.at++] = v;
    this.at += this.buffer.write(s, this.at, 'utf8');
  }

  /** Makes room for `bytes` more: a full chunk goes to the stage (or waits for it). */
  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    this.flush();
    this.buffer = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
    this.view = viewOf(this.buffer);
  }

  private flush(): void {
    if (this.at === 0) return;
    const chunk = this.buffer.subarray(0, this.at);
    if (this.mark >= 0) {
      this.parts.push(chunk.subarray(this.mark));
      this.mark = 0;
    }
    this.buffer = this.buffer.subarray(this.at);
    this.view = viewOf(this.buffer);
    this.at = 0;
    if (this.stream) this.stream.write(chunk);
    else this.waiting.push(chunk);
  }

  private open(): void {
    const names = this.names as string[];
    this.unsure = this.kinds.map((k) => k === undefined);
    this.kinds = this.kinds.map((k) => k ?? 'String');
    this.codes = this.unsure.map((unsure, i) => (unsure ? UNSURE : CODE[this.kinds[i] as Kind]));
    const stream = (this.openStage as OpenStage)(names.map((name, i) => ({ name, type: STAGE_TYPE[this.kinds[i] as Kind] })), this.attach);
    this.stream = stream;
    for (const chunk of this.waiting) stream.write(chunk);
    this.waiting = [];
  }

  /** Everything written so far (tests; the stage gets it as it fills). */
  bytes(): Buffer {
    return Buffer.concat([...this.waiting, this.buffer.subarray(0, this.at)]);
  }
}

function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** No lone surrogate from index `from` on (Buffer#write would write U+FFFD for it: not read back exactly). */
function wellFormed(s: string, from: number): boolean {
  for (let k = from; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const d = s.charCodeAt(k + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    k++;
  }
  return true;
}

/** At most `count` own enumerable keys (more means a column this encoder does not know). */
function sameKeys(row: Row, count: number): boolean {
  let n = 0;
  // counting keys: for…in needs no array
  for (const _ in row) if (++n > count) return false;
  return true;
}
