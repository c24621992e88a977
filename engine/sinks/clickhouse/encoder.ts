// TabSeparated text of an append-only checkpoint interval, built as the rows arrive (sink.clickhouse
// write()), so the sink need not hold the rows until the barrier and the commit only sends text. TSV is
// several times cheaper than JSONEachRow to build here and for the server to parse. It carries exactly
// what the JSONEachRow rows of the commit would (jsonValue for the column's type), under the same column
// types (inferColumns folded batch by batch). How a value is written depends on its column's type, which
// the first non-null value fixes for the sink's own tables; the commit checks that the table's columns are
// of those types (fits()). Anything else — a value whose kind does not match its column (a string in a
// number column), a new column after the first batch — makes the encoder give up ("spoiled") and the
// commit sends the staged rows as JSONEachRow as before. The batch column is added at commit (its id is
// the checkpoint's), after every line.
import type { Row } from '../../runtime/types.ts';
import { dateTimeText as fastDateTime, isoText } from '../timestamps.ts';
import { dateTimeText, finishColumns, foldColumns } from './sql.ts';

/** How a column's values are written: as text, as DateTime text, or as numbers. */
type TextClass = 'String' | 'DateTime' | 'Number';

/** The column types the encoder's text is valid for (what the sink creates, Nullable). */
const FITS = /^Nullable\((String|Int64|Float64|UInt8|DateTime|DateTime\('UTC'\))\)$/;

function classOf(base: string): TextClass {
  return base === 'String' ? 'String' : base.startsWith('DateTime') ? 'DateTime' : 'Number';
}

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIALS = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };
const escapeChar = (c: string): string => ESCAPES[c] as string;

/** A string as a TabSeparated field. */
export function tsvText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, escapeChar) : text;
}

/** The field for a value in a column of this class, or undefined when it must go as JSON instead. */
function field(value: unknown, cls: TextClass | undefined): string | undefined {
  if (value === null || value === undefined) return '\\N';
  if (cls === 'String') {
    if (typeof value === 'string') return tsvText(value);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value instanceof Date) return isoText(value);
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    if (typeof value === 'object') return tsvText(JSON.stringify(value));
    return undefined;
  }
  if (cls === 'DateTime') return value instanceof Date ? fastDateTime(value) ?? dateTimeText(value) : undefined;
  if (cls === 'Number') {
    if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '\\N';
    if (typeof value === 'boolean') return value ? '1' : '0';
  }
  return undefined;
}

export class TsvEncoder {
  /** Lines without the batch column, each ending in a newline. */
  readonly chunks: string[] = [];
  rows = 0;
  spoiled = false;
  private readonly seen = new Map<string, string>();
  private names: string[] | null = null;
  private classes: (TextClass | undefined)[] = [];

  add(rows: readonly Row[]): void {
    if (this.spoiled || rows.length === 0) return;
    foldColumns(this.seen, rows);
    if (this.names && this.seen.size !== this.names.length) return this.spoil();
    const names = (this.names ??= [...this.seen.keys()]);
    this.classes = names.map((name, i) => {
      const type = this.seen.get(name) as string;
      return this.classes[i] ?? (type === 'null' ? undefined : classOf(type));
    });
    const lines = new Array<string>(rows.length + 1);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Row;
      let line = '';
      for (let i = 0; i < names.length; i++) {
        const text = field(row[names[i] as string], this.classes[i]);
        if (text === undefined) return this.spoil();
        line += text + '\t';
      }
      lines[r] = line;
    }
    lines[rows.length] = '';
    this.chunks.push(lines.join('\n'));
    this.rows += rows.length;
  }

  spoil(): void {
    this.spoiled = true;
    this.chunks.length = 0;
  }

  /** Column → base type for the table, in the order of the lines' fields (what inferColumns gives). */
  types(): Map<string, string> {
    return finishColumns(this.seen);
  }

  /** The column list the text is for, when the table's columns (name → full type) take it as written. */
  fits(columns: ReadonlyMap<string, string>): string[] | null {
    if (this.spoiled || !this.names || columns.size !== this.names.length) return null;
    for (let i = 0; i < this.names.length; i++) {
      const type = columns.get(this.names[i] as string);
      const match = type === undefined ? null : FITS.exec(type);
      if (!match) return null;
      const cls = this.classes[i];
      if (cls !== undefined && classOf(match[1] as string) !== cls) return null;
    }
    return this.names;
  }

  /** The text with the batch column's value after every line. */
  body(batch: string): string {
    const tail = `${tsvText(batch)}\n`;
    return this.chunks.map((chunk) => chunk.replaceAll('\n', tail)).join('');
  }
}
