// The `source.file` node: reads a JSON Lines or CSV file once, streaming in large chunks, and pushes
// batches of ~1024 rows. Lines are found by scanning bytes (no per-line string building); positions are a
// byte offset plus a line number, so a restore reopens the file exactly after the last batch handed over.
// Lines that cannot be decoded go to the error port with their line number and the reason.
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { EngineError } from '../../errors.ts';
import type { FileSourceConfig } from '../../format/pipeline.ts';
import type { Batch, DeadLetter, NodeContext, Row, SourceInstance, SourcePositions } from '../../runtime/types.ts';
import { isUtf8 } from 'node:buffer';
import { asUtf8 } from '../encoding.ts';
import { QuoteScanner, splitCsvRecord } from './csv.ts';
import { JsonLinesDecoder, JsonRejection, RowBytesBuilder } from './json-record.ts';
import { LazyRowsBuilder } from './lazy-rows.ts';
import { csvValue } from './values.ts';
import { readLinesPooled } from '../../workers/file-lines.ts';
import { DecodePool, decodeWorkers, workersAvailable } from '../../workers/pool.ts';

export const fileBatchSize = 1024;
/** Rows per node a fused worker sends for previews from its first tasks (the default preview capacity). */
const fusedSample = 200;
const chunkBytes = 1 << 20;
/** A record this long is almost certainly an unterminated quote or a binary file, not data. */
const maxRecordBytes = 16 << 20;

export interface FilePosition {
  /** Byte offset just after the last record handed over. */
  offset: number;
  /** Lines consumed up to that offset. */
  line: number;
  /** CSV: the header's column names, so a restore need not re-read the start of the file. */
  columns?: string[];
}

type Push = (batch: Batch, port?: 'out' | 'error') => Promise<void>;

export interface FileSourceOptions {
  /**
   * Worker threads decoding JSON Lines, or checking the lines of lazy batches (default: 1 when the chain
   * and window are fused, runtime/fusion.ts, else 0 = on the run's thread); `STREAMLAKE_WORKERS`
   * overrides it (engine/workers/README.md has the measurements behind the default).
   */
  workers?: number;
}

/** Why a line that is not UTF-8 is a dead letter (inline and worker decoding word it alike). */
function invalidUtf8(line: number, offset: number, byteInLine: number): string {
  return `line ${line}: invalid UTF-8 at byte offset ${offset} (byte ${byteInLine} of the line); set the source's encoding to latin1 or utf-8-replace to read such text`;
}

export class FileSource implements SourceInstance {
  private readonly path: string;
  private readonly partition: string;
  private readonly delimiter: number;
  private position: FilePosition = { offset: 0, line: 0 };
  private columns: string[] | undefined;
  /** JSON Lines when the pipeline reads only some fields: rows carry just those (see runtime/projection.ts). */
  private readonly fields: readonly string[] | undefined;
  private readonly json: JsonLinesDecoder;
  /**
   * Every consumer only copies the rows' bytes (NodeContext.bytesReaders): batches of checked records,
   * decoded only if something reads their rows (lazy-rows.ts).
   */
  private readonly lazy: boolean;
  /** Decode workers the last run() used (0: decoded on the run's thread). */
  workersUsed = 0;
  /** Runs of records delivered pre-aggregated (runtime/fusion.ts) rather than as rows. */
  fusedRuns = 0;

  constructor(private readonly config: FileSourceConfig, private readonly ctx: Pick<NodeContext, 'nodeId' | 'clock' | 'fields' | 'budget' | 'fusion' | 'bytesReaders'>, private readonly options: FileSourceOptions = {}) {
    this.path = resolve(config.path);
    // An empty list (nothing read) keeps whole rows: the saving would be nil and rows stay as they were.
    // `__proto__` cannot be assigned like other keys, so such a pipeline keeps JSON.parse's rows.
    if (config.format !== 'csv' && ctx.fields && ctx.fields.length > 0 && !ctx.fields.includes('__proto__')) this.fields = ctx.fields;
    // Which records are verbatim (Batch.bytes) is worked out only when a sink copies them.
    this.json = new JsonLinesDecoder(this.fields, { verbatim: ctx.bytesReaders !== undefined });
    this.lazy = config.format !== 'csv' && this.fields === undefined && ctx.bytesReaders === 'only';
    this.partition = `${ctx.nodeId}/0`;
    this.delimiter = (config.delimiter ?? ',').charCodeAt(0);
    // Without a header the declared columns are the names; with one, the file's header wins.
    if (config.format === 'csv' && config.header === false) this.columns = config.columns ?? [];
  }

  async run(push: Push, signal: AbortSignal): Promise<void> {
    const stream = createReadStream(this.path, { start: this.position.offset, highWaterMark: chunkBytes });
    const opened = new Promise<void>((ok, fail) => {
      stream.once('open', () => ok());
      stream.once('error', (error) => fail(error));
    });
    try {
      await opened;
    } catch (error) {
      throw new EngineError('ENG_SOURCE_FILE', `cannot read ${this.path}: ${(error as Error).message}`, { path: this.path }, { cause: error });
    }
    if (this.config.format !== 'csv') {
      const pooled = await this.runPooled(stream, push, signal);
      if (pooled) return;
    }
    const rows: Row[] = [];
    const dead: DeadLetter[] = [];
    /** The JSON bytes of rows that are already what a JSON sink writes (Batch.bytes). */
    const bytes = new RowBytesBuilder();
    const lazy = this.lazy ? new LazyRowsBuilder() : undefined;
    /** File offset of buf[0] in records() and of carry[0] between chunks. */
    let base = this.position.offset;
    let line = this.position.line;
    /** The line the unfinished record starts on (CSV records may span lines, and chunks). */
    let recordLine = line + 1;
    let carry: Buffer | null = null;
    let scanFrom = 0;
    const quotes = new QuoteScanner(this.delimiter);
    const csv = this.config.format === 'csv';
    /**
     * Non-empty records since the last flush. Batches end where worker runs end (workers/file-lines.ts):
     * after 1024 such records and at the end of each buffer, so a window sees the same batches, and
     * decides lateness against the same watermarks, with or without workers.
     */
    let pending = 0;
    const flush = async (offset: number, lines: number): Promise<void> => {
      pending = 0;
      this.position = { offset, line: lines, ...(this.columns && this.config.header !== false ? { columns: this.columns } : {}) };
      // push delivers synchronously: both ports are handed over in the same step as the position moves,
      // so no checkpoint covers dead letters still waiting for room behind the good rows.
      const delivered: Promise<void>[] = [];
      const checked = lazy?.take(this.partition);
      if (checked) delivered.push(push(checked, 'out'));
      if (rows.length > 0) {
        const out = rows.splice(0);
        const own = bytes.take(out);
        delivered.push(push(own ? { rows: out, partition: this.partition, bytes: own } : { rows: out, partition: this.partition }, 'out'));
      }
      if (dead.length > 0) delivered.push(push({ rows: dead.splice(0), partition: this.partition }, 'error'));
      await Promise.all(delivered);
    };
    // Under --max-events a record is decoded only once granted; the position then stops before the first
    // record that was not, so the next run reads it.
    const budget = this.ctx.budget;
    const strict = (this.config.encoding ?? 'utf-8') === 'utf-8';
    /** Strict UTF-8: buf[0, verifiedEnd) is known to be valid, so its records skip their own check. */
    let verifiedBuf: Buffer | undefined;
    let verifiedEnd = 0;
    const handle = (buf: Buffer, start: number, end: number, firstLine: number, eof: boolean): void => {
      if (base + start === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start += 3;
      if (end > start && buf[end - 1] === 13) end--;
      if (end === start) return;
      pending++;
      if (buf === verifiedBuf && end <= verifiedEnd) {
        if (csv) this.decodeCsv(buf.toString('utf8', start, end), firstLine, rows, dead, eof && quotes.open);
        else if (lazy) this.checkJson(buf, start, end, firstLine, lazy, dead);
        else this.decodeJson(buf, start, end, firstLine, rows, dead, bytes);
        return;
      }
      const text = asUtf8(buf, start, end, this.config.encoding);
      if (!text.ok) {
        const reason = invalidUtf8(firstLine, base + text.invalidAt, text.invalidAt - start);
        // Without its header a CSV file cannot be read at all: taking the next line as the header would shift every column.
        if (csv && !this.columns) throw new EngineError('ENG_SOURCE_FILE', `${this.path}: the header ${reason}`, { path: this.path, line: firstLine, offset: base + text.invalidAt });
        dead.push(this.deadLetter(reason, buf.toString('utf8', start, end), firstLine));
        return;
      }
      if (csv) this.decodeCsv(text.buf.toString('utf8', text.start, text.end), firstLine, rows, dead, eof && quotes.open);
      else if (lazy) this.checkJson(text.buf, text.start, text.end, firstLine, lazy, dead);
      else this.decodeJson(text.buf, text.start, text.end, firstLine, rows, dead, bytes);
    };
    /** Decodes the complete records of buf; where its unfinished tail starts, or -1 once aborted. */
    const records = async (buf: Buffer): Promise<number> => {
      let start = 0;
      if (strict) {
        // One check for all complete lines of the buffer instead of one per line (a call and a view each):
        // a newline byte is never inside a UTF-8 sequence, so the lines are valid exactly when they all are.
        const last = buf.lastIndexOf(10);
        verifiedBuf = last > 0 && isUtf8(buf.subarray(0, last)) ? buf : undefined;
        verifiedEnd = last;
      }
      for (;;) {
        const nl = buf.indexOf(10, scanFrom);
        if (nl < 0) break;
        line++;
        if (csv) {
          const open = quotes.scan(buf, scanFrom, nl);
          scanFrom = nl + 1;
          if (open) continue;
        }
        if (budget && budget(1) === 0) {
          await flush(base + start, recordLine - 1);
          return -1;
        }
        handle(buf, start, nl, recordLine, false);
        quotes.reset();
        start = scanFrom = nl + 1;
        recordLine = line + 1;
        if (pending >= fileBatchSize) {
          await flush(base + start, line);
          if (signal.aborted) return -1;
        }
      }
      if (!csv && pending > 0) {
        await flush(base + start, recordLine - 1);
        if (signal.aborted) return -1;
      }
      if (buf.length - start > maxRecordBytes) {
        throw new EngineError('ENG_SOURCE_FILE', `${this.path}: line ${recordLine} is longer than ${maxRecordBytes >> 20} MiB${csv && quotes.open ? ' (an unterminated quoted field?)' : ''}`, { path: this.path, line: recordLine });
      }
      return start;
    };
    /** Hands buf to records() and keeps its unfinished tail; false once aborted. */
    const consume = async (buf: Buffer): Promise<boolean> => {
      const done = await records(buf);
      if (done < 0) return false;
      carry = done < buf.length ? buf.subarray(done) : null;
      base += done;
      scanFrom -= done;
      return true;
    };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (signal.aborted) return;
        let buf = chunk;
        if (carry) {
          // A JSON line cut by the chunk boundary is completed on its own, so only that line is copied,
          // not the whole chunk. CSV records may span many lines: those chunks are joined whole.
          const nl = csv ? -1 : chunk.indexOf(10);
          if (nl < 0) buf = Buffer.concat([carry, chunk]);
          else {
            if (!(await consume(Buffer.concat([carry, chunk.subarray(0, nl + 1)])))) return;
            buf = chunk.subarray(nl + 1);
          }
        }
        if (!(await consume(buf))) return;
      }
      const last = carry as Buffer | null;
      if (last && last.length > 0 && (!budget || budget(1) > 0)) {
        // The last line has no newline at its end.
        line++;
        if (csv) quotes.scan(last, scanFrom, last.length);
        handle(last, 0, last.length, recordLine, true);
        base += last.length;
      }
      await flush(base, line);
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw new EngineError('ENG_SOURCE_FILE', `cannot read ${this.path}: ${(error as Error).message}`, { path: this.path }, { cause: error });
    } finally {
      stream.destroy();
    }
  }

  /** JSON Lines decoded on worker threads (engine/workers); false when this run decodes inline. */
  private async runPooled(stream: ReturnType<typeof createReadStream>, push: Push, signal: AbortSignal): Promise<boolean> {
    // Lazy batches in strict UTF-8 (the bytes a batch keeps are then the text): workers check which
    // records are verbatim (checkJson), the run's thread builds the batches from their answers. Not by
    // default: on two cores shared with a local broker, file → sink.kafka took as long or longer with a
    // worker (1 M events, exactly-once, 4 alternating triples: 1.18-2.10 s against 1.19-2.23 s, medians
    // 1.81 and 1.55), for more CPU in all and somewhat less on the run's thread (engine/workers/README.md).
    const scan = this.lazy && (this.config.encoding ?? 'utf-8') === 'utf-8';
    const workers = decodeWorkers(this.options.workers, this.ctx.fusion !== undefined);
    // Lazy batches in another encoding keep the converted text: checked on this thread (handle()).
    if (workers === 0 || !workersAvailable() || (this.lazy && !scan)) return false;
    // The workers check or convert each line as the encoding says, as handle() does inline.
    const fusion = this.ctx.fusion;
    // (A lazy source is never fused: its consumers only copy bytes, a window reads fields.)
    const pool = new DecodePool(workers, { format: 'jsonl', fields: this.fields, encoding: this.config.encoding, ...(fusion ? { fused: { plan: fusion.plan, sample: fusedSample } } : {}), ...(scan ? { scan: true } : {}) });
    const lazy = scan ? new LazyRowsBuilder() : undefined;
    this.workersUsed = workers;
    try {
      await readLinesPooled({
        stream,
        from: this.position,
        pool,
        batchSize: fileBatchSize,
        maxRecordBytes,
        tooLong: (line) => new EngineError('ENG_SOURCE_FILE', `${this.path}: line ${line} is longer than ${maxRecordBytes >> 20} MiB`, { path: this.path, line }),
        budget: this.ctx.budget,
        signal,
        deadLetter: (reason, payload, line) => this.deadLetter(reason, payload, line),
        invalidUtf8,
        deliver: async (position, rows, dead, checked) => {
          this.position = position;
          // Both ports in the step that moves the position (see flush in run()).
          const delivered: Promise<void>[] = [];
          if (checked && lazy) {
            lazy.addRun(checked, rows);
            const batch = lazy.take(this.partition);
            if (batch) delivered.push(push(batch, 'out'));
          } else if (rows.length > 0) delivered.push(push({ rows, partition: this.partition }, 'out'));
          if (dead.length > 0) delivered.push(push({ rows: dead, partition: this.partition }, 'error'));
          await Promise.all(delivered);
        },
        ...(fusion ? {
          deliverFused: (position, batch) => {
            const delivered = fusion.deliver(this.partition, batch);
            if (delivered) {
              this.position = position;
              this.fusedRuns++;
            }
            return delivered;
          },
        } : {}),
      });
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw new EngineError('ENG_SOURCE_FILE', `cannot read ${this.path}: ${(error as Error).message}`, { path: this.path }, { cause: error });
    } finally {
      stream.destroy();
      await pool.close();
    }
    return true;
  }

  private deadLetter(reason: string, payload: string, line: number): DeadLetter {
    return { reason, node: this.ctx.nodeId, port: 'error', payload, source: { path: this.path, line }, at: new Date(this.ctx.clock.now()) };
  }

  private decodeJson(buf: Buffer, start: number, end: number, line: number, rows: Row[], dead: DeadLetter[], bytes: RowBytesBuilder): void {
    const decoded = this.json.decode(buf, start, end);
    if (decoded instanceof JsonRejection) dead.push(this.deadLetter(`line ${line}: ${decoded.problem}`, decoded.text, line));
    else if (decoded) {
      // Read chunks and joined lines are fresh buffers, never written again: the batch may refer to them.
      if (this.json.verbatim) bytes.add(rows.length, buf, start, end);
      rows.push(decoded);
    }
  }

  /** decodeJson for lazy batches: a verbatim record of the learned shape is only checked, others decoded now. */
  private checkJson(buf: Buffer, start: number, end: number, line: number, lazy: LazyRowsBuilder, dead: DeadLetter[]): void {
    // Read chunks and joined lines are fresh buffers, never written again: the batch may refer to them.
    if (this.json.scan(buf, start, end)) {
      lazy.addChecked(buf, start, end);
      return;
    }
    const decoded = this.json.decode(buf, start, end);
    if (decoded instanceof JsonRejection) dead.push(this.deadLetter(`line ${line}: ${decoded.problem}`, decoded.text, line));
    else if (decoded) lazy.addRow(decoded, buf, start, end, this.json.verbatim);
  }

  private decodeCsv(text: string, line: number, rows: Row[], dead: DeadLetter[], unterminated: boolean): void {
    if (unterminated) {
      dead.push(this.deadLetter(`line ${line}: unterminated quoted field at the end of the file`, text, line));
      return;
    }
    let fields;
    try {
      fields = splitCsvRecord(text, this.delimiter);
    } catch (error) {
      dead.push(this.deadLetter(`line ${line}: ${(error as Error).message}`, text, line));
      return;
    }
    const columns = this.columns;
    if (!columns) {
      this.columns = fields.map((f) => f.text);
      return;
    }
    if (fields.length !== columns.length) {
      dead.push(this.deadLetter(`line ${line}: expected ${columns.length} fields, got ${fields.length}`, text, line));
      return;
    }
    // Copying a template gives every row the same hidden class, so the stores below stay fast.
    const row: Row = { ...this.template(columns) };
    for (let i = 0; i < columns.length; i++) {
      const field = fields[i];
      if (field) row[columns[i] as string] = csvValue(field.text, field.quoted);
    }
    rows.push(row);
  }

  private templateFor: string[] | undefined;
  private templateRow: Row = {};

  private template(columns: string[]): Row {
    if (this.templateFor !== columns) {
      this.templateFor = columns;
      this.templateRow = Object.fromEntries(columns.map((c) => [c, null]));
    }
    return this.templateRow;
  }

  positions(): SourcePositions {
    return { ...this.position };
  }

  restore(positions: SourcePositions): void {
    const { offset, line, columns } = positions;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || typeof line !== 'number' || !Number.isInteger(line) || line < 0) {
      throw new EngineError('ENG_RUN_CHECKPOINT', `invalid file source position ${JSON.stringify(positions)}`, { positions });
    }
    if (columns !== undefined && !(Array.isArray(columns) && columns.every((c) => typeof c === 'string'))) {
      throw new EngineError('ENG_RUN_CHECKPOINT', 'invalid CSV columns in the file source position', { positions });
    }
    this.position = { offset, line, ...(columns ? { columns } : {}) };
    if (columns) this.columns = columns;
  }

  async close(): Promise<void> {}
}
