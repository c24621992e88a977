// A pipeline as one self-contained Flink SQL script: SET options, Kafka source tables with their schema,
// time attribute and WATERMARK, a view per filter / map / dedupe / window, an Iceberg catalog over the lake
// for lake sinks, Kafka tables for Kafka sinks, and every INSERT in one EXECUTE STATEMENT SET (one job).
// What Flink cannot do the same way is listed in `problems` on its node (see problems.ts), never exported
// silently with other behaviour. Pure: connections and the lake location come in as options.
import path from 'node:path';
import { quoteIdentifier, quoteString } from '../expr/flink.ts';
import { datasetInfo } from '../format/datasets.ts';
import type { FieldInfo } from '../format/datasets.ts';
import { durationMs } from '../format/duration.ts';
import type { EdgeSpec, KafkaSinkConfig, KafkaSourceConfig, LakeSinkConfig, NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import type { ConnectionConfig } from '../kafka/connections.ts';
import type { OpenSearchConnection } from '../sinks/opensearch/connections.ts';
import type { PostgresConnection } from '../sinks/postgres/connections.ts';
import type { Column } from './ddl.ts';
import { catalogStatements, columnList, ddlType, interval, kafkaOptions, toDdl, withOptions } from './ddl.ts';
import type { FlinkType } from './expressions.ts';
import { translate } from './expressions.ts';
import { JDBC_CONNECTOR, jdbcColumn, jdbcSink, primaryKeyClause } from './jdbc.ts';
import { OPENSEARCH_CONNECTOR, openSearchSink } from './opensearch.ts';
import type { FlinkProblem } from './problems.ts';
import { Problems } from './problems.ts';
import { windowQuery } from './windows.ts';

export interface FlinkExportOptions {
  /** The lake folder: its parent becomes the catalog's warehouse and its name the database. */
  lakeDir?: string;
  /** Warehouse URI instead of the lake folder's parent (then the database is `database` or the lake folder's name). */
  warehouse?: string;
  database?: string;
  /** Saved Kafka connections by name; only brokers, user names and file paths are written, never secrets. */
  connections?: readonly ConnectionConfig[];
  /** Saved PostgreSQL connections by name (sink.postgres); host, database and user are written, the password never. */
  postgresConnections?: readonly PostgresConnection[];
  /** Saved OpenSearch connections by name (sink.opensearch); the URL and user are written, the password never. */
  openSearchConnections?: readonly OpenSearchConnection[];
  /** Generator sources read from these topics instead (node id → topic and connection); default: the dataset's name on `local`. */
  generatorTopics?: Readonly<Record<string, { topic: string; connection?: string }>>;
  /** Fields of Kafka sources (node id → fields); a Kafka source without them cannot be declared. */
  sourceFields?: Readonly<Record<string, readonly FieldInfo[]>>;
  /** Why a Kafka source's fields could not be learned (node id → reason), for its problem. */
  sourceFieldNotes?: Readonly<Record<string, string>>;
  /** Read every Kafka source from the earliest offset up to the end it has at start, then finish (backfills, tests). */
  bounded?: boolean;
  /** Job parallelism (`parallelism.default`); absent = the cluster's default. */
  parallelism?: number;
}

export interface FlinkExport {
  /** The script, statements separated by `;` and blank lines, with a header comment. */
  sql: string;
  /** The same statements one by one, for a SQL Gateway or TableEnvironment.executeSql. */
  statements: string[];
  problems: FlinkProblem[];
  /** Environment variables the script references (secrets and unknown brokers). */
  placeholders: string[];
}

interface Relation {
  name: string;
  columns: Column[];
}

const CATALOG = 'streamlake';

function fieldType(type: string): FlinkType {
  switch (type.toLowerCase().replace(/\(.*$/, '')) {
    case 'string':
    case 'json':
      return 'STRING';
    case 'int':
    case 'long':
      return 'BIGINT';
    case 'double':
    case 'float':
    case 'decimal':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    default:
      return 'UNKNOWN';
  }
}

function typesOf(columns: readonly Column[]): Map<string, FlinkType> {
  return new Map(columns.map((c) => [c.name, c.type]));
}

export function exportFlink(doc: PipelineDoc, options: FlinkExportOptions = {}): FlinkExport {
  const problems = new Problems();
  const nodes = new Map(doc.nodes.map((n) => [n.id, n]));
  const inEdges = (id: string): EdgeSpec[] => doc.edges.filter((e) => e.to === id && (e.port ?? 'out') === 'out');
  const connections = new Map((options.connections ?? []).map((c) => [c.name, c]));
  const postgresConnections = new Map((options.postgresConnections ?? []).map((c) => [c.name, c]));
  const openSearchConnections = new Map((options.openSearchConnections ?? []).map((c) => [c.name, c]));

  for (const edge of doc.edges) {
    if (edge.port === 'error') problems.differs(edge.from, `the error port (to ${edge.to}) has no Flink equivalent: an event that fails an expression or does not parse fails the job instead`, "'json.ignore-parse-errors' = 'true' skips unparsable events; TRY_CAST avoids failing casts");
    if (edge.port === 'late') problems.differs(edge.from, `the late port (to ${edge.to}) has no Flink equivalent: window TVFs drop events behind the watermark without a trace`, 'a larger WATERMARK delay keeps more out-of-order events');
  }

  // Event-time columns each source must declare, from the windows that read them.
  const timeNeeds = new Map<string, { column: string; delayMs: number; idleMs: number; node: string }[]>();
  const sourcesOf = (id: string, seen = new Set<string>()): string[] => {
    if (seen.has(id)) return [];
    seen.add(id);
    const node = nodes.get(id);
    if (!node) return [];
    if (node.type.startsWith('source.')) return [id];
    return inEdges(id).flatMap((e) => sourcesOf(e.from, seen));
  };
  for (const node of doc.nodes) {
    const need = node.type.startsWith('window.')
      ? { column: (node.config as { time: string }).time, delayMs: durationMs((node.config as { watermarkDelay?: string }).watermarkDelay ?? '0s'), idleMs: durationMs((node.config as { idleTimeout?: string }).idleTimeout ?? '30s'), node: node.id }
      : null;
    if (!need) continue;
    for (const source of sourcesOf(node.id)) timeNeeds.set(source, [...(timeNeeds.get(source) ?? []), need]);
  }

  const setup: string[] = [];
  const sinks: string[] = [];
  const inserts: string[] = [];
  const views: string[] = [];
  const relations = new Map<string, Relation>();
  let usesCatalog = false;
  let usesJdbc = false;
  let usesOpenSearch = false;
  let idleMs = 0;
  let checkpointMs = 0;
  let stateTtlMs = 0;
  const placeholders = new Set<string>();

  const sourceTable = (node: NodeSpec, fields: readonly FieldInfo[], kafka: KafkaSourceConfig, connectionName: string): Relation => {
    const columns = fields.map((f) => ({ name: f.name, type: fieldType(f.type) }));
    const needs = timeNeeds.get(node.id) ?? [];
    const lines = [columnList(columns)];
    const column = needs[0]?.column;
    if (column !== undefined) {
      if (needs.some((n) => n.column !== column)) problems.unsupported(node.id, `windows read different time columns (${[...new Set(needs.map((n) => n.column))].join(', ')}); Flink has one time attribute per table`, `one WATERMARK FOR ${column}`);
      if (!columns.some((c) => c.name === column && c.type === 'TIMESTAMP')) problems.unsupported(node.id, `the time column ${column} is not a timestamp field of this source`, 'a TIMESTAMP_LTZ(3) column with a WATERMARK');
      const delay = Math.max(...needs.map((n) => n.delayMs));
      if (needs.some((n) => n.delayMs !== delay)) problems.differs(node.id, `windows downstream use different watermark delays; Flink has one watermark per source, so all use the largest (${delay} ms)`, `WATERMARK … - ${interval(delay || 1)}`);
      idleMs = Math.max(idleMs, ...needs.map((n) => n.idleMs));
      const q = quoteIdentifier(column);
      lines.push(`  WATERMARK FOR ${q} AS ${delay > 0 ? `${q} - ${interval(delay)}` : q}`);
    }
    const connection = connections.get(connectionName);
    const kafkaOpts = kafkaOptions(connectionName, connection);
    for (const [, v] of kafkaOpts) for (const m of v.matchAll(/\$\{([A-Z0-9_]+)\}/g)) placeholders.add(m[1] ?? '');
    const start = options.bounded ? 'earliest' : kafka.startFrom ?? 'latest';
    const startOpts: [string, string][] = start === 'earliest' ? [['scan.startup.mode', 'earliest-offset']]
      : start === 'latest' ? [['scan.startup.mode', 'latest-offset']]
        : 'timestamp' in start ? [['scan.startup.mode', 'timestamp'], ['scan.startup.timestamp-millis', String(Date.parse(start.timestamp))]]
          : [['scan.startup.mode', 'group-offsets'], ['properties.auto.offset.reset', 'earliest']];
    if (typeof start === 'object' && 'offset' in start) problems.differs(node.id, `starting at offset ${start.offset} of every partition has no single Flink setting`, "'scan.startup.mode' = 'specific-offsets' with 'scan.startup.specific-offsets' per partition");
    const topics = kafka.topicPattern ? [['topic-pattern', kafka.topicPattern] as [string, string]] : [['topic', (kafka.topics ?? []).join(';')] as [string, string]];
    const bounded: [string, string][] = options.bounded || kafka.stopAtEnd ? [['scan.bounded.mode', 'latest-offset']] : [];
    setup.push(`CREATE TABLE ${quoteIdentifier(node.id)} (\n${lines.join(',\n')}\n) ${withOptions([
      ['connector', 'kafka'], ...topics, ...kafkaOpts, ['properties.group.id', kafka.group ?? `streamlake-${doc.name}-${node.id}`],
      ...startOpts, ...bounded, ['format', 'json'], ['json.timestamp-format.standard', 'ISO-8601'], ['json.ignore-parse-errors', 'false'],
    ])}`);
    return { name: quoteIdentifier(node.id), columns };
  };

  const relationOf = (node: NodeSpec): Relation | null => {
    const known = relations.get(node.id);
    if (known) return known;
    const relation = build(node);
    if (relation) relations.set(node.id, relation);
    return relation;
  };

  const inputOf = (node: NodeSpec): Relation | null => {
    const inputs = inEdges(node.id).map((e) => nodes.get(e.from)).filter((n): n is NodeSpec => n !== undefined);
    if (inputs.length === 0) {
      problems.unsupported(node.id, 'nothing flows into this node through an out port', 'connect it to a source');
      return null;
    }
    const relations = inputs.map(relationOf);
    if (relations.some((r) => r === null)) {
      problems.unsupported(node.id, 'left out because an upstream node cannot be exported', 'fix the upstream node first');
      return null;
    }
    const first = relations[0] as Relation;
    if (relations.length === 1) return first;
    const same = relations.every((r) => r !== null && r.columns.map((c) => c.name).join() === first.columns.map((c) => c.name).join());
    if (!same) {
      problems.unsupported(node.id, 'several inputs with different columns: Flink needs one schema per stream', 'a map on each input to the same columns, then UNION ALL');
      return null;
    }
    const name = quoteIdentifier(`${node.id}__input`);
    views.push(`CREATE TEMPORARY VIEW ${name} AS\n${relations.map((r) => `SELECT * FROM ${(r as Relation).name}`).join('\nUNION ALL\n')}`);
    return { name, columns: first.columns };
  };

  const view = (node: NodeSpec, sql: string, columns: Column[]): Relation => {
    views.push(`CREATE TEMPORARY VIEW ${quoteIdentifier(node.id)} AS\n${sql}`);
    return { name: quoteIdentifier(node.id), columns };
  };

  const expression = (node: NodeSpec, what: string, text: string, input: Relation): { sql: string; type: FlinkType } | null => {
    const t = translate(text, typesOf(input.columns));
    if (t.ok) return t;
    problems.unsupported(node.id, `${what} ${text}: ${t.reason}`, 'an explicit CAST');
    return null;
  };

  function build(node: NodeSpec): Relation | null {
    switch (node.type) {
      case 'source.generator': {
        const dataset = datasetInfo(node.config.dataset);
        if (!dataset) return null;
        const replacement = options.generatorTopics?.[node.id] ?? { topic: node.config.dataset, connection: 'local' };
        problems.differs(node.id, `the built-in generator does not exist in Flink; the job reads topic ${replacement.topic} instead, which \`streamlake produce ${node.config.dataset} --topic ${replacement.topic}\` fills with the same events (its late and malformed shares are not simulated)`, `a Kafka source on topic ${replacement.topic}`);
        return sourceTable(node, dataset.fields, { connection: replacement.connection ?? 'local', topics: [replacement.topic], format: 'json', startFrom: 'earliest' }, replacement.connection ?? 'local');
      }
      case 'source.kafka': {
        const fields = options.sourceFields?.[node.id];
        if (!fields) {
          const note = options.sourceFieldNotes?.[node.id];
          problems.unsupported(node.id, `the fields of this topic are not known${note ? ` (${note})` : ''}; a Flink table needs its schema`, 'produce a few events to the topic and export again, or declare the columns in CREATE TABLE');
          return null;
        }
        if (node.config.format !== 'json') {
          problems.unsupported(node.id, `format ${node.config.format} is not exported (only json)`, "'format' = 'json' or 'avro-confluent'");
          return null;
        }
        return sourceTable(node, fields, node.config, node.config.connection);
      }
      case 'source.file':
        problems.unsupported(node.id, 'file sources are local to this machine', "the filesystem connector ('connector' = 'filesystem') on a shared path");
        return null;
      case 'transform.filter': {
        const input = inputOf(node);
        const where = input && expression(node, 'filter', node.config.where, input);
        return input && where ? view(node, `SELECT * FROM ${input.name}\nWHERE ${where.sql}`, input.columns) : null;
      }
      case 'transform.map': {
        const input = inputOf(node);
        if (!input) return null;
        const selected = Object.entries(node.config.select);
        const names = new Set(selected.map(([name]) => name));
        const items: string[] = [];
        const columns: Column[] = [];
        if (node.config.keepOthers) {
          for (const c of input.columns) if (!names.has(c.name)) {
            items.push(quoteIdentifier(c.name));
            columns.push(c);
          }
        }
        for (const [name, text] of selected) {
          const e = expression(node, `column ${name} =`, text, input);
          if (!e) return null;
          items.push(e.sql === quoteIdentifier(name) ? e.sql : `${e.sql} AS ${quoteIdentifier(name)}`);
          columns.push({ name, type: e.type });
        }
        return view(node, `SELECT ${items.join(', ')}\nFROM ${input.name}`, columns);
      }
      case 'transform.dedupe': {
        const input = inputOf(node);
        const key = input && expression(node, 'key', node.config.key, input);
        if (!input || !key) return null;
        const horizon = durationMs(node.config.horizon);
        stateTtlMs = Math.max(stateTtlMs, horizon);
        problems.differs(node.id, `the engine drops an event whose key was seen less than ${node.config.horizon} before it (${node.config.time ? `in event time, by ${node.config.time}` : 'in processing time'}); Flink keeps the first arrival per key until the state TTL expires, counted in processing time since the key was last seen`, `ROW_NUMBER() OVER (PARTITION BY key ORDER BY PROCTIME()) = 1 with 'table.exec.state.ttl' = '${horizon} ms'`);
        const cols = input.columns.map((c) => quoteIdentifier(c.name)).join(', ');
        return view(node, `SELECT ${cols} FROM (\n  SELECT *, ROW_NUMBER() OVER (PARTITION BY ${quoteIdentifier('__key')} ORDER BY ${quoteIdentifier('__proctime')} ASC) AS ${quoteIdentifier('__row')}\n  FROM (SELECT *, ${key.sql} AS ${quoteIdentifier('__key')}, PROCTIME() AS ${quoteIdentifier('__proctime')} FROM ${input.name})\n)\nWHERE ${quoteIdentifier('__row')} = 1`, input.columns);
      }
      case 'window.tumbling':
      case 'window.hopping':
      case 'window.session': {
        const input = inputOf(node);
        if (!input) return null;
        const time = input.columns.find((c) => c.name === node.config.time);
        if (!time || time.type !== 'TIMESTAMP') {
          problems.unsupported(node.id, `the time column ${node.config.time} is not a timestamp column of the input`, 'the source time attribute, projected unchanged');
          return null;
        }
        const lateness = durationMs(node.config.allowedLateness ?? '0s');
        if (lateness > 0) problems.differs(node.id, `allowed lateness ${node.config.allowedLateness}: the engine updates a window for late events that long after it fired; window TVFs emit once and drop later events`, `a WATERMARK delay larger by ${node.config.allowedLateness} (later but final results)`);
        if (node.type === 'window.session') problems.differs(node.id, 'when a late event merges sessions the engine already emitted, it retracts the old rows; Flink emits each session once when the watermark passes its end, so only events within the watermark delay can merge sessions', 'SESSION window TVF (emits final sessions only)');
        const q = windowQuery(node, input.name, typesOf(input.columns), problems);
        return q ? view(node, q.sql, q.columns) : null;
      }
      default:
        problems.unsupported(node.id, `not exportable: ${node.type} has no Flink mapping`, 'none in this exporter');
        return null;
    }
  }

  // The engine's database sinks upsert a window's rows on its key (group-by fields + window_start) when every
  // input is a window with the same group-by; anything else appends.
  const windowKey = (node: NodeSpec): string[] | undefined => {
    const feeders = inEdges(node.id).map((e) => nodes.get(e.from));
    const windows = feeders.filter((n): n is NodeSpec => n !== undefined && n.type.startsWith('window.'));
    const groupBy = (n: NodeSpec): string[] => (n.config as { groupBy?: string[] }).groupBy ?? [];
    return windows.length === feeders.length && windows.every((w) => groupBy(w).join() === groupBy(windows[0] as NodeSpec).join()) ? [...groupBy(windows[0] as NodeSpec), 'window_start'] : undefined;
  };

  const lakeTarget = (): { warehouse: string; database: string } => {
    const lakeDir = options.lakeDir;
    const database = options.database ?? (lakeDir ? path.basename(path.resolve(lakeDir)) : 'lake');
    if (options.warehouse) return { warehouse: options.warehouse, database };
    if (lakeDir) return { warehouse: `file://${path.dirname(path.resolve(lakeDir))}`, database };
    placeholders.add('STREAMLAKE_WAREHOUSE');
    return { warehouse: '${STREAMLAKE_WAREHOUSE}', database };
  };

  for (const node of doc.nodes) {
    if (!node.type.startsWith('sink.')) continue;
    if (node.type === 'sink.preview') {
      if (inEdges(node.id).length > 0) problems.unsupported(node.id, 'a preview is a view in the studio, not an output', "'connector' = 'print' (TaskManager logs)");
      continue;
    }
    if (inEdges(node.id).length === 0) {
      problems.unsupported(node.id, 'this sink only receives error or late events, which Flink does not produce', 'a side output in a DataStream job');
      continue;
    }
    const input = inputOf(node);
    if (!input) continue;
    if (node.type === 'sink.lake') {
      const config: LakeSinkConfig = node.config;
      const columns: Column[] = config.schema ? Object.entries(config.schema).map(([name, type]) => ({ name, type: fieldType(type) })) : input.columns;
      const target = lakeTarget();
      usesCatalog = true;
      const table = `${quoteIdentifier(CATALOG)}.${quoteIdentifier(target.database)}.${quoteIdentifier(config.table)}`;
      const identity = (config.partitionBy ?? []).filter((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p));
      if (identity.length < (config.partitionBy ?? []).length) problems.differs(node.id, `partition transforms (${(config.partitionBy ?? []).filter((p) => !identity.includes(p)).join(', ')}) cannot be declared in Flink DDL; a table Flink creates lacks them (one the studio created keeps its spec)`, 'PARTITIONED BY identity columns');
      if ((config.sortBy ?? []).length > 0) problems.differs(node.id, `sort order ${config.sortBy?.join(', ')}: Flink's Iceberg sink does not sort data files`, "compact with the studio afterwards ('streamlake lake compact')");
      sinks.push(`CREATE TABLE IF NOT EXISTS ${table} (\n${columnList(columns)}\n)${identity.length ? ` PARTITIONED BY (${identity.map(quoteIdentifier).join(', ')})` : ''} ${withOptions([['format-version', '2']])}`);
      const commit = durationMs(config.commitInterval ?? '10s');
      checkpointMs = checkpointMs === 0 ? commit : Math.min(checkpointMs, commit);
      const have = typesOf(input.columns);
      const items = columns.map((c) => (have.has(c.name) ? toDdl(quoteIdentifier(c.name), have.get(c.name) ?? 'UNKNOWN') : `CAST(NULL AS ${ddlType(c.type)})`));
      const hint = config.branch ? ` /*+ OPTIONS('branch'=${quoteString(config.branch)}) */` : '';
      inserts.push(`INSERT INTO ${table}${hint}\nSELECT ${items.join(', ')}\nFROM ${input.name}`);
    } else if (node.type === 'sink.kafka') {
      const config: KafkaSinkConfig = node.config;
      if (config.format !== 'json') {
        problems.unsupported(node.id, `format ${config.format} is not exported (only json)`, "'format' = 'avro-confluent'");
        continue;
      }
      const columns = [...input.columns];
      const items = columns.map((c) => toDdl(quoteIdentifier(c.name), c.type));
      const keyOptions: [string, string][] = [];
      if (config.key) {
        const key = expression(node, 'key', config.key, input);
        if (!key) continue;
        columns.push({ name: '__key', type: 'STRING' });
        items.push(`CAST(${key.sql} AS STRING)`);
        keyOptions.push(['key.format', 'raw'], ['key.fields', '__key'], ['value.fields-include', 'EXCEPT_KEY']);
      }
      if (config.headers && Object.keys(config.headers).length > 0) problems.differs(node.id, `headers (${Object.keys(config.headers).join(', ')}) are not written`, 'the `headers` metadata column of the Kafka connector');
      const kafkaOpts = kafkaOptions(config.connection, connections.get(config.connection));
      for (const [, v] of kafkaOpts) for (const m of v.matchAll(/\$\{([A-Z0-9_]+)\}/g)) placeholders.add(m[1] ?? '');
      const name = quoteIdentifier(node.id);
      sinks.push(`CREATE TABLE ${name} (\n${columnList(columns)}\n) ${withOptions([['connector', 'kafka'], ['topic', config.topic], ...kafkaOpts, ...keyOptions, ['format', 'json'], ['json.timestamp-format.standard', 'ISO-8601'], ['sink.delivery-guarantee', 'at-least-once']])}`);
      inserts.push(`INSERT INTO ${name}\nSELECT ${items.join(', ')}\nFROM ${input.name}`);
    } else if (node.type === 'sink.postgres') {
      const key = windowKey(node);
      const jdbc = jdbcSink(node.config, input.columns, key, postgresConnections.get(node.config.connection));
      for (const p of jdbc.placeholders) placeholders.add(p);
      usesJdbc = true;
      problems.differs(node.id, `Flink's JDBC connector does not create ${node.config.table}; the engine creates it from the first rows. Create it in PostgreSQL before the job starts`, jdbc.postgresDdl);
      const name = quoteIdentifier(node.id);
      const mapped = input.columns.map((c) => jdbcColumn(c.name, c.type));
      const lines = [columnList(mapped.map((m) => m.column)), ...(key ? [primaryKeyClause(key)] : [])];
      sinks.push(`CREATE TABLE ${name} (\n${lines.join(',\n')}\n) ${withOptions(jdbc.options)}`);
      const items = mapped.map((m) => m.item);
      inserts.push(`INSERT INTO ${name}\nSELECT ${items.join(', ')}\nFROM ${input.name}`);
    } else if (node.type === 'sink.opensearch') {
      const os = openSearchSink(node.config, input.columns, windowKey(node), openSearchConnections.get(node.config.connection));
      for (const p of os.placeholders) placeholders.add(p);
      for (const d of os.differences) problems.differs(node.id, d.message, d.flink);
      usesOpenSearch = true;
      const name = quoteIdentifier(node.id);
      const lines = [columnList(os.columns), ...(os.key ? [primaryKeyClause(os.key)] : [])];
      sinks.push(`CREATE TABLE ${name} (\n${lines.join(',\n')}\n) ${withOptions(os.options)}`);
      inserts.push(`INSERT INTO ${name}\nSELECT ${os.items.join(', ')}\nFROM ${input.name}`);
    } else {
      const reason = notExportable(node);
      problems.unsupported(node.id, reason.message, reason.flink);
    }
  }

  const settings: [string, string][] = [['table.local-time-zone', 'UTC']];
  if (checkpointMs > 0 || !options.bounded) settings.push(['execution.checkpointing.interval', `${checkpointMs || 10_000} ms`]);
  if (idleMs > 0) settings.push(['table.exec.source.idle-timeout', `${idleMs} ms`]);
  if (stateTtlMs > 0) settings.push(['table.exec.state.ttl', `${stateTtlMs} ms`]);
  if (options.parallelism) settings.push(['parallelism.default', String(options.parallelism)]);
  const statements = [
    ...settings.map(([k, v]) => `SET ${quoteString(k)} = ${quoteString(v)}`),
    ...setup,
    ...(usesCatalog ? catalogStatements(CATALOG, lakeTarget().warehouse, lakeTarget().database) : []),
    ...sinks,
    ...views,
  ];
  if (inserts.length === 0) problems.unsupported('', 'no sink can be exported, so the job would do nothing', 'a lake or Kafka sink fed by a Kafka source');
  else statements.push(inserts.length === 1 ? (inserts[0] as string) : `EXECUTE STATEMENT SET\nBEGIN\n${inserts.map((i) => `${i};`).join('\n')}\nEND`);
  const header = [
    `-- Flink SQL job for pipeline ${doc.name}, exported by Streamlake for Apache Flink 1.20.`,
    `-- Needs flink-connector-kafka 3.4.0-1.20 and iceberg-flink-runtime-1.20 (with Hadoop) on the classpath.`,
    ...(usesJdbc ? [`-- PostgreSQL sinks need ${JDBC_CONNECTOR} too.`] : []),
    ...(usesOpenSearch ? [`-- OpenSearch sinks also need ${OPENSEARCH_CONNECTOR}.`] : []),
    ...(placeholders.size ? [`-- Substitute the environment placeholders before submitting (e.g. envsubst): ${[...placeholders].join(', ')}.`] : []),
    // one line each: user text (expressions, names) must not end the comment
    ...problems.list.map((p) => `-- ${p.severity === 'differs' ? 'DIFFERS' : 'NOT EXPORTED'} ${p.node || 'pipeline'}: ${p.message} (Flink: ${p.flink})`.replace(/\s+/g, ' ')),
  ];
  return { sql: `${header.join('\n')}\n\n${statements.map((s) => `${s};`).join('\n\n')}\n`, statements, problems: problems.list, placeholders: [...placeholders] };
}

/** Why a sink has no Flink table, keyed on the type string (so types added later are covered as they land). */
export function notExportable(node: { type: string; config?: unknown }): { message: string; flink: string } {
  const table = (node.config as { table?: unknown } | undefined)?.table;
  switch (node.type) {
    case 'sink.clickhouse':
      return { message: 'not exportable: there is no official Flink SQL connector for ClickHouse on Maven Central, and the JDBC connector has no ClickHouse dialect', flink: `a Kafka sink (JSON) to a topic that a ClickHouse table with ENGINE = Kafka reads into ${String(table)} through a materialized view` };
    case 'sink.cassandra':
      return { message: "not exportable: Flink's Cassandra connector (org.apache.flink:flink-connector-cassandra_2.12:3.0.0-1.16, the newest) has no SQL table factory, only a DataStream sink", flink: `a DataStream job: the query's table through toDataStream into CassandraSink.addSink(…) with an INSERT INTO ${String(table)}; or a Kafka sink (JSON) that the DataStax Kafka connector for Cassandra writes into the table` };
    default:
      return { message: `not exportable: ${node.type} has no Flink mapping`, flink: 'none in this exporter' };
  }
}
