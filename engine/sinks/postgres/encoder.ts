// COPY text of an append-only checkpoint interval, built as the rows arrive (sink.postgres write()), so the
// sink need not hold the rows until the barrier and the commit only streams text. It is exactly what the
// commit would build from the staged rows: the same column types (inferColumns, folded batch by batch)
// and the same lines (copyLines). A batch that brings a new column would change the column list of the
// lines already built; the encoder then gives up ("spoiled") and the commit builds from the staged rows.
import type { Row } from '../../runtime/types.ts';
import { copyLines, finishColumns, foldColumns } from './sql.ts';

export class CopyEncoder {
  readonly chunks: string[] = [];
  rows = 0;
  spoiled = false;
  private readonly seen = new Map<string, string>();
  private names: string[] | null = null;

  add(rows: readonly Row[]): void {
    if (this.spoiled || rows.length === 0) return;
    foldColumns(this.seen, rows);
    if (this.names && this.seen.size !== this.names.length) {
      this.spoil();
      return;
    }
    this.names ??= [...this.seen.keys()];
    this.chunks.push(copyLines(rows, this.names));
    this.rows += rows.length;
  }

  spoil(): void {
    this.spoiled = true;
    this.chunks.length = 0;
  }

  /** Column → type for the table, in the order of the lines' fields (what inferColumns gives). */
  types(): Map<string, string> {
    return finishColumns(this.seen);
  }
}
