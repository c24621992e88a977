// The saved pipeline format: its type, its runtime validator and its version migrations, in one file.
// Documents are untrusted input (imported files, the UI, the CLI): nothing here evaluates user text.
import type { InputEncoding } from './encodings.ts';
import type { ErrorCode } from '../errors.ts';
import { checkAggregate, checkExpression, staticTypeOf } from '../expr/index.ts';
import type { ExpressionIssue, StaticType } from '../expr/index.ts';
import { parseDuration } from './duration.ts';
import { inferFields, inputFields } from './fields.ts';
import type { FieldInfo } from './fields.ts';
import { nodeTypeInfo, nodeTypes, outputPorts } from './node-catalog.ts';
import type { ConfigField } from './node-catalog.ts';
import { didYouMean, pointer } from './problems.ts';

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

export type { InputEncoding };

export interface FileSourceConfig {
  path: string;
  format: 'jsonl' | 'csv';
  /** CSV only: first line holds the column names (default true). */
  header?: boolean;
  delimiter?: string;
  /**
   * Column names. CSV without a header: the names in order. Otherwise they declare the fields the file
   * holds, so the studio can complete them and the validator can check them.
   */
  columns?: string[];
  /** How bytes become text (default utf-8, strict: a line with invalid bytes goes to the error port). */
  encoding?: InputEncoding;
}

export interface KafkaSourceConfig {
  /** Name of a saved connection (secrets are never in the pipeline). */
  connection: string;
  topics?: string[];
  topicPattern?: string;
  group?: string;
  startFrom?: 'earliest' | 'latest' | { offset: number } | { timestamp: string };
  format: 'json' | 'csv' | 'string' | 'bytes' | 'avro' | 'protobuf' | 'json-schema';
  /** For avro/protobuf/json-schema: the registry subject whose latest schema declares the fields (values name their own schema by id). */
  subject?: string;
  /** For csv: column names in order. */
  columns?: string[];
  /** Finish once every partition reaches the end offset it had when the run started (drain a topic). */
  stopAtEnd?: boolean;
  /** Larger message values go to the error port (default 1 MiB). */
  maxMessageBytes?: number;
  /** json, csv and string values: how bytes become text (default utf-8, strict). */
  encoding?: InputEncoding;
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
  /** A partition with no events for this long stops holding back the watermark (default 30s); a Kafka partition with events still to read never does. */
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
  /**
   * The table's sort order, which every data file is written in: `customer_id`, `ts desc`,
   * `amount desc nulls last`, `day(ts)`. Applied when the sink creates the table; a table that exists with
   * another order gets this one (metadata only; compaction re-sorts old files). Absent or empty: the
   * table's order is left as it is.
   */
  sortBy?: string[];
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
  format: 'json' | 'avro' | 'protobuf' | 'json-schema';
  /** Header name → SQL expression. */
  headers?: Record<string, string>;
  /** Registry formats: where a derived schema is registered (default topic: <topic>-value). */
  subjectStrategy?: 'topic' | 'record' | 'topic-record';
  /** Registry formats: the record/message name of the derived schema, with an optional namespace. */
  recordName?: string;
  /** Registry formats: write with this subject's schema instead of deriving one from the rows. */
  subject?: string;
  /** The version of `subject` to write with (default: the latest). */
  schemaVersion?: number;
  /**
   * exactly-once (default): Kafka transactions committed when a checkpoint completes; readers with
   * isolation.level=read_committed see each row once, after its checkpoint. at-least-once: rows are
   * visible at once, and a restore after a crash sends the rows since the restored checkpoint again.
   */
  delivery?: 'exactly-once' | 'at-least-once';
}

export interface PostgresSinkConfig {
  /** Name of a saved PostgreSQL connection (the password never lives in the pipeline). */
  connection: string;
  /** Target table, `table` or `schema.table`; created from the rows' fields when missing. */
  table: string;
  /** Attempts after a connection error before the run fails (default 5, backoff doubling from 200 ms). */
  retries?: number;
}

export interface ClickHouseSinkConfig {
  /** Name of a saved ClickHouse connection (the password never lives in the pipeline). */
  connection: string;
  /** Target table in the connection's database; created from the rows' fields when missing. */
  table: string;
  /**
   * Upsert key of windowed input: its group-by fields and `window_start`. Optional: when a window feeds
   * the sink directly or through filters, the key is taken from the window (NodeContext.upsertKey), so
   * the table is a ReplacingMergeTree from the first commit. Set it only when the graph does not tell (a
   * map between window and sink); absent and unknown, the first batch decides.
   */
  key?: string[];
  /** Attempts after a connection error before the run fails (default 5, backoff doubling from 200 ms). */
  retries?: number;
}

export interface OpenSearchSinkConfig {
  /** Name of a saved OpenSearch connection (the password never lives in the pipeline). */
  connection: string;
  /** Target index (or an alias with one write index); created with a mapping from the rows when missing. */
  index: string;
  /** SQL expression for the document id of appended rows; absent = `<tag>.<checkpoint>.<position>`, the tag a hash of pipeline and node (sinks/opensearch/mapping.ts). */
  id?: string;
  /**
   * Upsert key of windowed input (its group-by fields and `window_start`): the document id. A window marks
   * its output as keyed only once it re-emits; absent, the key the graph gives (a window upstream, directly
   * or through filters) is used from the first row, else rows that arrive keyed use their key.
   */
  key?: string[];
  /** Refresh policy of each bulk request: 'false' (default), 'true' or 'wait_for'. */
  refresh?: 'false' | 'true' | 'wait_for';
  /** Attempts after a connection error, 429 or 5xx before the run fails (default 5, backoff doubling from 200 ms). */
  retries?: number;
}

export type CassandraConsistency = 'ONE' | 'TWO' | 'THREE' | 'QUORUM' | 'ALL' | 'LOCAL_QUORUM' | 'EACH_QUORUM' | 'LOCAL_ONE' | 'ANY';

export interface CassandraSinkConfig {
  /** Name of a saved Cassandra connection (the password never lives in the pipeline). */
  connection: string;
  /** Keyspace of the table (it must exist: its replication is the operator's choice). */
  keyspace: string;
  /** Target table; created from the rows' fields when missing. */
  table: string;
  /**
   * Primary key of a new table. Windowed input: its group-by fields and window_start (the upsert key; a
   * window marks its rows as keyed only once it re-emits, and a Cassandra primary key is fixed when the
   * table is created). Appends: fields that identify an event; absent, each row gets `streamlake_id`
   * (pipeline/node/checkpoint/position), so a replayed checkpoint overwrites its own rows.
   */
  key?: string[];
  /** Consistency level of every write and of the commit record (default LOCAL_QUORUM). */
  consistency?: CassandraConsistency;
  /** Attempts after a timeout, unavailable replicas or a lost connection before the run fails (default 5, backoff doubling from 200 ms). */
  retries?: number;
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
  | NodeOf<'sink.kafka', KafkaSinkConfig>
  | NodeOf<'sink.postgres', PostgresSinkConfig>
  | NodeOf<'sink.clickhouse', ClickHouseSinkConfig>
  | NodeOf<'sink.opensearch', OpenSearchSinkConfig>
  | NodeOf<'sink.cassandra', CassandraSinkConfig>;

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
  /** JSON Pointer (RFC 6901) of the offending value; `` for the document itself. */
  path: string;
  /** ENG_FORMAT_INVALID, ENG_FORMAT_VERSION, ENG_FORMAT_PARSE, or an ENG_EXPR_* code for expression errors. */
  code: ErrorCode;
  message: string;
  /** For expression errors: 0-based character offset within the expression text. */
  position?: number;
  /** For expression errors: length of the offending text, where known. */
  length?: number;
  /** For ENG_FORMAT_PARSE: 1-based line and column in the file. */
  line?: number;
  column?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Migrations: numbered `up` steps from older document versions to the current one.

/** One upgrade step: turns a document of version `from` into version `from + 1`. */
export interface Migration {
  from: number;
  description: string;
  /** Receives a private copy; may change it in place and return it. Must cope with malformed input. */
  up(doc: Record<string, unknown>): Record<string, unknown>;
}

/**
 * v1 is the first published version, so there is nothing to upgrade yet. When v2 comes, append
 * `{ from: 1, up }` here; never edit or reorder published steps.
 */
export const pipelineMigrations: readonly Migration[] = [];

export type MigrationResult =
  | { ok: true; doc: Record<string, unknown>; fromVersion: number; applied: string[] }
  | { ok: false; problems: Problem[] };

/** Upgrades a document to PIPELINE_VERSION. Never mutates `input`; the result is a copy. */
export function migratePipeline(input: unknown, migrations: readonly Migration[] = pipelineMigrations): MigrationResult {
  if (!isRecord(input)) return failure('', 'ENG_FORMAT_INVALID', 'a pipeline document must be a JSON object');
  const version = input.version;
  const oldest = oldestReadable(migrations);
  const supported = oldest === PIPELINE_VERSION ? `version ${PIPELINE_VERSION}` : `versions ${oldest} to ${PIPELINE_VERSION}`;
  if (version === undefined) return failure('/version', 'ENG_FORMAT_VERSION', `missing "version"; this Streamlake reads ${supported}`);
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    return failure('/version', 'ENG_FORMAT_VERSION', `"version" must be an integer, got ${JSON.stringify(version)}; this Streamlake reads ${supported}`);
  }
  if (version > PIPELINE_VERSION) {
    return failure('/version', 'ENG_FORMAT_VERSION', `version ${version} is newer than this Streamlake understands (it reads ${supported}); update Streamlake to open this pipeline`);
  }
  if (version < oldest) return failure('/version', 'ENG_FORMAT_VERSION', `version ${version} is too old to read; this Streamlake reads ${supported}`);
  let doc = structuredClone(input);
  const applied: string[] = [];
  for (let v = version; v < PIPELINE_VERSION; v++) {
    const step = migrations.find((m) => m.from === v);
    if (!step) return failure('/version', 'ENG_FORMAT_VERSION', `no migration from version ${v}`);
    doc = step.up(doc);
    doc.version = v + 1;
    applied.push(`v${v} → v${v + 1}: ${step.description}`);
  }
  return { ok: true, doc, fromVersion: version, applied };
}

function oldestReadable(migrations: readonly Migration[]): number {
  let oldest = PIPELINE_VERSION;
  while (migrations.some((m) => m.from === oldest - 1)) oldest--;
  return oldest;
}

function failure(path: string, code: ErrorCode, message: string): { ok: false; problems: Problem[] } {
  return { ok: false, problems: [{ path, code, message }] };
}

// ---------------------------------------------------------------------------------------------------------
// Validation: collects every problem with its JSON path, and changes nothing.

export type ValidationResult = { ok: true; doc: PipelineDoc; problems: [] } | { ok: false; problems: Problem[] };

/**
 * Checks an untrusted document (after upgrading older versions) and returns it typed, or every problem
 * found. The input is never mutated; a successful result is a copy.
 */
export function validatePipeline(input: unknown): ValidationResult {
  if (!isRecord(input)) return failure('', 'ENG_FORMAT_INVALID', 'a pipeline document must be a JSON object');
  const problems: Problem[] = [];
  if (input.format !== PIPELINE_FORMAT) {
    problems.push({ path: '/format', code: 'ENG_FORMAT_INVALID', message: input.format === undefined ? `missing "format": "${PIPELINE_FORMAT}"; is this a Streamlake pipeline?` : `"format" must be "${PIPELINE_FORMAT}", got ${JSON.stringify(input.format)}` });
  }
  const migrated = migratePipeline(input);
  if (!migrated.ok) {
    // The version problem comes first, but the rest is still checked as if the document were current:
    // a wrong "version" must not hide every other problem the author will meet next.
    problems.push(...migrated.problems);
    new DocumentCheck(structuredClone(input), problems).run();
    return { ok: false, problems };
  }
  new DocumentCheck(migrated.doc, problems).run();
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, doc: migrated.doc as unknown as PipelineDoc, problems: [] };
}

const topLevelKeys = ['format', 'version', 'name', 'description', 'nodes', 'edges', 'layout'];
const nodeKeys = ['id', 'type', 'label', 'config'];
const edgeKeys = ['from', 'port', 'to'];
/** Node ids: used in partition ids, file names and URLs, so kept to a safe set of characters. */
export const nodeIdPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const portNames = ['out', 'error', 'late'] as const;
/** Column types a lake sink's declared schema may use. */
export const lakeTypePattern = /^(string|int|long|double|float|boolean|timestamp|timestamptz|date|binary|uuid|decimal\(\s*\d+\s*,\s*\d+\s*\))$/;
const partitionTransform = /^(?:([A-Za-z_][A-Za-z0-9_]*)|(?:year|month|day|hour)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|(?:bucket|truncate)\(\s*\d+\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))$/;
const sortKey = /^(?:([A-Za-z_][A-Za-z0-9_]*)|(?:year|month|day|hour)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|truncate\(\s*\d+\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))(?:\s+(?:asc|desc|ASC|DESC))?(?:\s+(?:nulls|NULLS)\s+(?:first|last|FIRST|LAST))?$/;

interface CheckedNode {
  index: number;
  id: string;
  type: NodeType;
  config: Record<string, unknown>;
  /** Config fields whose JSON shape is right (so semantic checks may read them). */
  wellFormed: Set<string>;
}

class DocumentCheck {
  private readonly nodes = new Map<string, CheckedNode>();
  /**
   * Every id a node declares, even one whose type, id or config is wrong: that node already has its own
   * problem, so edges and layout naming it are not reported again as pointing at an unknown node.
   */
  private readonly declared = new Set<string>();
  /** Nodes with an incoming edge from a declared node, even a broken one: they do have an input. */
  private readonly fed = new Set<string>();
  private readonly validEdges: { index: number; from: string; to: string; port: 'out' | 'error' | 'late' }[] = [];

  constructor(private readonly doc: Record<string, unknown>, private readonly problems: Problem[]) {}

  run(): void {
    const doc = this.doc;
    this.unknownKeys(doc, topLevelKeys, '');
    if (typeof doc.name !== 'string' || doc.name.trim() === '') this.add('/name', doc.name === undefined ? 'missing "name"' : '"name" must be a non-empty string');
    if (doc.description !== undefined && typeof doc.description !== 'string') this.add('/description', '"description" must be a string');
    if (Array.isArray(doc.nodes)) doc.nodes.forEach((node, i) => this.checkNode(node, i));
    else this.add('/nodes', doc.nodes === undefined ? 'missing "nodes" (a list of nodes)' : '"nodes" must be a list');
    if (Array.isArray(doc.edges)) doc.edges.forEach((edge, i) => this.checkEdge(edge, i));
    else this.add('/edges', doc.edges === undefined ? 'missing "edges" (a list, possibly empty)' : '"edges" must be a list');
    if (doc.layout !== undefined) this.checkLayout(doc.layout);
    this.checkInputs();
    this.checkCycles();
    this.checkSemantics();
  }

  private add(path: string, message: string, extra: Partial<Problem> = {}): void {
    this.problems.push({ path, code: 'ENG_FORMAT_INVALID', message, ...extra });
  }

  private unknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string, what = 'field'): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(`${path}${pointer(key)}`, `unknown ${what} "${key}"${didYouMean(key, allowed)}; expected one of: ${allowed.join(', ')}`);
    }
  }

  private checkNode(node: unknown, index: number): void {
    const path = pointer('nodes', index);
    if (!isRecord(node)) return this.add(path, 'a node must be an object with id, type and config');
    this.unknownKeys(node, nodeKeys, path);
    let id: string | undefined;
    if (typeof node.id === 'string') this.declared.add(node.id);
    if (typeof node.id !== 'string') this.add(`${path}/id`, node.id === undefined ? 'missing node "id"' : 'node "id" must be a string');
    else if (!nodeIdPattern.test(node.id)) this.add(`${path}/id`, `node id "${node.id}" must be 1–64 letters, digits, _, - or ., not starting with - or .`);
    else if (this.nodes.has(node.id)) this.add(`${path}/id`, `duplicate node id "${node.id}" (first used by /nodes/${this.nodes.get(node.id)?.index})`);
    else id = node.id;
    if (node.label !== undefined && typeof node.label !== 'string') this.add(`${path}/label`, '"label" must be a string');
    const info = typeof node.type === 'string' ? nodeTypeInfo(node.type) : undefined;
    if (node.type === undefined) this.add(`${path}/type`, `missing node "type"; one of: ${nodeTypes.join(', ')}`);
    else if (!info) this.add(`${path}/type`, `unknown node type ${JSON.stringify(node.type)}${typeof node.type === 'string' ? didYouMean(node.type, nodeTypes) : ''}; one of: ${nodeTypes.join(', ')}`);
    if (!isRecord(node.config)) {
      this.add(`${path}/config`, node.config === undefined ? 'missing "config" (an object, possibly empty)' : '"config" must be an object');
      return;
    }
    if (!info) return;
    const checked: CheckedNode = { index, id: id ?? '', type: info.type, config: node.config, wellFormed: new Set() };
    this.unknownKeys(node.config, info.fields.map((f) => f.key), `${path}/config`, `${info.title.toLowerCase()} setting`);
    for (const field of info.fields) {
      const value = node.config[field.key];
      const fieldPath = `${path}/config${pointer(field.key)}`;
      if (value === undefined) {
        if (field.required) this.add(fieldPath, `missing required setting "${field.key}" (${field.label}): ${field.help}`);
        continue;
      }
      if (this.checkShape(value, field, fieldPath)) checked.wellFormed.add(field.key);
    }
    if (id !== undefined) this.nodes.set(id, checked);
  }

  /** Checks a config value's JSON shape; expressions and field names are checked later with context. */
  private checkShape(value: unknown, field: ConfigField, path: string): boolean {
    const before = this.problems.length;
    const name = `"${field.key}"`;
    switch (field.kind) {
      case 'string':
      case 'expression':
      case 'field':
        if (typeof value !== 'string') this.add(path, `${name} must be text, got ${describe(value)}`);
        else if (value.trim() === '') this.add(path, `${name} must not be empty`);
        else if (field.pattern !== undefined && !new RegExp(field.pattern).test(value)) this.add(path, `${name} ${JSON.stringify(value)} is not valid: use ${field.patternHint ?? field.pattern}`);
        break;
      case 'integer':
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) this.add(path, `${name} must be a number, got ${describe(value)}`);
        else if (field.kind === 'integer' && !Number.isInteger(value)) this.add(path, `${name} must be a whole number, got ${value}`);
        else if (field.min !== undefined && value < field.min) this.add(path, `${name} must be at least ${field.min}, got ${value}`);
        else if (field.max !== undefined && value > field.max) this.add(path, `${name} must be at most ${field.max}, got ${value}`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') this.add(path, `${name} must be true or false, got ${describe(value)}`);
        break;
      case 'duration':
        if (typeof value !== 'string') this.add(path, `${name} must be a duration text like "5s" or "1m", got ${describe(value)}`);
        else {
          const parsed = parseDuration(value);
          if (!parsed.ok) this.add(path, `${name}: ${parsed.message}`);
        }
        break;
      case 'enum':
        if (typeof value !== 'string' || !(field.options ?? []).includes(value)) {
          this.add(path, `${name} must be one of ${(field.options ?? []).join(', ')}; got ${describe(value)}${typeof value === 'string' ? didYouMean(value, field.options ?? []) : ''}`);
        }
        break;
      case 'stringList':
      case 'fieldList':
        if (!Array.isArray(value)) this.add(path, `${name} must be a list of text, got ${describe(value)}`);
        else value.forEach((item, i) => { if (typeof item !== 'string' || item.trim() === '') this.add(`${path}/${i}`, `${name} entries must be non-empty text, got ${describe(item)}`); });
        break;
      case 'expressionMap':
      case 'aggregateMap':
      case 'selectMap':
      case 'typeMap':
        if (!isRecord(value)) this.add(path, `${name} must be an object of name → text, got ${describe(value)}`);
        else {
          if ((field.kind === 'selectMap' || field.kind === 'aggregateMap') && Object.keys(value).length === 0) {
            this.add(path, field.kind === 'selectMap' ? `${name} needs at least one output column` : `${name} needs at least one aggregate, e.g. {"events": "count(*)"}`);
          }
          for (const [key, item] of Object.entries(value)) {
            const itemPath = path + pointer(key);
            if (key.trim() === '') this.add(itemPath, `${name} has an empty column name`);
            if (typeof item !== 'string' || item.trim() === '') this.add(itemPath, `${name} entry "${key}" must be non-empty text, got ${describe(item)}`);
            else if (field.kind === 'typeMap' && !lakeTypePattern.test(item.trim())) this.add(itemPath, `unknown column type "${item}"; use string, int, long, double, float, boolean, timestamp, date, binary, uuid or decimal(p,s)`);
          }
        }
        break;
      case 'timestamp':
        if (typeof value !== 'string' || !isIsoTimestamp(value)) this.add(path, `${name} must be an ISO 8601 timestamp like "2026-01-01T00:00:00Z", got ${describe(value)}`);
        break;
      case 'startFrom':
        if (value === 'earliest' || value === 'latest') break;
        if (isRecord(value) && Object.keys(value).length === 1 && typeof value.offset === 'number' && Number.isInteger(value.offset) && value.offset >= 0) break;
        if (isRecord(value) && Object.keys(value).length === 1 && typeof value.timestamp === 'string' && isIsoTimestamp(value.timestamp)) break;
        this.add(path, `${name} must be "earliest", "latest", {"offset": n} or {"timestamp": "2026-01-01T00:00:00Z"}, got ${describe(value)}`);
        break;
    }
    return this.problems.length === before;
  }

  private checkEdge(edge: unknown, index: number): void {
    const path = pointer('edges', index);
    if (!isRecord(edge)) return this.add(path, 'an edge must be an object like {"from": "a", "to": "b"}');
    this.unknownKeys(edge, edgeKeys, path);
    const nodeIds = [...this.nodes.keys()];
    const from = this.edgeEnd(edge.from, `${path}/from`, '"from"', nodeIds);
    const to = this.edgeEnd(edge.to, `${path}/to`, '"to"', nodeIds);
    if (to && typeof edge.from === 'string' && this.declared.has(edge.from)) this.fed.add(to.id);
    let port: 'out' | 'error' | 'late' | undefined = 'out';
    if (edge.port !== undefined && !portNames.includes(edge.port as 'out')) {
      this.add(`${path}/port`, `unknown port ${describe(edge.port)}; ports are out, error and late`);
      port = undefined;
    } else if (edge.port !== undefined) port = edge.port as 'out' | 'error' | 'late';
    if (from && port) {
      const info = nodeTypeInfo(from.type);
      const ports = info ? outputPorts(info) : [];
      if (!ports.includes(port)) {
        const has = ports.length === 0 ? 'it has no output ports' : `its output ports: ${ports.join(', ')}`;
        const what = from.type.startsWith('sink.') && port === 'out' ? `sink "${from.id}" has no out port: rows end there` : `"${from.id}" (${info?.title ?? from.type}) has no "${port}" port`;
        this.add(edge.port === undefined ? `${path}/from` : `${path}/port`, `${what}; ${has}`);
        port = undefined;
      }
    }
    if (to && !nodeTypeInfo(to.type)?.ports.includes('in')) {
      this.add(`${path}/to`, `source "${to.id}" takes no input; remove this edge`);
      return;
    }
    if (!from || !to || !port) return;
    const duplicate = this.validEdges.find((e) => e.from === from.id && e.to === to.id && e.port === port);
    if (duplicate) return this.add(path, `duplicate edge ${from.id}${port === 'out' ? '' : `:${port}`} → ${to.id} (same as /edges/${duplicate.index})`);
    this.validEdges.push({ index, from: from.id, to: to.id, port });
  }

  private edgeEnd(value: unknown, path: string, name: string, nodeIds: string[]): CheckedNode | undefined {
    if (typeof value !== 'string') {
      this.add(path, value === undefined ? `missing ${name} node id` : `${name} must be a node id, got ${describe(value)}`);
      return undefined;
    }
    const node = this.nodes.get(value);
    if (!node && !this.declared.has(value)) this.add(path, `edge refers to unknown node "${value}"${didYouMean(value, nodeIds)}`);
    return node;
  }

  private checkLayout(layout: unknown): void {
    if (!isRecord(layout)) return this.add('/layout', '"layout" must be an object of node id → {"x": n, "y": n}');
    for (const [id, position] of Object.entries(layout)) {
      const path = `/layout${pointer(id)}`;
      if (!this.declared.has(id)) this.add(path, `layout for unknown node "${id}"`);
      if (!isRecord(position) || typeof position.x !== 'number' || typeof position.y !== 'number' || !Number.isFinite(position.x) || !Number.isFinite(position.y)) {
        this.add(path, `a position must be {"x": number, "y": number}, got ${describe(position)}`);
      } else this.unknownKeys(position, ['x', 'y'], path);
    }
  }

  /** Every transform, window and sink needs something flowing into it. */
  private checkInputs(): void {
    for (const node of this.nodes.values()) {
      if (node.type.startsWith('source.')) continue;
      if (!this.fed.has(node.id) && !this.validEdges.some((e) => e.to === node.id)) this.add(pointer('nodes', node.index), `"${node.id}" has no input; connect an upstream node to it`);
    }
  }

  private checkCycles(): void {
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (id: string): void => {
      state.set(id, 'open');
      stack.push(id);
      for (const edge of this.validEdges) {
        if (edge.from !== id) continue;
        const next = state.get(edge.to);
        if (next === 'open') {
          const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
          this.add(pointer('edges', edge.index), `edge closes a cycle: ${cycle.join(' → ')}; pipelines must flow one way`);
        } else if (next === undefined) visit(edge.to);
      }
      stack.pop();
      state.set(id, 'done');
    };
    for (const id of this.nodes.keys()) if (!state.has(id)) visit(id);
  }

  /** Expressions, field references and cross-field rules, using what is known about upstream fields. */
  private checkSemantics(): void {
    const shape = {
      nodes: [...this.nodes.values()].map((n) => ({ id: n.id, type: n.type, config: n.config }) as NodeSpec),
      edges: this.validEdges.map((e) => ({ from: e.from, to: e.to, port: e.port })),
    };
    const outputs = inferFields(shape);
    for (const node of this.nodes.values()) {
      const input = node.type.startsWith('source.') ? null : inputFields(shape, outputs, node.id);
      new NodeCheck(node, input, this.problems).run();
    }
    this.checkSharedTables();
  }

  /** Two sinks committing to one table branch would race each other's snapshots. */
  private checkSharedTables(): void {
    const writers = new Map<string, CheckedNode>();
    for (const node of this.nodes.values()) {
      if (node.type !== 'sink.lake' || !node.wellFormed.has('table')) continue;
      const branch = node.wellFormed.has('branch') ? String(node.config.branch) : 'main';
      const key = `${String(node.config.table)}@${branch}`;
      const first = writers.get(key);
      if (!first) writers.set(key, node);
      else this.add(`${pointer('nodes', node.index)}/config/table`, `"${first.id}" already writes table "${String(node.config.table)}"${branch === 'main' ? '' : ` on branch "${branch}"`}; connect these inputs to that one sink instead`);
    }
  }
}

/** Per-node checks that need the node's input fields (null = unknown, so field references are not checked). */
class NodeCheck {
  private readonly path: string;
  private readonly names: string[] | undefined;
  private readonly types: Map<string, StaticType> | undefined;

  constructor(private readonly node: CheckedNode, private readonly input: FieldInfo[] | null, private readonly problems: Problem[]) {
    this.path = `${pointer('nodes', node.index)}/config`;
    this.names = input?.map((f) => f.name);
    this.types = input ? new Map(input.map((f) => [f.name, staticTypeOf(f.type)])) : undefined;
  }

  run(): void {
    const { config, type } = this.node;
    switch (type) {
      case 'source.file':
        if (config.format === 'csv' && config.header === false && !Array.isArray(config.columns)) this.add('/columns', 'a CSV file without a header row needs "columns": the column names in order');
        break;
      case 'source.kafka':
        if (config.topics === undefined && config.topicPattern === undefined) this.add('', 'give "topics" or "topicPattern" to say what to read');
        if (config.topics !== undefined && config.topicPattern !== undefined) this.add('/topicPattern', 'give either "topics" or "topicPattern", not both');
        if (Array.isArray(config.topics) && config.topics.length === 0) this.add('/topics', '"topics" must name at least one topic');
        if (this.ok('topicPattern')) {
          try {
            new RegExp(String(config.topicPattern));
          } catch (error) {
            this.add('/topicPattern', `"topicPattern" is not a valid regular expression: ${(error as Error).message}`);
          }
        }
        if (config.format === 'csv' && !Array.isArray(config.columns)) this.add('/columns', 'csv messages need "columns": the column names in order');
        break;
      case 'transform.filter':
        this.expression('where');
        break;
      case 'transform.map':
        this.expressionMap('select');
        break;
      case 'transform.dedupe':
        this.expression('key');
        this.fieldRef('time', true);
        this.positiveDuration('horizon');
        break;
      case 'window.tumbling':
      case 'window.hopping':
      case 'window.session':
        this.window();
        break;
      case 'sink.lake':
        this.partitionBy();
        this.sortBy();
        break;
      case 'sink.kafka':
        this.expression('key');
        this.expressionMap('headers');
        break;
      case 'sink.opensearch':
        this.expression('id');
        break;
      default:
        break;
    }
  }

  private add(sub: string, message: string, extra: Partial<Problem> = {}): void {
    this.problems.push({ path: this.path + sub, code: 'ENG_FORMAT_INVALID', message, ...extra });
  }

  private ok(key: string): boolean {
    return this.node.wellFormed.has(key);
  }

  private expression(key: string): void {
    if (this.ok(key)) this.checkText(String(this.node.config[key]), pointer(key), `"${key}"`);
  }

  private expressionMap(key: string): void {
    if (!this.ok(key)) return;
    for (const [name, text] of Object.entries(this.node.config[key] as Record<string, string>)) this.checkText(text, pointer(key, name), `"${key}.${name}"`);
  }

  private checkText(text: string, sub: string, label: string): void {
    this.report(checkExpression(text, this.names, this.types), sub, label);
  }

  private report(issues: readonly ExpressionIssue[], sub: string, label: string): void {
    for (const issue of issues) {
      const code = issue.code ?? 'ENG_EXPR_SYNTAX';
      const position = issue.position;
      this.problems.push({
        path: this.path + sub,
        code,
        message: `${label} at character ${position}: ${issue.message}`,
        position,
        ...(issue.length === undefined ? {} : { length: issue.length }),
      });
    }
  }

  private fieldRef(key: string, wantsTime: boolean, value?: unknown, sub = pointer(key)): void {
    if (value === undefined && !this.ok(key)) return;
    const name = String(value ?? this.node.config[key]);
    if (!this.input || !this.names) return;
    const field = this.input.find((f) => f.name === name);
    if (!field) {
      this.add(sub, `unknown field "${name}"${didYouMean(name, this.names)}; the input has: ${this.names.join(', ') || 'no fields'}`);
    } else if (wantsTime && field.type !== 'timestamp' && field.type !== 'long' && field.type !== 'unknown') {
      this.add(sub, `"${name}" is a ${field.type} field; event time needs a timestamp (or epoch milliseconds)`);
    }
  }

  private positiveDuration(key: string): number | undefined {
    if (!this.ok(key)) return undefined;
    const parsed = parseDuration(String(this.node.config[key]));
    if (!parsed.ok) return undefined;
    if (parsed.ms <= 0) {
      this.add(pointer(key), `"${key}" must be longer than zero`);
      return undefined;
    }
    return parsed.ms;
  }

  private window(): void {
    const { config, type } = this.node;
    this.fieldRef('time', true);
    const size = type === 'window.session' ? undefined : this.positiveDuration('size');
    if (type === 'window.session') this.positiveDuration('gap');
    if (type === 'window.hopping') {
      const slide = this.positiveDuration('slide');
      if (size !== undefined && slide !== undefined && slide > size) this.add('/slide', `"slide" (${String(config.slide)}) must not be longer than "size" (${String(config.size)}), or events would fall between windows`);
    }
    const groupBy = this.ok('groupBy') ? (config.groupBy as string[]) : [];
    groupBy.forEach((name, i) => {
      this.fieldRef('groupBy', false, name, pointer('groupBy', i));
      if (groupBy.indexOf(name) !== i) this.add(pointer('groupBy', i), `"${name}" is listed twice in "groupBy"`);
    });
    if (!this.ok('aggregates')) return;
    const taken = new Set([...groupBy, 'window_start', 'window_end']);
    for (const [name, text] of Object.entries(config.aggregates as Record<string, string>)) {
      const sub = pointer('aggregates', name);
      if (taken.has(name)) this.add(sub, `aggregate "${name}" has the same name as ${name.startsWith('window_') ? 'a window bound' : 'a group-by field'}; output columns must be unique`);
      this.report(checkAggregate(text, this.names, this.types), sub, `"aggregates.${name}"`);
    }
  }

  private partitionBy(): void {
    if (!this.ok('partitionBy')) return;
    (this.node.config.partitionBy as string[]).forEach((text, i) => {
      const match = partitionTransform.exec(text.trim());
      if (!match) {
        this.add(pointer('partitionBy', i), `"${text}" is not a partition transform; use a column, year(c), month(c), day(c), hour(c), bucket(n, c) or truncate(n, c)`);
        return;
      }
      this.fieldRef('partitionBy', false, match[1] ?? match[2] ?? match[3], pointer('partitionBy', i));
    });
  }

  private sortBy(): void {
    if (!this.ok('sortBy')) return;
    (this.node.config.sortBy as string[]).forEach((text, i) => {
      const match = sortKey.exec(text.trim());
      if (!match) {
        this.add(pointer('sortBy', i), `"${text}" is not a sort key; use a column, year(c), month(c), day(c), hour(c) or truncate(n, c), then optionally asc or desc and nulls first or nulls last`);
        return;
      }
      this.fieldRef('sortBy', false, match[1] ?? match[2] ?? match[3], pointer('sortBy', i));
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** ISO 8601 date or timestamp text (a zone is required when there is a time). */
export const isoTimestamp = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

function isIsoTimestamp(text: string): boolean {
  return isoTimestamp.test(text) && !Number.isNaN(Date.parse(text));
}

// ---------------------------------------------------------------------------------------------------------
// Canonical text: stable key order and 2-space JSON with a trailing newline, so pipelines diff well in git.

/** The document as canonical JSON text. Assumes a valid document; unknown keys are kept, sorted, last. */
export function exportPipeline(doc: PipelineDoc): string {
  const out: Record<string, unknown> = {};
  out.format = doc.format;
  out.version = doc.version;
  out.name = doc.name;
  if (doc.description !== undefined) out.description = doc.description;
  out.nodes = doc.nodes.map(canonicalNode);
  out.edges = doc.edges.map((edge) => {
    const e: Record<string, unknown> = { from: edge.from };
    if (edge.port !== undefined && edge.port !== 'out') e.port = edge.port;
    e.to = edge.to;
    return withRest(e, edge, edgeKeys);
  });
  if (doc.layout !== undefined) {
    const layout: Record<string, Position> = {};
    const ids = [...doc.nodes.map((n) => n.id), ...Object.keys(doc.layout).sort()];
    for (const id of ids) {
      const position = doc.layout[id];
      if (position && !(id in layout)) layout[id] = { x: position.x, y: position.y };
    }
    out.layout = layout;
  }
  return JSON.stringify(withRest(out, doc, topLevelKeys), null, 2) + '\n';
}

function canonicalNode(node: NodeSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { id: node.id, type: node.type };
  if (node.label !== undefined) out.label = node.label;
  const config = node.config as unknown as Record<string, unknown>;
  const order = nodeTypeInfo(node.type)?.fields.map((f) => f.key) ?? [];
  const canonical: Record<string, unknown> = {};
  for (const key of order) if (config[key] !== undefined) canonical[key] = config[key];
  out.config = withRest(canonical, config, order);
  return withRest(out, node as unknown as Record<string, unknown>, nodeKeys);
}

function withRest(target: Record<string, unknown>, source: object, known: readonly string[]): Record<string, unknown> {
  const rest = Object.keys(source).filter((k) => !known.includes(k)).sort();
  for (const key of rest) target[key] = (source as Record<string, unknown>)[key];
  return target;
}

/** Parses and validates pipeline file text; bad JSON gives one ENG_FORMAT_PARSE problem with line and column. */
export function parsePipelineText(text: string): ValidationResult {
  let value: unknown;
  // Some editors save a byte-order mark; it is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const match = /position (\d+)/.exec(message);
    const offset = match ? Number(match[1]) : /end of JSON input/i.test(message) ? text.length : undefined;
    const where = offset === undefined ? undefined : lineColumn(text, offset);
    const reason = message.replace(/^(JSON\.parse: )?/, '').replace(/\s*in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, ' is not valid JSON');
    return {
      ok: false,
      problems: [{ path: '', code: 'ENG_FORMAT_PARSE', message: where ? `line ${where.line}, column ${where.column}: ${reason}` : `not valid JSON: ${reason}`, ...where }],
    };
  }
  return validatePipeline(value);
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}
export { inferFields, inputFields } from './fields.ts';
