// The exporter against real Flink 1.20.3: every example pipeline exports to a script Flink plans (EXPLAIN
// of the whole statement set) or says why not, differences are listed on their nodes, and secrets never
// appear in the text.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FieldInfo } from '../format/datasets.ts';
import type { PipelineDoc } from '../format/pipeline.ts';
import { uniqueTopic, useTestBroker } from '../testing/kafka.ts';
import { fieldsOfRows } from './fields.ts';
import { exportFlink } from './export.ts';
import { startFlink } from './testing/shell.ts';
import type { FlinkShell } from './testing/shell.ts';
import type { FlinkProblem } from './problems.ts';

let flink: FlinkShell;
before(async () => {
  flink = await startFlink((line) => console.log(line));
});
after(() => flink.close());

const examples = path.join(import.meta.dirname, '..', '..', 'resources', 'examples');
const load = (file: string): PipelineDoc => JSON.parse(readFileSync(path.join(examples, file), 'utf8')) as PipelineDoc;

test('every example pipeline exports to SQL that Flink 1.20.3 plans, or reports why not', async () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 6);
  for (const file of files) {
    const out = exportFlink(load(file), { lakeDir: '/tmp/streamlake-flink-export/lake', connections: [{ name: 'local', brokers: ['127.0.0.1:9092'] }] });
    const inserts = out.statements.at(-1) ?? '';
    assert.match(inserts, /^(INSERT INTO|EXECUTE STATEMENT SET)/, `${file}: ends with its INSERTs`);
    const plan = await flink.explain(out.statements);
    const sinks = [...plan.matchAll(/Sink\(table=\[([^\]]+)\]/g)].map((m) => m[1]);
    assert.ok(sinks.length >= 1, `${file}: a sink in the plan`);
    // every sink of the plan is append-only, so Iceberg gets plain appends like the engine writes
    const changelog = await flink.explain([...out.statements.slice(0, -1), `EXPLAIN CHANGELOG_MODE ${inserts.replace(/^EXECUTE /, '')}`]);
    const modes = [...changelog.split('== Optimized Execution Plan ==')[0]!.matchAll(/changelogMode=\[([A-Z,]+)\]/g)].map((m) => m[1]);
    assert.ok(modes.every((m) => m === 'I' || m === 'NONE'), `${file}: only inserts (${modes.join(' ')})`);
  }
});

test('what does not carry over is listed on its node, in the result and in the script', () => {
  const out = exportFlink(load('sales-by-region.json'), { lakeDir: '/data/lakes/prod' });
  const on = (node: string): string[] => out.problems.filter((p) => p.node === node).map((p) => `${p.severity}: ${p.message}`);
  assert.match(on('orders').join('\n'), /differs: the built-in generator does not exist in Flink; the job reads topic sales_orders/);
  assert.match(on('orders').join('\n'), /differs: the error port \(to dead\)/);
  assert.match(on('valid').join('\n'), /error port/);
  assert.match(on('per_min').join('\n'), /allowed lateness 30s/);
  assert.match(on('per_min').join('\n'), /late port/);
  assert.match(on('dead').join('\n'), /unsupported: this sink only receives error or late events/);
  assert.match(out.sql, /-- DIFFERS per_min: allowed lateness 30s/);
  // the lake folder is a database of a Hadoop catalog over its parent
  assert.match(out.sql, /'warehouse' = 'file:\/\/\/data\/lakes'/);
  assert.match(out.sql, /CREATE TABLE IF NOT EXISTS streamlake\.prod\.sales_by_region/);
  assert.match(out.sql, /SET 'execution.checkpointing.interval' = '10000 ms'/);
  assert.match(out.sql, /WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND/);
  assert.match(out.sql, /FROM TABLE\(TUMBLE\(TABLE shape, DESCRIPTOR\(event_time\), INTERVAL '1' MINUTE\)\)\nGROUP BY window_start, window_end, region/);
  assert.equal(out.problems.filter((p) => p.severity === 'unsupported').length, 1);
  const session = exportFlink({ ...load('sales-by-region.json'), nodes: load('sales-by-region.json').nodes.map((n) => (n.id === 'per_min' ? { ...n, type: 'window.session', config: { ...n.config, gap: '30s' } } as typeof n : n)) });
  assert.match(session.problems.map((p) => p.message).join('\n'), /merges sessions the engine already emitted, it retracts the old rows/);
  const dedupe = exportFlink(load('user-registrations.json'));
  assert.match(dedupe.problems.filter((p) => p.node === 'unique').map((p) => p.message).join('\n'), /drops an event whose key was seen less than 1d before it/);
  assert.ok(dedupe.placeholders.includes('STREAMLAKE_WAREHOUSE') && dedupe.placeholders.includes('STREAMLAKE_KAFKA_LOCAL_BROKERS'));
});

test('security settings come by reference: a secret never appears in the text, and the script still plans', async () => {
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline', version: 1, name: 'secure',
    nodes: [
      { id: 'in', type: 'source.kafka', config: { connection: 'prod-eu', topics: ['orders'], format: 'json', startFrom: 'earliest' } },
      { id: 'big', type: 'transform.filter', config: { where: "amount > 100 AND region <> 'x'" } },
      { id: 'out', type: 'sink.kafka', config: { connection: 'prod-eu', topic: 'big-orders', key: 'region', format: 'json', headers: { h: 'region' } } },
    ],
    edges: [{ from: 'in', to: 'big' }, { from: 'big', to: 'out' }],
  };
  const secret = 'hunter2-do-not-leak';
  const key = `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----`;
  const connections = [{ name: 'prod-eu', brokers: ['b1:9093', 'b2:9093'], sasl: { mechanism: 'scram-sha-512' as const, username: 'svc', password: secret }, tls: { ca: '/etc/ca.pem', key, cert: key } }];
  const missing = exportFlink(doc, { connections });
  assert.match(missing.problems.map((p) => `${p.node} ${p.severity}: ${p.message}`).join('\n'), /in unsupported: the fields of this topic are not known/);
  const out = exportFlink(doc, { connections, sourceFields: { in: [{ name: 'region', type: 'string' }, { name: 'amount', type: 'double' }] } });
  assert.ok(!out.sql.includes(secret), 'no secret in the script');
  assert.match(out.sql, /'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="svc" password="\$\{STREAMLAKE_KAFKA_PROD_EU_PASSWORD\}";'/);
  assert.match(out.sql, /'properties.security.protocol' = 'SASL_SSL'/);
  assert.match(out.sql, /'properties.ssl.keystore.key' = '\$\{STREAMLAKE_KAFKA_PROD_EU_SSL_KEY\}'/);
  assert.match(out.sql, /'properties.bootstrap.servers' = 'b1:9093,b2:9093'/);
  assert.deepEqual(out.placeholders.sort(), ['STREAMLAKE_KAFKA_PROD_EU_PASSWORD', 'STREAMLAKE_KAFKA_PROD_EU_SSL_CERT', 'STREAMLAKE_KAFKA_PROD_EU_SSL_KEY']);
  assert.match(out.problems.find((p) => p.node === 'out')?.message ?? '', /headers \(h\) are not written/);
  // Flink plans it with the placeholders in place (nothing connects while planning)
  await flink.explain(out.statements);
});

test('user text cannot escape a comment or a string in the script', () => {
  const doc = load('fraud-flags.json');
  const tricky = { ...doc, nodes: doc.nodes.map((n) => (n.id === 'per_5m' ? { ...n, config: { ...n.config, allowedLateness: '1m' } } as typeof n : n.id === 'lake' ? { ...n, config: { table: "x'; DROP TABLE y; --" } } as typeof n : n)) };
  const out = exportFlink(tricky, { lakeDir: '/tmp/l' });
  assert.ok(out.sql.split('\n').filter((l) => l.startsWith('--')).every((l) => !l.includes('\n')));
  assert.match(out.sql, /streamlake\.l\.`x'; DROP TABLE y; --`/);
});

const root = path.join(import.meta.dirname, '..', '..');

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'engine', 'cli', 'bin.js'), ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('fields learned from JSON events are typed as the engine types them', () => {
  const fields = fieldsOfRows([
    { id: 1, amount: 2, t: '2026-01-01T00:00:00.000Z', label: 'a', ok: true, nested: { x: 1 } },
    { id: 2, amount: 2.5, t: '2026-01-01T00:00:01Z', label: '2026-01-01T00:00:00Z', ok: null },
    { id: 3, label: 'b' },
  ]);
  assert.deepEqual(fields, [
    { name: 'id', type: 'long' }, { name: 'amount', type: 'double' }, { name: 't', type: 'timestamp' },
    { name: 'label', type: 'string' }, { name: 'ok', type: 'boolean' }, { name: 'nested', type: 'json' },
  ] satisfies FieldInfo[]);
});

test('streamlake export flink: an example with a Kafka source learns its fields from the topic and Flink plans it', async () => {
  const broker = await useTestBroker();
  const home = mkdtempSync(path.join(tmpdir(), 'streamlake-flink-kafka-'));
  try {
    const topic = uniqueTopic('flink-fields');
    const env = { STREAMLAKE_HOME: home, STREAMLAKE_KAFKA_BROKERS: broker.bootstrap };
    const produced = await cli(['produce', 'sales_orders', '--topic', topic, '--count', '50', '--partitions', '2', '--quiet'], env);
    assert.equal(produced.code, 0, produced.stderr);
    // sales-by-region with its generator replaced by the topic the events went to
    const example = load('sales-by-region.json');
    const doc = { ...example, nodes: example.nodes.map((n) => (n.type === 'source.generator' ? { id: n.id, type: 'source.kafka', config: { connection: 'local', topics: [topic], format: 'json', startFrom: 'earliest' } } : n)) };
    const file = path.join(home, 'kafka-sales.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = await cli(['export', 'flink', file, '--json', '--lake', path.join(home, 'lake')], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { sql: string; statements: string[]; problems: FlinkProblem[] };
    assert.deepEqual(out.problems.filter((p) => p.node === 'orders' && p.severity === 'unsupported'), []);
    assert.match(out.sql, /CREATE TABLE orders \(\n[^]*`?event_time`? TIMESTAMP_LTZ\(3\)[^]*WATERMARK FOR event_time/);
    assert.match(out.sql, new RegExp(`'topic' = '${topic}'`));
    const plan = await flink.explain(out.statements);
    assert.match(plan, /Sink\(table=\[streamlake\.lake\.sales_by_region\]/);

    // An empty topic: left out, saying why.
    const empty = uniqueTopic('flink-empty');
    await cli(['kafka', 'create-topic', empty, '--partitions', '1'], env);
    writeFileSync(file, JSON.stringify({ ...doc, nodes: doc.nodes.map((n) => (n.type === 'source.kafka' ? { ...n, config: { ...n.config, topics: [empty] } } : n)) }));
    const none = await cli(['export', 'flink', file, '--json'], env);
    const problems = (JSON.parse(none.stdout) as { problems: FlinkProblem[] }).problems;
    assert.match(problems.find((p) => p.node === 'orders' && p.severity === 'unsupported')?.message ?? '', new RegExp(`not known \\(no JSON events on ${empty} to learn the fields from yet\\)`));
  } finally {
    await broker.release();
    rmSync(home, { recursive: true, force: true });
  }
});

test('sink.postgres becomes a JDBC table Flink plans: windowed input upserts on the window key, the rest appends; unknown sinks are named', async () => {
  const example = load('sales-by-region.json');
  const nodes = [
    ...example.nodes.filter((n) => n.id !== 'lake' && n.id !== 'dead'),
    { id: 'pg', type: 'sink.postgres', config: { connection: 'reporting', table: 'public.sales_by_region' } },
    { id: 'raw_pg', type: 'sink.postgres', config: { connection: 'elsewhere', table: 'orders' } },
    { id: 'ch', type: 'sink.clickhouse', config: { connection: 'analytics', table: 'sales' } },
    { id: 'other', type: 'sink.webhook', config: { url: 'http://x' } },
  ] as PipelineDoc['nodes'];
  const edges = [...example.edges.filter((e) => e.to !== 'lake' && e.to !== 'dead' && e.port === undefined), { from: 'per_min', to: 'pg' }, { from: 'valid', to: 'raw_pg' }, { from: 'per_min', to: 'ch' }, { from: 'per_min', to: 'other' }];
  const secret = 'pg-pass-never-written';
  const out = exportFlink({ ...example, nodes, edges }, {
    lakeDir: '/tmp/streamlake-flink-export/lake', connections: [{ name: 'local', brokers: ['127.0.0.1:9092'] }],
    postgresConnections: [{ name: 'reporting', host: 'db.internal', port: 5433, database: 'metrics', user: 'writer', password: secret, tls: 'verify-full', ca: '/etc/pg/ca.pem' }],
  });
  assert.ok(!out.sql.includes(secret));
  assert.match(out.sql, /CREATE TABLE pg \([^]*PRIMARY KEY \(region, window_start\) NOT ENFORCED\n\) WITH \(\n  'connector' = 'jdbc',\n  'url' = 'jdbc:postgresql:\/\/db\.internal:5433\/metrics\?stringtype=unspecified&sslmode=verify-full&sslrootcert=%2Fetc%2Fpg%2Fca\.pem',\n  'table-name' = 'public\.sales_by_region',\n  'username' = 'writer',\n  'password' = '\$\{STREAMLAKE_POSTGRES_REPORTING_PASSWORD\}'/);
  const rawTable = /CREATE TABLE raw_pg \(([^]*?)\) WITH/.exec(out.sql)?.[1] ?? '';
  assert.doesNotMatch(rawTable, /PRIMARY KEY/, 'a filter feeds it: appends');
  assert.match(out.sql, /'url' = 'jdbc:postgresql:\/\/\$\{STREAMLAKE_POSTGRES_ELSEWHERE_HOST\}\/\$\{STREAMLAKE_POSTGRES_ELSEWHERE_DATABASE\}\?stringtype=unspecified'/);
  assert.deepEqual(out.placeholders.filter((p) => p.startsWith('STREAMLAKE_POSTGRES')).sort(), ['STREAMLAKE_POSTGRES_ELSEWHERE_DATABASE', 'STREAMLAKE_POSTGRES_ELSEWHERE_HOST', 'STREAMLAKE_POSTGRES_ELSEWHERE_PASSWORD', 'STREAMLAKE_POSTGRES_ELSEWHERE_USER', 'STREAMLAKE_POSTGRES_REPORTING_PASSWORD']);
  const pg = out.problems.find((p) => p.node === 'pg');
  assert.equal(pg?.severity, 'differs');
  assert.match(pg?.flink ?? '', /^CREATE TABLE IF NOT EXISTS "public"\."sales_by_region" \("region" text, "window_start" timestamptz, "window_end" timestamptz, "orders" bigint, "revenue" double precision, [^]*PRIMARY KEY \("region", "window_start"\)\)$/);
  const ch = out.problems.find((p) => p.node === 'ch');
  assert.equal(ch?.severity, 'unsupported');
  assert.match(ch?.message ?? '', /no official Flink SQL connector for ClickHouse/);
  assert.match(ch?.flink ?? '', /ENGINE = Kafka/);
  assert.deepEqual(out.problems.filter((p) => p.node === 'other').map((p) => [p.severity, p.message]), [['unsupported', 'not exportable: sink.webhook has no Flink mapping']]);
  assert.match(out.sql, /-- PostgreSQL sinks need org\.apache\.flink:flink-connector-jdbc:3\.3\.0-1\.20/);
  // Flink plans both JDBC sinks (placeholders in place: nothing connects while planning), upsert and append
  const inserts = out.statements.at(-1) ?? '';
  const changelog = await flink.explain([...out.statements.slice(0, -1), `EXPLAIN CHANGELOG_MODE ${inserts.replace(/^EXECUTE /, '')}`]);
  assert.match(changelog, /Sink\(table=\[default_catalog\.default_database\.pg\], fields=\[region, window_start, window_end, orders/);
  assert.match(changelog, /Sink\(table=\[default_catalog\.default_database\.raw_pg\]/);
});

test('sink.opensearch becomes an OpenSearch 2 table Flink plans: window key or id column as the document id, otherwise appends said to be not idempotent', async () => {
  const example = load('sales-by-region.json');
  const nodes = [
    ...example.nodes.filter((n) => n.id !== 'lake' && n.id !== 'dead'),
    { id: 'os', type: 'sink.opensearch', config: { connection: 'search', index: 'sales-by-region', refresh: 'wait_for', retries: 3 } },
    { id: 'os_id', type: 'sink.opensearch', config: { connection: 'search', index: 'orders', id: 'order_id' } },
    { id: 'os_raw', type: 'sink.opensearch', config: { connection: 'elsewhere', index: 'orders-raw', id: "region || '/' || order_id" } },
  ] as PipelineDoc['nodes'];
  const edges = [...example.edges.filter((e) => e.to !== 'lake' && e.to !== 'dead' && e.port === undefined), { from: 'per_min', to: 'os' }, { from: 'valid', to: 'os_id' }, { from: 'valid', to: 'os_raw' }];
  const secret = 'os-pass-never-written';
  const out = exportFlink({ ...example, nodes, edges }, {
    lakeDir: '/tmp/streamlake-flink-export/lake', connections: [{ name: 'local', brokers: ['127.0.0.1:9092'] }],
    openSearchConnections: [{ name: 'search', url: 'https://search.internal:9200', user: 'writer', password: secret, tlsInsecure: true }],
  });
  assert.ok(!out.sql.includes(secret));
  assert.match(out.sql, /CREATE TABLE os \([^]*`?window_start`? STRING[^]*PRIMARY KEY \(region, window_start\) NOT ENFORCED\n\) WITH \(\n  'connector' = 'opensearch-2',\n  'hosts' = 'https:\/\/search\.internal:9200',\n  'username' = 'writer',\n  'password' = '\$\{STREAMLAKE_OPENSEARCH_SEARCH_PASSWORD\}',\n  'allow-insecure' = 'true',\n  'index' = 'sales-by-region'/);
  assert.match(out.sql, /'sink.bulk-flush.backoff.max-retries' = '3'/);
  assert.match(out.sql, /CREATE TABLE os_id \([^]*PRIMARY KEY \(order_id\) NOT ENFORCED/);
  const raw = /CREATE TABLE os_raw \(([^]*?)\) WITH \(([^]*?)\);/.exec(out.sql);
  assert.doesNotMatch(raw?.[1] ?? '', /PRIMARY KEY/, 'an id expression that is not a column: appends');
  assert.match(raw?.[2] ?? '', /'hosts' = '\$\{STREAMLAKE_OPENSEARCH_ELSEWHERE_URL\}'/);
  assert.deepEqual(out.placeholders.filter((p) => p.startsWith('STREAMLAKE_OPENSEARCH')).sort(), ['STREAMLAKE_OPENSEARCH_ELSEWHERE_PASSWORD', 'STREAMLAKE_OPENSEARCH_ELSEWHERE_URL', 'STREAMLAKE_OPENSEARCH_ELSEWHERE_USER', 'STREAMLAKE_OPENSEARCH_SEARCH_PASSWORD']);
  const on = (node: string): string => out.problems.filter((p) => p.node === node).map((p) => `${p.severity}: ${p.message} => ${p.flink}`).join('\n');
  assert.match(on('os'), /differs: refresh wait_for: the connector has no refresh option/);
  assert.match(on('os'), /document ids are the key values joined by "_"/);
  assert.match(on('os'), /PUT \/sales-by-region \{"mappings":\{"properties":\{"region":\{"type":"text","fields":\{"keyword":\{"type":"keyword","ignore_above":256\}\}\},"window_start":\{"type":"date"/);
  assert.match(on('os_raw'), /differs: the id expression region \|\| '\/' \|\| order_id is not a text or integer column[^]*appends with ids OpenSearch generates, and a replay after a failure indexes the same rows again/);
  assert.match(out.sql, /-- OpenSearch sinks also need org\.apache\.flink:flink-connector-opensearch2:2\.0\.0-1\.19/);
  // Flink 1.20.3 plans the connector built for 1.19: upserts on the keyed tables, appends on the other.
  // It parses hosts while planning, so the unknown connection's URL is substituted first.
  const statements = out.statements.map((s) => s.replaceAll('${STREAMLAKE_OPENSEARCH_ELSEWHERE_URL}', 'http://127.0.0.1:9200'));
  const inserts = statements.at(-1) ?? '';
  const changelog = await flink.explain([...statements.slice(0, -1), `EXPLAIN CHANGELOG_MODE ${inserts.replace(/^EXECUTE /, '')}`]);
  assert.match(changelog, /Sink\(table=\[default_catalog\.default_database\.os\], fields=\[region, window_start, window_end, orders/);
  assert.match(changelog, /Sink\(table=\[default_catalog\.default_database\.os_id\]/);
  assert.match(changelog, /Sink\(table=\[default_catalog\.default_database\.os_raw\]/);
});

test('sink.cassandra is not exportable (the Cassandra connector has no SQL factory) and says what comes nearest', () => {
  const example = load('sales-by-region.json');
  // The node type lands on another branch; the exporter keys on the type string, so it is covered already.
  const nodes = [...example.nodes.filter((n) => n.id !== 'dead'), { id: 'cass', type: 'sink.cassandra', config: { connection: 'ring', keyspace: 'shop', table: 'sales' } }] as PipelineDoc['nodes'];
  const edges = [...example.edges.filter((e) => e.to !== 'dead' && e.port === undefined), { from: 'per_min', to: 'cass' }];
  const out = exportFlink({ ...example, nodes, edges }, { lakeDir: '/tmp/l' });
  const cass = out.problems.filter((p) => p.node === 'cass');
  assert.equal(cass.length, 1);
  assert.equal(cass[0]?.severity, 'unsupported');
  assert.match(cass[0]?.message ?? '', /^not exportable: Flink's Cassandra connector \(org\.apache\.flink:flink-connector-cassandra_2\.12:3\.0\.0-1\.16, the newest\) has no SQL table factory, only a DataStream sink$/);
  assert.match(cass[0]?.flink ?? '', /CassandraSink[^]*INSERT INTO sales[^]*Kafka sink/);
  assert.match(out.sql, /-- NOT EXPORTED cass: not exportable: Flink's Cassandra connector/);
  assert.doesNotMatch(out.sql, /CREATE TABLE cass/);
});
