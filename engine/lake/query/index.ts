// Public API of the query layer: `createLakeQuery(lakeDir)` for the studio host and the CLI.
import { openLake, sharedDuckDb } from '../index.ts';
import { lakeSource } from './lake-source.ts';
import { createSandbox } from './sandbox.ts';
import { createLakeQueryService, type LakeQuery } from './service.ts';

export type { LakeQuery } from './service.ts';
export { parseAsOf, versionFromOptions } from './service.ts';
export type { CatalogEntry, ColumnInfo, Page, QueryHandle, QueryOptions } from './types.ts';
export { createResultWriter, outputFormats, valueText, type OutputFormat, type ResultWriter } from './output.ts';
export type { PlainValue } from './values.ts';

export interface LakeQueryOptions {
  /**
   * Run any statement on the process-wide instance, with the process's own file access (the CLI's
   * `--unsafe`). Default: read-only queries on a sandbox that reads only `lakeDir` (sandbox.ts).
   */
  unsafe?: boolean;
}

/** The query service over the lake in `lakeDir`. */
export function createLakeQuery(lakeDir: string, options: LakeQueryOptions = {}): LakeQuery {
  const source = lakeSource(openLake(lakeDir));
  if (options.unsafe) return createLakeQueryService({ source, instance: sharedDuckDb });
  const sandbox = createSandbox(lakeDir);
  return createLakeQueryService({ source, instance: () => sandbox.instance(), readOnly: true, closeInstance: () => sandbox.close() });
}
