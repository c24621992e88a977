// The saved pipeline format: its type, its runtime validator and its version migrations, in one file.
// Documents are untrusted input (imported files, the UI, the CLI): nothing here evaluates user text.

/** A duration as text: `250ms`, `5s`, `1m`, `15m`, `1h`, `1d` (combinations like `1h30m` allowed). */
export type Duration = string;

export const PIPELINE_FORMAT = 'streamlake.pipeline';
export const PIPELINE_VERSION = 1;

export type GeneratorDataset =
  | 'sales_orders'
  | 'user_events'
  | 'sensor_readings'
  | 'transactions'
  | 'ecommerce_events'
  | 'user_registrations';

export interface GeneratorConfig {
  dataset: GeneratorDataset;
  /** Events to produce; 0 or absent = unbounded. */
  count?: number;
  seed?: number;
  /** 0 or absent = as fast as possible. */
  eventsPerSecond?: number;
  /** Number of source partitions the events are spread over (watermarks are per partition). */
  partitions?: number;
  /** ISO timestamp of the first event; defaults to 2026-01-01T00:00:00Z so runs are reproducible. */
  startTime?: string;
  /** Shares (0..1) of out-of-order, late and malformed events. */
  outOfOrderRate?: number;
  lateRate?: number;
  malformedRate?: number;
}

export interface FileSourceConfig {
  path: string;
  format: 'jsonl' | 'csv';
  /** CSV only: first line holds the column names (default true). */
  header?: boolean;
  delimiter?: string;
}

export interface KafkaSourceConfig {
  /** Name of a saved connection (secrets are never in the pipeline). */
  connection: string;
  topics?: string[];
  topicPattern?: string;
  group?: string;
  startFrom?: 'earliest' | 'latest' | { offset: number } | { timestamp: string };
  format: 'json' | 'csv' | 'string' | 'bytes' | 'avro';
  /** For csv: column names in order. */
  columns?: string[];
}

export interface FilterConfig {
  where: string;
}

export interface MapConfig {
  /** Output column → SQL expression. */
  select: Record<string, string>;
  /** Keep input columns that are not selected (default false). */
  keepOthers?: boolean;
}

export interface DedupeConfig {
  /** SQL expression whose value identifies duplicates. */
  key: string;
  /** Event-time field; absent = processing time. */
  time?: string;
  horizon: Duration;
}

export interface WindowCommon {
  /** Event-time field. */
  time: string;
  watermarkDelay?: Duration;
  allowedLateness?: Duration;
  /** A partition with no events for this long stops holding back the watermark (default 30s). */
  idleTimeout?: Duration;
  groupBy?: string[];
  /** Output column → aggregate: count(*), count(x), count(distinct x), sum, avg, min, max, first, last. */
  aggregates: Record<string, string>;
}

export interface TumblingConfig extends WindowCommon {
  size: Duration;
}

export interface HoppingConfig extends WindowCommon {
  size: Duration;
  slide: Duration;
}

export interface SessionConfig extends WindowCommon {
  gap: Duration;
}

export interface LakeSinkConfig {
  table: string;
  /** Write to this branch instead of main. */
  branch?: string;
  /** Iceberg partition transforms: `region`, `day(event_time)`, `hour(ts)`, `bucket(16, id)`, `truncate(4, s)`. */
  partitionBy?: string[];
  /** Declared schema: column → type (`string`, `int`, `long`, `double`, `boolean`, `timestamp`, `date`, `decimal(p,s)`). */
  schema?: Record<string, string>;
  /** How often the sink commits a snapshot, independent of checkpoints (default 10s). */
  commitInterval?: Duration;
  /** Rows buffered before a data file is written (default 1,000,000). */
  targetRows?: number;
}

export interface PreviewSinkConfig {
  /** Rows kept (default 500). */
  capacity?: number;
}

export interface KafkaSinkConfig {
  connection: string;
  topic: string;
  /** SQL expression for the message key. */
  key?: string;
  format: 'json' | 'avro';
  /** Header name → SQL expression. */
  headers?: Record<string, string>;
}

interface NodeOf<T extends string, C> {
  id: string;
  type: T;
  /** Display name; defaults to the id. */
  label?: string;
  config: C;
}

export type NodeSpec =
  | NodeOf<'source.generator', GeneratorConfig>
  | NodeOf<'source.file', FileSourceConfig>
  | NodeOf<'source.kafka', KafkaSourceConfig>
  | NodeOf<'transform.filter', FilterConfig>
  | NodeOf<'transform.map', MapConfig>
  | NodeOf<'transform.dedupe', DedupeConfig>
  | NodeOf<'window.tumbling', TumblingConfig>
  | NodeOf<'window.hopping', HoppingConfig>
  | NodeOf<'window.session', SessionConfig>
  | NodeOf<'sink.lake', LakeSinkConfig>
  | NodeOf<'sink.preview', PreviewSinkConfig>
  | NodeOf<'sink.kafka', KafkaSinkConfig>;

export type NodeType = NodeSpec['type'];
export type NodeConfigOf<T extends NodeType> = Extract<NodeSpec, { type: T }>['config'];

export interface EdgeSpec {
  from: string;
  /** Output port of `from`: `out` (default), `error` or `late`. */
  port?: 'out' | 'error' | 'late';
  to: string;
}

export interface Position {
  x: number;
  y: number;
}

export interface PipelineDoc {
  format: typeof PIPELINE_FORMAT;
  version: typeof PIPELINE_VERSION;
  name: string;
  description?: string;
  nodes: NodeSpec[];
  edges: EdgeSpec[];
  /** Canvas positions, kept apart from meaning: moving a node never changes what the pipeline does. */
  layout?: Record<string, Position>;
}

/** One problem found in a document, with the JSON path of the offending value (e.g. `/nodes/2/config/where`). */
export interface Problem {
  path: string;
  message: string;
  /** For expression errors: 0-based character offset within the expression text. */
  position?: number;
}
