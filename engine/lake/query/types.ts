// The query layer's own view of a table version: what it needs to expose one snapshot to SQL. The lake
// API (engine/lake) is adapted to this in source.ts, so the SQL side stays testable on plain Parquet.
import type { DeleteFileInfo } from '../table/deletes.ts';
import type { ErrorPayload } from '../../errors.ts';
import type { Row } from '../../runtime/types.ts';

/** An Iceberg type as it appears in table metadata JSON. */
export type IcebergType =
  | string
  | { type: 'struct'; fields: IcebergField[] }
  | { type: 'list'; 'element-id': number; element: IcebergType; 'element-required'?: boolean }
  | { type: 'map'; 'key-id': number; key: IcebergType; 'value-id': number; value: IcebergType; 'value-required'?: boolean };

export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
}

/** Per-file facts used to skip files that cannot match a predicate. */
export interface ViewFile {
  /** Local file system path (not a URI). */
  path: string;
  recordCount?: number;
  /** Partition values by partition source field id, after the transform (identity values only are used). */
  identityPartition?: Record<number, unknown>;
  /** Decoded column bounds by field id. */
  lowerBounds?: Record<number, unknown>;
  upperBounds?: Record<number, unknown>;
  /** What delete files need (lake tables): the URI delete files name it by, its data sequence number, spec and partition. */
  uri?: string;
  sequenceNumber?: number;
  specId?: number;
  partitionKey?: string;
}

/** One table at one snapshot: the columns it has and exactly the files that hold its rows. */
export interface SnapshotView {
  table: string;
  /** null for a table with no snapshot yet (zero rows). */
  snapshotId: bigint | null;
  fields: IcebergField[];
  files: ViewFile[];
  /** Tag and branch names of the table, usable as `table@name` (for completion). */
  refs?: string[];
  /** Merge-on-read delete files of the snapshot (written by other engines); applied when reading. */
  deletes?: DeleteFileInfo[];
}

/** Which version of a table: nothing means the head of main. */
export type VersionSelector =
  | { snapshot: bigint }
  | { tag: string }
  | { branch: string }
  | { asOf: number }
  /** A `table@ref` suffix: a snapshot id if numeric, else a tag or branch name. */
  | { ref: string };

/** Where the query layer gets tables from. */
export interface TableSource {
  /** Every table folder in the lake; a broken one carries its error instead of being left out. */
  tables(): Promise<{ name: string; error?: ErrorPayload }[]>;
  /** Just the names, cheaply (no validation); queries use this when present. */
  names?(): Promise<string[]>;
  /** Throws EngineError ENG_LAKE_REF for an unknown version, ENG_LAKE_NOT_TABLE for an unknown table. */
  view(table: string, version?: VersionSelector): Promise<SnapshotView>;
}

export interface QueryOptions {
  /** A snapshot id (64-bit). */
  snapshot?: bigint;
  tag?: string;
  branch?: string;
  /** Milliseconds since the epoch, or an ISO-8601 timestamp. */
  asOf?: number | string;
  /** Rows per page; default 500. */
  pageSize?: number;
}

export interface ColumnInfo {
  name: string;
  type: string;
}

export interface Page {
  rows: Row[];
  done: boolean;
}

export interface QueryHandle {
  id: string;
  columns: ColumnInfo[];
  nextPage(): Promise<Page>;
  /** Interrupts a running query; the pending or next `nextPage` rejects with ENG_LAKE_CANCELLED. */
  cancel(): void;
  close(): void;
}

export interface CatalogEntry {
  table: string;
  columns: ColumnInfo[];
  /** Tags and branches usable as `table@ref`. */
  refs: string[];
  error?: ErrorPayload;
}
