// A query's result as pages. DuckDB produces 2048-row chunks from a streaming result; we hold at most one
// chunk plus one page in JS, so a billion-row result costs the same memory as a small one.
import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBResult } from '@duckdb/node-api';
import { EngineError, isEngineError } from '../../errors.ts';
import type { Row } from '../../runtime/types.ts';
import type { ColumnInfo, Page, QueryHandle } from './types.ts';
import { plainValueConverter, type PlainValue } from './values.ts';

export const defaultPageSize = 500;

export interface StreamingQueryParts {
  id: string;
  connection: DuckDBConnection;
  statement: DuckDBPreparedStatement;
  pageSize: number;
  /** Releases the connection and temp views; called exactly once, `finished` when every row was read. */
  release(finished: boolean): void;
}

export function columnsOf(statement: DuckDBPreparedStatement): ColumnInfo[] {
  const columns: ColumnInfo[] = [];
  for (let i = 0; i < statement.columnCount; i++) {
    columns.push({ name: statement.columnName(i), type: statement.columnType(i).toString() });
  }
  return columns;
}

export function queryError(error: unknown): EngineError {
  if (isEngineError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/interrupt/i.test(message)) return new EngineError('ENG_LAKE_CANCELLED', 'Query was cancelled');
  const denied = /^Permission Error: Cannot access (?:file|directory) "([^"]*)"/.exec(message);
  if (denied) {
    // The sandbox (sandbox.ts) refused it; DuckDB's own words do not say what is allowed.
    return new EngineError('ENG_SQL_FILE_ACCESS', `"${denied[1]}" is outside the lake folder: SQL here reads only the lake's own tables. Read other files with a file source in a pipeline`, { path: denied[1] }, { cause: error });
  }
  return new EngineError('ENG_LAKE_QUERY', message, undefined, { cause: error });
}

export class StreamingQuery implements QueryHandle {
  readonly id: string;
  readonly columns: ColumnInfo[];
  private readonly parts: StreamingQueryParts;
  private readonly names: string[];
  private result: Promise<DuckDBResult> | null = null;
  private pending: Row[] = [];
  private exhausted = false;
  private finished = false;
  private cancelled = false;
  private closed = false;
  private reading: Promise<Page> | null = null;
  private busy = false;

  constructor(parts: StreamingQueryParts) {
    this.parts = parts;
    this.id = parts.id;
    this.columns = columnsOf(parts.statement);
    // Duplicate names (`SELECT a, a`) would overwrite each other in a row object; suffix them like DuckDB's
    // deduplicatedColumnNames does.
    const seen = new Map<string, number>();
    this.names = this.columns.map((column) => {
      const count = seen.get(column.name) ?? 0;
      seen.set(column.name, count + 1);
      return count === 0 ? column.name : `${column.name}_${count}`;
    });
    this.columns = this.columns.map((column, i) => ({ ...column, name: this.names[i]! }));
  }

  /** Pages are served one at a time: a second call waits for the first. */
  nextPage(): Promise<Page> {
    const previous = this.reading ?? Promise.resolve(null);
    const next = previous.catch(() => null).then(() => this.readPage());
    this.reading = next;
    return next;
  }

  private async readPage(): Promise<Page> {
    this.busy = true;
    try {
      return await this.readRows();
    } finally {
      this.busy = false;
    }
  }

  private async readRows(): Promise<Page> {
    if (this.cancelled) throw new EngineError('ENG_LAKE_CANCELLED', 'Query was cancelled');
    if (this.closed) throw new EngineError('ENG_LAKE_QUERY', 'The query handle is closed');
    const size = this.parts.pageSize;
    try {
      // Starting the stream runs the query up to its first chunk; a long aggregation spends its time here,
      // which is why the statement is only started on the first page and can be interrupted meanwhile.
      // startStream is synchronous, so the query has begun before any await: an interrupt issued from here on
      // cannot be lost (DuckDB clears the interrupt flag when a query begins).
      this.result ??= this.parts.statement.startStream().getResult();
      const result = await this.result;
      while (!this.exhausted && this.pending.length < size) {
        const chunk = await result.fetchChunk();
        if (this.closed) throw this.cancelled ? new EngineError('ENG_LAKE_CANCELLED', 'Query was cancelled') : new EngineError('ENG_LAKE_QUERY', 'The query handle is closed');
        if (!chunk || chunk.rowCount === 0) {
          this.exhausted = true;
          break;
        }
        const columns = chunk.convertColumns(plainValueConverter);
        for (let r = 0; r < chunk.rowCount; r++) {
          const row: Record<string, PlainValue> = {};
          for (let c = 0; c < this.names.length; c++) row[this.names[c]!] = columns[c]![r] ?? null;
          this.pending.push(row);
        }
      }
    } catch (error) {
      const failure = this.cancelled ? new EngineError('ENG_LAKE_CANCELLED', 'Query was cancelled') : queryError(error);
      this.busy = false;
      this.close();
      throw failure;
    }
    const rows = this.pending.length <= size ? this.pending : this.pending.slice(0, size);
    this.pending = this.pending.length <= size ? [] : this.pending.slice(size);
    const done = this.exhausted && this.pending.length === 0;
    if (done) {
      this.busy = false;
      this.finished = true;
      this.close();
    }
    return { rows, done };
  }

  cancel(): void {
    if (this.cancelled || this.closed) return;
    this.cancelled = true;
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    if (!this.busy) {
      this.parts.release(this.finished);
      return;
    }
    // Closing a connection under a running task is unsafe: interrupt, and release once the read settles.
    this.parts.connection.interrupt();
    void this.reading?.catch(() => undefined).finally(() => this.parts.release(false));
  }
}
