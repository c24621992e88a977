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
import type { Row } from '../../runtime/types.ts';
import { isoText } from '../timestamps.ts';
import type { StageStream } from './stage.ts';
import { quoteIdent } from './sql.ts';

/** How a column's values are written. */
type Kind = 'String' | 'Float64' | 'UInt8' | 'DateTime';

const STAGE_TYPE: Record<Kind, string> = { String: 'Nullable(String)', Float64: 'Nullable(Float64)', UInt8: 'Nullable(UInt8)', DateTime: "Nullable(DateTime('UTC'))" };
const CHUNK = 1 << 20;
/** Rows after which the stage opens even with columns only null so far. */
const OPEN_AFTER = 10_000;
const TWO_63 = 2 ** 63;
const TWO_32 = 2 ** 32;

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

/** What the stage's rows become in the target: its column names and the SELECT expression for each. */
export interface StagePlan {
  columns: string[];
  select: string[];
}

/** Opens the stage of an interval once its columns are known. */
export type OpenStage = (columns: { name: string; type: string }[]) => StageStream;

export class RowBinaryEncoder {
  rows = 0;
  spoiled = false;
  private names: string[] | null = null;
  private nameSet = new Set<string>();
  private kinds: (Kind | undefined)[] = [];
  /** Per number column: every value whole (Int64 in inferColumns) and every whole value below 2^63. */
  private whole: boolean[] = [];
  private big: boolean[] = [];
  /** Columns the stage made String before any value was seen (their first value must be text). */
  private unsure: boolean[] = [];
  private buffer = Buffer.allocUnsafe(CHUNK);
  private at = 0;
  /** Full chunks written before the stage opened. */
  private waiting: Buffer[] = [];
  private stream: StageStream | null = null;

  constructor(private readonly openStage?: OpenStage) {}

  /** The stage being filled (null until every column's kind is known). */
  get stage(): StageStream | null {
    return this.stream;
  }

  add(rows: readonly Row[]): void {
    if (this.spoiled || rows.length === 0) return;
    const names = this.names ?? this.start(rows);
    const kinds = this.kinds;
    const count = names.length;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Row;
      let present = 0;
      for (let i = 0; i < count; i++) {
        const value = row[names[i] as string];
        if (value === undefined || value === null) {
          if (value === null) present++;
          this.room(1);
          this.buffer[this.at++] = 1;
          continue;
        }
        present++;
        const kind = kinds[i] ?? (kinds[i] = kindOf(value));
        if (this.unsure[i]) {
          if (kindOf(value) !== 'String') return this.spoil();
          this.unsure[i] = false;
        }
        if (!this.field(value, kind, i)) return this.spoil();
      }
      // every column present and no more keys than columns: the row has no new column
      if (present !== count || !sameKeys(row, count)) {
        if (!this.onlyKnown(row)) return this.spoil();
      }
    }
    this.rows += rows.length;
    if (!this.stream && this.openStage && (this.rows >= OPEN_AFTER || kinds.every((k) => k !== undefined))) this.open();
  }

  spoil(): void {
    if (this.spoiled) return;
    this.spoiled = true;
    this.waiting = [];
    this.buffer = Buffer.alloc(0);
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
    const out = new Map<string, string>();
    (this.names ?? []).forEach((name, i) => {
      const kind = this.kinds[i];
      out.set(name, kind === 'Float64' ? (this.whole[i] ? 'Int64' : 'Float64') : kind === 'DateTime' ? "DateTime('UTC')" : kind ?? 'String');
    });
    return out;
  }

  /**
   * How the stage goes into a table with these columns (name → full type), or null when the table does
   * not take the values as written: every column Nullable, of the stage's type, or Int64 for whole numbers.
   */
  plan(columns: ReadonlyMap<string, string>): StagePlan | null {
    if (this.spoiled || !this.names || columns.size !== this.names.length) return null;
    const plan: StagePlan = { columns: [], select: [] };
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i] as string;
      const type = columns.get(name);
      if (type === undefined || !type.startsWith('Nullable(')) return null;
      const kind = this.kinds[i];
      if (kind === undefined) continue; // only nulls: the column's default is null
      if (type === STAGE_TYPE[kind]) {
        plan.select.push(quoteIdent(name));
      } else if (kind === 'Float64' && type === 'Nullable(Int64)' && this.whole[i] && !this.big[i]) {
        plan.select.push(`CAST(${quoteIdent(name)} AS Nullable(Int64))`);
      } else {
        return null;
      }
      plan.columns.push(name);
    }
    return plan;
  }

  /** The fields of the first batch: first-seen order over its rows, as foldColumns. */
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
    this.kinds = names.map(() => undefined);
    this.whole = names.map(() => true);
    this.big = names.map(() => false);
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
        this.string(text(value));
        return true;
      }
      case 'Float64': {
        let n: number;
        if (typeof value === 'number') n = value;
        else if (typeof value === 'boolean') n = value ? 1 : 0;
        else return false;
        if (!Number.isInteger(n)) {
          this.whole[i] = false;
          if (!Number.isFinite(n)) { // NaN and infinities are null in JSON
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
        const s = Math.floor(value.getTime() / 1000);
        if (!(s >= 0 && s < TWO_32)) return false;
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
  }

  private flush(): void {
    if (this.at === 0) return;
    const chunk = this.buffer.subarray(0, this.at);
    this.buffer = this.buffer.subarray(this.at);
    this.at = 0;
    if (this.stream) this.stream.write(chunk);
    else this.waiting.push(chunk);
  }

  private open(): void {
    const names = this.names as string[];
    this.unsure = this.kinds.map((k) => k === undefined);
    this.kinds = this.kinds.map((k) => k ?? 'String');
    const stream = (this.openStage as OpenStage)(names.map((name, i) => ({ name, type: STAGE_TYPE[this.kinds[i] as Kind] })));
    this.stream = stream;
    for (const chunk of this.waiting) stream.write(chunk);
    this.waiting = [];
  }

  /** Everything written so far (tests; the stage gets it as it fills). */
  bytes(): Buffer {
    return Buffer.concat([...this.waiting, this.buffer.subarray(0, this.at)]);
  }
}

/** At most `count` own enumerable keys (more means a column this encoder does not know). */
function sameKeys(row: Row, count: number): boolean {
  let n = 0;
  // counting keys: for…in needs no array
  for (const _ in row) if (++n > count) return false;
  return true;
}
