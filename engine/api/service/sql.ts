// The SQL workbench's side of the contract, over the lake query layer (engine/lake/query): paged results
// kept open on the host between pages, cancel, completion catalog and CSV/JSON export.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { EngineError, errorCodes } from '../../errors.ts';
import type { ErrorCode } from '../../errors.ts';
import { openLake } from '../../lake/index.ts';
import { parseSnapshotId } from '../../lake/format/ids.ts';
import { createLakeQuery, createResultWriter } from '../../lake/query/index.ts';
import type { LakeQuery, QueryHandle, QueryOptions } from '../../lake/query/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { HostMode, QueryVersion, SqlCatalogTable, SqlExport, SqlPage, SqlResult, WireValue } from '../contract.ts';
import { toWire } from './wire.ts';

/** Open result sets a host keeps; the oldest is closed when a new one would exceed it (an abandoned grid). */
const maxOpen = 16;
/** Rows an export may hold in memory (the file is built as one string for the browser download). */
const exportLimit = 1_000_000;

/** A query the host knows by id: running (no handle or first page yet) or open between pages. */
interface OpenQuery {
  id: string;
  /** null until the lake query layer has prepared the statement. */
  handle: QueryHandle | null;
  /** Until the first page is back; such a query cannot be paged or evicted yet. */
  running: boolean;
  cancelled: boolean;
  rowsSoFar: number;
}

export class SqlWorkbench {
  private readonly query: LakeQuery;
  private readonly open = new Map<string, OpenQuery>();

  constructor(private readonly lakeDir: string, private readonly clock: Clock, private readonly mode: HostMode) {
    this.query = createLakeQuery(lakeDir);
  }

  /**
   * `queryId` lets the client name the query before it runs, so it can cancel a long query mid-flight
   * (otherwise the id only arrives with the first page, when there is nothing left to cancel).
   */
  async run(sql: string, version: QueryVersion | undefined, pageSize: number | undefined, queryId?: string): Promise<SqlResult> {
    const started = this.clock.now();
    const id = queryId ?? randomUUID();
    if (this.open.has(id)) {
      throw new EngineError('ENG_HOST_REQUEST', `Query id "${id}" is already in use by a running or open query; choose a new id per run`, { queryId: id });
    }
    // Registered before anything awaits, so a cancel that arrives while the statement is prepared or running finds it.
    const entry: OpenQuery = { id, handle: null, running: true, cancelled: false, rowsSoFar: 0 };
    this.open.set(id, entry);
    let handle: QueryHandle;
    try {
      handle = await this.query.query(sql, options(version, pageSize));
    } catch (error) {
      this.forget(entry);
      throw entry.cancelled ? cancelledError() : error;
    }
    if (entry.cancelled) {
      handle.cancel();
      handle.close();
      throw cancelledError();
    }
    entry.handle = handle;
    let page: SqlPage;
    try {
      page = await this.page(entry);
    } finally {
      entry.running = false;
    }
    this.evict();
    return { ...page, columns: handle.columns.map((c) => ({ name: c.name, type: c.type })), elapsedMs: this.clock.now() - started };
  }

  async next(queryId: string): Promise<SqlPage> {
    const entry = this.open.get(queryId);
    if (!entry) throw new EngineError('ENG_LAKE_QUERY', `Query ${queryId} is not open: it finished, was cancelled, or was closed to make room for newer ones; run it again`);
    if (entry.running) throw new EngineError('ENG_LAKE_QUERY', `Query ${queryId} is still running; wait for its first page`);
    return this.page(entry);
  }

  /** Interrupts a running query (its pending run rejects with ENG_LAKE_CANCELLED) or closes an open one. */
  cancel(queryId: string): void {
    const entry = this.open.get(queryId);
    if (!entry) return;
    this.open.delete(queryId);
    entry.cancelled = true;
    // Without a handle the statement is still being prepared; run() cancels it as soon as it exists.
    if (entry.handle) {
      entry.handle.cancel();
      entry.handle.close();
    }
  }

  async catalog(): Promise<SqlCatalogTable[]> {
    const lake = openLake(this.lakeDir);
    const entries = await this.query.catalog();
    return Promise.all(entries.map(async (entry): Promise<SqlCatalogTable> => {
      const table: SqlCatalogTable = { table: entry.table, columns: entry.columns.map((c) => ({ name: c.name, type: c.type })), refs: [] };
      if (entry.error) {
        table.error = { code: entry.error.code in errorCodes ? (entry.error.code as ErrorCode) : 'ENG_LAKE_QUERY', message: entry.error.message };
        return table;
      }
      try {
        table.refs = (await lake.table(entry.table)).refs().filter((r) => r.name !== 'main').map((r) => r.name).sort();
      } catch {
        // Completion still works without refs; the error shows when the table is opened.
      }
      return table;
    }));
  }

  async export(sql: string, version: QueryVersion | undefined, format: 'csv' | 'json', path: string | undefined): Promise<SqlExport> {
    if (path !== undefined && (this.mode !== 'desktop' || !isAbsolute(path))) {
      throw new EngineError('ENG_HOST_REQUEST', this.mode === 'desktop' ? `Export path must be absolute: ${path}` : 'Exports to a path exist only in the desktop app; the browser downloads the content instead');
    }
    const handle = await this.query.query(sql, options(version, 10_000));
    const parts: string[] = [];
    let rows = 0;
    try {
      const csv = format === 'csv' ? createResultWriter('csv', handle.columns) : null;
      for (;;) {
        const page = await handle.nextPage();
        rows += page.rows.length;
        if (rows > exportLimit) throw new EngineError('ENG_LAKE_QUERY', `The export has more than ${exportLimit.toLocaleString('en')} rows; add a LIMIT or export from the CLI (streamlake lake query … --format ${format})`);
        if (csv) parts.push(csv.page(page.rows));
        else for (const row of page.rows) parts.push(JSON.stringify(toWire(row)));
        if (page.done) break;
      }
      if (csv) parts.push(csv.end(rows));
    } finally {
      handle.close();
    }
    const content = format === 'csv' ? parts.join('') : `[\n${parts.join(',\n')}\n]\n`;
    const fileName = `query-${new Date(this.clock.now()).toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${format}`;
    const mimeType = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';
    if (path !== undefined) {
      await writeFile(path, content, 'utf8');
      return { fileName, mimeType, content: '', rows, path };
    }
    return { fileName, mimeType, content, rows };
  }

  close(): void {
    for (const id of [...this.open.keys()]) this.cancel(id);
    this.query.close();
  }

  private async page(entry: OpenQuery): Promise<SqlPage> {
    const handle = entry.handle!;
    let page;
    try {
      page = await handle.nextPage();
    } catch (error) {
      this.forget(entry);
      handle.close();
      throw entry.cancelled ? cancelledError() : error;
    }
    const names = handle.columns.map((c) => c.name);
    const rows: WireValue[][] = page.rows.map((row) => names.map((name) => toWire(row[name])));
    entry.rowsSoFar += rows.length;
    if (page.done) {
      this.forget(entry);
      handle.close();
    }
    return { queryId: entry.id, rows, done: page.done, rowsSoFar: entry.rowsSoFar };
  }

  /** Drops the entry only if the id still means this query (a cancelled id may already be reused). */
  private forget(entry: OpenQuery): void {
    if (this.open.get(entry.id) === entry) this.open.delete(entry.id);
  }

  /** Closes the oldest open result sets beyond the limit; running queries are never evicted. */
  private evict(): void {
    const idle = [...this.open.values()].filter((entry) => !entry.running);
    for (const entry of idle.slice(0, Math.max(0, this.open.size - maxOpen))) this.cancel(entry.id);
  }
}

function cancelledError(): EngineError {
  return new EngineError('ENG_LAKE_CANCELLED', 'Query was cancelled');
}

function options(version: QueryVersion | undefined, pageSize: number | undefined): QueryOptions {
  const out: QueryOptions = {};
  if (pageSize !== undefined) out.pageSize = pageSize;
  if (version?.snapshot !== undefined) out.snapshot = parseSnapshotId(version.snapshot);
  if (version?.tag !== undefined) out.tag = version.tag;
  if (version?.branch !== undefined) out.branch = version.branch;
  if (version?.asOf !== undefined) out.asOf = version.asOf;
  return out;
}
