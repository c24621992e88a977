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

/** Whether a chunk of record text leaves a quoted field open (an odd number of quote characters). */
export function quotesOpen(bytes: Uint8Array, start: number, end: number, open: boolean): boolean {
  let state = open;
  for (let i = start; i < end; i++) if (bytes[i] === 34) state = !state;
  return state;
}
