// The ONE contract between the studio's renderer and whichever host runs the engine (the Electron main
// process or the web host). Both hosts implement `StudioApi` with the same service (engine/api/service.ts);
// the renderer gets a typed proxy from engine/api/client.ts and never learns which host it runs in.
//
// Rules that keep the two transports (Electron IPC structured clone, WebSocket/HTTP JSON) identical:
// - every method takes zero or one argument, a plain params object, and returns a Promise;
// - every value crossing the boundary is plain JSON: timestamps are epoch milliseconds (`number`) in
//   metadata and ISO-8601 strings inside data rows (`WireValue`), bytes are `{ $bytes: base64 }`;
// - a failure rejects with an `EngineError` rebuilt from the `ErrorPayload {code, message, details?}`.
// Types only, plus the const table of method names used for runtime checks on both sides.
import type { FlinkProblem, FlinkProblemSeverity } from '../flink/problems.ts';
import type { ErrorPayload } from '../errors.ts';
import type { PipelineDoc, Problem } from '../format/pipeline.ts';

// ---------------------------------------------------------------------------------------------------
// Wire values

/** A value inside a data row as it crosses the boundary (Date → ISO string, bigint → number or string). */
export type WireValue = null | boolean | number | string | WireValue[] | { [key: string]: WireValue };
export type WireRow = Record<string, WireValue>;

// ---------------------------------------------------------------------------------------------------
// Host

export type HostMode = 'desktop' | 'browser';

export interface HostInfo {
  mode: HostMode;
  /** Application version from package.json. */
  version: string;
  /** Absolute lake directory this host serves. */
  lakeDir: string;
  /** STREAMLAKE_HOME. */
  homeDir: string;
  /** Where pipeline files live by default (browser mode: the only place; `<home>/pipelines`). */
  pipelinesDir: string;
  /** `process.platform` of the host. */
  platform: string;
  /** Desktop only: native open/save dialogs (`filePick`). In browser mode files are picked from `fileList`. */
  nativeDialogs: boolean;
  /** Path of the Prometheus endpoint relative to the page origin (web host), or null (desktop). */
  metricsPath: string | null;
}

// ---------------------------------------------------------------------------------------------------
// Pipelines and files

export interface ExampleInfo {
  /** Stable id, the file name without extension (e.g. `sales-by-region`). */
  id: string;
  title: string;
  description: string;
  /** True for the example the first screen offers (the sales example on the generator). */
  featured: boolean;
  doc: PipelineDoc;
}

export interface ValidationResult {
  ok: boolean;
  problems: Problem[];
}

export type { FlinkProblem, FlinkProblemSeverity };

/** A Flink SQL export: the script, each difference on its node, and the environment placeholders it needs. */
export interface FlinkExportResult {
  sql: string;
  problems: FlinkProblem[];
  placeholders: string[];
}

/** A job submitted through a SQL Gateway session. */
export interface FlinkJobRef {
  session: string;
  jobId: string;
}

/** Which SQL Gateway: a saved Flink connection by name, or a typed http(s) URL (no auth); exactly one. */
export interface FlinkTarget {
  connection?: string;
  endpoint?: string;
}

/** A saved Flink connection (SQL Gateway REST endpoint) as the UI sees it: never the password or token. */
export interface FlinkConnectionInfo {
  name: string;
  url: string;
  /** Basic auth user of a proxy in front of the gateway. */
  user?: string;
  hasPassword: boolean;
  hasToken: boolean;
}

/** What the UI sends to save a Flink connection. With `user`: basic auth; else an optional bearer token. An absent password/token keeps the stored one; `null` removes it. */
export interface FlinkConnectionInput {
  name: string;
  url: string;
  user?: string;
  password?: string | null;
  token?: string | null;
}

export interface FlinkTestResult {
  ok: boolean;
  /** Which step failed, in order: dns → tcp → tls → http (is it a SQL Gateway?) → auth. */
  failedAt?: 'dns' | 'tcp' | 'tls' | 'http' | 'auth';
  message: string;
  version?: string;
  elapsedMs: number;
}

/** Rows arriving at a node, from a short run of what is upstream of it (for editors' sample values). */
export interface NodeSample {
  rows: WireRow[];
  /** Why there are no (or only some) rows, in plain words. */
  note?: string;
}

export type ImportResult = { ok: true; doc: PipelineDoc } | { ok: false; problems: Problem[] };

export interface PipelineFileInfo {
  /** Browser mode: a name relative to `pipelinesDir` (e.g. `sales.json`); desktop: an absolute path. */
  path: string;
  /** Pipeline name inside the file, or null when it could not be read. */
  name: string | null;
  modifiedAt: number;
  sizeBytes: number;
}

export interface OpenedFile {
  path: string;
  /** Canonical text as stored. */
  text: string;
  /** Present when the file is a valid pipeline. */
  doc?: PipelineDoc;
  /** Present when it is not: every problem, the canvas must stay unchanged. */
  problems?: Problem[];
}

export interface AutosaveSlot {
  doc: PipelineDoc;
  /** File the autosaved document belongs to, or null for an unsaved pipeline. */
  path: string | null;
  savedAt: number;
}

// ---------------------------------------------------------------------------------------------------
// Running

/** `paused`: the sources wait after their last batch (runPause); everything downstream keeps draining. */
export type RunState = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'finished' | 'failed';

export interface RunStatus {
  state: RunState;
  /** Id of the current or last run, null before the first one. */
  runId: string | null;
  pipelineName: string | null;
  startedAt: number | null;
  endedAt: number | null;
  uptimeMs: number;
  /** Events produced by all sources per second over the last sampling interval. */
  eventsPerSecond: number;
  /** Events produced by all sources since the run started. */
  eventsTotal: number;
  /** Set when state is `failed`. */
  error?: ErrorPayload;
  /**
   * Set when a finished run has something to say about what it did not do, e.g. it resumed a bounded input
   * that an earlier run had already read to its end: "Nothing new since checkpoint 12; Reset to start over".
   */
  notice?: string;
  /** Trouble a node reports while the run goes on (e.g. its broker cannot be reached), by node id. */
  nodeAlerts?: Record<string, string>;
}

/** What `runApply` did with an edited pipeline. */
export interface ApplyResult {
  /** True when the run was restarted from its last checkpoint with the edited pipeline. */
  applied: boolean;
  /** Why the edit cannot take over the running pipeline's state (when not applied). */
  reasons: string[];
  status: RunStatus;
}

export interface RunOptions {
  /** Stop after the sources produced this many events in total. */
  maxEvents?: number;
  /** Drop checkpointed state before starting instead of resuming from it. */
  fresh?: boolean;
}

/**
 * What Reset does with the lake tables the pipeline writes (its sink.lake nodes' tables and branches):
 * `replace` empties each in one Iceberg delete snapshot (history stays, time travel still sees the old rows),
 * so the next run leaves exactly its own rows; `append` keeps them, so the next run adds its rows again.
 */
export type ResetTables = 'replace' | 'append';

export interface ResetTableResult {
  table: string;
  branch: string;
  /** emptied: a delete snapshot removed its rows; kept: left as it was (append); absent: no such table or branch yet. */
  action: 'emptied' | 'kept' | 'absent';
  /** Rows the delete snapshot removed (0 unless emptied). */
  rowsRemoved: number;
  /** The snapshot Reset committed (the delete, or the marker on a kept table), as decimal text; null when absent. */
  snapshotId: SnapshotIdText | null;
}

export interface ResetGroupResult {
  /** The source.kafka node. */
  node: string;
  connection: string;
  group: string;
  /** deleted: the group and its committed offsets are gone, so the next run starts where startFrom says. */
  action: 'deleted' | 'absent';
}

export interface ResetResult {
  pipelineName: string;
  /** Checkpoint files deleted. */
  checkpointsRemoved: number;
  tables: ResetTableResult[];
  /** Consumer groups of the pipeline's Kafka sources (only when the doc was sent). */
  groups: ResetGroupResult[];
}

export type PortName = 'out' | 'error' | 'late';

export interface LatencyStats {
  count: number;
  sumMs: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  maxMs: number | null;
}

/**
 * What a database sink (sink.postgres, sink.clickhouse, …) delivered to its target during this run: counted
 * at its checkpoint commits, so `rows` is what the target holds from this run, not what reached the node.
 */
export interface SinkDelivery {
  /** Rows committed to the target. */
  rows: number;
  /** Commits (one transaction or block per checkpoint). */
  batches: number;
  /** Attempts repeated after a connection error. */
  retries: number;
  /** Rows the target refused (they leave through the error port). */
  rejected: number;
  /** Commit timings observed, retries included; their mean is commitMsTotal / commits. */
  commits: number;
  commitMsTotal: number;
}

export interface NodeMetrics {
  id: string;
  type: string;
  kind: 'source' | 'operator' | 'sink';
  in: number;
  out: Record<PortName, number>;
  errors: number;
  late: number;
  /** Event-time watermark (epoch ms) where the node has one. */
  watermark: number | null;
  latency: LatencyStats;
  rateIn: number;
  rateOut: number;
  queued: number;
  /** Database sinks, once they have counters: what reached the target in this run. */
  delivery?: SinkDelivery;
}

export interface EdgeMetrics {
  from: string;
  port: PortName;
  to: string;
  /** Events per second flowing over this edge (the `from` node's rate on that port). */
  eventsPerSecond: number;
  /** Watermark of the `from` node (epoch ms), null when it has none. */
  watermark: number | null;
  /** Batches queued at `to`. */
  queued: number;
}

export interface MetricsSnapshot {
  runId: string;
  pipeline: string;
  at: number;
  nodes: Record<string, NodeMetrics>;
  edges: EdgeMetrics[];
  checkpoints: { count: number; lastId: number | null; lastAt: number | null; lastDurationMs: number | null };
}

export interface NodePreview {
  nodeId: string;
  port: PortName;
  /** Latest rows, oldest first, at most `limit`. */
  rows: WireRow[];
  /** Rows seen on this port since the run started (more than `rows.length` once the ring wrapped). */
  seen: number;
  at: number;
}

export interface OpenWindow {
  /** Group-by values of this window. */
  key: WireRow;
  start: number;
  end: number;
  /** Watermark the window waits for: it emits once the watermark reaches this (end). */
  closesAt: number;
  /** Events aggregated so far. */
  events: number;
}

export interface WindowExplanation {
  nodeId: string;
  /** Current watermark of the window node (epoch ms), null before the first event. */
  watermark: number | null;
  watermarkDelayMs: number;
  allowedLatenessMs: number;
  /** Oldest first; capped. */
  openWindows: OpenWindow[];
  openCount: number;
  /** Per source partition: the latest event time seen, and whether it is idle (then it does not hold the watermark back). */
  /** maxEventTime null: announced by its source, no event yet. */
  partitions: { partition: string; maxEventTime: number | null; idle: boolean }[];
  /** One plain sentence: why the oldest window has not been emitted yet. */
  summary: string;
}

export interface DeadLetterEntry {
  node: string;
  port: 'error' | 'late';
  reason: string;
  payload: WireValue;
  source?: WireRow;
  at: number;
}

export interface LogEntry {
  at: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  nodeId?: string;
}

// ---------------------------------------------------------------------------------------------------
// Lake

/**
 * A snapshot id as decimal text, e.g. `"8744736658442914487"`. Iceberg ids are 64-bit and usually above
 * 2^53 (Java draws them from the whole positive range), where a JSON number would be rounded.
 */
export type SnapshotIdText = string;

export interface LakeTableSummary {
  name: string;
  /** Rows in the current snapshot of main (from the snapshot summary), null when unknown. */
  rows: number | null;
  snapshots: number;
  currentSnapshotId: SnapshotIdText | null;
  lastUpdatedMs: number | null;
  /** Present when the table could not be read; other tables keep working. */
  error?: ErrorPayload;
}

export interface LakeField {
  id: number;
  name: string;
  required: boolean;
  /** Iceberg type as text: `string`, `long`, `timestamptz`, `decimal(10,2)`, `struct<…>`, `list<…>`. */
  type: string;
  doc?: string;
}

export interface LakeSchema {
  schemaId: number;
  fields: LakeField[];
}

export interface LakePartitionField {
  sourceId: number;
  /** Source column name in the current schema. */
  sourceName: string;
  fieldId: number;
  name: string;
  /** `identity`, `day`, `hour`, `bucket[16]`, `truncate[4]`, … */
  transform: string;
}

export interface LakeSnapshot {
  snapshotId: SnapshotIdText;
  parentId: SnapshotIdText | null;
  sequenceNumber: number;
  timestampMs: number;
  /** `append`, `overwrite`, `replace`, `delete`. */
  operation: string;
  schemaId: number | null;
  /** The Iceberg summary as stored: standard keys plus ours (pipeline, checkpoint id, source positions). */
  summary: Record<string, string>;
  /** True when this snapshot is in the history of main. */
  onMain: boolean;
}

export interface LakeRef {
  name: string;
  type: 'branch' | 'tag';
  snapshotId: SnapshotIdText;
  maxRefAgeMs?: number;
  maxSnapshotAgeMs?: number;
  minSnapshotsToKeep?: number;
}

export interface LakeTableDetail {
  name: string;
  location: string;
  formatVersion: number;
  currentSnapshotId: SnapshotIdText | null;
  currentSchemaId: number;
  /** Current schema. */
  schema: LakeSchema;
  /** Every schema the table ever had, oldest first. */
  schemas: LakeSchema[];
  partitionSpec: { specId: number; fields: LakePartitionField[] };
  /** The order new data files are written in (order 0, no fields: unsorted), e.g. `ts desc nulls last`. */
  sortOrder: { orderId: number; fields: string[] };
  /** Oldest first. */
  snapshots: LakeSnapshot[];
  refs: LakeRef[];
  properties: Record<string, string>;
}

export interface SchemaChange {
  kind: 'added' | 'removed' | 'renamed' | 'type-changed' | 'required-changed';
  fieldId: number;
  name: string;
  /** Previous name or type, for `renamed` / `type-changed` / `required-changed`. */
  from?: string;
  to?: string;
}

export interface SnapshotDiff {
  table: string;
  from: SnapshotIdText;
  to: SnapshotIdText;
  rowsAdded: number;
  rowsRemoved: number;
  filesAdded: number;
  filesRemoved: number;
  schemaChanges: SchemaChange[];
}

export type MaintenanceAction = 'compact' | 'expire' | 'clean';

export interface MaintenanceOptions {
  /** compact: target data file size in bytes. */
  targetFileSizeBytes?: number;
  /** expire: remove snapshots older than this duration text (e.g. `7d`). */
  olderThan?: string;
  /** expire: always keep the last K snapshots. */
  retainLast?: number;
  /** clean: only remove orphan files older than this duration text (default `3d`; below `1d` needs `force`). */
  orphanOlderThan?: string;
  /** clean: allow `orphanOlderThan` below one day (files other engines are still writing are then at risk). */
  force?: boolean;
}

export interface MaintenanceResult {
  jobId: string;
  table: string;
  action: MaintenanceAction;
  /** New snapshot created (compact), or null. */
  snapshotId: SnapshotIdText | null;
  /** Numbers the action reports, e.g. `filesRewritten`, `snapshotsExpired`, `filesRemoved`, `bytesRemoved`. */
  stats: Record<string, number>;
}

/** Progress of a long job (maintenance, producing a generator to a topic). */
export interface JobProgress {
  jobId: string;
  kind: 'maintenance' | 'produce';
  /** Human label, e.g. `compact sales_by_region`. */
  label: string;
  phase: string;
  done: number;
  /** Null when the total is unknown (unbounded). */
  total: number | null;
  finished: boolean;
  error?: ErrorPayload;
}

// ---------------------------------------------------------------------------------------------------
// SQL

/** Which version of the lake a query reads; at most one of these. Absent = head of main. */
export interface QueryVersion {
  snapshot?: SnapshotIdText;
  tag?: string;
  branch?: string;
  /** Epoch ms. */
  asOf?: number;
}

export interface SqlColumn {
  name: string;
  /** DuckDB type name: `VARCHAR`, `BIGINT`, `DOUBLE`, `TIMESTAMP WITH TIME ZONE`, … */
  type: string;
}

export interface SqlPage {
  queryId: string;
  /** Rows of this page as arrays in column order. */
  rows: WireValue[][];
  /** No more pages; the query is closed on the host. */
  done: boolean;
  /** Rows delivered so far including this page. */
  rowsSoFar: number;
}

export interface SqlResult extends SqlPage {
  columns: SqlColumn[];
  elapsedMs: number;
}

export interface SqlCatalogTable {
  table: string;
  columns: SqlColumn[];
  /** Tags and branches usable as `table@ref`. */
  refs: string[];
  error?: ErrorPayload;
}

export interface SqlExport {
  fileName: string;
  mimeType: string;
  /** The whole file (CSV with a header row, or a JSON array of objects). */
  content: string;
  rows: number;
  /** Desktop when `path` was given: where it was written (content is then empty). */
  path?: string;
}

// ---------------------------------------------------------------------------------------------------
// Kafka

export type KafkaSecurity = 'plaintext' | 'ssl' | 'sasl_plaintext' | 'sasl_ssl';
export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** A saved connection as the UI sees it: never any secret, only whether one is stored. */
export interface KafkaConnectionInfo {
  name: string;
  brokers: string[];
  security: KafkaSecurity;
  saslMechanism?: KafkaSaslMechanism;
  username?: string;
  /** PEM text of the CA (not secret). */
  ca?: string;
  /** PEM text of the client certificate (not secret). */
  clientCert?: string;
  hasPassword: boolean;
  hasClientKey: boolean;
  schemaRegistryUrl?: string;
  /** After a save: where its secrets went, `file` meaning a plain 0600 file because no OS keychain answered. */
  secretsIn?: 'keychain' | 'file';
  /** Basic-auth user of the schema registry; its password is never sent to the UI. */
  schemaRegistryUsername?: string;
  hasSchemaRegistryPassword?: boolean;
  /** PEM text of the CA the registry's https certificate is checked against (not secret). */
  schemaRegistryCa?: string;
}

/** What the UI sends to save a connection. Absent secrets keep the stored ones; `null` removes them. */
export interface KafkaConnectionInput {
  name: string;
  brokers: string[];
  security: KafkaSecurity;
  saslMechanism?: KafkaSaslMechanism;
  username?: string;
  password?: string | null;
  ca?: string;
  clientCert?: string;
  clientKey?: string | null;
  schemaRegistryUrl?: string;
  schemaRegistryUsername?: string;
  /** Absent keeps the stored one; null removes it. */
  schemaRegistryPassword?: string | null;
  schemaRegistryCa?: string;
}

export interface KafkaTestResult {
  ok: boolean;
  /** Which step failed, in order: dns → tcp → tls → auth → authz → registry (its own layers in the message). */
  failedAt?: 'dns' | 'tcp' | 'tls' | 'auth' | 'authz' | 'registry' | 'other';
  /** Plain words: what worked or what failed and what to check. */
  message: string;
  brokers?: number;
  clusterId?: string;
  elapsedMs: number;
}

// ---- schema registry (the schema browser)

export type SchemaKind = 'AVRO' | 'PROTOBUF' | 'JSON';
export type SchemaCompatibilityLevel = 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';
/** The formats a schema can be inferred in (the pipeline's format names). */
export type SchemaFormatName = 'avro' | 'protobuf' | 'json-schema';

export interface SchemaSubjectInfo {
  subject: string;
  /** Oldest first. */
  versions: number[];
  schemaType: SchemaKind;
}

export interface SchemaVersionInfo {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaKind;
  /** The schema text, pretty-printed when it is JSON (Avro, JSON Schema). */
  schema: string;
}

export interface SchemaCompatibilityInfo {
  subject: string;
  level: SchemaCompatibilityLevel;
  /** False when the subject has no level of its own and the registry's global one applies. */
  own: boolean;
}

export interface InferredSchema {
  schemaType: SchemaKind;
  schema: string;
  /** How many live rows it was inferred from. */
  rows: number;
}

/** A saved PostgreSQL connection as the UI sees it: never the password, only whether one is stored. */
export interface PostgresConnectionInfo {
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  tls: 'disable' | 'require' | 'verify-full';
  /** PEM text or path of a private CA (not secret). */
  ca?: string;
  hasPassword: boolean;
}

/** What the UI sends to save a PostgreSQL connection. An absent password keeps the stored one; `null` removes it. */
export interface PostgresConnectionInput {
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  tls?: 'disable' | 'require' | 'verify-full';
  ca?: string;
  password?: string | null;
}

export interface PostgresTestResult {
  ok: boolean;
  /** Which step failed, in order: dns → tcp → tls → auth → permission. */
  failedAt?: 'dns' | 'tcp' | 'tls' | 'auth' | 'permission' | 'unknown';
  /** Plain words: what worked or what failed and what to check. */
  message: string;
  server?: string;
  elapsedMs: number;
}

/** A saved ClickHouse connection as the UI sees it: never the password. */
export interface ClickHouseConnectionInfo {
  name: string;
  url: string;
  user: string;
  database?: string;
  hasPassword: boolean;
}

/** What the UI sends to save a ClickHouse connection. An absent password keeps the stored one; `null` removes it. */
export interface ClickHouseConnectionInput {
  name: string;
  url: string;
  user: string;
  database?: string;
  password?: string | null;
}

export interface ClickHouseTestResult {
  ok: boolean;
  failedAt?: 'dns' | 'tcp' | 'tls' | 'auth' | 'permission' | 'unknown';
  message: string;
  version?: string;
  elapsedMs: number;
}

// sink.opensearch connections
/** A saved OpenSearch connection as the UI sees it: never the password. */
export interface OpenSearchConnectionInfo {
  name: string;
  url: string;
  user?: string;
  tlsInsecure?: boolean;
  hasPassword: boolean;
}

/** What the UI sends to save an OpenSearch connection. An absent password keeps the stored one; `null` removes it. */
export interface OpenSearchConnectionInput {
  name: string;
  url: string;
  user?: string;
  tlsInsecure?: boolean;
  password?: string | null;
}

export interface OpenSearchTestResult {
  ok: boolean;
  failedAt?: 'dns' | 'tcp' | 'tls' | 'auth' | 'permission' | 'unknown';
  message: string;
  version?: string;
  elapsedMs: number;
}

/** A saved Cassandra connection as the UI sees it: never the password. */
export interface CassandraConnectionInfo {
  name: string;
  host: string;
  port: number;
  localDataCenter?: string;
  user?: string;
  keyspace?: string;
  tls?: 'disable' | 'require' | 'verify-full';
  hasPassword: boolean;
}

/** What the UI sends to save a Cassandra connection. An absent password keeps the stored one; `null` removes it. */
export interface CassandraConnectionInput {
  name: string;
  host: string;
  port: number;
  localDataCenter?: string;
  user?: string;
  keyspace?: string;
  tls?: 'disable' | 'require' | 'verify-full';
  password?: string | null;
}

export interface CassandraTestResult {
  ok: boolean;
  failedAt?: 'dns' | 'tcp' | 'tls' | 'auth' | 'permission' | 'unknown';
  message: string;
  version?: string;
  elapsedMs: number;
}

export interface KafkaPartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  earliestOffset: number;
  latestOffset: number;
  /** Size on disk in bytes where the broker reports it, else null. */
  sizeBytes: number | null;
}

export interface KafkaTopicInfo {
  name: string;
  internal: boolean;
  partitions: KafkaPartitionInfo[];
  /** Sum over partitions of latest − earliest. */
  messages: number;
  sizeBytes: number | null;
}

export type KafkaPeekFrom = 'earliest' | 'latest' | { offset: number } | { timestamp: number };

export interface KafkaMessage {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  /** Decoded value (JSON, Avro) or text; null for a tombstone. */
  value: WireValue;
  /** How `value` was decoded. */
  format: 'json' | 'avro' | 'protobuf' | 'json-schema' | 'string' | 'bytes';
  headers: Record<string, string>;
  sizeBytes: number;
  /** Set when the value could not be decoded with the asked format (value is then the raw text or bytes). */
  decodeError?: string;
}

export interface KafkaGroupPartitionLag {
  topic: string;
  partition: number;
  committedOffset: number | null;
  latestOffset: number;
  lag: number;
}

export interface KafkaGroupInfo {
  groupId: string;
  state: string;
  members: number;
  totalLag: number;
  partitions: KafkaGroupPartitionLag[];
}

export interface LagPoint {
  at: number;
  lag: number;
}

/** One configuration entry of a topic, as the broker reports it. */
export interface KafkaTopicConfigEntry {
  name: string;
  /** Null for a sensitive value, which the broker never returns. */
  value: string | null;
  /** Set on the topic itself, as opposed to inherited from the broker or Kafka's default. */
  overridden: boolean;
  readOnly: boolean;
  sensitive: boolean;
}

/** Where a consumer group's offsets go: the earliest or latest offset, or the first message at/after a time (epoch ms). */
export type KafkaOffsetTarget = 'earliest' | 'latest' | { timestamp: number };

export interface KafkaOffsetReset {
  groupId: string;
  target: KafkaOffsetTarget;
  /** Per partition: committed offset now (null: never committed), where it goes, and the lag before and after. */
  moves: { topic: string; partition: number; from: number | null; to: number; lagBefore: number; lagAfter: number }[];
  lagBefore: number;
  lagAfter: number;
  /** False for a dry run (the plan a confirmation dialog shows). */
  applied: boolean;
}

export interface KafkaSearchParams {
  connection: string;
  topic: string;
  partition?: number;
  /** Epoch ms, inclusive. */
  fromMs?: number;
  /** Epoch ms, exclusive. */
  toMs?: number;
  /** Text the key contains (case-insensitive). */
  key?: string;
  /** Text the value contains (case-insensitive). */
  text?: string;
  /** `$.customer.city`, `items[0].sku`: the value has this path… */
  jsonPath?: string;
  /** …and, when given, the value there written as text equals this. */
  jsonValue?: string;
  /** Text a header's name or value contains (case-insensitive). */
  header?: string;
  limit?: number;
  /** Most messages read in all (default 100,000). */
  maxScan?: number;
  format?: 'auto' | 'json' | 'avro' | 'string' | 'bytes';
}

export interface KafkaSearchResult {
  /** Oldest first. */
  messages: KafkaMessage[];
  scanned: number;
  /** The limit or maxScan stopped the search before the end of the range. */
  truncated: boolean;
}

export interface KafkaProduceResult {
  topic: string;
  partition: number;
  offset: number;
}

// ---------------------------------------------------------------------------------------------------
// Monitoring

/** Series names: `events_per_second`, `errors`, `late`, `watermark` (event time, epoch ms), `watermark_delay_ms`, `kafka_lag`, `queued`. */
export interface MetricsSeries {
  name: string;
  /** Node id for per-node series; absent for run-wide series. */
  nodeId?: string;
  /** [epoch ms, value] pairs, oldest first, ~1 per second. */
  points: [number, number][];
}

// ---------------------------------------------------------------------------------------------------
// Workspace trust (issue 11): what a pipeline reaches, shown before it runs

/** One thing a run will touch: a file it reads, a Kafka cluster it reads or writes, a lake table it writes. */
export interface TrustItem {
  nodeId: string;
  kind: 'file' | 'kafka' | 'lake';
  direction: 'reads' | 'writes';
  /** The absolute file path, `topic(s) on connection "name"`, or the lake table. */
  target: string;
  /** The brokers a Kafka connection points at; the real path behind a symlink. */
  detail?: string;
  /** Needs the user's confirmation: a file outside the studio's folders, a connection the user never saved. */
  outside: boolean;
}

export interface PipelineTrustReport {
  /** SHA-256 of what needs confirmation; trusting remembers it in $STREAMLAKE_HOME/trusted-pipelines.json. */
  hash: string;
  /** Something reaches outside the studio's folders and saved connections. */
  required: boolean;
  /** The user already confirmed exactly this reach. */
  trusted: boolean;
  items: TrustItem[];
}

// ---------------------------------------------------------------------------------------------------
// Events (host → renderer)

export type StudioEvent =
  | { type: 'run.status'; status: RunStatus }
  | { type: 'metrics.tick'; snapshot: MetricsSnapshot }
  | { type: 'job.progress'; progress: JobProgress }
  | { type: 'log'; entry: LogEntry }
  /** A table got a new snapshot or ref (pipeline commit, maintenance, tag): lake views and live SQL refresh. */
  | { type: 'lake.changed'; table: string }
  /** A node of the current run reports trouble (message) or that it is over (null). */
  | { type: 'node.alert'; runId: string; nodeId: string; message: string | null; at: number };

export type StudioEventType = StudioEvent['type'];
export type StudioListener = (event: StudioEvent) => void;

// ---------------------------------------------------------------------------------------------------
// The API

export interface StudioApi {
  // host
  hostInfo(): Promise<HostInfo>;

  // pipelines
  examplesList(): Promise<ExampleInfo[]>;
  pipelineValidate(params: { doc: unknown }): Promise<ValidationResult>;
  /** Canonical text (stable key order, 2-space JSON, trailing newline). Throws ENG_FORMAT_INVALID for an invalid doc. */
  pipelineExport(params: { doc: PipelineDoc }): Promise<{ text: string }>;
  pipelineImport(params: { text: string }): Promise<ImportResult>;
  /** What the pipeline will read and where data will go; runStart refuses with ENG_TRUST_REQUIRED until trusted. */
  pipelineTrustCheck(params: { doc: PipelineDoc }): Promise<PipelineTrustReport>;
  /** The user confirmed the report's reach in a dialog: remember it and allow runStart. */
  pipelineTrust(params: { doc: PipelineDoc; hash: string }): Promise<PipelineTrustReport>;
  /** The pipeline as one Flink SQL script for Flink 1.20, writing into this studio's lake, with what does not carry over. Throws ENG_FORMAT_INVALID for an invalid doc. */
  pipelineExportFlink(params: { doc: PipelineDoc }): Promise<FlinkExportResult>;
  /** Submits the exported job to a Flink SQL Gateway (placeholders filled from the host's environment, never the renderer). Flink's errors reject with ENG_FLINK_GATEWAY. */
  flinkSubmit(params: FlinkTarget & { doc: PipelineDoc }): Promise<FlinkJobRef>;
  flinkJobStatus(params: FlinkJobRef & FlinkTarget): Promise<{ status: string }>;
  flinkJobStop(params: FlinkJobRef & FlinkTarget): Promise<void>;
  // Flink connections (SQL Gateway REST endpoints, $STREAMLAKE_HOME/flink.json)
  flinkConnections(): Promise<FlinkConnectionInfo[]>;
  flinkSaveConnection(params: { connection: FlinkConnectionInput }): Promise<FlinkConnectionInfo>;
  flinkDeleteConnection(params: { name: string }): Promise<void>;
  /** Tests a saved connection by name, or an unsaved one as typed in the form: DNS, TCP, TLS, is it a SQL Gateway, auth. */
  flinkTestConnection(params: { name?: string; connection?: FlinkConnectionInput }): Promise<FlinkTestResult>;
  /** Runs the part upstream of `nodeId` briefly on its own (generators capped, nothing written) and returns the rows reaching the node. */
  pipelineSample(params: { doc: PipelineDoc; nodeId: string; limit?: number }): Promise<NodeSample>;

  // files
  fileList(): Promise<PipelineFileInfo[]>;
  fileOpen(params: { path: string }): Promise<OpenedFile>;
  /** Writes the canonical text; `overwrite: false` fails with ENG_HOST_REQUEST if the file exists. */
  fileSave(params: { path: string; doc: PipelineDoc; overwrite?: boolean }): Promise<PipelineFileInfo>;
  fileDelete(params: { path: string }): Promise<void>;
  /** Desktop only (HostInfo.nativeDialogs): a native dialog; null when cancelled. */
  filePick(params: { purpose: 'open' | 'save'; defaultName?: string }): Promise<{ path: string | null }>;
  fileRecent(): Promise<PipelineFileInfo[]>;
  autosaveWrite(params: { doc: PipelineDoc; path: string | null }): Promise<void>;
  autosaveRead(): Promise<AutosaveSlot | null>;

  // run control
  runStart(params: { doc: PipelineDoc; options?: RunOptions }): Promise<RunStatus>;
  /** Stops sources, drains, takes a final checkpoint; resolves when stopped. */
  runStop(): Promise<RunStatus>;
  /**
   * Deletes the checkpointed state of a pipeline (by name) so the next run starts fresh. Not while running.
   * With the pipeline's `doc` it also deletes the consumer groups of its Kafka sources (without a
   * checkpoint a source resumes from its group's offsets, which would not be a start from scratch), and
   * with `tables` it replaces or keeps the contents of the lake tables the doc writes; without `tables`
   * the tables are left untouched.
   */
  runReset(params: { pipelineName: string; doc?: PipelineDoc; tables?: ResetTables }): Promise<ResetResult>;
  runStatus(): Promise<RunStatus>;
  /** Holds the sources after their current batch (their backpressure path); the rest drains. */
  runPause(): Promise<RunStatus>;
  runResume(): Promise<RunStatus>;
  /**
   * Takes an edited pipeline into the running one: stops with a final checkpoint and starts the edit from
   * it, when the edit keeps the checkpointed state meaningful; otherwise leaves the run alone and says why.
   */
  runApply(params: { doc: PipelineDoc }): Promise<ApplyResult>;
  /** Latest metrics of the current or last run; null before any run. */
  runMetrics(): Promise<MetricsSnapshot | null>;
  nodePreview(params: { nodeId: string; port?: PortName; limit?: number }): Promise<NodePreview>;
  windowExplain(params: { nodeId: string }): Promise<WindowExplanation>;
  deadLetters(params?: { nodeId?: string; limit?: number }): Promise<DeadLetterEntry[]>;

  // lake
  lakeTables(): Promise<LakeTableSummary[]>;
  lakeTable(params: { table: string }): Promise<LakeTableDetail>;
  lakeCreateTag(params: { table: string; tag: string; snapshotId?: SnapshotIdText }): Promise<LakeRef>;
  lakeDeleteTag(params: { table: string; tag: string }): Promise<void>;
  /**
   * Partition evolution: new data files use a spec of `partitionBy` texts (`region`, `day(ts)`,
   * `bucket(16, id)`, `truncate(4, s)`; empty: unpartitioned); older specs and their files are kept.
   */
  lakeSetPartitionSpec(params: { table: string; partitionBy: string[] }): Promise<LakeTableDetail['partitionSpec']>;
  lakeCreateBranch(params: { table: string; branch: string; snapshotId?: SnapshotIdText }): Promise<LakeRef>;
  /** Deletes a branch other than main (its snapshots stay until expired). */
  lakeDeleteBranch(params: { table: string; branch: string }): Promise<void>;
  /** Moves `target` (default main) forward to the head of `branch`; fails if not a fast-forward. */
  lakeFastForward(params: { table: string; branch: string; target?: string }): Promise<LakeRef>;
  /** Sets main back to an older snapshot of its history. */
  lakeRollback(params: { table: string; snapshotId: SnapshotIdText }): Promise<LakeRef>;
  lakeDiff(params: { table: string; from: SnapshotIdText; to: SnapshotIdText }): Promise<SnapshotDiff>;
  /** Runs to completion; `job.progress` events (kind `maintenance`) report progress meanwhile. */
  lakeMaintain(params: { table: string; action: MaintenanceAction; options?: MaintenanceOptions; jobId?: string }): Promise<MaintenanceResult>;

  // SQL
  /**
   * Runs one statement and returns its first page. `queryId` (letters, digits, _ and -, at most 64) names the
   * query up front so `sqlCancel` can interrupt it while this call is still pending; it must not belong to a
   * running or open query. Without it the host picks an id, returned with the result.
   */
  sqlRun(params: { sql: string; version?: QueryVersion; pageSize?: number; queryId?: string }): Promise<SqlResult>;
  /** The next page, of the size chosen at sqlRun. */
  sqlNext(params: { queryId: string }): Promise<SqlPage>;
  /** Cancels a running query or closes an open one; the pending call rejects with ENG_LAKE_CANCELLED. */
  sqlCancel(params: { queryId: string }): Promise<void>;
  sqlCatalog(): Promise<SqlCatalogTable[]>;
  sqlExport(params: { sql: string; version?: QueryVersion; format: 'csv' | 'json'; path?: string }): Promise<SqlExport>;

  // Kafka
  kafkaConnections(): Promise<KafkaConnectionInfo[]>;
  kafkaSaveConnection(params: { connection: KafkaConnectionInput }): Promise<KafkaConnectionInfo>;
  kafkaDeleteConnection(params: { name: string }): Promise<void>;
  /** Tests a saved connection by name, or an unsaved one as typed in the form. */
  kafkaTestConnection(params: { name?: string; connection?: KafkaConnectionInput }): Promise<KafkaTestResult>;
  /** Every topic of the connection, or only those named in `topics` (missing ones are left out). */
  kafkaTopics(params: { connection: string; topics?: string[] }): Promise<KafkaTopicInfo[]>;

  // ClickHouse (sink.clickhouse connections)
  clickhouseConnections(): Promise<ClickHouseConnectionInfo[]>;
  clickhouseSaveConnection(params: { connection: ClickHouseConnectionInput }): Promise<ClickHouseConnectionInfo>;
  clickhouseDeleteConnection(params: { name: string }): Promise<void>;
  /** Tests a saved connection by name, or an unsaved one as typed in the form. */
  clickhouseTestConnection(params: { name?: string; connection?: ClickHouseConnectionInput }): Promise<ClickHouseTestResult>;

  // OpenSearch (sink.opensearch connections)
  opensearchConnections(): Promise<OpenSearchConnectionInfo[]>;
  opensearchSaveConnection(params: { connection: OpenSearchConnectionInput }): Promise<OpenSearchConnectionInfo>;
  opensearchDeleteConnection(params: { name: string }): Promise<void>;
  /** Tests a saved connection by name, or an unsaved one as typed in the form. */
  opensearchTestConnection(params: { name?: string; connection?: OpenSearchConnectionInput }): Promise<OpenSearchTestResult>;
  // Cassandra (sink.cassandra connections)
  cassandraConnections(): Promise<CassandraConnectionInfo[]>;
  cassandraSaveConnection(params: { connection: CassandraConnectionInput }): Promise<CassandraConnectionInfo>;
  cassandraDeleteConnection(params: { name: string }): Promise<void>;
  /** Tests a saved connection by name, or an unsaved one as typed in the form. */
  cassandraTestConnection(params: { name?: string; connection?: CassandraConnectionInput }): Promise<CassandraTestResult>;

  // PostgreSQL (sink.postgres connections)
  postgresConnections(): Promise<PostgresConnectionInfo[]>;
  postgresSaveConnection(params: { connection: PostgresConnectionInput }): Promise<PostgresConnectionInfo>;
  postgresDeleteConnection(params: { name: string }): Promise<void>;
  /** Tests a saved connection by name, or an unsaved one as typed; with `table`, also the rights to write it. */
  postgresTestConnection(params: { name?: string; connection?: PostgresConnectionInput; table?: string }): Promise<PostgresTestResult>;
  kafkaCreateTopic(params: { connection: string; topic: string; partitions?: number; replicationFactor?: number; configs?: Record<string, string> }): Promise<void>;
  kafkaDeleteTopic(params: { connection: string; topic: string }): Promise<void>;
  kafkaPeek(params: { connection: string; topic: string; partition?: number; from?: KafkaPeekFrom; limit?: number; format?: 'auto' | 'json' | 'avro' | 'protobuf' | 'json-schema' | 'string' | 'bytes' }): Promise<KafkaMessage[]>;
  /** Finds messages by key, value text, JSON path and value, header and time range; reads at most maxScan messages. */
  kafkaSearch(params: KafkaSearchParams): Promise<KafkaSearchResult>;
  kafkaTopicConfig(params: { connection: string; topic: string }): Promise<KafkaTopicConfigEntry[]>;
  /** Sets (text) or removes (null, back to the default) topic-level overrides; returns the configuration after. */
  kafkaAlterTopicConfig(params: { connection: string; topic: string; set: Record<string, string | null> }): Promise<KafkaTopicConfigEntry[]>;
  kafkaGroups(params: { connection: string }): Promise<KafkaGroupInfo[]>;
  /**
   * Moves a consumer group's committed offsets (every topic it committed on, or `topic`). `dryRun` only
   * returns the plan. Fails with ENG_KAFKA_GROUP_ACTIVE while the group has members.
   */
  kafkaResetOffsets(params: { connection: string; groupId: string; to: KafkaOffsetTarget; topic?: string; dryRun?: boolean }): Promise<KafkaOffsetReset>;
  /** Lag sampled by the host over time (sampling starts on the first call for a group). */
  kafkaLagHistory(params: { connection: string; groupId: string; sinceMs?: number }): Promise<LagPoint[]>;
  kafkaProduce(params: { connection: string; topic: string; key?: string | null; value: string | null; headers?: Record<string, string>; partition?: number }): Promise<KafkaProduceResult>;
  /** Publishes a generator dataset to a topic; runs to completion with `job.progress` events (kind `produce`). */
  kafkaProduceGenerator(params: { connection: string; topic: string; dataset: string; count: number; eventsPerSecond?: number; seed?: number; jobId?: string }): Promise<{ jobId: string; produced: number }>;
  /** Stops a running generator job early. */
  jobCancel(params: { jobId: string }): Promise<void>;

  // schema registry of a connection
  schemaSubjects(params: { connection: string }): Promise<SchemaSubjectInfo[]>;
  schemaVersion(params: { connection: string; subject: string; version: number | 'latest' }): Promise<SchemaVersionInfo>;
  schemaCompatibility(params: { connection: string; subject: string }): Promise<SchemaCompatibilityInfo>;
  schemaSetCompatibility(params: { connection: string; subject: string; level: SchemaCompatibilityLevel }): Promise<SchemaCompatibilityInfo>;
  /** Registers a schema; an incompatible one rejects with ENG_REGISTRY_INCOMPATIBLE and the registry's reason. */
  schemaRegister(params: { connection: string; subject: string; schemaType: SchemaKind; schema: string }): Promise<SchemaVersionInfo>;
  /** A schema derived from the latest rows a node of the current run produced. */
  schemaInfer(params: { nodeId: string; format: SchemaFormatName; recordName?: string }): Promise<InferredSchema>;

  // monitoring
  /** Series kept by the host for the current or last run (~1 point/s, last 15 minutes). */
  metricsHistory(params?: { sinceMs?: number; names?: string[] }): Promise<MetricsSeries[]>;
}

export type StudioMethod = keyof StudioApi;
export type ParamsOf<M extends StudioMethod> = Parameters<StudioApi[M]>[0];
export type ResultOf<M extends StudioMethod> = Awaited<ReturnType<StudioApi[M]>>;

/** The API plus its event stream, as the renderer receives it from `createClient`. */
export interface StudioClient extends StudioApi {
  /** Receives every host event; returns the unsubscribe function. */
  subscribe(listener: StudioListener): () => void;
}

// The compiler rejects this table if a method is added to StudioApi without it, or vice versa, so the
// runtime list used by the client proxy and the host dispatcher can never drift from the interface.
const methodTable: Record<StudioMethod, true> = {
  hostInfo: true,
  examplesList: true,
  pipelineValidate: true,
  pipelineExport: true,
  pipelineImport: true,
  pipelineTrustCheck: true,
  pipelineTrust: true,
  pipelineExportFlink: true,
  flinkSubmit: true,
  flinkJobStatus: true,
  flinkJobStop: true,
  flinkConnections: true,
  flinkSaveConnection: true,
  flinkDeleteConnection: true,
  flinkTestConnection: true,
  pipelineSample: true,
  fileList: true,
  fileOpen: true,
  fileSave: true,
  fileDelete: true,
  filePick: true,
  fileRecent: true,
  autosaveWrite: true,
  autosaveRead: true,
  runStart: true,
  runStop: true,
  runReset: true,
  runStatus: true,
  runPause: true,
  runResume: true,
  runApply: true,
  runMetrics: true,
  nodePreview: true,
  windowExplain: true,
  deadLetters: true,
  lakeTables: true,
  lakeTable: true,
  lakeCreateTag: true,
  lakeDeleteTag: true,
  lakeSetPartitionSpec: true,
  lakeCreateBranch: true,
  lakeDeleteBranch: true,
  lakeFastForward: true,
  lakeRollback: true,
  lakeDiff: true,
  lakeMaintain: true,
  sqlRun: true,
  sqlNext: true,
  sqlCancel: true,
  sqlCatalog: true,
  sqlExport: true,
  kafkaConnections: true,
  kafkaSaveConnection: true,
  kafkaDeleteConnection: true,
  kafkaTestConnection: true,
  postgresConnections: true,
  postgresSaveConnection: true,
  postgresDeleteConnection: true,
  postgresTestConnection: true,
  clickhouseConnections: true,
  clickhouseSaveConnection: true,
  clickhouseDeleteConnection: true,
  clickhouseTestConnection: true,
  // sink.opensearch connections
  opensearchConnections: true,
  opensearchSaveConnection: true,
  opensearchDeleteConnection: true,
  opensearchTestConnection: true,
  cassandraConnections: true,
  cassandraSaveConnection: true,
  cassandraDeleteConnection: true,
  cassandraTestConnection: true,
  kafkaTopics: true,
  kafkaCreateTopic: true,
  kafkaDeleteTopic: true,
  kafkaPeek: true,
  kafkaSearch: true,
  kafkaTopicConfig: true,
  kafkaAlterTopicConfig: true,
  kafkaGroups: true,
  kafkaResetOffsets: true,
  kafkaLagHistory: true,
  kafkaProduce: true,
  kafkaProduceGenerator: true,
  jobCancel: true,
  schemaSubjects: true,
  schemaVersion: true,
  schemaCompatibility: true,
  schemaSetCompatibility: true,
  schemaRegister: true,
  schemaInfer: true,
  metricsHistory: true,
};

export const studioMethods: readonly StudioMethod[] = Object.freeze(Object.keys(methodTable) as StudioMethod[]);

export function isStudioMethod(name: string): name is StudioMethod {
  return Object.prototype.hasOwnProperty.call(methodTable, name);
}

// ---------------------------------------------------------------------------------------------------
// Transport (shared by both hosts)

/** What a client needs from a host connection; engine/api/transport-ws.ts and transport-electron.ts. */
export interface Transport {
  /** Resolves with the result, or rejects with an EngineError built from the host's ErrorPayload. */
  call(method: StudioMethod, params: unknown): Promise<unknown>;
  subscribe(listener: StudioListener): () => void;
}

/** Messages on the WebSocket (`/ws?token=…`). */
export type ClientMessage = { id: number; method: string; params?: unknown };
export type ServerMessage =
  | { id: number; result: unknown }
  | { id: number; error: ErrorPayload }
  | { event: StudioEvent };

/** Prefix of every Electron IPC channel; the preload refuses anything else. */
export const ipcPrefix = 'streamlake:';
export const ipcChannels = { call: 'streamlake:call', event: 'streamlake:event' } as const;

/** Reply of the Electron `streamlake:call` handler (ipcRenderer.invoke mangles thrown errors, so results are wrapped). */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: ErrorPayload };

/** What the preload exposes as `window.streamlake`. */
export interface PreloadBridge {
  call(method: string, params: unknown): Promise<IpcReply>;
  /** Returns the unsubscribe function. */
  onEvent(listener: (event: StudioEvent) => void): () => void;
}
