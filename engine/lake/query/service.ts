// The app's query service: one DuckDB instance, a connection of its own per running query (temp views are
// connection scoped, so concurrent queries at different versions never see each other's views; idle ones
// are reused with their views, connections.ts), results in pages.
import { randomUUID } from 'node:crypto';
import { StatementType, type DuckDBInstance } from '@duckdb/node-api';
import { EngineError, toErrorPayload } from '../../errors.ts';
import { duckDbType } from './duckdb-type.ts';
import { defaultPageSize, queryError, StreamingQuery } from './handle.ts';
import { namedSelect, readsByName } from './layout.ts';
import { pruneFiles, wherePredicates } from './prune.ts';
import { findReferences, rewriteReferences, versionedViewName } from './references.ts';
import type { CatalogEntry, QueryHandle, QueryOptions, SnapshotView, TableSource, VersionSelector } from './types.ts';
import { viewSelect } from './view.ts';
import { connectionPool } from './connections.ts';
import { readOnlyError, readOnlyStatement } from './sandbox.ts';

export interface LakeQuery {
  /** Runs one SQL statement over the lake; rows come from the handle's `nextPage`. */
  query(sql: string, options?: QueryOptions): Promise<QueryHandle>;
  tables(): Promise<{ name: string; error?: CatalogEntry['error'] }[]>;
  /** Table and column names for editor completion (head of main). */
  catalog(): Promise<CatalogEntry[]>;
  /** Cancels open queries and closes idle connections, then the sandbox (a shared instance stays open). */
  close(): void;
}

export interface LakeQueryParts {
  source: TableSource;
  instance: () => Promise<DuckDBInstance>;
  /**
   * Refuse every statement but a query (sandbox.ts). The instance is then a sandbox whose configuration is
   * locked, so the service leaves its settings alone.
   */
  readOnly?: boolean;
  /** Called last by close(): the sandbox's own instance goes with its service. */
  closeInstance?: () => void;
}

/** The one version selector the options name, or undefined for the head of main. */
export function versionFromOptions(options: QueryOptions): VersionSelector | undefined {
  const chosen: VersionSelector[] = [];
  if (options.snapshot !== undefined) chosen.push({ snapshot: options.snapshot });
  if (options.tag !== undefined) chosen.push({ tag: options.tag });
  if (options.branch !== undefined) chosen.push({ branch: options.branch });
  if (options.asOf !== undefined) chosen.push({ asOf: parseAsOf(options.asOf) });
  if (chosen.length > 1) {
    throw new EngineError('ENG_LAKE_REF', 'Choose at most one of snapshot, tag, branch or as-of');
  }
  return chosen[0];
}

export function parseAsOf(asOf: number | string): number {
  const ms = typeof asOf === 'number' ? asOf : /^\d+$/.test(asOf.trim()) ? Number(asOf) : Date.parse(asOf);
  if (!Number.isFinite(ms)) {
    throw new EngineError('ENG_LAKE_REF', `"${String(asOf)}" is not a timestamp (use ISO-8601, e.g. 2026-01-31T12:00:00Z, or epoch milliseconds)`);
  }
  return ms;
}

export function createLakeQueryService(parts: LakeQueryParts): LakeQuery {
  const open = new Set<QueryHandle>();
  const pool = connectionPool(parts.instance);
  let configured = false;

  async function query(sql: string, options: QueryOptions = {}): Promise<QueryHandle> {
    if (sql.trim() === '') throw new EngineError('ENG_LAKE_QUERY', 'The query is empty');
    const pageSize = options.pageSize ?? defaultPageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new EngineError('ENG_LAKE_QUERY', `Page size must be a positive integer, got ${pageSize}`);
    }
    const version = versionFromOptions(options);
    const names = parts.source.names ? await parts.source.names() : (await parts.source.tables()).map((table) => table.name);
    const byLowerName = new Map(names.map((name) => [name.toLowerCase(), name]));
    const references = findReferences(sql, (name) => byLowerName.has(name));

    const views: { name: string; view: SnapshotView }[] = [];
    // A plain name may be a column that happens to share a table's name, so a table that cannot be read
    // fails the query only if DuckDB then really looks for it.
    const unreadable = new Map<string, unknown>();
    for (const lower of references.plain) {
      const name = byLowerName.get(lower)!;
      try {
        views.push({ name, view: await parts.source.view(name, version) });
      } catch (error) {
        unreadable.set(lower, error);
      }
    }
    for (const reference of references.versioned) {
      const name = byLowerName.get(reference.table)!;
      views.push({ name: versionedViewName(reference.table, reference.ref), view: await parts.source.view(name, { ref: reference.ref }) });
    }
    const rewritten = rewriteReferences(sql, references.versioned);

    const held = await pool.acquire();
    const connection = held.connection;
    let handle: StreamingQuery | null = null;
    try {
      const serialized = parts.readOnly ? await readOnlyStatement(connection, rewritten) : undefined;
      if (!parts.readOnly && !configured) {
        // Lake data files are immutable (Iceberg never rewrites one in place), so caching their Parquet
        // footers across queries is safe and saves re-reading hundreds of footers per query.
        await connection.run('SET GLOBAL parquet_metadata_cache = true');
        configured = true;
      }
      // A table read once can be narrowed to the files its WHERE allows; a table read twice cannot (the
      // other reference, e.g. a subquery, would see the narrowed view too).
      const only = references.count === 1 && unreadable.size === 0 ? views[0] : undefined;
      const predicates = only ? await wherePredicates(connection, rewritten, only.name, serialized) : [];
      const wanted: { name: string; select: string }[] = [];
      for (const { name, view } of views) {
        const files = view === only?.view ? pruneFiles(view, predicates) : view.files;
        const byName = files.length > 0 && (await readsByName(connection, view));
        wanted.push({ name, select: byName ? namedSelect(view, files) : viewSelect(view, files) });
      }
      await pool.useViews(held, wanted);
      const statement = await connection.prepare(rewritten);
      // Only a SELECT leaves the connection as we know it (its catalog and settings untouched).
      const select = statement.statementType === StatementType.SELECT;
      // DuckDB's parser and its prepared statement agree today; checking both keeps a parser change from
      // letting a write through.
      if (parts.readOnly && !select) {
        statement.destroySync();
        throw readOnlyError(sql);
      }
      handle = new StreamingQuery({
        id: randomUUID(),
        connection,
        statement,
        pageSize,
        release(finished) {
          open.delete(handle!);
          statement.destroySync();
          pool.release(held, finished && select);
        },
      });
      open.add(handle);
      return handle;
    } catch (error) {
      if (!handle) pool.release(held, false);
      const failure = queryError(error);
      if (/multiple statements/i.test(failure.message)) {
        throw new EngineError('ENG_LAKE_QUERY', 'The text holds several SQL statements; run one statement at a time', undefined, { cause: error });
      }
      const missing = /Table with name (\S+) does not exist/.exec(failure.message)?.[1]?.toLowerCase();
      if (missing !== undefined && unreadable.has(missing)) throw unreadable.get(missing);
      throw withTableHint(failure, names);
    }
  }

  async function catalog(): Promise<CatalogEntry[]> {
    const entries: CatalogEntry[] = [];
    for (const table of await parts.source.tables()) {
      if (table.error) {
        entries.push({ table: table.name, columns: [], refs: [], error: table.error });
        continue;
      }
      try {
        const view = await parts.source.view(table.name);
        entries.push({
          table: table.name,
          columns: view.fields.map((field) => ({ name: field.name, type: duckDbType(field.type) })),
          refs: view.refs ?? [],
        });
      } catch (error) {
        entries.push({ table: table.name, columns: [], refs: [], error: toErrorPayload(error, 'ENG_LAKE_METADATA') });
      }
    }
    return entries;
  }

  return {
    query,
    tables: () => parts.source.tables(),
    catalog,
    close() {
      for (const handle of [...open]) handle.cancel();
      pool.closeIdle();
      parts.closeInstance?.();
    },
  };
}

/** DuckDB suggests system tables for a misspelt name; say which lake tables exist instead. */
function withTableHint(error: EngineError, names: string[]): EngineError {
  const missing = /Table with name (\S+) does not exist/.exec(error.message);
  if (error.code !== 'ENG_LAKE_QUERY' || !missing) return error;
  const first = error.message.split('\n')[0]!;
  const known = names.length > 0 ? `lake tables: ${names.join(', ')}` : 'the lake has no tables';
  return new EngineError('ENG_LAKE_QUERY', `${first.replace(/!$/, '')}; ${known}`, { table: missing[1] }, { cause: error });
}
