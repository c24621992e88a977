// Public API of the query layer: `createLakeQuery(lakeDir)` for the studio host and the CLI.
import { openLake, sharedDuckDb } from '../index.ts';
import { lakeSource } from './lake-source.ts';
import { createLakeQueryService, type LakeQuery } from './service.ts';

export type { LakeQuery } from './service.ts';
export { parseAsOf, versionFromOptions } from './service.ts';
export type { CatalogEntry, ColumnInfo, Page, QueryHandle, QueryOptions } from './types.ts';
export { createResultWriter, outputFormats, valueText, type OutputFormat, type ResultWriter } from './output.ts';
export type { PlainValue } from './values.ts';

/** The query service over the lake in `lakeDir`, on the process-wide DuckDB instance. */
export function createLakeQuery(lakeDir: string): LakeQuery {
  return createLakeQueryService({ source: lakeSource(openLake(lakeDir)), instance: sharedDuckDb });
}
