// Same results on Flink and on the engine: each pipeline reads one topic on the test broker; the exported
// job runs on real Flink 1.20.3 (bounded at the topic's end) into `flink_<table>` of a lake, the engine runs
// the pipeline over the same topic into `<table>` of the same lake, and the engine opens both tables and
// compares them row for row (counts, sums, averages, window bounds). Events arrive out of order within the
// watermark delay. Covers a matrix of tumbling / hopping / session windows with filters and maps (events
// written here, so the expected shape is known) and every example pipeline (its generator's events with
// out-of-order ones, without the late and malformed ones that are documented differences).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FieldInfo } from '../format/datasets.ts';
import type { KafkaSourceConfig, NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import { generateEvents } from '../generator/index.ts';
import type { ConnectionConfig } from '../kafka/connections.ts';
import { kafkaClient } from '../kafka/connections.ts';
import { KafkaSource } from '../kafka/source.ts';
import { openLake } from '../lake/lake.ts';
import { readRows } from '../lake/table/scan.ts';
import '../nodes/index.ts';
import { createRun } from '../runtime/run.ts';
import type { Row } from '../runtime/types.ts';
import { uniqueTopic, useTestBroker } from '../testing/kafka.ts';
import type { TestBroker } from '../testing/kafka.ts';
import { useTestOpenSearch } from '../testing/servers.ts';
import { OpenSearchConnectionStore } from '../sinks/opensearch/connections.ts';
import { allDocs, rest } from '../sinks/opensearch/testing.ts';
import { PostgresConnectionStore } from '../sinks/postgres/connections.ts';
import { startPostgres } from '../sinks/postgres/server.ts';
import pg from 'pg';
import { exportFlink } from './export.ts';
import { substitute } from './gateway.ts';
import { startFlink } from './testing/shell.ts';
import type { FlinkShell } from './testing/shell.ts';

let flink: FlinkShell;
let broker: TestBroker;
let local: ConnectionConfig;
const root = mkdtempSync(path.join(tmpdir(), 'streamlake-flink-same-'));
const lakeDir = path.join(root, 'lake');
let flinkMs = 0;
let engineMs = 0;
let produceMs = 0;

before(async () => {
  broker = await useTestBroker();
  local = { name: 'local', brokers: [broker.bootstrap] };
  flink = await startFlink((line) => console.log(line));
});
after(async () => {
  await flink.close();
  await broker.release();
  rmSync(root, { recursive: true, force: true });
  console.log(`Flink jobs took ${(flinkMs / 1000).toFixed(1)} s of wall time in all, engine runs ${(engineMs / 1000).toFixed(1)} s, producing ${(produceMs / 1000).toFixed(1)} s`);
});

async function produce(topic: string, rows: readonly Row[]): Promise<void> {
  const started = Date.now();
  const client = kafkaClient(local);
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = client.producer();
  await producer.connect();
  for (let i = 0; i < rows.length; i += 500) await producer.send({ topic, messages: rows.slice(i, i + 500).map((row) => ({ value: JSON.stringify(row) })) });
  await producer.disconnect();
  produceMs += Date.now() - started;
}

/** The pipeline with its generator replaced by a Kafka source on `topic` (what the engine runs). */
function onKafka(doc: PipelineDoc, source: string, topic: string): PipelineDoc {
  const config: KafkaSourceConfig = { connection: 'local', topics: [topic], format: 'json', startFrom: 'earliest', stopAtEnd: true, group: uniqueTopic('engine') };
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === source ? { id: n.id, type: 'source.kafka', config } : n)) };
}

/** The same pipeline writing flink_<table> (what Flink runs). */
function flinkTables(doc: PipelineDoc): PipelineDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (n.type === 'sink.lake' ? { ...n, config: { ...n.config, table: `flink_${n.config.table}` } } : n)) };
}

async function runEngine(doc: PipelineDoc): Promise<void> {
  const run = createRun(doc, {
    lakeDir, homeDir: root, checkpointInterval: 0,
    onEvent: (event) => {
      if (event.type === 'log' && event.level !== 'debug') console.log(`engine ${event.node ?? ''}: ${event.message}`);
      if (event.type === 'error') console.log(`engine error ${event.node ?? ''}: ${event.error.message}`);
    },
    nodes: { 'source.kafka': { kind: 'source', create: (spec, ctx) => new KafkaSource(spec.id, spec.config as KafkaSourceConfig, local, ctx, { stopAtEnd: true }) } },
  });
  const started = Date.now();
  const summary = await run.start();
  engineMs += Date.now() - started;
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
}

interface FlinkCase {
  doc: PipelineDoc;
  generator?: { node: string; topic: string };
  sourceFields?: Record<string, FieldInfo[]>;
}

/** The pipeline with every node id prefixed, so several exported pipelines can share one Flink session. */
function prefixed(doc: PipelineDoc, prefix: string): PipelineDoc {
  const id = (node: string): string => `${prefix}_${node}`;
  return { ...doc, layout: undefined, nodes: doc.nodes.map((n) => ({ ...n, id: id(n.id) })), edges: doc.edges.map((e) => ({ ...e, from: id(e.from), to: id(e.to) })) } as PipelineDoc;
}

/** The last statement's INSERTs: a lone INSERT, or those of an EXECUTE STATEMENT SET. */
function insertsOf(statement: string): string[] {
  const set = /^EXECUTE STATEMENT SET\nBEGIN\n([^]*)\nEND$/.exec(statement);
  return set ? (set[1] ?? '').split(/;\n(?=INSERT INTO )/).map((i) => i.replace(/;$/, '')) : [statement];
}

/**
 * Exports each pipeline and runs them on Flink as few bounded jobs as keeps them independent: pipelines whose
 * SET options are the same share one statement set (one job, a MiniCluster and a final checkpoint fewer each);
 * their tables, views and sources are apart (node ids prefixed, a topic each), so no rows can cross. The
 * checkpoint interval, which only paces Iceberg commits, is 1 s: a bounded job commits its last rows at the
 * first checkpoint after its input ends, and the pipelines' 10 s would be waited out once per job.
 * Returns the lake tables each pipeline wrote (without the flink_ prefix).
 *
 * The job restarts from its last checkpoint after a failure (up to 3 times), as a production job would:
 * with several Iceberg sinks in one job, the first sink to finish closes its catalog, and Iceberg's
 * in-memory lock manager then shuts down the scheduler every lock manager in the JVM shares, so another
 * sink's commit can fail with a RejectedExecutionException (apache/iceberg#15861, open upstream). A restart
 * replays from the checkpoint and Iceberg's committer skips checkpoints it already committed, so the
 * tables compared below are still exactly what the input gives.
 */
const restartFromCheckpoint = ["SET 'restart-strategy.type' = 'fixed-delay'", "SET 'restart-strategy.fixed-delay.attempts' = '3'", "SET 'restart-strategy.fixed-delay.delay' = '1 s'"];

async function runFlink(cases: readonly FlinkCase[]): Promise<string[][]> {
  const exported = cases.map((c, i) => {
    const doc = cases.length > 1 ? prefixed(flinkTables(c.doc), `p${i}`) : flinkTables(c.doc);
    const node = (id: string): string => (cases.length > 1 ? `p${i}_${id}` : id);
    return exportFlink(doc, {
      lakeDir, connections: [local], bounded: true, parallelism: 1,
      ...(c.generator ? { generatorTopics: { [node(c.generator.node)]: { topic: c.generator.topic, connection: 'local' } } } : {}),
      ...(c.sourceFields ? { sourceFields: Object.fromEntries(Object.entries(c.sourceFields).map(([k, v]) => [node(k), v])) } : {}),
    });
  });
  const groups = new Map<string, typeof exported>();
  for (const out of exported) {
    const sets = out.statements.filter((st) => st.startsWith('SET ')).join('\n');
    groups.set(sets, [...(groups.get(sets) ?? []), out]);
  }
  for (const [sets, outs] of groups) {
    const body = new Set<string>();
    for (const out of outs) for (const st of out.statements.slice(0, -1)) if (!st.startsWith('SET ')) body.add(st);
    const inserts = outs.flatMap((out) => insertsOf(out.statements.at(-1) ?? ''));
    const started = Date.now();
    await flink.run([...sets.split('\n'), "SET 'execution.checkpointing.interval' = '1 s'", ...restartFromCheckpoint, ...body, `EXECUTE STATEMENT SET\nBEGIN\n${inserts.map((i) => `${i};`).join('\n')}\nEND`]);
    flinkMs += Date.now() - started;
  }
  return exported.map((out) => [...out.sql.matchAll(/INSERT INTO streamlake\.lake\.flink_([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? ''));
}

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/;

/** One comparable text per value: instants as epoch ms (a Date, or ISO text the engine passed through), numbers to 12 digits. */
function normal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return `t${value.getTime()}`;
  if (typeof value === 'string' && isoTime.test(value)) return `t${Date.parse(value)}`;
  if (typeof value === 'bigint') return `n${Number(value).toPrecision(12)}`;
  if (typeof value === 'number') return `n${value.toPrecision(12)}`;
  return JSON.stringify(value);
}

/** Compares the engine's table with Flink's, as the engine reads both, on the columns Flink wrote. */
async function compareTables(table: string): Promise<number> {
  const lake = openLake(lakeDir);
  const mine = await lake.table(table);
  const theirs = await lake.table(`flink_${table}`);
  const columns = theirs.schema().fields.map((f) => f.name);
  const rows = async (t: typeof mine): Promise<string[]> => (await readRows(t)).map((r) => columns.map((c) => normal(r[c])).join(' | ')).sort();
  const [engine, flinkRows] = [await rows(mine), await rows(theirs)];
  assert.ok(engine.length > 0, `${table}: the engine wrote rows`);
  assert.deepEqual(flinkRows, engine, `${table}: Flink's rows equal the engine's (${columns.join(', ')})`);
  return engine.length;
}

// ---- the matrix: tumbling / hopping / session windows after a filter and a map ----

const base = Date.parse('2026-01-01T00:00:00Z');
const regions = ['eu', 'us', 'apac'];

/** 360 events a second apart in 40-second bursts (so sessions form), each group of 4 reversed: up to 3 s out of order. */
function matrixEvents(): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 360; i++) {
    if (i % 60 >= 40) continue;
    rows.push({ region: regions[i % 3], amount: ((i * 37) % 101) + 0.25, qty: i % 9, event_time: new Date(base + i * 1000 + (i % 7) * 13).toISOString() });
  }
  const out: Row[] = [];
  for (let i = 0; i < rows.length; i += 4) out.push(...rows.slice(i, i + 4).reverse());
  return out;
}

const matrixFields: FieldInfo[] = [{ name: 'region', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'qty', type: 'long' }, { name: 'event_time', type: 'timestamp' }];

function matrixPipeline(name: string, topic: string, window: Pick<NodeSpec, 'type'> & { config: Record<string, unknown> }): PipelineDoc {
  return {
    format: 'streamlake.pipeline', version: 1, name,
    nodes: [
      { id: 'in', type: 'source.kafka', config: { connection: 'local', topics: [topic], format: 'json', startFrom: 'earliest', stopAtEnd: true, group: uniqueTopic('engine') } },
      { id: 'keep', type: 'transform.filter', config: { where: 'amount > 10 AND qty <> 4' } },
      { id: 'shape', type: 'transform.map', config: { select: { region: 'upper(region)', amount: 'amount', doubled: 'amount * 2', rest: 'amount % 7', half: 'qty / 2', label: "region || '-' || qty", event_time: 'event_time' } } },
      { id: 'win', ...window, config: { time: 'event_time', watermarkDelay: '5s', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(doubled)', low: 'min(amount)', high: 'max(amount)', mean: 'avg(half)', rests: 'sum(rest)', labels: 'count(distinct label)' }, ...window.config } } as NodeSpec,
      { id: 'out', type: 'sink.lake', config: { table: name } },
    ],
    edges: [{ from: 'in', to: 'keep' }, { from: 'keep', to: 'shape' }, { from: 'shape', to: 'win' }, { from: 'win', to: 'out' }],
  };
}

test('tumbling, hopping and session windows after a filter and a map: Flink and the engine write the same rows', async () => {
  const topic = uniqueTopic('flink-matrix');
  const events = matrixEvents();
  await produce(topic, events);
  const cases = [
    matrixPipeline('m_tumbling', topic, { type: 'window.tumbling', config: { size: '1m' } }),
    matrixPipeline('m_hopping', topic, { type: 'window.hopping', config: { size: '1m', slide: '20s' } }),
    matrixPipeline('m_session', topic, { type: 'window.session', config: { gap: '10s' } }),
  ];
  // The engine's runs and Flink's one job read the topic side by side and write tables of their own.
  const [tables] = await Promise.all([runFlink(cases.map((doc) => ({ doc, sourceFields: { in: matrixFields } }))), ...cases.map((doc) => runEngine(doc))]);
  assert.deepEqual(tables, cases.map((doc) => [doc.name]));
  for (const doc of cases) {
    const rows = await compareTables(doc.name);
    console.log(`${doc.name}: ${rows} equal rows from ${events.length} events`);
  }
  // the window bounds themselves, from the input alone: tumbling windows of a minute over 6 minutes of bursts, per region
  const tumbling = await readRows(await openLake(lakeDir).table('flink_m_tumbling'));
  assert.equal(tumbling.length, 6 * 3);
  assert.ok(tumbling.every((r) => (r.window_end as Date).getTime() - (r.window_start as Date).getTime() === 60_000 && (r.window_start as Date).getTime() % 60_000 === 0));
  const kept = events.filter((e) => (e.amount as number) > 10 && e.qty !== 4);
  assert.equal(tumbling.reduce((s, r) => s + Number(r.n), 0), kept.length);
  const sessions = await readRows(await openLake(lakeDir).table('flink_m_session'));
  assert.equal(sessions.length, 6 * 3, 'one session per burst and region');
});

// ---- the example pipelines ----

const examples = path.join(import.meta.dirname, '..', '..', 'resources', 'examples');

test('every example pipeline writes the same tables on Flink and on the engine', async () => {
  const cases: (FlinkCase & { file: string; engine: PipelineDoc })[] = [];
  for (const file of readdirSync(examples).filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(path.join(examples, file), 'utf8')) as PipelineDoc;
    const generator = doc.nodes.find((n) => n.type === 'source.generator');
    assert.ok(generator && generator.type === 'source.generator', `${file}: a generator`);
    const topic = uniqueTopic(`flink-${doc.name}`);
    // late and malformed events are documented differences (late and error ports); out-of-order ones stay
    const events = [...generateEvents(generator.config.dataset, { ...generator.config, count: 3000, lateRate: 0, malformedRate: 0 })];
    await produce(topic, events);
    cases.push({ file, doc, generator: { node: generator.id, topic }, engine: onKafka(doc, generator.id, topic) });
  }
  const [tables] = await Promise.all([runFlink(cases), ...cases.map((c) => runEngine(c.engine))]);
  for (const [i, c] of cases.entries()) {
    assert.ok((tables[i] ?? []).length > 0, `${c.file}: Flink wrote a lake table`);
    for (const table of tables[i] ?? []) {
      const rows = await compareTables(table);
      console.log(`${c.file} ${table}: ${rows} equal rows`);
    }
  }
});

// ---- sink.postgres through Flink's JDBC connector ----

test('a windowed pipeline into PostgreSQL: the JDBC table Flink writes equals the one the engine writes', async () => {
  const server = await startPostgres();
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  try {
    await new PostgresConnectionStore(root).save({ name: 'pg', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password });
    const topic = uniqueTopic('flink-pg');
    const events = matrixEvents();
    await produce(topic, events);
    const lake = matrixPipeline('m_pg', topic, { type: 'window.tumbling', config: { size: '1m' } });
    const doc = (table: string): PipelineDoc => ({ ...lake, nodes: lake.nodes.map((n) => (n.id === 'out' ? { id: 'out', type: 'sink.postgres', config: { connection: 'pg', table } } : n)) });
    await runEngine(doc('engine_m_pg'));
    const out = exportFlink(doc('flink_m_pg'), {
      connections: [local], bounded: true, parallelism: 1, sourceFields: { in: matrixFields },
      postgresConnections: await new PostgresConnectionStore(root).list(),
    });
    // The connector does not create tables: run the DDL the exporter offers for it first.
    const ddl = out.problems.find((p) => p.node === 'out')?.flink ?? '';
    assert.match(ddl, /^CREATE TABLE IF NOT EXISTS "flink_m_pg" \(.*PRIMARY KEY \("region", "window_start"\)\)$/);
    await client.connect();
    await client.query(ddl);
    const started = Date.now();
    await flink.run(substitute(out.statements, { STREAMLAKE_POSTGRES_PG_PASSWORD: server.password }));
    flinkMs += Date.now() - started;
    const rows = async (table: string): Promise<string[]> => {
      const result = await client.query<Row>(`SELECT * FROM ${table}`);
      const columns = result.fields.map((f) => f.name).sort();
      return result.rows.map((r) => columns.map((c) => `${c}=${normal(r[c])}`).join(' | ')).sort();
    };
    const [engine, flinkRows] = [await rows('engine_m_pg'), await rows('flink_m_pg')];
    assert.equal(engine.length, 6 * 3, 'a row per minute and region');
    assert.deepEqual(flinkRows, engine);
    // and from the input alone: the counts add up to the events the filter keeps
    const kept = events.filter((e) => (e.amount as number) > 10 && e.qty !== 4).length;
    assert.equal(Number((await client.query<{ n: string }>('SELECT sum(n) AS n FROM flink_m_pg')).rows[0]?.n), kept);
  } finally {
    await client.end().catch(() => undefined);
    server.destroy();
  }
});

// ---- sink.opensearch through Flink's OpenSearch 2 connector ----

test('a windowed pipeline into OpenSearch: the documents Flink indexes equal the ones the engine indexes', async () => {
  const server = await useTestOpenSearch((line) => console.log(line));
  try {
    await new OpenSearchConnectionStore(root).save({ name: 'os', url: server.url });
    const topic = uniqueTopic('flink-os');
    const events = matrixEvents();
    await produce(topic, events);
    const lake = matrixPipeline('m_os', topic, { type: 'window.tumbling', config: { size: '1m' } });
    const doc = (index: string): PipelineDoc => ({ ...lake, name: index.replaceAll('-', '_'), nodes: lake.nodes.map((n) => (n.id === 'out' ? { id: 'out', type: 'sink.opensearch', config: { connection: 'os', index, key: ['region', 'window_start'] } } : n)) });
    const out = exportFlink(doc('flink-m-os'), {
      connections: [local], bounded: true, parallelism: 1, sourceFields: { in: matrixFields },
      openSearchConnections: await new OpenSearchConnectionStore(root).list(),
    });
    assert.deepEqual(out.placeholders, [], 'no sign-in: nothing to substitute');
    // The connector does not create the index: create it with the mapping the exporter offers, as a user would.
    const put = /^PUT \/(\S+) (\{.*\})$/.exec(out.problems.find((p) => p.node === 'out' && p.flink.startsWith('PUT '))?.flink ?? '');
    assert.ok(put, 'the index mapping is offered');
    await rest(server.url, 'PUT', `/${put[1] ?? ''}`, JSON.parse(put[2] ?? '{}'));
    const started = Date.now();
    await Promise.all([runEngine(doc('engine-m-os')), flink.run(out.statements)]);
    flinkMs += Date.now() - started;
    const documents = async (index: string): Promise<Map<string, string>> => {
      const hits = await allDocs(server.url, index);
      return new Map(hits.map((h) => [`${String(h._source.region)} ${normal(h._source.window_start)}`, Object.keys(h._source).sort().map((k) => `${k}=${normal(h._source[k])}`).join(' | ')]));
    };
    const [engine, flinkDocs] = [await documents('engine-m-os'), await documents('flink-m-os')];
    assert.equal(engine.size, 6 * 3, 'a document per minute and region');
    assert.deepEqual([...flinkDocs.entries()].sort(), [...engine.entries()].sort());
    // from the input alone: the counts add up to the events the filter keeps; Flink's ids are the key joined by _
    const kept = events.filter((e) => (e.amount as number) > 10 && e.qty !== 4).length;
    const hits = await allDocs(server.url, 'flink-m-os');
    assert.equal(hits.reduce((s, h) => s + Number(h._source.n), 0), kept);
    assert.ok(hits.every((h) => h._id === `${String(h._source.region)}_${String(h._source.window_start)}`), hits.map((h) => h._id).join(', '));
    const mapping = await rest<Record<string, { mappings: { properties: Record<string, { type: string }> } }>>(server.url, 'GET', '/flink-m-os/_mapping');
    assert.equal(mapping['flink-m-os']?.mappings.properties.mean?.type, 'double');
  } finally {
    await server.release();
  }
});
