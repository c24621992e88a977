// One DuckDB instance per process: DuckDB sizes its buffer pool and thread pool per instance, so the
// writer (Parquet files) and the query layer share one instead of competing with each other.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let instance: Promise<DuckDBInstance> | null = null;

/** The process-wide in-memory DuckDB instance (created on first use). */
export function sharedDuckDb(): Promise<DuckDBInstance> {
  instance ??= DuckDBInstance.create(':memory:').catch((error: unknown) => {
    instance = null;
    throw error;
  });
  return instance;
}

/** Runs `fn` on a fresh connection of the shared instance and closes the connection afterwards. */
export async function withConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const connection = await (await sharedDuckDb()).connect();
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
  }
}

/** SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** SQL quoted identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
