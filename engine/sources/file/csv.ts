// RFC 4180 records: fields separated by a delimiter, optionally quoted with ", quotes doubled inside
// quoted fields, and quoted fields may span lines (the reader joins those lines before calling this).

export interface CsvField {
  text: string;
  quoted: boolean;
}

/** Splits one record into fields; throws with the character position on malformed quoting. */
export function splitCsvRecord(record: string, delimiter: number): CsvField[] {
  const fields: CsvField[] = [];
  const n = record.length;
  let i = 0;
  for (;;) {
    if (i < n && record.charCodeAt(i) === 34) {
      let text = '';
      let start = ++i;
      for (;;) {
        const quote = record.indexOf('"', i);
        if (quote < 0) throw new SyntaxError(`unterminated quoted field starting at character ${start}`);
        if (record.charCodeAt(quote + 1) === 34) {
          text += record.slice(start, quote + 1);
          i = start = quote + 2;
          continue;
        }
        text += record.slice(start, quote);
        i = quote + 1;
        break;
      }
      fields.push({ text, quoted: true });
      if (i === n) return fields;
      if (record.charCodeAt(i) !== delimiter) throw new SyntaxError(`unexpected character after a closing quote at character ${i}`);
      i++;
    } else {
      let end = i;
      while (end < n && record.charCodeAt(end) !== delimiter) end++;
      const text = record.slice(i, end);
      if (text.includes('"')) throw new SyntaxError(`a quote inside an unquoted field at character ${i + text.indexOf('"')}`);
      fields.push({ text, quoted: false });
      if (end >= n) return fields;
      i = end + 1;
    }
  }
}

/**
 * Tracks whether a record continues past a line break: only a quote at the start of a field opens a
 * quoted field (a stray quote inside an unquoted field is an error for the record, not the file), and a
 * doubled quote inside one stays inside it.
 */
export class QuoteScanner {
  open = false;
  private fieldStart = true;
  private justClosed = false;

  constructor(private readonly delimiter: number) {}

  /** Scans bytes [start, end) of a line (without its line break); returns whether a quoted field is open. */
  scan(bytes: Buffer, start: number, end: number): boolean {
    if (!this.open && this.fieldStart && !this.justClosed) {
      // Fast path: most lines have no quotes at all.
      const quote = bytes.indexOf(34, start);
      if (quote < 0 || quote >= end) return false;
    }
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (this.open) {
        if (b === 34) {
          this.open = false;
          this.justClosed = true;
        }
        continue;
      }
      if (b === 34 && (this.fieldStart || this.justClosed)) this.open = true;
      this.justClosed = false;
      this.fieldStart = b === this.delimiter;
    }
    if (!this.open) this.reset();
    return this.open;
  }

  /** A new record starts. */
  reset(): void {
    this.open = false;
    this.fieldStart = true;
    this.justClosed = false;
  }
}
