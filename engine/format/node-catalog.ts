// What each node type is, which ports it has and which config fields it takes. One table drives the
// validator, the canonical key order of exports, the JSON Schema for editors and the studio's inspector
// forms, so the four cannot drift apart.
import { datasetNames } from './datasets.ts';
import { inputEncodings } from './encodings.ts';
import type { NodeType } from './pipeline.ts';

export type NodeCategory = 'Sources' | 'Transforms' | 'Windows' | 'Sinks';

/** `in` is the input; the others are output ports edges can start from. */
export type CatalogPort = 'in' | 'out' | 'error' | 'late';

export type FieldKind =
  /** Free text. */
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  /** A SQL expression evaluated per row. */
  | 'expression'
  /** Text like `5s`, `1m`, `1h30m`. */
  | 'duration'
  /** One of `options`. */
  | 'enum'
  /** A list of free-text strings. */
  | 'stringList'
  /** The name of a field of the upstream rows. */
  | 'field'
  /** A list of upstream field names. */
  | 'fieldList'
  /** Name → SQL expression (e.g. Kafka headers). */
  | 'expressionMap'
  /** Output column → aggregate call (`count(*)`, `sum(amount)`). */
  | 'aggregateMap'
  /** Output column → SQL expression, in output order. */
  | 'selectMap'
  /** Column → lake type (`string`, `long`, `decimal(10,2)` …). */
  | 'typeMap'
  /** ISO 8601 timestamp text. */
  | 'timestamp'
  /** `earliest`, `latest`, `{"offset": n}` or `{"timestamp": "…"}`. */
  | 'startFrom';

export interface ConfigField {
  key: string;
  kind: FieldKind;
  label: string;
  help: string;
  required?: boolean;
  /** The value the engine uses when the field is absent. */
  default?: unknown;
  /** For `enum`. */
  options?: readonly string[];
  /** For numbers. */
  min?: number;
  max?: number;
  /** For `string`: a regular expression the value must match, and what it means. */
  pattern?: string;
  patternHint?: string;
  /** Show the field only when another field has one of these values (the studio hides it otherwise). */
  when?: { key: string; values: readonly unknown[] };
  placeholder?: string;
}

export interface NodeTypeInfo {
  type: NodeType;
  title: string;
  category: NodeCategory;
  description: string;
  ports: readonly CatalogPort[];
  fields: readonly ConfigField[];
}

const rate = (key: string, label: string, help: string): ConfigField => ({ key, kind: 'number', label, help, min: 0, max: 1, default: 0 });

const windowTime: ConfigField = { key: 'time', kind: 'field', label: 'Time field', required: true, help: 'The event-time field (a timestamp) that places each event in its window.', placeholder: 'event_time' };
const windowTail: readonly ConfigField[] = [
  { key: 'watermarkDelay', kind: 'duration', label: 'Watermark delay', default: '0s', help: 'How far the watermark trails the newest event time seen: events that arrive up to this much out of order are still on time.' },
  { key: 'allowedLateness', kind: 'duration', label: 'Allowed lateness', default: '0s', help: 'After a window was emitted, events this much behind the watermark still update it and re-emit it; later ones go to the late port.' },
  { key: 'idleTimeout', kind: 'duration', label: 'Idle timeout', default: '30s', help: 'A source partition with no events for this long (processing time) stops holding back the watermark. A Kafka partition with events still to read never counts as idle.' },
  { key: 'groupBy', kind: 'fieldList', label: 'Group by', default: [], help: 'Fields that split each window into groups; output rows start with these fields.' },
  { key: 'aggregates', kind: 'aggregateMap', label: 'Aggregates', required: true, help: 'Output column → aggregate: count(*), count(x), count(distinct x), sum(x), avg(x), min(x), max(x), first(x), last(x). Output columns follow in this order.' },
];
const tableName = { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', patternHint: 'letters, digits and underscores, not starting with a digit' };

export const nodeCatalog: readonly NodeTypeInfo[] = [
  {
    type: 'source.generator',
    title: 'Generator',
    category: 'Sources',
    description: 'Realistic synthetic events from a built-in dataset, deterministic for a seed, as fast as possible or at a set rate.',
    ports: ['out', 'error'],
    fields: [
      { key: 'dataset', kind: 'enum', label: 'Dataset', required: true, options: datasetNames, help: 'Which kind of events to generate.' },
      { key: 'count', kind: 'integer', label: 'Events', min: 0, default: 0, help: 'How many events to produce; 0 runs until stopped.' },
      { key: 'seed', kind: 'integer', label: 'Seed', default: 1, help: 'The same seed always produces the same events.' },
      { key: 'eventsPerSecond', kind: 'number', label: 'Events per second', min: 0, default: 0, help: 'Rate limit; 0 generates as fast as the pipeline consumes. When set, event time advances at this rate too.' },
      { key: 'partitions', kind: 'integer', label: 'Partitions', min: 1, max: 64, default: 1, help: 'Events are spread over this many source partitions, each with its own watermark.' },
      { key: 'startTime', kind: 'timestamp', label: 'Start time', default: '2026-01-01T00:00:00Z', help: 'Event time of the first event (ISO 8601).' },
      rate('outOfOrderRate', 'Out-of-order share', 'Share (0–1) of events whose time is a few seconds behind the stream: within a usual watermark delay.'),
      rate('lateRate', 'Late share', 'Share (0–1) of events minutes behind the stream: beyond a usual allowed lateness, so windows send them to the late port.'),
      rate('malformedRate', 'Malformed share', 'Share (0–1) of broken events: wrong value types, missing required fields, or undecodable payloads (sent to the error port).'),
    ],
  },
  {
    type: 'source.file',
    title: 'File',
    category: 'Sources',
    description: 'Reads a JSON Lines or CSV file once, streaming, for replays and tests. Lines that cannot be decoded go to the error port.',
    ports: ['out', 'error'],
    fields: [
      { key: 'path', kind: 'string', label: 'Path', required: true, help: 'The file to read; relative paths are resolved from the working directory.', placeholder: 'events.jsonl' },
      { key: 'format', kind: 'enum', label: 'Format', required: true, options: ['jsonl', 'csv'], help: 'jsonl: one JSON object per line. csv: RFC 4180 with quoted fields; numbers, true/false and ISO timestamps are detected, empty fields are null.' },
      { key: 'header', kind: 'boolean', label: 'Header row', default: true, when: { key: 'format', values: ['csv'] }, help: 'The first line holds the column names.' },
      { key: 'delimiter', kind: 'string', label: 'Delimiter', default: ',', when: { key: 'format', values: ['csv'] }, pattern: '^[^"\\r\\n]$', patternHint: 'a single character other than a quote or line break', help: 'Field separator, one character.' },
      { key: 'columns', kind: 'stringList', label: 'Columns', help: 'CSV without a header: the column names in order. Otherwise optional: declares the fields so the studio can complete them.' },
      { key: 'encoding', kind: 'enum', label: 'Encoding', options: [...inputEncodings], default: 'utf-8', help: 'utf-8: a line with bytes that are not UTF-8 goes to the error port with the byte offset. latin1: every byte is one character (ISO-8859-1). utf-8-replace: bad bytes become U+FFFD.' },
    ],
  },
  {
    type: 'source.kafka',
    title: 'Kafka',
    category: 'Sources',
    description: 'Consumes one or more Kafka topics through a saved connection.',
    ports: ['out', 'error'],
    fields: [
      { key: 'connection', kind: 'string', label: 'Connection', required: true, help: 'Name of a saved Kafka connection (secrets stay out of the pipeline).' },
      { key: 'topics', kind: 'stringList', label: 'Topics', help: 'Topics to read; give these or a topic pattern.' },
      { key: 'topicPattern', kind: 'string', label: 'Topic pattern', help: 'A regular expression; every matching topic is read.' },
      { key: 'group', kind: 'string', label: 'Consumer group', help: 'Group id used to report offsets (for lag monitoring); defaults to one per pipeline.' },
      { key: 'startFrom', kind: 'startFrom', label: 'Start from', default: 'latest', help: 'Where to start without a checkpoint: earliest, latest, an offset or a timestamp.' },
      { key: 'format', kind: 'enum', label: 'Format', required: true, options: ['json', 'csv', 'string', 'bytes', 'avro', 'protobuf', 'json-schema'], help: 'How message values are decoded. avro, protobuf and json-schema: the Confluent wire format, each message naming its schema in the connection\'s schema registry.' },
      { key: 'subject', kind: 'string', label: 'Schema subject', when: { key: 'format', values: ['avro', 'protobuf', 'json-schema'] }, help: 'A registry subject whose latest schema declares the fields, so the studio can complete them; each message is still decoded with the schema it names.' },
      { key: 'columns', kind: 'stringList', label: 'Columns', when: { key: 'format', values: ['csv'] }, help: 'For csv: the column names in order.' },
      { key: 'stopAtEnd', kind: 'boolean', label: 'Stop at end', default: false, help: 'Read what the topics hold when the run starts, then finish, instead of waiting for new messages.' },
      { key: 'maxMessageBytes', kind: 'integer', label: 'Max message size', min: 1, max: 1_073_741_824, default: 1_048_576, help: 'Message values larger than this many bytes go to the error port instead of being decoded.' },
      { key: 'encoding', kind: 'enum', label: 'Encoding', options: [...inputEncodings], default: 'utf-8', when: { key: 'format', values: ['json', 'csv', 'string'] }, help: 'utf-8: a value with bytes that are not UTF-8 goes to the error port with the byte offset. latin1: every byte is one character (ISO-8859-1). utf-8-replace: bad bytes become U+FFFD.' },
    ],
  },
  {
    type: 'transform.filter',
    title: 'Filter',
    category: 'Transforms',
    description: 'Keeps the rows for which a SQL condition is true.',
    ports: ['in', 'out', 'error'],
    fields: [
      { key: 'where', kind: 'expression', label: 'Condition', required: true, help: 'A SQL boolean expression, e.g. amount > 0 AND region IS NOT NULL. Rows where it is false or null are dropped; rows it fails on go to the error port.', placeholder: 'amount > 0' },
    ],
  },
  {
    type: 'transform.map',
    title: 'Map',
    category: 'Transforms',
    description: 'Computes output columns from SQL expressions, keeping or dropping the other columns.',
    ports: ['in', 'out', 'error'],
    fields: [
      { key: 'select', kind: 'selectMap', label: 'Columns', required: true, help: 'Output column → SQL expression, in output order.' },
      { key: 'keepOthers', kind: 'boolean', label: 'Keep other columns', default: false, help: 'Also pass through input columns that are not selected.' },
    ],
  },
  {
    type: 'transform.dedupe',
    title: 'Deduplicate',
    category: 'Transforms',
    description: 'Drops rows whose key was already seen within a time horizon.',
    ports: ['in', 'out', 'error'],
    fields: [
      { key: 'key', kind: 'expression', label: 'Key', required: true, help: 'A SQL expression whose value identifies duplicates, e.g. order_id.' },
      { key: 'time', kind: 'field', label: 'Time field', help: 'Event-time field that ages keys out; absent = processing time.' },
      { key: 'horizon', kind: 'duration', label: 'Horizon', required: true, help: 'How long a key is remembered.' },
    ],
  },
  {
    type: 'window.tumbling',
    title: 'Tumbling window',
    category: 'Windows',
    description: 'Aggregates events in fixed, non-overlapping event-time windows.',
    ports: ['in', 'out', 'error', 'late'],
    fields: [windowTime, { key: 'size', kind: 'duration', label: 'Size', required: true, help: 'Window length, e.g. 1m.' }, ...windowTail],
  },
  {
    type: 'window.hopping',
    title: 'Hopping window',
    category: 'Windows',
    description: 'Aggregates events in fixed-size event-time windows that start every slide, so they overlap.',
    ports: ['in', 'out', 'error', 'late'],
    fields: [
      windowTime,
      { key: 'size', kind: 'duration', label: 'Size', required: true, help: 'Window length, e.g. 10m.' },
      { key: 'slide', kind: 'duration', label: 'Slide', required: true, help: 'How often a window starts, at most the size, e.g. 1m.' },
      ...windowTail,
    ],
  },
  {
    type: 'window.session',
    title: 'Session window',
    category: 'Windows',
    description: 'Groups events into sessions that close after a gap without events.',
    ports: ['in', 'out', 'error', 'late'],
    fields: [windowTime, { key: 'gap', kind: 'duration', label: 'Gap', required: true, help: 'A session ends after this long without events in its group.' }, ...windowTail],
  },
  {
    type: 'sink.lake',
    title: 'Lake table',
    category: 'Sinks',
    description: 'Appends rows to an Iceberg table in the local lake. Rows that do not fit the table schema go to the error port.',
    ports: ['in', 'error'],
    fields: [
      { key: 'table', kind: 'string', label: 'Table', required: true, ...tableName, help: 'Table name in the lake; created on first write.' },
      { key: 'branch', kind: 'string', label: 'Branch', ...tableName, help: 'Write to this branch instead of main.' },
      { key: 'partitionBy', kind: 'stringList', label: 'Partition by', default: [], help: 'Iceberg partition transforms: region, day(event_time), hour(ts), bucket(16, id), truncate(4, s).' },
      { key: 'sortBy', kind: 'stringList', label: 'Sort by', help: 'Order of the rows in every data file (faster group-by and tighter min/max for pruning): customer_id, ts desc, amount desc nulls last, day(ts). Changes the order of an existing table; compaction re-sorts its old files.' },
      { key: 'schema', kind: 'typeMap', label: 'Schema', help: 'Declared column types (string, int, long, double, boolean, timestamp, date, decimal(p,s)); otherwise inferred from the first rows.' },
      { key: 'commitInterval', kind: 'duration', label: 'Commit interval', default: '10s', help: 'How often a snapshot is committed, independent of checkpoints.' },
      { key: 'targetRows', kind: 'integer', label: 'Rows per file', min: 1, default: 1_000_000, help: 'Rows buffered before a data file is written.' },
    ],
  },
  {
    type: 'sink.preview',
    title: 'Preview',
    category: 'Sinks',
    description: 'Keeps the latest rows in memory for the studio to show.',
    ports: ['in'],
    fields: [
      { key: 'capacity', kind: 'integer', label: 'Rows kept', min: 1, max: 100_000, default: 500, help: 'The newest rows kept; older ones are dropped from the preview (they were still counted).' },
    ],
  },
  {
    type: 'sink.kafka',
    title: 'Kafka topic',
    category: 'Sinks',
    description: 'Produces rows to a Kafka topic through a saved connection. Rows that cannot be encoded go to the error port.',
    ports: ['in', 'error'],
    fields: [
      { key: 'connection', kind: 'string', label: 'Connection', required: true, help: 'Name of a saved Kafka connection.' },
      { key: 'topic', kind: 'string', label: 'Topic', required: true, help: 'Topic to write to.' },
      { key: 'key', kind: 'expression', label: 'Key', help: 'SQL expression for the message key; absent = no key.' },
      { key: 'format', kind: 'enum', label: 'Format', required: true, options: ['json', 'avro', 'protobuf', 'json-schema'], help: 'How rows are encoded. avro, protobuf and json-schema: the Confluent wire format with the schema in the connection\'s schema registry.' },
      { key: 'headers', kind: 'expressionMap', label: 'Headers', help: 'Header name → SQL expression.' },
      { key: 'subjectStrategy', kind: 'enum', label: 'Subject naming', options: ['topic', 'record', 'topic-record'], default: 'topic', when: { key: 'format', values: ['avro', 'protobuf', 'json-schema'] }, help: 'Where the schema derived from the rows is registered: topic = <topic>-value, record = the record name, topic-record = <topic>-<record name>. The subject\'s compatibility rule decides whether a changed schema is accepted.' },
      { key: 'recordName', kind: 'string', label: 'Record name', when: { key: 'format', values: ['avro', 'protobuf', 'json-schema'] }, placeholder: 'com.acme.Order', help: 'Name (with an optional namespace) of the derived record; defaults to <topic>_value.' },
      { key: 'subject', kind: 'string', label: 'Use subject', when: { key: 'format', values: ['avro', 'protobuf', 'json-schema'] }, help: 'Write with this registry subject\'s schema instead of deriving one from the rows.' },
      { key: 'schemaVersion', kind: 'integer', label: 'Subject version', min: 1, when: { key: 'format', values: ['avro', 'protobuf', 'json-schema'] }, help: 'The version of the chosen subject; the latest when empty.' },
      { key: 'delivery', kind: 'enum', label: 'Delivery', options: ['exactly-once', 'at-least-once'], default: 'exactly-once', help: 'exactly-once: rows are committed in a Kafka transaction when a checkpoint completes (readers with isolation.level=read_committed see each once; the transaction timeout, 15 min, must exceed the checkpoint interval plus restart time). at-least-once: rows are visible at once; after a crash those since the last checkpoint are sent again.' },
    ],
  },
  {
    type: 'sink.postgres',
    title: 'PostgreSQL table',
    category: 'Sinks',
    description: 'Writes rows to a PostgreSQL table exactly once: each checkpoint in one transaction with its id in streamlake_commits. Windowed results are upserted by window and group keys; other rows are appended with COPY. Values the table refuses go to the error port with the server\'s message.',
    ports: ['in', 'error'],
    fields: [
      { key: 'connection', kind: 'string', label: 'Connection', required: true, help: 'Name of a saved PostgreSQL connection.' },
      { key: 'table', kind: 'string', label: 'Table', required: true, pattern: '^[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?$', patternHint: 'a table name or schema.table', help: 'Target table (table or schema.table); created from the rows\' fields when missing, with new columns added as events grow.' },
      { key: 'retries', kind: 'integer', label: 'Retries', min: 0, max: 100, default: 5, help: 'Attempts after a lost connection before the run fails (backoff doubling from 200 ms); the checkpoint keeps the rows for the next run.' },
    ],
  },
  {
    type: 'sink.clickhouse',
    title: 'ClickHouse table',
    category: 'Sinks',
    description: 'Writes rows to a ClickHouse table over HTTP, committed at checkpoints with a commit log. Windowed results go to a ReplacingMergeTree keyed by window and group keys (read with FINAL WHERE _deleted = 0); appends are deduplicated per checkpoint. Values the table refuses go to the error port with the server\'s message.',
    ports: ['in', 'error'],
    fields: [
      { key: 'connection', kind: 'string', label: 'Connection', required: true, help: 'Name of a saved ClickHouse connection.' },
      { key: 'table', kind: 'string', label: 'Table', required: true, ...tableName, help: 'Target table in the connection\'s database; created from the rows\' fields when missing, with new columns added as events grow.' },
      { key: 'key', kind: 'fieldList', label: 'Upsert key', help: 'Optional. Taken from the window when one feeds this sink directly or through filters (its group-by fields and window_start). Set it when a map sits between them; the table is then a ReplacingMergeTree keyed by these fields from the first commit.' },
      { key: 'retries', kind: 'integer', label: 'Retries', min: 0, max: 100, default: 5, help: 'Attempts after a lost connection before the run fails (backoff doubling from 200 ms); the checkpoint keeps the rows for the next run.' },
    ],
  },
  // sink.opensearch
  {
    type: 'sink.opensearch',
    title: 'OpenSearch index',
    category: 'Sinks',
    description: 'Writes rows to an OpenSearch index with the _bulk API at checkpoints. Document ids come from the upsert key (windowed results) or the id expression, so a replay after a crash overwrites instead of duplicating; session keys a merge retracts are deleted in the same bulk. The index is created with a mapping from the rows. Documents OpenSearch refuses go to the error port with its reason.',
    ports: ['in', 'error'],
    fields: [
      { key: 'connection', kind: 'string', label: 'Connection', required: true, help: 'Name of a saved OpenSearch connection.' },
      { key: 'index', kind: 'string', label: 'Index', required: true, pattern: '^[a-z0-9][a-z0-9_.+-]*$', patternHint: 'lower-case letters, digits, _ . + -, not starting with _ . + or -', help: 'Target index (or an alias with a write index); created with a mapping from the rows\' fields when missing, new fields added to the mapping as events grow.' },
      { key: 'id', kind: 'expression', label: 'Document id', help: 'SQL expression for the id of appended rows, e.g. order_id. Absent: a hash of pipeline and node, then checkpoint and position, which is stable across replays of a checkpoint. Windowed results use their key instead.' },
      { key: 'key', kind: 'fieldList', label: 'Upsert key', help: 'Optional: taken from the window upstream when it feeds this sink directly or through filters. Set it (the group-by fields and window_start) when a map stands between them, so a window\'s first emission and its updates land on one document.' },
      { key: 'refresh', kind: 'enum', label: 'Refresh', options: ['false', 'true', 'wait_for'], default: 'false', help: 'Refresh policy of each bulk request. false: documents become searchable at the next index refresh (1 s by default). true: refresh at once (costly). wait_for: each bulk waits until its documents are searchable.' },
      { key: 'retries', kind: 'integer', label: 'Retries', min: 0, max: 100, default: 5, help: 'Attempts after a lost connection, 429 or 5xx before the run fails (backoff doubling from 200 ms); the checkpoint keeps the rows for the next run.' },
    ],
  },
  {
    type: 'sink.cassandra',
    title: 'Cassandra table',
    category: 'Sinks',
    description: 'Writes rows to a Cassandra table at checkpoints with prepared statements, idempotent by primary key (a replay overwrites), then records the checkpoint in streamlake_commits. Windowed results are upserted by window and group keys and retracted keys deleted; appends are keyed by `key` or a per-row id. Values the table refuses go to the error port with the server\'s message.',
    ports: ['in', 'error'],
    fields: [
      { key: 'connection', kind: 'string', label: 'Connection', required: true, help: 'Name of a saved Cassandra connection.' },
      { key: 'keyspace', kind: 'string', label: 'Keyspace', required: true, pattern: '^[A-Za-z0-9_]{1,48}$', patternHint: 'letters, digits and underscores (at most 48)', help: 'Keyspace of the table; it must exist (its replication is yours to choose).' },
      { key: 'table', kind: 'string', label: 'Table', required: true, pattern: '^[A-Za-z0-9_]{1,48}$', patternHint: 'letters, digits and underscores (at most 48)', help: 'Target table; created from the rows\' fields when missing, with new columns added as events grow.' },
      { key: 'key', kind: 'fieldList', label: 'Primary key', help: 'Primary key of a new table. For windowed input: the group-by fields and window_start. For appends: fields that identify an event; empty, each row gets a streamlake_id so a replay overwrites its own rows.' },
      { key: 'consistency', kind: 'enum', label: 'Consistency', options: ['LOCAL_QUORUM', 'QUORUM', 'LOCAL_ONE', 'ONE', 'TWO', 'THREE', 'EACH_QUORUM', 'ALL', 'ANY'], default: 'LOCAL_QUORUM', help: 'Consistency level of the writes and of the commit record. Below a quorum, a replica that missed a commit record can make a restart write that checkpoint again (the same rows, overwritten).' },
      { key: 'retries', kind: 'integer', label: 'Retries', min: 0, max: 100, default: 5, help: 'Attempts after a timeout, too few replicas or a lost connection before the run fails (backoff doubling from 200 ms); the checkpoint keeps the rows for the next run.' },
    ],
  },
];

const byType = new Map<string, NodeTypeInfo>(nodeCatalog.map((info) => [info.type, info]));

/** The catalog entry for a node type, or undefined for an unknown type. */
export function nodeTypeInfo(type: string): NodeTypeInfo | undefined {
  return byType.get(type);
}

export const nodeTypes: readonly NodeType[] = nodeCatalog.map((info) => info.type);

/** Output ports of a node type (every port but `in`). */
export function outputPorts(info: NodeTypeInfo): ('out' | 'error' | 'late')[] {
  return info.ports.filter((p): p is 'out' | 'error' | 'late' => p !== 'in');
}
