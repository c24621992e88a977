// Query results as text: aligned tables for people, JSON lines and RFC 4180 CSV for programs. Each writer
// takes pages as they come so the CLI never holds a whole result.
import { stringifyLosslessJson } from '../format/json.ts';
import type { Row } from '../../runtime/types.ts';
import type { ColumnInfo } from './types.ts';

export type OutputFormat = 'table' | 'json' | 'csv';

export const outputFormats: readonly OutputFormat[] = ['table', 'json', 'csv'];

/** A value as display text: ISO for timestamps, JSON for nested values. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export interface ResultWriter {
  /** Text to print for one page (may be empty). */
  page(rows: Row[]): string;
  /** Text to print after the last page. */
  end(rowCount: number): string;
}

export function createResultWriter(format: OutputFormat, columns: ColumnInfo[]): ResultWriter {
  switch (format) {
    case 'json':
      return {
        // bigints (64-bit snapshot ids, BIGINT columns) as exact JSON numbers: JSON.stringify throws on them
        page: (rows) => rows.map((row) => stringifyLosslessJson(row) + '\n').join(''),
        end: () => '',
      };
    case 'csv': {
      let header = columns.map((column) => csvField(column.name)).join(',') + '\r\n';
      return {
        page(rows) {
          const text = header + rows.map((row) => columns.map((column) => csvField(valueText(row[column.name]))).join(',') + '\r\n').join('');
          header = '';
          return text;
        },
        end: () => header,
      };
    }
    case 'table':
      return tableWriter(columns);
  }
}

const numericType = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** Column widths come from the header and the first page; later pages reuse them (long values overflow). */
function tableWriter(columns: ColumnInfo[]): ResultWriter {
  let widths: number[] | null = null;
  const right = columns.map((column) => numericType.test(column.type));
  const cell = (text: string, i: number) => (right[i] ? text.padStart(widths![i]!) : text.padEnd(widths![i]!));
  const line = (cells: string[]) => cells.map(cell).join('  ').trimEnd() + '\n';
  // Control characters would break the alignment: show them escaped, as JSON would.
  const oneLine = (text: string) => text.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));
  const texts = (row: Row) => columns.map((column) => (row[column.name] === null ? 'NULL' : oneLine(valueText(row[column.name]))));
  let header = '';
  function start(rows: Row[]): void {
    widths = columns.map((column) => column.name.length);
    for (const row of rows) texts(row).forEach((text, i) => (widths![i] = Math.max(widths![i]!, text.length)));
    header = line(columns.map((column) => column.name)) + line(widths.map((width) => '-'.repeat(width)));
  }
  return {
    page(rows) {
      let out = '';
      if (!widths) {
        start(rows);
        out += header;
      }
      return out + rows.map((row) => line(texts(row))).join('');
    },
    end(rowCount) {
      const out = widths ? '' : (start([]), header);
      return `${out}(${rowCount} ${rowCount === 1 ? 'row' : 'rows'})\n`;
    },
  };
}
