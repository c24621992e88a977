// The lake's public API for the query layer, the CLI and the studio.
export { sharedDuckDb, withConnection, sqlIdent, sqlString } from './duckdb.ts';
export { openLake, Lake, checkTableName } from './lake.ts';
export { LakeTable } from './table/table.ts';
export type { SnapshotInfo, RefInfo, SnapshotRef, DataFileInfo, CreateTableOptions, SortOrderInfo } from './table/table.ts';
export type { IcebergSchema } from './table/schema.ts';
export type { TableMetadata, NestedField, IcebergType, PartitionSpec, PartitionField, SortOrder, SortField } from './format/metadata.ts';
export type { Progress, CompactOptions, ExpireOptions, OrphanOptions } from './table/maintenance.ts';
export { ORPHAN_DEFAULT_AGE_MS, ORPHAN_MIN_AGE_MS } from './table/maintenance.ts';
export type { PendingReservation } from './table/pending.ts';
export type { SnapshotId } from './format/ids.ts';
export type { RowDiff } from './table/diff.ts';
export type { AppendResult, RejectedRow, AppendOptions } from './table/write.ts';
export { duckType, readSchemaSql } from './table/parquet.ts';
export { readRows } from './table/scan.ts';
export { LakeSink, lastCommittedCheckpoint, SUMMARY_CHECKPOINT, SUMMARY_PIPELINE, SUMMARY_POSITIONS, SUMMARY_NODE } from './sink.ts';
