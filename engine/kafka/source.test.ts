// source.kafka and sink.kafka against the real broker: every format round trip, messages written by kcat
// (an independent librdkafka client) with keys, headers, nulls and every codec, malformed input to the
// error port, start positions, exactly-once restore, a rebalance and the SASL_SSL path.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { KafkaSourceConfig } from '../format/pipeline.ts';
import { validatePipeline } from '../format/pipeline.ts';
import { openLake, readRows } from '../lake/index.ts';
import '../nodes/index.ts';
import { createRun } from '../runtime/run.ts';
import type { Row } from '../runtime/types.ts';
import { collect, testContext, uniqueTopic, useTestBroker, type TestBroker } from '../testing/kafka.ts';
import { useTestRegistry, type TestRegistry } from '../testing/registry.ts';
import { kcat } from '../testing/kcat.ts';
import type { CompressionName } from './codecs.ts';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient } from './connections.ts';
import { KafkaSink } from './sink.ts';
import { KafkaSource, type KafkaSourceOptions } from './source.ts';

let broker: TestBroker;
let local: ConnectionConfig;
let registry: TestRegistry;

before(async () => {
  broker = await useTestBroker();
  registry = await useTestRegistry();
  local = { name: 'local', brokers: [broker.bootstrap], schemaRegistry: { url: registry.url } };
});
after(async () => {
  await registry.release();
  await broker.release();
});

async function createTopic(topic: string, partitions = 1): Promise<void> {
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

function source(config: Partial<KafkaSourceConfig> & Pick<KafkaSourceConfig, 'format'>, options: KafkaSourceOptions = { stopAtEnd: true }, connection = local, id = 'kafka'): KafkaSource {
  return new KafkaSource(id, { connection: connection.name, group: uniqueTopic('g'), startFrom: 'earliest', ...config }, connection, testContext(id), options);
}

async function sink(topic: string, format: 'json' | 'avro', rows: Row[], extra: { key?: string; headers?: Record<string, string>; compression?: CompressionName } = {}): Promise<void> {
  const s = new KafkaSink('out', { connection: 'local', topic, format, key: extra.key, headers: extra.headers, delivery: 'at-least-once' }, local, testContext('out'), { compression: extra.compression });
  await s.write({ rows, partition: 'test/0' });
  await s.close();
}

function kcatProduce(topic: string, input: string, args: string[]): void {
  kcat(['-P', '-b', broker.bootstrap, '-t', topic, ...args], { input });
}

const sample: Row[] = Array.from({ length: 20 }, (_, i) => ({
  order_id: `o-${i}`, amount: i * 1.5, qty: i, paid: i % 2 === 0, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), note: i === 3 ? null : `n${i}`,
}));

test('JSON round trip through sink.kafka and source.kafka, with key, headers and metadata fields', async () => {
  const topic = uniqueTopic('json');
  await createTopic(topic);
  await sink(topic, 'json', sample, { key: 'order_id', headers: { origin: "'test'", qty: 'qty' } });
  const { out, error } = await collect(source({ topics: [topic], format: 'json' }));
  assert.equal(error.length, 0);
  assert.equal(out.length, sample.length);
  out.forEach((row, i) => {
    const want = sample[i]!;
    for (const [k, v] of Object.entries(want)) assert.deepEqual(row[k], v, `${k} of row ${i}`);
    assert.equal(row._key, want.order_id);
    assert.deepEqual(JSON.parse(row._headers as string), { origin: 'test', qty: String(want.qty) });
    assert.equal(row._topic, topic);
    assert.equal(row._partition, 0);
    assert.equal(row._offset, i);
    assert.ok(row._timestamp instanceof Date);
  });
});

test('Avro round trip through the registry, readable by the independent Confluent client both ways', async () => {
  const topic = uniqueTopic('avro');
  await createTopic(topic);
  await sink(topic, 'avro', sample);
  const { out, error } = await collect(source({ topics: [topic], format: 'avro' }));
  assert.equal(error.length, 0, JSON.stringify(error[0]));
  assert.equal(out.length, sample.length);
  for (const [k, v] of Object.entries(sample[5]!)) assert.deepEqual(out[5]![k], v, k);

  // Messages our sink wrote decode with the independent client...
  const confluent = new SchemaRegistry({ host: registry.url });
  const peek = await collect(source({ topics: [topic], format: 'bytes' }));
  const decoded = await confluent.decode(Buffer.from(peek.out[5]!.value as Uint8Array)) as Row;
  assert.equal(decoded.order_id, 'o-5');
  // ...and messages it encodes decode in our source.
  const topic2 = uniqueTopic('avro-confluent');
  await createTopic(topic2);
  const { id } = await confluent.register({ type: SchemaType.AVRO, schema: JSON.stringify({
    type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'double' }, { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } }],
  }) }, { subject: `${topic2}-value` });
  const producer = kafkaClient(local).producer();
  await producer.connect();
  await producer.send({ topic: topic2, messages: await Promise.all([1, 2, 3].map(async (n) => ({ value: await confluent.encode(id, { sensor: `s${n}`, value: n / 2, ts: 1767225600000 + n }) }))) });
  await producer.disconnect();
  const got = await collect(source({ topics: [topic2], format: 'avro' }));
  assert.deepEqual(got.out.map((r) => [r.sensor, r.value, (r.ts as Date).getTime()]), [['s1', 0.5, 1767225600001], ['s2', 1, 1767225600002], ['s3', 1.5, 1767225600003]]);
});

test('kcat messages with keys, headers and null values, in every compression codec', async () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const topic = uniqueTopic(`kcat-${codec}`);
    await createTopic(topic);
    const lines = Array.from({ length: 200 }, (_, i) => (i % 50 === 7 ? `k${i}|` : `k${i}|{"n":${i},"s":"${'x'.repeat(i % 30)}"}`)).join('\n') + '\n';
    kcatProduce(topic, lines, ['-z', codec, '-K', '|', '-Z', '-H', 'source=kcat', '-H', `codec=${codec}`]);
    const { out, error } = await collect(source({ topics: [topic], format: 'json' }));
    assert.equal(error.length, 0, `${codec}: ${JSON.stringify(error[0])}`);
    assert.equal(out.length, 200, codec);
    out.forEach((row, i) => {
      assert.equal(row._key, `k${i}`, codec);
      assert.deepEqual(JSON.parse(row._headers as string), { source: 'kcat', codec }, codec);
      if (i % 50 === 7) assert.equal(row.n, undefined, `${codec}: null value at ${i} has no fields`);
      else assert.equal(row.n, i, codec);
    });
  }
});

test('our producer compresses with every codec in a form kcat reads', async () => {
  // Enough rows that one produce request spans several 64 KiB LZ4 blocks.
  const many = Array.from({ length: 3000 }, (_, i) => ({ order_id: `o-${i}`, pad: 'y'.repeat(i % 40), r: Math.sin(i) }));
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const topic = uniqueTopic(`ours-${codec}`);
    await createTopic(topic);
    await sink(topic, 'json', many, { compression: codec });
    const lines = kcat(['-C', '-b', broker.bootstrap, '-t', topic, '-e', '-q', '-f', '%s\n']).trim().split('\n');
    assert.equal(lines.length, many.length, codec);
    assert.equal((JSON.parse(lines[2999]!) as Row).order_id, 'o-2999', codec);
    const ours = await collect(source({ topics: [topic], format: 'json' }));
    assert.equal(ours.out.length, many.length, codec);
  }
});

test('csv, string and bytes formats', async () => {
  const topic = uniqueTopic('text');
  await createTopic(topic);
  kcatProduce(topic, 'a1,12.5,"x, ""quoted"""\na2,7,plain\n', []);
  const csv = await collect(source({ topics: [topic], format: 'csv', columns: ['id', 'amount', 'label'] }));
  assert.deepEqual(csv.out.map((r) => [r.id, r.amount, r.label]), [['a1', 12.5, 'x, "quoted"'], ['a2', 7, 'plain']]);
  const str = await collect(source({ topics: [topic], format: 'string' }));
  assert.deepEqual(str.out.map((r) => r.value), ['a1,12.5,"x, ""quoted"""', 'a2,7,plain']);
  const bytes = await collect(source({ topics: [topic], format: 'bytes' }));
  assert.deepEqual(Buffer.from(bytes.out[1]!.value as Uint8Array).toString(), 'a2,7,plain');
});

test('malformed messages go to the error port with their position; good ones still flow', async () => {
  const topic = uniqueTopic('bad');
  await createTopic(topic);
  const producer = kafkaClient(local).producer();
  await producer.connect();
  const values: (Buffer | string)[] = [
    '{"ok":1}', '{"broken":', '[1,2]', '42', Buffer.from([0xff, 0xfe, 0x00, 0x81]), 'x'.repeat(5000), '{"ok":2}',
  ];
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  // Avro-specific garbage: unknown schema id and a truncated payload.
  const confluent = new SchemaRegistry({ host: registry.url });
  const { id } = await confluent.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'T', fields: [{ name: 's', type: 'string' }, { name: 'n', type: 'long' }] }) }, { subject: `${topic}-avro` });
  const good = await confluent.encode(id, { s: 'hello world', n: 123456789 });
  const avroTopic = uniqueTopic('bad-avro');
  await createTopic(avroTopic);
  const unknown = Buffer.from(good);
  unknown.writeUInt32BE(99999, 1);
  await producer.send({ topic: avroTopic, messages: [good, unknown, good.subarray(0, good.length - 4), Buffer.from('plain text'), good].map((value) => ({ value })) });
  await producer.disconnect();

  // The limit and the drain come from the pipeline config, as a saved pipeline gives them.
  const json = await collect(source({ topics: [topic], format: 'json', stopAtEnd: true, maxMessageBytes: 4096 }, {}));
  assert.deepEqual(json.out.map((r) => r.ok), [1, 2]);
  assert.deepEqual(json.error.map((e) => (e.source as Row).offset), [1, 2, 3, 4, 5]);
  const reasons = json.error.map((e) => String(e.reason));
  assert.match(reasons[0]!, /invalid JSON/);
  assert.match(reasons[1]!, /array/);
  assert.match(reasons[2]!, /number/);
  assert.match(reasons[3]!, /not valid UTF-8: invalid byte at offset 0/);
  assert.match(reasons[4]!, /exceeds the 4096-byte limit/);
  for (const e of json.error) {
    assert.equal((e.source as Row).topic, topic);
    assert.equal((e.source as Row).partition, 0);
    assert.equal(e.port, 'error');
  }
  const text = await collect(source({ topics: [topic], format: 'string' }, { stopAtEnd: true, maxMessageBytes: 4096 }));
  assert.match(String(text.error.find((e) => (e.source as Row).offset === 4)?.reason), /not valid UTF-8/);

  const avro = await collect(source({ topics: [avroTopic], format: 'avro' }));
  assert.deepEqual(avro.out.map((r) => r.n), [123456789, 123456789]);
  assert.deepEqual(avro.error.map((e) => (e.source as Row).offset), [1, 2, 3]);
  assert.match(String(avro.error[0]!.reason), /unknown schema id 99999/);
  assert.match(String(avro.error[1]!.reason), /does not match schema/);
  assert.match(String(avro.error[2]!.reason), /wire format/);
});

test('with the fields the pipeline reads, rows carry only those, decoded as JSON.parse would', async () => {
  const topic = uniqueTopic('projected');
  await createTopic(topic);
  const values = [
    '{"id":"a","amount":12.5,"event_time":"2026-01-01T00:00:01.000Z","name":"plain","skip":{"deep":[1,2,{"x":"}"}]}}',
    // An escape in a read field: JSON.parse decides, with the same result.
    '{"name":"quo\\"te \\u00e9","amount":-3e2,"event_time":"2026-01-01T00:00:02Z","id":"b"}',
    '{"amount":1,"event_time":"not a time"',
    '{"other":true}',
    '{"amount":7,"name":null,"event_time":"2026-01-01T00:00:03.5Z"}',
  ];
  kcatProduce(topic, values.join('\n') + '\n', ['-K', '\t', '-H', 'h=v']);
  const ctx = { ...testContext('kafka'), fields: ['amount', 'event_time', 'name', '_offset', '_timestamp'] };
  const projected = new KafkaSource('kafka', { connection: 'local', group: uniqueTopic('g'), startFrom: 'earliest', topics: [topic], format: 'json' }, local, ctx, { stopAtEnd: true });
  const { out, error } = await collect(projected);
  assert.deepEqual(error.map((e) => [(e.source as Row).offset, String(e.reason).startsWith('invalid JSON')]), [[2, true]]);
  const time = (row: Row): unknown => row._timestamp instanceof Date;
  assert.deepEqual(out.map((r) => ({ ...r, _timestamp: time(r) })), [
    { amount: 12.5, event_time: new Date('2026-01-01T00:00:01.000Z'), name: 'plain', _offset: 0, _timestamp: true },
    { amount: -300, event_time: new Date('2026-01-01T00:00:02Z'), name: 'quo"te é', _offset: 1, _timestamp: true },
    { _offset: 3, _timestamp: true },
    { amount: 7, event_time: new Date('2026-01-01T00:00:03.5Z'), name: null, _offset: 4, _timestamp: true },
  ]);
  // No metadata field read: the source's lean loop, with the same rows and the same dead letter.
  const lean = new KafkaSource('kafka', { connection: 'local', group: uniqueTopic('g'), startFrom: 'earliest', topics: [topic], format: 'json' }, local, { ...testContext('kafka'), fields: ['amount', 'name'] }, { stopAtEnd: true });
  const plain = await collect(lean);
  assert.deepEqual(plain.error.map((e) => [e.source, e.payload, String(e.reason).startsWith('invalid JSON')]), [[error[0]!.source, values[2], true]]);
  assert.deepEqual(plain.out, [{ amount: 12.5, name: 'plain' }, { amount: -300, name: 'quo"te é' }, {}, { amount: 7, name: null }]);
});

test('stopAtEnd and maxMessageBytes are checked config fields', () => {
  const doc = (config: Record<string, unknown>): unknown => ({
    format: 'streamlake.pipeline', version: 1, name: 'p',
    nodes: [{ id: 'in', type: 'source.kafka', config: { connection: 'local', topics: ['t'], format: 'json', ...config } }, { id: 'out', type: 'sink.preview', config: {} }],
    edges: [{ from: 'in', to: 'out' }],
  });
  assert.equal(validatePipeline(doc({ stopAtEnd: true, maxMessageBytes: 65_536 })).ok, true);
  const problems = (config: Record<string, unknown>): string[] => validatePipeline(doc(config)).problems.map((p) => `${p.path}: ${p.message}`);
  assert.match(problems({ stopAtEnd: 'yes' }).join('\n'), /\/config\/stopAtEnd: "stopAtEnd" must be true or false/);
  assert.match(problems({ maxMessageBytes: 0 }).join('\n'), /\/config\/maxMessageBytes: "maxMessageBytes" must be at least 1/);
  assert.match(problems({ maxMessageBytes: 10.5 }).join('\n'), /"maxMessageBytes" must be a whole number/);
});

test('after the assignment, every partition with events to come is announced before any rows; an empty one is not', async () => {
  const topic = uniqueTopic('announce');
  await createTopic(topic, 4);
  const producer = kafkaClient(local).producer();
  await producer.connect();
  // Partition 0 holds the latest hour of events, partition 2 the earliest, partition 3 nothing: a window
  // that saw partition 0 before knowing of the others would take their events for late ones.
  const hour = (p: number): number => Date.UTC(2026, 0, 1, 2 - p);
  for (const p of [0, 1, 2]) {
    await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ partition: p, value: JSON.stringify({ p, event_time: new Date(hour(p) + i * 1000).toISOString() }) })) });
  }
  await producer.disconnect();
  const ctx = { ...testContext('kafka'), fields: ['p', 'event_time'] };
  const s = new KafkaSource('kafka', { connection: 'local', group: uniqueTopic('g'), startFrom: 'earliest', topics: [topic], format: 'json' }, local, ctx, { stopAtEnd: true });
  const { batches } = await collect(s);
  const announced = batches.filter((b) => b.announce && b.backlog);
  assert.deepEqual(announced.map((b) => b.partition).sort(), [0, 1, 2].map((p) => `kafka/${topic}/${p}`));
  assert.ok(batches.filter((b) => b.announce).every((b) => b.rows.length === 0));
  assert.deepEqual(batches.slice(0, 3).map((b) => [b.announce, b.backlog]), [[true, true], [true, true], [true, true]], 'announcements, with a backlog, come before any rows');
  assert.equal(batches.reduce((n, b) => n + b.rows.length, 0), 150);
  // Each partition says it has caught up after its last rows, and only then: its idle clock may run.
  for (const p of [0, 1, 2]) {
    const mine = batches.filter((b) => b.partition === `kafka/${topic}/${p}`);
    const caughtUp = mine.findIndex((b) => b.announce && b.backlog === false);
    assert.ok(caughtUp > 0, `partition ${p} caught up`);
    assert.equal(mine.slice(caughtUp + 1).length, 0, `nothing of partition ${p} after it caught up`);
    assert.equal(mine.slice(0, caughtUp).reduce((n, b) => n + b.rows.length, 0), 50);
  }
});

test('start positions: earliest, latest, an offset and a timestamp', async () => {
  const topic = uniqueTopic('start');
  await createTopic(topic);
  const producer = kafkaClient(local).producer();
  await producer.connect();
  // Record timestamps an hour back, on a whole second: a fixed date would fall outside the broker's
  // retention (7 days) and be deleted while the test reads.
  const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: JSON.stringify({ i }), timestamp: String(base + i * 1000) })) });
  const all = await collect(source({ topics: [topic], format: 'json', startFrom: 'earliest' }));
  assert.equal(all.out.length, 10);
  const fromOffset = await collect(source({ topics: [topic], format: 'json', startFrom: { offset: 6 } }));
  assert.deepEqual(fromOffset.out.map((r) => r.i), [6, 7, 8, 9]);
  const fromTime = await collect(source({ topics: [topic], format: 'json', startFrom: { timestamp: new Date(base + 7500).toISOString() } }));
  assert.deepEqual(fromTime.out.map((r) => r.i), [8, 9]);

  // latest: only what arrives after the consumer joined.
  const latest = source({ topics: [topic], format: 'json', startFrom: 'latest' }, {});
  const waiting = collect(latest, (c) => c.out.length >= 1);
  let sent = 0;
  const got = await Promise.race([waiting, (async () => {
    for (; sent < 200; sent++) {
      await producer.send({ topic, messages: [{ value: JSON.stringify({ i: 100 + sent }) }] });
      await new Promise((r) => setTimeout(r, 100));
    }
    return await waiting;
  })()]);
  await producer.disconnect();
  assert.ok(got.out.length >= 1);
  assert.ok(got.out.every((r) => (r.i as number) >= 100), 'latest must not replay old messages');
  assert.ok(got.batches.every((b) => !b.announce), 'from latest, nothing was waiting to be read when the partition was assigned');
});

test('restore() resumes exactly after the saved positions, across partitions', async () => {
  const topic = uniqueTopic('resume');
  await createTopic(topic, 3);
  await sink(topic, 'json', Array.from({ length: 300 }, (_, i) => ({ i })), { key: 'i' });
  const first = source({ topics: [topic], format: 'json' });
  const a = await collect(first);
  const saved = first.positions();
  assert.equal(Object.values(saved).reduce((s: number, v) => s + (v as number), 0), 300);
  await sink(topic, 'json', Array.from({ length: 90 }, (_, i) => ({ i: 300 + i })), { key: 'i' });
  // Same group: the group offsets were never committed, so only restore() can skip the first 300.
  const second = new KafkaSource('kafka', { connection: 'local', group: uniqueTopic('g'), topics: [topic], format: 'json', startFrom: 'earliest' }, local, testContext('kafka'), { stopAtEnd: true });
  second.restore(saved);
  const b = await collect(second);
  assert.equal(a.out.length, 300);
  // Every partition is announced before any rows, so windows hold their watermark for all three.
  assert.deepEqual(a.batches.slice(0, 3).map((batch) => [batch.announce, batch.rows.length]), [[true, 0], [true, 0], [true, 0]]);
  assert.equal(new Set(a.batches.slice(0, 3).map((batch) => batch.partition)).size, 3);
  // The restored positions are below the ends only where the 90 new rows went.
  const restoredAnnounced = b.batches.filter((batch) => batch.announce && batch.backlog).map((batch) => batch.partition).sort();
  assert.deepEqual(restoredAnnounced, [...new Set(b.batches.filter((batch) => batch.rows.length).map((batch) => batch.partition))].sort());
  assert.deepEqual(b.out.map((r) => r.i as number).sort((x, y) => x - y), Array.from({ length: 90 }, (_, i) => 300 + i));
  assert.ok(b.batches.every((batch) => /^kafka\/resume-[0-9a-f]+\/[0-2]$/.test(batch.partition)), 'one batch per topic-partition');
});

/** A source in a consumer group, run as an engine runs it. */
interface GroupMember { received: number[]; stop: () => Promise<void> }

/**
 * Sources sharing one consumer group on a fresh 4-partition topic, a producer of rows `{i}` numbered from
 * 0, and the final check: no run failed (recorded at once, not left as an unhandled rejection until the
 * end) and every produced row reached a member.
 */
async function consumerGroup(name: string): Promise<{
  id: string;
  join: (member: string, beforePush?: () => Promise<void>) => GroupMember;
  produce: (n: number) => Promise<void>;
  produceUntilReceived: (member: GroupMember) => Promise<void>;
  waitFor: (cond: () => boolean | Promise<boolean>) => Promise<void>;
  finish: () => Promise<void>;
}> {
  const topic = uniqueTopic(name);
  await createTopic(topic, 4);
  const id = uniqueTopic('group');
  const config: KafkaSourceConfig = { connection: 'local', topics: [topic], group: id, format: 'json', startFrom: 'earliest' };
  const failures: string[] = [];
  const members: GroupMember[] = [];
  const join = (member: string, beforePush?: () => Promise<void>): GroupMember => {
    const s = new KafkaSource(member, config, local, testContext(member), {});
    const abort = new AbortController();
    const received: number[] = [];
    const done = s.run(async (batch, port) => {
      await beforePush?.();
      if (port !== 'error') for (const r of batch.rows) received.push(r.i as number);
      // Commit as a checkpoint would, so the partner starts where this one was.
      await s.committed(s.positions());
    }, abort.signal).catch((error: unknown) => { failures.push(`${member}: ${String(error)}`); });
    const joined = { received, stop: async () => { abort.abort(); await done; } };
    members.push(joined);
    return joined;
  };
  const producer = kafkaClient(local).producer();
  await producer.connect();
  let next = 0;
  const produce = async (n: number): Promise<void> => {
    await producer.send({ topic, messages: Array.from({ length: n }, () => ({ key: String(next), value: JSON.stringify({ i: next++ }) })) });
  };
  // Bounded (60 s) so a broken source fails the test; a failed run ends the wait at once.
  const waitFor = async (cond: () => boolean | Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 600 && failures.length === 0 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 100));
  };
  // Keeps producing while the group rebalances, until the newcomer has received something.
  const produceUntilReceived = async (member: GroupMember): Promise<void> => {
    for (let i = 0; i < 100 && member.received.length === 0 && failures.length === 0; i++) {
      await produce(20);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const seen = (): Set<number> => new Set(members.flatMap((m) => m.received));
  const finish = async (): Promise<void> => {
    await waitFor(() => seen().size >= next);
    await Promise.all(members.map((m) => m.stop()));
    await producer.disconnect();
    assert.deepEqual(failures, [], 'no consumer run failed');
    const missing = Array.from({ length: next }, (_, i) => i).filter((i) => !seen().has(i));
    assert.deepEqual(missing, [], `every message reached one of the consumers (${next} produced)`);
    assert.equal(seen().size, next, 'nothing but the produced messages');
  };
  return { id, join, produce, produceUntilReceived, waitFor, finish };
}

test('a rebalance between two consumers of one group loses nothing', async () => {
  const group = await consumerGroup('rebalance');
  const a = group.join('a');
  await group.produce(400);
  await group.waitFor(() => a.received.length >= 400);
  const b = group.join('b');
  await group.produceUntilReceived(b);
  await group.produce(400);
  await group.finish();
  assert.ok(b.received.length > 0, 'the second consumer got partitions');
});

test('a rebalance while pushes are held up neither fails the run nor loses rows', async () => {
  const group = await consumerGroup('rebalance-held');
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let hold = false;
  let holding = 0;
  // A slow sink (the runtime's backpressure): once `hold` is set, a's pushes wait for the release.
  const a = group.join('a', async () => {
    if (!hold) return;
    holding++;
    await released;
  });
  await group.produce(40);
  await group.waitFor(() => a.received.length >= 40);
  hold = true;
  await group.produce(20);
  await group.waitFor(() => holding > 0);
  // The next batches' handlers wait for the held ones, and kafkajs fetches and heartbeats again only once
  // they return: a stays unaware of a rebalance until its pushes are released, and then the source's
  // heartbeat after each batch is the first to hear of it. The pause lets a fetch them (it fetches every
  // 100 ms at most); were it too short, kafkajs' heartbeat would meet the rebalance first and the test would
  // pass without reaching the case, never fail wrongly.
  await group.produce(20);
  await new Promise((r) => setTimeout(r, 500));
  const b = group.join('b');
  // b's JoinGroup keeps the group in PreparingRebalance until a rejoins (or its session expires); kafkajs
  // heartbeats at most every 3 s, so after that a's next heartbeat goes out.
  const admin = kafkaClient(local).admin();
  await admin.connect();
  await group.waitFor(async () => (await admin.describeGroups([group.id])).groups[0]?.state === 'PreparingRebalance');
  await admin.disconnect();
  await new Promise((r) => setTimeout(r, 3500));
  release();
  await group.produceUntilReceived(b);
  await group.finish();
  assert.ok(b.received.length > 0, 'the second consumer got partitions');
});

test('SASL_SSL with TLS + SCRAM-SHA-512 reads rows', async () => {
  const s = broker.saslSsl!;
  const remote: ConnectionConfig = { name: 'remote', brokers: [s.bootstrap], tls: { ca: s.caPath }, sasl: { mechanism: 'scram-sha-512', username: s.username, password: s.password } };
  const topic = uniqueTopic('secure');
  await createTopic(topic);
  await sink(topic, 'json', sample);
  const { out } = await collect(source({ topics: [topic], format: 'json' }, { stopAtEnd: true }, remote));
  assert.equal(out.length, sample.length);
  assert.equal(out[0]!._headers, null, 'no headers: null');
});

test('source.kafka straight into sink.lake: metadata columns have types the lake stores', async () => {
  const topic = uniqueTopic('tolake');
  await createTopic(topic);
  await sink(topic, 'json', sample, { key: 'order_id', headers: { origin: "'test'" } });
  const lakeDir = mkdtempSync(join(tmpdir(), 'streamlake-kafka-lake-'));
  const run = createRun({
    format: 'streamlake.pipeline', version: 1, name: 'tolake',
    nodes: [
      { id: 'in', type: 'source.kafka', config: { connection: 'local', topics: [topic], format: 'json', startFrom: 'earliest' } },
      { id: 'out', type: 'sink.lake', config: { table: 'orders' } },
    ],
    edges: [{ from: 'in', to: 'out' }],
  }, { lakeDir, homeDir: lakeDir, nodes: { 'source.kafka': { kind: 'source', create: (spec, ctx) => new KafkaSource(spec.id, spec.config as KafkaSourceConfig, local, ctx, { stopAtEnd: true }) } } });
  const summary = await run.start();
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  const rows = await readRows(await openLake(lakeDir).table('orders'));
  assert.equal(rows.length, sample.length);
  const first = rows.find((r) => r.order_id === 'o-0')!;
  assert.deepEqual([first._key, JSON.parse(first._headers as string), first._topic, first._offset], ['o-0', { origin: 'test' }, topic, 0]);
});
