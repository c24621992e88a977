// A JSON Lines batch whose consumers only copy each row's bytes (NodeContext.bytesReaders === 'only'):
// records the learned shape accepts as verbatim are checked, not decoded (JsonLinesDecoder.scan), and
// handed over as a LazyBatch (runtime/lazy.ts) that decodes them if anything reads its rows. Any other
// record is decoded at once as before (rejections still go to the error port when the line is read, and
// its row is kept), so a batch's rows, once read, are the rows the eager source would have pushed.
import { EngineError } from '../../errors.ts';
import { LazyBatch } from '../../runtime/lazy.ts';
import type { Row } from '../../runtime/types.ts';
import type { CheckedRun } from '../../workers/file-lines.ts';
import { CHECKED, VERBATIM } from '../../workers/protocol.ts';
import { JsonLinesDecoder, JsonRejection, RowBytesBuilder } from './json-record.ts';

export class LazyRowsBuilder {
  private readonly bytes = new RowBytesBuilder();
  /** Rows decoded when read from the file, and their indexes in the batch (ascending). */
  private eagerRows: Row[] = [];
  private eagerAt: number[] = [];
  /** Rows in the batch being built. */
  count = 0;
  /**
   * Decodes the checked records when a batch's rows are read: a decoder of its own, so that doing so at
   * any moment (a preview, a sink that needs them) leaves the scanning decoder's state alone.
   */
  private readonly reader = new JsonLinesDecoder(undefined);

  /** A record JsonLinesDecoder.scan accepted: kept as bytes, decoded on read. */
  addChecked(buf: Buffer, start: number, end: number): void {
    this.bytes.add(this.count++, buf, start, end);
  }

  /** A record decoded now; `verbatim`: buf[start, end) is its JSON as the sink writes it. */
  addRow(row: Row, buf: Buffer, start: number, end: number, verbatim: boolean): void {
    if (verbatim) this.bytes.add(this.count, buf, start, end);
    this.eagerAt.push(this.count++);
    this.eagerRows.push(row);
  }

  /**
   * A run a scan worker answered (workers/file-lines.ts): its checked records as bytes, the others with
   * the rows decoded for them, in the run's order; rejected and blank records have no place in the batch.
   */
  addRun(run: CheckedRun, rows: readonly Row[]): void {
    const { flags, buf, starts, ends, rowless } = run;
    let r = 0;
    let k = 0;
    for (let i = 0; i < flags.length; i++) {
      if (rowless[k] === i) {
        k++;
        continue;
      }
      const start = starts[i] as number;
      const end = ends[i] as number;
      if (flags[i] === CHECKED) this.addChecked(buf, start, end);
      else this.addRow(rows[r++] as Row, buf, start, end, flags[i] === VERBATIM);
    }
    if (r !== rows.length) throw new EngineError('ENG_SOURCE_WORKER', `a scan worker answered ${rows.length} rows for ${r} decoded records`);
  }

  /** The batch built so far (undefined when empty); starts over. */
  take(partition: string): LazyBatch | undefined {
    const count = this.count;
    if (count === 0) return undefined;
    const ranges = this.bytes.takeRanges(count);
    const buffers = ranges?.buffers ?? [];
    const starts = ranges?.starts ?? [];
    const ends = ranges?.ends ?? [];
    const eagerRows = this.eagerRows;
    const eagerAt = this.eagerAt;
    this.eagerRows = [];
    this.eagerAt = [];
    this.count = 0;
    const reader = this.reader;
    const known = eagerAt.length === 0 ? undefined : new Map(eagerAt.map((at, k) => [at, eagerRows[k] as Row]));
    return new LazyBatch(partition, count, buffers, starts, ends, () => {
      const rows: Row[] = [];
      let e = 0;
      for (let i = 0; i < count; i++) {
        if (eagerAt[e] === i) {
          rows.push(eagerRows[e++] as Row);
          continue;
        }
        const buf = buffers[i] as Buffer;
        const row = reader.decode(buf, starts[i] as number, ends[i] as number);
        // scan() accepted these bytes as a JSON object: every decoder gives a row for them.
        if (row === undefined || row instanceof JsonRejection) throw new EngineError('ENG_SOURCE_FILE', `a checked JSON Lines record did not decode: ${row?.problem ?? 'blank'}`);
        rows.push(row);
      }
      return rows;
    }, known);
  }
}
