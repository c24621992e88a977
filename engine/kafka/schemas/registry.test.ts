// Avro, Protobuf and JSON Schema against a real Apicurio Registry and the real broker: round trips between
// our sink and source, the independent Confluent client (@kafkajs/confluent-schema-registry) in both
// directions, subject naming strategies and chosen subjects, BACKWARD compatibility enforced by the
// registry through a running pipeline, schema evolution into the lake, and topic peek.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import protobuf from 'protobufjs';
import type { KafkaSinkConfig, KafkaSourceConfig, PipelineDoc } from '../../format/pipeline.ts';
import { openLake, readRows } from '../../lake/index.ts';
import '../../nodes/index.ts';
import { createRun } from '../../runtime/run.ts';
import type { Row } from '../../runtime/types.ts';
import { collect, testContext, uniqueTopic, useTestBroker, type TestBroker } from '../../testing/kafka.ts';
import { useTestRegistry, type TestRegistry } from '../../testing/registry.ts';
import { TopicBrowser } from '../browser.ts';
import type { ConnectionConfig } from '../connections.ts';
import { kafkaClient } from '../connections.ts';
import { KafkaSink } from '../sink.ts';
import { KafkaSource } from '../source.ts';

let broker: TestBroker;
let registry: TestRegistry;
let local: ConnectionConfig;
let confluent: SchemaRegistry;

before(async () => {
  broker = await useTestBroker();
  registry = await useTestRegistry();
  local = { name: 'local', brokers: [broker.bootstrap], schemaRegistry: { url: registry.url } };
  // ajv (inside the client) knows no "date-time" format by itself; validating it is not what is tested here.
  confluent = new SchemaRegistry({ host: registry.url }, { [SchemaType.JSON]: { strict: false, validateFormats: false } });
});
after(async () => {
  await registry.release();
  await broker.release();
});

type Format = 'avro' | 'protobuf' | 'json-schema';
const formats: Format[] = ['avro', 'protobuf', 'json-schema'];

async function createTopic(topic: string): Promise<void> {
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

// Format tests write without checkpoints, so rows must be visible as sent: at-least-once (an exactly-once
// sink aborts at close whatever no checkpoint committed).
async function write(topic: string, rows: Row[], config: Partial<KafkaSinkConfig> & Pick<KafkaSinkConfig, 'format'>): Promise<void> {
  const sink = new KafkaSink('out', { connection: 'local', topic, delivery: 'at-least-once', ...config }, local, testContext('out'));
  await sink.write({ rows, partition: 'test/0' });
  await sink.close();
}

function read(topic: string, format: KafkaSourceConfig['format']): ReturnType<typeof collect> {
  return collect(new KafkaSource('in', { connection: 'local', topics: [topic], group: uniqueTopic('g'), startFrom: 'earliest', format }, local, testContext('in'), { stopAtEnd: true }));
}

async function produceRaw(topic: string, values: Buffer[]): Promise<void> {
  const producer = kafkaClient(local).producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

async function rest(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(registry.url + path, { method: init.method ?? 'GET', headers: { 'content-type': 'application/json' }, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, body: await response.json() as unknown };
}

const sample: Row[] = Array.from({ length: 12 }, (_, i) => ({
  order_id: `o-${i}`, qty: i * 1000, price: i + 0.25, paid: i % 2 === 0, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i, 5)), note: i % 4 === 3 ? null : `n${i}`,
}));

test('round trip in each format between our sink and our source, with the schema registered as <topic>-value', async () => {
  for (const format of formats) {
    const topic = uniqueTopic(`rt-${format}`);
    await createTopic(topic);
    await write(topic, sample, { format });
    const { out, error } = await read(topic, format);
    assert.equal(error.length, 0, `${format}: ${JSON.stringify(error[0])}`);
    assert.equal(out.length, sample.length, format);
    out.forEach((row, i) => {
      for (const [k, v] of Object.entries(sample[i]!)) assert.deepEqual(row[k], v, `${format} ${k} of row ${i}`);
    });
    const latest = await rest(`/subjects/${topic}-value/versions/latest`);
    assert.equal(latest.status, 200, format);
    assert.equal((latest.body as { schemaType?: string }).schemaType ?? 'AVRO', { avro: 'AVRO', protobuf: 'PROTOBUF', 'json-schema': 'JSON' }[format]);
  }
});

test('the independent Confluent client reads what our sink wrote, in each format', async () => {
  for (const format of formats) {
    const topic = uniqueTopic(`ours-${format}`);
    await createTopic(topic);
    // The client parses a .proto without google/protobuf/timestamp.proto (Confluent's registry supplies the
    // well-known imports, the client does not), so its Protobuf rows carry the time as epoch millis.
    const rows = format === 'protobuf' ? sample.map((r) => ({ ...r, at: (r.at as Date).getTime() })) : sample;
    await write(topic, rows, { format });
    const raw = await read(topic, 'bytes');
    const decoded = await Promise.all(raw.out.map((r) => confluent.decode(Buffer.from(r.value as Uint8Array)) as Promise<Record<string, unknown>>));
    assert.equal(decoded.length, sample.length, format);
    decoded.forEach((value, i) => {
      const want = sample[i]!;
      // protobufjs, inside the client, names fields in camelCase (order_id → orderId).
      const d = Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
      assert.equal(d.order_id, want.order_id, format);
      assert.equal(Number(d.qty), want.qty, format);
      assert.equal(d.price, want.price, format);
      assert.equal(d.paid, want.paid, format);
      // Avro: timestamp-millis as a long; Protobuf: a google.protobuf.Timestamp; JSON: ISO text.
      const at = d.at as number | string | { seconds: unknown; nanos: number };
      const ms = typeof at === 'string' ? Date.parse(at) : typeof at === 'number' ? at : 'low' in at ? Number(String(at)) : Number(String(at.seconds)) * 1000 + at.nanos / 1e6;
      assert.equal(ms, (want.at as Date).getTime(), format);
      assert.equal(d.note ?? null, want.note, format);
    });
  }
});

test('our source reads what the independent Confluent client wrote, in each format', async () => {
  const readings = [1, 2, 3].map((n) => ({ sensor: `s${n}`, value: n / 2, count: n * 10 }));
  const schemas = {
    avro: JSON.stringify({ type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'double' }, { name: 'count', type: 'long' }] }),
    protobuf: 'syntax = "proto3";\npackage lab;\nmessage Reading { string sensor = 1; double value = 2; int64 count = 3; }\n',
    'json-schema': JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'Reading', type: 'object', properties: { sensor: { type: 'string' }, value: { type: 'number' }, count: { type: 'integer' } }, required: ['sensor'] }),
  };
  const types = { avro: SchemaType.AVRO, protobuf: SchemaType.PROTOBUF, 'json-schema': SchemaType.JSON } as const;
  for (const format of formats) {
    const topic = uniqueTopic(`theirs-${format}`);
    await createTopic(topic);
    const { id } = await confluent.register({ type: types[format], schema: schemas[format] }, { subject: `${topic}-value` });
    await produceRaw(topic, await Promise.all(readings.map((r) => confluent.encode(id, r))));
    const { out, error } = await read(topic, format);
    assert.equal(error.length, 0, `${format}: ${JSON.stringify(error[0])}`);
    assert.deepEqual(out.map((r) => [r.sensor, r.value, r.count]), readings.map((r) => [r.sensor, r.value, r.count]), format);
  }
});

test('Protobuf message indexes: the second message of a file, framed as the Confluent serializers do', async () => {
  const text = 'syntax = "proto3";\nmessage Order { string id = 1; }\nmessage Refund { string order_id = 1; double amount = 2; }\n';
  const topic = uniqueTopic('proto-index');
  await createTopic(topic);
  const { id } = await confluent.register({ type: SchemaType.PROTOBUF, schema: text }, { subject: `${topic}-value` });
  const Refund = protobuf.parse(text, { keepCase: true }).root.lookupType('Refund');
  const body = Buffer.from(Refund.encode(Refund.fromObject({ order_id: 'o-7', amount: 12.5 })).finish());
  const head = Buffer.from([0, 0, 0, 0, 0, 0x02, 0x02]); // magic, schema id, then indexes [1]: count 1, index 1 (zigzag)
  head.writeUInt32BE(id, 1);
  await produceRaw(topic, [Buffer.concat([head, body]), Buffer.from([0, 0xff, 0xff, 0xff, 0x00, 1])]);
  const { out, error } = await read(topic, 'protobuf');
  assert.deepEqual(out.map((r) => ({ order_id: r.order_id, amount: r.amount })), [{ order_id: 'o-7', amount: 12.5 }]);
  assert.match(String(error[0]?.reason), /unknown schema id/);
  // The wrong format for the schema goes to the error port, named.
  const asAvro = await read(topic, 'avro');
  assert.match(String(asAvro.error[0]?.reason), /is a Protobuf schema, not an Avro one/);
});

test('subject naming strategies, and writing with a chosen subject and version', async () => {
  const topic = uniqueTopic('strategies');
  await createTopic(topic);
  await write(topic, sample.slice(0, 2), { format: 'protobuf', subjectStrategy: 'record', recordName: 'com.acme.Order' });
  await write(topic, sample.slice(0, 2), { format: 'json-schema', subjectStrategy: 'topic-record', recordName: 'com.acme.Refund' });
  const subjects = (await rest('/subjects')).body as string[];
  assert.ok(subjects.includes('com.acme.Order'), JSON.stringify(subjects));
  assert.ok(subjects.includes(`${topic}-com.acme.Refund`), JSON.stringify(subjects));
  assert.ok(!subjects.includes(`${topic}-value`));

  const subject = uniqueTopic('chosen');
  const v1 = await confluent.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'Slim', fields: [{ name: 'order_id', type: 'string' }, { name: 'qty', type: 'long' }] }) }, { subject });
  await confluent.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'Slim', fields: [{ name: 'order_id', type: 'string' }, { name: 'qty', type: 'long' }, { name: 'paid', type: ['null', 'boolean'], default: null }] }) }, { subject });
  const chosen = uniqueTopic('chosen');
  await createTopic(chosen);
  await write(chosen, sample.slice(0, 3), { format: 'avro', subject, schemaVersion: 1 });
  const raw = await read(chosen, 'bytes');
  for (const [i, r] of raw.out.entries()) {
    const value = Buffer.from(r.value as Uint8Array);
    assert.equal(value.readUInt32BE(1), v1.id);
    assert.deepEqual({ ...await confluent.decode(value) as Row }, { order_id: `o-${i}`, qty: i * 1000 });
  }
  assert.ok(!((await rest('/subjects')).body as string[]).includes(`${chosen}-value`), 'a chosen subject registers nothing');
});

function filePipeline(name: string, file: string, topic: string, select: Record<string, string>): PipelineDoc {
  return {
    format: 'streamlake.pipeline', version: 1, name,
    nodes: [
      { id: 'in', type: 'source.file', config: { path: file, format: 'jsonl' } },
      { id: 'shape', type: 'transform.map', config: { select } },
      { id: 'out', type: 'sink.kafka', config: { connection: 'local', topic, format: 'avro' } },
    ],
    edges: [{ from: 'in', to: 'shape' }, { from: 'shape', to: 'out' }],
  };
}

test('BACKWARD subject: an added optional field is accepted, a changed type fails the sink with the registry\'s reason naming the field', async () => {
  const topic = uniqueTopic('compat');
  await createTopic(topic);
  const dir = mkdtempSync(join(tmpdir(), 'streamlake-compat-'));
  const file = join(dir, 'events.jsonl');
  writeFileSync(file, [1, 2, 3].map((n) => JSON.stringify({ id: n, name: `user${n}`, email: `u${n}@example.com` })).join('\n') + '\n');
  assert.equal((await rest(`/config/${topic}-value`, { method: 'PUT', body: { compatibility: 'BACKWARD' } })).status, 200);
  const runWith = (select: Record<string, string>) => createRun(filePipeline('compat', file, topic, select), {
    lakeDir: dir, homeDir: dir, nodes: { 'sink.kafka': { kind: 'sink', create: (spec, ctx) => new KafkaSink(spec.id, spec.config as KafkaSinkConfig, local, ctx) } },
  }).start();

  const first = await runWith({ id: 'id', name: 'name' });
  assert.equal(first.status, 'finished', JSON.stringify(first.error));
  const added = await runWith({ id: 'id', name: 'name', email: 'email' });
  assert.equal(added.status, 'finished', JSON.stringify(added.error));
  assert.deepEqual((await rest(`/subjects/${topic}-value/versions`)).body, [1, 2]);

  const changed = await runWith({ id: "concat('x', id)", name: 'name', email: 'email' });
  assert.equal(changed.status, 'failed');
  const message = JSON.stringify(changed.error);
  assert.match(message, /incompatible/i);
  assert.match(message, /LONG/);
  assert.match(message, /field \\"id\\"/);
  assert.deepEqual((await rest(`/subjects/${topic}-value/versions`)).body, [1, 2], 'nothing registered');
  // The accepted evolution is what readers see: rows of both versions, the old ones without email.
  const { out } = await read(topic, 'avro');
  assert.deepEqual(out.map((r) => [r.id, r.email ?? null]), [[1, null], [2, null], [3, null], [1, 'u1@example.com'], [2, 'u2@example.com'], [3, 'u3@example.com']]);
});

test('schema evolution flows into the lake: a new optional field in the topic\'s schema becomes a new column', async () => {
  const topic = uniqueTopic('evolve');
  await createTopic(topic);
  const subject = `${topic}-value`;
  await rest(`/config/${subject}`, { method: 'PUT', body: { compatibility: 'BACKWARD' } });
  const v1 = await confluent.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'Signup', fields: [{ name: 'user', type: 'string' }, { name: 'age', type: 'int' }] }) }, { subject });
  const v2 = await confluent.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'Signup', fields: [{ name: 'user', type: 'string' }, { name: 'age', type: 'int' }, { name: 'country', type: ['null', 'string'], default: null }] }) }, { subject });
  assert.notEqual(v1.id, v2.id);
  const before = [{ user: 'ann', age: 31 }, { user: 'bob', age: 42 }];
  const later = [{ user: 'cat', age: 23, country: 'NO' }, { user: 'dan', age: 57, country: null }];
  await produceRaw(topic, [...await Promise.all(before.map((r) => confluent.encode(v1.id, r))), ...await Promise.all(later.map((r) => confluent.encode(v2.id, r)))]);

  const lakeDir = mkdtempSync(join(tmpdir(), 'streamlake-evolve-'));
  const run = createRun({
    format: 'streamlake.pipeline', version: 1, name: 'evolve',
    nodes: [
      { id: 'in', type: 'source.kafka', config: { connection: 'local', topics: [topic], format: 'avro', startFrom: 'earliest' } },
      { id: 'out', type: 'sink.lake', config: { table: 'signups' } },
    ],
    edges: [{ from: 'in', to: 'out' }],
  }, { lakeDir, homeDir: lakeDir, nodes: { 'source.kafka': { kind: 'source', create: (spec, ctx) => new KafkaSource(spec.id, spec.config as KafkaSourceConfig, local, ctx, { stopAtEnd: true }) } } });
  const summary = await run.start();
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  const table = await openLake(lakeDir).table('signups');
  assert.ok(table.schema().fields.some((f) => f.name === 'country'), 'country column');
  const rows = (await readRows(table)).map((r) => [r.user, r.age, r.country ?? null]).sort();
  assert.deepEqual(rows, [...before, ...later].map((r) => [r.user, r.age, 'country' in r ? r.country : null]).sort());
});

test('topic peek decodes each registry format', async () => {
  const browser = new TopicBrowser(local);
  for (const format of formats) {
    const topic = uniqueTopic(`peek-${format}`);
    await createTopic(topic);
    await write(topic, sample.slice(0, 3), { format });
    const peeked = await browser.peek({ topic, partition: 0, offset: 0, limit: 3, format });
    assert.deepEqual(peeked.map((m) => (m.value as Row | undefined)?.order_id), ['o-0', 'o-1', 'o-2'], `${format}: ${peeked[0]?.error}`);
  }
  const noRegistry = new TopicBrowser({ name: 'plain', brokers: local.brokers });
  const topic = uniqueTopic('peek-plain');
  await createTopic(topic);
  await write(topic, sample.slice(0, 1), { format: 'protobuf' });
  assert.match(String((await noRegistry.peek({ topic, partition: 0, offset: 0, format: 'protobuf' }))[0]?.error), /protobuf needs a schema registry/);
  await noRegistry.close();
  await browser.close();
});
